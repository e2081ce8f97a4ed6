// mocha `--reporter json`. No mocha is installed here, so the report below is written in the exact shape
// of mocha 10's lib/reporters/json.js (stats, tests, pending, failures, passes; clean() keeps title,
// fullTitle, file, duration, currentRetry, speed, err), for a spec with a nested describe, a failing
// assertion, a failing "before all" hook, a retried test and a pending one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";

const FILE = "/home/runner/work/app/app/test/calc.spec.js";
const assertionErr = {
  stack: `AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n3 !== 4\n\n    at Context.<anonymous> (test/calc.spec.js:7:14)\n    at process.processImmediate (node:internal/timers:476:21)`,
  message: "Expected values to be strictly equal:\n\n3 !== 4\n",
  generatedMessage: true,
  name: "AssertionError",
  code: "ERR_ASSERTION",
  actual: "3",
  expected: "4",
  operator: "strictEqual",
};
const REPORT = {
  stats: {
    suites: 3,
    tests: 4,
    passes: 1,
    pending: 1,
    failures: 2,
    start: "2026-11-30T10:00:00.000Z",
    end: "2026-11-30T10:00:00.020Z",
    duration: 20,
  },
  tests: [],
  pending: [{ title: "not written yet", fullTitle: "Calculator not written yet", file: FILE, currentRetry: 0, err: {} }],
  failures: [
    {
      title: "adds two numbers",
      fullTitle: "Calculator addition adds two numbers",
      file: FILE,
      duration: 2,
      currentRetry: 2,
      speed: "fast",
      err: assertionErr,
    },
    {
      title: '"before all" hook for "reads rows"',
      fullTitle: 'with database "before all" hook for "reads rows"',
      file: FILE,
      duration: 0,
      currentRetry: 0,
      err: {
        stack: "Error: database fixture failed\n    at Context.<anonymous> (test/calc.spec.js:20:11)",
        message: "database fixture failed",
      },
    },
  ],
  passes: [
    { title: "adds zero", fullTitle: "Calculator addition adds zero", file: FILE, duration: 0, currentRetry: 0, speed: "fast", err: {} },
  ],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-mocha-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mocha JSON", () => {
  test("passes, failures (with retries), hook failures as errors, pending as skipped", async () => {
    const path = join(dir, "mocha.json");
    writeFileSync(path, JSON.stringify(REPORT, null, 2));
    const cases: TestCase[] = [];
    const { format } = await parseReport(path, (c) => cases.push(c));
    expect(format).toBe("mocha-json");
    expect(cases.map((c) => [c.status, c.fullName])).toEqual([
      ["passed", "Calculator addition adds zero"],
      ["failed", "Calculator addition adds two numbers"],
      ["error", 'with database "before all" hook for "reads rows"'],
      ["skipped", "Calculator not written yet"],
    ]);
    const failed = cases[1]!;
    expect(failed.file).toBe(FILE);
    expect(failed.message).toBe("Expected values to be strictly equal:\n\n3 !== 4\n");
    expect(failed.stack).toContain("test/calc.spec.js:7:14");
    expect(failed.attempts).toEqual([{ status: "failed" }, { status: "failed" }]);
  });

  test("a mocha report without split lists takes the status from err", async () => {
    const path = join(dir, "tests-only.json");
    writeFileSync(path, JSON.stringify({ stats: { tests: 2 }, tests: [REPORT.passes[0], REPORT.failures[0]] }));
    const cases: TestCase[] = [];
    await parseReport(path, (c) => cases.push(c), { format: "mocha" });
    expect(cases.map((c) => c.status)).toEqual(["passed", "failed"]);
  });
});
