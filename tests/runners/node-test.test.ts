// node's built-in runner (`node --test`), added through its adapter alone: a small node:test project is
// healed for real (detection, run-tests, parse-failures), its task-file re-run selects one test, the
// verification re-run only the failing ones, and the coverage run writes lcov.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../../lib/config.ts";
import { runCoverage } from "../../lib/coverage-run.ts";
import { detectStacks } from "../../lib/detect.ts";
import { readCoverage } from "../../lib/coverage/index.ts";
import { detectFormat, parseReport } from "../../lib/parsers/index.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { runStack } from "../../lib/runners/index.ts";
import { rerunCommand } from "../../lib/task-context.ts";
import type { CaseStatus, FailureReport, RunsFile } from "../../lib/types.ts";
import { targetedStack } from "../../lib/verify.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real node, bun and scripts on a shared 2-core machine.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** A cart with a seeded bug in an empty cart's total, and a discount rule off by one. */
function cartProject(): SampleRepo {
  const repo = createSampleRepo(
    {
      "package.json": '{"name":"cart","private":true,"scripts":{"test":"node --test"}}\n',
      "cart.js": [
        "exports.total = (items) => items.reduce((sum, i) => sum + i.price * i.qty, 0);",
        "exports.discount = (total) => (total > 100 ? total * 0.9 : total);",
        "",
      ].join("\n"),
      "test/cart.test.js": [
        'const { describe, test } = require("node:test");',
        'const assert = require("node:assert");',
        'const { total, discount } = require("../cart.js");',
        "",
        'describe("total", () => {',
        '  test("sums price times quantity", () => {',
        "    assert.strictEqual(total([{ price: 2, qty: 3 }]), 6);",
        "  });",
        '  test("an empty cart is 0", () => {',
        "    assert.strictEqual(total([]), 1);",
        "  });",
        "});",
        "",
        'test("discount from 100 on", () => {',
        "    assert.strictEqual(discount(100), 90);",
        "});",
        "",
      ].join("\n"),
    },
    { nodeModules: false },
  );
  repos.push(repo);
  return repo;
}

