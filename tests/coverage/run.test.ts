// The coverage form of each stack's command (lib/coverage-run.ts), and one real run per runner kind.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { planCoverage, pytestPython, runCoverage } from "../../lib/coverage-run.ts";
import type { RunnableStack } from "../../lib/detect.ts";
import { readCoverage } from "../../lib/coverage/index.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { CALC_PY, MATH_JS, PYTHON } from "./projects.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

const ROOT = "/repo";
const stack = (framework: RunnableStack["framework"], command: string[], cwd = "."): RunnableStack => ({
  id: `${framework}-x`,
  framework,
  cwd,
  command,
});
const DIR = "/repo/.agent/reports/raw/coverage";

describe("planCoverage", () => {
  test("bun: lcov into the stack's folder", () => {
    expect(planCoverage(stack("bun", ["bun", "test"]), ROOT, ".agent/reports")).toEqual({
      commands: [["bun", "test", "--coverage", "--coverage-reporter=lcov", `--coverage-dir=${DIR}/bun-x`]],
      report: ".agent/reports/raw/coverage/bun-x/lcov.info",
      format: "lcov",
      env: {},
    });
  });

  test("vitest: istanbul JSON, written even when a test fails; `--run` added only when missing", () => {
    const p = planCoverage(stack("vitest", ["node_modules/.bin/vitest", "run"]), ROOT, ".agent/reports")!;
    expect(p.commands).toEqual([
      [
        "node_modules/.bin/vitest",
        "run",
        "--coverage.enabled=true",
        "--coverage.reporter=json",
        `--coverage.reportsDirectory=${DIR}/vitest-x`,
        "--coverage.reportOnFailure=true",
      ],
    ]);
    expect(p.report).toBe(".agent/reports/raw/coverage/vitest-x/coverage-final.json");
    expect(planCoverage(stack("vitest", ["npx", "vitest"]), ROOT, ".agent/reports")!.commands[0]!.slice(0, 3)).toEqual([
      "npx",
      "vitest",
      "--run",
    ]);
  });

  test("jest: istanbul JSON", () => {
    expect(planCoverage(stack("jest", ["npx", "jest", "--ci"]), ROOT, "out")!.commands).toEqual([
      ["npx", "jest", "--ci", "--coverage", "--coverageReporters=json", "--coverageDirectory=/repo/out/raw/coverage/jest-x"],
    ]);
  });

  test("pytest: coverage run around pytest with the same interpreter, then coverage json", () => {
    const p = planCoverage(stack("pytest", ["/usr/bin/python3", "-m", "pytest", "-x"], "backend"), ROOT, ".agent/reports")!;
    expect(p.commands).toEqual([
      ["/usr/bin/python3", "-m", "coverage", "run", "--source=.", "-m", "pytest", "-x"],
      ["/usr/bin/python3", "-m", "coverage", "json", "-q", "-o", `${DIR}/pytest-x/coverage.json`],
    ]);
    expect(p.env).toEqual({ COVERAGE_FILE: `${DIR}/pytest-x/.coverage` });
    expect(p.format).toBe("coveragepy");
  });

  test("go: -coverprofile right after `test`, -json dropped", () => {
    expect(planCoverage(stack("go", ["go", "test", "-json", "./..."]), ROOT, ".agent/reports")!.commands).toEqual([
      ["go", "test", `-coverprofile=${DIR}/go-x/coverage.out`, "./..."],
    ]);
  });

  test("no line coverage: terraform, terragrunt", () => {
    expect(planCoverage(stack("terraform", ["terraform", "validate"]), ROOT, ".agent/reports")).toBeNull();
    expect(planCoverage(stack("terragrunt", ["terragrunt", "validate"]), ROOT, ".agent/reports")).toBeNull();
  });

  test("pytestPython: -m form, console script (its shebang), wrapper", () => {
    expect(pytestPython(["python3.12", "-m", "pytest", "-q"])).toEqual({ interpreter: ["python3.12"], args: ["-q"] });
    expect(pytestPython(["uv", "run", "pytest", "tests"])).toEqual({ interpreter: ["uv", "run", "python"], args: ["tests"] });
    const repo = createSampleRepo(
      { "bin/pytest": "#!/opt/venv/bin/python3.11\nimport pytest\n", "env/bin/pytest": "#!/usr/bin/env python3\n" },
      { nodeModules: false, git: false },
    );
    try {
      chmodSync(join(repo.dir, "bin/pytest"), 0o755);
      expect(pytestPython([join(repo.dir, "bin/pytest"), "-k", "x"])).toEqual({
        interpreter: ["/opt/venv/bin/python3.11"],
        args: ["-k", "x"],
      });
      expect(pytestPython([join(repo.dir, "env/bin/pytest")])).toEqual({ interpreter: ["python3"], args: [] });
    } finally {
      repo.cleanup();
    }
    expect(pytestPython(["make", "test"])).toBeNull();
  });
});

