// heal:prepare under the real `task -x heal`, in local mode: a vitest project cloned with its lockfile and no
// node_modules is installed by `npm ci` (vitest and picocolors from the npm registry), then its real failure is
// found exactly; the next heal only checks. An npm workspace of two packages is installed once, at its root, by
// one `npm ci`, then only checked. A pytest project whose dependency no index has is one environment record: no
// task for the agent, and heal still exits 1.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { PrepareFile } from "../../lib/prepare.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

setDefaultTimeout(300_000);
const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");
const TASK_BIN = Bun.which("task");
const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** Local mode for sure: no token or repository from the machine running the tests. */
function localEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_|PIP_)/.test(k) || k === "CI") continue;
    env[k] = v;
  }
  env.PATH = [dirname(process.execPath), TASK_BIN ? dirname(TASK_BIN) : "", env.PATH ?? ""].filter(Boolean).join(":");
  return { ...env, ...extra };
}

function heal(dir: string, env: Record<string, string> = {}) {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const r = spawnSync(TASK_BIN, ["-x", "-t", TASKFILE, "heal"], { cwd: dir, encoding: "utf8", env: localEnv(env), timeout: 280_000 });
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, ".agent/reports", f), "utf8")) as T;
  const tasksDir = join(dir, ".agent/tasks");
  return {
    code: r.status,
    stderr: r.stderr,
    prepare: read<PrepareFile>("prepare.json"),
    failures: read<FailureReport>("failures.json"),
    taskFiles: existsSync(tasksDir) ? readdirSync(tasksDir) : [],
  };
}

