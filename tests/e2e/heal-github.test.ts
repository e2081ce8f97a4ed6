// `task -x heal` as it runs in GitHub Actions: a sample repo with failing bun tests whose origin is a real
// bare repository, the Actions variables pointing at the GitHub double. First run: exactly one issue with
// the healing labels, the failures and @claude, the task file pushed to the branch, the agent woken by
// repository_dispatch. Second run with the same failures: no new issue, no comment, no write at all.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { REPORT_FILES, TOOLKIT_ROOT } from "../../lib/paths.ts";
import { parseMarker } from "../../lib/marker.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { actionsEnv, requestLog } from "../github/fixtures.ts";

const TASK_BIN = Bun.which("task");
const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");

const MATH_TS = `export function add(a: number, b: number): number {
  return a - b;
}

export function half(n: number): number {
  return n / 3;
}
`;
const MATH_TEST = `import { describe, expect, test } from "bun:test";
import { add, half } from "../src/math";

describe("math", () => {
  test("adds two numbers", () => {
    expect(add(2, 3)).toBe(5);
  });
  test("halves a number", () => {
    expect(half(8)).toBe(4);
  });
  test("passes", () => {
    expect(1).toBe(1);
  });
});
`;

let gh: GitHubDouble;
let remote: BareRemote;
let summary: string;

beforeAll(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({
    "package.json": '{"name":"widgets","private":true,"scripts":{"test":"bun test"}}\n',
    "src/math.ts": MATH_TS,
    "tests/math.test.ts": MATH_TEST,
    ".gitignore": "node_modules\n.agent/reports/\n",
  });
  summary = join(remote.cloneDir, "..", "step-summary.md");
});
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
});

async function heal(runId: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const env = actionsEnv(gh, {
    GITHUB_RUN_ID: runId,
    GITHUB_STEP_SUMMARY: summary,
    PATH: [dirname(process.execPath), dirname(TASK_BIN), process.env.PATH ?? ""].join(":"),
    TMPDIR: tmpdir(),
  });
  const proc = Bun.spawn([TASK_BIN, "-x", "-t", TASKFILE, "heal"], { cwd: remote.cloneDir, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("task heal against GitHub (double) and a bare origin", () => {
  test("first run: one issue, labels, failures, @claude, task file on the remote branch, agent dispatched", async () => {
    const r = await heal("5001");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(gh.violations).toEqual([]);
    // Actions folds the stack's output, and annotates each failure on its line.
    const groups = r.stderr.split("\n").filter((l) => /^::(?:end)?group::/.test(l));
    expect(groups).toEqual(["::group::bun: npm run test --", "::endgroup::"]);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("::error "));
    expect(errors).toEqual([
      "::error file=tests/math.test.ts,line=6,title=math > adds two numbers::AssertionError: expect(received).toBe(expected)",
      "::error file=tests/math.test.ts,line=9,title=math > halves a number::AssertionError: expect(received).toBe(expected)",
    ]);

    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("🔴 Auto-Healing: Test Failures in dev");
    expect(issue.labels).toEqual(["auto-healing", "bug", "tdd"]);
    expect(issue.user.login).toBe("github-actions[bot]");
    expect(issue.body).toContain("adds two numbers");
    expect(issue.body).toContain("halves a number");
    expect(issue.body).not.toContain("math > passes");
    expect(issue.body).toContain("@claude");
    const marker = parseMarker(issue.body)!;
    expect(marker).toMatchObject({ kind: "healing", branch: "dev", count: 2, run: { id: "5001", attempt: "1" } });

    const github = JSON.parse(readFileSync(join(remote.cloneDir, ".agent/reports/github.json"), "utf8"));
    expect(github).toMatchObject({ issueNumber: 1, action: "created", taskCommitted: true, handoff: { via: "dispatch", attempt: 1 } });
    const taskPath: string = github.taskPath;
    expect(taskPath).toMatch(/^\.agent\/tasks\/fix-[A-Za-z0-9._-]+\.yaml$/);
    expect(existsSync(join(remote.cloneDir, taskPath))).toBe(true);
    expect(remote.show("dev", taskPath)).toBe(readFileSync(join(remote.cloneDir, taskPath), "utf8"));
    expect(remote.log()[0]).toBe("chore(heal): task context for #1 [skip ci]");
    expect(issue.body).toContain(`/acme/widgets/blob/${remote.head()}/${taskPath}`);
    // Every file the steps left in the reports folder is one REPORT_FILES names (lib/step-files.ts reads them).
    const named = new Set<string>(Object.values(REPORT_FILES));
    expect(readdirSync(join(remote.cloneDir, ".agent/reports")).filter((f) => !named.has(f))).toEqual([]);

    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { issue_number: 1, branch: "dev", task_path: taskPath, attempt: 1 },
        login: "github-actions[bot]",
      },
    ]);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "GET /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
      "GET /repos/acme/widgets/issues/1",
      "PATCH /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    const text = readFileSync(summary, "utf8");
    expect(text).toContain("## 🔴 Self-healing TDD loop: 2 failing tests");
    expect(text).toContain("Healing issue: [#1](https://github.com/acme/widgets/issues/1) (created).");
    expect(text).toContain(
      `Task context: [\`${taskPath}\`](https://github.com/acme/widgets/blob/${remote.head()}/${taskPath}) (committed with [skip ci]).`,
    );
    expect(text).toContain("Agent woken by `repository_dispatch` `heal-agent` (attempt 1).");
  }, 180_000);

  test("second run, same failures: exit 1 again, no new issue, no comment, no commit, only GETs", async () => {
    const commentsBefore = gh.state.issues[0]!.comments.length;
    const tip = remote.head();
    gh.resetLog();
    const r = await heal("5002");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    expect(gh.state.issues[0]!.comments).toHaveLength(commentsBefore);
    expect(gh.writes()).toEqual([]);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues/1",
    ]);
    expect(remote.head()).toBe(tip);
    expect(gh.state.dispatches).toHaveLength(1);
  }, 180_000);
});