describe("runCoverage with the real runners", () => {
  const repos: SampleRepo[] = [];
  afterAll(() => repos.forEach((r) => r.cleanup()));

  test("bun and pytest in one repository (pytest in a subfolder); a failing test still gives coverage; terraform is skipped", async () => {
    const repo = createSampleRepo(
      {
        "src/math.js": MATH_JS,
        "tests/math.test.js": `import { test, expect } from "bun:test";\nimport { add, sign } from "../src/math.js";\ntest("add", () => { expect(add(1, 2)).toBe(3); });\ntest("sign", () => { expect(sign(5)).toBe(2); });\n`,
        "api/pkg/__init__.py": "",
        "api/pkg/calc.py": CALC_PY,
        "api/tests/test_calc.py": "from pkg.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        "infra/main.tf": "",
      },
      { nodeModules: false },
    );
    repos.push(repo);
    const out: string[] = [];
    const runs = await runCoverage(
      [
        stack("bun", ["bun", "test"]),
        { ...stack("pytest", [PYTHON, "-m", "pytest", "-p", "no:cacheprovider"], "api"), id: "pytest-api" },
        stack("terraform", ["terraform", "validate"], "infra"),
      ],
      { repoRoot: repo.dir, reportsDir: ".agent/reports", echo: (s) => out.push(s) },
    );
    expect(runs.map((r) => [r.stackId, r.exitCode, r.report, r.format, r.note ?? null])).toEqual([
      ["bun-x", 1, ".agent/reports/raw/coverage/bun-x/lcov.info", "lcov", null],
      ["pytest-api", 0, ".agent/reports/raw/coverage/pytest-api/coverage.json", "coveragepy", null],
      ["terraform-x", null, null, null, "terraform has no line coverage"],
    ]);
    expect(out.join("")).toContain(
      "── pytest-api (coverage): /usr/bin/python3 -m coverage run --source=. -m pytest -p no:cacheprovider (in api)",
    );
    const r = await readCoverage(
      repo.dir,
      runs.filter((x) => x.report).map((x) => ({ path: join(repo.dir, x.report!), cwd: x.cwd })),
    );
    expect(r.errors).toEqual([]);
    expect(r.files.map((f) => [f.file, f.linesCovered, f.linesTotal, f.uncovered])).toEqual([
      ["api/pkg/__init__.py", 0, 0, []],
      [
        "api/pkg/calc.py",
        4,
        11,
        [
          [6, 10],
          [14, 15],
        ],
      ],
      ["api/tests/test_calc.py", 3, 3, []],
      // sign(5) ran (and failed its assertion): lines 6-7 count as covered.
      [
        "src/math.js",
        5,
        11,
        [
          [9, 10],
          [12, 12],
          [15, 17],
        ],
      ],
    ]);
    // coverage.py measured only the project (--source=.), so nothing was left out.
    expect(r.skippedFiles).toBe(0);
    expect(readFileSync(join(repo.dir, ".agent/reports/raw/coverage/pytest-api/.coverage")).length).toBeGreaterThan(0);
  });

  test("a runner that is not installed: no report, a note that says why", async () => {
    const repo = createSampleRepo({ "a.py": "" }, { nodeModules: false, git: false });
    repos.push(repo);
    const runs = await runCoverage([stack("jest", ["no-such-jest-binary"])], {
      repoRoot: repo.dir,
      reportsDir: ".agent/reports",
      echo: () => {},
    });
    expect(runs[0]).toMatchObject({ exitCode: 127, report: null, note: "no-such-jest-binary: command not found" });
  });

  test("the code under test runs without the job's tokens (the defaults and envDeny), the rest of the environment kept", async () => {
    const repo = createSampleRepo(
      {
        "src/env.ts":
          'import { writeFileSync } from "node:fs";\nexport const dump = () => writeFileSync("env.json", JSON.stringify(process.env));\n',
        "tests/env.test.ts": 'import { test } from "bun:test";\nimport { dump } from "../src/env.ts";\ntest("dumps", () => dump());\n',
      },
      { nodeModules: false, git: false },
    );
    repos.push(repo);
    const runs = await runCoverage([stack("bun", ["bun", "test"])], {
      repoRoot: repo.dir,
      reportsDir: ".agent/reports",
      echo: () => {},
      env: { ...process.env, GITHUB_TOKEN: "ghs_cov1", ACTIONS_RUNTIME_TOKEN: "rt_cov2", CUSTOM_SECRET: "cs_cov3", KEEP_ME: "yes" },
      envDeny: ["CUSTOM_SECRET"],
    });
    expect(runs[0]!.report).toBe(".agent/reports/raw/coverage/bun-x/lcov.info");
    const env = JSON.parse(readFileSync(join(repo.dir, "env.json"), "utf8")) as Record<string, string>;
    expect(env.KEEP_ME).toBe("yes");
    expect(["GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "CUSTOM_SECRET"].filter((n) => n in env)).toEqual([]);
  });
});
