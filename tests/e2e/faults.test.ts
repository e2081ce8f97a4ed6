// Fault injection: the GitHub steps of `task heal` (sync-issue, push-task-context, hand-off) run as real
// processes against the GitHub double and a real bare git remote, while the double fails the way GitHub
// does: 5xx bursts, lost responses, rate limits, hung connections, resets, refused tokens, a racing push.
// After each: exactly the issues, comments, labels and commits that should exist do exist, once; the
// double saw no request real GitHub would reject; and a re-run of the same run makes no write.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_TOKEN,
  startGitHubDouble,
  type DoubleOptions,
  type FaultHandle,
  type FaultRule,
  type GitHubDouble,
} from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureRecord, FailureReport } from "../../lib/types.ts";

const TITLE = "🔴 Auto-Healing: Test Failures in dev";
const HEALING_LABELS = ["auto-healing", "bug", "tdd"];
const BOT = "github-actions[bot]";
const TIMEOUT_MS = 400;
const SLOW = 30_000;

const FAILURES: FailureRecord[] = [
  {
    id: "a1b2c3d4e5f6",
    framework: "bun",
    fullName: "math > adds",
    file: "tests/math.test.ts",
    line: 4,
    message: "expected 3, received -1",
    stack: "at tests/math.test.ts:4:5",
    kind: "failure",
  },
  {
    id: "0f0e0d0c0b0a",
    framework: "bun",
    fullName: "math > adds negatives",
    file: "tests/math.test.ts",
    line: 8,
    message: "expected -3, received 1",
    stack: "at tests/math.test.ts:8:5",
    kind: "failure",
  },
];
const THIRD: FailureRecord = {
  id: "99aa88bb77cc",
  framework: "bun",
  fullName: "math > subtracts",
  file: "tests/math.test.ts",
  line: 12,
  message: "expected 1, received 5",
  stack: "at tests/math.test.ts:12:5",
  kind: "failure",
};

