// lib/verify.ts: the pure rules of verification: which issue a run names, which task file is believed,
// how the targeted re-run narrows each runner, and the verdict over what the runs report.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunnableStack } from "../lib/detect.ts";
import { markerData } from "../lib/marker.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import type { RunsFile } from "../lib/types.ts";
import {
  blockedByEnvironment,
  collectCaseResults,
  judge,
  linkedIssue,
  matchesMarker,
  parseTaskFailures,
  stackFor,
  targetedStack,
  verdictContext,
  type CaseResult,
  type PreviousTest,
} from "../lib/verify.ts";
import { wellFormed } from "./github/fixtures.ts";
import { createSampleRepo } from "./support/sample-repo.ts";

const prev = (fullName: string, over: Partial<PreviousTest> = {}): PreviousTest => ({
  id: "aaaaaaaaaaaa",
  framework: "bun",
  fullName,
  file: "tests/calc.test.ts",
  line: 6,
  ...over,
});
const seen = (fullName: string, status: CaseResult["status"], over: Partial<CaseResult> = {}): CaseResult => ({
  framework: "bun",
  fullName,
  file: "tests/calc.test.ts",
  status,
  message: status === "failed" ? "expected 5, received -1" : "",
  ...over,
});

describe("linkedIssue", () => {
  const base = { branchPrefix: "claude/issue-", eventName: "push", event: null, forkPullRequest: false };
  test("the agent branch names the issue", () => {
    expect(linkedIssue({ ...base, branch: "claude/issue-12-20260101-1200" })).toEqual({ number: 12, source: "branch" });
    expect(linkedIssue({ ...base, branch: "claude/issue-7" })).toEqual({ number: 7, source: "branch" });
    expect(linkedIssue({ ...base, branch: "claude/issue-7x" })).toBeNull();
    expect(linkedIssue({ ...base, branch: "claude/pr-7-x" })).toBeNull();
  });
  test("closing keywords count only in a trusted, non-fork pull request", () => {
    const pr = (body: string, author_association = "MEMBER") => ({ pull_request: { body, author_association } });
    const run = (event: object, forkPullRequest = false) =>
      linkedIssue({ ...base, branch: "fix-add", eventName: "pull_request", event: event as Record<string, unknown>, forkPullRequest });
    expect(run(pr("This fixes #3 for good"))).toEqual({ number: 3, source: "pull-request-body" });
    expect(run(pr("Closes: #4"))).toEqual({ number: 4, source: "pull-request-body" });
    expect(run(pr("Resolved #5", "OWNER"))).toEqual({ number: 5, source: "pull-request-body" });
    expect(run(pr("see #3"))).toBeNull();
    expect(run(pr("Fixes #3", "CONTRIBUTOR"))).toBeNull();
    expect(run(pr("Fixes #3", "NONE"))).toBeNull();
    expect(run(pr("Fixes #3"), true)).toBeNull();
  });
});

describe("task files", () => {
  const text = `id: fix-x\nauto_generated: true\nbranch: dev\ntest_failures:\n  - id: aaaaaaaaaaaa\n    test: "calc > a: b #c"\n    framework: bun\n    file: tests/calc.test.ts\n    line: 6\n  - id: bbbbbbbbbbbb\n    test: runner crashed\n    framework: runner\n    file: null\n    line: null\n`;
  test("parse the failures with the names exactly as written", () => {
    expect(parseTaskFailures(text, ".agent/tasks/fix-x.yaml")).toEqual({
      path: ".agent/tasks/fix-x.yaml",
      branch: "dev",
      tests: [
        { id: "aaaaaaaaaaaa", framework: "bun", fullName: "calc > a: b #c", file: "tests/calc.test.ts", line: 6 },
        { id: "bbbbbbbbbbbb", framework: "runner", fullName: "runner crashed", file: null, line: null },
      ],
    });
  });
  test("a hand-written or broken file is not a task file", () => {
    expect(parseTaskFailures(text.replace("auto_generated: true", "auto_generated: false"), "x")).toBeNull();
    expect(parseTaskFailures("test_failures: [", "x")).toBeNull();
    expect(parseTaskFailures("auto_generated: true\ntest_failures:\n  - test: no id\n", "x")).toBeNull();
    expect(parseTaskFailures("a: &a [*a]\n", "x")).toBeNull();
  });
  test("is believed only when its ids are exactly the trusted marker's", () => {
    const task = parseTaskFailures(text, "x")!;
    expect(matchesMarker(task, markerData({ kind: "healing", branch: "dev", fingerprints: ["bbbbbbbbbbbb", "aaaaaaaaaaaa"] }))).toBe(true);
    expect(matchesMarker(task, markerData({ kind: "healing", branch: "dev", fingerprints: ["aaaaaaaaaaaa"] }))).toBe(false);
    expect(matchesMarker(task, markerData({ kind: "healing", branch: "dev", fingerprints: ["aaaaaaaaaaaa", "cccccccccccc"] }))).toBe(false);
  });
});

