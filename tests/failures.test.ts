// collectFailures: shards merged, retries collapsed with attempts, flaky tests apart, crashed runners as
// failures, unreadable reports listed while the others are processed, repo-relative paths, stable order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import Ajv from "ajv";
import { collectFailures, fullerMessage, trimStack } from "../lib/failures.ts";
import { schemaHash } from "../lib/failures/failures-file.ts";
import * as precompiled from "../lib/failures/failures-validators.generated.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { runnerTestName } from "../lib/test-selection.ts";
import type { FailureReport, RunRecord, Stack } from "../lib/types.ts";
import { buildCorpus, type Corpus } from "./support/samples.ts";
import { createSampleRepo, type SampleRepo } from "./support/sample-repo.ts";

const META = { repository: "acme/app", branch: "dev", commit: "a".repeat(40), runUrl: null };
const CI = "/home/runner/work/app/app";

let repo: SampleRepo;
let corpus: Corpus;

interface Result {
  title: string;
  ancestors?: string[];
  status: "passed" | "failed" | "pending";
  line?: number;
  failure?: string;
}

/** A jest --json report (the fields jest 30 writes that the parser reads), with CI-machine paths. */
function jestReport(files: Record<string, Result[]>): string {
  return JSON.stringify({
    numTotalTests: Object.values(files).flat().length,
    openHandles: [],
    testResults: Object.entries(files).map(([file, results]) => ({
      name: `${CI}/${file}`,
      status: results.some((r) => r.status === "failed") ? "failed" : "passed",
      message: "",
      assertionResults: results.map((r) => ({
        ancestorTitles: r.ancestors ?? [],
        title: r.title,
        fullName: [...(r.ancestors ?? []), r.title].join(" "),
        status: r.status,
        failureMessages: r.failure ? [r.failure] : [],
        location: r.line ? { line: r.line, column: 3 } : null,
        invocations: 1,
      })),
    })),
  });
}

const fail = (file: string, line: number, msg: string) =>
  `Error: ${msg}\n    at Object.<anonymous> (${CI}/${file}:${line}:11)\n    at ${CI}/node_modules/jest-circus/build/a.js:1:1`;

const stack = (id: string, framework: Stack["framework"] = "jest"): Stack => ({ id, framework, cwd: ".", command: ["jest"] });

function run(id: string, reports: string[], exitCode: number | null, outputTail = "", signal: string | null = null): RunRecord {
  return { stack: stack(id), argv: ["node_modules/.bin/jest", "--json"], exitCode, signal, durationMs: 10, reports, outputTail };
}

