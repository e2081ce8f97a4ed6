// Identity and location with the real runners (bun, vitest, jest, pytest) under `task -x heal`: one test
// name in two files and twice in one file (one passing, one failing) are distinct tests; a failure whose
// stack holds no frame of the test file (deep recursion, a module that fails to resolve) is located at the
// test file and its declaration; a 200,000-character message keeps its line; pytest's strict XPASS (no
// traceback) is located at its `def`. Exact names, files, lines and totals; heal exits 1 (never green).
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { localEnv, TASK_BIN, TASKFILE } from "../support/local-heal.ts";

setDefaultTimeout(180_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

function heal(files: Record<string, string>, nodeModules = true): { code: number | null; report: FailureReport; out: string } {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const repo = createSampleRepo(files, { branch: "dev", nodeModules });
  repos.push(repo);
  const r = spawnSync(TASK_BIN, ["-x", "-t", TASKFILE, "heal"], { cwd: repo.dir, encoding: "utf8", env: localEnv(), timeout: 170_000 });
  const report = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
  return { code: r.status, report, out: `${r.stdout}\n${r.stderr}` };
}

type JsRunner = "bun" | "vitest" | "jest";

/** The JS sample: every file's failing line and declaration line are fixed by the text below. */
function jsFiles(runner: JsRunner): Record<string, string> {
  const esm = runner !== "jest";
  const head =
    runner === "bun"
      ? `import { expect, test } from "bun:test";`
      : runner === "vitest"
        ? `import { expect, test } from "vitest";`
        : `// jest`;
  const use = (names: string, from: string) => (esm ? `import { ${names} } from "${from}";` : `const { ${names} } = require("${from}");`);
  const files: Record<string, string> = {
    // Line 2 declares, line 3 asserts.
    "tests/a.test.js": `${head}\ntest("same name", () => {\n  expect(1).toBe(1);\n});\n`,
    "tests/b.test.js": `${head}\ntest("same name", () => {\n  expect(1).toBe(2);\n});\n`,
    "tests/twice.test.js": `${head}\ntest("twice", () => {\n  expect(2).toBe(2);\n});\ntest("twice", () => {\n  expect(2).toBe(3);\n});\n`,
    // Recursion deeper than any runner's stack limit (V8's 10, jest's 100): every frame is in src/rec.js.
    "tests/deep.test.js": `${head}\n${use("sink", "../src/rec.js")}\ntest("deep recursion", () => {\n  sink(500);\n});\n`,
    "src/rec.js": `${esm ? "export " : ""}function sink(n) {\n  if (n === 0) throw new Error("bottom reached");\n  return sink(n - 1) + 1;\n}\n${esm ? "" : "module.exports = { sink };\n"}`,
    // A module of the code under test that fails to resolve a package, loaded inside the test.
    "tests/plugin.test.js": `${head}\n${use("loadPlugin", "../src/loader.js")}\ntest("loads a plugin", () => loadPlugin());\n`,
    "src/loader.js": esm
      ? `export function loadPlugin() {\n  return import("./plugins/missing.js").then((m) => m.default);\n}\n`
      : `function loadPlugin() {\n  return Promise.resolve().then(() => require("./plugins/missing.js"));\n}\nmodule.exports = { loadPlugin };\n`,
    "src/plugins/.keep": "",
    // 200,000 characters of message before the stack.
    "tests/long.test.js": `${head}\ntest("long message", () => {\n  throw new Error("x".repeat(200000));\n});\n`,
    "package.json": JSON.stringify(
      esm
        ? { name: `${runner}-identity`, private: true, type: "module" }
        : { name: "jest-identity", private: true, jest: { testEnvironment: "node" } },
    ),
  };
  if (runner === "bun") files["bunfig.toml"] = "[test]\n";
  if (runner === "vitest") files["vitest.config.js"] = `export default { test: { include: ["tests/**/*.test.js"] } };\n`;
  return files;
}

const brief = (r: FailureReport) => r.failures.map((f) => ({ file: f.file, fullName: f.fullName, line: f.line }));

/** A strict xfail that passes: pytest reports it failed, with no traceback. */
const PY_XPASS: Record<string, string> = {
  "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\nxfail_strict = true\n",
  "tests/__init__.py": "",
  "tests/test_flags.py": [
    "import pytest",
    "",
    "",
    "def test_ok():",
    "    assert True",
    "",
    "",
    "@pytest.mark.xfail(reason='bug 12')",
    "def test_fixed_already():",
    "    assert 1 + 1 == 2",
    "",
  ].join("\n"),
};

describe("identity and location (real runners)", () => {
  for (const runner of ["bun", "vitest", "jest"] as const) {
    test(`${runner}: same names across files and twice in one file, stacks without a test frame, a 200,000-character message`, () => {
      const { code, report, out } = heal(jsFiles(runner));
      expect(brief(report)).toEqual([
        { file: "tests/b.test.js", fullName: "same name", line: 3 },
        { file: "tests/deep.test.js", fullName: "deep recursion", line: 3 },
        { file: "tests/long.test.js", fullName: "long message", line: 3 },
        { file: "tests/plugin.test.js", fullName: "loads a plugin", line: 3 },
        { file: "tests/twice.test.js", fullName: "twice (2)", line: 6 },
      ]);
      // The source frames stay in the stack, and none of the test file is there (the line is the declaration's).
      const deep = report.failures.find((f) => f.fullName === "deep recursion")!.stack;
      expect(deep).toContain("src/rec.js:2");
      expect(deep).not.toContain("deep.test.js:4");
      // The runner's own count: 7 tests, 2 passed, 5 failed.
      expect(report.summary.total).toBe(7);
      expect(report.summary.passed).toBe(2);
      expect(report.summary.failed + report.summary.errors).toBe(5);
      expect(report.flaky ?? []).toEqual([]);
      expect(code).toBe(1);
      expect(out).not.toContain("✅");
    });
  }

  test("jest.retryTimes: the runner's own retries are attempts of one test, not tests '(2)'", () => {
    const { code, report } = heal({
      "tests/retry.test.js": [
        "jest.retryTimes(2);",
        "let runs = 0;",
        'test("passes on a retry", () => {',
        "  runs++;",
        "  expect(runs).toBe(2);",
        "});",
        'test("fails every time", () => {',
        "  expect(1).toBe(2);",
        "});",
        "",
      ].join("\n"),
      "package.json": JSON.stringify({ name: "jest-retry", private: true, jest: { testEnvironment: "node" } }),
    });
    expect(report.failures.map((f) => ({ file: f.file, fullName: f.fullName, line: f.line, attempts: f.attempts }))).toEqual([
      { file: "tests/retry.test.js", fullName: "fails every time", line: 8, attempts: 3 },
    ]);
    expect(report.flaky).toEqual([{ fullName: "passes on a retry", file: "tests/retry.test.js", framework: "jest", attempts: 2 }]);
    expect(report.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0, errors: 0, flaky: 1 });
    expect(code).toBe(1);
  });

  test("jest: every test passes but the runner exits 1 (coverage threshold): a runner error record, heal exits 1", () => {
    const { code, report } = heal({
      "src/calc.js":
        "function add(a, b) {\n  return a + b;\n}\nfunction unused(n) {\n  return n * 2;\n}\nmodule.exports = { add, unused };\n",
      "tests/calc.test.js": `const { add } = require("../src/calc.js");\ntest("adds", () => {\n  expect(add(1, 2)).toBe(3);\n});\n`,
      "package.json": JSON.stringify({
        name: "jest-threshold",
        private: true,
        jest: { testEnvironment: "node", collectCoverage: true, coverageThreshold: { global: { lines: 100 } } },
      }),
    });
    expect(report.failures.map((f) => [f.fullName, f.kind, f.message.replace(/^.*? exited/, "… exited")])).toEqual([
      ["jest (runner exited 1)", "error", "… exited 1 and failed, but its report lists no failing test"],
    ]);
    expect(report.failures[0]!.stack).toContain(`Jest: Coverage for lines (66.66%) does not meet "global" threshold (100%)`);
    expect(report.summary).toEqual({ total: 2, passed: 1, failed: 0, skipped: 0, errors: 1, flaky: 0 });
    expect(code).toBe(1);
  });

  test("pytest: strict XPASS in an xunit2 report (no file, line or traceback) is located at its def", () => {
    const repo = createSampleRepo(PY_XPASS, { branch: "dev", nodeModules: false });
    repos.push(repo);
    const py = spawnSync("pytest", ["-p", "no:cacheprovider", "--junitxml=r.xml", "-o", "junit_family=xunit2"], {
      cwd: repo.dir,
      encoding: "utf8",
    });
    expect(py.status).toBe(1);
    expect(readFileSync(join(repo.dir, "r.xml"), "utf8")).not.toContain("lineno");
    const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/parse-failures.ts"), "r.xml", "--out", "f.json"], {
      cwd: repo.dir,
      encoding: "utf8",
      env: localEnv(),
    });
    // parse-failures exits 0 once failures.json is written; heal:finish turns failures into exit 1 (test below).
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(repo.dir, "f.json"), "utf8")) as FailureReport;
    expect(brief(report)).toEqual([{ file: "tests/test_flags.py", fullName: "tests/test_flags.py::test_fixed_already", line: 9 }]);
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1 });
  });

  test("pytest: strict XPASS under task heal (xunit1 gives the decorator's line) is located at its def", () => {
    const { code, report } = heal(PY_XPASS, false);
    expect(brief(report)).toEqual([{ file: "tests/test_flags.py", fullName: "tests/test_flags.py::test_fixed_already", line: 9 }]);
    expect(report.summary).toMatchObject({ total: 2, passed: 1 });
    expect(code).toBe(1);
  });
});
