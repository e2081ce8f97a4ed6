// Canonical sample projects per runner, run with the real runners and the reporter flags run-tests uses,
// each with the ground truth of the failures it must produce. The corpus is built once per source+tool
// version into a temp folder and reused by the accuracy harness, the parsers' tests and the fuzz test.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createSampleRepo } from "./sample-repo.ts";
import type { RunRecord, Stack } from "../../lib/types.ts";

export type SampleRunner = "bun" | "vitest" | "jest" | "pytest" | "go" | "terraform";

/** The report dialect as `parseReport` names it. */
export type SampleFormat = "junit" | "jest-json" | "go-json" | "terraform-json" | "bun-console";

export interface ExpectedFailure {
  fullName: string;
  /** Repo-relative POSIX path. */
  file: string;
  /** 1-based line of the failing statement (or the caller's line for helper errors). */
  line: number;
  messageIncludes: string;
  kind: "failure" | "error";
}

export interface SampleReport {
  format: SampleFormat;
  /** Absolute path of the report the runner wrote. */
  path: string;
}

export interface SampleProject {
  runner: SampleRunner;
  /** Absolute path of the generated repository (git, node_modules linked). */
  dir: string;
  reports: SampleReport[];
  /** The run as run-tests records it in runs.json (report paths repo-relative). */
  run: RunRecord;
  expected: ExpectedFailure[];
  /** Distinct tests that passed / were skipped once all reports of the run are merged (vitest skips the tests under a failing beforeAll). */
  passed: number;
  skipped: number;
}

export interface Corpus {
  root: string;
  projects: SampleProject[];
}

const JEST_JUNIT_ENV = {
  JEST_JUNIT_OUTPUT_DIR: ".agent/reports/raw",
  JEST_JUNIT_OUTPUT_NAME: "jest.xml",
  JEST_JUNIT_ADD_FILE_ATTRIBUTE: "true",
  JEST_JUNIT_CLASSNAME: "{classname}",
  JEST_JUNIT_TITLE: "{title}",
  JEST_JUNIT_ANCESTOR_SEPARATOR: " > ",
  JEST_JUNIT_REPORT_TEST_SUITE_ERRORS: "true",
};

/** 1-based line of the only line containing `marker` (the sources tag failing lines with `FAIL:<key>`). */
export function lineOf(source: string, marker: string): number {
  const lines = source.split("\n");
  const hits = lines.flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`marker ${marker} found ${hits.length} times`);
  return hits[0]!;
}

// ---------- JavaScript / TypeScript (bun, vitest, jest share the shapes) ----------

const CALC_TS = `export function add(a: number, b: number): number {
  return a + b;
}

export function double(n: number): number {
  return n * 2;
}
`;

const DB_HELPER_TS = `export function connect(url: string): never {
  throw new Error(\`cannot connect to \${url}\`);
}
`;

function jsTestSource(importLine: string, hooks: string, esm: boolean): string {
  const imp = esm
    ? `import { add, double } from "../src/calc";\nimport { connect } from "./helpers/db";`
    : `const { add, double } = require("../src/calc");\nconst { connect } = require("./helpers/db");`;
  return `${importLine}
${imp}

describe("Calculator", () => {
  describe("addition", () => {
    test("adds two numbers", () => {
      expect(add(1, 2)).toBe(4); // FAIL:nested
    });

    test("adds zero", () => {
      expect(add(0, 0)).toBe(0);
    });
  });
});

test("throws an error", () => {
  throw new Error("boom: exploded at 0x1f after 250ms"); // FAIL:thrown
});

test("rejects asynchronously", async () => {
  await Promise.reject(new Error("async nope")); // FAIL:async
});

test.each([1, 2, 3])("doubles %i", (n) => {
  expect(double(n)).toBe(n === 2 ? 5 : n * 2); // FAIL:param
});

describe("with database", () => {
  ${hooks}(() => {
    throw new Error("database fixture failed"); // FAIL:hook
  });

  test("reads rows", () => {
    expect(1).toBe(1);
  });
});

test("uses a helper", () => {
  connect("db://test"); // FAIL:helper
});

describe("計算", () => {
  test("ünïcödé", () => {
    expect(add(2, 2)).toBe(5); // FAIL:unicode
  });
});

test.skip("not written yet", () => {
  expect(true).toBe(false);
});
`;
}

