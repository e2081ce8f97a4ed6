// parseJUnitFile on reports written by the real runners (bun, vitest, jest + jest-junit, pytest xunit1/xunit2,
// node --test, go test + gotestsum) on sample projects generated here, plus committed files for the dialects
// no runner on this machine writes (Surefire, PHPUnit, mocha-junit-reporter: tests/fixtures/reports/ORIGINS.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { parseJUnitFile, pytestNodeId } from "../../lib/parsers/junit.ts";
import { decodeContent, XML_LIMITS } from "../../lib/parsers/xml-stream.ts";
import type { TestCase } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/reports");

/** Every report read here lists every test its suites count: no case may stand for unlisted ones. */
async function parse(path: string): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  const extras = await parseJUnitFile(path, (c) => cases.push(c));
  expect(extras.unlisted).toBeUndefined();
  return cases;
}
const byName = (cases: TestCase[], fullName: string) => {
  const c = cases.find((x) => x.fullName === fullName);
  if (!c) throw new Error(`no case "${fullName}" in ${JSON.stringify(cases.map((x) => x.fullName))}`);
  return c;
};
function run(cwd: string, cmd: string[], env: Record<string, string> = {}): void {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: "utf8", env: { ...process.env, ...env, CI: "true" }, timeout: 120_000 });
  if (r.error) throw r.error;
  // Exit 1 is expected: the samples have failing tests on purpose.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
}

const JS_SRC = `export function add(a, b) { return a + b + (a > 10 ? 1 : 0); }
export function boom() { throw new TypeError("boom from helper"); }
`;
// Line numbers matter: the tests below assert them.
const JS_TEST = (imports: string) => `${imports}
describe("math", () => {
  describe("add", () => {
    it("adds small", () => { expect(add(1, 2)).toBe(3); });
    it("adds big", () => { expect(add(11, 2)).toBe(13); });
    it.skip("skipped one", () => {});
  });
  it("calls helper", () => { boom(); });
});
test("top level <&> \\"quoted\\"", () => { expect(1).toBe(2); });
`;

describe("bun test --reporter=junit", () => {
  let repo: SampleRepo;
  let cases: TestCase[];
  beforeAll(async () => {
    repo = createSampleRepo(
      {
        "src/math.js": JS_SRC,
        "tests/math.test.js": JS_TEST(
          `import { describe, it, expect, test } from "bun:test";\nimport { add, boom } from "../src/math.js";`,
        ),
      },
      { git: false, nodeModules: false },
    );
    run(repo.dir, [process.execPath, "test", "--reporter=junit", "--reporter-outfile=junit.xml"]);
    cases = await parse(join(repo.dir, "junit.xml"));
  });
  afterAll(() => repo.cleanup());

  test("names follow describe blocks from the nested <testsuite>s, with bun's own file and 1-based line", () => {
    expect(cases.map((c) => [c.fullName, c.status, c.line])).toEqual([
      ["math > add > adds small", "passed", 5],
      ["math > add > adds big", "failed", 6],
      ["math > add > skipped one", "skipped", 7],
      ["math > calls helper", "failed", 9],
      ['top level <&> "quoted"', "failed", 11],
    ]);
    for (const c of cases) {
      expect(c.framework).toBe("bun");
      expect(c.file).toBe("tests/math.test.js");
    }
  });

  test("failure text goes to stack untouched, the message attribute to message", () => {
    const big = byName(cases, "math > add > adds big");
    expect(big.message).toContain("Expected: 13\nReceived: 14");
    expect(big.stack).toContain("tests/math.test.js:6:");
    expect(byName(cases, "math > calls helper").stack).toContain("src/math.js:2:");
  });
});

describe("vitest --reporter=junit", () => {
  let repo: SampleRepo;
  let cases: TestCase[];
  beforeAll(async () => {
    repo = createSampleRepo(
      {
        "package.json": '{"type":"module"}',
        "src/math.js": JS_SRC,
        "tests/math.test.js": JS_TEST(`import { describe, it, expect, test } from "vitest";\nimport { add, boom } from "../src/math.js";`),
      },
      { git: false },
    );
    run(repo.dir, ["node", "node_modules/vitest/vitest.mjs", "run", "--reporter=junit", "--outputFile=junit.xml"]);
    cases = await parse(join(repo.dir, "junit.xml"));
  });
  afterAll(() => repo.cleanup());

  test("vitest's ' > ' names, the classname as the file, no line (vitest writes none)", () => {
    expect(cases.map((c) => [c.fullName, c.status, c.file, c.line])).toEqual([
      ["math > add > adds small", "passed", "tests/math.test.js", undefined],
      ["math > add > adds big", "failed", "tests/math.test.js", undefined],
      ["math > add > skipped one", "skipped", "tests/math.test.js", undefined],
      ["math > calls helper", "failed", "tests/math.test.js", undefined],
      ['top level <&> "quoted"', "failed", "tests/math.test.js", undefined],
    ]);
    expect(cases.every((c) => c.framework === "vitest")).toBe(true);
    const helper = byName(cases, "math > calls helper");
    expect(helper.message).toBe("TypeError: boom from helper");
    expect(helper.stack).toContain("❯ tests/math.test.js:9:");
  });
});

