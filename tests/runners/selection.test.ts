// Each JavaScript and Python adapter selects tests for real: the task file's re-run command runs the one
// failing test (not its near-namesakes), and verification's targeted command runs just the previous failures.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import { type RunnableStack, runStack } from "../../lib/runners/index.ts";
import { rerunCommand } from "../../lib/task-context.ts";
import type { CaseStatus, FailureRecord, RunnerName } from "../../lib/types.ts";
import { targetedStack } from "../../lib/verify.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real runners on a shared 2-core machine.
setDefaultTimeout(180_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

const JS_SUITE = (imports: string) =>
  [
    imports,
    'describe("calc", () => {',
    '  test("adds", () => { expect(1 + 1).toBe(3); });',
    '  test("adds one", () => { expect(1 + 1).toBe(2); });',
    "});",
    'test("subtracts", () => { expect(2 - 1).toBe(0); });',
    "",
  ].join("\n");

interface Case {
  runner: RunnerName;
  files: Record<string, string>;
  nodeModules: boolean;
  command: string[];
  file: string;
  /** The failing test as failures.json names it, and the other failing one. */
  first: string;
  second: string;
  /** What the runner prints when exactly one test ran and failed. */
  onlyOne: RegExp;
}

const CASES: Case[] = [
  {
    runner: "bun",
    files: { "tests/calc.test.ts": JS_SUITE('import { describe, expect, test } from "bun:test";') },
    nodeModules: false,
    command: ["bun", "test"],
    file: "tests/calc.test.ts",
    first: "calc > adds",
    second: "subtracts",
    onlyOne: /^ 0 pass\n(?: \d+ filtered out\n)? 1 fail$/m,
  },
  {
    runner: "vitest",
    files: { "tests/calc.test.ts": JS_SUITE('import { describe, expect, test } from "vitest";') },
    nodeModules: true,
    command: ["node_modules/.bin/vitest", "run"],
    file: "tests/calc.test.ts",
    first: "calc > adds",
    second: "subtracts",
    onlyOne: /Tests\s+1 failed \| 2 skipped/,
  },
  {
    runner: "jest",
    files: { "package.json": '{"name":"calc","jest":{"testEnvironment":"node"}}\n', "tests/calc.test.js": JS_SUITE("") },
    nodeModules: true,
    command: ["node_modules/.bin/jest"],
    file: "tests/calc.test.js",
    first: "calc > adds",
    second: "subtracts",
    onlyOne: /Tests:\s+1 failed, 2 skipped, 3 total/,
  },
  {
    runner: "pytest",
    files: {
      "pytest.ini": "[pytest]\n",
      "tests/test_calc.py": [
        "class TestCalc:",
        "    def test_adds(self):",
        "        assert 1 + 1 == 3",
        "",
        "    def test_adds_one(self):",
        "        assert 1 + 1 == 2",
        "",
        "def test_subtracts():",
        "    assert 2 - 1 == 0",
        "",
      ].join("\n"),
    },
    nodeModules: false,
    command: ["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider"],
    file: "tests/test_calc.py",
    first: "tests/test_calc.py::TestCalc::test_adds",
    second: "tests/test_calc.py::test_subtracts",
    onlyOne: /^=+ 1 failed in /m,
  },
];

const failure = (c: Case, fullName: string): FailureRecord => ({
  id: "x",
  framework: c.runner,
  fullName,
  file: c.file,
  line: 1,
  message: "",
  stack: "",
  kind: "failure",
});

describe.each(CASES)("$runner", (c) => {
  test("the task file's re-run command runs the one failing test, not a test whose name starts the same", () => {
    const repo = createSampleRepo(c.files, { nodeModules: c.nodeModules, git: false });
    repos.push(repo);
    const stack: RunnableStack = { id: c.runner, framework: c.runner, cwd: ".", command: c.command };
    const cmd = rerunCommand(failure(c, c.first), stack, repo.dir)!;
    const r = spawnSync("sh", ["-c", cmd], { cwd: repo.dir, encoding: "utf8", env: { ...process.env, CI: "1", NO_COLOR: "1" } });
    expect(r.status).toBe(1);
    expect(`${r.stdout}\n${r.stderr}`).toMatch(c.onlyOne);
  });

  test("verification's targeted command runs the previous failures and nothing else", async () => {
    const repo = createSampleRepo(c.files, { nodeModules: c.nodeModules, git: false });
    repos.push(repo);
    const stack: RunnableStack = { id: c.runner, framework: c.runner, cwd: ".", command: c.command };
    const previous = [c.first, c.second].map((fullName) => ({ id: "x", framework: c.runner, fullName, file: c.file, line: 1 }));
    const targeted = targetedStack(stack, previous);
    expect(targeted.id).toBe(`${c.runner}-targeted`);
    const run = await runStack(targeted, { repoRoot: repo.dir, rawDir: ".agent/reports/raw", echo: () => {} });
    expect(run.exitCode).toBe(1);
    const ran: [string, CaseStatus][] = [];
    await parseReport(join(repo.dir, run.reports[0]!), (t) => void (t.status !== "skipped" && ran.push([t.fullName, t.status])));
    expect(ran.map(([name, status]) => [name.replace(/^.*test_calc\.py::/, "tests/test_calc.py::"), status]).sort()).toEqual(
      [
        [c.first, "failed"],
        [c.second, "failed"],
      ].sort(),
    );
  });
});