interface StepResult {
  step: string;
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One target repository (a clone of a bare remote) with failures on disk, and a GitHub double. */
interface World {
  gh: GitHubDouble;
  remote: BareRemote;
  dir: string;
  reports: string;
  runId: string;
  /** Every fault rule injected in this scenario (their hit counts survive resetLog). */
  handles: FaultHandle[];
  /** Faults staged outside the double's rules (pushes made to lose a race, a token lacking a permission), for the figure. */
  extraFaults: number;
  step(name: string, extraEnv?: Record<string, string>, args?: string[]): Promise<StepResult>;
  /** sync-issue, push-task-context, hand-off in order, stopping at the first non-zero exit (like `task heal`). */
  heal(): Promise<StepResult[]>;
  setFailures(failures: FailureRecord[]): Promise<void>;
  github(): Record<string, unknown>;
  cleanup(): Promise<void>;
}

const tally = { scenarios: 0, survived: 0, faultsInjected: 0, faultsSurvived: 0 };
const worlds: World[] = [];

/**
 * `realFailures`: run the real run-tests and parse-failures on the sample (bun test, one failing test) instead
 * of writing failures.json by hand; needed when verify re-runs "the previously failing tests".
 */
async function world(opts: DoubleOptions = {}, env: Record<string, string> = {}, realFailures = false): Promise<World> {
  const gh = await startGitHubDouble(opts);
  const remote = createBareRemote({
    "package.json": '{ "name": "widgets", "type": "module", "private": true, "scripts": { "test": "bun test" } }\n',
    "src/math.ts": "export const add = (a: number, b: number) => a - b;\n",
    "tests/math.test.ts":
      'import { expect, test } from "bun:test";\nimport { add } from "../src/math.ts";\n\ntest("adds", () => {\n  expect(add(1, 2)).toBe(3);\n});\n',
    ".gitignore": ".agent/reports/\n",
  });
  const dir = remote.cloneDir;
  const reports = join(dir, ".agent/reports");
  let runId = "7001";
  const envFor = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    HEAL_REPO: dir,
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REF_NAME: "dev",
    GITHUB_EVENT_NAME: "push",
    GITHUB_SHA: remote.git("rev-parse", "HEAD"),
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_STEP_SUMMARY: join(dir, "..", "step-summary.md"),
    GIT_AUTHOR_NAME: "github-actions[bot]",
    GIT_AUTHOR_EMAIL: "41898282+github-actions[bot]@users.noreply.github.com",
    GIT_COMMITTER_NAME: "github-actions[bot]",
    GIT_COMMITTER_EMAIL: "41898282+github-actions[bot]@users.noreply.github.com",
    HEAL_GITHUB_TIMEOUT_MS: String(TIMEOUT_MS),
    HEAL_GITHUB_RETRY_BASE_MS: "20",
    HEAL_GITHUB_PACING: "0",
    ...env,
    ...extra,
  });
  const step = async (name: string, extraEnv?: Record<string, string>, args: string[] = []): Promise<StepResult> => {
    const started = performance.now();
    // Async spawn: the double answers from this process's event loop.
    const child = Bun.spawn([process.execPath, join(TOOLKIT_ROOT, "scripts", `${name}.ts`), ...args], {
      cwd: dir,
      env: envFor(extraEnv),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    return { step: name, code, stdout, stderr, ms: performance.now() - started };
  };
  const setFailures = async (failures: FailureRecord[]) => {
    mkdirSync(reports, { recursive: true });
    const report: FailureReport = {
      schemaVersion: 1,
      repository: gh.repository,
      branch: "dev",
      commit: remote.git("rev-parse", "HEAD"),
      runUrl: null,
      summary: { total: failures.length + 1, passed: 1, failed: failures.length, skipped: 0, errors: 0 },
      failures,
    };
    writeFileSync(join(reports, "failures.json"), `${JSON.stringify(report, null, 2)}\n`);
    const written = await step("write-report");
    if (written.code !== 0) throw new Error(`write-report failed: ${written.stderr}`);
  };
  if (realFailures) {
    for (const name of ["run-tests", "parse-failures"]) {
      const r = await step(name);
      if (r.code > 1) throw new Error(`${name} failed: ${r.stderr}`);
    }
    const written = await step("write-report");
    if (written.code !== 0) throw new Error(`write-report failed: ${written.stderr}`);
  } else {
    await setFailures(FAILURES);
  }
  const w: World = {
    gh,
    remote,
    dir,
    reports,
    handles: [],
    extraFaults: 0,
    get runId() {
      return runId;
    },
    set runId(v: string) {
      runId = v;
    },
    step,
    heal: async () => {
      const results: StepResult[] = [];
      for (const name of ["sync-issue", "push-task-context", "hand-off"]) {
        const r = await step(name);
        results.push(r);
        if (r.code !== 0) break;
      }
      return results;
    },
    setFailures,
    github: () => JSON.parse(readFileSync(join(reports, "github.json"), "utf8")),
    cleanup: async () => {
      await gh.close();
      remote.cleanup();
    },
  };
  worlds.push(w);
  return w;
}

afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

afterAll(() => {
  // The figure for README "Safety": faults the double delivered, and how many the tool came through correctly.
  console.log(
    `FIGURE faults: injected ${tally.faultsInjected}, survived ${tally.faultsSurvived} (${tally.survived}/${tally.scenarios} scenarios end in the correct state)`,
  );
});

/** Counts a scenario for the figure line: its delivered faults are "survived" only when every assertion held. */
async function scenario(w: World, body: () => Promise<void>): Promise<void> {
  tally.scenarios++;
  const delivered = () => w.handles.reduce((n, h) => n + h.hits, 0) + w.extraFaults;
  try {
    await body();
  } finally {
    tally.faultsInjected += delivered();
  }
  tally.survived++;
  tally.faultsSurvived += delivered();
}

function inject(w: World, ...rules: FaultRule[]): void {
  for (const r of rules) w.handles.push(w.gh.inject(r));
}

const ok = (results: StepResult[]) => results.map((r) => `${r.step} ${r.code}${r.code !== 0 ? ` ${r.stderr.trim()}` : ""}`);
const posts = (w: World, path: string) => w.gh.requests.filter((r) => r.method === "POST" && r.path === path);

/**
 * Exactly one healing issue, by the bot, with its labels once, the marker once, the task file on the remote once,
 * one repository_dispatch and its one hand-off note (plus `comments` other comments by the bot).
 */
function expectHealedOnce(w: World, comments = 0): void {
  const issues = w.gh.state.issues;
  expect(issues.map((i) => [i.number, i.title, i.user.login, i.state])).toEqual([[1, TITLE, BOT, "open"]]);
  const issue = issues[0]!;
  expect([...issue.labels].sort()).toEqual([...HEALING_LABELS].sort());
  expect(issue.body?.match(/<!-- self-healing-tdd:/g)).toHaveLength(1);
  const notes = issue.comments.filter((c) => c.body.includes("Handed to the agent through `repository_dispatch`"));
  expect(notes.map((c) => c.user.login)).toEqual([BOT]);
  expect(issue.comments).toHaveLength(comments + 1);
  expect(w.gh.state.dispatches.map((d) => [d.eventType, d.clientPayload?.issue_number])).toEqual([["heal-agent", 1]]);
  expect(w.gh.state.labels.map((l) => l.name).sort()).toEqual([...HEALING_LABELS].sort());
  const taskPath = w.github().taskPath as string;
  expect(taskPath).toMatch(/^\.agent\/tasks\/fix-.+\.yaml$/);
  expect(w.remote.log().filter((s) => s.includes("[skip ci]"))).toHaveLength(1);
  expect(w.remote.show("dev", taskPath)).toBe(readFileSync(join(w.dir, taskPath), "utf8"));
  // The issue links the task file at the commit that holds it.
  expect(issue.body).toContain(`/blob/${w.remote.head()}/${taskPath}`);
  expect(w.gh.violations).toEqual([]);
}

/** The same run again, no faults: nothing new is written to GitHub or git. */
async function expectRerunWritesNothing(w: World): Promise<void> {
  const head = w.remote.head();
  w.gh.resetLog();
  const again = await w.heal();
  expect(ok(again)).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
  expect(w.gh.writes().map((r) => `${r.method} ${r.path}`)).toEqual([]);
  expect(w.remote.head()).toBe(head);
  expect(w.gh.violations).toEqual([]);
}

/** Fail closed: exit 2 with the catalogue's message, nothing created, the run's own files already on disk. */
function expectFailedClosed(w: World, results: StepResult[], message: RegExp): void {
  const last = results.at(-1)!;
  expect(last.code).toBe(2);
  expect(last.stderr).toMatch(message);
  expect(
    last.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("error:")),
  ).toHaveLength(1);
  expect(w.gh.state.issues).toEqual([]);
  expect(posts(w, "/repos/acme/widgets/issues")).toEqual([]);
  for (const f of ["failures.json", "report.md", "issue.json"]) expect(existsSync(join(w.reports, f))).toBe(true);
  expect(w.gh.violations).toEqual([]);
}