describe("jest + jest-junit", () => {
  let repo: SampleRepo;
  beforeAll(() => {
    repo = createSampleRepo(
      {
        "package.json": '{"name":"sample"}',
        "src/math.js": JS_SRC.replace(/export function/g, "function") + "module.exports = { add, boom };\n",
        "tests/math.test.js": JS_TEST(
          `// jest: globals; this line keeps line numbers equal to the ESM samples\nconst { add, boom } = require("../src/math.js");`,
        ),
        "tests/broken.test.js": `const { missing } = require("./does-not-exist");\ntest("never runs", () => expect(missing).toBe(1));\n`,
      },
      { git: false },
    );
  });
  afterAll(() => repo.cleanup());

  test("default templates: classname and name are the space-joined title; the text carries the stack", async () => {
    run(repo.dir, ["node", "node_modules/jest/bin/jest.js", "--ci", "--reporters=jest-junit"], { JEST_JUNIT_OUTPUT_FILE: "default.xml" });
    const all = await parse(join(repo.dir, "default.xml"));
    // jest runs the two files in either order: the broken file's records are checked separately.
    const cases = all.filter((c) => c.fullName !== "tests/broken.test.js");
    expect(cases.map((c) => [c.fullName, c.status])).toEqual([
      ["math add adds small", "passed"],
      ["math add adds big", "failed"],
      ["math add skipped one", "skipped"],
      ["math calls helper", "failed"],
      ['top level <&> "quoted"', "failed"],
    ]);
    const big = byName(cases, "math add adds big");
    expect(big.framework).toBe("jest");
    expect(big.file).toBeUndefined();
    expect(big.message).toBe("Error: expect(received).toBe(expected) // Object.is equality");
    expect(big.stack).toContain(`${repo.dir}/tests/math.test.js:6:`);
    // By default jest-junit writes nothing at all for a test file that cannot load (see the next test).
    expect(all.length).toBe(cases.length);
  });

  test("classname/title templates with ' › ' and the file attribute give 'describe > test' and the file", async () => {
    run(repo.dir, ["node", "node_modules/jest/bin/jest.js", "--ci", "--reporters=jest-junit"], {
      JEST_JUNIT_OUTPUT_FILE: "configured.xml",
      JEST_JUNIT_CLASSNAME: "{classname}",
      JEST_JUNIT_TITLE: "{title}",
      JEST_JUNIT_ANCESTOR_SEPARATOR: " › ",
      JEST_JUNIT_ADD_FILE_ATTRIBUTE: "true",
      JEST_JUNIT_REPORT_TEST_SUITE_ERRORS: "true",
    });
    const all = await parse(join(repo.dir, "configured.xml"));
    // A file that cannot load: jest-junit's "Test suite failed to run" records, named by the file, errors.
    const broken = all.filter((c) => c.file === "tests/broken.test.js");
    expect(broken.length).toBeGreaterThanOrEqual(1);
    for (const b of broken) expect([b.fullName, b.status]).toEqual(["tests/broken.test.js", "error"]);
    expect(broken[0]!.stack).toContain("Cannot find module './does-not-exist' from 'tests/broken.test.js'");
    const cases = all.filter((c) => c.file !== "tests/broken.test.js");
    expect(cases.map((c) => [c.fullName, c.file])).toEqual([
      ["math > add > adds small", "tests/math.test.js"],
      ["math > add > adds big", "tests/math.test.js"],
      ["math > add > skipped one", "tests/math.test.js"],
      ["math > calls helper", "tests/math.test.js"],
      ['top level <&> "quoted"', "tests/math.test.js"],
    ]);
  });
});