function script(name: string, cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts", name), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, HEAL_REPO: "", GITHUB_ACTIONS: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Each test case of a report with its status, in report order. */
async function statuses(path: string): Promise<[string, CaseStatus][]> {
  const out: [string, CaseStatus][] = [];
  await parseReport(path, (c) => void out.push([c.fullName, c.status]));
  return out;
}

describe("node --test", () => {
  test("healed end to end: run-tests then parse-failures give each failing test's name, file and line", async () => {
    const repo = cartProject();
    const list = script("run-tests.ts", repo.dir, "--list");
    expect(JSON.parse(list.stdout)).toEqual([
      {
        id: "node-test",
        framework: "node-test",
        cwd: ".",
        command: ["npm", "run", "test", "--"],
        script: { manager: "npm", runner: "node-test" },
      },
    ]);

    const run = script("run-tests.ts", repo.dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("✖ an empty cart is 0"); // the spec reporter streams to the log
    const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
    expect(runs.runs[0]!.exitCode).toBe(1);
    expect(runs.runs[0]!.reports).toEqual([".agent/reports/raw/node-test.xml"]);
    expect(await detectFormat(join(repo.dir, runs.runs[0]!.reports[0]!))).toBe("junit");

    const parse = script("parse-failures.ts", repo.dir);
    expect(parse.code).toBe(0); // failing tests are data here: heal:finish decides the exit code
    const report = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
    expect(report.summary).toMatchObject({ total: 3, passed: 1, failed: 2, errors: 0, skipped: 0 });
    expect(report.failures.map((f) => [f.framework, f.fullName, f.file, f.line, f.kind])).toEqual([
      ["node-test", "total > an empty cart is 0", "test/cart.test.js", 10, "failure"],
      ["node-test", "discount from 100 on", "test/cart.test.js", 15, "failure"],
    ]);
    expect(report.failures[0]!.message).toContain("0 !== 1");
  });

  test("the task file's re-run command runs that one test and skips the others", () => {
    const repo = cartProject();
    const stack = { id: "node-test", framework: "node-test" as const, cwd: ".", command: ["node", "--test"] };
    const failure = {
      id: "x",
      framework: "node-test" as const,
      fullName: "total > an empty cart is 0",
      file: "test/cart.test.js",
      line: 10,
      message: "",
      stack: "",
      kind: "failure" as const,
    };
    const cmd = rerunCommand(failure, stack, repo.dir)!;
    expect(cmd).toBe("node --test --test-name-pattern='^(?:total an empty cart is 0|an empty cart is 0)$' test/cart.test.js");
    const r = spawnSync("sh", ["-c", cmd], { cwd: repo.dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ *not ok \d+ - an empty cart is 0$/m);
    expect(r.stdout).toMatch(/^ *ok \d+ - discount from 100 on # SKIP/m);
    expect(r.stdout).toMatch(/^# pass 0$/m);
    expect(r.stdout).toMatch(/^# fail 1$/m);
  });

  test("through the project's `test` script: the re-run and the targeted re-run append their selection to it", async () => {
    const repo = cartProject();
    const [stack] = await detectStacks(repo.dir, defaultConfig());
    expect(stack!.script).toEqual({ manager: "npm", runner: "node-test" });
    const failure = {
      id: "x",
      framework: "node-test" as const,
      fullName: "total > an empty cart is 0",
      file: "test/cart.test.js",
      line: 10,
      message: "",
      stack: "",
      kind: "failure" as const,
    };
    const cmd = rerunCommand(failure, stack, repo.dir)!;
    expect(cmd).toBe("npm run test -- '--test-name-pattern=^(?:total an empty cart is 0|an empty cart is 0)$' test/cart.test.js");
    const r = spawnSync("sh", ["-c", cmd], { cwd: repo.dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ *ok \d+ - discount from 100 on # SKIP/m);
    expect(r.stdout).toMatch(/^# pass 0$/m);
    expect(r.stdout).toMatch(/^# fail 1$/m);

    const targeted = targetedStack(stack!, [
      { id: "a", framework: "node-test", fullName: "total > an empty cart is 0", file: "test/cart.test.js", line: 10 },
    ]);
    expect(targeted.command).toEqual([
      "npm",
      "run",
      "test",
      "--",
      "--test-name-pattern=^(?:total an empty cart is 0|an empty cart is 0)$",
      "test/cart.test.js",
    ]);
    const run = await runStack(targeted, { repoRoot: repo.dir, rawDir: ".agent/reports/raw-targeted", echo: () => {} });
    expect(run.exitCode).toBe(1);
    expect(await statuses(join(repo.dir, run.reports[0]!))).toEqual([
      ["total > sums price times quantity", "skipped"],
      ["total > an empty cart is 0", "failed"],
      ["discount from 100 on", "skipped"],
    ]);
  });

  test("verification's targeted re-run runs the previously failing tests only", async () => {
    const repo = cartProject();
    const stack = { id: "node-test", framework: "node-test" as const, cwd: ".", command: ["node", "--test"] };
    const targeted = targetedStack(stack, [
      { id: "a", framework: "node-test", fullName: "total > an empty cart is 0", file: "test/cart.test.js", line: 10 },
      { id: "b", framework: "node-test", fullName: "discount from 100 on", file: "test/cart.test.js", line: 15 },
    ]);
    expect(targeted.command).toEqual([
      "node",
      "--test",
      "--test-name-pattern=^(?:total an empty cart is 0|an empty cart is 0|discount from 100 on)$",
      "test/cart.test.js",
    ]);
    const run = await runStack(targeted, { repoRoot: repo.dir, rawDir: ".agent/reports/raw-targeted", echo: () => {} });
    expect(run.exitCode).toBe(1);
    expect(await statuses(join(repo.dir, run.reports[0]!))).toEqual([
      ["total > sums price times quantity", "skipped"],
      ["total > an empty cart is 0", "failed"],
      ["discount from 100 on", "failed"],
    ]);
  });

  test("coverage: lcov of the project's own files, written although tests fail", async () => {
    const repo = cartProject();
    const stack = { id: "node-test", framework: "node-test" as const, cwd: ".", command: ["node", "--test"] };
    const [run] = await runCoverage([stack], { repoRoot: repo.dir, reportsDir: ".agent/reports", echo: () => {} });
    expect(run!.exitCode).toBe(1);
    expect(run!.report).toBe(".agent/reports/raw/coverage/node-test/lcov.info");
    const cov = await readCoverage(repo.dir, [{ path: join(repo.dir, run!.report!), cwd: "." }]);
    expect(cov.errors).toEqual([]);
    expect(cov.files.find((f) => f.file === "cart.js")).toMatchObject({ linesTotal: 2, linesCovered: 2 });
  });
});