beforeAll(async () => {
  corpus = await buildCorpus();
  repo = createSampleRepo(
    {
      "src/auth.test.js": "// 1\n// 2\n// 3\n// 4\n// 5\n// 6\n// 7\n// 8\n// 9\n// 10\n",
      "src/cart.test.js": "// 1\n// 2\n// 3\n// 4\n// 5\n",
      "reports/shard-1.json": jestReport({
        "src/auth.test.js": [
          {
            title: "issues a JWT",
            ancestors: ["User Authentication"],
            status: "failed",
            line: 2,
            failure: fail("src/auth.test.js", 4, "expected token, got undefined (took 31ms)"),
          },
          { title: "logs out", ancestors: ["User Authentication"], status: "passed", line: 7 },
        ],
      }),
      "reports/shard-2.json": jestReport({
        "src/cart.test.js": [
          { title: "adds an item", status: "failed", line: 1, failure: fail("src/cart.test.js", 3, "expected 2 items, got 1") },
          { title: "later", status: "pending" },
        ],
      }),
      // A retry of shard 1 where the JWT test passed and the cart test (re-run) failed again.
      "reports/retry-1.json": jestReport({
        "src/auth.test.js": [{ title: "issues a JWT", ancestors: ["User Authentication"], status: "passed", line: 2 }],
        "src/cart.test.js": [
          { title: "adds an item", status: "failed", line: 1, failure: fail("src/cart.test.js", 3, "expected 2 items, got 0") },
        ],
      }),
      "reports/broken.json": '{"numTotalTests": 3, "testResults": [',
      "reports/secret.json": jestReport({
        "src/auth.test.js": [
          {
            title: "calls the API as ghp_zyxwvutsrqponmlkjihgfedcba9876543210",
            status: "failed",
            line: 9,
            failure: fail("src/auth.test.js", 10, "401 with token ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
          },
        ],
      }),
    },
    { nodeModules: false },
  );
});
afterAll(() => repo.cleanup());

const collect = (reportPaths: string[], runs?: RunRecord[]) =>
  collectFailures({ repoRoot: repo.dir, reportPaths, runs: runs ? { schemaVersion: 1, runs } : null, meta: META });

const brief = (r: FailureReport) =>
  r.failures.map((f) => ({ fullName: f.fullName, file: f.file, line: f.line, kind: f.kind, attempts: f.attempts }));

describe("collectFailures", () => {
  test("merges shards into one result with repo-relative POSIX paths and failing lines", async () => {
    const r = await collect(["reports/shard-1.json", "reports/shard-2.json"]);
    expect(r.summary).toEqual({ total: 4, passed: 1, failed: 2, skipped: 1, errors: 0, flaky: 0 });
    expect(brief(r)).toEqual([
      { fullName: "User Authentication > issues a JWT", file: "src/auth.test.js", line: 4, kind: "failure", attempts: undefined },
      { fullName: "adds an item", file: "src/cart.test.js", line: 3, kind: "failure", attempts: undefined },
    ]);
    expect(r.failures[0]!.message).toBe("Error: expected token, got undefined (took 31ms)");
    expect(r.failures[0]!.stack).toBe(
      `Error: expected token, got undefined (took 31ms)\n    at Object.<anonymous> (src/auth.test.js:4:11)`,
    );
    expect(r).toMatchObject({ schemaVersion: 1, repository: "acme/app", branch: "dev", commit: "a".repeat(40), runUrl: null });
    expect(r.reportErrors).toBeUndefined();
  });

  test("a test that failed then passed on a retry is flaky, not a failure; one failing twice has attempts 2", async () => {
    const r = await collect(["reports/shard-1.json", "reports/shard-2.json", "reports/retry-1.json"]);
    expect(r.summary).toEqual({ total: 4, passed: 2, failed: 1, skipped: 1, errors: 0, flaky: 1 });
    expect(r.flaky).toEqual([{ fullName: "User Authentication > issues a JWT", file: "src/auth.test.js", framework: "jest", attempts: 2 }]);
    expect(brief(r)).toEqual([{ fullName: "adds an item", file: "src/cart.test.js", line: 3, kind: "failure", attempts: 2 }]);
  });

  test("the id is the same whatever the numbers in the message, and differs per test", async () => {
    const a = await collect(["reports/shard-2.json"]);
    const b = await collect(["reports/retry-1.json"]);
    const idA = a.failures.find((f) => f.fullName === "adds an item")!.id;
    const idB = b.failures.find((f) => f.fullName === "adds an item")!.id;
    expect(idA).toMatch(/^[0-9a-f]{12}$/);
    expect(idB).toBe(idA);
    expect((await collect(["reports/shard-1.json"])).failures[0]!.id).not.toBe(idA);
  });

  test("an unreadable report is one line in reportErrors and the others are still processed", async () => {
    const r = await collect(["reports/broken.json", "reports/shard-2.json", "reports/missing.json"]);
    expect(r.reportErrors).toEqual([
      "reports/broken.json: invalid JSON (JSON Parse error: Unexpected EOF), the file may be truncated",
      "reports/missing.json: file not found",
    ]);
    expect(brief(r).map((f) => f.fullName)).toEqual(["adds an item"]);
  });

  test("secrets in names, messages and stacks are redacted", async () => {
    const r = await collect(["reports/secret.json"]);
    expect(r.failures[0]!.fullName).toBe("calls the API as [REDACTED:github-token]");
    expect(r.failures[0]!.message).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(r.failures[0]!.stack).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(r.failures[0]!.message).toContain("[REDACTED:github-token]");
  });

  test("Surefire reruns: flaky attempts then pass is flaky, a rerun failing again has its attempts", async () => {
    // tests/fixtures/reports/surefire-rerun.xml (origin stated in tests/fixtures/reports/ORIGINS.md).
    repo.write({
      "reports/TEST-CalculatorTest.xml": readFileSync(join(TOOLKIT_ROOT, "tests/fixtures/reports/surefire-rerun.xml"), "utf8"),
      "src/test/java/com/example/calc/CalculatorTest.java": Array.from({ length: 40 }, (_, i) => `// ${i + 1}`).join("\n"),
    });
    const r = await collect(["reports/TEST-CalculatorTest.xml"]);
    expect(r.summary).toEqual({ total: 5, passed: 2, failed: 1, skipped: 1, errors: 1, flaky: 1 });
    expect(r.flaky).toEqual([{ fullName: "com.example.calc.CalculatorTest.sometimesSlow", file: null, framework: "junit", attempts: 3 }]);
    expect(brief(r)).toEqual([
      {
        fullName: "com.example.calc.CalculatorTest.addsBig",
        file: "src/test/java/com/example/calc/CalculatorTest.java",
        line: 17,
        kind: "failure",
        attempts: 2,
      },
      {
        fullName: "com.example.calc.CalculatorTest.divides",
        file: "src/test/java/com/example/calc/CalculatorTest.java",
        line: 23,
        kind: "error",
        attempts: undefined,
      },
    ]);
  });

  test("the order of failures does not depend on the order of reports", async () => {
    const one = await collect(["reports/shard-1.json", "reports/shard-2.json"]);
    const two = await collect(["reports/shard-2.json", "reports/shard-1.json"]);
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  });
});

describe("streaming aggregation", () => {
  const junit = (cases: string[]) => `<?xml version="1.0"?>\n<testsuites><testsuite name="S">${cases.join("")}</testsuite></testsuites>\n`;
  const pass = (name: string) => `<testcase classname="C" name="${name}" time="0.001"/>`;
  const failCase = (name: string) => `<testcase classname="C" name="${name}"><failure message="boom">Error: boom</failure></testcase>`;
  const skip = (name: string) => `<testcase classname="C" name="${name}"><skipped/></testcase>`;

  test("50,000 passing, skipped and failing tests: exact summary counts, only the failing ones are records", async () => {
    const cases = Array.from({ length: 50_000 }, (_, i) =>
      i % 1000 === 7 ? failCase(`t${i}`) : i % 10 === 3 ? skip(`t${i}`) : pass(`t${i}`),
    );
    repo.write({ "reports/many.xml": junit(cases) });
    const r = await collect(["reports/many.xml"]);
    expect(r.summary).toEqual({ total: 50_000, passed: 44_950, failed: 50, skipped: 5_000, errors: 0, flaky: 0 });
    expect(r.failures.map((f) => f.fullName).slice(0, 3)).toEqual(["S > C > t1007", "S > C > t10007", "S > C > t11007"].sort());
  });

  test("a report that breaks half-way adds none of its cases, not even the passing ones before the break", async () => {
    repo.write({
      "reports/whole.xml": junit([pass("a"), failCase("b")]),
      "reports/cut.xml": junit([pass("b"), pass("c"), failCase("d")]).slice(0, -40),
    });
    const r = await collect(["reports/whole.xml", "reports/cut.xml"]);
    expect(r.reportErrors).toHaveLength(1);
    expect(r.reportErrors![0]).toStartWith("reports/cut.xml: truncated");
    expect(r.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0, errors: 0, flaky: 0 });
  });

  test("reports of one source given apart count once (the best one), other sources add up", async () => {
    // s.xml and s.txt share a stem: two formats of one run. other.xml is another run.
    repo.write({
      "reports/src/s.xml": junit([failCase("t")]),
      "reports/src/other.xml": junit([pass("t")]),
      "reports/src/s.txt": junit([failCase("t")]),
    });
    const r = await collect(["reports/src/s.xml", "reports/src/other.xml", "reports/src/s.txt"]);
    expect(r.flaky).toEqual([{ fullName: "S > C > t", file: null, framework: "junit", attempts: 2 }]);
    const fails = await collect(["reports/src/s.xml", "reports/src/s.txt"]);
    expect(brief(fails)).toEqual([{ fullName: "S > C > t", file: null, line: null, kind: "failure", attempts: undefined }]);
  });

  test("a pytest node id seen more than a thousand times in one report is one test with exact attempts", async () => {
    // pytest node ids are unique in a session: a repeat in one report is a rerun of the same test.
    const py = (cases: string[]) =>
      `<?xml version="1.0"?>\n<testsuites><testsuite name="pytest">${cases.join("")}</testsuite></testsuites>\n`;
    const at = (name: string, body = "") => `<testcase classname="tests.test_x" name="${name}" file="tests/test_x.py">${body}</testcase>`;
    const boom = `<failure message="boom">E   AssertionError: boom</failure>`;
    repo.write({
      "reports/rerun-a.xml": py(Array.from({ length: 1100 }, () => at("test_t", boom))),
      "reports/rerun-b.xml": py([...Array.from({ length: 1500 }, () => at("test_u")), at("test_u", boom), at("test_u", "<skipped/>")]),
    });
    const r = await collect(["reports/rerun-a.xml", "reports/rerun-b.xml"]);
    expect(brief(r)).toEqual([{ fullName: "tests/test_x.py::test_t", file: null, line: null, kind: "failure", attempts: 1100 }]);
    expect(r.flaky).toEqual([{ fullName: "tests/test_x.py::test_u", file: null, framework: "pytest", attempts: 1501 }]);
    expect(r.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0, errors: 0, flaky: 1 });
  });

  test("one name twice in one report is two tests: the second is named '(2)', totals count both", async () => {
    repo.write({ "reports/twice.xml": junit([pass("t"), failCase("t"), failCase("t"), pass("u")]) });
    const r = await collect(["reports/twice.xml"]);
    expect(brief(r)).toEqual([
      { fullName: "S > C > t (2)", file: null, line: null, kind: "failure", attempts: undefined },
      { fullName: "S > C > t (3)", file: null, line: null, kind: "failure", attempts: undefined },
    ]);
    expect(r.flaky).toBeUndefined();
    expect(r.summary).toEqual({ total: 4, passed: 2, failed: 2, skipped: 0, errors: 0, flaky: 0 });
    // Re-run commands select such a test by the name the runner knows.
    expect(r.failures.map((f) => runnerTestName(f.fullName))).toEqual(["S C t", "S C t"]);
  });

  test("a failing describe-level case is an error when a passing test is named below it", async () => {
    repo.write({
      "reports/describe.xml": `<testsuites name="vitest tests"><testsuite name="src/cart.test.js"><testcase classname="src/cart.test.js" name="Cart &gt; adds"/><testcase classname="src/cart.test.js" name="Cart"><failure message="hook failed">Error: hook failed</failure></testcase></testsuite></testsuites>`,
    });
    const r = await collect(["reports/describe.xml"]);
    expect(brief(r)).toEqual([{ fullName: "Cart", file: "src/cart.test.js", line: null, kind: "error", attempts: undefined }]);
  });
});