describe("pytest --junitxml", () => {
  let repo: SampleRepo;
  beforeAll(() => {
    repo = createSampleRepo(
      {
        "pkg/__init__.py": "",
        "pkg/calc.py":
          'def add(a, b):\n    return a + b + (1 if a > 10 else 0)\n\n\ndef boom():\n    raise ValueError("boom from helper")\n',
        "tests/__init__.py": "",
        "tests/test_calc.py": [
          "import pytest", //                                   1
          "from pkg.calc import add, boom", //                  2
          "", //                                                3
          "", //                                                4
          "def test_small():", //                               5
          "    assert add(1, 2) == 3", //                       6
          "", //                                                7
          "", //                                                8
          "def test_big():", //                                 9
          "    assert add(11, 2) == 13", //                     10
          "", //                                                11
          "", //                                                12
          "class TestGroup:", //                                13
          "    def test_helper(self):", //                      14
          "        boom()", //                                  15
          "", //                                                16
          '    @pytest.mark.parametrize("n", [1, 2])', //       17
          "    def test_param(self, n):", //                    18
          "        assert n == 1", //                           19
          "", //                                                20
          '    @pytest.mark.skip(reason="not now")', //         21
          "    def test_skip(self):", //                        22
          "        pass", //                                    23
          "", //                                                24
          "", //                                                25
          "@pytest.fixture", //                                 26
          "def broken():", //                                   27
          '    raise RuntimeError("fixture broke")', //         28
          "", //                                                29
          "", //                                                30
          "def test_uses_broken(broken):", //                   31
          "    pass", //                                        32
          "",
        ].join("\n"),
        "tests/test_broken.py": "import missing_module\n\n\ndef test_never():\n    pass\n",
      },
      { git: false, nodeModules: false },
    );
  });
  afterAll(() => repo.cleanup());

  const EXPECTED = [
    // A module that cannot be imported: pytest's node id for it is the file, an error.
    ["tests/test_broken.py", "error"],
    ["tests/test_calc.py::test_small", "passed"],
    ["tests/test_calc.py::test_big", "failed"],
    ["tests/test_calc.py::TestGroup::test_helper", "failed"],
    ["tests/test_calc.py::TestGroup::test_param[1]", "passed"],
    ["tests/test_calc.py::TestGroup::test_param[2]", "failed"],
    ["tests/test_calc.py::TestGroup::test_skip", "skipped"],
    ["tests/test_calc.py::test_uses_broken", "error"],
  ];

  test("xunit2 (default): node ids rebuilt from classname + name, file from the classname, setup errors as error", async () => {
    run(repo.dir, [
      "/usr/bin/python3",
      "-m",
      "pytest",
      "-p",
      "no:cacheprovider",
      "--continue-on-collection-errors",
      "--junitxml=x2.xml",
      "-q",
    ]);
    const cases = await parse(join(repo.dir, "x2.xml"));
    expect(cases.map((c) => [c.fullName, c.status])).toEqual(EXPECTED);
    for (const c of cases) {
      expect(c.framework).toBe("pytest");
      expect(c.file).toBe(c.fullName === "tests/test_broken.py" ? "tests/test_broken.py" : "tests/test_calc.py");
      expect(c.line).toBeUndefined();
    }
    // pytest's message is only "collection failure"; the parser takes the exception from the E line.
    expect(byName(cases, "tests/test_broken.py").message).toBe("ModuleNotFoundError: No module named 'missing_module'");
    const big = byName(cases, "tests/test_calc.py::test_big");
    expect(big.message).toBe("assert 14 == 13\n +  where 14 = add(11, 2)");
    expect(big.stack).toContain("tests/test_calc.py:10: AssertionError");
    expect(byName(cases, "tests/test_calc.py::TestGroup::test_helper").stack).toContain("pkg/calc.py:6: ValueError");
    expect(byName(cases, "tests/test_calc.py::test_uses_broken").message).toBe('failed on setup with "RuntimeError: fixture broke"');
    expect(byName(cases, "tests/test_calc.py::TestGroup::test_skip").message).toBe("not now");
  });

  test("xunit1: the 0-based line attribute becomes the 1-based line of the def (or its decorator)", async () => {
    run(repo.dir, [
      "/usr/bin/python3",
      "-m",
      "pytest",
      "-p",
      "no:cacheprovider",
      "--continue-on-collection-errors",
      "--junitxml=x1.xml",
      "-o",
      "junit_family=xunit1",
      "-q",
    ]);
    const cases = await parse(join(repo.dir, "x1.xml"));
    expect(cases.map((c) => [c.fullName, c.status])).toEqual(EXPECTED);
    expect(cases.map((c) => c.line)).toEqual([undefined, 5, 9, 14, 17, 17, 21, 31]);
  });
});

describe("node --test --test-reporter=junit", () => {
  test("nested suites become 'suite > test'; node's constant classname 'test' is not a segment", async () => {
    const repo = createSampleRepo(
      {
        "test/math.test.mjs": `import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
describe("math", () => {
  describe("add", () => {
    it("adds small", () => { assert.equal(1 + 2, 3); });
    it("adds big", () => { assert.equal(11 + 2 + 1, 13); });
    it.skip("skipped one", () => {});
  });
  it("throws", () => { throw new TypeError("boom"); });
});
test("top", () => { assert.ok(false); });
`,
      },
      { git: false, nodeModules: false },
    );
    try {
      run(repo.dir, ["/usr/bin/node", "--test", "--test-reporter=junit", "--test-reporter-destination=junit.xml", "test/"]);
      const cases = await parse(join(repo.dir, "junit.xml"));
      expect(cases.map((c) => [c.fullName, c.status, c.message])).toEqual([
        ["math > add > adds small", "passed", undefined],
        ["math > add > adds big", "failed", "Expected values to be strictly equal:14 !== 13"],
        ["math > add > skipped one", "skipped", undefined],
        ["math > throws", "failed", "boom"],
        ["top", "failed", "The expression evaluated to a falsy value:  assert.ok(false)"],
      ]);
      expect(cases.every((c) => c.framework === "junit")).toBe(true);
      expect(byName(cases, "math > add > adds big").stack).toContain("test/math.test.mjs:6:");
    } finally {
      repo.cleanup();
    }
  });
});