const BROKEN_ESM = `import { missing } from "./does-not-exist"; // FAIL:import

test("never runs", () => {
  expect(missing).toBe(1);
});
`;

const BROKEN_CJS = `const { missing } = require("./does-not-exist"); // FAIL:import

test("never runs", () => {
  expect(missing).toBe(1);
});
`;

interface JsFiles {
  files: Record<string, string>;
  testFile: string;
  brokenFile: string;
}

function jsFiles(runner: "bun" | "vitest" | "jest"): JsFiles {
  if (runner === "jest") {
    const calc = `function add(a, b) {\n  return a + b;\n}\n\nfunction double(n) {\n  return n * 2;\n}\n\nmodule.exports = { add, double };\n`;
    const db = `function connect(url) {\n  throw new Error(\`cannot connect to \${url}\`);\n}\n\nmodule.exports = { connect };\n`;
    const test = jsTestSource("", "beforeAll", false).replace(/^\n/, "");
    return {
      files: {
        "package.json": `{ "name": "jest-sample", "private": true, "jest": { "testEnvironment": "node" } }\n`,
        "src/calc.js": calc,
        "tests/helpers/db.js": db,
        "tests/calc.test.js": test,
        "tests/broken.test.js": BROKEN_CJS,
      },
      testFile: "tests/calc.test.js",
      brokenFile: "tests/broken.test.js",
    };
  }
  const importLine =
    runner === "bun"
      ? `import { beforeAll, describe, expect, test } from "bun:test";`
      : `import { beforeAll, describe, expect, test } from "vitest";`;
  return {
    files: {
      "package.json": `{ "name": "${runner}-sample", "private": true, "type": "module" }\n`,
      "src/calc.ts": CALC_TS,
      "tests/helpers/db.ts": DB_HELPER_TS,
      "tests/calc.test.ts": jsTestSource(importLine, "beforeAll", true),
      "tests/broken.test.ts": BROKEN_ESM,
    },
    testFile: "tests/calc.test.ts",
    brokenFile: "tests/broken.test.ts",
  };
}

/** Ground truth shared by bun, vitest and jest; hook and import errors differ per runner (see below). */
function jsExpected(runner: "bun" | "vitest" | "jest", f: JsFiles): ExpectedFailure[] {
  const src = f.files[f.testFile]!;
  const file = f.testFile;
  const at = (key: string) => lineOf(src, `FAIL:${key}`);
  const list: ExpectedFailure[] = [
    { fullName: "Calculator > addition > adds two numbers", file, line: at("nested"), messageIncludes: "4", kind: "failure" },
    { fullName: "throws an error", file, line: at("thrown"), messageIncludes: "boom: exploded", kind: "failure" },
    { fullName: "rejects asynchronously", file, line: at("async"), messageIncludes: "async nope", kind: "failure" },
    { fullName: "doubles 2", file, line: at("param"), messageIncludes: "5", kind: "failure" },
    { fullName: "uses a helper", file, line: at("helper"), messageIncludes: "cannot connect to db://test", kind: "failure" },
    { fullName: "計算 > ünïcödé", file, line: at("unicode"), messageIncludes: "5", kind: "failure" },
  ];
  const hookLine = at("hook");
  const brokenLine = lineOf(f.files[f.brokenFile]!, "FAIL:import");
  const broken: ExpectedFailure = {
    fullName: f.brokenFile,
    file: f.brokenFile,
    line: brokenLine,
    messageIncludes: "does-not-exist",
    kind: "error",
  };
  if (runner === "jest") {
    // jest reports a failing beforeAll as a failure of every test in its describe, with the hook's frame.
    list.push({ fullName: "with database > reads rows", file, line: hookLine, messageIncludes: "database fixture failed", kind: "error" });
  } else {
    // bun ("(unnamed)") and vitest (a case named like the describe) report the describe itself: an error.
    list.push({ fullName: "with database", file, line: hookLine, messageIncludes: "database fixture failed", kind: "error" });
  }
  list.push(broken);
  return list;
}

// ---------- pytest ----------

const PY_CALC = `def add(a, b):
    return a + b


def double(n):
    return n * 2
`;

const PY_HELPERS = `def connect(url):
    raise ConnectionError(f"cannot connect to {url}")
`;

