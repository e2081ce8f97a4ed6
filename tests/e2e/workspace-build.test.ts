// A workspace root's own steps before its packages' tests, under the real `task -x heal` in local mode: an npm
// workspace whose packages/app (bun test) imports packages/lib's dist/index.js, which only the root builds
// (`npm run build && npm test --workspaces`, or a root `pretest`). node_modules comes from heal:prepare's real
// `npm ci`; then the root's build runs, and heal finds exactly the app's one real failure, not "Cannot find
// module". A build that exits 1 is one environment record naming it: exit 1, no task for the agent; a pytest stack
// beside the workspace keeps its real failure.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PrepareFile } from "../../lib/prepare.ts";
import type { FailureReport } from "../../lib/types.ts";
import { localEnv, TASKFILE, taskBin } from "../support/local-heal.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

setDefaultTimeout(120_000);
const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

const APP_TEST = [
  'import { expect, test } from "bun:test";',
  'import { total } from "@ws/lib";',
  "",
  'test("adds the prices", () => expect(total([1, 2])).toBe(3));',
  'test("adds the tax", () => expect(total([10], 0.2)).toBe(12)); // FAILS-HERE',
  "",
].join("\n");

/** An npm workspace as a fresh clone has it: a committed lockfile, no node_modules, no dist/. */
function workspace(rootScripts: Record<string, string>, build: string, extra: Record<string, string> = {}): SampleRepo {
  const repo = createSampleRepo(
    {
      "package.json": JSON.stringify({ name: "ws", private: true, workspaces: ["packages/*"], scripts: rootScripts }),
      "scripts/build.js": build,
      "packages/lib/package.json": JSON.stringify({ name: "@ws/lib", version: "1.0.0", main: "dist/index.js" }),
      // The tax is ignored: the app's one real failure.
      "packages/lib/src/index.js": "exports.total = (prices, tax = 0) => prices.reduce((a, b) => a + b, 0);\n",
      "packages/app/package.json": JSON.stringify({
        name: "@ws/app",
        version: "1.0.0",
        scripts: { test: "bun test" },
        dependencies: { "@ws/lib": "1.0.0" },
      }),
      "packages/app/test/app.test.js": APP_TEST,
      ...extra,
    },
    { nodeModules: false, git: false },
  );
  repos.push(repo);
  const lock = spawnSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: repo.dir, encoding: "utf8" });
  expect(lock.status).toBe(0);
  repo.write({ ".gitignore": "node_modules\ndist\n.agent/reports/\n" });
  repo.git("init", "-q", "-b", "dev");
  repo.git("add", "-A");
  repo.git("commit", "-qm", "ws");
  expect(["node_modules", "packages/lib/dist"].map((d) => existsSync(join(repo.dir, d)))).toEqual([false, false]);
  return repo;
}

const BUILD = [
  'const { mkdirSync, copyFileSync } = require("node:fs");',
  'mkdirSync("packages/lib/dist", { recursive: true });',
  'copyFileSync("packages/lib/src/index.js", "packages/lib/dist/index.js");',
  "",
].join("\n");

function heal(dir: string) {
  const r = spawnSync(taskBin(), ["-x", "-t", TASKFILE, "heal"], { cwd: dir, encoding: "utf8", env: localEnv(), timeout: 100_000 });
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, ".agent/reports", f), "utf8")) as T;
  const tasksDir = join(dir, ".agent/tasks");
  return {
    code: r.status,
    stderr: r.stderr,
    prepare: read<PrepareFile>("prepare.json"),
    failures: read<FailureReport>("failures.json"),
    runs: read<{ prepare?: PrepareFile }>("runs.json"),
    report: readFileSync(join(dir, ".agent/reports/report.md"), "utf8"),
    taskFiles: existsSync(tasksDir) ? readdirSync(tasksDir) : [],
  };
}

const NPM_CI = [".", "npm", [["npm", "ci", "--no-audit", "--no-fund"]], "ran", 0];

