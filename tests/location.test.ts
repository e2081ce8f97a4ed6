// The locator: frames in every syntax, CI/container/Windows/file:// paths mapped to files that exist,
// the frame in the test's own file chosen over helpers, runners and dependencies.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { collectFailures } from "../lib/failures.ts";
import {
  declarationLine,
  indexRepo,
  lineOfMissingImport,
  locate,
  parseFrames,
  relativizePaths,
  resolveRepoDir,
  resolveRepoPath,
  splitMessage,
  type RepoIndex,
} from "../lib/location.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { createSampleRepo, type SampleRepo } from "./support/sample-repo.ts";

let repo: SampleRepo;
let index: RepoIndex;

beforeAll(() => {
  repo = createSampleRepo(
    {
      "tests/calc.test.ts": "import { add } from '../src/calc';\n// 2\n// 3\n// 4\n// 5\n// 6\n",
      "tests/helpers/db.ts": "export function connect() {\n  throw new Error('x');\n}\n",
      "src/calc.ts": "export const add = (a: number, b: number) => a + b;\n",
      "backend/tests/test_login.py": "import missing_thing\n\n\ndef test_login():\n    login()\n    assert False\n",
      "backend/app/auth.py": "def login():\n    raise ValueError('no')\n",
      "pkg/a/handler_test.go": "package a\n",
      "pkg/b/handler_test.go": "package b\n",
      "web/src/app.spec.ts": "// spec\n",
      "node_modules/lib/index.js": "",
      "tests/names.test.js": [
        'import { describe, it, test } from "vitest";',
        'test("adds", () => {});',
        'describe("Cart", () => {',
        '  test("adds", () => {});',
        "  describe(`totals`, () => {",
        "    it.each([1])('adds', () => {});",
        "  });",
        "});",
        'test("adds", () => {});',
        'test("say \\"hi\\" > twice", () => {});',
        "",
      ].join("\n"),
      "tests/test_cls.py":
        "import pytest\n\n\ndef test_a():\n    pass\n\n\nclass TestB:\n    @pytest.mark.xfail\n    def test_a(self):\n        pass\n",
    },
    { nodeModules: false, git: false },
  );
  index = indexRepo(repo.dir, { fresh: true });
});

afterAll(() => repo.cleanup());