describe("GitHub faults during heal", () => {
  test(
    "no fault: the baseline request log",
    async () => {
      // No fault here: a loaded machine must not turn a slow answer into a timeout retry that the count would see.
      const w = await world({}, { HEAL_GITHUB_TIMEOUT_MS: "15000" });
      await scenario(w, async () => {
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        // The writes are the contract here (the read pattern belongs to the GitHub steps' own tests).
        expect(w.gh.writes().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
          "POST /repos/acme/widgets/labels 201",
          "POST /repos/acme/widgets/labels 201",
          "POST /repos/acme/widgets/labels 201",
          "POST /repos/acme/widgets/issues 201",
          "PATCH /repos/acme/widgets/issues/1 200",
          "POST /repos/acme/widgets/dispatches 204",
          "POST /repos/acme/widgets/issues/1/comments 201",
        ]);
        expect(w.gh.requests.length).toBeLessThanOrEqual(15);
        expectHealedOnce(w);
        await expectRerunWritesNothing(w);
      });
    },
    SLOW,
  );

  test(
    "5xx bursts on every kind of request: retried, one issue, labels once",
    async () => {
      const w = await world();
      inject(
        w,
        { method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502, times: 2 },
        { method: "GET", path: "/repos/{owner}/{repo}/labels", kind: "status", status: 503 },
        { method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "status", status: 500 },
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502 },
        { method: "GET", path: "/repos/{owner}/{repo}/issues/{issue_number}", kind: "status", status: 502 },
        { method: "PATCH", path: "/repos/{owner}/{repo}/issues/{issue_number}", kind: "status", status: 503, times: 2 },
        { method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "status", status: 502 },
      );
      await scenario(w, async () => {
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(w.gh.faults).toHaveLength(9);
        expectHealedOnce(w);
        await expectRerunWritesNothing(w);
      });
    },
    SLOW,
  );

  test(
    "a lost response after a successful create: the tool looks again and adopts the issue, no second one",
    async () => {
      const w = await world();
      inject(w, { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "lostResponse" });
      await scenario(w, async () => {
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(posts(w, "/repos/acme/widgets/issues").map((r) => [r.status, r.fault])).toEqual([[201, "lostResponse"]]);
        expect(w.github()).toMatchObject({ issueNumber: 1, action: "created" });
        expectHealedOnce(w);
        await expectRerunWritesNothing(w);
      });
    },
    SLOW,
  );

  test(
    "a create that GitHub makes but never answers (timeout): looked up again and adopted, no second issue",
    async () => {
      const w = await world();
      inject(w, { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "hangAfterWrite" });
      await scenario(w, async () => {
        const results = await w.heal();
        expect(ok(results)).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(results[0]!.ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
        expect(posts(w, "/repos/acme/widgets/issues").map((r) => [r.status, r.fault])).toEqual([[201, "hangAfterWrite"]]);
        expectHealedOnce(w);
        await expectRerunWritesNothing(w);
      });
    },
    SLOW,
  );

  test(
    "lost responses for a label create and for a comment: each exists once",
    async () => {
      const w = await world();
      inject(w, { method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "lostResponse" });
      await scenario(w, async () => {
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expectHealedOnce(w);
        // A new failure in the next run: one comment, even though its response is lost.
        await w.setFailures([...FAILURES, THIRD]);
        w.runId = "7002";
        w.gh.resetLog();
        inject(w, { method: "POST", path: "/repos/{owner}/{repo}/issues/{issue_number}/comments", kind: "lostResponse" });
        const second = await w.step("sync-issue");
        expect(second.code).toBe(0);
        expect(w.github()).toMatchObject({ issueNumber: 1, action: "commented" });
        expect(posts(w, "/repos/acme/widgets/issues/1/comments").map((r) => [r.status, r.fault])).toEqual([[201, "lostResponse"]]);
        expect(w.gh.state.issues).toHaveLength(1);
        expect(w.gh.issue(1)!.comments.map((c) => [c.user.login, c.body.includes(THIRD.id)])).toEqual([
          [BOT, false],
          [BOT, true],
        ]);
        expect(w.gh.violations).toEqual([]);
      });
    },
    SLOW,
  );

  test(
    "secondary rate limits (403 and 429 with retry-after: 1): the tool waits, then succeeds once",
    async () => {
      // The production wait unit (1 s), so retry-after is honoured in real seconds.
      const w = await world({}, { HEAL_GITHUB_RETRY_BASE_MS: "1000" });
      inject(
        w,
        { method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "secondaryRateLimit", status: 429 },
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "secondaryRateLimit", status: 403 },
      );
      await scenario(w, async () => {
        const results = await w.heal();
        expect(ok(results)).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        // Two waits of retry-after = 1 s, each followed by the same request again.
        expect(w.gh.faults.map((f) => `${f.method} ${f.path}`)).toEqual([
          "POST /repos/acme/widgets/labels",
          "POST /repos/acme/widgets/issues",
        ]);
        expect(results[0]!.ms).toBeGreaterThanOrEqual(2000);
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test(
    "an exhausted primary rate limit fails fast, naming the reset time; nothing is created",
    async () => {
      const w = await world();
      inject(w, { method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "primaryRateLimit", resetInSeconds: 1800, times: 10 });
      await scenario(w, async () => {
        const results = await w.heal();
        expect(results.map((r) => r.step)).toEqual(["sync-issue"]);
        const reset = new Date((Math.floor(Date.now() / 1000) + 1800) * 1000).toISOString().slice(0, 15); // to the ten minutes
        expectFailedClosed(w, results, new RegExp(`rate limit.*${reset.replace(/[.:]/g, "\\$&")}`, "i"));
        expect(results[0]!.ms).toBeLessThan(5000);
        expect(w.gh.faults).toHaveLength(1); // not retried: waiting 30 min would outlive the job
      });
    },
    SLOW,
  );

  test(
    "hung connections: the client's timeout fires, the request is retried, one issue",
    async () => {
      const w = await world();
      inject(
        w,
        { method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "hang" },
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "hang" },
      );
      await scenario(w, async () => {
        const results = await w.heal();
        expect(ok(results)).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(results[0]!.ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS);
        expect(w.gh.faults.map((f) => `${f.kind} ${f.method}`)).toEqual(["hang GET", "hang POST"]);
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test(
    "connection resets before the server does anything: retried, one issue",
    async () => {
      const w = await world();
      inject(
        w,
        { method: "GET", path: "/repos/{owner}/{repo}/labels", kind: "reset" },
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "reset" },
        { method: "PATCH", path: "/repos/{owner}/{repo}/issues/{issue_number}", kind: "reset" },
      );
      await scenario(w, async () => {
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(w.gh.faults).toHaveLength(3);
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test(
    "401 bad credentials: stops at once, says to fix the token, creates nothing",
    async () => {
      const w = await world();
      inject(w, { path: /^\/repos\/acme\/widgets\//, kind: "unauthorized", times: 50 });
      await scenario(w, async () => {
        const results = await w.heal();
        expectFailedClosed(w, results, /GITHUB_TOKEN|token/);
        expect(w.gh.faults).toHaveLength(1);
      });
    },
    SLOW,
  );

  test(
    "403 without issues: write: stops and names the permission to grant",
    async () => {
      const w = await world({
        tokens: { [DEFAULT_TOKEN]: { login: BOT, type: "Bot", permissions: { issues: "read", contents: "write", metadata: "read" } } },
      });
      w.extraFaults = 1; // the token itself is the fault
      await scenario(w, async () => {
        const results = await w.heal();
        expectFailedClosed(w, results, /issues: write/);
        expect(w.gh.writes().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["POST /repos/acme/widgets/labels 403"]);
      });
    },
    SLOW,
  );

  test(
    "listing existing issues keeps failing: nothing is created (fail closed), exit 2, reports already on disk",
    async () => {
      const w = await world();
      inject(w, { method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502, times: 100 });
      await scenario(w, async () => {
        const results = await w.heal();
        expect(results.map((r) => r.step)).toEqual(["sync-issue"]);
        expectFailedClosed(w, results, /could not be listed, so nothing was created/);
        expect(w.gh.writes()).toEqual([]);
      });
    },
    SLOW,
  );

  test(
    "a lost create, then listing fails: no duplicate (fail closed), and the next run adopts the issue",
    async () => {
      const w = await world();
      inject(
        w,
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "lostResponse" },
        // The lists before the create go through; every one after it fails.
        {
          method: "GET",
          path: "/repos/{owner}/{repo}/issues",
          kind: "status",
          status: 502,
          times: 100,
          armedBy: { method: "POST", path: "/repos/{owner}/{repo}/issues" },
        },
      );
      await scenario(w, async () => {
        const first = await w.step("sync-issue");
        expect(first.code).toBe(2);
        expect(first.stderr).toMatch(/could not be listed|GitHub did not answer/);
        expect(w.gh.state.issues).toHaveLength(1);
        expect(posts(w, "/repos/acme/widgets/issues")).toHaveLength(1);
        for (const f of ["failures.json", "report.md"]) expect(existsSync(join(w.reports, f))).toBe(true);
        // GitHub is back: the next run finds the issue the lost create made, files nothing new, and still
        // hands it to the agent once (the failed run never did: an issue filed with GITHUB_TOKEN wakes nobody).
        w.gh.clearFaults();
        w.runId = "7002";
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(w.github()).toMatchObject({ issueNumber: 1 });
        // The agent was never woken for this issue: this run must hand it off (dispatch + note), exactly once.
        expect(w.github().handoff).toMatchObject({ via: "dispatch", attempt: 1 });
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test(
    "the hand-off fails (dispatch keeps answering 502): the next run hands the issue to the agent, once",
    async () => {
      const w = await world();
      inject(w, { method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "status", status: 502, times: 100 });
      await scenario(w, async () => {
        const first = await w.heal();
        expect(first.map((r) => [r.step, r.code])).toEqual([
          ["sync-issue", 0],
          ["push-task-context", 0],
          ["hand-off", 2],
        ]);
        expect(first[2]!.stderr).toMatch(/GitHub did not answer/);
        expect(w.gh.state.dispatches).toEqual([]);
        w.gh.clearFaults();
        w.runId = "7002";
        expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
        expect(w.github().handoff).toMatchObject({ via: "dispatch", attempt: 1 });
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test("verify under faults: a lost ✅ comment and 5xx on close: one ✅, the issue closed, a re-run writes nothing", async () => {
    const w = await world({}, {}, true);
    await scenario(w, async () => {
      expect(ok(await w.heal())).toEqual(["sync-issue 0", "push-task-context 0", "hand-off 0"]);
      // The agent's fix on claude/issue-1-x, pushed to origin.
      w.remote.git("fetch", "-q", "origin");
      w.remote.git("checkout", "-q", "-b", "claude/issue-1-x", "origin/dev");
      writeFileSync(join(w.dir, "src/math.ts"), "export const add = (a: number, b: number) => a + b;\n");
      w.remote.git("-c", "user.name=Agent", "-c", "user.email=agent@example.com", "commit", "-qam", "fix: add adds");
      w.remote.git("push", "-q", "origin", "claude/issue-1-x");
      const sha = w.remote.git("rev-parse", "HEAD");
      inject(
        w,
        { method: "POST", path: "/repos/{owner}/{repo}/issues/{issue_number}/comments", kind: "lostResponse" },
        { method: "PATCH", path: "/repos/{owner}/{repo}/issues/{issue_number}", kind: "status", status: 502, times: 2 },
      );
      const env = { GITHUB_REF_NAME: "claude/issue-1-x", GITHUB_SHA: sha, GITHUB_RUN_ID: "9001" };
      const verified = await w.step("verify-fix", env);
      expect([verified.code, verified.stderr.match(/^error:.*$/m)?.[0] ?? null]).toEqual([0, null]);
      const issue = w.gh.issue(1)!;
      expect(issue.state).toBe("closed");
      expect(issue.comments.filter((c) => c.body.includes("Healing Verification Passed")).map((c) => c.user.login)).toEqual([BOT]);
      expect(w.handles.map((h) => h.hits)).toEqual([1, 2]);
      expect(w.gh.violations).toEqual([]);
      w.gh.resetLog();
      const again = await w.step("verify-fix", env);
      expect(again.code).toBe(0);
      expect(w.gh.writes()).toEqual([]);
    });
  }, 60_000);

  test(
    "coverage issue under a lost create and 5xx bursts: one coverage issue, and a re-run writes nothing",
    async () => {
      const w = await world();
      writeFileSync(join(w.dir, "lcov.info"), "TN:\nSF:src/math.ts\nDA:1,1\nDA:2,0\nDA:3,0\nLF:3\nLH:1\nend_of_record\n");
      inject(
        w,
        { method: "GET", path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502, times: 2 },
        { method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "lostResponse" },
      );
      await scenario(w, async () => {
        const first = await w.step("check-coverage", {}, ["lcov.info"]);
        expect([first.code, first.stderr.includes("error:")]).toEqual([0, false]);
        expect(w.gh.state.issues.map((i) => [i.title, i.user.login, [...i.labels].sort()])).toEqual([
          ["📈 Improve Test Coverage (Currently 33.3%)", BOT, ["auto-healing", "test-quality"]],
        ]);
        expect(posts(w, "/repos/acme/widgets/issues")).toHaveLength(1);
        expect(w.gh.violations).toEqual([]);
        w.gh.resetLog();
        const again = await w.step("check-coverage", {}, ["lcov.info"]);
        expect(again.code).toBe(0);
        expect(w.gh.writes()).toEqual([]);
        expect(w.gh.state.issues).toHaveLength(1);
      });
    },
    SLOW,
  );

  test(
    "pushes that lose the race three times in a row (a push lands between fetch and push): the fourth wins",
    async () => {
      const w = await world();
      const racing = w.remote.racingGit(3);
      await scenario(w, async () => {
        expect((await w.step("sync-issue")).code).toBe(0);
        const push = await w.step("push-task-context", { PATH: `${racing.binDir}:${process.env.PATH}` });
        expect(push.code).toBe(0);
        w.extraFaults = racing.races();
        expect(racing.races()).toBe(3);
        const log = w.remote.log();
        expect(log.slice(0, 4).map((l) => l.replace(/ .*\[skip ci\]$/, " [skip ci]"))).toEqual([
          "chore(heal): [skip ci]",
          "concurrent push 3",
          "concurrent push 2",
          "concurrent push 1",
        ]);
        expect(w.remote.show("dev", "races.txt")).toBe("race 1\nrace 2\nrace 3\n");
        expect((await w.step("hand-off")).code).toBe(0);
        expectHealedOnce(w);
      });
    },
    SLOW,
  );

  test(
    "a push that loses every race: bounded retries, exit 2 naming the push, never forced",
    async () => {
      const w = await world();
      const racing = w.remote.racingGit(100);
      await scenario(w, async () => {
        expect((await w.step("sync-issue")).code).toBe(0);
        const push = await w.step("push-task-context", { PATH: `${racing.binDir}:${process.env.PATH}` });
        w.extraFaults = racing.races();
        expect(push.code).toBe(2);
        expect(push.stderr).toMatch(/rejected \d+ times by concurrent pushes \(never forced\)/);
        expect(racing.races()).toBeLessThanOrEqual(5);
        // Every concurrent commit survives; none of ours landed.
        expect(w.remote.log().filter((l) => l.startsWith("concurrent push"))).toHaveLength(racing.races());
        expect(w.remote.log().filter((l) => l.includes("[skip ci]"))).toEqual([]);
        expect(w.gh.state.issues).toHaveLength(1);
        expect(w.gh.violations).toEqual([]);
      });
    },
    SLOW,
  );

  test(
    "a rejected push (someone pushed meanwhile): fetch, rebase, push again; never forced",
    async () => {
      const w = await world();
      await scenario(w, async () => {
        const sync = await w.step("sync-issue");
        expect(sync.code).toBe(0);
        const theirs = w.remote.pushFromElsewhere({ "src/other.ts": "export const other = 1;\n" }, "feat: someone else's change");
        w.extraFaults = 1;
        const push = await w.step("push-task-context");
        expect(push.code).toBe(0);
        const log = w.remote.log();
        expect(log[1]).toBe("feat: someone else's change");
        expect(log[0]).toContain("[skip ci]");
        expect(w.remote.git("merge-base", "--is-ancestor", theirs, w.remote.head()!)).toBe("");
        expect(w.github().taskCommit).toBe(w.remote.head());
        expect((await w.step("hand-off")).code).toBe(0);
        expectHealedOnce(w);
      });
    },
    SLOW,
  );
});
