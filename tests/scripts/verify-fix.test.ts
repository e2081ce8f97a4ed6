// Black-box: `bun scripts/verify-fix.ts` on an agent branch of a real bun sample with a bare origin and the
// GitHub double. The healing issue and the task file are seeded as heal leaves them, so each case isolates
// one rule: how the issue is found and trusted, where the failing tests come from, the kill switch,
// idempotency, the dispatch retry, close_on: merge, and local mode.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMarker, parseMarker } from "../../lib/marker.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { actionsEnv, failure, failureReport, runStep, workdir } from "../github/fixtures.ts";

const TASK = ".agent/tasks/fix-test-failures-dev-0a1b2c3d.yaml";
const ID = "0a1b2c3d4e5f";
const taskYaml = (test: string, id = ID) =>
  `id: fix-test-failures-dev-0a1b2c3d\nauto_generated: true\nbranch: dev\ntest_failures:\n  - id: ${id}\n    test: ${test}\n    framework: bun\n    kind: failure\n    file: tests/calc.test.ts\n    line: 6\n`;
const CALC = (op: string) => `export function add(a: number, b: number): number {\n  return a ${op} b;\n}\n`;
const TESTS = `import { describe, expect, test } from "bun:test";
import { add } from "../src/calc";

describe("calc", () => {
  test("adds two numbers", () => {
    expect(add(2, 3)).toBe(5);
  });
  test("adds zero", () => {
    expect(add(2, 0)).toBe(2);
  });
});
`;

let gh: GitHubDouble;
let remote: BareRemote;

beforeEach(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({
    "package.json": `${JSON.stringify({ name: "calc", private: true, scripts: { test: "bun test" } })}\n`,
    "src/calc.ts": CALC("-"),
    "tests/calc.test.ts": TESTS,
    ".gitignore": "node_modules\n.agent/reports/\n",
  });
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  remote.cleanup();
});

/** What heal leaves: the task file committed on dev, the healing issue with its trusted marker. */
function seedHealing(opts: { author?: string; labels?: string[]; taskOnDev?: string } = {}) {
  remote.pushFromElsewhere({ [TASK]: opts.taskOnDev ?? taskYaml("calc > adds two numbers") }, "chore(heal): task context for #1 [skip ci]");
  return gh.seedIssue({
    title: "🔴 Auto-Healing: Test Failures in dev",
    body: `failures\n\n${buildMarker({ kind: "healing", branch: "dev", fingerprints: [ID] })}`,
    labels: opts.labels ?? ["auto-healing", "bug", "tdd"],
    author: opts.author ?? "github-actions[bot]",
  });
}

/** The agent's branch in the working clone, with `files` committed (not pushed: verify runs on the checkout). */
function agentBranch(files: Record<string, string>, branch = "claude/issue-1-x"): string {
  remote.git("fetch", "-q", "origin");
  remote.git("checkout", "-q", "-b", branch, "origin/dev");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(remote.cloneDir, rel, ".."), { recursive: true });
    writeFileSync(join(remote.cloneDir, rel), text);
  }
  remote.git("add", "-A");
  remote.git("commit", "-qm", "agent work");
  return remote.git("rev-parse", "HEAD");
}

const env = (over: Record<string, string | undefined> = {}) =>
  actionsEnv(gh, { GITHUB_REF_NAME: "claude/issue-1-x", GITHUB_RUN_ID: "4001", ...over });
const verify = (e: Record<string, string>, args: string[] = []) => runStep("verify-fix", remote.cloneDir, e, args);
const log = () => gh.requests.map((r) => `${r.method} ${r.path.replace("/repos/acme/widgets", "")}`);
const ran = () => existsSync(join(remote.cloneDir, ".agent/reports/verify.json"));

