import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../lib/config.ts";
import { planHandoff } from "../../lib/github/handoff.ts";

const agent = (over: Partial<ReturnType<typeof defaultConfig>["agent"]> = {}) => ({ ...defaultConfig().agent, ...over });

describe("planHandoff", () => {
  test("auto: the agent token's comment when the token is set, else repository_dispatch", () => {
    expect(planHandoff(agent(), true).via).toBe("comment");
    expect(planHandoff(agent(), false)).toEqual({ via: "dispatch", explain: 'repository_dispatch "heal-agent" (the agent workflow must listen for it)' });
  });

  test("token without the token: nothing wakes the agent, and the fix is named", () => {
    const plan = planHandoff(agent({ handoff: "token" }), false);
    expect(plan.via).toBe("none");
    expect(plan.explain).toContain("HEAL_AGENT_TOKEN is not set");
    expect(plan.explain).toContain("set agent.handoff: dispatch");
  });

  test("dispatch ignores a token; none and an empty mention wake nobody", () => {
    expect(planHandoff(agent({ handoff: "dispatch" }), true).via).toBe("dispatch");
    expect(planHandoff(agent({ handoff: "none" }), true).via).toBe("none");
    expect(planHandoff(agent({ mention: "" }), true).via).toBe("none");
  });
});