describe("parseFrames", () => {
  test("reads V8, vitest, pytest, go and Python traceback syntaxes", () => {
    const frames = (text: string) => parseFrames(text).map((f) => `${f.path}:${f.line}`);
    expect(frames("Error: x\n    at Object.<anonymous> (/home/u/repo/tests/calc.test.ts:8:25)")).toEqual([
      "/home/u/repo/tests/calc.test.ts:8",
    ]);
    expect(frames("Error: x\n    at tests/calc.test.ts:18:9")).toEqual(["tests/calc.test.ts:18"]);
    expect(frames("AssertionError: expected 3 to be 4\n ❯ tests/calc.test.ts:8:25")).toEqual(["tests/calc.test.ts:8"]);
    expect(frames(" ❯ connect tests/helpers/db.ts:2:9\n ❯ tests/calc.test.ts:40:3")).toEqual([
      "tests/helpers/db.ts:2",
      "tests/calc.test.ts:40",
    ]);
    expect(frames("    calc_test.go:19: Add(1, 2) = 3, want 4")).toEqual(["calc_test.go:19"]);
    expect(frames("\t/tmp/x/calc/calc_test.go:55 +0x28")).toEqual(["/tmp/x/calc/calc_test.go:55"]);
    expect(frames("TestContext.<anonymous> (file:///tmp/p/math.test.mjs:7:14)")).toEqual(["file:///tmp/p/math.test.mjs:7"]);
  });

  test("Python tracebacks and pytest long reprs are innermost-last: the deepest frame comes first", () => {
    const tb = [
      "Traceback (most recent call last):",
      '  File "/repo/backend/tests/test_login.py", line 12, in test_login',
      "    login()",
      '  File "/repo/backend/app/auth.py", line 2, in login',
      "    raise ValueError('no')",
      "ValueError: no",
    ].join("\n");
    expect(parseFrames(tb).map((f) => `${f.path}:${f.line}`)).toEqual([
      "/repo/backend/app/auth.py:2",
      "/repo/backend/tests/test_login.py:12",
    ]);
    const pytest =
      "tests/test_calc.py:28: \n_ _ _\n/usr/lib/python3.11/asyncio/runners.py:190: in run\n    x\n\ntests/test_calc.py:24: ValueError";
    expect(parseFrames(pytest).map((f) => `${f.path}:${f.line}`)).toEqual([
      "tests/test_calc.py:24",
      "/usr/lib/python3.11/asyncio/runners.py:190",
      "tests/test_calc.py:28",
    ]);
  });

  test("Windows frames keep their drive letter", () => {
    expect(parseFrames("Error: x\n    at D:\\a\\app\\app\\tests\\x.test.ts:8:25").map((f) => `${f.path}:${f.line}`)).toEqual([
      "D:\\a\\app\\app\\tests\\x.test.ts:8",
    ]);
  });

  test("a stack printed inside a value (an escaped \\n in vitest's Received line) is not the failure's own frame", () => {
    // Shape seen on solidjs/solid@f47845f (packages/solid, vitest 3, a server render's serialized Error in the
    // received string); trimmed. The failure's own frame is vitest's ❯ line.
    const text = [
      "AssertionError: expected 'error boundary: boom<script>self.$R=s…' to contain 'content'",
      "",
      'Expected: "content"',
      'Received: "error boundary: boom<script>Object.assign(new Error(\\"boom\\"),{stack:\\"Error: boom\\n    at packages/solid/test/server/lazy.spec.ts:69:29\\n    at load (packages/solid/src/server/rendering.ts:563:24)\\n    at Object.get children [as children] (packages/solid/test/server/lazy.spec.ts:79:22)\\"});</script>"',
      "",
      " ❯ test/server/lazy.spec.ts:91:19",
    ].join("\n");
    expect(parseFrames(text).map((f) => `${f.path}:${f.line}`)).toEqual(["test/server/lazy.spec.ts:91"]);
    // With no frame of its own, a printed stack is still better than none.
    const only = 'Received: "Error: boom\\n    at tests/a.test.ts:7:3"';
    expect(parseFrames(only).map((f) => `${f.path}:${f.line}`)).toEqual(["tests/a.test.ts:7"]);
  });

  test("does not hang on adversarial megabyte-long lines (no catastrophic backtracking)", () => {
    const inputs = [
      "x".repeat(2_000_000),
      ` ${"a.".repeat(1_000_000)}`,
      "(".repeat(1_000_000),
      `    at ${"(".repeat(200_000)}${"a".repeat(200_000)}`,
      `File "${"a".repeat(1_000_000)}`,
    ];
    const started = performance.now();
    for (const text of inputs) {
      expect(parseFrames(text)).toEqual([]);
      splitMessage(text);
    }
    // A hang guard against catastrophic backtracking (minutes), not a speed target.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  test("ignores zero lines and text without frames", () => {
    expect(parseFrames("expected 3 to be 4 at 10:30 today")).toEqual([]);
    expect(parseFrames("file.ts:0:1")).toEqual([]);
    expect(parseFrames("")).toEqual([]);
  });
});

describe("resolveRepoPath", () => {
  test("maps CI, container, Windows and file:// paths to the file that exists (longest suffix)", () => {
    const map = (p: string, cwd?: string) => resolveRepoPath(p, index, { cwd });
    expect(map("/home/runner/work/app/app/tests/calc.test.ts")).toBe("tests/calc.test.ts");
    expect(map("D:\\a\\app\\app\\tests\\calc.test.ts")).toBe("tests/calc.test.ts");
    expect(map("/app/tests/helpers/db.ts")).toBe("tests/helpers/db.ts");
    expect(map("/workspace/backend/tests/test_login.py")).toBe("backend/tests/test_login.py");
    expect(map("file:///builds/team/app/src/calc.ts")).toBe("src/calc.ts");
    expect(map("file:///C:/Users/dev/app/src/calc.ts")).toBe("src/calc.ts");
    expect(map(`${repo.dir}/src/calc.ts`)).toBe("src/calc.ts");
  });

  test("resolves paths relative to the stack's cwd before the root", () => {
    expect(resolveRepoPath("src/app.spec.ts", index, { cwd: "web" })).toBe("web/src/app.spec.ts");
    expect(resolveRepoPath("tests/test_login.py", index, { cwd: "backend" })).toBe("backend/tests/test_login.py");
    expect(resolveRepoPath("./tests/calc.test.ts", index, { cwd: "." })).toBe("tests/calc.test.ts");
  });

  test("a bare file name matches only when unique or when a folder hint picks one", () => {
    expect(resolveRepoPath("calc.test.ts", index)).toBe("tests/calc.test.ts");
    expect(resolveRepoPath("handler_test.go", index)).toBeNull();
    expect(resolveRepoPath("handler_test.go", index, { nearDir: "pkg/b" })).toBe("pkg/b/handler_test.go");
    expect(resolveRepoDir("example.com/mod/pkg/a", index)).toBe("pkg/a");
  });

  test("never maps dependencies, runtimes or files that do not exist", () => {
    expect(resolveRepoPath("/repo/node_modules/lib/index.js", index)).toBeNull();
    expect(resolveRepoPath("node:internal/process/task_queues:95", index)).toBeNull();
    expect(resolveRepoPath("/usr/lib/python3/dist-packages/_pytest/python.py", index)).toBeNull();
    expect(resolveRepoPath("/home/runner/work/app/app/tests/gone.test.ts", index)).toBeNull();
  });
});

