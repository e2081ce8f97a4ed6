// The tests' command line stays the user's under heal: for each runner a sample test writes its
// process.argv (sys.argv) to a file; run bare and under run-tests, the words after the runner's own path are
// equal (no reporter flag leaks in), and the report still gives the sample's failure by name, file and line.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

// Real runners and scripts on a shared 2-core machine.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** A tiny CLI parser as a CLI's own test calls it on process.argv: an unknown option is an error. */
const CLI_JS = [
  "exports.parse = (args) => {",
  "  // --runInBand is the project's own test command's flag; anything else is a typo.",
  '  const known = new Set(["--verbose", "--runInBand"]);',
  '  const unknown = args.filter((a) => a.startsWith("-") && !known.has(a));',
  '  if (unknown.length > 0) throw new Error(`unknown option: ${unknown.join(" ")}`);',
  '  return { verbose: args.includes("--verbose") };',
  "};",
  "",
].join("\n");

interface Case {
  runner: string;
  files: Record<string, string>;
  /** The stack as the config names it, run bare as it is. */
  command: string[];
  /** The file whose failing test is on the line marked FAILS-HERE. */
  testFile: string;
  fullName: string;
}

const nodeRecorder = 'require("node:fs").writeFileSync(process.env.ARGV_OUT, JSON.stringify(process.argv));';

const CASES: Case[] = [
  {
    runner: "bun",
    command: ["bun", "test"],
    testFile: "math.test.ts",
    fullName: "adds two numbers",
    files: {
      "package.json": '{"name":"m","private":true,"scripts":{"test":"bun test"}}\n',
      "math.test.ts": [
        'import { expect, test } from "bun:test";',
        `test("records argv", () => { ${nodeRecorder} });`,
        'test("adds two numbers", () => { expect(1 + 1).toBe(3); }); // FAILS-HERE',
        "",
      ].join("\n"),
    },
  },
  {
    runner: "vitest",
    command: ["node_modules/.bin/vitest", "run"],
    testFile: "math.test.js",
    fullName: "adds two numbers",
    files: {
      "package.json": '{"name":"m","private":true,"type":"module","scripts":{"test":"vitest run"}}\n',
      "math.test.js": [
        'import { expect, test } from "vitest";',
        'import { writeFileSync } from "node:fs";',
        'test("records argv", () => { writeFileSync(process.env.ARGV_OUT, JSON.stringify(process.argv)); });',
        'test("adds two numbers", () => { expect(1 + 1).toBe(3); }); // FAILS-HERE',
        "",
      ].join("\n"),
    },
  },
  {
    runner: "jest",
    command: ["node_modules/.bin/jest", "--runInBand"],
    testFile: "math.test.js",
    fullName: "adds two numbers",
    files: {
      "package.json": '{"name":"m","private":true,"scripts":{"test":"jest --runInBand"}}\n',
      "cli.js": CLI_JS,
      "cli.test.js": [
        'const { parse } = require("./cli.js");',
        `test("records argv", () => { ${nodeRecorder} });`,
        'test("parses its own command line", () => { expect(parse(process.argv.slice(2))).toEqual({ verbose: false }); });',
        "",
      ].join("\n"),
      "math.test.js": ['test("adds two numbers", () => { expect(1 + 1).toBe(3); }); // FAILS-HERE', ""].join("\n"),
    },
  },
  {
    runner: "node-test",
    command: ["node", "--test"],
    testFile: "test/math.test.js",
    fullName: "adds two numbers",
    files: {
      "package.json": '{"name":"m","private":true,"scripts":{"test":"node --test"}}\n',
      "test/math.test.js": [
        'const { test } = require("node:test");',
        'const assert = require("node:assert");',
        `test("records argv", () => { ${nodeRecorder} });`,
        'test("adds two numbers", () => { assert.strictEqual(1 + 1, 3); }); // FAILS-HERE',
        "",
      ].join("\n"),
    },
  },
  {
    runner: "pytest",
    command: ["/usr/bin/python3", "-m", "pytest"],
    testFile: "test_math.py",
    fullName: "test_math.py::test_adds_two_numbers",
    files: {
      "pytest.ini": "[pytest]\n",
      "test_math.py": [
        "import json, os, sys",
        "",
        "def test_records_argv():",
        '    open(os.environ["ARGV_OUT"], "w").write(json.dumps(sys.argv))',
        "",
        "def test_adds_two_numbers():",
        "    assert 1 + 1 == 3  # FAILS-HERE",
        "",
      ].join("\n"),
    },
  },
];

/** Our environment without GitHub or heal variables (local mode), and none of the user's own runner options. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k) || k === "CI" || k === "NODE_OPTIONS" || k === "PYTEST_ADDOPTS") continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(argv: string[], cwd: string, env: Record<string, string>) {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: "utf8", env, timeout: 110_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** The words after the runner's own path (the interpreter and its script, or the test file bun runs). */
const userWords = (argv: string[]) => argv.slice(2);

describe("clean argv: the tests see the user's command line, not heal's reporter flags", () => {
  for (const c of CASES) {
    test(`${c.runner}: ${c.command.join(" ")}`, () => {
      const repo = createSampleRepo({
        ...c.files,
        ".agent/heal/config.yaml": `stacks:\n  - id: ${c.runner}\n    framework: ${c.runner}\n    command: ${JSON.stringify(c.command)}\n`,
      });
      repos.push(repo);
      const argvFile = join(repo.dir, "argv.json");

      const bare = run(c.command, repo.dir, cleanEnv({ ARGV_OUT: argvFile }));
      expect({ code: bare.code, out: bare.out }).toMatchObject({ code: 1 });
      const bareArgv: string[] = JSON.parse(readFileSync(argvFile, "utf8"));
      rmSync(argvFile);

      const env = cleanEnv({ ARGV_OUT: argvFile, HEAL_REPO: repo.dir });
      const heal = run(["bun", join(TOOLKIT_ROOT, "scripts/run-tests.ts")], repo.dir, env);
      expect({ code: heal.code, out: heal.out }).toMatchObject({ code: 0 });
      const healArgv: string[] = JSON.parse(readFileSync(argvFile, "utf8"));
      expect(healArgv[0]).toBe(bareArgv[0]!);
      expect(userWords(healArgv)).toEqual(userWords(bareArgv));
      // No reporter option anywhere in what the tests see.
      expect(healArgv.filter((a) => /junit|json|outputFile|reporter|testLocation/i.test(a))).toEqual([]);

      const parsed = run(["bun", join(TOOLKIT_ROOT, "scripts/parse-failures.ts")], repo.dir, env);
      const report: FailureReport = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8"));
      expect({ code: parsed.code, failures: report.failures.map((f) => ({ fullName: f.fullName, file: f.file, line: f.line })) }).toEqual({
        code: 0,
        failures: [{ fullName: c.fullName, file: c.testFile, line: lineOf(c.files[c.testFile]!, "FAILS-HERE") }],
      });
    });
  }
});