describe("runs.json", () => {
  test("a runner that could not load a package and wrote no report is one environment record naming what to install", async () => {
    const tail = "Error: Cannot find module 'ts-node'\n    at Object.<anonymous> (/home/runner/work/app/app/jest.config.js:1:1)";
    const r = await collect([], [run("jest", [], 2, tail)]);
    expect(r.summary).toEqual({ total: 1, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0, environment: 1 });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({
      framework: "jest",
      fullName: "jest (environment)",
      message:
        "cannot import ts-node: install ts-node: `npm install --save-dev ts-node` and commit the lockfile (heal:prepare installs from it)",
      kind: "environment",
      file: null,
      line: null,
    });
    expect(r.failures[0]!.stack).toContain("node_modules/.bin/jest --json (exit 2)\nError: Cannot find module 'ts-node'");
  });

  test("a report that is missing or empty, or a killed runner, is also a runner failure", async () => {
    repo.write({ "reports/empty.json": jestReport({}) });
    // No report at all: the tests never ran, an environment failure (lib/environment.ts), not the agent's.
    const missing = await collect([], [run("unit", ["reports/never-written.json"], 1, "Killed")]);
    expect(missing.failures.map((f) => [f.fullName, f.kind, f.message.split(",")[0]])).toEqual([
      ["unit (environment)", "environment", "node_modules/.bin/jest --json exited 1 and wrote no report"],
    ]);
    expect(missing.reportErrors).toEqual(["reports/never-written.json: file not found"]);
    const empty = await collect([], [run("unit", ["reports/empty.json"], 1, "")]);
    expect(empty.failures.map((f) => f.message)).toEqual(["node_modules/.bin/jest --json exited 1 and wrote an empty report"]);
    const killed = await collect([], [run("unit", ["reports/shard-1.json"], null, "", "SIGKILL")]);
    // The failing test it finished, and the stop itself: a killed run is a failure of its own.
    expect(killed.failures.map((f) => f.fullName)).toEqual(["User Authentication > issues a JWT", "unit (runner killed by SIGKILL)"]);
    const killedEmpty = await collect([], [run("unit", ["reports/empty.json"], null, "", "SIGKILL")]);
    expect(killedEmpty.failures.map((f) => f.fullName)).toEqual(["unit (runner killed by SIGKILL)"]);
  });

  test("a run that exits non-zero with no failing test in its report is a failure; exit 0 with an empty report is not", async () => {
    repo.write({ "reports/green.json": jestReport({ "src/cart.test.js": [{ title: "adds an item", status: "passed" }] }) });
    const red = await collect([], [run("jest", ["reports/green.json"], 1, "Jest: coverage threshold for lines (80%) not met: 42%")]);
    expect(red.failures.map((f) => [f.fullName, f.message])).toEqual([
      ["jest (runner exited 1)", "node_modules/.bin/jest --json exited 1 and failed, but its report lists no failing test"],
    ]);
    const ok = await collect([], [run("jest", ["reports/empty.json"], 0)]);
    expect(ok.failures).toEqual([]);
    expect(ok.summary.total).toBe(0);
  });

  test("a run that exits non-zero whose only failure passed in another run is still red (a runner record)", async () => {
    repo.write({
      "reports/run-a.json": jestReport({ "src/cart.test.js": [{ title: "adds an item", status: "failed", failure: "Error: no" }] }),
      "reports/run-b.json": jestReport({ "src/cart.test.js": [{ title: "adds an item", status: "passed" }] }),
    });
    const r = await collect([], [run("jest", ["reports/run-a.json"], 1, "Tests: 1 failed"), run("jest", ["reports/run-b.json"], 0)]);
    expect(r.flaky?.map((f) => f.fullName)).toEqual(["adds an item"]);
    expect(r.failures.map((f) => [f.fullName, f.message, f.kind])).toEqual([
      [
        "jest (runner exited 1)",
        "node_modules/.bin/jest --json exited 1 and failed, but every failing test of its report passed on a retry",
        "error",
      ],
    ]);
  });

  test("two formats written by one run describe one execution: one record, no attempts", async () => {
    const vitest = corpus.projects.find((p) => p.runner === "vitest")!;
    const r = await collectFailures({ repoRoot: vitest.dir, runs: { schemaVersion: 1, runs: [vitest.run] }, reportPaths: [], meta: META });
    expect(vitest.run.reports).toHaveLength(2);
    expect(r.failures.length).toBe(vitest.expected.length);
    expect(r.failures.every((f) => f.attempts === undefined)).toBe(true);
    expect(r.failures.every((f) => f.framework === "vitest")).toBe(true);
    // Paths in the reports point at the temp folder the runner ran in, not the corpus copy: all mapped.
    expect(r.failures.every((f) => f.file !== null && !f.file.startsWith("/"))).toBe(true);
  });

  test("report paths given as arguments that a run already lists are read once", async () => {
    const vitest = corpus.projects.find((p) => p.runner === "vitest")!;
    const both = await collectFailures({
      repoRoot: vitest.dir,
      runs: { schemaVersion: 1, runs: [vitest.run] },
      reportPaths: vitest.reports.map((r) => relative(vitest.dir, r.path)),
      meta: META,
    });
    expect(both.failures.length).toBe(vitest.expected.length);
    expect(both.failures.every((f) => f.attempts === undefined)).toBe(true);
  });
});