describe("go test + gotestsum --junitfile", () => {
  const GO_FILES = {
    "go.mod": "module example.com/gop\n\ngo 1.22\n",
    "calc/calc.go": "package calc\n\nfunc Add(a, b int) int {\n\tif a > 10 {\n\t\treturn a + b + 1\n\t}\n\treturn a + b\n}\n",
    "calc/calc_test.go": `package calc

import "testing"

func TestAddSmall(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Fatal("small")
	}
}

func TestAddBig(t *testing.T) {
	if got := Add(11, 2); got != 13 {
		t.Errorf("Add(11, 2) = %d, want 13", got)
	}
}

func TestTable(t *testing.T) {
	for _, c := range []struct{ name string; a, want int }{{"one", 1, 2}, {"two", 11, 12}} {
		t.Run(c.name, func(t *testing.T) {
			if got := Add(c.a, 1); got != c.want {
				t.Errorf("got %d want %d", got, c.want)
			}
		})
	}
}

func TestSkip(t *testing.T) { t.Skip("later") }

func TestPanic(t *testing.T) {
	var m map[string]int
	m["x"] = 1
}
`,
  };
  const gotestsum = Bun.which("gotestsum") ?? (existsSync("/tmp/gotools/bin/gotestsum") ? "/tmp/gotools/bin/gotestsum" : null);
  const live = Boolean(Bun.which("go") && gotestsum);

  // Without go/gotestsum the committed output of this very sample (tests/fixtures/reports/gotestsum.xml,
  // gotestsum v1.13.0 + go1.26.8) is parsed instead, and the test says so in its name.
  test(live
    ? "live gotestsum run: go test names, the package as file, t.Errorf text with its file:line and panics as messages"
    : "committed gotestsum.xml (go/gotestsum missing here)", async () => {
    let path = join(FIXTURES, "gotestsum.xml");
    let repo: SampleRepo | undefined;
    if (live) {
      repo = createSampleRepo(GO_FILES, { git: false, nodeModules: false });
      run(repo.dir, [gotestsum!, "--junitfile", "junit.xml", "./..."], { GOFLAGS: "-mod=mod" });
      path = join(repo.dir, "junit.xml");
    }
    try {
      const cases = await parse(path);
      // Named as lib/parsers/go-json.ts names `go test -json` events, so both formats agree.
      const failing = cases.filter((c) => c.status !== "passed").map((c) => [c.fullName, c.status, c.message]);
      expect(failing).toEqual([
        ["TestAddBig", "failed", "calc_test.go:13: Add(11, 2) = 14, want 13"],
        ["TestTable/two", "failed", "calc_test.go:21: got 13 want 12"],
        // TestTable itself fails only because of its subtest: not a failure of its own, so not reported.
        ["TestPanic", "error", expect.stringMatching(/^panic: assignment to entry in nil map/)],
        ["TestSkip", "skipped", "calc_test.go:27: later"],
      ]);
      expect(cases.map((c) => c.fullName)).not.toContain("TestTable");
      expect(cases.every((c) => c.framework === "go" && c.file === "example.com/gop/calc")).toBe(true);
      expect(byName(cases, "TestAddBig").stack).toContain("calc_test.go:13: Add(11, 2) = 14, want 13");
      expect(byName(cases, "TestPanic").stack).toContain("/calc/calc_test.go:31 +0x");
    } finally {
      repo?.cleanup();
    }
  }, 180_000);
});

describe("dialects no runner here writes (committed files, origins in ORIGINS.md)", () => {
  // surefire-rerun.xml: layout of Maven Surefire 3.x with rerunFailingTestsCount (Maven cannot run offline here).
  test("Surefire: class.method names, <error> vs <failure>, rerun and flaky runs as attempts", async () => {
    const cases = await parse(join(FIXTURES, "surefire-rerun.xml"));
    expect(cases).toEqual([
      { framework: "junit", fullName: "com.example.calc.CalculatorTest.addsSmall", status: "passed", durationMs: 3 },
      {
        framework: "junit",
        fullName: "com.example.calc.CalculatorTest.addsBig",
        status: "failed",
        message: "org.opentest4j.AssertionFailedError: expected: <13> but was: <14>",
        stack: expect.stringContaining("at com.example.calc.CalculatorTest.addsBig(CalculatorTest.java:17)"),
        durationMs: 11,
        attempts: [{ status: "failed", message: "expected: <13> but was: <14>" }],
      },
      {
        framework: "junit",
        fullName: "com.example.calc.CalculatorTest.divides",
        status: "error",
        message: "java.lang.ArithmeticException: / by zero",
        stack: expect.stringContaining("at com.example.calc.Calculator.divide(Calculator.java:9)"),
        durationMs: 2,
      },
      {
        framework: "junit",
        fullName: "com.example.calc.CalculatorTest.sometimesSlow",
        status: "passed",
        durationMs: 5,
        attempts: [
          { status: "failed", message: "timed out after 100 ms" },
          { status: "error", message: "java.lang.IllegalStateException: pool closed" },
        ],
      },
      {
        framework: "junit",
        fullName: "com.example.calc.CalculatorTest.later",
        status: "skipped",
        message: "not implemented yet",
        durationMs: 0,
      },
    ]);
    // <system-out> inside a failing case never reaches the failure text.
    expect(cases[1]!.stack).not.toContain("computing 11 + 2");
  });

  // phpunit.xml: layout of PHPUnit 10 --log-junit (no PHP here).
  test("PHPUnit: Class::method names, file and line attributes, message after the Class::method header", async () => {
    const cases = await parse(join(FIXTURES, "phpunit.xml"));
    expect(cases.map((c) => [c.fullName, c.status, c.file, c.line, c.message])).toEqual([
      ["Tests\\CalculatorTest::testAddsSmall", "passed", "/app/tests/CalculatorTest.php", 12, undefined],
      ["Tests\\CalculatorTest::testAddsBig", "failed", "/app/tests/CalculatorTest.php", 17, "Failed asserting that 14 is identical to 13."],
      ["Tests\\CalculatorTest::testDivides", "error", "/app/tests/CalculatorTest.php", 23, "DivisionByZeroError: Division by zero"],
      ["Tests\\CalculatorTest::testIsEven with data set #0", "passed", "/app/tests/CalculatorTest.php", 31, undefined],
      [
        "Tests\\CalculatorTest::testIsEven with data set #1",
        "failed",
        "/app/tests/CalculatorTest.php",
        31,
        "Failed asserting that false is true.",
      ],
    ]);
  });

  // mocha-junit.xml: layout of mocha-junit-reporter 2.x defaults (mocha is not installed here).
  test("mocha-junit-reporter: full title as name, the suite's file attribute as file", async () => {
    const cases = await parse(join(FIXTURES, "mocha-junit.xml"));
    expect(cases.map((c) => [c.framework, c.fullName, c.status, c.file])).toEqual([
      ["mocha", "math adds small", "passed", "/home/runner/work/app/app/test/math.spec.js"],
      ["mocha", "math adds big", "failed", "/home/runner/work/app/app/test/math.spec.js"],
      ["mocha", "math helpers throws", "failed", "/home/runner/work/app/app/test/math.spec.js"],
      ["mocha", "math helpers later", "skipped", "/home/runner/work/app/app/test/math.spec.js"],
    ]);
    expect(byName(cases, "math helpers throws").stack).toContain("(test/math.spec.js:15:5)");
  });
});

