import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../lib/config.ts";
import { createGitHubClient, repoClient, type RepoClient } from "../../lib/github/client.ts";
import { listComments } from "../../lib/github/comments.ts";
import { countHandoffs, handoffComments, isHandoffAuthor, mentionCapReached, planHandoff, wakeAgent } from "../../lib/github/handoff.ts";
import { handoffNoteText } from "../../lib/github/texts.ts";
import { buildMarker } from "../../lib/marker.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

const agent = (over: Partial<ReturnType<typeof defaultConfig>["agent"]> = {}) => ({ ...defaultConfig().agent, ...over });

describe("planHandoff", () => {
  test("auto: the agent token's comment when the token is set, else repository_dispatch", () => {
    expect(planHandoff(agent(), true).via).toBe("comment");
    expect(planHandoff(agent(), false)).toEqual({
      via: "dispatch",
      explain: 'repository_dispatch "heal-agent" (the agent workflow must listen for it)',
    });
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

describe("who may write a hand-off", () => {
  const tag = "<!-- heal:handoff issue=1 run=7.1 -->";
  const unknownAgent = { botLogin: "github-actions[bot]", agentLogin: null };

  test("a tag by an ordinary user counts for nothing; the tool's own and an App bot's count", () => {
    const comments = [
      { body: `forged ${tag}`, author: "mallory" },
      { body: `note ${tag}`, author: "github-actions[bot]" },
      { body: `@claude fix ${tag}`, author: "heal-agent[bot]" },
    ];
    expect(countHandoffs(comments, unknownAgent)).toBe(2);
    expect(handoffComments(comments, unknownAgent).map((c) => c.author)).toEqual(["github-actions[bot]", "heal-agent[bot]"]);
    // User logins cannot contain brackets: "mallory-bot" or a display name is not "[bot]".
    expect(isHandoffAuthor("mallory-bot", unknownAgent)).toBe(false);
  });

  test("github-actions[bot] counts only when it is the tool itself (every workflow writes as it)", () => {
    const patTool = { botLogin: "heal-robot", agentLogin: null };
    expect(isHandoffAuthor("github-actions[bot]", patTool)).toBe(false);
    expect(isHandoffAuthor("HEAL-ROBOT", patTool)).toBe(true);
    expect(isHandoffAuthor("claude-agent[bot]", patTool)).toBe(true);
  });

  test("a known agent login admits exactly that login, no other bot", () => {
    const known = { botLogin: "github-actions[bot]", agentLogin: "heal-agent[bot]" };
    expect(isHandoffAuthor("heal-agent[bot]", known)).toBe(true);
    expect(isHandoffAuthor("dependabot[bot]", known)).toBe(false);
    expect(isHandoffAuthor("github-actions[bot]", known)).toBe(true);
    expect(
      countHandoffs(
        [
          { body: tag, author: "dependabot[bot]" },
          { body: "no tag", author: "heal-agent[bot]" },
        ],
        known,
      ),
    ).toBe(0);
  });
});

describe("against the GitHub double", () => {
  let gh: GitHubDouble;
  let r: RepoClient;
  const who = { botLogin: "github-actions[bot]", agentLogin: null };
  const healingMarker = buildMarker({ kind: "healing", branch: "dev", fingerprints: ["0a1b2c3d4e5f"] });
  const coverageMarker = buildMarker({ kind: "coverage", branch: "", fingerprints: [] });
  const tagOf = (n: number, run: string) => `<!-- heal:handoff issue=${n} run=${run}.1 -->`;
  const log = () =>
    gh.requests.map((q) => `${q.method} ${q.path}${q.query.labels ? `?labels=${q.query.labels}&state=${q.query.state}` : ""}`);

  beforeEach(async () => {
    gh = await startGitHubDouble();
    r = repoClient(
      createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, retryBaseMs: 5, pacing: false, timeoutMs: 1000 }),
      gh.repository,
    );
    gh.seedLabel({ name: "auto-healing" });
    gh.seedLabel({ name: "test-quality" });
    gh.seedIssue({ title: "healing", body: `x\n${healingMarker}`, labels: ["auto-healing"], author: "github-actions[bot]" });
    gh.seedIssue({
      title: "coverage",
      body: `y\n${coverageMarker}`,
      labels: ["auto-healing", "test-quality"],
      author: "github-actions[bot]",
    });
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  test("mention cap: hand-offs on every tool issue of the day count, forged ones by a user do not", async () => {
    gh.seedComment(1, `note ${tagOf(1, "1")}`, "github-actions[bot]");
    gh.seedComment(2, `forged ${tagOf(2, "2")}`, "mallory");
    gh.seedComment(2, `forged again ${tagOf(2, "3")}`, "mallory");
    const comments = await listComments(r, 1);
    gh.resetLog();
    const input = { issueNumber: 1, comments, who, labels: ["auto-healing", "Auto-Healing", "test-quality"], cap: 2 };
    expect(await mentionCapReached(r, input)).toBe(false);
    expect(log()).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&state=all",
      "GET /repos/acme/widgets/issues/2/comments",
      "GET /repos/acme/widgets/issues?labels=test-quality&state=all",
    ]);
    gh.seedComment(2, `@claude write tests ${tagOf(2, "4")}`, "heal-agent[bot]");
    expect(await mentionCapReached(r, input)).toBe(true);
    gh.resetLog();
    expect(await mentionCapReached(r, { ...input, cap: 0 })).toBe(true);
    expect(await mentionCapReached(r, { ...input, cap: -1 })).toBe(false);
    expect(gh.requests).toEqual([]);
  });

  test("wakeAgent: a forged tag for this very run does not stop the hand-off; a lost dispatch answer is recorded once", async () => {
    gh.seedComment(1, `I am the hand-off ${tagOf(1, "9")}`, "mallory");
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "lostResponse" });
    const agent = defaultConfig().agent;
    // The note as templates/handoff-note.md renders it (no repository override here).
    const texts = { root: mkdtempSync(join(tmpdir(), "heal-texts-")), config: defaultConfig() };
    const wake = async () =>
      wakeAgent({
        r,
        agentClient: null,
        agent,
        issueNumber: 1,
        who,
        comments: await listComments(r, 1),
        cap: { dailyMentions: 10, labels: ["auto-healing"] },
        run: { id: "9", attempt: "1" },
        ask: "Please fix #1.",
        note: (unconfirmed) =>
          handoffNoteText(texts, { kind: "healing", event_type: "heal-agent", attempt: 1, max_attempts: 3, unconfirmed }),
        payload: { issue_number: 1 },
        attempt: 1,
      });
    const first = await wake();
    expect(first).toEqual({
      via: "dispatch",
      eventType: "heal-agent",
      attempt: 1,
      unconfirmed: true,
      reason: expect.stringContaining('repository_dispatch "heal-agent" is unconfirmed (POST /repos/acme/widgets/dispatches: '),
    });
    expect(gh.state.dispatches).toHaveLength(1);
    const note = gh.issue(1)!.comments.at(-1)!;
    expect(note.user.login).toBe("github-actions[bot]");
    expect(note.body).toBe(
      "🤖 Handed to the agent through `repository_dispatch` `heal-agent` (attempt 1 of 3).\n\n⚠️ GitHub's answer to the dispatch was lost, so it was not sent again (a second one could start a second agent run). " +
        `If no agent run started for this issue, ask again in a comment.\n\n${tagOf(1, "9")}`,
    );
    // The same run again: its own tag is on the issue now, by the tool.
    expect(await wake()).toEqual({ via: "skipped", reason: "this run already handed off" });
    expect(gh.state.dispatches).toHaveLength(1);
  });
});
