// jest --json and vitest's JSON reporter: real reports from the sample projects (tests/support/samples.ts),
// plus jest 29's shape for a suite that fails to load and the seed's `{ tests: [...] }` example.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";
import { buildCorpus, type SampleProject } from "../support/samples.ts";

let jest: SampleProject;
let vitest: SampleProject;
let dir: string;

beforeAll(async () => {
  const corpus = await buildCorpus();
  jest = corpus.projects.find((p) => p.runner === "jest")!;
  vitest = corpus.projects.find((p) => p.runner === "vitest")!;
  dir = mkdtempSync(join(tmpdir(), "heal-jest-json-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function casesOf(path: string, format?: string): Promise<{ format: string; cases: TestCase[] }> {
  const cases: TestCase[] = [];
  const r = await parseReport(path, (c) => cases.push(c), { format });
  return { format: r.format, cases };
}

const byName = (cases: TestCase[], name: string) => cases.find((c) => c.fullName === name);

describe("jest --json (real jest 30 output)", () => {
  test("names join describe blocks with ' > ', keep the test's own line and every status", async () => {
    const report = jest.reports.find((r) => r.format === "jest-json")!;
    const { format, cases } = await casesOf(report.path);
    expect(format).toBe("jest-json");
    expect(cases.every((c) => c.framework === "jest")).toBe(true);
    const nested = byName(cases, "Calculator > addition > adds two numbers")!;
    expect(nested.status).toBe("failed");
    expect(nested.line).toBe(6); // the test() call; the failing line comes from the stack
    expect(nested.file).toEndWith("/tests/calc.test.js");
    expect(nested.message).toBe("Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: 4\nReceived: 3");
    expect(nested.stack).toContain("tests/calc.test.js:7:25");
    expect(byName(cases, "計算 > ünïcödé")!.status).toBe("failed");
    expect(byName(cases, "doubles 1")!.status).toBe("passed");
    expect(byName(cases, "not written yet")!.status).toBe("skipped");
    expect(
      cases
        .filter((c) => c.status === "passed")
        .map((c) => c.fullName)
        .sort(),
    ).toEqual(["Calculator > addition > adds zero", "doubles 1", "doubles 3"]);
  });

  test("a suite that fails to load is one error named by its file", async () => {
    const report = jest.reports.find((r) => r.format === "jest-json")!;
    const { cases } = await casesOf(report.path);
    const broken = cases.filter((c) => c.file?.endsWith("tests/broken.test.js"));
    expect(broken).toHaveLength(1);
    expect(broken[0]!.status).toBe("error");
    expect(broken[0]!.fullName).toBe(broken[0]!.file!);
    expect(broken[0]!.message).toBe("Cannot find module './does-not-exist' from 'tests/broken.test.js'");
  });
});

describe("vitest JSON reporter (real vitest 4 output)", () => {
  test("is detected as jest-json with framework vitest; a file that fails to import is an error", async () => {
    const report = vitest.reports.find((r) => r.format === "jest-json")!;
    const { format, cases } = await casesOf(report.path);
    expect(format).toBe("jest-json");
    expect(cases.every((c) => c.framework === "vitest")).toBe(true);
    expect(byName(cases, "Calculator > addition > adds two numbers")!.stack).toContain("tests/calc.test.ts:8:25");
    const broken = cases.find((c) => c.file?.endsWith("tests/broken.test.ts"))!;
    expect(broken.status).toBe("error");
    expect(broken.message).toContain("Cannot find module './does-not-exist'");
    // vitest's JSON keeps no trace of a failing beforeAll: the tests under it are skipped.
    expect(byName(cases, "with database > reads rows")!.status).toBe("skipped");
  });
});

describe("other jest shapes", () => {
  test("jest 29: testExecError with no assertion results, and retries from retryReasons", async () => {
    // Shape of jest 29.7 `--json` for a suite whose import throws, trimmed to the fields read (origin: jest 29 docs/test output).
    const path = join(dir, "jest29.json");
    writeFileSync(
      path,
      JSON.stringify({
        numFailedTestSuites: 1,
        numRuntimeErrorTestSuites: 1,
        numTotalTests: 1,
        testResults: [
          {
            name: "/home/runner/work/app/app/src/db.test.ts",
            status: "failed",
            message: "",
            failureMessage:
              "  ● Test suite failed to run\n\n    Cannot find module 'pg' from 'src/db.test.ts'\n\n      at Object.<anonymous> (src/db.test.ts:3:1)",
            testExecError: { message: "Cannot find module 'pg' from 'src/db.test.ts'", stack: "Error: Cannot find module 'pg'" },
            assertionResults: [],
          },
          {
            name: "/home/runner/work/app/app/src/flaky.test.ts",
            status: "passed",
            assertionResults: [
              {
                ancestorTitles: ["net"],
                title: "retries",
                fullName: "net retries",
                status: "passed",
                failureMessages: [],
                invocations: 3,
                retryReasons: ["Error: ECONNRESET\n    at a (src/flaky.test.ts:4:9)", "Error: ECONNRESET"],
              },
            ],
          },
        ],
      }),
    );
    const { cases } = await casesOf(path);
    expect(cases[0]).toMatchObject({
      framework: "jest",
      fullName: "/home/runner/work/app/app/src/db.test.ts",
      status: "error",
      message: "Cannot find module 'pg' from 'src/db.test.ts'",
    });
    expect(cases[1]).toMatchObject({
      fullName: "net > retries",
      status: "passed",
      attempts: [
        { status: "failed", message: "Error: ECONNRESET" },
        { status: "failed", message: "Error: ECONNRESET" },
      ],
    });
  });

  test("jest before retryReasons: `invocations` alone still gives the failed attempts of a retried test", async () => {
    // jest 27/28 `--json` with jest.retryTimes: an assertion result counts its invocations, no reasons (origin: jest 28 output shape).
    const path = join(dir, "jest28-retry.json");
    const result = (title: string, status: string, invocations: number) => ({
      ancestorTitles: [],
      title,
      fullName: title,
      status,
      failureMessages: status === "failed" ? ["Error: no"] : [],
      invocations,
    });
    writeFileSync(
      path,
      JSON.stringify({
        numRuntimeErrorTestSuites: 0,
        testResults: [
          {
            name: "/r/a.test.js",
            status: "failed",
            assertionResults: [result("flaky", "passed", 2), result("once", "passed", 1), result("bad", "failed", 3)],
          },
        ],
      }),
    );
    const { cases } = await casesOf(path);
    expect(cases.map((c) => [c.fullName, c.status, c.attempts?.map((a) => a.status) ?? []])).toEqual([
      ["flaky", "passed", ["failed"]],
      ["once", "passed", []],
      ["bad", "failed", ["failed", "failed"]],
    ]);
  });

  test("the seed's example `{ tests: [...] }` with location.file and location.line", async () => {
    // Verbatim from the SOP (shared/spec/SOP_SELF_HEALING_TDD_LOOP.md, "failures.json" example).
    const path = join(dir, "seed.json");
    writeFileSync(
      path,
      JSON.stringify({
        tests: [
          {
            fullName: "User Authentication > should issue JWT on login",
            status: "failed",
            location: { file: "backend/apps/auth/tests/test_login.py", line: 45 },
            failureMessages: ["AssertionError: Expected token to be present, got None"],
          },
        ],
      }),
    );
    const { format, cases } = await casesOf(path);
    expect(format).toBe("jest-json");
    expect(cases).toEqual([
      {
        framework: "jest",
        fullName: "User Authentication > should issue JWT on login",
        file: "backend/apps/auth/tests/test_login.py",
        line: 45,
        status: "failed",
        message: "AssertionError: Expected token to be present, got None",
        stack: "AssertionError: Expected token to be present, got None",
      },
    ]);
  });

  test("JSON that is not a jest report is refused with the file named", async () => {
    const path = join(dir, "other.json");
    writeFileSync(path, JSON.stringify({ testResults: "nope" }));
    await expect(casesOf(path, "jest-json")).rejects.toThrow("not a jest/vitest JSON report (no testResults array)");
  });
});