describe("structure variants", () => {
  let repo: SampleRepo;
  beforeAll(() => {
    repo = createSampleRepo({}, { git: false, nodeModules: false });
  });
  afterAll(() => repo.cleanup());
  const write = (name: string, xml: string) => {
    const p = join(repo.dir, name);
    writeFileSync(p, xml);
    return p;
  };

  test("a bare <testsuite> root, missing names, times and messages: framework junit, stable placeholder names", async () => {
    const cases = await parse(
      write(
        "bare.xml",
        `<testsuite name="Suite">
  <testcase classname="pkg.Thing" name="works"/>
  <testcase classname="pkg.Thing"><failure>first line of text\nsecond</failure></testcase>
  <testcase name="no class" time="abc"><error/></testcase>
  <testcase name="skipped by status" status="skipped"/>
</testsuite>`,
      ),
    );
    expect(cases).toEqual([
      { framework: "junit", fullName: "Suite > pkg.Thing > works", status: "passed" },
      {
        framework: "junit",
        fullName: "Suite > pkg.Thing > (unnamed test 1)",
        status: "failed",
        message: "first line of text",
        stack: "first line of text\nsecond",
      },
      { framework: "junit", fullName: "Suite > no class", status: "error" },
      { framework: "junit", fullName: "Suite > skipped by status", status: "skipped" },
    ]);
  });

  test("deeply nested <testsuite>s with file attributes on the suite, times with a decimal comma", async () => {
    const cases = await parse(
      write(
        "nested.xml",
        `<testsuites><testsuite name="all"><testsuite name="api" file="spec/api_spec.rb"><testsuite name="GET /users">
<testcase name="returns 200" time="0,25"/>
<testcase name="rejects bad ids" line="42" time="1,234.5"><failure message="expected 400"/></testcase>
</testsuite></testsuite></testsuite></testsuites>`,
      ),
    );
    expect(cases).toEqual([
      { framework: "junit", fullName: "all > api > GET /users > returns 200", file: "spec/api_spec.rb", status: "passed", durationMs: 250 },
      {
        framework: "junit",
        fullName: "all > api > GET /users > rejects bad ids",
        file: "spec/api_spec.rb",
        line: 42,
        status: "failed",
        message: "expected 400",
        durationMs: 1234500,
      },
    ]);
  });

  // Gradle's TEST-*.xml is Surefire's layout without java.* properties (hand-written here; no Gradle on this machine).
  test("Gradle: one suite per class named by the class gives Surefire-style class.method names", async () => {
    const cases = await parse(
      write(
        "TEST-com.example.CalcTest.xml",
        `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.CalcTest" tests="2" skipped="0" failures="1" errors="0" timestamp="2026-11-30T14:00:00" hostname="runner" time="0.02">
  <properties/>
  <testcase name="addsBig()" classname="com.example.CalcTest" time="0.01">
    <failure message="org.opentest4j.AssertionFailedError: expected: &lt;13&gt; but was: &lt;14&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;13&gt; but was: &lt;14&gt;
	at app//com.example.CalcTest.addsBig(CalcTest.java:17)
</failure>
  </testcase>
  <testcase name="addsSmall()" classname="com.example.CalcTest" time="0.001"/>
  <system-out><![CDATA[]]></system-out>
  <system-err><![CDATA[]]></system-err>
</testsuite>`,
      ),
    );
    expect(cases.map((c) => [c.fullName, c.status])).toEqual([
      ["com.example.CalcTest.addsBig()", "failed"],
      ["com.example.CalcTest.addsSmall()", "passed"],
    ]);
  });

  test("a report with no test cases parses to nothing, without error", async () => {
    expect(await parse(write("none.xml", `<?xml version="1.0"?><testsuites name="jest tests" tests="0"></testsuites>`))).toEqual([]);
  });

  test("a TRX or NUnit file given as JUnit names the root element it found", async () => {
    const err = await parseJUnitFile(join(FIXTURES, "nunit3.xml"), () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HealError);
    expect((err as HealError).oneLine()).toStartWith(
      `${join(FIXTURES, "nunit3.xml")}: root element <test-run> is not JUnit XML (expected <testsuites> or <testsuite>)`,
    );
  });
});