const PY_TEST = `import asyncio

import pytest

from app.calc import add, double
from helpers import connect


class TestCalculator:
    class TestAddition:
        def test_adds_two_numbers(self):
            assert add(1, 2) == 4  # FAIL:nested

        def test_adds_zero(self):
            assert add(0, 0) == 0


def test_throws_error():
    raise RuntimeError("boom: exploded at 0x1f after 250ms")  # FAIL:thrown


async def fetch_rows():
    await asyncio.sleep(0)
    raise ValueError("async nope")  # FAIL:async


def test_rejects_asynchronously():
    asyncio.run(fetch_rows())


@pytest.mark.parametrize("n", [1, 2, 3])
def test_doubles(n):
    assert double(n) == (5 if n == 2 else n * 2)  # FAIL:param


@pytest.fixture
def database():
    raise RuntimeError("database fixture failed")  # FAIL:hook


def test_reads_rows(database):
    assert database


def test_uses_helper():
    connect("db://test")  # FAIL:helper


def test_計算_ünïcödé():
    assert add(2, 2) == 5  # FAIL:unicode


@pytest.mark.skip(reason="not written yet")
def test_not_written_yet():
    assert False
`;

// A module of the repository's own package that is missing: the agent's to write (a missing third-party
// package would be an environment failure instead, see lib/environment.ts).
const PY_BROKEN = `from app import missing_module  # FAIL:import


def test_never_runs():
    assert missing_module
`;

function pytestProject(): { files: Record<string, string>; expected: ExpectedFailure[] } {
  // The Python package lives in backend/ (pytest runs there, as in a TypeScript + Python repository):
  // node ids are relative to pytest's rootdir, files in failures.json to the repository.
  const file = "backend/tests/test_calc.py";
  const at = (key: string) => lineOf(PY_TEST, `FAIL:${key}`);
  const id = (name: string) => `tests/test_calc.py::${name}`;
  return {
    files: {
      "backend/pytest.ini": "[pytest]\npythonpath = .\n",
      "backend/app/__init__.py": "",
      "backend/app/calc.py": PY_CALC,
      "backend/tests/helpers.py": PY_HELPERS,
      [file]: PY_TEST,
      "backend/tests/test_broken.py": PY_BROKEN,
    },
    expected: [
      {
        fullName: id("TestCalculator::TestAddition::test_adds_two_numbers"),
        file,
        line: at("nested"),
        messageIncludes: "assert 3 == 4",
        kind: "failure",
      },
      { fullName: id("test_throws_error"), file, line: at("thrown"), messageIncludes: "boom: exploded", kind: "failure" },
      { fullName: id("test_rejects_asynchronously"), file, line: at("async"), messageIncludes: "async nope", kind: "failure" },
      { fullName: id("test_doubles[2]"), file, line: at("param"), messageIncludes: "assert 4 == 5", kind: "failure" },
      { fullName: id("test_reads_rows"), file, line: at("hook"), messageIncludes: "database fixture failed", kind: "error" },
      { fullName: id("test_uses_helper"), file, line: at("helper"), messageIncludes: "cannot connect to db://test", kind: "failure" },
      { fullName: id("test_計算_ünïcödé"), file, line: at("unicode"), messageIncludes: "assert 4 == 5", kind: "failure" },
      {
        // A module that fails to import is named by its repo-relative file, like a JS suite that fails to load.
        fullName: "backend/tests/test_broken.py",
        file: "backend/tests/test_broken.py",
        line: lineOf(PY_BROKEN, "FAIL:import"),
        messageIncludes: "missing_module",
        kind: "error",
      },
    ],
  };
}

// ---------- go test ----------

const GO_MOD = "module example.com/sample\n\ngo 1.22\n";

const GO_CALC = `package calc

func Add(a, b int) int { return a + b }

func Double(n int) int { return n * 2 }
`;

const GO_HELPERS = `package calc

import "testing"

func mustConnect(t *testing.T, url string) {
	t.Helper()
	t.Fatalf("cannot connect to %s", url)
}
`;

