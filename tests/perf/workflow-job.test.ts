// The perf job of the workflow `task setup` renders for a config naming perf.results, executed the way GitHub
// Actions would (tests/support/actions-runner.ts: `if:`, `${{ }}`, the composite action's run: steps for real,
// external actions simulated as in tests/e2e/actions-run.test.ts). A go repository whose perf.command runs a real
// `go test -bench`: the push to the default branch stores heal/perf-baseline; a push to another healed branch
// whose code sleeps three times longer per operation files its "⏱️ Performance regression" issue against it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { runJob, type JobRunner } from "../support/actions-runner.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

const ACTION = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";
const TASK_BIN = Bun.which("task");
// Sleep-bound, so prod's slowdown is the code's, not the machine's load.
const waitGo = (ms: number) =>
  `package shop\n\nimport "time"\n\n// Wait stands for the work the benchmark measures.\nfunc Wait() { time.Sleep(${ms} * time.Millisecond) }\n`;
const FILES = {
  "go.mod": "module example.com/shop\n\ngo 1.21\n",
  "wait.go": waitGo(1),
  "wait_test.go":
    'package shop\n\nimport "testing"\n\nfunc BenchmarkWait(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tWait()\n\t}\n}\n',
  ".gitignore": ".agent/reports/\nbench/\n",
  ".agent/heal/config.yaml":
    "branches: [dev, prod]\nperf:\n  results: [bench/go.txt]\n  command: [sh, -c, \"mkdir -p bench && go test -run '^$' -bench . -benchtime 20x -count 5 . > bench/go.txt\"]\n",
};

let root: string;
let toolkit: string;
let gh: GitHubDouble;
let remote: BareRemote;