test("failure text read raw is the same across slice and read-chunk boundaries (entities, CDATA, CR LF, nested tags)", async () => {
  // saxes gets the text in slices of XML_LIMITS.sliceChars of each 1 MB read: each case's failure text puts one
  // construct across one of those boundaries (ASCII, so characters are bytes); saxes completes what a slice cuts.
  const slice = XML_LIMITS.sliceChars;
  let xml = `<testsuites><testsuite name="S">`;
  const expected: [string, string][] = [];
  const across = (boundary: number, name: string, before: string, straddle: string, after: string, decoded: string) => {
    const open = `<testcase classname="C" name="${name}"><failure message="m">`;
    const start = boundary - Math.floor(straddle.length / 2) - before.length - open.length;
    xml += `<!--${"p".repeat(start - xml.length - 7)}-->${open}${before}`;
    expect(xml.length + Math.floor(straddle.length / 2)).toBe(boundary);
    xml += `${straddle}${after}</failure></testcase>`;
    expected.push([`S > C > ${name}`, decoded]);
  };
  across(slice, "entity", "head ", "&amp;", " tail &lt;x&gt;", "head & tail <x>");
  across(2 * slice, "cdata", "a ", "<![CDATA[x<y>&amp;]]>", " b", "a x<y>&amp; b");
  across(3 * slice, "crlf", "l1", "\r\n", "l2\r\nl3", "l1\nl2\nl3");
  across(4 * slice, "nested", "x ", "<b>bo&lt;ld</b>", " y", "x bo<ld y");
  across(5 * slice, "opener", "c ", "<![CDATA[z]]>", " &#65;", "c z A");
  xml += `<testcase classname="C" name="after"><failure message="m">plain &amp; simple</failure></testcase></testsuite></testsuites>`;
  expected.push(["S > C > after", "plain & simple"]);
  const path = join(tmpdir(), `heal-junit-raw-${process.pid}.xml`);
  writeFileSync(path, xml);
  try {
    const cases = await parse(path);
    expect(cases.map((c) => [c.fullName, c.stack])).toEqual(expected);
    expect(cases.every((c) => c.message === "m" && c.status === "failed")).toBe(true);
  } finally {
    rmSync(path, { force: true });
  }
});

test("decodeContent reads element content as saxes delivers it, and says where an unfinished construct starts", () => {
  const entities = `a &amp; b &lt;c&gt; &quot;q&quot; &apos;x&apos; &#65;&#x42;&#x1F600;`;
  expect(decodeContent(entities)).toEqual({ text: `a & b <c> "q" 'x' AB😀`, end: entities.length });
  const markup = "x<![CDATA[a&amp;<b>\r\nc]]>y&#10;z\r\nw\rv<!-- c --><?pi x?>";
  expect(decodeContent(markup)).toEqual({ text: "xa&amp;<b>\ncy\nz\nw\nv", end: markup.length });
  expect(decodeContent("tail &am")).toEqual({ text: "tail ", end: 5 });
  expect(decodeContent("t<![CDATA[unfinished")).toEqual({ text: "t", end: 1 });
  expect(decodeContent("u <b attr='>'")).toEqual({ text: "u ", end: 2 });
});

test("pytestNodeId: exact split with xunit1's file, capitalised parts as classes without it", () => {
  expect(pytestNodeId("tests.unit.test_x.TestA.TestB", "test_y[1.5]", "tests/unit/test_x.py")).toEqual({
    nodeId: "tests/unit/test_x.py::TestA::TestB::test_y[1.5]",
    file: "tests/unit/test_x.py",
  });
  expect(pytestNodeId("tests.unit.test_x.TestA", "test_y")).toEqual({
    nodeId: "tests/unit/test_x.py::TestA::test_y",
    file: "tests/unit/test_x.py",
  });
  expect(pytestNodeId("test_x", "test_y")).toEqual({ nodeId: "test_x.py::test_y", file: "test_x.py" });
});