describe("targetedStack", () => {
  const stack = (framework: RunnableStack["framework"], command: string[], cwd = "."): RunnableStack => ({
    id: framework,
    framework,
    cwd,
    command,
  });
  const tests = [prev("calc > adds two numbers"), prev("calc > adds (a+b)*2", { file: "tests/more.test.ts" })];
  test("bun, vitest and jest: the files and one anchored -t pattern of the exact names", () => {
    expect(targetedStack(stack("bun", ["bun", "test"]), tests).command).toEqual([
      "bun",
      "test",
      "./tests/calc.test.ts",
      "./tests/more.test.ts",
      "-t",
      "^(?:calc adds two numbers|calc adds \\(a\\+b\\)\\*2)$",
    ]);
    expect(
      targetedStack(stack("vitest", ["npx", "vitest", "run"], "web"), [
        prev("ui > renders", { framework: "vitest", file: "web/src/ui.test.ts" }),
      ]).command,
    ).toEqual(["npx", "vitest", "run", "src/ui.test.ts", "-t", "^(?:ui renders)$"]);
    expect(targetedStack(stack("jest", ["npx", "jest"]), [prev("a > b", { framework: "jest" })]).id).toBe("jest-targeted");
  });
  test("pytest: node ids; terraform and configured report commands: the whole stack", () => {
    const py = [prev("tests/test_login.py::TestLogin::test_jwt[case]", { framework: "pytest", file: "backend/tests/test_login.py" })];
    expect(targetedStack(stack("pytest", ["python3", "-m", "pytest"], "backend"), py).command).toEqual([
      "python3",
      "-m",
      "pytest",
      "tests/test_login.py::TestLogin::test_jwt[case]",
    ]);
    const collection = [prev("tests/test_x.py::tests.test_x", { framework: "pytest", file: "backend/tests/test_x.py" })];
    expect(targetedStack(stack("pytest", ["python3", "-m", "pytest"], "backend"), collection).command).toEqual([
      "python3",
      "-m",
      "pytest",
      "tests/test_x.py",
    ]);
    const tf = stack("terraform", ["terraform", "validate"]);
    expect(targetedStack(tf, [prev("main.tf: bad", { framework: "terraform" })])).toBe(tf);
    const own = { ...stack("bun", ["bun", "test"]), report: "out.xml" };
    expect(targetedStack(own, tests)).toBe(own);
  });
  test("stackFor: the same runner in the deepest folder holding the file", () => {
    const stacks = [stack("pytest", ["pytest"]), { ...stack("pytest", ["pytest"], "backend"), id: "pytest-backend" }];
    expect(stackFor(prev("x", { framework: "pytest", file: "backend/tests/test_a.py" }), stacks)!.id).toBe("pytest-backend");
    expect(stackFor(prev("x", { framework: "pytest", file: "tests/test_a.py" }), stacks)!.id).toBe("pytest");
    expect(stackFor(prev("x", { framework: "vitest" }), stacks)).toBeUndefined();
  });
});

