// Workspaces run per package as their scripts say, under the real `task -x heal` in local mode: a pnpm workspace
// with two vitest packages (one builds what its tests import in a pretest hook) and an npm workspace with a jest
// package and a bun test package. Each package is its own stack, run by its script through the workspace's manager
// with its report apart; the root's fan-out script (`pnpm -r test`, `npm run test --workspaces`) is not run as well.
// Failures carry repo-relative files, and each task-file re-run command goes through the package's script from its
// folder (`cd packages/x && pnpm run test <file> -t …`): run from the repo root, it re-runs that test alone, pretest included.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { parseReport } from "../../lib/parsers/index.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { PrepareFile } from "../../lib/prepare.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { localEnv, TASKFILE, taskBin } from "../support/local-heal.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

// Real package managers, runners and go-task on a shared 2-core machine.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

interface TaskFile {
  test_failures: { test: string; file: string; line: number; rerun: string }[];
}

/** `task -x heal`, then what it wrote: stacks run, failures, per-report counts and the task file. */
async function heal(dir: string) {
  const r = spawnSync(taskBin(), ["-x", "-t", TASKFILE, "heal"], { cwd: dir, encoding: "utf8", env: localEnv(), timeout: 110_000 });
  const read = (rel: string) => readFileSync(join(dir, rel), "utf8");
  const runs = JSON.parse(read(".agent/reports/runs.json")) as RunsFile;
  const report = JSON.parse(read(".agent/reports/failures.json")) as FailureReport;
  const totals: Record<string, Record<string, number>> = {};
  for (const run of runs.runs) {
    const counts: Record<string, number> = {};
    // The runner's own report (bun's console log, the second, holds only files that failed to load).
    await parseReport(join(dir, run.reports[0]!), (c) => void (counts[c.status] = (counts[c.status] ?? 0) + 1));
    totals[run.stack.id] = counts;
  }
  const [taskName] = readdirSync(join(dir, ".agent/tasks"));
  return {
    code: r.status,
    stderr: r.stderr,
    prepare: JSON.parse(read(".agent/reports/prepare.json")) as PrepareFile,
    runs: runs.runs.map((run) => [run.stack.id, run.stack.cwd, run.stack.command.join(" "), run.reports, run.exitCode]),
    failures: report.failures.map((f) => [f.fullName, f.file, f.line, f.kind]),
    summary: report.summary,
    totals,
    task: parse(read(`.agent/tasks/${taskName}`)) as TaskFile,
  };
}

/** The toolkit's installed packages as links in the sample's own node_modules folder. */
function linkFromToolkit(dir: string, entries: string[]): void {
  for (const rel of entries) {
    mkdirSync(dirname(join(dir, "node_modules", rel)), { recursive: true });
    symlinkSync(join(TOOLKIT_ROOT, "node_modules", rel), join(dir, "node_modules", rel));
  }
}