describe("locate", () => {
  test("an error inside a helper points at the test line that called it; the helper stays in the stack", () => {
    const stack = "Error: x\n    at connect (/ci/app/tests/helpers/db.ts:2:9)\n    at Object.<anonymous> (/ci/app/tests/calc.test.ts:5:3)";
    expect(locate({ file: "tests/calc.test.ts", line: 4, stack }, index)).toEqual({ file: "tests/calc.test.ts", line: 5 });
  });

  test("an error raised only above the test's own line (a beforeAll hook) is marked outside the test", () => {
    const hook = "Error: db\n    at Object.<anonymous> (/ci/app/tests/calc.test.ts:2:11)";
    expect(locate({ file: "tests/calc.test.ts", line: 5, stack: hook }, index)).toEqual({
      file: "tests/calc.test.ts",
      line: 2,
      outsideTest: true,
    });
    const sameFileHelper =
      "Error: x\n    at helper (/ci/app/tests/calc.test.ts:2:11)\n    at Object.<anonymous> (/ci/app/tests/calc.test.ts:6:3)";
    expect(locate({ file: "tests/calc.test.ts", line: 5, stack: sameFileHelper }, index)).toEqual({ file: "tests/calc.test.ts", line: 2 });
  });

  test("pytest: the failing line comes from the traceback, not the 0-based def line of the report", () => {
    // The JUnit parser turns pytest's 0-based def line 3 into 4 (the def); the statement is line 5 / 6.
    const stack = "def test_login():\n>       login()\n\nbackend/tests/test_login.py:5: \n_ _\nbackend/app/auth.py:2: ValueError";
    expect(locate({ file: "backend/tests/test_login.py", line: 4, stack }, index)).toEqual({
      file: "backend/tests/test_login.py",
      line: 5,
    });
    const own = "    assert False\nE   AssertionError\n\nbackend/tests/test_login.py:6: AssertionError";
    expect(locate({ file: "backend/tests/test_login.py", line: 4, stack: own }, index)).toEqual({
      file: "backend/tests/test_login.py",
      line: 6,
    });
  });

  test("skips runner and dependency frames; falls back to the test's own line, then to other repo files", () => {
    const runnerOnly = "Error: x\n    at /repo/node_modules/jest-circus/build/a.js:10:2\n    at node:internal/timers:5:1";
    expect(locate({ file: "tests/calc.test.ts", line: 3, stack: runnerOnly }, index)).toEqual({ file: "tests/calc.test.ts", line: 3 });
    const helperOnly = "Error: x\n    at connect (/x/tests/helpers/db.ts:2:9)";
    expect(locate({ stack: helperOnly }, index)).toEqual({ file: "tests/helpers/db.ts", line: 2 });
    expect(locate({ stack: "no frames here" }, index)).toEqual({ file: null, line: null });
    expect(locate({ file: "tests/calc.test.ts" }, index)).toEqual({ file: "tests/calc.test.ts", line: null });
  });

  test("without the test's file, a test-like file wins over source files", () => {
    const stack = "    at add (/ci/src/calc.ts:1:20)\n    at /ci/web/src/app.spec.ts:1:5";
    expect(locate({ stack }, index)).toEqual({ file: "web/src/app.spec.ts", line: 1 });
  });

  test("go: a package path picks the right one of several same-named test files", () => {
    expect(locate({ file: "example.com/mod/pkg/b", stack: "    handler_test.go:1: boom" }, index)).toEqual({
      file: "pkg/b/handler_test.go",
      line: 1,
    });
  });

  test("a module that fails to load without a line points at the line importing the missing name", () => {
    expect(lineOfMissingImport("error: Cannot find module '../src/calc' from '/x/tests/calc.test.ts'", index, "tests/calc.test.ts")).toBe(
      1,
    );
    expect(lineOfMissingImport("ModuleNotFoundError: No module named 'missing_thing'", index, "backend/tests/test_login.py")).toBe(1);
    expect(lineOfMissingImport("TypeError: nope", index, "tests/calc.test.ts")).toBeNull();
  });
});

