// Tests a JUnit <testsuite> counts without listing them (tests/failures/errors/skipped attributes beyond its
// <testcase> elements) are in the totals exactly once: failures.json's summary, parse-failures' line and
// report.md's table. Origin of the count-only reports: the publish-unit-test-result-action fixture
// (tests/fixtures/publish-unit-test-result/junit-xml/no-cases-but-tests.xml) and, for the other shapes, reports
// written here by hand: no runner here writes them (bun 1.4.4, vitest, jest-junit 17 (its default drops a suite
// that failed to run), gotestsum and pytest all list every test they count; checked while writing this test).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { collectFailures } from "../lib/failures.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import type { FailureReport, RunRecord } from "../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "./support/sample-repo.ts";

const META = { repository: null, branch: "dev", commit: null, runUrl: null };
const FIXTURE = join(import.meta.dir, "fixtures/publish-unit-test-result/junit-xml/no-cases-but-tests.xml");

/** A JUnit report of the given suites (attributes and inner XML as written). */
const junit = (...suites: [attrs: string, body?: string][]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites
    .map(([attrs, body]) => (body ? `  <testsuite ${attrs}>\n${body}\n  </testsuite>` : `  <testsuite ${attrs}/>`))
    .join("\n")}\n</testsuites>\n`;

// Suite "cart" counts 12 tests (2 failures, 1 error, 1 skipped) and lists 3 of them (a pass, a failure, a
// skip): 9 unlisted, of which 1 failure, 1 error. Suite "legacy" lists none of its 5 (2 failures).
const PARTIAL = junit(
  [
    'name="cart" file="tests/cart.test.ts" tests="12" failures="2" errors="1" skipped="1"',
    [
      '    <testcase classname="cart" name="adds an item" file="tests/cart.test.ts" line="3"/>',
      '    <testcase classname="cart" name="removes an item" file="tests/cart.test.ts" line="7">',
      '      <failure message="expected 0, got 1">Error: expected 0, got 1\n    at tests/cart.test.ts:8:5</failure>',
      "    </testcase>",
      '    <testcase classname="cart" name="later" file="tests/cart.test.ts" line="11"><skipped/></testcase>',
    ].join("\n"),
  ],
  ['name="legacy" tests="5" failures="2" errors="0" skipped="0"'],
);

const brief = (r: FailureReport) => r.failures.map((f) => [f.fullName, f.kind, f.file, f.line]);
const standIn = (suite: string, what: "failures" | "errors") => `${suite} > (${what} the report counts but does not list)`;

let repo: SampleRepo;
beforeAll(() => {
  repo = createSampleRepo(
    {
      "tests/cart.test.ts": [
        'import { expect, test } from "bun:test";',
        'test("adds an item", () => expect([1].length).toBe(1));',
        'test("removes an item", () => expect([1].length).toBe(0));',
        'test("empties the cart", () => expect([].length).toBe(0));',
        'test.skip("checks out", () => {});',
        "",
      ].join("\n"),
    },
    { nodeModules: false },
  );
  repo.write({ "reports/partial.xml": PARTIAL, "reports/passing.xml": junit(['name="legacy" tests="5" failures="0"']) });
  copyFileSync(FIXTURE, join(repo.dir, "reports/count-only.xml"));
});
afterAll(() => repo.cleanup());

const runRecord = (id: string, reports: string[], exitCode: number): RunRecord => ({
  stack: { id, framework: "bun", cwd: ".", command: ["bun", "test"] },
  argv: ["bun", "test"],
  exitCode,
  signal: null,
  durationMs: 5,
  reports,
  outputTail: "",
});
const collect = (reportPaths: string[], runs?: RunRecord[]) =>
  collectFailures({ repoRoot: repo.dir, reportPaths, runs: runs ? { schemaVersion: 1, runs } : null, meta: META });

describe("tests a suite counts but does not list", () => {
  test("parse-failures and write-report: a real bun run plus count-only suites give the exact totals in failures.json and report.md", () => {
    const bun = spawnSync(process.execPath, ["test", "--reporter=junit", "--reporter-outfile=reports/bun.xml"], {
      cwd: repo.dir,
      encoding: "utf8",
    });
    // bun's own count: 2 pass, 1 fail, 1 skip.
    expect(bun.status).toBe(1);
    expect(bun.stderr).toContain(" 2 pass\n 1 skip\n 1 fail\n");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GITHUB_") && k !== "HEAL_REPO"));
    const parse = spawnSync(
      process.execPath,
      [join(TOOLKIT_ROOT, "scripts/parse-failures.ts"), "reports/bun.xml", "reports/count-only.xml"],
      {
        cwd: repo.dir,
        encoding: "utf8",
        env: { ...env, NO_COLOR: "1" },
      },
    );
    expect(parse.stderr).toBe("parse-failures: 10 tests, 5 passed, 2 failed, 0 errors, 3 skipped -> .agent/reports/failures.json\n");
    expect(parse.status).toBe(0);
    const out = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
    // bun: 4 tests (2 passed, 1 failed, 1 skipped); the fixture's suite: 6 (3 passed, 1 failed, 2 skipped).
    expect(out.summary).toEqual({ total: 10, passed: 5, failed: 2, skipped: 3, errors: 0, flaky: 0 });
    expect(brief(out)).toEqual([
      ["removes an item", "failure", "tests/cart.test.ts", 3],
      [standIn("pytest", "failures"), "failure", null, null],
    ]);
    const write = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/write-report.ts")], { cwd: repo.dir, encoding: "utf8", env });
    expect(write.status).toBe(0);
    const report = readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8");
    expect(report).toContain(
      "| total | passed | failed | errors | skipped | flaky |\n|---:|---:|---:|---:|---:|---:|\n| 10 | 5 | 2 | 0 | 3 | 0 |\n",
    );
    expect(report).toContain("🔴 2 failing tests.");
  });

  test("listed and unlisted tests of one suite add up: failures='2' with one listed gives failed 2, not 1 or 3", async () => {
    const r = await collect(["reports/partial.xml"]);
    // cart: 12 = 1 listed pass + 8 unlisted passes, 1 listed + 1 unlisted failure, 1 unlisted error, 1 listed skip.
    // legacy: 5 = 3 passes + 2 failures.
    expect(r.summary).toEqual({ total: 17, passed: 11, failed: 4, skipped: 1, errors: 1, flaky: 0 });
    expect(brief(r)).toEqual([
      ["cart > removes an item", "failure", "tests/cart.test.ts", 8],
      [standIn("cart", "errors"), "error", "tests/cart.test.ts", null],
      [standIn("cart", "failures"), "failure", "tests/cart.test.ts", null],
      [standIn("legacy", "failures"), "failure", null, null],
    ]);
    expect(r.failures.map((f) => f.message).slice(1)).toEqual([
      '<testsuite name="cart"> counts 1 more errors than the test cases it lists',
      '<testsuite name="cart"> counts 1 more failures than the test cases it lists',
      '<testsuite name="legacy"> counts 2 more failures than the test cases it lists',
    ]);
  });

  test("one suite in two reports of one run, or in a re-run of its stack, counts once; another stack's adds up", async () => {
    copyFileSync(join(repo.dir, "reports/partial.xml"), join(repo.dir, "reports/partial-copy.xml"));
    const once = { total: 17, passed: 11, failed: 4, skipped: 1, errors: 1, flaky: 0 };
    // Two formats (here two copies) written by one run describe one execution.
    const twoReports = await collect([], [runRecord("bun", ["reports/partial.xml", "reports/partial-copy.xml"], 1)]);
    expect(twoReports.summary).toEqual(once);
    // The same stack run again: the same tests again; its failing stand-ins failed twice.
    const rerun = await collect([], [runRecord("bun", ["reports/partial.xml"], 1), runRecord("bun", ["reports/partial-copy.xml"], 1)]);
    expect(rerun.summary).toEqual(once);
    expect(rerun.failures.map((f) => [f.fullName, f.attempts])).toEqual([
      ["cart > removes an item", 2],
      [standIn("cart", "errors"), 2],
      [standIn("cart", "failures"), 2],
      [standIn("legacy", "failures"), 2],
    ]);
    // Two stacks are two runners: their counts add up.
    const twoStacks = await collect(
      [],
      [runRecord("bun", ["reports/partial.xml"], 1), runRecord("bun-e2e", ["reports/partial-copy.xml"], 1)],
    );
    expect(twoStacks.summary.total).toBe(2 * 17 - 3); // the three listed tests are one identity in both
    expect(twoStacks.summary).toEqual({ total: 31, passed: 21, failed: 7, skipped: 1, errors: 2, flaky: 0 });
  });

  test("unlisted passes never make a red run green: a re-run in which the suite passes leaves its failures", async () => {
    const r = await collect([], [runRecord("bun", ["reports/partial.xml"], 1), runRecord("bun", ["reports/passing.xml"], 0)]);
    // legacy said 5 tests, 2 failures, then 5 tests, 0 failures: which ones passed the second time is unknown.
    expect(r.summary).toEqual({ total: 17, passed: 11, failed: 4, skipped: 1, errors: 1, flaky: 0 });
    expect(r.failures.map((f) => f.fullName)).toContain(standIn("legacy", "failures"));
  });

  test("a run exiting non-zero whose report counts only passing tests is a runner error over those tests", async () => {
    const r = await collect([], [runRecord("bun", ["reports/passing.xml"], 2)]);
    expect(r.summary).toEqual({ total: 6, passed: 5, failed: 0, skipped: 0, errors: 1, flaky: 0 });
    expect(r.failures.map((f) => [f.fullName, f.kind, f.message])).toEqual([
      ["bun (runner exited 2)", "error", "bun test exited 2 and failed, but its report lists no failing test"],
    ]);
  });

  test("a count-only suite named like a missing package stays its failures, not an environment record", async () => {
    repo.write({ "reports/odd.xml": junit([`name="Cannot find module 'left-pad'" tests="3" failures="2"`]) });
    const r = await collect([], [runRecord("bun", ["reports/odd.xml"], 1)]);
    expect(r.summary).toEqual({ total: 3, passed: 1, failed: 2, skipped: 0, errors: 0, flaky: 0 });
    expect(brief(r)).toEqual([[standIn("Cannot find module 'left-pad'", "failures"), "failure", null, null]]);
  });
});