describe("verify-fix: which issue, and whether to trust it", () => {
  test("the kill switch label: nothing runs, nothing is written", async () => {
    seedHealing({ labels: ["auto-healing", "bug", "tdd", "heal:paused"] });
    agentBranch({ "src/calc.ts": CALC("+") });
    const r = await verify(env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] verify #1: it has the heal:paused label (kill switch)\n");
    expect(log()).toEqual(["GET /issues/1"]);
    expect(ran()).toBe(false);
  }, 60_000);

  test("an issue someone else opened with a copied marker is not the tool's", async () => {
    seedHealing({ author: "mallory" });
    agentBranch({ "src/calc.ts": CALC("+") });
    const r = await verify(env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] verify #1: not a healing issue opened by github-actions[bot]\n");
    expect(log()).toEqual(["GET /issues/1"]);
  }, 60_000);

  test("a branch that names no issue: no request at all", async () => {
    seedHealing();
    agentBranch({ "src/calc.ts": CALC("+") }, "feature/add");
    const r = await verify(env({ GITHUB_REF_NAME: "feature/add" }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] verify: feature/add names no healing issue (branch claude/issue-<N>-... or `Fixes #N`)\n");
    expect(gh.requests).toEqual([]);
  }, 60_000);

  test("`Fixes #1` counts only in a pull request by someone with write access", async () => {
    seedHealing();
    const pr = gh.seedIssue({ title: "Fix add", body: "Fixes #1", author: "octocat", pull: { head: "fix-add", base: "dev" } });
    const sha = agentBranch({ "src/calc.ts": CALC("+") }, "fix-add");
    const event = (association: string) => {
      const path = join(remote.cloneDir, "..", `event-${association}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          pull_request: {
            number: pr.number,
            body: "Fixes #1",
            author_association: association,
            head: { ref: "fix-add", repo: { full_name: "acme/widgets" } },
            base: { ref: "dev", repo: { full_name: "acme/widgets" } },
          },
        }),
      );
      return env({
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: path,
        GITHUB_HEAD_REF: "fix-add",
        GITHUB_REF_NAME: `${pr.number}/merge`,
        GITHUB_SHA: sha,
      });
    };
    const outsider = await verify(event("NONE"));
    expect(outsider.code).toBe(0);
    expect(outsider.stderr).toContain("[skip] verify: fix-add names no healing issue");
    expect(gh.requests).toEqual([]);

    const member = await verify(event("MEMBER"));
    expect(member.code).toBe(0);
    expect(member.stderr).toContain(
      "verifying #1 (pull-request-body): 1 previously failing test(s) from .agent/tasks/fix-test-failures-dev-0a1b2c3d.yaml",
    );
    expect(log()).toEqual([
      "GET /issues/1",
      "GET /issues/1/comments",
      "GET /issues/1/comments",
      "POST /issues/1/comments",
      `POST /issues/${pr.number}/comments`,
      "PATCH /issues/1",
    ]);
    expect(gh.issue(pr.number)!.comments[0]!.body).toStartWith("## ✅ Healing Verification Passed");
  }, 60_000);
});

describe("verify-fix: the previously failing tests", () => {
  test("come from the task file on origin/dev: editing it on the agent branch changes nothing", async () => {
    seedHealing();
    // The agent "fixes" its task file to name a test that passes anyway, and leaves the bug.
    agentBranch({ [TASK]: taskYaml("calc > adds zero") });
    const r = await verify(env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✗ calc > adds two numbers (failed)");
    const fail = gh.issue(1)!.comments.at(-1)!.body;
    expect(fail).toContain("### Still failing (1)\n\n**Test**: calc &gt; adds two numbers");
  }, 60_000);

  test("a task file whose failures are not the marker's is not believed: exit 2, nothing posted", async () => {
    seedHealing({ taskOnDev: taskYaml("calc > adds two numbers", "ffffffffffff") });
    agentBranch({ "src/calc.ts": CALC("+") });
    const r = await verify(env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no task file on origin/dev lists the 1 failure(s) of #1: run heal on dev first");
    expect(gh.writes()).toEqual([]);
  }, 60_000);
});

describe("verify-fix: the agent's code gets no secret", () => {
  test("a test that dumps its environment and `git config -l` under verify finds neither token", async () => {
    seedHealing();
    const agentToken = "ghp_agentpatforthistestonly00000000000001";
    const dump = `import { test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";

test("dumps what the code under test can see", () => {
  mkdirSync(".agent/reports", { recursive: true });
  const config = spawnSync("git", ["config", "-l"], { encoding: "utf8" }).stdout;
  writeFileSync(".agent/reports/leak.txt", JSON.stringify({ env: process.env, config }));
});
`;
    const sha = agentBranch({ "src/calc.ts": CALC("+"), "tests/leak.test.ts": dump });
    const r = await verify(env({ GITHUB_SHA: sha, HEAL_AGENT_TOKEN: agentToken }));
    expect(r.code).toBe(0);
    const leak = JSON.parse(readFileSync(join(remote.cloneDir, ".agent/reports/leak.txt"), "utf8")) as {
      env: Record<string, string>;
      config: string;
    };
    const seen = JSON.stringify(leak);
    expect(leak.config).toContain("remote.origin.url=");
    for (const secret of [DEFAULT_TOKEN, agentToken, Buffer.from(`x-access-token:${DEFAULT_TOKEN}`).toString("base64")]) {
      expect(seen).not.toContain(secret);
    }
    expect(leak.config).not.toContain("extraheader");
    expect(
      Object.keys(leak.env).filter((k) =>
        /^(GITHUB_TOKEN|GH_TOKEN|HEAL_AGENT_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_)/.test(k),
      ),
    ).toEqual([]);
  }, 90_000);
});

describe("verify-fix: after the verdict", () => {
  test("without an agent token the retry is a repository_dispatch carrying the agent branch and its base", async () => {
    seedHealing();
    const sha = agentBranch({ "src/calc.ts": CALC("*") });
    const r = await verify(env({ GITHUB_SHA: sha }));
    expect(r.code).toBe(1);
    // The daily mention cap is looked up (one list of today's tool issues) before the retry is promised.
    expect(log()).toEqual([
      "GET /issues/1",
      "GET /issues/1/comments",
      "GET /issues/1/comments",
      "GET /pulls",
      "GET /issues",
      "POST /issues/1/comments",
      "POST /dispatches",
    ]);
    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { issue_number: 1, branch: "claude/issue-1-x", base: "dev", task_path: TASK, attempt: 2 },
        login: "github-actions[bot]",
      },
    ]);
    const body = gh.issue(1)!.comments[0]!.body;
    expect(body).toContain(
      "The agent is asked for another attempt through `repository_dispatch` `heal-agent`.\n\n<!-- heal:handoff issue=1 run=4001.1 -->",
    );
    expect(body).toContain("Received: 6");
    expect(parseMarker(body)).toMatchObject({
      kind: "verification",
      run: { id: "4001", attempt: "1" },
      extra: { issue: 1, result: "fail", outcome: "fail", attempt: 1, sha },
    });

    // A re-run of the same run and attempt: already verified, no second comment or dispatch.
    gh.resetLog();
    const again = await verify(env({ GITHUB_SHA: sha }));
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("[skip] verify #1: run 4001 attempt 1 already verified it\n");
    expect(log()).toEqual(["GET /issues/1", "GET /issues/1/comments"]);
  }, 60_000);

  test("the agent's push and its pull request for one commit: one verification comment, one attempt, one retry", async () => {
    seedHealing();
    const pr = gh.seedIssue({ title: "Fix add", body: "Fixes #1", author: "claude[bot]", pull: { head: "claude/issue-1-x", base: "dev" } });
    const sha = agentBranch({ "src/calc.ts": CALC("*") });
    const push = await verify(env({ GITHUB_SHA: sha, GITHUB_RUN_ID: "4001" }));
    expect(push.code).toBe(1);
    const eventPath = join(remote.cloneDir, "..", "event-pr.json");
    writeFileSync(
      eventPath,
      JSON.stringify({
        pull_request: {
          number: pr.number,
          body: "Fixes #1",
          author_association: "NONE",
          head: { ref: "claude/issue-1-x", sha, repo: { full_name: "acme/widgets" } },
          base: { ref: "dev", repo: { full_name: "acme/widgets" } },
        },
      }),
    );
    gh.resetLog();
    // pull_request: another run id, GITHUB_SHA is the merge commit, the head sha is the pushed commit.
    const pull = await verify(
      env({
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_HEAD_REF: "claude/issue-1-x",
        GITHUB_REF_NAME: `${pr.number}/merge`,
        GITHUB_SHA: "f".repeat(40),
        GITHUB_RUN_ID: "4002",
      }),
    );
    expect(pull.code).toBe(0);
    expect(pull.stderr).toBe(`[skip] verify #1: commit ${sha.slice(0, 12)} is already verified\n`);
    expect(log()).toEqual(["GET /issues/1", "GET /issues/1/comments"]);
    const verifications = gh.issue(1)!.comments.filter((c) => parseMarker(c.body)?.kind === "verification");
    expect(verifications).toHaveLength(1);
    expect(parseMarker(verifications[0]!.body)).toMatchObject({ extra: { attempt: 1, sha } });
    expect(gh.state.dispatches).toHaveLength(1);

    // The agent's next commit is a second attempt.
    remote.git("commit", "-q", "--allow-empty", "-m", "agent again");
    const next = remote.git("rev-parse", "HEAD");
    gh.resetLog();
    const again = await verify(env({ GITHUB_SHA: next, GITHUB_RUN_ID: "4003" }));
    expect(again.code).toBe(1);
    expect(parseMarker(gh.issue(1)!.comments.at(-1)!.body)).toMatchObject({ extra: { attempt: 2, sha: next } });
  }, 90_000);

  test("tests that could not load a package are environment: not the agent's attempt, nobody asked again", async () => {
    seedHealing();
    const sha = agentBranch({ "src/calc.ts": CALC("+"), "tests/calc.test.ts": `import "heal-absent-package";\n${TESTS}` });
    const r = await verify(env({ GITHUB_SHA: sha }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("#1: not verified: set-up problems (environment), not counted as an attempt");
    expect(gh.state.dispatches).toEqual([]);
    const body = gh.issue(1)!.comments[0]!.body;
    expect(body).toContain("### Could not run: environment (1)");
    expect(body).toContain("cannot import heal-absent-package (tests/calc.test.ts)");
    expect(body).not.toContain("### Did not run");
    expect(parseMarker(body)).toMatchObject({ kind: "verification", extra: { issue: 1, result: "environment", attempt: 0 } });
  }, 60_000);

  test("past the daily mention cap the agent is not asked again: the ❌ comment says so, no dispatch, no hand-off tag", async () => {
    seedHealing();
    // Today's hand-off on another tool issue uses up budget.daily_mentions: 1; a user's forged tag counts for nothing.
    const other = gh.seedIssue({
      title: "coverage",
      body: buildMarker({ kind: "coverage", branch: "", fingerprints: [] }),
      labels: ["auto-healing", "test-quality"],
      author: "github-actions[bot]",
    });
    gh.seedComment(other.number, "🤖 Handed to the agent <!-- heal:handoff issue=2 run=3000.1 -->", "github-actions[bot]");
    gh.seedComment(1, "done! <!-- heal:handoff issue=1 run=2999.1 -->", "mallory");
    const sha = agentBranch({ "src/calc.ts": CALC("*"), ".agent/heal/config.yaml": "budget:\n  daily_mentions: 1\n" });
    const r = await verify(env({ GITHUB_SHA: sha }));
    expect(r.code).toBe(1);
    expect(log()).toEqual([
      "GET /issues/1",
      "GET /issues/1/comments",
      "GET /issues/1/comments",
      "GET /pulls",
      "GET /issues",
      `GET /issues/${other.number}/comments`,
      "POST /issues/1/comments",
    ]);
    expect(gh.state.dispatches).toEqual([]);
    const body = gh.issue(1)!.comments.at(-1)!.body;
    expect(body).toContain("The agent is not asked again today: daily cap reached: 1 agent hand-offs in 24 hours (budget.daily_mentions).");
    expect(body).not.toContain("<!-- heal:handoff");
    expect(r.stderr).toContain(
      "warning: #1: the agent is not asked again (daily cap reached: 1 agent hand-offs in 24 hours (budget.daily_mentions))",
    );
  }, 60_000);

  test("verify.close_on: merge: the verified fix merged into dev (not the default branch) closes the issue at dev's next heal", async () => {
    seedHealing();
    const config = { ".agent/heal/config.yaml": "verify:\n  close_on: merge\n" };
    const sha = agentBranch({ "src/calc.ts": CALC("+"), ...config });
    expect((await verify(env({ GITHUB_SHA: sha }))).code).toBe(0);
    expect(gh.issue(1)!.state).toBe("open");
    // Another failure is still on dev after the merge, so heal's green close does not apply: the merge closes it.
    remote.git("checkout", "-q", "dev");
    remote.git("pull", "-q", "origin", "dev");
    remote.git("merge", "-q", "--no-ff", "-m", "Merge pull request #2 from claude/issue-1-x", "claude/issue-1-x");
    remote.git("push", "-q", "origin", "dev");
    const w = workdir(remote.cloneDir);
    w.writeReports(failureReport([failure(7)]));
    gh.resetLog();
    const sync = await runStep(
      "sync-issue",
      remote.cloneDir,
      actionsEnv(gh, { GITHUB_RUN_ID: "4100", GITHUB_SHA: remote.git("rev-parse", "HEAD") }),
    );
    expect(sync.code).toBe(0);
    expect(gh.issue(1)!.state).toBe("closed");
    expect(gh.issue(1)!.comments.at(-1)!.body).toStartWith(
      `✅ The verified fix (\`${sha.slice(0, 12)}\`) is merged into \`dev\` ([run](https://github.com/acme/widgets/actions/runs/4100)). Closing this healing issue (verify.close_on: merge).`,
    );
    expect(w.githubJson()).toMatchObject({ issueNumber: 1, action: "closed", reason: `verified fix ${sha.slice(0, 12)} merged` });
    expect(log()).toEqual(["GET /issues", "GET /issues/1/comments", "POST /issues/1/comments", "PATCH /issues/1"]);
  }, 90_000);

  test("verify.close_on: merge: the agent's pull request closed, then merged (a squash leaves no trace on dev): closed by verify, nothing runs", async () => {
    seedHealing();
    const pr = gh.seedIssue({ title: "Fix add", body: "Fixes #1", author: "claude[bot]", pull: { head: "claude/issue-1-x", base: "dev" } });
    const sha = agentBranch({ "src/calc.ts": CALC("+"), ".agent/heal/config.yaml": "verify:\n  close_on: merge\n" });
    expect((await verify(env({ GITHUB_SHA: sha }))).code).toBe(0);
    const closedEvent = (merged: boolean) => {
      const path = join(remote.cloneDir, "..", `event-closed-${merged}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          action: "closed",
          pull_request: {
            number: pr.number,
            merged,
            body: "Fixes #1",
            author_association: "NONE",
            head: { ref: "claude/issue-1-x", sha, repo: { full_name: "acme/widgets" } },
            base: { ref: "dev", repo: { full_name: "acme/widgets" } },
          },
        }),
      );
      return env({
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: path,
        GITHUB_HEAD_REF: "claude/issue-1-x",
        GITHUB_REF_NAME: `${pr.number}/merge`,
        GITHUB_SHA: "e".repeat(40),
        GITHUB_RUN_ID: merged ? "4202" : "4201",
      });
    };
    gh.resetLog();
    const abandoned = await verify(closedEvent(false));
    expect(abandoned.code).toBe(0);
    expect(abandoned.stderr).toBe("[skip] verify #1: the pull request was closed without merging\n");
    expect(gh.writes()).toEqual([]);

    gh.resetLog();
    const merged = await verify(closedEvent(true));
    expect(merged.code).toBe(0);
    expect(merged.stderr).toBe(`#1: closed, its verified fix ${sha.slice(0, 12)} is merged\n`);
    expect(log()).toEqual(["GET /issues/1", "GET /issues/1/comments", "POST /issues/1/comments", "PATCH /issues/1"]);
    expect(gh.issue(1)!.state).toBe("closed");
    expect(gh.issue(1)!.comments.at(-1)!.body).toStartWith(
      `✅ The verified fix (\`${sha.slice(0, 12)}\`) is merged into \`dev\`. Closing this healing issue (verify.close_on: merge).`,
    );
  }, 90_000);

  test("verify.close_on: merge: a verified fix not yet merged leaves the issue open at dev's heal", async () => {
    seedHealing();
    const sha = agentBranch({ "src/calc.ts": CALC("+"), ".agent/heal/config.yaml": "verify:\n  close_on: merge\n" });
    expect((await verify(env({ GITHUB_SHA: sha }))).code).toBe(0);
    remote.git("checkout", "-q", "dev");
    remote.git("pull", "-q", "origin", "dev");
    mkdirSync(join(remote.cloneDir, ".agent/heal"), { recursive: true });
    writeFileSync(join(remote.cloneDir, ".agent/heal/config.yaml"), "verify:\n  close_on: merge\n");
    const w = workdir(remote.cloneDir);
    w.writeReports(failureReport([failure(7)]));
    const sync = await runStep("sync-issue", remote.cloneDir, actionsEnv(gh, { GITHUB_RUN_ID: "4101" }));
    expect(sync.code).toBe(0);
    expect(gh.issue(1)!.state).toBe("open");
    expect(w.githubJson()).toMatchObject({ issueNumber: 1, action: "commented" });
  }, 90_000);

  test("verify.close_on: merge leaves the issue open for `Fixes #N`", async () => {
    seedHealing();
    agentBranch({ "src/calc.ts": CALC("+"), ".agent/heal/config.yaml": "verify:\n  close_on: merge\n" });
    const r = await verify(env());
    expect(r.code).toBe(0);
    expect(log()).toEqual(["GET /issues/1", "GET /issues/1/comments", "GET /issues/1/comments", "GET /pulls", "POST /issues/1/comments"]);
    expect(gh.issue(1)!.state).toBe("open");
    expect(gh.issue(1)!.comments[0]!.body).toContain("#1 closes when the pull request that says `Fixes #1` is merged.");
  }, 60_000);

  test("local mode (no token): verifies the task file in the tree, prints [skip] for GitHub, exit 1 then 0", async () => {
    remote.pushFromElsewhere({ [TASK]: taskYaml("calc > adds two numbers") }, "task");
    remote.git("pull", "-q");
    const local = { PATH: process.env.PATH!, HOME: process.env.HOME!, NO_COLOR: "1" };
    const broken = await runStep("verify-fix", remote.cloneDir, local);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("✗ calc > adds two numbers (failed)");
    expect(broken.stderr).toContain(
      "[skip] comment on the healing issue and ask the agent again: no GITHUB_TOKEN or GH_TOKEN (local mode)",
    );
    writeFileSync(join(remote.cloneDir, "src/calc.ts"), CALC("+"));
    const fixed = await runStep("verify-fix", remote.cloneDir, local, ["--task", TASK]);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain("✓ calc > adds two numbers (passed)");
    expect(JSON.parse(fixed.stdout)).toEqual({ issue: null, attempt: null, result: "pass", healed: true });
    expect(gh.requests).toEqual([]);
  }, 60_000);

  test("local mode with real pytest: node ids re-run first; a deleted test is not healed", async () => {
    // calc.py is rewritten with the same size within a second: a cached .pyc would hide the edit.
    const py = { PATH: process.env.PATH!, HOME: process.env.HOME!, NO_COLOR: "1", PYTHONDONTWRITEBYTECODE: "1" };
    const tests = (body: string) => `from calc import add\n\n${body}\ndef test_zero():\n    assert add(2, 0) == 2\n`;
    const failing = "def test_adds_two_numbers():\n    assert add(2, 3) == 5\n\n";
    remote.pushFromElsewhere(
      {
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests/test_calc.py": tests(failing),
        "package.json": "",
        "tests/calc.test.ts": "",
        [TASK]: `id: fix-py\nauto_generated: true\nbranch: dev\ntest_failures:\n  - id: ${ID}\n    test: tests/test_calc.py::test_adds_two_numbers\n    framework: pytest\n    file: tests/test_calc.py\n    line: 4\n`,
      },
      "python sample",
    );
    remote.git("pull", "-q");
    remote.git("rm", "-q", "package.json", "tests/calc.test.ts", "src/calc.ts");
    remote.git("commit", "-qm", "python only");
    const broken = await runStep("verify-fix", remote.cloneDir, py);
    expect(broken.stderr).toContain("── pytest-targeted: ");
    expect(broken.stderr).toContain("tests/test_calc.py::test_adds_two_numbers (in .)");
    expect(broken.stderr).toContain("✗ tests/test_calc.py::test_adds_two_numbers (failed)");
    expect(broken.code).toBe(1);
    writeFileSync(join(remote.cloneDir, "calc.py"), "def add(a, b):\n    return a + b\n");
    const fixed = await runStep("verify-fix", remote.cloneDir, py);
    expect(fixed.stderr).toContain("✓ tests/test_calc.py::test_adds_two_numbers (passed)");
    expect(fixed.code).toBe(0);
    writeFileSync(join(remote.cloneDir, "calc.py"), "def add(a, b):\n    return a - b\n");
    writeFileSync(join(remote.cloneDir, "tests/test_calc.py"), tests(""));
    const deleted = await runStep("verify-fix", remote.cloneDir, py);
    expect(deleted.stderr).toContain("✗ tests/test_calc.py::test_adds_two_numbers (missing)");
    expect(deleted.code).toBe(1);
  }, 60_000);
});