const GO_TEST = `package calc

import (
	"fmt"
	"testing"
)

func TestAdd(t *testing.T) {
	t.Run("addition", func(t *testing.T) {
		t.Run("adds two numbers", func(t *testing.T) {
			if got := Add(1, 2); got != 4 {
				t.Errorf("Add(1, 2) = %d, want 4", got) // FAIL:nested
			}
		})
		t.Run("adds zero", func(t *testing.T) {
			if Add(0, 0) != 0 {
				t.Error("zero")
			}
		})
	})
}

func TestDouble(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("doubles %d", n), func(t *testing.T) {
			want := n * 2
			if n == 2 {
				want = 5
			}
			if got := Double(n); got != want {
				t.Errorf("Double(%d) = %d, want %d", n, got, want) // FAIL:param
			}
		})
	}
}

func TestUsesHelper(t *testing.T) {
	mustConnect(t, "db://test") // FAIL:helper
}

func TestUnicode(t *testing.T) {
	t.Run("計算 > ünïcödé", func(t *testing.T) {
		if got := Add(2, 2); got != 5 {
			t.Fatalf("Add(2, 2) = %d, want 5", got) // FAIL:unicode
		}
	})
}

func TestNotWrittenYet(t *testing.T) {
	t.Skip("not written yet")
}

func TestThrows(t *testing.T) {
	var rows map[string]int
	rows["boom"] = 1 // FAIL:thrown
}
`;

const GO_BROKEN = `package broken

import "testing"

func TestNeverRuns(t *testing.T) {
	missingFunction() // FAIL:import
}
`;

function goProject(): { files: Record<string, string>; expected: ExpectedFailure[] } {
  const file = "calc/calc_test.go";
  const at = (key: string) => lineOf(GO_TEST, `FAIL:${key}`);
  return {
    files: {
      "go.mod": GO_MOD,
      "calc/calc.go": GO_CALC,
      "calc/helpers_test.go": GO_HELPERS,
      [file]: GO_TEST,
      "broken/broken_test.go": GO_BROKEN,
    },
    expected: [
      {
        fullName: "TestAdd/addition/adds_two_numbers",
        file,
        line: at("nested"),
        messageIncludes: "Add(1, 2) = 3, want 4",
        kind: "failure",
      },
      { fullName: "TestDouble/doubles_2", file, line: at("param"), messageIncludes: "Double(2) = 4, want 5", kind: "failure" },
      { fullName: "TestUsesHelper", file, line: at("helper"), messageIncludes: "cannot connect to db://test", kind: "failure" },
      { fullName: "TestUnicode/計算_>_ünïcödé", file, line: at("unicode"), messageIncludes: "Add(2, 2) = 4, want 5", kind: "failure" },
      { fullName: "TestThrows", file, line: at("thrown"), messageIncludes: "assignment to entry in nil map", kind: "error" },
      {
        fullName: "example.com/sample/broken [build failed]",
        file: "broken/broken_test.go",
        line: lineOf(GO_BROKEN, "FAIL:import"),
        messageIncludes: "undefined: missingFunction",
        kind: "error",
      },
    ],
  };
}

// ---------- terraform ----------

const TF_MAIN = `variable "name" {
  type = string
}

resource "terraform_data" "example" {
  input = var.nmae # FAIL:var
}

output "greeting" {
  value = local.missing # FAIL:local
}
`;

function terraformProject(): { files: Record<string, string>; expected: ExpectedFailure[] } {
  const file = "infra/main.tf";
  return {
    files: { [file]: TF_MAIN },
    expected: [
      {
        fullName: 'resource "terraform_data" "example" > Reference to undeclared input variable',
        file,
        line: lineOf(TF_MAIN, "FAIL:var"),
        messageIncludes: 'An input variable with the name "nmae" has not been declared',
        kind: "error",
      },
      {
        fullName: 'output "greeting" > Reference to undeclared local value',
        file,
        line: lineOf(TF_MAIN, "FAIL:local"),
        messageIncludes: 'A local value with the name "missing" has not been declared',
        kind: "error",
      },
    ],
  };
}

// ---------- running ----------

interface RunSpec {
  runner: SampleRunner;
  files: Record<string, string>;
  expected: ExpectedFailure[];
  passed: number;
  skipped: number;
  stack: Stack;
  /** argv as run-tests would run it, with the reporter flags. */
  argv: string[];
  env?: Record<string, string>;
  /** Report files the run writes, repo-relative, with their format. */
  reports: { format: SampleFormat; rel: string }[];
  /** When the runner writes the report to stdout. */
  stdoutTo?: string;
  /** Save the combined console output (stdout + stderr) there. */
  outputTo?: string;
  nodeModules: boolean;
}