describe("judge", () => {
  const before = [prev("calc > adds two numbers")];
  test("healed: the test ran and passed, nothing else fails, every run reported", () => {
    const v = judge(before, { cases: [seen("calc > adds two numbers", "passed"), seen("calc > adds zero", "passed")], problems: [] });
    expect(v.healed).toBe(true);
    expect(v.outcomes.map((o) => o.status)).toEqual(["passed"]);
    expect(v.summary).toEqual({ total: 2, passed: 2, failed: 0, skipped: 0 });
  });
  test("deleted, renamed, moved to another file, or skipped: not healed", () => {
    const only = (c: CaseResult[]) => judge(before, { cases: c, problems: [] });
    expect(only([seen("calc > adds zero", "passed")]).outcomes[0]!.status).toBe("missing");
    expect(only([seen("calc > adds numbers", "passed")]).outcomes[0]!.status).toBe("missing");
    expect(only([seen("calc > adds two numbers", "passed", { file: "tests/other.test.ts" })]).outcomes[0]!.status).toBe("missing");
    expect(only([seen("calc > adds two numbers", "passed", { framework: "vitest" })]).outcomes[0]!.status).toBe("missing");
    const skipped = only([seen("calc > adds two numbers", "skipped")]);
    expect(skipped.outcomes[0]!.status).toBe("skipped");
    expect(skipped.healed).toBe(false);
  });
  test("a failure in any shard or retry wins; a new failure elsewhere or a run without report fails too", () => {
    const flaky = judge(before, {
      cases: [seen("calc > adds two numbers", "passed"), seen("calc > adds two numbers", "failed")],
      problems: [],
    });
    expect(flaky.outcomes[0]).toMatchObject({ status: "failed", message: "expected 5, received -1" });
    const other = judge(before, {
      cases: [seen("calc > adds two numbers", "passed"), seen("calc > subtracts", "error"), seen("calc > subtracts", "error")],
      problems: [],
    });
    expect(other.healed).toBe(false);
    expect(other.newFailures.map((c) => c.fullName)).toEqual(["calc > subtracts"]);
    const crash = judge(before, {
      cases: [seen("calc > adds two numbers", "passed")],
      problems: ["pytest: `pytest` wrote no report (exit 4)"],
    });
    expect(crash.healed).toBe(false);
  });
  test("a runner that crashed before is healed once every run writes a report", () => {
    const runner = [prev("bun: the runner crashed", { framework: "runner", file: null })];
    expect(judge(runner, { cases: [seen("a", "passed")], problems: [] }).healed).toBe(true);
    expect(judge(runner, { cases: [], problems: ["bun: `bun test` wrote no report (exit 1)"] }).outcomes[0]).toMatchObject({
      status: "failed",
    });
  });
  test("nothing to verify is never healed", () => {
    expect(judge([], { cases: [seen("a", "passed")], problems: [] }).healed).toBe(false);
  });
});

describe("verdictContext", () => {
  test("untrusted names and messages are neutralised before a template sees them", () => {
    const v = judge([prev("@claude <!-- x --> fixes #1")], {
      cases: [
        seen("@claude <!-- x --> fixes #1", "failed", {
          message: "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked ``` @org/team @claude",
        }),
      ],
      problems: [],
    });
    const ctx = verdictContext(v, false);
    const item = ctx.still_failing[0]!;
    expect(item.name).not.toContain("@claude");
    expect(item.name).not.toContain("<!--");
    expect(item.message).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    // Code shows a mention as printed (GitHub notifies nobody from code), but never the agent's trigger.
    expect(item.message).toContain("@org/team");
    expect(item.message).not.toContain("@claude");
    expect(item.message).toStartWith("````");
    expect(ctx.suite_ran).toBe(false);
  });
});

describe("verdictContext: long messages", () => {
  test("cut to 1,500 bytes on a character boundary: no half emoji, no half-masked token, a `(cut)` note", () => {
    const token = `ghp_${"a1B2".repeat(9)}`;
    const cases = [
      seen("emoji", "failed", { message: `${"e".repeat(1499)}😀😀😀 and more` }),
      seen("token", "failed", { message: `${"t".repeat(1490)}${token} tail` }),
    ];
    const ctx = verdictContext(judge([prev("emoji"), prev("token")], { cases, problems: [] }), false);
    const [emoji, masked] = ctx.still_failing.map((i) => i.message);
    for (const m of [emoji!, masked!]) {
      expect(wellFormed(m)).toBe(true);
      expect(Buffer.byteLength(m)).toBeLessThan(1600);
      expect(m).toEndWith("… (cut)\n```");
      expect(m).not.toContain("[REDACTED");
    }
    expect(emoji).toStartWith(`\`\`\`\n${"e".repeat(1400)}`);
    expect(masked).not.toContain("ghp_");
  });
});