beforeAll(async () => {
  if (!TASK_BIN) throw new Error("go-task is not on PATH");
  root = mkdtempSync(join(tmpdir(), "heal-perf-job-"));
  // The toolkit as `uses: owner/repo@sha` gets it: its files without tests, bench or node_modules.
  toolkit = join(root, "toolkit");
  const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: TOOLKIT_ROOT, encoding: "utf8" })
    .stdout.split("\n")
    .filter((f) => f && !/^(tests|bench|examples)\//.test(f) && existsSync(join(TOOLKIT_ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(toolkit, f)), { recursive: true });
    cpSync(join(TOOLKIT_ROOT, f), join(toolkit, f));
  }
  gh = await startGitHubDouble();
  remote = createBareRemote(FILES);
  // What a user does: task setup, commit, push.
  const setup = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts/setup-repo.ts"), ".", "--action", ACTION], {
    cwd: remote.cloneDir,
    encoding: "utf8",
    env: { ...process.env, HEAL_REPO: "" },
  });
  expect(setup.status, setup.stderr).toBe(0);
  remote.git("add", "-A");
  remote.git("commit", "-qm", "ci: self-healing TDD loop");
  remote.git("push", "-q", "origin", "dev");
}, 240_000);
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Runs the perf job for `github` (the event's context) in the clone as checked out; null when its `if:` is false. */
async function perfJob(github: Record<string, unknown>, envOver: Record<string, string>): Promise<JobRunner | null> {
  const run = mkdtempSync(join(root, "run-"));
  writeFileSync(join(run, "event.json"), JSON.stringify(github.event));
  writeFileSync(join(run, "summary.md"), "");
  const env: Record<string, string> = {
    PATH: [
      dirname(process.execPath),
      dirname(TASK_BIN!),
      dirname(Bun.which("go") ?? "/usr/bin/go"),
      "/usr/local/bin",
      "/usr/bin",
      "/bin",
    ].join(":"),
    HOME: process.env.HOME!,
    TMPDIR: tmpdir(),
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: remote.cloneDir,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: gh.url,
    GITHUB_EVENT_PATH: join(run, "event.json"),
    GITHUB_SHA: remote.git("rev-parse", "HEAD"),
    GITHUB_RUN_ID: "8001",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_STEP_SUMMARY: join(run, "summary.md"),
    RUNNER_OS: "Linux",
    RUNNER_TEMP: run,
    NO_COLOR: "1",
    HEAL_GITHUB_PACING: "0",
    HEAL_GITHUB_RETRY_BASE_MS: "20",
    ...envOver,
  };
  return runJob(join(remote.cloneDir, ".github/workflows/self-healing-tdd-loop.yml"), "perf", {
    workspace: remote.cloneDir,
    env,
    ctx: {
      github: { token: DEFAULT_TOKEN, repository: gh.repository, run_id: "8001", run_attempt: "1", workspace: remote.cloneDir, ...github },
      vars: {},
      secrets: {},
      runner: { os: "Linux", temp: run },
      env: {},
    },
    localActions: { [ACTION]: toolkit },
    tempDir: join(run, "files"),
    simulate: (uses) => {
      const name = uses.split("@")[0];
      // checkout: the clone is the workspace; setup-bun / setup-task: the binaries on PATH; cache and upload: nothing kept.
      if (["actions/checkout", "oven-sh/setup-bun", "go-task/setup-task", "actions/cache", "actions/upload-artifact"].includes(name!))
        return {};
      throw new Error(`no simulator for ${uses}`);
    },
  });
}

const repository = () => ({ full_name: gh.repository, default_branch: "dev" });
const BASELINE_FILE = ".agent/reports/perf/baseline/bench/go.txt.json";

describe("the rendered perf job, step by step", () => {
  test("a push to the default branch: perf.command runs the benchmarks and the baseline goes onto heal/perf-baseline", async () => {
    const job = await perfJob(
      {
        event_name: "push",
        ref: "refs/heads/dev",
        ref_name: "dev",
        head_ref: "",
        event: { ref: "refs/heads/dev", repository: repository() },
      },
      { GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/dev", GITHUB_REF_NAME: "dev", GITHUB_HEAD_REF: "" },
    );
    expect(job).not.toBeNull();
    const step = job!.records.find((r) => r.name === "Run task perf")!;
    expect({ exitCode: step.exitCode, stderr: step.stderr }).toMatchObject({ exitCode: 0 });
    expect(step.env!.HEAL_TASK).toBe("perf");
    expect(step.stderr).toContain("[skip] perf: no baseline: origin has no heal/perf-baseline yet");
    expect(remote.log("heal/perf-baseline")[0]).toMatch(/^chore\(heal\): perf baseline of bench\/go\.txt at [0-9a-f]{12} \[skip ci\]$/);
    const stored = JSON.parse(remote.show("heal/perf-baseline", BASELINE_FILE) ?? "null");
    expect(stored.results.map((r: { name: string; n: number }) => [r.name, r.n])).toEqual([["example.com/shop.BenchmarkWait", 5]]);
    expect(stored.results[0].meanNs).toBeGreaterThan(1e6);
    expect(gh.state.issues).toEqual([]);
  }, 240_000);

  test("a push to prod whose code is 3x slower: the issue is filed on prod against the stored baseline", async () => {
    remote.git("checkout", "-q", "-b", "prod");
    writeFileSync(join(remote.cloneDir, "wait.go"), waitGo(3));
    remote.git("commit", "-qam", "feat: wait longer");
    remote.git("push", "-q", "origin", "prod");
    const job = await perfJob(
      {
        event_name: "push",
        ref: "refs/heads/prod",
        ref_name: "prod",
        head_ref: "",
        event: { ref: "refs/heads/prod", repository: repository() },
      },
      { GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/prod", GITHUB_REF_NAME: "prod", GITHUB_HEAD_REF: "" },
    );
    expect(job).not.toBeNull();
    const step = job!.records.find((r) => r.name === "Run task perf")!;
    expect({ exitCode: step.exitCode, stderr: step.stderr }).toMatchObject({ exitCode: 1 });
    expect(step.stderr).toContain(`perf: baseline from origin/heal/perf-baseline: ${BASELINE_FILE}`);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("⏱️ Performance regression in prod");
    // Sleep-bound times vary with the machine's load; their order and separation do not.
    expect(issue.body).toMatch(
      /\| `example\.com\/shop\.BenchmarkWait` \| [\d.]+ ms \| [\d.]+ ms \| ×[2-3]\.\d\d \| Mann-Whitney U p=0\.0079 \| 5 vs 5 \|/,
    );
    expect(remote.show("prod", ".agent/tasks/fix-perf-prod.yaml")).toContain("benchmark: example.com/shop.BenchmarkWait");
    // Only the default branch writes the baseline.
    expect(remote.log("heal/perf-baseline").filter((s) => s.startsWith("chore(heal): perf baseline"))).toHaveLength(1);
  }, 240_000);
});