describe("task heal installs what the tests need first", () => {
  test("a vitest project with a lockfile and no node_modules: npm ci, then its real failure exactly; the next heal only checks", () => {
    const repo = createSampleRepo(
      {
        "package.json": JSON.stringify(
          {
            name: "paint",
            private: true,
            type: "module",
            scripts: { test: "vitest run" },
            dependencies: { picocolors: "1.1.1" },
            devDependencies: { vitest: "4.1.12" },
          },
          null,
          2,
        ),
        "src/paint.js":
          'import pc from "picocolors";\n\nexport const shout = (s) => pc.bold(s.toUpperCase());\nexport const whisper = (s) => s.toUpperCase();\n',
        "test/paint.test.js": [
          'import { describe, expect, test } from "vitest";',
          'import { shout, whisper } from "../src/paint.js";',
          "",
          'describe("paint", () => {',
          '  test("shouts", () => expect(shout("hi")).toContain("HI"));',
          '  test("whispers", () => expect(whisper("HI")).toBe("hi"));',
          "});",
          "",
        ].join("\n"),
      },
      { nodeModules: false, git: false },
    );
    repos.push(repo);
    // The lockfile a project commits, as a fresh clone has it: no node_modules.
    const lock = spawnSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: repo.dir, encoding: "utf8" });
    expect(lock.status).toBe(0);
    repo.write({ ".gitignore": "node_modules\n.agent/reports/\n" });
    repo.git("init", "-q", "-b", "dev");
    repo.git("add", "-A");
    repo.git("commit", "-qm", "paint");
    expect(existsSync(join(repo.dir, "node_modules"))).toBe(false);

    const first = heal(repo.dir);
    expect(first.code).toBe(1);
    expect(first.prepare.steps.map((s) => [s.tool, s.commands, s.status, s.stacks])).toEqual([
      ["npm", [["npm", "ci", "--no-audit", "--no-fund"]], "ran", ["vitest"]],
    ]);
    expect(first.failures.failures.map((f) => [f.fullName, f.file, f.line, f.kind])).toEqual([
      ["paint > whispers", "test/paint.test.js", 6, "failure"],
    ]);
    expect(first.failures.summary).toMatchObject({ total: 2, passed: 1, failed: 1, errors: 0 });
    expect(first.stderr).toContain("prepare: . (npm, for vitest): npm ci --no-audit --no-fund in ");
    // What ran and how long is in runs.json and report.md too.
    const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
    expect(runs.prepare).toEqual(first.prepare);
    const report = readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8");
    expect(report).toMatch(
      /\n\| \. \| npm \| ran \| `npm ci --no-audit --no-fund` \| \d+\.\d \| node_modules\/\.package-lock\.json is missing \|\n/,
    );

    const second = heal(repo.dir);
    expect(second.code).toBe(1);
    expect(second.prepare.steps.map((s) => [s.status, s.reason, s.durationMs])).toEqual([
      ["installed", "node_modules/.heal-prepare.json matches package-lock.json", 0],
    ]);
    expect(second.failures.failures).toEqual(first.failures.failures);
  });

  test("an npm workspace of two packages: one `npm ci` at the root for both, then a check; no per-package step or warning", () => {
    const colorsTest = [
      'const { test } = require("node:test");',
      'const assert = require("node:assert");',
      'const { label, strip } = require("../index.js");',
      "",
      'test("label keeps the text", () => assert.match(label("tea"), /tea/));',
      'test("strip removes colour codes", () => assert.strictEqual(strip("\\x1b[1mtea\\x1b[22m"), "tea")); // FAILS-HERE',
      "",
    ].join("\n");
    const cartTest = [
      'const { test } = require("node:test");',
      'const assert = require("node:assert");',
      'const { line } = require("../index.js");',
      "",
      'test("a line names the item", () => assert.match(line("tea", 2), /tea/));',
      'test("a line shows the quantity", () => assert.match(line("tea", 2), /x2/)); // FAILS-HERE',
      "",
    ].join("\n");
    const repo = createSampleRepo(
      {
        "package.json": JSON.stringify({
          name: "shop",
          private: true,
          workspaces: ["packages/*"],
          scripts: { test: "npm run test --workspaces" },
        }),
        "packages/colors/package.json": JSON.stringify({
          name: "@shop/colors",
          version: "1.0.0",
          scripts: { test: "node --test" },
          dependencies: { picocolors: "1.1.1" },
        }),
        "packages/colors/index.js": 'const pc = require("picocolors");\n\nexports.label = (s) => pc.bold(s);\nexports.strip = (s) => s;\n',
        "packages/colors/test/colors.test.js": colorsTest,
        // Needs the workspace link to @shop/colors that only the root's install makes.
        "packages/cart/package.json": JSON.stringify({
          name: "@shop/cart",
          version: "1.0.0",
          scripts: { test: "node --test" },
          dependencies: { "@shop/colors": "1.0.0" },
        }),
        "packages/cart/index.js": 'const { label } = require("@shop/colors");\n\nexports.line = (item, qty) => label(item);\n',
        "packages/cart/test/cart.test.js": cartTest,
      },
      { nodeModules: false, git: false },
    );
    repos.push(repo);
    // The root's lockfile as the project commits it; a fresh clone has no node_modules anywhere.
    const lock = spawnSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: repo.dir, encoding: "utf8" });
    expect(lock.status).toBe(0);
    repo.write({ ".gitignore": "node_modules\n.agent/reports/\n" });
    repo.git("init", "-q", "-b", "dev");
    repo.git("add", "-A");
    repo.git("commit", "-qm", "shop");
    expect(
      ["node_modules", "packages/cart/node_modules", "packages/colors/node_modules"].map((d) => existsSync(join(repo.dir, d))),
    ).toEqual([false, false, false]);

    const stacks = ["node-test-packages-cart", "node-test-packages-colors"];
    const first = heal(repo.dir);
    expect(first.code).toBe(1);
    expect(first.prepare.steps.map((s) => [s.cwd, s.tool, s.commands, s.status, s.stacks])).toEqual([
      [".", "npm", [["npm", "ci", "--no-audit", "--no-fund"]], "ran", stacks],
    ]);
    expect(first.stderr.match(/\$ npm ci/g)).toEqual(["$ npm ci"]);
    expect(first.stderr).not.toContain("nothing installed");
    expect(existsSync(join(repo.dir, "node_modules/@shop/colors/index.js"))).toBe(true);
    expect(first.failures.failures.map((f) => [f.fullName, f.file, f.line, f.kind])).toEqual([
      ["a line shows the quantity", "packages/cart/test/cart.test.js", lineOf(cartTest, "FAILS-HERE"), "failure"],
      ["strip removes colour codes", "packages/colors/test/colors.test.js", lineOf(colorsTest, "FAILS-HERE"), "failure"],
    ]);
    expect(first.failures.summary).toMatchObject({ total: 4, passed: 2, failed: 2, errors: 0 });

    // Installed: the root's stamp is the check, for both packages; nothing runs and nothing warns.
    const second = heal(repo.dir);
    expect(second.code).toBe(1);
    expect(second.prepare.steps).toEqual([
      {
        stacks,
        cwd: ".",
        tool: "npm",
        commands: [["npm", "ci", "--no-audit", "--no-fund"]],
        status: "installed",
        reason: "node_modules/.heal-prepare.json matches package-lock.json",
        exitCode: null,
        durationMs: 0,
      },
    ]);
    expect(second.stderr).not.toContain("$ npm ci");
    expect(second.stderr).not.toContain("nothing installed");
    expect(second.stderr).toContain(
      `prepare: . (npm, for ${stacks.join(", ")}): installed (node_modules/.heal-prepare.json matches package-lock.json)`,
    );
    const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
    expect(runs.prepare).toEqual(second.prepare);
    const report = readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8");
    expect(report).toContain(
      "\n| . | npm | installed | `npm ci --no-audit --no-fund` | 0.0 | node_modules/.heal-prepare.json matches package-lock.json |\n",
    );
    expect(second.failures.failures).toEqual(first.failures.failures);
  });

  test("a pytest project whose dependency no index has: prepare's pip fails, and the run is one environment record with no task for the agent", () => {
    // An empty package folder as the only index: pip finds nothing, as on a machine without the package's registry.
    const wheels = mkdtempSync(join(tmpdir(), "heal-empty-index-"));
    const repo = createSampleRepo(
      {
        "requirements.txt": "payments-sdk==2.0\n",
        "pytest.ini": "[pytest]\n",
        "app/__init__.py": "",
        "app/pricing.py": "def total(items):\n    return sum(items)\n",
        "tests/test_pricing.py": "from app.pricing import total\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
        "tests/test_checkout.py": "import payments_sdk\n\ndef test_charge():\n    assert payments_sdk.charge(3)\n",
      },
      { nodeModules: false },
    );
    repos.push(repo);
    repo.write({ ".gitignore": "node_modules\n.agent/reports/\n.venv/\n__pycache__/\n" });
    const run = heal(repo.dir, { PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheels });
    rmSync(wheels, { recursive: true });
    expect(run.code).toBe(1);
    expect(run.prepare.steps.map((s) => [s.tool, s.status, s.exitCode])).toEqual([["pip", "failed", 1]]);
    expect(run.failures.failures.map((f) => [f.fullName, f.kind])).toEqual([["pytest (environment)", "environment"]]);
    const record = run.failures.failures[0]!;
    // payments_sdk is declared in requirements.txt: the failed install is the cause, not a missing declaration.
    expect(record.message).toStartWith("cannot import payments_sdk: heal:prepare's install `");
    expect(record.message).toContain(
      "-r requirements.txt` exited 1, so it is not installed: fix that install (its output is in prepare.json in the reports folder), then run heal again",
    );
    expect(record.message).not.toContain("add it to requirements.txt");
    expect(run.failures.summary).toMatchObject({ errors: 0, failed: 0, environment: 1 });
    // No task for the agent; the issue says what to install and carries the label.
    expect(run.taskFiles).toEqual([]);
    const issue = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/issue.json"), "utf8")) as {
      labels: string[];
      body: string;
      taskPath: string | null;
    };
    expect(issue.taskPath).toBeNull();
    expect(issue.labels).toContain("heal:environment");
    expect(issue.body).toContain("## 🧰 The Tests Could Not Run");
    expect(issue.body).toContain("## 🧰 Environment: set up before these tests can run (1)");
    expect(issue.body).not.toContain("Please fix these test failures");
  });
});