/** A task file's re-run command, run from the repo root as the agent would; its exit code and output. */
function rerun(dir: string, command: string) {
  const r = spawnSync("sh", ["-c", command], { cwd: dir, encoding: "utf8", env: localEnv(), timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe("workspaces: each package runs as its own test script says", () => {
  test("pnpm: two vitest packages, one with a pretest build; the root's `pnpm -r test` is not a stack", async () => {
    const labelTest = [
      'import { describe, expect, test } from "vitest";',
      'import { label } from "../dist/label.js";',
      "",
      'describe("label", () => {',
      '  test("uppercases", () => expect(label("tea")).toBe("TEA"));',
      '  test("pads to six", () => expect(label("tea")).toBe("TEA   ")); // FAILS-HERE',
      "});",
      "",
    ].join("\n");
    const priceTest = [
      'import { expect, test } from "vitest";',
      'import { price } from "./price.js";',
      "",
      'test("formats cents", () => expect(price(250)).toBe("2.50"));',
      'test("rounds half up", () => expect(price(0.5)).toBe("0.01")); // FAILS-HERE',
      'test("zero", () => expect(price(0)).toBe("0.00"));',
      "",
    ].join("\n");
    const repo = createSampleRepo(
      {
        // The shared vitest at the root, as monorepos hoist it: the root still runs nothing itself.
        "package.json": '{"name":"shop","private":true,"scripts":{"test":"pnpm -r test"},"devDependencies":{"vitest":"4.1.12"}}\n',
        // pnpm 12 installs before a run when node_modules is not its own: here it is linked from the toolkit.
        "pnpm-workspace.yaml": 'packages:\n  - "packages/*"\nverifyDepsBeforeRun: false\n',
        "packages/labels/package.json":
          '{"name":"@shop/labels","private":true,"type":"module","scripts":{"pretest":"node build.js","test":"vitest run"}}\n',
        // What the tests import exists only once pretest has built it, as in a monorepo that builds before testing.
        "packages/labels/build.js": 'import { cpSync } from "node:fs";\ncpSync("src/label.js", "dist/label.js", { recursive: true });\n',
        "packages/labels/src/label.js": "export const label = (s) => s.toUpperCase();\n",
        "packages/labels/test/label.test.js": labelTest,
        "packages/prices/package.json": '{"name":"@shop/prices","private":true,"type":"module","scripts":{"test":"vitest run"}}\n',
        "packages/prices/src/price.js": "export const price = (cents) => (Math.floor(cents) / 100).toFixed(2);\n",
        "packages/prices/src/price.test.js": priceTest,
      },
      { nodeModules: false },
    );
    repos.push(repo);
    // Only vitest, linked one by one: should pnpm ever install here, it replaces these links, never the toolkit's folder.
    linkFromToolkit(repo.dir, ["vitest", ".bin/vitest"]);

    const run = await heal(repo.dir);
    expect(run.code).toBe(1);
    // No lockfile, and the root installed (node_modules there, none in the packages): prepare warns about no package.
    expect(run.prepare.steps).toEqual([]);
    expect(run.stderr).toContain("prepare: 0 step(s) in ");
    expect(run.stderr).not.toContain("nothing installed");
    expect(run.runs).toEqual([
      ["vitest-packages-labels", "packages/labels", "pnpm run test", [".agent/reports/raw/vitest-packages-labels.xml"], 1],
      ["vitest-packages-prices", "packages/prices", "pnpm run test", [".agent/reports/raw/vitest-packages-prices.xml"], 1],
    ]);
    expect(run.stderr).toContain("node build.js");
    expect(run.failures).toEqual([
      ["label > pads to six", "packages/labels/test/label.test.js", lineOf(labelTest, "FAILS-HERE"), "failure"],
      ["rounds half up", "packages/prices/src/price.test.js", lineOf(priceTest, "FAILS-HERE"), "failure"],
    ]);
    expect(run.totals).toEqual({
      "vitest-packages-labels": { passed: 1, failed: 1 },
      "vitest-packages-prices": { passed: 2, failed: 1 },
    });
    expect(run.summary).toMatchObject({ total: 5, passed: 3, failed: 2, errors: 0 });

    expect(run.task.test_failures.map((f) => [f.file, f.rerun])).toEqual([
      ["packages/labels/test/label.test.js", "cd packages/labels && pnpm run test test/label.test.js -t '^label pads to six$'"],
      ["packages/prices/src/price.test.js", "cd packages/prices && pnpm run test src/price.test.js -t '^rounds half up$'"],
    ]);
    for (const f of run.task.test_failures) {
      const again = rerun(repo.dir, f.rerun);
      expect(again.code).toBe(1);
      expect(again.output.includes("node build.js")).toBe(f.file.startsWith("packages/labels/"));
      expect(again.output).toMatch(/Tests +1 failed \| \d+ skipped/);
      expect(again.output).toContain(f.test.split(" > ").pop()!);
    }
  });

  test("npm: a jest package and a bun test package; the root's `npm run test --workspaces` is not a stack", async () => {
    const argsTest = [
      'const { parseArgs } = require("./args.js");',
      "",
      'describe("parseArgs", () => {',
      '  test("reads --verbose", () => expect(parseArgs(["--verbose"]).verbose).toBe(true));',
      '  test("reads --out <file>", () => expect(parseArgs(["--out", "a.txt"]).out).toBe("a.txt")); // FAILS-HERE',
      "});",
      "",
    ].join("\n");
    const slugTest = [
      'import { expect, test } from "bun:test";',
      'import { slug } from "./slug.ts";',
      "",
      'test("lowercases", () => expect(slug("Tea")).toBe("tea"));',
      'test("joins words with dashes", () => expect(slug("green tea")).toBe("green-tea")); // FAILS-HERE',
      "",
    ].join("\n");
    const repo = createSampleRepo({
      // The root's shared jest would have made the root one jest stack over both packages' files.
      "package.json": JSON.stringify({
        name: "tools",
        private: true,
        workspaces: ["packages/*"],
        scripts: { test: "npm run test --workspaces --if-present" },
        devDependencies: { jest: "30.5.2" },
      }),
      "packages/cli/package.json": '{"name":"@tools/cli","private":true,"scripts":{"test":"jest --ci"}}\n',
      "packages/cli/src/args.js": 'exports.parseArgs = (argv) => ({ verbose: argv.includes("--verbose"), out: null });\n',
      "packages/cli/src/args.test.js": argsTest,
      "packages/slug/package.json": '{"name":"@tools/slug","private":true,"scripts":{"test":"bun test"}}\n',
      "packages/slug/src/slug.ts": "export const slug = (s: string) => s.toLowerCase();\n",
      "packages/slug/src/slug.test.ts": slugTest,
      // A package without tests: `--if-present` skips it, and heal runs nothing for it.
      "packages/docs/package.json": '{"name":"@tools/docs","private":true,"scripts":{"build":"true"}}\n',
    });
    repos.push(repo);

    const run = await heal(repo.dir);
    expect(run.code).toBe(1);
    expect(run.runs).toEqual([
      [
        "bun-packages-slug",
        "packages/slug",
        "npm run test --",
        [".agent/reports/raw/bun-packages-slug.xml", ".agent/reports/raw/bun-packages-slug.console.txt"],
        1,
      ],
      ["jest-packages-cli", "packages/cli", "npm run test --", [".agent/reports/raw/jest-packages-cli.json"], 1],
    ]);
    expect(run.failures).toEqual([
      ["parseArgs > reads --out <file>", "packages/cli/src/args.test.js", lineOf(argsTest, "FAILS-HERE"), "failure"],
      ["joins words with dashes", "packages/slug/src/slug.test.ts", lineOf(slugTest, "FAILS-HERE"), "failure"],
    ]);
    expect(run.totals).toEqual({
      "bun-packages-slug": { passed: 1, failed: 1 },
      "jest-packages-cli": { passed: 1, failed: 1 },
    });
    expect(run.summary).toMatchObject({ total: 4, passed: 2, failed: 2, errors: 0 });

    expect(run.task.test_failures.map((f) => [f.file, f.rerun])).toEqual([
      ["packages/cli/src/args.test.js", "cd packages/cli && npm run test -- src/args.test.js -t '^parseArgs reads --out <file>$'"],
      ["packages/slug/src/slug.test.ts", "cd packages/slug && npm run test -- src/slug.test.ts -t '^joins words with dashes$'"],
    ]);
    const [jestAgain, bunAgain] = run.task.test_failures.map((f) => rerun(repo.dir, f.rerun));
    expect(bunAgain!.code).toBe(1);
    expect(bunAgain!.output).toMatch(/ 0 pass\n 1 filtered out\n 1 fail\n/);
    expect(jestAgain!.code).toBe(1);
    expect(jestAgain!.output).toContain("Tests:       1 failed, 1 skipped, 2 total");
  });
});