const RAW = ".agent/reports/raw";
/** Replaced by the absolute raw folder when the run starts (for runners whose cwd is a subfolder). */
const ABS_RAW = "@RAW@";

export function availableRunners(): SampleRunner[] {
  const list: SampleRunner[] = ["bun", "vitest", "jest", "pytest"];
  if (Bun.which("go")) list.push("go");
  if (Bun.which("terraform")) list.push("terraform");
  return list;
}

function specFor(runner: SampleRunner): RunSpec {
  const stack = (framework: Stack["framework"], command: string[], cwd = "."): Stack => ({ id: runner, framework, cwd, command });
  switch (runner) {
    case "bun": {
      const f = jsFiles("bun");
      const command = [process.execPath, "test"];
      return {
        runner,
        files: f.files,
        expected: jsExpected("bun", f),
        passed: 3,
        skipped: 1,
        nodeModules: true,
        stack: stack("bun", command),
        argv: [...command, "--reporter=junit", `--reporter-outfile=${RAW}/bun.xml`],
        // bun's JUnit leaves out files that fail to load; its console output names them.
        outputTo: `${RAW}/bun.txt`,
        reports: [
          { format: "junit", rel: `${RAW}/bun.xml` },
          { format: "bun-console", rel: `${RAW}/bun.txt` },
        ],
      };
    }
    case "vitest": {
      const f = jsFiles("vitest");
      const command = ["node_modules/.bin/vitest", "run"];
      return {
        runner,
        files: f.files,
        expected: jsExpected("vitest", f),
        passed: 3,
        skipped: 2,
        nodeModules: true,
        stack: stack("vitest", command),
        argv: [
          ...command,
          "--reporter=default",
          "--reporter=junit",
          "--reporter=json",
          `--outputFile.junit=${RAW}/vitest.xml`,
          `--outputFile.json=${RAW}/vitest.json`,
        ],
        reports: [
          { format: "junit", rel: `${RAW}/vitest.xml` },
          { format: "jest-json", rel: `${RAW}/vitest.json` },
        ],
      };
    }
    case "jest": {
      const f = jsFiles("jest");
      const command = ["node_modules/.bin/jest"];
      return {
        runner,
        files: f.files,
        expected: jsExpected("jest", f),
        passed: 3,
        skipped: 1,
        nodeModules: true,
        stack: stack("jest", command),
        argv: [
          ...command,
          "--ci",
          "--json",
          `--outputFile=${RAW}/jest.json`,
          "--testLocationInResults",
          "--reporters=default",
          "--reporters=jest-junit",
        ],
        env: JEST_JUNIT_ENV,
        reports: [
          { format: "jest-json", rel: `${RAW}/jest.json` },
          { format: "junit", rel: `${RAW}/jest.xml` },
        ],
      };
    }
    case "pytest": {
      const p = pytestProject();
      const command = ["/usr/bin/python3", "-m", "pytest"];
      return {
        runner,
        files: p.files,
        expected: p.expected,
        passed: 3,
        skipped: 1,
        nodeModules: false,
        stack: stack("pytest", command, "backend"),
        argv: [
          ...command,
          `--junitxml=${ABS_RAW}/pytest.xml`,
          "-o",
          "junit_family=xunit1",
          "-p",
          "no:cacheprovider",
          // Without it pytest stops at a collection error and runs nothing else.
          "--continue-on-collection-errors",
        ],
        reports: [{ format: "junit", rel: `${RAW}/pytest.xml` }],
      };
    }
    case "go": {
      const p = goProject();
      const command = ["go", "test", "./..."];
      return {
        runner,
        files: p.files,
        expected: p.expected,
        passed: 3,
        skipped: 1,
        nodeModules: false,
        stack: stack("go", command),
        argv: ["go", "test", "-json", "./..."],
        env: { GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
        stdoutTo: `${RAW}/go.json`,
        reports: [{ format: "go-json", rel: `${RAW}/go.json` }],
      };
    }
    case "terraform": {
      const p = terraformProject();
      const command = ["terraform", "validate"];
      return {
        runner,
        files: p.files,
        expected: p.expected,
        passed: 0,
        skipped: 0,
        nodeModules: false,
        stack: stack("terraform", command, "infra"),
        argv: ["terraform", "validate", "-json", "-no-color"],
        env: { TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
        stdoutTo: `${RAW}/terraform.json`,
        reports: [{ format: "terraform-json", rel: `${RAW}/terraform.json` }],
      };
    }
  }
}

function toolVersion(runner: SampleRunner): string {
  const probe: Record<SampleRunner, string[]> = {
    bun: [process.execPath, "--version"],
    vitest: ["node", "--version"],
    jest: ["node", "--version"],
    pytest: ["/usr/bin/python3", "-m", "pytest", "--version"],
    go: ["go", "version"],
    terraform: ["terraform", "version"],
  };
  const [cmd, ...args] = probe[runner];
  const r = spawnSync(cmd!, args, { encoding: "utf8" });
  return `${r.stdout}${r.stderr}`;
}

function runSample(spec: RunSpec, into: string): SampleProject {
  const repo = createSampleRepo(spec.files, { nodeModules: spec.nodeModules });
  mkdirSync(join(repo.dir, RAW), { recursive: true });
  const cwd = join(repo.dir, spec.stack.cwd);
  const started = Date.now();
  const argv = spec.argv.map((a) => a.replace(ABS_RAW, join(repo.dir, RAW)));
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0", ...spec.env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 180_000,
  });
  if (spec.stdoutTo) writeFileSync(join(repo.dir, spec.stdoutTo), r.stdout);
  if (spec.outputTo) writeFileSync(join(repo.dir, spec.outputTo), `${r.stdout}${r.stderr}`);
  const output = `${spec.stdoutTo ? "" : r.stdout}${r.stderr}`;
  const tail = output.split("\n").slice(-40).join("\n");
  for (const rep of spec.reports) {
    if (!existsSync(join(repo.dir, rep.rel))) {
      throw new Error(`${spec.runner} wrote no ${rep.rel} (exit ${r.status}):\n${output.slice(-4000)}`);
    }
  }
  const run: RunRecord = {
    stack: spec.stack,
    argv,
    exitCode: r.status,
    signal: r.signal,
    durationMs: Date.now() - started,
    reports: spec.reports.map((x) => x.rel),
    outputTail: tail,
  };
  // Move the repo under the corpus folder so a cached corpus is self-contained.
  const dir = join(into, spec.runner);
  renameSync(repo.dir, dir);
  return {
    runner: spec.runner,
    dir,
    reports: spec.reports.map((x) => ({ format: x.format, path: join(dir, x.rel) })),
    run,
    expected: spec.expected,
    passed: spec.passed,
    skipped: spec.skipped,
  };
}

