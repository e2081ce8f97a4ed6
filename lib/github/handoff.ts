// Which route wakes the agent, decided once for hand-off and doctor: the default GITHUB_TOKEN's issues and
// comments start no workflow, so only a second identity's comment or a repository_dispatch can.
import type { HealConfig } from "../config.ts";

export interface HandoffPlan {
  via: "comment" | "dispatch" | "none";
  /** One line for people: what will happen, or what to set so that something does. */
  explain: string;
}

export function planHandoff(agent: HealConfig["agent"], agentTokenSet: boolean): HandoffPlan {
  if (agent.handoff === "none" || agent.mention.trim() === "") {
    return { via: "none", explain: "agent.handoff is none or agent.mention is empty: issues are filed, nobody is woken" };
  }
  if (agentTokenSet && (agent.handoff === "auto" || agent.handoff === "token")) {
    return { via: "comment", explain: `a ${agent.mention} comment written with ${agent.tokenEnv} (its events start workflows)` };
  }
  if (agent.handoff === "auto" || agent.handoff === "dispatch") {
    return {
      via: "dispatch",
      explain: `repository_dispatch "${agent.dispatchEventType}" (the agent workflow must listen for it)`,
    };
  }
  return {
    via: "none",
    explain:
      `nothing will wake the agent: agent.handoff is "token" but ${agent.tokenEnv} is not set, and the issue filed with ` +
      `GITHUB_TOKEN starts no workflow. Set the ${agent.tokenEnv} secret (GitHub App installation token or PAT) or ` +
      `set agent.handoff: dispatch (README "GitHub set-up")`,
  };
}

/** Every hand-off leaves one comment carrying this hidden tag (agent-token comment or dispatch note). */
export const HANDOFF_TAG = "<!-- heal:handoff ";

export function handoffTag(issueNumber: number, runId: string | null, runAttempt: string): string {
  return `${HANDOFF_TAG}issue=${issueNumber} run=${runId ?? "local"}.${runAttempt} -->`;
}

/** Hand-offs recorded on an issue's comments. */
export function countHandoffs(comments: { body: string }[]): number {
  return comments.filter((c) => c.body.includes(HANDOFF_TAG)).length;
}