describe("task heal runs a workspace root's own steps before its packages' tests", () => {
  test("`npm run build && npm test --workspaces`: npm ci, the root's build, then exactly the app's one real failure", () => {
    const repo = workspace({ build: "node scripts/build.js", test: "npm run build && npm test --workspaces" }, BUILD);
    const r = heal(repo.dir);
    expect(r.code).toBe(1);
    expect(r.prepare.steps.map((s) => [s.cwd, s.tool, s.commands, s.status, s.exitCode])).toEqual([
      NPM_CI,
      [".", "script", [["npm", "run", "build"]], "ran", 0],
    ]);
    expect(r.runs.prepare?.steps.map((s) => s.commands)).toEqual(r.prepare.steps.map((s) => s.commands));
    expect(r.report).toMatch(/\| \. \| script \| ran \| `npm run build` \| [\d.]+ \|/);
    expect(existsSync(join(repo.dir, "packages/lib/dist/index.js"))).toBe(true);
    expect(r.failures.failures.map((f) => [f.fullName, f.file, f.line, f.kind])).toEqual([
      ["adds the tax", "packages/app/test/app.test.js", lineOf(APP_TEST, "FAILS-HERE"), "failure"],
    ]);
    expect(JSON.stringify(r.failures)).not.toContain("Cannot find module");
    expect(r.failures.summary).toMatchObject({ total: 2, passed: 1, failed: 1, errors: 0 });
  });

  test("a root `pretest` that builds, with a test script that only fans out: `npm run pretest` runs first", () => {
    const repo = workspace({ pretest: "node scripts/build.js", test: "npm test --workspaces" }, BUILD);
    const r = heal(repo.dir);
    expect(r.code).toBe(1);
    expect(r.prepare.steps.map((s) => [s.cwd, s.tool, s.commands, s.status, s.exitCode])).toEqual([
      NPM_CI,
      [".", "script", [["npm", "run", "pretest"]], "ran", 0],
    ]);
    expect(r.failures.failures.map((f) => [f.fullName, f.file, f.line, f.kind])).toEqual([
      ["adds the tax", "packages/app/test/app.test.js", lineOf(APP_TEST, "FAILS-HERE"), "failure"],
    ]);
  });

  test("a build that exits 1: one environment record naming `npm run build`, exit 1, no task for the agent", () => {
    const broken = 'console.error("build: src/index.ts(3,1): error TS1005");\nprocess.exit(1);\n';
    const repo = workspace({ build: "node scripts/build.js", test: "npm run build && npm test --workspaces" }, broken);
    const r = heal(repo.dir);
    expect(r.code).toBe(1);
    expect(r.prepare.steps.map((s) => [s.cwd, s.tool, s.commands, s.status, s.exitCode])).toEqual([
      NPM_CI,
      [".", "script", [["npm", "run", "build"]], "failed", 1],
    ]);
    expect(r.prepare.steps[1]!.outputTail).toContain("error TS1005");
    const f = r.failures.failures;
    expect(f.map((x) => [x.fullName, x.kind, x.file])).toEqual([["bun-packages-app (environment)", "environment", null]]);
    expect(f[0]!.message).toStartWith("`npm run build` (run by heal:prepare in . before these tests, as the test script does) exited 1");
    expect(f[0]!.stack).toContain("error TS1005");
    expect(r.failures.summary).toMatchObject({ failed: 0, environment: 1 });
    expect(f[0]!.stack).toStartWith(
      "Failed without that step (1):\n- packages/app/test/app.test.js (packages/app/test/app.test.js:2)\n\nheal:prepare: npm run build (exit 1)\n",
    );
    // No task for the agent; the issue asks nothing of it and carries the environment label.
    expect(r.taskFiles).toEqual([]);
    const issue = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/issue.json"), "utf8")) as {
      labels: string[];
      body: string;
      taskPath: string | null;
    };
    expect(issue.taskPath).toBeNull();
    expect(issue.labels).toContain("heal:environment");
    expect(issue.body).toContain("## 🧰 The Tests Could Not Run");
    expect(issue.body).not.toContain("Please fix these test failures");
  });

  test("a failed root build makes only that workspace's stacks environment: a pytest stack beside it keeps its real failure", () => {
    const pyTest = ["def test_rounds():", "    assert round(2.5) == 3  # FAILS-HERE", ""].join("\n");
    const broken = "process.exit(1);\n";
    const repo = workspace({ build: "node scripts/build.js", test: "npm run build && npm test --workspaces" }, broken, {
      "tools/test_money.py": pyTest,
    });
    const r = heal(repo.dir);
    expect(r.code).toBe(1);
    expect(r.failures.failures.map((f) => [f.fullName, f.kind, f.file, f.line])).toEqual([
      ["tools/test_money.py::test_rounds", "failure", "tools/test_money.py", lineOf(pyTest, "FAILS-HERE")],
      ["bun-packages-app (environment)", "environment", null, null],
    ]);
    expect(r.failures.summary).toMatchObject({ failed: 1, environment: 1 });
    expect(r.taskFiles.length).toBe(1);
  });
});