let corpusPromise: Promise<Corpus> | undefined;

/**
 * Builds (or reuses) the corpus. Cached under the OS temp folder, keyed by the sample sources and the tool
 * versions, so only the first test process of a machine pays for running the runners.
 */
export function buildCorpus(runners: SampleRunner[] = availableRunners()): Promise<Corpus> {
  corpusPromise ??= Promise.resolve().then(() => buildCorpusNow(runners));
  return corpusPromise;
}

function buildCorpusNow(runners: SampleRunner[]): Corpus {
  const specs = runners.map(specFor);
  const key = createHash("sha256")
    .update(JSON.stringify(specs))
    .update(readFileSync(new URL(import.meta.url), "utf8"))
    .update(runners.map(toolVersion).join("\n"))
    .digest("hex")
    .slice(0, 16);
  const root = join(tmpdir(), `heal-corpus-${key}`);
  const manifest = join(root, "corpus.json");
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8")) as Corpus;
  const building = `${root}.build-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const projects = specs.map((s) => runSample(s, building));
  // Paths were recorded under the build folder; rewrite them for the final location.
  const fixed = JSON.parse(JSON.stringify({ root, projects }).split(building).join(root)) as Corpus;
  writeFileSync(join(building, "corpus.json"), JSON.stringify(fixed, null, 2));
  try {
    renameSync(building, root);
  } catch {
    // Another process finished first: use its corpus.
    rmSync(building, { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(manifest, "utf8")) as Corpus;
}
