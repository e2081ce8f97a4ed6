// Black-box: `bun scripts/sync-issue.ts` against the GitHub double; every scenario asserts the exact request log.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMarker, parseMarker } from "../../lib/marker.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import {
  actionsEnv,
  failure,
  failureReport,
  fakeFingerprint,
  requestLog,
  runStep,
  wellFormed,
  workdir,
  type Workdir,
} from "../github/fixtures.ts";

const LIST = "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open";
/** The daily-cap look-up: the tool's issues of the last 24 hours (only made before creating one). */
const LIST_24H = "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all";
const FIRST_HEAL = [
  LIST,
  LIST_24H,
  "GET /repos/acme/widgets/labels",
  "POST /repos/acme/widgets/labels",
  "POST /repos/acme/widgets/labels",
  "POST /repos/acme/widgets/labels",
  "POST /repos/acme/widgets/issues",
];

let gh: GitHubDouble;
let w: Workdir;
beforeEach(async () => {
  gh = await startGitHubDouble();
  w = workdir();
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  w.cleanup();
});

const sync = (over: Record<string, string | undefined> = {}) =>
  runStep("sync-issue", w.dir, actionsEnv(gh, { GITHUB_STEP_SUMMARY: join(w.dir, "summary.md"), ...over }));

describe("sync-issue", () => {
  test("first heal: lists, creates the three labels with colours, creates one issue with the failures and the marker", async () => {
    w.writeReports(failureReport([failure(1), failure(2)]));
    const r = await sync();
    expect(r.stderr).toBe("healing issue: created https://github.com/acme/widgets/issues/1\n");
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual(FIRST_HEAL);
    expect(gh.state.labels.map((l) => [l.name, l.color, l.description])).toEqual([
      ["auto-healing", "d93f0b", "Opened by the self-healing TDD loop: failing tests handed to the agent"],
      ["bug", "d73a4a", "Something isn't working"],
      ["tdd", "5319e7", "Test-driven: a failing test defines the fix"],
    ]);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("🔴 Auto-Healing: Test Failures in dev");
    expect(issue.labels).toEqual(["auto-healing", "bug", "tdd"]);
    expect(issue.body).toContain("math > adds case 1");
    expect(issue.body).toContain("@claude Please fix");
    expect(parseMarker(issue.body)).toMatchObject({
      kind: "healing",
      branch: "dev",
      count: 2,
      fingerprints: [fakeFingerprint(1), fakeFingerprint(2)].sort(),
      run: { id: "1001", attempt: "1" },
    });
    expect(w.githubJson()).toEqual({
      issueNumber: 1,
      issueUrl: "https://github.com/acme/widgets/issues/1",
      action: "created",
      branch: "dev",
      failures: 2,
      taskPath: ".agent/tasks/fix-test-failures-dev.yaml",
      handedOff: false,
    });
    const summary = readFileSync(join(w.dir, "summary.md"), "utf8");
    expect(summary).toContain("## 🔴 Self-healing TDD loop: 2 failing tests");
    expect(summary).toContain("| math &gt; adds case 1 | `tests/math.test.ts:11` | expected 2 to be 1 |");
    expect(summary).toContain("Healing issue: [#1](https://github.com/acme/widgets/issues/1) (created).");
  });

  test("existing labels are not created again; only the missing one is", async () => {
    gh.seedLabel({ name: "bug", color: "000000", description: "ours" });
    gh.seedLabel({ name: "auto-healing" });
    w.writeReports(failureReport([failure(1)]));
    expect((await sync()).code).toBe(0);
    expect(requestLog(gh)).toEqual([
      LIST,
      LIST_24H,
      "GET /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
    ]);
    expect(gh.writes()[0]!.body).toMatchObject({ name: "tdd" });
    expect(gh.state.labels.find((l) => l.name === "bug")!.color).toBe("000000");
  });

  test("second run with the same failures (new run id): only GETs, no write", async () => {
    w.writeReports(failureReport([failure(1), failure(2)]));
    await sync();
    gh.resetLog();
    const r = await sync({ GITHUB_RUN_ID: "1002" });
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST, "GET /repos/acme/widgets/issues/1/comments"]);
    expect(gh.writes()).toEqual([]);
    expect(w.githubJson()).toMatchObject({ issueNumber: 1, action: "unchanged", reason: "same failing tests as last reported" });
  });

  test("a re-run of the same run (attempt 2) adds nothing even when the failures differ", async () => {
    w.writeReports(failureReport([failure(1)]));
    await sync();
    gh.resetLog();
    w.writeReports(failureReport([failure(1), failure(3)]));
    const r = await sync({ GITHUB_RUN_ATTEMPT: "2" });
    expect(r.code).toBe(0);
    expect(gh.writes()).toEqual([]);
    expect(w.githubJson()).toMatchObject({ action: "unchanged", reason: "run 1001 already reported (attempt 1)" });
  });

  test("changed failures: exactly one comment naming the new failure and the fixed one; then unchanged again", async () => {
    w.writeReports(failureReport([failure(1), failure(2)]));
    await sync();
    gh.resetLog();
    w.writeReports(failureReport([failure(2), failure(3)]));
    expect((await sync({ GITHUB_RUN_ID: "1003" })).code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST, "GET /repos/acme/widgets/issues/1/comments", "POST /repos/acme/widgets/issues/1/comments"]);
    const comment = gh.state.issues[0]!.comments[0]!;
    expect(comment.user.login).toBe("github-actions[bot]");
    expect(comment.body).toContain("**Newly failing (1):**");
    expect(comment.body).toContain("**math &gt; adds case 3**");
    expect(comment.body).toContain(`**Now passing (1):** \`${fakeFingerprint(1)}\``);
    expect(parseMarker(comment.body)!.fingerprints).toEqual([fakeFingerprint(2), fakeFingerprint(3)].sort());
    expect(w.githubJson()).toMatchObject({ action: "commented", issueNumber: 1 });

    gh.resetLog();
    expect((await sync({ GITHUB_RUN_ID: "1004" })).code).toBe(0);
    expect(gh.writes()).toEqual([]);
  });

  test("a new failure's message is cut to 300 characters on a character boundary: no half emoji, no half-masked token", async () => {
    w.writeReports(failureReport([failure(1)]));
    await sync();
    const token = `ghp_${"a1B2".repeat(9)}`;
    const masked = failure(2, { message: `${"x".repeat(290)}${token} and more\nsecond line` });
    const emoji = failure(3, { message: `${"y".repeat(299)}😀 tail` });
    w.writeReports(failureReport([failure(1), masked, emoji]));
    gh.resetLog();
    expect((await sync({ GITHUB_RUN_ID: "1003" })).code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST, "GET /repos/acme/widgets/issues/1/comments", "POST /repos/acme/widgets/issues/1/comments"]);
    const body = gh.state.issues[0]!.comments[0]!.body;
    expect(wellFormed(body)).toBe(true);
    expect(body).toContain(`: ${"x".repeat(290)}… (\`${masked.id}\`)`);
    expect(body).toContain(`: ${"y".repeat(299)}… (\`${emoji.id}\`)`);
    expect(body).not.toContain("[REDACTED");
    expect(body).not.toContain("ghp_");
  });

  test("green again: one comment, then the issue is closed as completed", async () => {
    w.writeReports(failureReport([failure(1)]));
    await sync();
    gh.resetLog();
    w.writeReports(failureReport([]));
    const r = await sync({ GITHUB_RUN_ID: "1005" });
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([
      LIST,
      "GET /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/issues/1/comments",
      "PATCH /repos/acme/widgets/issues/1",
    ]);
    expect(gh.writes()[1]!.body).toEqual({ state: "closed", state_reason: "completed" });
    const issue = gh.state.issues[0]!;
    expect(issue.state).toBe("closed");
    expect(issue.comments[0]!.body).toStartWith("✅ All tests pass on `dev` at `0123456789ab`");
    expect(w.githubJson()).toMatchObject({ action: "closed", issueNumber: 1 });
    expect(readFileSync(join(w.dir, "summary.md"), "utf8")).toContain("## ✅ Self-healing TDD loop: all tests pass");
  });

  test("green with no open issue: one GET, nothing written", async () => {
    w.writeReports(failureReport([]));
    expect((await sync()).code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST]);
    expect(w.githubJson()).toMatchObject({ action: "unchanged", issueNumber: null });
  });

  test("a marker forged by another user is never taken as the tool's own", async () => {
    // Someone else's issue with the tool's label and a perfect marker: filtered out (creator + author).
    const forged = buildMarker({ kind: "healing", branch: "dev", fingerprints: [fakeFingerprint(1)], run: { id: "1001", attempt: "1" } });
    gh.seedIssue({ title: "looks like ours", body: `x\n${forged}`, labels: ["auto-healing"], author: "mallory" });
    w.writeReports(failureReport([failure(1)]));
    await sync();
    expect(gh.state.issues).toHaveLength(2);
    expect(gh.state.issues[1]!.user.login).toBe("github-actions[bot]");

    // A forged "same failures" marker in a comment by someone else on our issue must not hide a change.
    w.writeReports(failureReport([failure(1), failure(4)]));
    gh.seedComment(
      2,
      `all fine ${buildMarker({ kind: "healing", branch: "dev", fingerprints: [fakeFingerprint(1), fakeFingerprint(4)] })}`,
      "mallory",
    );
    gh.resetLog();
    await sync({ GITHUB_RUN_ID: "1006" });
    expect(requestLog(gh).at(-1)).toBe("POST /repos/acme/widgets/issues/2/comments");
    expect(gh.state.issues[1]!.comments.at(-1)!.body).toContain("**math &gt; adds case 4**");
  });

  test("request count does not grow with the number of failures (1 vs 500)", async () => {
    const counts: number[] = [];
    for (const n of [1, 500]) {
      const double = await startGitHubDouble();
      const dir = workdir();
      dir.writeReports(failureReport(Array.from({ length: n }, (_, i) => failure(i))));
      const env = actionsEnv(double);
      expect((await runStep("sync-issue", dir.dir, env)).code).toBe(0);
      const first = double.requests.length;
      dir.writeReports(failureReport(Array.from({ length: n }, (_, i) => failure(i + 1))));
      expect((await runStep("sync-issue", dir.dir, { ...env, GITHUB_RUN_ID: "2002" })).code).toBe(0);
      counts.push(first, double.requests.length - first);
      expect(double.violations).toEqual([]);
      if (n === 500) expect(new TextEncoder().encode(double.state.issues[0]!.body!).length).toBeLessThanOrEqual(65_536);
      await double.close();
      dir.cleanup();
    }
    console.log(
      `requests per heal run: 1 failure -> create ${counts[0]}, update ${counts[1]}; 500 failures -> create ${counts[2]}, update ${counts[3]}`,
    );
    expect(counts).toEqual([7, 3, 7, 3]);
  });

  test("kill switch: the paused label on the issue makes the step a no-op", async () => {
    w.writeReports(failureReport([failure(1)]));
    await sync();
    gh.seedLabel({ name: "heal:paused" });
    gh.issue(1)!.labels.push("heal:paused");
    gh.resetLog();
    w.writeReports(failureReport([failure(2)]));
    expect((await sync({ GITHUB_RUN_ID: "1007" })).code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST]);
    expect(w.githubJson()).toMatchObject({ action: "skipped", reason: "issue #1 has the heal:paused label" });
  });

  test("listing fails after retries: nothing is created, exit 2 (fail closed)", async () => {
    gh.inject({ method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502, times: 10 });
    w.writeReports(failureReport([failure(1)]));
    const r = await sync();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("existing issues could not be listed, so nothing was created");
    expect(requestLog(gh)).toEqual([LIST, LIST, LIST, LIST]);
    expect(gh.state.issues).toEqual([]);
  });

  test("a create whose response is lost is found again, not repeated: exactly one issue", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "lostResponse" });
    w.writeReports(failureReport([failure(1)]));
    const r = await sync();
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([...FIRST_HEAL, LIST]);
    expect(gh.state.issues).toHaveLength(1);
    expect(w.githubJson()).toMatchObject({ issueNumber: 1, action: "created" });
  });

  test("a 502 on create (nothing made) is retried once after looking again", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502 });
    w.writeReports(failureReport([failure(1)]));
    expect((await sync()).code).toBe(0);
    expect(requestLog(gh)).toEqual([...FIRST_HEAL, LIST, "POST /repos/acme/widgets/issues"]);
    expect(gh.state.issues).toHaveLength(1);
  });

  test("the token cannot write issues: exit 2 naming the permission to grant", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "forbidden", permission: "issues=write" });
    w.writeReports(failureReport([failure(1)]));
    const r = await sync();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "POST /repos/acme/widgets/labels answered 403 (Resource not accessible by integration); grant `issues: write`",
    );
    expect(gh.state.issues).toEqual([]);
  });

  test("local mode (no token): one [skip] line, exit 0, no request", async () => {
    w.writeReports(failureReport([failure(1)]));
    const r = await sync({ GITHUB_TOKEN: undefined });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] create or update the healing issue for dev (1 failing): no GITHUB_TOKEN or GH_TOKEN (local mode)\n");
    expect(gh.requests).toEqual([]);
  });

  test("pull request from a fork: job summary only, exit 0, no request", async () => {
    const event = join(w.dir, "event.json");
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 7,
          head: { repo: { full_name: "mallory/widgets", fork: true } },
          base: { repo: { full_name: "acme/widgets" } },
        },
      }),
    );
    w.writeReports(failureReport([failure(1)]));
    const r = await sync({
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: event,
      GITHUB_HEAD_REF: "feature",
      GITHUB_REF_NAME: "7/merge",
    });
    expect(r.code).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(w.githubJson()).toMatchObject({ action: "skipped", reason: "pull request from a fork: read-only token, job summary only" });
    expect(readFileSync(join(w.dir, "summary.md"), "utf8")).toContain("| math &gt; adds case 1 |");
  });

  test("daily cap: with budget.daily_issues (5) healing issues made in the last 24 hours, no new one", async () => {
    for (let i = 0; i < 5; i++) {
      gh.seedIssue({
        title: `old ${i}`,
        body: buildMarker({ kind: "healing", branch: `b${i}`, fingerprints: ["aaaaaaaaaaaa"] }),
        labels: ["auto-healing"],
        author: "github-actions[bot]",
        state: i % 2 ? "closed" : "open",
      });
    }
    w.writeReports(failureReport([failure(1)]));
    const r = await sync();
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST, LIST_24H]);
    expect(gh.state.issues).toHaveLength(5);
    expect(w.githubJson()).toMatchObject({
      action: "skipped",
      reason: "daily cap reached: 5 healing issues in 24 hours (budget.daily_issues)",
    });
  });

  test("a run caused by the tool's own push opens no new issue", async () => {
    w.writeReports(failureReport([failure(1)]));
    const r = await sync({ GITHUB_ACTOR: "github-actions[bot]" });
    expect(r.code).toBe(0);
    expect(requestLog(gh)).toEqual([LIST]);
    expect(w.githubJson()).toMatchObject({
      action: "skipped",
      reason: "no new healing issue: the push was made by the tool's own identity (github-actions[bot])",
    });
  });

  test("a branch outside the config's branches opens nothing", async () => {
    w.writeReports(failureReport([failure(1)], "feature/x"));
    const r = await sync({ GITHUB_REF_NAME: "feature/x" });
    expect(r.code).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(w.githubJson()).toMatchObject({ action: "skipped", reason: "branch feature/x is not in the config's branches (dev, prod)" });
  });
});