describe("splitMessage", () => {
  test("keeps the lines before the first frame and drops jest's suite heading", () => {
    expect(splitMessage("Error: expect(received).toBe(expected)\n\nExpected: 4\nReceived: 3\n    at Object.toBe (x.js:7:25)").message).toBe(
      "Error: expect(received).toBe(expected)\n\nExpected: 4\nReceived: 3",
    );
    const suite =
      "  ● Test suite failed to run\n\n    Cannot find module './x' from 'a.test.js'\n\n    > 1 | require('./x')\n      at Object.require (a.test.js:1:1)";
    expect(splitMessage(suite)).toEqual({ message: "Cannot find module './x' from 'a.test.js'", stack: suite.trim() });
  });
});

describe("parseFrames: other dialects", () => {
  test(".NET `in path:line N`, JVM `at pkg.Class.method(File.java:N)` as a package path, PHPUnit and go panic lines", () => {
    const text = [
      "   at Calc.Calculator.Divide(Int32 a, Int32 b) in D:\\a\\calc\\calc\\Calc\\Calculator.cs:line 9",
      "\tat com.example.calc.CalculatorTest.addsBig(CalculatorTest.java:17)",
      "\tat app//com.acme.Outer$Inner.run(Outer.kt:5)",
      "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
      "/app/tests/CalculatorTest.php:19",
      "\t/tmp/xo/gofix/calc/calc_test.go:31 +0x28",
    ].join("\n");
    expect(parseFrames(text).map((f) => [f.path, f.line])).toEqual([
      ["D:\\a\\calc\\calc\\Calc\\Calculator.cs", 9],
      ["com/example/calc/CalculatorTest.java", 17],
      ["com/acme/Outer.kt", 5],
      ["jdk/internal/reflect/DirectMethodHandleAccessor.java", 103],
      ["/app/tests/CalculatorTest.php", 19],
      ["/tmp/xo/gofix/calc/calc_test.go", 31],
    ]);
  });
});