describe("task heal when the healed branch refuses pushes (pre-receive hook, as a protected branch does)", () => {
  test("the issue is filed, heal/tasks/dev holds the task file, the agent is woken with it in the payload, heal exits 1", async () => {
    if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
    const gh2 = await startGitHubDouble();
    const protectedRemote = createBareRemote({
      "package.json": '{"name":"widgets","private":true,"scripts":{"test":"bun test"}}\n',
      "src/math.ts": MATH_TS,
      "tests/math.test.ts": MATH_TEST,
      ".gitignore": "node_modules\n.agent/reports/\n",
    });
    try {
      protectedRemote.refusePushesTo("dev");
      const env = actionsEnv(gh2, {
        GITHUB_RUN_ID: "7001",
        PATH: [dirname(process.execPath), dirname(TASK_BIN), process.env.PATH ?? ""].join(":"),
        TMPDIR: tmpdir(),
      });
      const proc = Bun.spawn([TASK_BIN, "-x", "-t", TASKFILE, "heal"], {
        cwd: protectedRemote.cloneDir,
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      expect(code).toBe(1);
      expect(gh2.violations).toEqual([]);
      expect(stderr).toMatch(
        /^::warning::the push of \.agent\/tasks\/fix-[^ ]+\.yaml to dev was refused \(.*GH006.*\); it is on heal\/tasks\/dev instead$/m,
      );
      expect(gh2.state.issues).toHaveLength(1);
      const github = JSON.parse(readFileSync(join(protectedRemote.cloneDir, ".agent/reports/github.json"), "utf8"));
      const taskPath: string = github.taskPath;
      expect(github).toMatchObject({
        issueNumber: 1,
        action: "created",
        taskBranch: "heal/tasks/dev",
        handoff: { via: "dispatch", attempt: 1 },
      });
      expect(protectedRemote.log()).toEqual(["initial commit"]);
      const onSide = protectedRemote.show("heal/tasks/dev", taskPath)!;
      expect(onSide).toBe(readFileSync(join(protectedRemote.cloneDir, taskPath), "utf8"));
      const sideTip = protectedRemote.head("heal/tasks/dev")!;
      const url = `https://github.com/acme/widgets/blob/${sideTip}/${taskPath}`;
      expect(gh2.state.issues[0]!.body).toContain(`(${url}) <!-- heal:task-link -->`);
      expect(gh2.state.dispatches).toEqual([
        {
          eventType: "heal-agent",
          clientPayload: {
            issue_number: 1,
            branch: "dev",
            task_path: taskPath,
            attempt: 1,
            task_branch: "heal/tasks/dev",
            task_url: url,
            task_yaml: onSide,
          },
          login: "github-actions[bot]",
        },
      ]);
      expect(requestLog(gh2).filter((l) => l.startsWith("POST"))).toEqual([
        "POST /repos/acme/widgets/labels",
        "POST /repos/acme/widgets/labels",
        "POST /repos/acme/widgets/labels",
        "POST /repos/acme/widgets/issues",
        "POST /repos/acme/widgets/dispatches",
        "POST /repos/acme/widgets/issues/1/comments",
      ]);
    } finally {
      await gh2.close();
      protectedRemote.cleanup();
    }
  }, 180_000);
});

describe("task heal: the code under test gets no secret", () => {
  test("a test that dumps its environment and `git config -l` finds no token, on the first run and after the task-context push", async () => {
    if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
    const agentToken = "ghp_agentpatforthistestonly00000000000002";
    const gh3 = await startGitHubDouble({
      tokens: {
        [DEFAULT_TOKEN]: {
          login: "github-actions[bot]",
          type: "Bot",
          permissions: { issues: "write", contents: "write", pull_requests: "write", metadata: "read" },
        },
        [agentToken]: { login: "heal-agent", type: "User", permissions: { issues: "write", metadata: "read" } },
      },
    });
    const dump = `import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";

test("dumps what the code under test can see", () => {
  const config = spawnSync("git", ["config", "-l"], { encoding: "utf8" }).stdout;
  appendFileSync(".agent/reports/../leak.txt", JSON.stringify({ env: process.env, config }) + "\\n");
  expect(1).toBe(2);
});
`;
    const repo = createBareRemote({
      "package.json": '{"name":"widgets","private":true,"scripts":{"test":"bun test"}}\n',
      "tests/leak.test.ts": dump,
      ".gitignore": "node_modules\n.agent/reports/\n.agent/leak.txt\n",
    });
    try {
      const env = actionsEnv(gh3, {
        HEAL_AGENT_TOKEN: agentToken,
        ACTIONS_RUNTIME_TOKEN: "runtime-token-for-this-test-0001",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request-token-for-this-test-0001",
        PATH: [dirname(process.execPath), dirname(TASK_BIN), process.env.PATH ?? ""].join(":"),
        TMPDIR: tmpdir(),
      });
      for (const runId of ["8001", "8002"]) {
        const proc = Bun.spawn([TASK_BIN, "-x", "-t", TASKFILE, "heal"], {
          cwd: repo.cloneDir,
          env: { ...env, GITHUB_RUN_ID: runId },
          stdout: "pipe",
          stderr: "pipe",
        });
        const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
        expect({ code, stderr: code === 1 ? "" : stderr }).toEqual({ code: 1, stderr: "" });
      }
      expect(repo.log()[0]).toBe("chore(heal): task context for #1 [skip ci]");
      const dumps = readFileSync(join(repo.cloneDir, ".agent/leak.txt"), "utf8").trim().split("\n");
      expect(dumps).toHaveLength(2);
      for (const line of dumps) {
        const seen = JSON.parse(line) as { env: Record<string, string>; config: string };
        expect(seen.config).toContain("remote.origin.url=");
        expect(seen.config).not.toContain("extraheader");
        for (const secret of [DEFAULT_TOKEN, agentToken, "runtime-token-for-this-test-0001", "oidc-request-token-for-this-test-0001"]) {
          expect(line).not.toContain(secret);
        }
      }
    } finally {
      await gh3.close();
      repo.cleanup();
    }
  }, 240_000);
});

describe("API requests of a whole heal run do not grow with the number of failures", () => {
  test("1 vs 500 failing tests: the same request log, first run and changed-failures run", async () => {
    const logs: Record<number, string[][]> = {};
    for (const n of [1, 500]) {
      const double = await startGitHubDouble();
      const origin = createBareRemote({
        "package.json": '{"name":"widgets","private":true,"scripts":{"test":"bun test"}}\n',
        "tests/many.test.ts": `import { expect, test } from "bun:test";\nfor (let i = 0; i < ${n}; i++) test(\`case \${i}\`, () => expect(i).toBe(-1));\n`,
        ".gitignore": "node_modules\n.agent/reports/\n",
      });
      const run = async (runId: string) => {
        const env = actionsEnv(double, {
          GITHUB_RUN_ID: runId,
          PATH: [dirname(process.execPath), dirname(TASK_BIN!), process.env.PATH ?? ""].join(":"),
        });
        const proc = Bun.spawn([TASK_BIN!, "-x", "-t", TASKFILE, "heal"], { cwd: origin.cloneDir, env, stdout: "pipe", stderr: "pipe" });
        const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
        expect({ code, stderr }).toMatchObject({ code: 1 });
      };
      await run("6001");
      const first = requestLog(double);
      double.resetLog();
      // One more failing test: the failing set changes, so the issue gets one comment and a new hand-off.
      origin.git("pull", "-q", "--rebase");
      writeFileSync(
        join(origin.cloneDir, "tests/extra.test.ts"),
        'import { expect, test } from "bun:test";\ntest("extra", () => expect(1).toBe(2));\n',
      );
      await run("6002");
      logs[n] = [first, requestLog(double)];
      expect(double.violations).toEqual([]);
      expect(double.state.issues).toHaveLength(1);
      expect(parseMarker(double.state.issues[0]!.comments.find((c) => c.body.includes("changed"))!.body)!.count).toBe(n + 1);
      await double.close();
      origin.cleanup();
    }
    console.log(
      `FIGURE requests per heal run: 1 failure -> first ${logs[1]![0]!.length}, changed ${logs[1]![1]!.length}; ` +
        `500 failures -> first ${logs[500]![0]!.length}, changed ${logs[500]![1]!.length}`,
    );
    expect(logs[500]).toEqual(logs[1]!);
  }, 300_000);
});
