// Small sample projects whose uncovered lines are known by construction, run through the real coverage
// tools (bun, vitest + @vitest/coverage-v8, jest, coverage.py, go) to produce the reports the coverage
// tests read. Each source file below states which of its lines the tests leave unrun.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

/** The tests call add() and sign(5): sign's x<0 and x==0 paths (9-10, 12) and all of unused() (15-18) never run. */
export const MATH_JS = `export function add(a, b) {
  return a + b;
}

export function sign(x) {
  if (x > 0) {
    return 1;
  }
  if (x < 0) {
    return -1;
  }
  return 0;
}

export function unused(n) {
  const doubled = n * 2;
  return doubled + 1;
}
`;

/** Fully run by the tests. */
export const FULL_JS = `export function greet(name) {
  return \`hi \${name}\`;
}
`;

export const CALC_PY = `def add(a, b):
    return a + b


def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def unused(n):
    doubled = n * 2
    return doubled + 1
`;

export const CALC_GO = `package calc

func Add(a, b int) int {
	return a + b
}

func Sign(x int) int {
	if x > 0 {
		return 1
	}
	if x < 0 {
		return -1
	}
	return 0
}

func Unused(n int) int {
	doubled := n * 2
	return doubled + 1
}
`;

const cjs = (esm: string, names: string[]) => `${esm.replace(/^export /gm, "")}\nmodule.exports = { ${names.join(", ")} };\n`;

export interface ToolRun {
  status: number | null;
  output: string;
}

export function run(cmd: string[], cwd: string, env: Record<string, string> = {}): ToolRun {
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1", NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}` };
}

function mustRun(cmd: string[], cwd: string, env: Record<string, string> = {}): void {
  const r = run(cmd, cwd, env);
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}) in ${cwd}:\n${r.output.slice(-3000)}`);
}

const NODE = "/usr/bin/node";
const VITEST = join(TOOLKIT_ROOT, "node_modules/vitest/vitest.mjs");
const JEST = join(TOOLKIT_ROOT, "node_modules/jest/bin/jest.js");
export const PYTHON = "/usr/bin/python3";

/** vitest with the v8 provider, every istanbul reporter it supports, into `cov/`. Two test files, run together or one per shard. */
export function vitestProject(): SampleRepo {
  const repo = createSampleRepo({
    "package.json": JSON.stringify({ type: "module", devDependencies: { vitest: "4.1.12" } }),
    "src/math.js": MATH_JS,
    "src/full.js": FULL_JS,
    "tests/add.test.js": `import { test, expect } from "vitest";\nimport { add } from "../src/math.js";\nimport { greet } from "../src/full.js";\ntest("add", () => { expect(add(1, 2)).toBe(3); });\ntest("greet", () => { expect(greet("a")).toBe("hi a"); });\n`,
    "tests/sign.test.js": `import { test, expect } from "vitest";\nimport { sign } from "../src/math.js";\ntest("sign", () => { expect(sign(5)).toBe(1); });\n`,
  });
  return repo;
}

export function runVitest(dir: string, out: string, files: string[] = []): void {
  const reporters = ["json", "json-summary", "lcov", "cobertura", "clover"].map((r) => `--coverage.reporter=${r}`);
  mustRun(
    [
      NODE,
      VITEST,
      "run",
      ...files,
      "--coverage.enabled=true",
      "--coverage.provider=v8",
      ...reporters,
      `--coverage.reportsDirectory=${out}`,
    ],
    dir,
  );
}

/** jest (babel-plugin-istanbul) with json, lcov, clover and cobertura into `cov/`. */
export function jestProject(): SampleRepo {
  const repo = createSampleRepo({
    "package.json": JSON.stringify({ devDependencies: { jest: "30.5.2" } }),
    "src/math.js": cjs(MATH_JS, ["add", "sign", "unused"]),
    "src/full.js": cjs(FULL_JS, ["greet"]),
    "tests/math.test.js": `const { add, sign } = require("../src/math.js");\nconst { greet } = require("../src/full.js");\ntest("add", () => { expect(add(1, 2)).toBe(3); });\ntest("sign", () => { expect(sign(5)).toBe(1); });\ntest("greet", () => { expect(greet("a")).toBe("hi a"); });\n`,
  });
  mustRun(
    [
      NODE,
      JEST,
      "--coverage",
      ...["json", "lcov", "clover", "cobertura", "json-summary"].map((r) => `--coverageReporters=${r}`),
      "--coverageDirectory=cov",
    ],
    repo.dir,
  );
  return repo;
}

/** bun test --coverage --coverage-reporter=lcov into `cov/`. */
export function bunProject(): SampleRepo {
  const repo = createSampleRepo(
    {
      "src/math.js": MATH_JS,
      "src/full.js": FULL_JS,
      "tests/math.test.js": `import { test, expect } from "bun:test";\nimport { add, sign } from "../src/math.js";\nimport { greet } from "../src/full.js";\ntest("add", () => { expect(add(1, 2)).toBe(3); });\ntest("sign", () => { expect(sign(5)).toBe(1); });\ntest("greet", () => { expect(greet("a")).toBe("hi a"); });\n`,
    },
    { nodeModules: false },
  );
  mustRun([process.execPath, "test", "--coverage", "--coverage-reporter=lcov", "--coverage-dir=cov"], repo.dir);
  return repo;
}

/** `coverage run -m pytest` (no --source: Debian's dist-packages get measured too), then `coverage json` and `coverage xml`. */
export function pythonProject(): SampleRepo {
  const repo = createSampleRepo(
    {
      "pkg/__init__.py": "",
      "pkg/calc.py": CALC_PY,
      "tests/test_calc.py": `from pkg.calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_sign():\n    assert sign(5) == 1\n`,
    },
    { nodeModules: false },
  );
  const env = { COVERAGE_FILE: join(repo.dir, ".coverage") };
  mustRun([PYTHON, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo.dir, env);
  mustRun([PYTHON, "-m", "coverage", "json", "-o", "cov/coverage.json"], repo.dir, env);
  mustRun([PYTHON, "-m", "coverage", "xml", "-o", "cov/coverage.xml"], repo.dir, env);
  return repo;
}

export const hasGo = (): boolean => Bun.which("go") !== null;

/** `go test -coverprofile` in module example.com/sample. */
export function goProject(): SampleRepo {
  const repo = createSampleRepo(
    {
      "go.mod": "module example.com/sample\n\ngo 1.22\n",
      "cov/.keep": "",
      "calc/calc.go": CALC_GO,
      "calc/calc_test.go": `package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("bad")\n\t}\n}\n\nfunc TestSign(t *testing.T) {\n\tif Sign(5) != 1 {\n\t\tt.Fatal("bad")\n\t}\n}\n`,
    },
    { nodeModules: false },
  );
  mustRun(["go", "test", "-coverprofile=cov/cover.out", "./..."], repo.dir, { GOFLAGS: "-buildvcs=false" });
  if (!existsSync(join(repo.dir, "cov/cover.out"))) throw new Error("go test wrote no coverprofile");
  return repo;
}