describe("message and stack", () => {
  test("a JUnit message attribute cut to one line is completed from the failure text (the assertion diff)", () => {
    const stack =
      "AssertionError: expected 3 to be 4 // Object.is equality\n\n- Expected\n+ Received\n\n- 4\n+ 3\n\n ❯ tests/calc.test.ts:8:25";
    expect(fullerMessage("expected 3 to be 4 // Object.is equality", stack)).toBe(
      "AssertionError: expected 3 to be 4 // Object.is equality\n\n- Expected\n+ Received\n\n- 4\n+ 3",
    );
    // A different first line means the stack says something else: keep the report's message.
    expect(fullerMessage("collection failure", "n = 2\n\n    def test():\n>       assert 1 == 2")).toBe("collection failure");
    expect(fullerMessage("", "Error: boom\n    at x (a.ts:1:1)")).toBe("Error: boom");
  });

  test("trimStack drops runner, dependency and runtime frames and keeps repo frames", () => {
    const stack = [
      "Error: boom",
      "    at Object.<anonymous> (/ci/app/tests/a.test.ts:4:11)",
      "    at Promise.finally.completed (/ci/app/node_modules/jest-circus/build/jestAdapterInit.js:1834:28)",
      "    at new Promise (<anonymous>)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      " ❯ file:///ci/app/node_modules/@vitest/runner/dist/index.js:1:1",
      '  File "/usr/lib/python3/dist-packages/_pytest/python.py", line 195, in pytest_pyfunc_call',
    ].join("\n");
    expect(trimStack(stack)).toBe("Error: boom\n    at Object.<anonymous> (/ci/app/tests/a.test.ts:4:11)");
  });
});

