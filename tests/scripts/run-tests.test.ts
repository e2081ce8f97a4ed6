// Black-box: `bun scripts/run-tests.ts` run inside sample repositories, as `task heal:run-tests` runs it.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// These tests start real runners and scripts; a loaded CI machine needs more than bun's 5 s default.
setDefaultTimeout(60_000);

const SCRIPT = join(TOOLKIT_ROOT, "scripts/run-tests.ts");
const repos: SampleRepo[] = [];
function sample(files: Record<string, string>, nodeModules = false): SampleRepo {
  const r = createSampleRepo(files, { nodeModules });
  repos.push(r);
  return r;
}
afterAll(() => repos.forEach((r) => r.cleanup()));

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: "utf8", env: { ...process.env, HEAL_REPO: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The runs.json run-tests wrote. */
const readRuns = (dir: string) => JSON.parse(readFileSync(join(dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;

/** The real parse-failures step after run-tests, in local mode: the failures.json it wrote (exit 0 asserted). */
function parseFailures(dir: string): FailureReport {
  const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/parse-failures.ts")], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, HEAL_REPO: dir, GITHUB_TOKEN: "", GH_TOKEN: "" },
  });
  expect({ code: r.status, err: r.status === 0 ? "" : r.stderr }).toEqual({ code: 0, err: "" });
  return JSON.parse(readFileSync(join(dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
}

describe("scripts/run-tests.ts", () => {
  test("no stack found: exit 2 with one line saying what to add", () => {
    const r = run(sample({ "README.md": "# docs only\n" }).dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("no test stack found: add one under `stacks:` in .agent/heal/config.yaml");
  });

  test("a config typo: exit 2 naming the file, line and field", () => {
    const r = run(sample({ ".agent/heal/config.yaml": "stacks:\n  - framework: bun\n    comand: bun test\n" }).dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.agent/heal/config.yaml: line 3: unknown field "stacks[0].comand" (did you mean "command"?)');
  });

  test("failing tests are not this step's error: exit 0, runs.json records the run and its report", () => {
    const repo = sample({
      "package.json": '{"name":"s","scripts":{"test":"bun test"}}',
      "tests/a.test.ts": 'import { test, expect } from "bun:test";\ntest("fails", () => { expect(1).toBe(2); });\n',
    });
    repo.write({ ".agent/reports/raw/old-stack.xml": "<testsuites/>", ".agent/reports/raw/notes/keep.txt": "mine" });
    const r = run(repo.dir);
    expect(existsSync(join(repo.dir, ".agent/reports/raw/old-stack.xml"))).toBe(false); // an earlier run's report
    expect(existsSync(join(repo.dir, ".agent/reports/raw/notes/keep.txt"))).toBe(true); // folders are never removed
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("(fail) fails"); // the runner's own output streams through
    expect(r.stderr).toMatch(/bun: exit 1 in \d+\.\ds, \.agent\/reports\/raw\/bun\.xml/);
    const runs = readRuns(repo.dir);
    expect(runs.schemaVersion).toBe(1);
    expect(runs.runs.length).toBe(1);
    const [one] = runs.runs;
    expect(one!.stack).toEqual({
      id: "bun",
      framework: "bun",
      cwd: ".",
      command: ["npm", "run", "test", "--"],
      script: { manager: "npm", runner: "bun" },
    });
    expect(one!.exitCode).toBe(1);
    expect(one!.reports).toEqual([".agent/reports/raw/bun.xml", ".agent/reports/raw/bun.console.txt"]);
    expect(one!.outputTail).toContain("1 fail");
    expect(existsSync(join(repo.dir, ".agent/reports/raw/bun.xml"))).toBe(true);
  });

  test("pytest: a module that cannot be imported does not hide the other modules' failures (real pytest)", () => {
    const repo = sample({
      "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      "src/calc.py": "def add(a, b):\n    return a - b\n",
      // A typo in an import of the repository's own module: pytest's default would stop here and run nothing.
      "tests/test_a_import.py": "from src.calc import addd\n\n\ndef test_addd():\n    assert addd(1, 2) == 3\n",
      "tests/test_b_calc.py":
        "from src.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
    });
    expect(run(repo.dir).code).toBe(0);
    const report = parseFailures(repo.dir);
    expect(report.failures.map((f) => [f.kind, f.fullName, f.file, f.line])).toEqual([
      ["error", "tests/test_a_import.py", "tests/test_a_import.py", 1],
      ["failure", "tests/test_b_calc.py::test_add", "tests/test_b_calc.py", 5],
    ]);
    expect(report.summary).toMatchObject({ total: 3, passed: 1, failed: 1, errors: 1 });
  });

  test("pytest past the timeout: Ctrl-C first, so the finished tests' failures are kept and the hung test is named (real pytest)", () => {
    const repo = sample({
      ".agent/heal/config.yaml": "runner:\n  timeout_minutes: 0.05\n",
      "tests/test_h.py":
        "import time\n\n\ndef test_aa_fails():\n    assert 1 == 2\n\n\ndef test_bb_ok():\n    pass\n\n\ndef test_zz_hang():\n    time.sleep(120)\n",
    });
    expect(run(repo.dir).code).toBe(0);
    const runs = readRuns(repo.dir);
    expect(runs.runs.map((r) => [r.signal, r.exitCode, r.reports])).toEqual([["SIGINT", null, [".agent/reports/raw/pytest.xml"]]]);
    const report = parseFailures(repo.dir);
    expect(report.failures.map((f) => [f.kind, f.fullName, f.file, f.line])).toEqual([
      ["failure", "tests/test_h.py::test_aa_fails", "tests/test_h.py", 5],
      ["error", "pytest (runner killed by SIGINT)", "tests/test_h.py", 13],
    ]);
    expect(report.failures[1]!.message).toEndWith(
      "killed by SIGINT and was stopped before it finished: its report holds the tests that finished",
    );
    // The interrupted test is not counted as passed: 1 passed, the failure, the stopped run.
    expect(report.summary).toMatchObject({ total: 3, passed: 1, failed: 1, errors: 1 });
  });

  test("jest run twice by one test script (as iamkun/dayjs runs it per time zone): each run's report is kept, none overwrites another", () => {
    // `;` makes the script's exit code the last jest's: with one report file the first run's failure was lost, and green.
    const repo = sample(
      {
        "package.json": JSON.stringify({
          name: "tz",
          scripts: { "test-tz": "jest test/tz", test: "TZ=UTC npm run test-tz; jest test/core" },
        }),
        "test/tz.test.js": 'test("tz offset", () => expect(new Date(0).getTimezoneOffset()).toBe(60));\n',
        "test/core.test.js": 'test("core", () => expect(1).toBe(1));\n',
      },
      true,
    );
    expect(run(repo.dir).code).toBe(0);
    const runs = readRuns(repo.dir);
    expect(runs.runs.map((r) => [r.exitCode, r.reports])).toEqual([
      [0, [".agent/reports/raw/jest.json", ".agent/reports/raw/jest.2.json"]],
    ]);
    const report = parseFailures(repo.dir);
    expect(report.failures.map((f) => [f.fullName, f.file, f.line])).toEqual([["tz offset", "test/tz.test.js", 1]]);
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1 });
  });

  test("jest 22 (no @jest/core: iamkun/dayjs pins it) writes its report too: the failure named, the passing test counted", () => {
    const repo = sample({
      "package.json": JSON.stringify({
        name: "dates",
        scripts: { test: "jest" },
        jest: { testEnvironment: "node" },
        devDependencies: { jest: "22.4.4" },
      }),
      "test/dates.test.js":
        'describe("dates", () => {\n  test("parses", () => expect(1 + 1).toBe(2));\n  test("formats", () => expect("a").toBe("b"));\n});\n',
    });
    // The toolkit's own copy of jest 22 (package.json: "jest22": "npm:jest@22.4.4"), as the repository's jest.
    mkdirSync(join(repo.dir, "node_modules/.bin"), { recursive: true });
    symlinkSync(join(TOOLKIT_ROOT, "node_modules/jest22/bin/jest.js"), join(repo.dir, "node_modules/.bin/jest"));
    expect(run(repo.dir).code).toBe(0);
    const report = parseFailures(repo.dir);
    expect(report.failures.map((f) => [f.kind, f.fullName, f.file, f.line])).toEqual([
      ["failure", "dates > formats", "test/dates.test.js", 3],
    ]);
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1, errors: 0 });
    // The tests' own argv never holds the report options.
    expect(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")).not.toContain("--outputFile");
  });

  test("--list prints the stacks as JSON and runs nothing; --only with an unknown id is a usage error", () => {
    const repo = sample({ "pytest.ini": "[pytest]\n", "infra/main.tf": "" });
    const list = run(repo.dir, "--list");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { id: string }) => s.id)).toEqual(["pytest", "terraform-infra"]);
    expect(existsSync(join(repo.dir, ".agent/reports/runs.json"))).toBe(false);
    const only = run(repo.dir, "--only", "jest");
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('no stack "jest" (detected: pytest, terraform-infra)');
  });

  test("the code under test never sees a token: GitHub's, Actions', the agent's (default and configured) or runner.env_deny", () => {
    // The test writes its whole environment to a file, as a hostile test (or an agent's fix) could send it anywhere.
    const repo = sample({
      "package.json": '{"name":"s","scripts":{"test":"bun test"}}',
      ".agent/heal/config.yaml": "agent:\n  token_env: MY_AGENT_PAT\nrunner:\n  env_deny: [DEPLOY_KEY]\n",
      "tests/env.test.ts": [
        'import { test } from "bun:test";',
        'import { writeFileSync } from "node:fs";',
        'test("dumps its environment", () => { writeFileSync("env.json", JSON.stringify(process.env)); });',
      ].join("\n"),
    });
    const secrets: Record<string, string> = {
      GITHUB_TOKEN: "ghs_runnerEnvGithubToken0000000000000001",
      GH_TOKEN: "gho_runnerEnvGhToken00000000000000000002",
      HEAL_AGENT_TOKEN: "github_pat_runnerEnvDefaultAgentToken03",
      MY_AGENT_PAT: "github_pat_runnerEnvConfiguredAgentTok04",
      ACTIONS_RUNTIME_TOKEN: "runtime-token-value-05",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/oidc-06",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request-token-07",
      DEPLOY_KEY: "deploy-key-value-08",
    };
    const r = spawnSync(process.execPath, [SCRIPT], {
      cwd: repo.dir,
      encoding: "utf8",
      env: { ...process.env, HEAL_REPO: "", KEEP_ME: "visible", ...secrets },
    });
    expect(r.status).toBe(0);
    const dumped = readFileSync(join(repo.dir, "env.json"), "utf8");
    const env = JSON.parse(dumped) as Record<string, string>;
    expect(env.KEEP_ME).toBe("visible"); // the rest of the environment is passed as it was
    expect(Object.keys(secrets).filter((name) => name in env)).toEqual([]);
    expect(Object.values(secrets).filter((value) => dumped.includes(value))).toEqual([]);
  });

  test("--help prints usage and exits 0", () => {
    const r = run(TOOLKIT_ROOT, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--only <value>");
  });
});