describe("frames of other dialects, on the committed reports (tests/fixtures/reports, origins in ORIGINS.md)", () => {
  let dialects: SampleRepo;
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `// ${i + 1}`).join("\n");
  const META = { repository: null, branch: null, commit: null, runUrl: null };
  beforeAll(() => {
    dialects = createSampleRepo(
      {
        // Maven: the test and the class it calls, plus a same-named test in another module and package.
        "src/test/java/com/example/calc/CalculatorTest.java": lines(40),
        "src/main/java/com/example/calc/Calculator.java": lines(20),
        "legacy/src/test/java/org/old/calc/CalculatorTest.java": lines(40),
        // PHPUnit (the report's paths are the container's /app).
        "tests/CalculatorTest.php": lines(40),
        "src/Calculator.php": lines(20),
        // .NET solution: xUnit, MSTest and NUnit test projects and the library.
        "Calc/Calculator.cs": lines(20),
        "Calc.Tests/CalculatorTests.cs": lines(40),
        "Calc.MsTests/DivisionTests.cs": lines(40),
        "Calc.NUnitTests/CalculatorTests.cs": lines(40),
        // go: the package gotestsum ran (the report's paths are the temp folder it ran in).
        "calc/calc.go": "package calc\n",
        "calc/calc_test.go": lines(40),
      },
      { nodeModules: false, git: false },
    );
    for (const f of ["surefire-rerun.xml", "phpunit.xml", "dotnet.trx", "nunit3.xml", "gotestsum.xml"])
      dialects.write({ [`reports/${f}`]: readFileSync(join(TOOLKIT_ROOT, "tests/fixtures/reports", f), "utf8") });
  });
  afterAll(() => dialects.cleanup());

  const places = async (report: string) => {
    const r = await collectFailures({ repoRoot: dialects.dir, reportPaths: [`reports/${report}`], meta: META });
    expect(r.reportErrors).toBeUndefined();
    return r.failures.map((f) => [f.fullName, f.file, f.line]);
  };

  test("Surefire: `at com.example.calc.CalculatorTest.addsBig(CalculatorTest.java:17)` by its package path", async () => {
    expect(await places("surefire-rerun.xml")).toEqual([
      ["com.example.calc.CalculatorTest.addsBig", "src/test/java/com/example/calc/CalculatorTest.java", 17],
      ["com.example.calc.CalculatorTest.divides", "src/test/java/com/example/calc/CalculatorTest.java", 23],
    ]);
  });

  test("PHPUnit: bare `/app/tests/CalculatorTest.php:19` lines", async () => {
    expect(await places("phpunit.xml")).toEqual([
      ["Tests\\CalculatorTest::testAddsBig", "tests/CalculatorTest.php", 19],
      ["Tests\\CalculatorTest::testDivides", "tests/CalculatorTest.php", 25],
      ["Tests\\CalculatorTest::testIsEven with data set #1", "tests/CalculatorTest.php", 33],
    ]);
  });

  test(".NET TRX: `in /home/runner/work/calc/calc/Calc.Tests/CalculatorTests.cs:line 17`, the test project's frame", async () => {
    expect(await places("dotnet.trx")).toEqual([
      // Divides: the library frame (Calc/Calculator.cs:9) comes first; the test project's frame is the place.
      ["Calc.MsTests.DivisionTests.Divides", "Calc.MsTests/DivisionTests.cs", 14],
      ["Calc.MsTests.DivisionTests.IsEven (3)", "Calc.MsTests/DivisionTests.cs", 22],
      ["Calc.Tests.CalculatorTests.AddsBig", "Calc.Tests/CalculatorTests.cs", 17],
    ]);
  });

  test("NUnit 3: the same `in …cs:line N` frames", async () => {
    expect(await places("nunit3.xml")).toEqual([
      ["Calc.NUnitTests.CalculatorTests.AddsBig", "Calc.NUnitTests/CalculatorTests.cs", 17],
      ["Calc.NUnitTests.CalculatorTests.Divides", "Calc.NUnitTests/CalculatorTests.cs", 23],
      ["Calc.NUnitTests.CalculatorTests.IsEven(3)", "Calc.NUnitTests/CalculatorTests.cs", 31],
      // A timeout: an empty <failure/>, no frame, no file in the report.
      ["Calc.NUnitTests.CalculatorTests.Slow", null, null],
    ]);
  });

  test("gotestsum: `calc_test.go:13:` lines and a panic's `\\t/tmp/xo/gofix/calc/calc_test.go:31 +0x28` frame", async () => {
    expect(await places("gotestsum.xml")).toEqual([
      ["TestAddBig", "calc/calc_test.go", 13],
      ["TestTable/two", "calc/calc_test.go", 21],
      ["TestPanic", "calc/calc_test.go", 31],
    ]);
  });
});

describe("declarationLine: a test's own line found by its name", () => {
  test("JS: under the describes of its full name, the nth of same-named tests, escaped titles", () => {
    const at = (name: string, nth = 1) => declarationLine(index, "tests/names.test.js", name, "vitest", nth);
    expect([at("adds"), at("adds", 2), at("Cart > adds"), at("Cart > totals > adds"), at('say "hi" > twice'), at("nope")]).toEqual([
      2,
      9,
      4,
      6,
      10,
      null,
    ]);
  });

  test("pytest: the def inside its classes, parameters ignored, past a decorator", () => {
    const at = (id: string) => declarationLine(index, "tests/test_cls.py", id, "pytest", 1);
    expect([at("tests/test_cls.py::test_a"), at("tests/test_cls.py::TestB::test_a[1-2]"), at("tests/test_cls.py::TestC::test_a")]).toEqual([
      4,
      10,
      null,
    ]);
  });

  test("locate: no frame in the test's file gives its declaration, never the source file of the frames", () => {
    const stack = "Error: deep\n    at sink (/home/runner/work/r/r/src/calc.ts:1:20)\n    at sink (/home/runner/work/r/r/src/calc.ts:1:20)";
    expect(locate({ file: "tests/names.test.js", fullName: "Cart > totals > adds", framework: "vitest", stack }, index)).toEqual({
      file: "tests/names.test.js",
      line: 6,
    });
  });
});

