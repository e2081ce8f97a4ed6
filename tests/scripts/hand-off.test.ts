// Black-box: `bun scripts/hand-off.ts` — agent token comment, repository_dispatch, or a warning; budgets respected.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMarker } from "../../lib/marker.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { actionsEnv, failure, failureReport, requestLog, runStep, TASK_PATH, workdir, type Workdir } from "../github/fixtures.ts";

const AGENT_TOKEN = `ghs_agentapptoken${"0".repeat(30)}`;
const AGENT_PAT = `ghp_${"A1".repeat(18)}`;
const LIST_24H = "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all";

let gh: GitHubDouble;
let w: Workdir;

async function start(): Promise<void> {
  gh = await startGitHubDouble({
    tokens: {
      [DEFAULT_TOKEN]: { login: "github-actions[bot]", type: "Bot", permissions: { issues: "write", contents: "write", metadata: "read" } },
      [AGENT_TOKEN]: { login: "heal-agent[bot]", type: "Bot", permissions: { issues: "write", metadata: "read" } },
      [AGENT_PAT]: { login: "heal-robot", type: "User", permissions: { issues: "write", metadata: "read" } },
    },
  });
  w = workdir();
}
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  w.cleanup();
});

function config(yaml: string): void {
  mkdirSync(join(w.dir, ".agent/heal"), { recursive: true });
  writeFileSync(join(w.dir, ".agent/heal/config.yaml"), yaml);
}

/** sync-issue first, as task heal runs it; the log is cleared afterwards. */
async function healed(over: Record<string, string> = {}): Promise<void> {
  w.writeReports(failureReport([failure(1)]));
  expect((await runStep("sync-issue", w.dir, actionsEnv(gh, over))).code).toBe(0);
  gh.resetLog();
}

const handOff = (over: Record<string, string | undefined> = {}) => runStep("hand-off", w.dir, actionsEnv(gh, over));