describe("collectCaseResults", () => {
  test("reads every report of the runs with the stack's framework, and names runs that wrote none", async () => {
    const root = mkdtempSync(join(tmpdir(), "heal-verify-"));
    try {
      writeFileSync(join(root, "calc.test.ts"), "test\n");
      writeFileSync(
        join(root, "bun.xml"),
        `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="calc.test.ts" file="calc.test.ts" tests="2"><testcase name="adds" classname="calc" file="calc.test.ts" line="3"/><testcase name="skips" classname="calc" file="calc.test.ts" line="5"><skipped/></testcase></testsuite></testsuites>\n`,
      );
      const stack = (id: string) => ({ id, framework: "bun" as const, cwd: ".", command: ["bun", "test"] });
      const r = await collectCaseResults(root, {
        schemaVersion: 1,
        runs: [
          { stack: stack("bun"), argv: ["bun", "test"], exitCode: 0, signal: null, durationMs: 1, reports: ["bun.xml"], outputTail: "" },
          { stack: stack("bun-web"), argv: ["bun", "test", "--x"], exitCode: 1, signal: null, durationMs: 1, reports: [], outputTail: "" },
        ],
      });
      expect(r.cases).toEqual([
        { framework: "bun", fullName: "calc > adds", file: "calc.test.ts", status: "passed", message: "" },
        { framework: "bun", fullName: "calc > skips", file: "calc.test.ts", status: "skipped", message: "" },
      ]);
      // A run that wrote no report never ran its tests: a set-up problem, not the agent's (lib/environment.ts).
      expect(r.problems).toEqual([]);
      expect(r.environment).toEqual([
        "bun-web: bun test --x exited 1 and wrote no report, so no test ran: read its output below (a missing plugin, a broken config, an unsupported runner version)",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a real vitest file that holds no test is a set-up problem: the fixed test passes, nothing is new, the verdict waits on set-up", async () => {
    const repo = createSampleRepo(
      {
        "package.json": JSON.stringify({ name: "routes", type: "module", scripts: { test: "vitest run" } }),
        "src/cases.spec.js": "export const CASES = [1, 2];\n",
        "src/match.test.js": 'import { test, expect } from "vitest";\ntest("matches /a", () => expect("/a").toBe("/a"));\n',
      },
      { git: false },
    );
    try {
      const r = spawnSync(join(repo.dir, "node_modules/.bin/vitest"), ["run", "--reporter=junit", "--outputFile=vitest.xml"], {
        cwd: repo.dir,
        encoding: "utf8",
      });
      expect(r.status).toBe(1);
      const stack = { id: "vitest", framework: "vitest" as const, cwd: ".", command: ["vitest", "run"] };
      const results = await collectCaseResults(repo.dir, {
        schemaVersion: 1,
        runs: [{ stack, argv: ["vitest", "run"], exitCode: 1, signal: null, durationMs: 1, reports: ["vitest.xml"], outputTail: "" }],
      });
      expect(results.cases.map((c) => [c.fullName, c.status])).toEqual([["matches /a", "passed"]]);
      expect(results.environment).toEqual(["vitest: src/cases.spec.js holds no test (vitest fails such a file)"]);
      const verdict = judge([prev("matches /a", { framework: "vitest", file: "src/match.test.js", line: 2 })], results);
      // Never healed while the run is red, and never the agent's failed attempt either.
      expect({ healed: verdict.healed, newFailures: verdict.newFailures, blocked: blockedByEnvironment(verdict) }).toEqual({
        healed: false,
        newFailures: [],
        blocked: true,
      });
    } finally {
      repo.cleanup();
    }
  });

  describe("pytest modules that could not load, judged after a fix (real pytest)", () => {
    const pytestRun = async (dir: string) => {
      const r = spawnSync(
        "/usr/bin/python3",
        ["-m", "pytest", "--junitxml=pytest.xml", "-o", "junit_family=xunit1", "-p", "no:cacheprovider"],
        {
          cwd: dir,
          encoding: "utf8",
        },
      );
      const stack = { id: "pytest", framework: "pytest" as const, cwd: ".", command: ["python3", "-m", "pytest"] };
      return collectCaseResults(dir, {
        schemaVersion: 1,
        runs: [
          {
            stack,
            argv: ["python3", "-m", "pytest"],
            exitCode: r.status,
            signal: null,
            durationMs: 1,
            reports: ["pytest.xml"],
            outputTail: "",
          },
        ],
      });
    };
    const broken = (file: string, line: number) => prev(file, { framework: "pytest", file, line });

    test("a broken conftest.py is named by its file and line; fixed, it is healed; still broken, it is not", async () => {
      const repo = createSampleRepo(
        {
          "tests/sub/conftest.py": 'import os\nBASE = os.path.joinn("a", "b")\n',
          "tests/sub/test_sub.py": "def test_sub():\n    assert True\n",
        },
        { git: false, nodeModules: false },
      );
      try {
        const before = await pytestRun(repo.dir);
        // pytest writes name="" and file="" for it: the traceback's innermost repository module names it.
        expect(before.cases.map((c) => [c.fullName, c.file, c.status, c.message])).toEqual([
          ["tests/sub/conftest.py", "tests/sub/conftest.py", "error", "AttributeError: module 'posixpath' has no attribute 'joinn'"],
        ]);
        expect(judge([broken("tests/sub/conftest.py", 2)], before).healed).toBe(false);
        repo.write({ "tests/sub/conftest.py": 'import os\nBASE = os.path.join("a", "b")\n' });
        const after = await pytestRun(repo.dir);
        expect(after.cases.map((c) => [c.fullName, c.status])).toEqual([["tests/sub/test_sub.py::test_sub", "passed"]]);
        expect(judge([broken("tests/sub/conftest.py", 2)], after)).toMatchObject({ healed: true, newFailures: [] });
      } finally {
        repo.cleanup();
      }
    });

    test("a test module that could not import is healed when its tests run and pass, not when it is deleted", async () => {
      const repo = createSampleRepo(
        {
          "src/calc.py": "def add(a, b):\n    return a + b\n",
          "tests/test_max-min.py": "from src.calc import addd\n\n\ndef test_add():\n    assert addd(1, 2) == 3\n",
          "tests/test_other.py": "def test_other():\n    assert True\n",
        },
        { git: false, nodeModules: false },
      );
      try {
        const before = await pytestRun(repo.dir);
        // The hyphen stays in the file's dotted name: the record is named by the file alone.
        expect(before.cases.map((c) => [c.fullName, c.file, c.status])).toEqual([
          ["tests/test_max-min.py", "tests/test_max-min.py", "error"],
        ]);
        const previous = [broken("tests/test_max-min.py", 1)];
        repo.write({ "tests/test_max-min.py": "from src.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n" });
        const fixed = await pytestRun(repo.dir);
        expect(judge(previous, fixed)).toMatchObject({ healed: true, newFailures: [] });
        rmSync(join(repo.dir, "tests/test_max-min.py"));
        const deleted = await pytestRun(repo.dir);
        const verdict = judge(previous, deleted);
        expect({ healed: verdict.healed, status: verdict.outcomes[0]!.status }).toEqual({ healed: false, status: "missing" });
      } finally {
        repo.cleanup();
      }
    });
  });

  test("a fix whose run still exits 1 with every test passing (jest's coverage threshold) is not healed (real jest)", async () => {
    const repo = createSampleRepo(
      {
        "package.json": JSON.stringify({
          name: "calc",
          scripts: { test: "jest" },
          jest: { collectCoverage: true, coverageThreshold: { global: { lines: 100 } } },
        }),
        "src/calc.js": "exports.add = (a, b) => a + b;\nexports.unused = (a) => {\n  return a * 2;\n};\n",
        "test/calc.test.js": 'const { add } = require("../src/calc");\ntest("adds", () => expect(add(1, 2)).toBe(3));\n',
      },
      { git: false },
    );
    try {
      const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/run-tests.ts")], {
        cwd: repo.dir,
        encoding: "utf8",
        env: { ...process.env, HEAL_REPO: repo.dir },
      });
      expect(r.status).toBe(0);
      const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
      expect(runs.runs.map((x) => x.exitCode)).toEqual([1]);
      const results = await collectCaseResults(repo.dir, runs);
      expect(results.cases.map((c) => [c.fullName, c.status])).toEqual([["adds", "passed"]]);
      expect(results.problems).toEqual(["jest: `npm run test --` exited 1, but its report lists no failing test: read its output"]);
      const verdict = judge([prev("adds", { framework: "jest", file: "test/calc.test.js", line: 2 })], results);
      // The test passes, yet the run is red: never healed.
      expect({ healed: verdict.healed, outcome: verdict.outcomes[0]!.status }).toEqual({ healed: false, outcome: "passed" });
      // The run's own record ("jest (runner exited 1)") is judged by the runs, whatever its framework.
      expect(judge([prev("jest (runner exited 1)", { framework: "jest", file: null, line: null })], results).outcomes[0]!.status).toBe(
        "failed",
      );
      // The threshold met: the run exits 0, and both records are healed.
      repo.write({
        "package.json": JSON.stringify({
          name: "calc",
          scripts: { test: "jest" },
          jest: { collectCoverage: true, coverageThreshold: { global: { lines: 50 } } },
        }),
      });
      spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/run-tests.ts")], {
        cwd: repo.dir,
        env: { ...process.env, HEAL_REPO: repo.dir },
      });
      const green = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
      expect(green.runs.map((x) => x.exitCode)).toEqual([0]);
      const previous = [
        prev("adds", { framework: "jest", file: "test/calc.test.js", line: 2 }),
        prev("jest (runner exited 1)", { framework: "jest", file: null, line: null }),
      ];
      expect(judge(previous, await collectCaseResults(repo.dir, green)).healed).toBe(true);
    } finally {
      repo.cleanup();
    }
  });
});