test("bench/parse-reports.ts --quick runs and prints the ratio, memory and scale lines", () => {
  // A smoke test only: the figures depend on the machine, so no timing is asserted here.
  const r = spawnSync(process.execPath, [join(import.meta.dir, "../../bench/parse-reports.ts"), "--quick"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^ratio parseJUnitFile\/bare saxes: \d+\.\d\dx CPU time .*\(target <= 1\.5x\) (PASS|MISS)$/m);
  expect(r.stdout).toMatch(/^peak RSS parseJUnitFile: \d+ MB, bare saxes: \d+ MB \(target < 256 MB\) (PASS|MISS)$/m);
  expect(r.stdout).toMatch(/^scale 10k vs 1k testcases: size x\d+\.\d\d, CPU time x\d+\.\d\d, time\/size ratio \d+\.\d\d/m);
  expect(r.stdout).toMatch(
    /^parse-failures end to end, 20\.0 MB \(few failures: \d+ failure records, failures\.json [\d.]+ MB\): .* peak RSS \d+ MB \(target < 256 MB\) (PASS|MISS)$/m,
  );
}, 150_000);

test("kept failing cases do not keep the file in memory (their strings are copied out of the read chunks)", () => {
  // 100 x (1 MB of system-out + one failing case): a kept slice of a read chunk would pin that whole chunk.
  const dir = createSampleRepo({}, { git: false, nodeModules: false });
  try {
    const path = join(dir.dir, "spread.xml");
    const pad = "log line that nobody keeps\n".repeat(Math.ceil((1 << 20) / 27));
    const parts = ['<testsuites><testsuite name="s">'];
    for (let i = 0; i < 100; i++)
      parts.push(
        `<testcase classname="c" name="pass ${i}"><system-out>${pad}</system-out></testcase>`,
        `<testcase classname="c" name="fails ${i}" file="tests/f${i}.js"><failure message="boom ${i}">stack of ${i}</failure></testcase>`,
      );
    parts.push("</testsuite></testsuites>");
    writeFileSync(path, parts.join(""));
    const script = `
      import { readFileSync } from "node:fs";
      import { parseJUnitFile } from ${JSON.stringify(join(import.meta.dir, "../../lib/parsers/junit.ts"))};
      const kept = [];
      await parseJUnitFile(${JSON.stringify(path)}, (c) => { if (c.status !== "passed") kept.push(c); });
      Bun.gc(true);
      const rss = Number(/VmRSS:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
      console.log(JSON.stringify({ kept: kept.length, last: kept[99], rssMb: rss }));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { kept: number; last: TestCase; rssMb: number };
    expect(out.kept).toBe(100);
    expect(out.last).toEqual({
      framework: "junit",
      fullName: "s > c > fails 99",
      file: "tests/f99.js",
      status: "failed",
      message: "boom 99",
      stack: "stack of 99",
    });
    // Measured: about 40 MB with the copies, about 150 MB when each kept case pins its 1 MB chunk.
    expect(out.rssMb).toBeLessThan(90);
  } finally {
    dir.cleanup();
  }
}, 90_000);

describe("fidelity: outcomes, counts and messages as the report gives them", () => {
  const PUTR = join(import.meta.dir, "../fixtures/publish-unit-test-result/junit-xml");
  let dir: string;
  beforeAll(() => {
    dir = join(tmpdir(), `heal-junit-fidelity-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, xml: string) => {
    const p = join(dir, name);
    writeFileSync(p, xml);
    return p;
  };

  test("a testcase holding skipped, failure and error takes the most severe, keeping every text (publish-unit-test-result fixture)", async () => {
    const cases = await parse(join(PUTR, "junit.multiresult.xml"));
    expect(cases.map((c) => [c.fullName, c.status, c.message])).toEqual([
      ["test suite > test class > test that errors", "error", "test teardown failure"],
      ["test suite > test class > test that fails", "failed", "test failure"],
      ["test suite > test class > test that is skipped", "skipped", undefined],
      ["test suite > test class > test that succeeds", "passed", undefined],
    ]);
    expect(byName(cases, "test suite > test class > test that errors").stack).toBe(
      "Assertion failed\n\n[error: test teardown failure]\nstdout",
    );
  });

  test("counts given only as <testsuite> attributes come back as unlisted tests (publish-unit-test-result fixture)", async () => {
    const cases: TestCase[] = [];
    const extras = await parseJUnitFile(join(PUTR, "no-cases-but-tests.xml"), (c) => cases.push(c));
    expect(cases).toEqual([]);
    expect(extras.unlisted).toEqual([{ suite: "pytest", tests: 6, failures: 1, errors: 0, skipped: 2 }]);
  });

  test("a suite with fewer cases than it counts reports the rest; a suite whose cases add up reports nothing", async () => {
    const path = write(
      "partial.xml",
      `<testsuites>
  <testsuite name="short" file="tests/a.test.ts" tests="3" failures="2" errors="1">
    <testcase classname="short" name="listed"><failure message="one">x</failure></testcase>
  </testsuite>
  <testsuite name="whole" tests="1" failures="1"><testcase classname="whole" name="t"><failure message="m"/></testcase></testsuite>
</testsuites>`,
    );
    const extras = await parseJUnitFile(path, () => {});
    expect(extras.unlisted).toEqual([{ suite: "short", file: "tests/a.test.ts", tests: 2, failures: 1, errors: 1, skipped: 0 }]);
  });

  test("mocha's xunit reporter: the describe path in classname joins the title, as mocha's fullTitle (publish-unit-test-result fixture)", async () => {
    const cases = await parse(join(PUTR, "mocha/latex-utensils.xml"));
    expect(cases).toHaveLength(109);
    expect(cases.every((c) => c.framework === "mocha")).toBe(true);
    expect(cases.filter((c) => c.fullName === "latexParser matchers pattern test latexParser.pattern")).toHaveLength(2);
    expect(cases[0]!.fullName).toBe("bibtexParser parse a simple bib file");
  });

  test("jest-junit's suite named by its file gives the file (publish-unit-test-result fixture)", async () => {
    const cases = await parse(join(PUTR, "jest/jest-junit.xml"));
    expect(cases.map((c) => [c.framework, c.fullName, c.file])).toEqual([
      ["jest", "Load widget via link", "widget.test.js"],
      ["jest", "Mount iframe", "widget.test.js"],
    ]);
  });

  test("pytest-rerunfailures <rerun> elements are earlier attempts of the case", async () => {
    // Hand-written: pytest-rerunfailures is not installed here; the <rerun> layout is the one issue 8 names.
    const path = write(
      "rerun.xml",
      `<testsuites><testsuite name="pytest" tests="1" failures="0">
  <testcase classname="tests.test_net" name="test_fetch" file="tests/test_net.py" line="3">
    <rerun message="ConnectionError: reset">tests/test_net.py:5: ConnectionError</rerun>
    <rerun>E   TimeoutError: slow</rerun>
  </testcase>
</testsuite></testsuites>`,
    );
    const [c] = await parse(path);
    expect(c).toMatchObject({ fullName: "tests/test_net.py::test_fetch", status: "passed" });
    expect(c!.attempts).toEqual([
      { status: "failed", message: "ConnectionError: reset" },
      { status: "failed", message: "E   TimeoutError: slow" },
    ]);
  });

  // GoogleTest: live when g++ and googletest are installed, else its committed output (tests/fixtures/reports/ORIGINS.md).
  const gtestLive = Boolean(Bun.which("g++") && existsSync("/usr/include/gtest/gtest.h"));
  test(
    gtestLive
      ? "live GoogleTest --gtest_output=xml: assertion text as message, file and line of each test"
      : "committed googletest.xml (g++/googletest missing here)",
    async () => {
      let path = join(FIXTURES, "googletest.xml");
      if (gtestLive) {
        const src = join(import.meta.dir, "../fixtures/reports/googletest/calc_test.cc");
        const bin = join(dir, "calc_test");
        // Compiled from its own folder: GoogleTest names the file as the compiler was given it.
        const cc = spawnSync("g++", ["-std=c++17", "calc_test.cc", "-lgtest", "-lgtest_main", "-pthread", "-o", bin], {
          cwd: dirname(src),
          encoding: "utf8",
        });
        expect(cc.stderr).toBe("");
        path = join(dir, "gtest.xml");
        spawnSync(bin, [`--gtest_output=xml:${path}`], { cwd: dir, encoding: "utf8" });
      }
      const cases = await parse(path);
      expect(cases.filter((c) => c.status !== "passed").map((c) => [c.fullName, c.file, c.line, c.message])).toEqual([
        ["Calc > AddsBig", "calc_test.cc", 5, "calc_test.cc:5\nExpected equality of these values:\n  Add(11, 2)\n    Which is: 14\n  13"],
        ["Calc > Throws", "calc_test.cc", 6, 'unknown file\nC++ exception with description "boom" thrown in the test body.'],
        ["Calc > Fails", "calc_test.cc", 7, "calc_test.cc:7\nFailed\nnot written yet"],
      ]);
      // Converters and older writers put a generic word in the attribute: the element's text is the message.
      const generic = write(
        "gtest-generic.xml",
        readFileSync(path, "utf8").replace(/message="[^"]*"/g, (_m, i: number) => (i % 2 ? 'message="Failed"' : 'message=""')),
      );
      const again = await parse(generic);
      expect(byName(again, "Calc > AddsBig").message).toBe(byName(cases, "Calc > AddsBig").message);
      expect(byName(again, "Calc > Fails").message).toBe("calc_test.cc:7\nFailed\nnot written yet");
    },
  );

  test("the exception type stays in the message unless it is already there; node's failure category is not a type", async () => {
    const path = write(
      "types.xml",
      `<testsuites><testsuite name="s">
  <testcase classname="c" name="assert"><failure message="expected 1 to be 2" type="AssertionError">AssertionError: expected 1 to be 2</failure></testcase>
  <testcase classname="c" name="already"><failure message="TypeError: x is not a function" type="TypeError"/></testcase>
  <testcase classname="c" name="qualified"><error message="/ by zero" type="java.lang.ArithmeticException"/></testcase>
  <testcase classname="c" name="category"><failure message="boom" type="testCodeFailure"/></testcase>
</testsuite></testsuites>`,
    );
    expect((await parse(path)).map((c) => c.message)).toEqual([
      "AssertionError: expected 1 to be 2",
      "TypeError: x is not a function",
      "java.lang.ArithmeticException: / by zero",
      "boom",
    ]);
  });
});