describe("hand-off", () => {
  test("no agent token (handoff auto): repository_dispatch with the issue, branch, task path and attempt, plus a note", async () => {
    await start();
    await healed();
    const r = await handOff();
    expect(r.stderr).toBe("agent woken via dispatch (heal-agent)\n");
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { issue_number: 1, branch: "dev", task_path: TASK_PATH, attempt: 1 },
        login: "github-actions[bot]",
      },
    ]);
    const note = gh.issue(1)!.comments[0]!;
    expect(note.body).toStartWith("🤖 Handed to the agent through `repository_dispatch` `heal-agent` (attempt 1 of 3).");
    expect(note.body).not.toContain("@claude");
    expect(w.githubJson().handoff).toEqual({ via: "dispatch", eventType: "heal-agent", attempt: 1 });
  });

  test("agent token set: the @claude comment is written by the agent's identity, with the task file and the issue", async () => {
    await start();
    await healed();
    const r = await handOff({ HEAL_AGENT_TOKEN: AGENT_TOKEN });
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      LIST_24H,
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    expect(gh.requests.map((q) => q.login)).toEqual([
      "github-actions[bot]",
      "github-actions[bot]",
      "github-actions[bot]",
      "heal-agent[bot]",
    ]);
    const comment = gh.issue(1)!.comments[0]!;
    expect(comment.user.login).toBe("heal-agent[bot]");
    expect(comment.body).toStartWith("@claude Please fix the failing tests of #1 (attempt 1 of 3).");
    expect(comment.body).toContain(`Read the task context \`${TASK_PATH}\` first`);
    // Set-up B: the comment names the failing branch as the fix's base and its pull request's target.
    expect(comment.body).toContain("branch from `dev` and open a pull request into `dev` that says `Fixes #1`.");
    expect(gh.state.dispatches).toEqual([]);
    expect(w.githubJson().handoff).toMatchObject({ via: "comment", attempt: 1 });
  });

  test("a repository's handoff.md replaces the wording; the mention and the hand-off tag stay the tool's", async () => {
    await start();
    await healed();
    mkdirSync(join(w.dir, ".agent/heal/templates"), { recursive: true });
    writeFileSync(
      join(w.dir, ".agent/heal/templates/handoff.md"),
      "Bitte #{{ issue_number }} reparieren, Versuch {{ attempt }}/{{ max_attempts }}: {{ task_ref }}\n",
    );
    const r = await handOff({ HEAL_AGENT_TOKEN: AGENT_TOKEN });
    expect(r.code).toBe(0);
    expect(gh.issue(1)!.comments[0]!.body).toBe(
      `@claude Bitte #1 reparieren, Versuch 1/3: \`${TASK_PATH}\`\n\n<!-- heal:handoff issue=1 run=1001.1 -->`,
    );
  });

  test("the agent comment's response is lost: found by its run tag, not posted twice", async () => {
    await start();
    await healed();
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/issues/{issue_number}/comments", kind: "lostResponse" });
    const r = await handOff({ HEAL_AGENT_TOKEN: AGENT_TOKEN });
    expect(r.code).toBe(0);
    expect(gh.issue(1)!.comments).toHaveLength(1);
    expect(requestLog(gh).slice(-2)).toEqual(["POST /repos/acme/widgets/issues/1/comments", "GET /repos/acme/widgets/issues/1/comments"]);
    expect(w.githubJson().handoff).toMatchObject({ via: "comment", attempt: 1 });
  });

  test("the agent token variable is the one the config names", async () => {
    await start();
    config("agent:\n  token_env: MY_AGENT_TOKEN\n  mention: '@agent'\n");
    await healed();
    const r = await handOff({ MY_AGENT_TOKEN: AGENT_TOKEN });
    expect(r.code).toBe(0);
    expect(gh.issue(1)!.comments[0]!.body).toStartWith("@agent Please fix");
  });

  test("handoff token without the token: a warning that nothing will wake the agent, and how to fix it", async () => {
    await start();
    config("agent:\n  handoff: token\n");
    await healed();
    const r = await handOff();
    expect(r.code).toBe(0);
    // In Actions a warning annotation (the run's summary shows it), escaped as a workflow command.
    expect(r.stderr).toStartWith('::warning::nothing will wake the agent: agent.handoff is "token" but HEAL_AGENT_TOKEN is not set');
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain('README "GitHub set-up"');
    expect(gh.writes()).toEqual([]);
    expect(w.githubJson().handoff).toMatchObject({ via: "none" });
  });

  test("nothing new (unchanged issue, already handed off): no request at all", async () => {
    await start();
    await healed();
    await handOff();
    await healed({ GITHUB_RUN_ID: "1002" });
    const r = await handOff({ GITHUB_RUN_ID: "1002" });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] wake the agent: no new failures to hand off (issue unchanged)\n");
    expect(gh.requests).toEqual([]);
  });

  test("an issue whose earlier run died before the hand-off is handed off by the next (unchanged) run, once", async () => {
    await start();
    await healed();
    await healed({ GITHUB_RUN_ID: "1002" });
    expect(w.githubJson()).toMatchObject({ action: "unchanged", handedOff: false });
    expect((await handOff({ GITHUB_RUN_ID: "1002" })).code).toBe(0);
    expect(gh.state.dispatches).toHaveLength(1);
    await healed({ GITHUB_RUN_ID: "1003" });
    expect(w.githubJson()).toMatchObject({ action: "unchanged", handedOff: true });
    const r = await handOff({ GITHUB_RUN_ID: "1003" });
    expect(r.stderr).toBe("[skip] wake the agent: no new failures to hand off (issue unchanged)\n");
    expect(gh.requests).toEqual([]);
  });

  test("attempts exhausted (3 failed verifications by the tool): no hand-off; forged ones by others do not count", async () => {
    await start();
    await healed();
    const failedVerification = buildMarker({ kind: "verification", branch: "dev", fingerprints: [], extra: { result: "fail" } });
    gh.seedComment(1, `❌ still failing ${failedVerification}`, "mallory");
    gh.seedComment(1, `❌ still failing ${failedVerification}`, "mallory");
    gh.seedComment(1, `❌ still failing ${failedVerification}`, "mallory");
    let r = await handOff();
    expect(r.code).toBe(0);
    expect(w.githubJson().handoff).toMatchObject({ via: "dispatch", attempt: 1 });

    for (let i = 0; i < 3; i++) gh.seedComment(1, `❌ still failing ${failedVerification}`, "github-actions[bot]");
    gh.resetLog();
    r = await handOff({ GITHUB_RUN_ID: "1009" });
    expect(r.stderr).toBe("[skip] wake the agent: the agent already failed 3 of 3 attempts on #1\n");
    expect(gh.writes()).toEqual([]);
  });

  test("daily mention cap: budget.daily_mentions hand-offs in 24 hours stop the next one", async () => {
    await start();
    config("budget:\n  daily_mentions: 1\n");
    await healed();
    expect((await handOff()).code).toBe(0);
    gh.resetLog();
    const r = await handOff({ GITHUB_RUN_ID: "1010" });
    expect(r.stderr).toBe("[skip] wake the agent: daily cap reached: 1 agent hand-offs in 24 hours (budget.daily_mentions)\n");
    expect(gh.writes()).toEqual([]);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("kill switch label: no hand-off", async () => {
    await start();
    await healed();
    gh.seedLabel({ name: "heal:paused" });
    gh.issue(1)!.labels.push("heal:paused");
    const r = await handOff();
    expect(r.stderr).toBe("[skip] wake the agent: issue #1 has the heal:paused label\n");
    expect(requestLog(gh)).toEqual(["GET /repos/acme/widgets/issues/1"]);
  });

  test("local mode: a [skip] line and exit 0", async () => {
    await start();
    const r = await handOff({ GITHUB_TOKEN: undefined });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] wake the agent (@claude): no GITHUB_TOKEN or GH_TOKEN (local mode)\n");
    expect(gh.requests).toEqual([]);
  });

  test("a hand-off tag forged by a user neither uses up the daily budget nor stands for this run's hand-off", async () => {
    await start();
    config("budget:\n  daily_mentions: 1\n");
    await healed();
    gh.seedComment(1, "<!-- heal:handoff issue=1 run=999.1 -->", "mallory");
    gh.seedComment(1, "looks done <!-- heal:handoff issue=1 run=1001.1 -->", "mallory");
    gh.resetLog();
    const r = await handOff();
    expect(r.stderr).toBe("agent woken via dispatch (heal-agent)\n");
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("a forged tag does not make sync-issue think an issue was handed off: the next run still hands it off", async () => {
    await start();
    await healed();
    gh.seedComment(1, "<!-- heal:handoff issue=1 run=1001.1 -->", "mallory");
    await healed({ GITHUB_RUN_ID: "1002" });
    expect(w.githubJson()).toMatchObject({ action: "unchanged", handedOff: false });
    const r = await handOff({ GITHUB_RUN_ID: "1002" });
    expect(r.stderr).toBe("agent woken via dispatch (heal-agent)\n");
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("HEAL_AGENT_LOGIN names the agent: another App bot's tag then does not count for the cap", async () => {
    await start();
    config("budget:\n  daily_mentions: 1\n");
    await healed();
    // Without HEAL_AGENT_LOGIN any App bot could be the agent, and this tag would use up the one hand-off.
    gh.seedComment(1, "<!-- heal:handoff issue=1 run=999.1 -->", "dependabot[bot]");
    const r = await handOff({ HEAL_AGENT_LOGIN: "heal-agent[bot]" });
    expect(r.stderr).toBe("agent woken via dispatch (heal-agent)\n");
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("a personal agent token: its login comes from one GET /user, and its earlier hand-offs count for the cap", async () => {
    await start();
    config("budget:\n  daily_mentions: 1\n");
    await healed();
    gh.seedComment(1, "@claude please <!-- heal:handoff issue=1 run=999.1 -->", "heal-robot");
    gh.resetLog();
    const r = await handOff({ HEAL_AGENT_TOKEN: AGENT_PAT });
    expect(r.stderr).toBe("[skip] wake the agent: daily cap reached: 1 agent hand-offs in 24 hours (budget.daily_mentions)\n");
    expect(gh.requests.map((q) => `${q.method} ${q.path} ${q.login}`)).toEqual([
      "GET /repos/acme/widgets/issues/1 github-actions[bot]",
      "GET /user heal-robot",
      "GET /repos/acme/widgets/issues/1/comments github-actions[bot]",
      "GET /repos/acme/widgets/issues github-actions[bot]",
    ]);
  });

  test("the dispatch's answer is lost: exactly one dispatch, a warning, `unconfirmed` recorded, and the next run does not repeat it", async () => {
    await start();
    await healed();
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "lostResponse" });
    const r = await handOff();
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    expect(gh.state.dispatches).toHaveLength(1);
    expect(r.stderr).toStartWith('warning: repository_dispatch "heal-agent" is unconfirmed (POST /repos/acme/widgets/dispatches: ');
    expect(r.stderr).toEndWith("): not sent again, to wake the agent at most once; if no agent run started, ask again on issue #1\n");
    expect(w.githubJson().handoff).toMatchObject({ via: "dispatch", eventType: "heal-agent", attempt: 1, unconfirmed: true });
    const note = gh.issue(1)!.comments[0]!;
    expect(note.body).toContain("⚠️ GitHub's answer to the dispatch was lost, so it was not sent again");
    expect(note.body).toEndWith("<!-- heal:handoff issue=1 run=1001.1 -->");

    await healed({ GITHUB_RUN_ID: "1002" });
    expect(w.githubJson()).toMatchObject({ action: "unchanged", handedOff: true });
    const again = await handOff({ GITHUB_RUN_ID: "1002" });
    expect(again.stderr).toBe("[skip] wake the agent: no new failures to hand off (issue unchanged)\n");
    expect(gh.requests).toEqual([]);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("only environment failures: nobody is woken (no request at all); agent.handoff_environment: true hands them off", async () => {
    await start();
    const environment = failure(1, {
      fullName: "pytest (environment)",
      file: null,
      line: null,
      kind: "environment",
      message: "cannot import requests: install requests",
    });
    w.writeReports(failureReport([environment]));
    expect((await runStep("sync-issue", w.dir, actionsEnv(gh))).code).toBe(0);
    gh.resetLog();
    const r = await handOff();
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([]);
    expect(w.githubJson().handoff).toEqual({
      via: "skipped",
      reason: "only environment failures: install what the issue names (agent.handoff_environment: true hands them off)",
    });
    config("agent:\n  handoff_environment: true\n");
    const again = await handOff();
    expect(again.stderr).toBe("agent woken via dispatch (heal-agent)\n");
    expect(gh.state.dispatches).toHaveLength(1);
  });
});