describe("schema check", () => {
  test("the precompiled validators are of schemas/failures.schema.json and judge records as ajv compiling it does", async () => {
    const text = readFileSync(join(TOOLKIT_ROOT, "schemas", "failures.schema.json"), "utf8");
    // Stale after a schema change: run `bun lib/failures/generate-validators.ts` (parse-failures compiles meanwhile).
    expect(precompiled.schemaHash).toBe(schemaHash(text));
    const schema = JSON.parse(text);
    const fresh = new Ajv({ allErrors: true, strict: false }).compile({ ...schema.definitions.failure, definitions: schema.definitions });
    const good = {
      id: "0123456789ab",
      framework: "vitest",
      fullName: "a > b",
      file: "t.test.ts",
      line: 3,
      message: "m",
      stack: "s",
      kind: "failure",
    };
    const cases: unknown[] = [
      good,
      { ...good, id: "XYZ" },
      { ...good, line: 0 },
      { ...good, fullName: "" },
      { ...good, kind: "other" },
      { ...good, extra: 1 },
      { ...good, attempts: 1 },
      { ...good, attempts: 2 },
    ];
    const validateRecord = precompiled.validateRecord as unknown as typeof fresh;
    for (const c of cases) {
      expect(validateRecord(c)).toBe(fresh(c));
      expect(validateRecord.errors ?? null).toEqual(fresh.errors ?? null);
    }
  });
});