describe("long texts and CI paths", () => {
  test("a frame after a 300,000-character message line, or amid megabytes of output, is found", () => {
    const frame = "    at Object.<anonymous> (/ci/tests/calc.test.ts:5:3)";
    expect(parseFrames(`Error: ${"x".repeat(300_000)}\n${frame}`)[0]).toMatchObject({ path: "/ci/tests/calc.test.ts", line: 5 });
    const noise = "log line without a frame\n".repeat(40_000);
    expect(parseFrames(`Error: y\n${noise}${frame}\n${noise}`)[0]).toMatchObject({ path: "/ci/tests/calc.test.ts", line: 5 });
  });

  test("GitHub runner, container and Windows checkout paths and the local root become repo-relative", () => {
    const text = [
      "at f (/home/runner/work/app/app/src/a.js:1:2)",
      'File "/__w/app/app/tests/t.py", line 3',
      "at X in D:\\a\\app\\app\\src\\A.cs:line 4",
      "file:///repo/src/b.ts:3 /repo/x.js /repox/y.js /home/runner/work/app/other/z.js",
    ].join("\n");
    expect(relativizePaths(text, "/repo").split("\n")).toEqual([
      "at f (src/a.js:1:2)",
      'File "tests/t.py", line 3',
      "at X in src/A.cs:line 4",
      "src/b.ts:3 x.js /repox/y.js /home/runner/work/app/other/z.js",
    ]);
  });
});

describe("parseFrames reads a text line by line with the same result as over the whole text", () => {
  const frames = (text: string) => parseFrames(text).map((f) => `${f.path}:${f.line}`);

  test("a pytest frame after blank lines, CRLF and CR-only line ends, two frames on one line", () => {
    expect(frames("E   boom\n\n\n   tests/test_calc.py:24: ValueError")).toEqual(["tests/test_calc.py:24"]);
    expect(frames("Error: x\r\n    at f (tests/a.test.ts:3:4)\r\n    at g (tests/b.test.ts:5:6)\r\n")).toEqual([
      "tests/a.test.ts:3",
      "tests/b.test.ts:5",
    ]);
    expect(frames("Error: x\r    at f (tests/a.test.ts:3:4)\r    at g (tests/b.test.ts:5:6)")).toEqual([
      "tests/a.test.ts:3",
      "tests/b.test.ts:5",
    ]);
    expect(frames("x (a (tests/a.test.ts:1:2) (tests/b.test.ts:3:4))")).toEqual(["tests/a.test.ts:1", "tests/b.test.ts:3"]);
  });

  test("a frame line seen in an earlier text keeps its place (innermost first) in the next one", () => {
    expect(frames('  File "/r/a.py", line 3, in f\n  File "/r/b.py", line 4, in g')).toEqual(["/r/b.py:4", "/r/a.py:3"]);
    expect(frames('  File "/r/b.py", line 4, in g\n  File "/r/c.py", line 9, in h')).toEqual(["/r/c.py:9", "/r/b.py:4"]);
    expect(frames('Traceback:\n  File "/r/b.py", line 4, in g')).toEqual(["/r/b.py:4"]);
  });

  test("twelve frame lines alike but for one character, each in its own text, each give their own file", () => {
    const line = (c: string) => `    at fn (/r${c}/tests/calc_module_abcdefghij.test.ts:12:5)`;
    for (let round = 0; round < 2; round++)
      for (const c of "abcdefghijkl") expect(frames(`Error: x\n${line(c)}`)).toEqual([`/r${c}/tests/calc_module_abcdefghij.test.ts:12`]);
  });

  test("JVM and .NET frames broken across a line end are still found", () => {
    expect(frames("java.lang.AssertionError: x\n\tat\n com.acme.CalcTest.adds(CalcTest.java:17)")).toEqual(["com/acme/CalcTest.java:17"]);
    expect(frames("   at Calc.Tests.CalcTests.Adds()\nin /src/Calc.Tests/CalcTests.cs:line 17")).toEqual([
      "/src/Calc.Tests/CalcTests.cs:17",
    ]);
  });
});
