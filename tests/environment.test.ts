// lib/environment.ts on real runs: real pytest, vitest, jest and bun run sample projects that lack a package
// (and, beside it, a test that imports a missing module of the repository itself, which stays the agent's);
// the real run-tests and parse-failures steps write runs.json and failures.json, where the classifier has
// turned each stack's set-up problem into one environment record naming what to install.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import {
  agentFailures,
  applyEnvironment,
  classifyRun,
  jsPackageName,
  missingImports,
  missingPackages,
  repoModules,
} from "../lib/environment.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { type PrepareFile, writePrepareFile } from "../lib/prepare.ts";
import type { FailureReport, RunsFile } from "../lib/types.ts";
import { tempFolders } from "./support/temp-folders.ts";

setDefaultTimeout(120_000);
const folder = tempFolders();

/** The real heal:run-tests then heal:parse-failures on `dir`; returns what they wrote. */
function runAndParse(dir: string, env: Record<string, string> = {}): { runs: RunsFile; report: FailureReport } {
  for (const step of ["run-tests", "parse-failures"]) {
    const r = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts", `${step}.ts`)], {
      cwd: dir,
      env: { ...process.env, HEAL_REPO: dir, GITHUB_TOKEN: "", GH_TOKEN: "", ...env },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`${step} exited ${r.status}: ${r.stderr}`);
  }
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, ".agent/reports", f), "utf8")) as T;
  return { runs: read<RunsFile>("runs.json"), report: read<FailureReport>("failures.json") };
}

const env = (report: FailureReport) => report.failures.filter((f) => f.kind === "environment");

describe("names in runner messages", () => {
  test("bare specifiers become package names; paths, builtins, aliases and subpath imports do not", () => {
    expect(jsPackageName("left-pad")).toBe("left-pad");
    expect(jsPackageName("lodash/fp")).toBe("lodash");
    expect(jsPackageName("@scope/pkg/deep/file.js")).toBe("@scope/pkg");
    for (const s of ["./x.js", "../src/a", "/abs/x", "node:fs", "bun:test", "#internal", "@/utils", "~/lib", "file:///x.js"]) {
      expect(jsPackageName(s)).toBeNull();
    }
  });

  test("each runner's wording is read, the top-level Python module is the package", () => {
    expect(missingImports("E   ModuleNotFoundError: No module named 'yaml.loader'")).toEqual([{ language: "python", name: "yaml" }]);
    expect(missingImports("Error: Cannot find package 'left-pad' imported from /r/test/a.test.js")).toEqual([
      { language: "js", name: "left-pad" },
    ]);
    expect(missingImports("Cannot find module 'chalk' from 'c.test.cjs'")).toEqual([{ language: "js", name: "chalk" }]);
    expect(missingImports('Failed to resolve import "dayjs" from "src/a.ts". Does the file exist?')).toEqual([
      { language: "js", name: "dayjs" },
    ]);
    expect(missingImports("AssertionError: expected 1 to be 2")).toEqual([]);
  });

  test("a module or package of the repository is never a missing package", () => {
    const dir = folder({
      "app/__init__.py": "",
      "tools.py": "",
      "libs/core/x.py": "",
      "packages/ui/package.json": JSON.stringify({ name: "@me/ui" }),
      "node_modules/requests/__init__.py": "",
    });
    const isRepo = repoModules(dir);
    expect(missingPackages("No module named 'app.core'", "pytest", isRepo)).toEqual([]);
    expect(missingPackages("No module named 'tools'", "pytest", isRepo)).toEqual([]);
    expect(missingPackages("No module named 'core'", "pytest", isRepo)).toEqual([]);
    expect(missingPackages("Cannot find package '@me/ui'", "vitest", isRepo)).toEqual([]);
    // Dependency folders are not the repository's own code.
    expect(missingPackages("No module named 'requests'", "pytest", isRepo)).toEqual(["requests"]);
    // A Python message does not make a JS stack's record an environment one, nor the reverse.
    expect(missingPackages("No module named 'requests'", "jest", isRepo)).toEqual([]);
  });
});

describe("real runs", () => {
  test("pytest: a missing package is one environment record; a missing repo module and a failing test stay the agent's", () => {
    // Imports inside the tests: pytest collects every file and runs every test (a collection error would stop it).
    const dir = folder({
      "pytest.ini": "[pytest]\n",
      "app/__init__.py": "",
      "tests/test_http.py": "def test_get():\n    import payments_sdk\n    assert payments_sdk\n",
      "tests/test_api.py": "def test_post():\n    import payments_sdk\n    assert payments_sdk\n",
      "tests/test_core.py": "def test_core():\n    from app.core import x\n    assert x\n",
      "tests/test_math.py": "def test_ok():\n    assert 1 + 1 == 2\n\ndef test_bad():\n    assert 1 + 1 == 3\n",
    });
    const { runs, report: out } = runAndParse(dir);
    // Already sorted out by parse-failures: a second pass changes nothing.
    expect(applyEnvironment(out, { repoRoot: dir, runs })).toBe(out);
    expect(env(out)).toHaveLength(1);
    const record = env(out)[0]!;
    expect(record.fullName).toBe("pytest (environment)");
    expect(record.file).toBeNull();
    expect(record.message).toStartWith("cannot import payments_sdk: install payments_sdk: add it to requirements.txt or pyproject.toml");
    expect(record.stack).toContain("tests/test_api.py::test_post (tests/test_api.py:2)");
    expect(record.stack).toContain("tests/test_http.py::test_get (tests/test_http.py:2)");
    // The repo's own module and the failing assertion are still the agent's.
    expect(agentFailures(out.failures).map((f) => [f.fullName, f.kind])).toEqual([
      ["tests/test_core.py::test_core", "failure"],
      ["tests/test_math.py::test_bad", "failure"],
    ]);
    expect(out.summary).toMatchObject({ total: 4, passed: 1, failed: 2, errors: 0, environment: 1 });
  });

  test("pytest: a module-level import of a missing package (a collection error) is environment too", () => {
    const dir = folder({
      "tests/test_http.py": "import payments_sdk\n\ndef test_get():\n    assert payments_sdk\n",
      "tests/test_yaml.py": "import yaml_nope.loader\n\ndef test_load():\n    assert yaml_nope\n",
    });
    const { report: out } = runAndParse(dir);
    expect(out.failures.map((f) => [f.fullName, f.kind])).toEqual([["pytest (environment)", "environment"]]);
    expect(out.failures[0]!.message).toStartWith("cannot import payments_sdk, yaml_nope: install payments_sdk yaml_nope:");
    expect(out.summary).toMatchObject({ total: 1, errors: 0, environment: 1 });
  });

  test("vitest: Cannot find package is environment, a missing relative import is not", () => {
    const dir = folder(
      {
        "package.json": JSON.stringify({ name: "web", type: "module", scripts: { test: "vitest run" } }),
        "test/pad.test.js":
          // Not left-pad: the toolkit's node_modules holds it (jest22's jsdom needs it), and it would resolve.
          'import { test, expect } from "vitest";\nimport pad from "left-pad-not-installed";\ntest("pads", () => expect(pad("1", 2)).toBe(" 1"));\n',
        "test/local.test.js":
          'import { test, expect } from "vitest";\nimport { x } from "../src/nothere.js";\ntest("x", () => expect(x).toBe(1));\n',
        "test/ok.test.js": 'import { test, expect } from "vitest";\ntest("ok", () => expect(1).toBe(1));\n',
      },
      { nodeModules: true },
    );
    const { runs, report } = runAndParse(dir);
    const out = report;
    expect(env(out).map((f) => [f.fullName, f.message.split(":")[0]])).toEqual([
      ["vitest (environment)", "cannot import left-pad-not-installed"],
    ]);
    expect(env(out)[0]!.message).toContain("`npm install --save-dev left-pad-not-installed` and commit the lockfile");
    expect(agentFailures(out.failures).map((f) => f.file)).toEqual(["test/local.test.js"]);
  });

  test("jest: Cannot find module of a package is environment; the pnpm hint follows prepare's tool", () => {
    const dir = folder(
      {
        "package.json": JSON.stringify({ name: "cli", scripts: { test: "jest" } }),
        "c.test.js": 'const chalk = require("chalk-nope");\ntest("c", () => expect(chalk).toBeTruthy());\n',
        "d.test.js": 'const m = require("./lib/gone");\ntest("d", () => expect(m).toBeTruthy());\n',
      },
      { nodeModules: true },
    );
    const prepare: PrepareFile = {
      schemaVersion: 1,
      source: "detected",
      durationMs: 5,
      steps: [
        {
          stacks: ["jest"],
          cwd: ".",
          tool: "pnpm",
          commands: [["pnpm", "install", "--frozen-lockfile"]],
          status: "failed",
          reason: "",
          exitCode: 1,
          durationMs: 5,
        },
      ],
    };
    // heal:prepare's record is read by parse-failures, so the message names the install that failed.
    writePrepareFile(dir, ".agent/reports", prepare);
    const { report: out } = runAndParse(dir);
    expect(env(out)).toHaveLength(1);
    expect(env(out)[0]!.message).toBe(
      "cannot import chalk-nope: heal:prepare's install `pnpm install --frozen-lockfile` exited 1, so it is not installed: fix that install (its output is in prepare.json in the reports folder), then run heal again",
    );
    expect(agentFailures(out.failures).map((f) => f.file)).toEqual(["d.test.js"]);
  });

  test("jest: a coloured diagnostic (ts-jest's TS2307) is read without its colour codes: environment, and no escape in failures.json", () => {
    // ts-jest reports a module it cannot resolve as a diagnostic with terminal colours; thrown here as it does.
    const diagnostic =
      "\\u001b[90mtest/missing.spec.js:1:21 - \\u001b[0m\\u001b[91merror\\u001b[0m\\u001b[90m TS2307: \\u001b[0mCannot find module 'left-pad-not-installed' or its corresponding type declarations.";
    const dir = folder(
      {
        "package.json": JSON.stringify({ name: "transformer", scripts: { test: "jest" } }),
        "test/missing.spec.js": `throw new Error("${diagnostic}");\ntest("pads", () => {});\n`,
        "test/ok.spec.js": 'test("ok", () => expect(1).toBe(1));\n',
      },
      { nodeModules: true },
    );
    const { report } = runAndParse(dir);
    // No escape character left in any string of failures.json (the source line jest quotes spells them out).
    const withEscape: string[] = [];
    JSON.stringify(report, (_k, v) => {
      if (typeof v === "string" && v.includes("\x1b")) withEscape.push(v);
      return v;
    });
    expect(withEscape).toEqual([]);
    expect(env(report).map((f) => [f.fullName, f.message.split(":")[0]])).toEqual([
      ["jest (environment)", "cannot import left-pad-not-installed"],
    ]);
    expect(env(report)[0]!.stack).toContain("- test/missing.spec.js");
    expect(agentFailures(report.failures)).toEqual([]);
  });

  test("vitest: a package of the repository that is not built (its main names a missing dist/) is environment, with the build to run", () => {
    // As jaredwray/cacheable: packages import each other through node_modules, and dist/ is built by CI first.
    const dir = folder(
      {
        "package.json": JSON.stringify({ name: "monorepo", type: "module", scripts: { test: "vitest run" } }),
        "packages/utils/package.json": JSON.stringify({ name: "@ws/utils", type: "module", main: "./dist/index.js" }),
        "packages/utils/src/index.js": "export const ms = (n) => n * 1000;\n",
        "packages/cache/test/ttl.test.js":
          'import { test, expect } from "vitest";\nimport { ms } from "@ws/utils";\ntest("ttl", () => expect(ms(1)).toBe(1000));\n',
        "packages/cache/test/plain.test.js": 'import { test, expect } from "vitest";\ntest("plain", () => expect(1).toBe(2));\n',
      },
      { nodeModules: true },
    );
    mkdirSync(join(dir, "packages/cache/node_modules/@ws"), { recursive: true });
    symlinkSync(join(dir, "packages/utils"), join(dir, "packages/cache/node_modules/@ws/utils"), "dir");
    const { report } = runAndParse(dir);
    expect(env(report).map((f) => f.message)).toEqual([
      '`@ws/utils` is a package of this repository whose package.json names entry files that do not exist (not built): build before the tests, e.g. `prepare: { commands: ["npm run build"] }` in .agent/heal/config.yaml, or a build step before heal',
    ]);
    expect(env(report)[0]!.stack).toStartWith("Failed on an unbuilt package (1):\n- packages/cache/test/ttl.test.js");
    expect(agentFailures(report.failures).map((f) => f.fullName)).toEqual(["plain"]);
  });

  test("bun: a test file that cannot load a package is environment", () => {
    const dir = folder({
      "package.json": JSON.stringify({ name: "b", scripts: { test: "bun test" } }),
      "pad.test.ts":
        'import { test, expect } from "bun:test";\nimport pad from "left-pad";\ntest("pads", () => expect(pad).toBeTruthy());\n',
      "ok.test.ts": 'import { test, expect } from "bun:test";\ntest("ok", () => expect(1).toBe(1));\n',
    });
    const { runs, report } = runAndParse(dir);
    const out = report;
    expect(env(out).map((f) => f.fullName)).toEqual(["bun (environment)"]);
    expect(env(out)[0]!.message).toStartWith("cannot import left-pad:");
    expect(agentFailures(out.failures)).toEqual([]);
  });

  test("a runner that is not installed (npx would download it) is environment: no runner", () => {
    const dir = folder({
      "package.json": JSON.stringify({ name: "w", scripts: { test: "vitest run" } }),
      "a.test.js": 'import { test } from "vitest";\ntest("a", () => {});\n',
    });
    const { runs, report } = runAndParse(dir, { CI: "true" });
    expect(runs.runs[0]!.argv.slice(0, 2)).toEqual(["npx", "vitest"]);
    const out = report;
    expect(env(out).map((f) => f.fullName)).toEqual(["vitest (environment)"]);
    expect(env(out)[0]!.message).toStartWith("vitest is not installed (npx would have to download vitest@");
    expect(out.failures).toHaveLength(1);
    expect(out.summary).toMatchObject({ errors: 0, environment: 1 });
    expect(env(out)[0]!.message).toContain("`npm install --save-dev vitest` and commit the lockfile");
  });

  test("a runner that package.json declares but nothing installed (no lockfile) is told to install, not to add it", () => {
    // As pillarjs/path-to-regexp: vitest in devDependencies, no lockfile committed, no install step before heal.
    const dir = folder({
      "package.json": JSON.stringify({ name: "w", scripts: { test: "vitest run" }, devDependencies: { vitest: "^3.0.5" } }),
      "a.test.js": 'import { test } from "vitest";\ntest("a", () => {});\n',
    });
    const { report } = runAndParse(dir, { CI: "true" });
    expect(env(report).map((f) => f.message.replace(/vitest@[\w.-]+/, "vitest@<v>"))).toEqual([
      "vitest is not installed (npx would have to download vitest@<v>): vitest is declared in package.json but not installed: run `npm install` before heal, or commit a lockfile (heal:prepare installs from it)",
    ]);
  });

  test("a command that cannot start (exit 127) is environment", () => {
    const dir = folder({
      ".agent/heal/config.yaml": "stacks:\n  - framework: pytest\n    command: no-such-runner-xyz -q\n",
    });
    const { runs, report } = runAndParse(dir);
    expect(runs.runs[0]!.exitCode).toBe(127);
    const problem = classifyRun(runs.runs[0]!, { noReport: true, isRepo: repoModules(dir) });
    expect(problem?.cause).toBe("cannot-start");
    const out = report;
    expect(env(out)[0]!.message).toBe(
      "no-such-runner-xyz could not start (exit 127): install it, or set the stack's command under `stacks:` in .agent/heal/config.yaml",
    );
  });

  test("a Python without pytest is environment: no runner", () => {
    // A virtualenv that cannot see the system's pytest, named by the config (detection would pass it over).
    const python = join(folder(), "bare");
    expect(spawnSync("/usr/bin/python3", ["-m", "venv", "--without-pip", python]).status).toBe(0);
    const dir = folder({
      "tests/test_a.py": "def test_a():\n    assert True\n",
      ".agent/heal/config.yaml": `runner:\n  python: ${python}/bin/python\n`,
    });
    const { runs, report } = runAndParse(dir);
    const out = report;
    expect(env(out).map((f) => f.message.split(":")[0])).toEqual([`pytest is not installed for ${python}/bin/python`]);
  });

  test("a run that writes no report (a missing pytest plugin's option) is environment: no report", () => {
    const dir = folder({
      "pytest.ini": "[pytest]\naddopts = --no-such-plugin-option\n",
      "tests/test_a.py": "def test_a():\n    assert True\n",
    });
    const { runs, report } = runAndParse(dir);
    expect(runs.runs[0]!.reports).toEqual([]);
    const out = report;
    expect(env(out)).toHaveLength(1);
    expect(env(out)[0]!.message).toMatch(/ exited 4 and wrote no report, so no test ran/);
    expect(env(out)[0]!.stack).toContain("unrecognized arguments: --no-such-plugin-option");
  });

  test("pytest: the repository's own package that the tests cannot import (src layout) or whose metadata is missing is set-up", () => {
    // As python-semver without its .pytest.ini, and toolz's version test: the project's CI installs it first.
    const dir = folder({
      "pyproject.toml": '[project]\nname = "calc"\nversion = "1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      "src/calc/__init__.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
      "tests/test_version.py":
        'from importlib.metadata import version\n\n\ndef test_version():\n    assert version("calc") == "1.0"\n\n\ndef test_plain():\n    assert 1 == 2\n',
    });
    const { report } = runAndParse(dir);
    expect(env(report).map((f) => f.message)).toEqual([
      '`calc`, this repository\'s own project, is not installed, so its metadata cannot be read: install it before the tests, e.g. `prepare: { commands: ["python -m pip install -e ."] }` in .agent/heal/config.yaml',
    ]);
    expect(env(report)[0]!.stack).toStartWith(
      "Failed without the project installed (2):\n- tests/test_calc.py (tests/test_calc.py:1)\n- tests/test_version.py::test_version (tests/test_version.py:5)",
    );
    // The one failure of the code itself stays the agent's.
    expect(agentFailures(report.failures).map((f) => f.fullName)).toEqual(["tests/test_version.py::test_plain"]);
  });

  test("pytest: a src-layout package the tests cannot import names the pythonpath to add", () => {
    const dir = folder({
      "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      "src/calc/__init__.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    });
    expect(env(runAndParse(dir).report).map((f) => f.message)).toEqual([
      '`calc`, this repository\'s own package (src/calc), cannot be imported from the repository root, where pytest runs: add `pythonpath = ["src"]` under [tool.pytest.ini_options], or install the project before the tests, e.g. `prepare: { commands: ["python -m pip install -e ."] }` in .agent/heal/config.yaml',
    ]);
  });

  test("a package that a failed install does not list is still to be added; one it may hold (a requirements file) blames the install", () => {
    const dir = folder({ "tests/test_a.py": "import requests_nope\n\n\ndef test_a():\n    assert True\n" });
    const withStep = (commands: string[][]) => {
      writePrepareFile(dir, ".agent/reports", {
        schemaVersion: 1,
        source: "detected",
        durationMs: 5,
        steps: [{ stacks: ["pytest"], cwd: ".", tool: "pip", commands, status: "failed", reason: "", exitCode: 1, durationMs: 5 }],
      });
      return env(runAndParse(dir).report).map((f) => f.message);
    };
    // As andialbrecht/sqlparse: the dev group's install failed, and requests was never in it.
    expect(withStep([[".venv/bin/python", "-m", "pip", "install", "pytest", "ruff", "hatch>=1.18.0"]])).toEqual([
      "cannot import requests_nope: install requests_nope: add it to requirements.txt or pyproject.toml (heal:prepare installs it into .venv), or `pip install requests_nope` for runner.python; heal:prepare's install `.venv/bin/python -m pip install pytest ruff 'hatch>=1.18.0'` exited 1 too, and it is not among what it lists",
    ]);
    expect(withStep([[".venv/bin/python", "-m", "pip", "install", "-r", "requirements.txt"]])).toEqual([
      "cannot import requests_nope: heal:prepare's install `.venv/bin/python -m pip install -r requirements.txt` exited 1, so it is not installed: fix that install (its output is in prepare.json in the reports folder), then run heal again",
    ]);
  });

  test("a run that writes no report after heal:prepare's install failed names that install (a plugin it installs may be missing)", () => {
    // As python-semver: addopts name a plugin's option, and the failed install of the dev group would have brought it.
    const dir = folder({
      "pytest.ini": "[pytest]\naddopts = --no-such-plugin-option\n",
      "tests/test_a.py": "def test_a():\n    assert True\n",
    });
    const install = [".venv/bin/python", "-m", "pip", "install", "pytest-cov", "hatch>=1.18.0"];
    writePrepareFile(dir, ".agent/reports", {
      schemaVersion: 1,
      source: "detected",
      durationMs: 5,
      steps: [{ stacks: ["pytest"], cwd: ".", tool: "pip", commands: [install], status: "failed", reason: "", exitCode: 1, durationMs: 5 }],
    });
    const { report } = runAndParse(dir);
    expect(env(report).map((f) => f.message.replace(/^.*? exited 4 /, "… exited 4 "))).toEqual([
      "… exited 4 and wrote no report, so no test ran: read its output below (a missing plugin, a broken config, an unsupported runner version); heal:prepare's install `.venv/bin/python -m pip install pytest-cov 'hatch>=1.18.0'` exited 1, so a plugin it installs may be missing: fix that install first (its output is in prepare.json in the reports folder)",
    ]);
  });

  test("a run that writes no report because of the repository's own code is the agent's error at that line, not set-up", () => {
    // pytest stops on a conftest.py that raises (exit 4, no report); npm's pretest stops on a type error (no jest run).
    const py = folder({
      "tests/conftest.py": "import os\n\nDIR_PATH = os.path.dirname(__fle__)\n",
      "tests/test_a.py": "def test_a():\n    assert True\n",
    });
    const js = folder(
      {
        "package.json": JSON.stringify({ name: "transformer", scripts: { pretest: "tsc --noEmit -p .", test: "jest" } }),
        "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ["src"] }),
        "src/is-promise.ts": "export function isPromise(p: unknown): boolean {\n  const n: number = p;\n  return n > 0;\n}\n",
        "test/a.test.js": 'test("a", () => expect(1).toBe(1));\n',
      },
      { nodeModules: true },
    );
    const records = (dir: string) => {
      const { runs, report } = runAndParse(dir);
      expect(runs.runs[0]!.reports.filter((r) => !r.endsWith(".txt"))).toEqual([]);
      expect(env(report)).toEqual([]);
      return agentFailures(report.failures).map((f) => [f.kind, f.fullName, f.file, f.line]);
    };
    expect(records(py)).toEqual([["error", "pytest (runner exited 4)", "tests/conftest.py", 3]]);
    expect(records(js)).toEqual([["error", "jest (runner exited 1)", "src/is-promise.ts", 2]]);
  });

  for (const framework of ["vitest", "jest"] as const)
    test(`${framework}: a test file that holds no test (a cases table named *.spec.js) is environment; a failing test stays the agent's`, () => {
      const esm = framework === "vitest";
      const dir = folder(
        {
          "package.json": JSON.stringify({
            name: "routes",
            ...(esm ? { type: "module" } : {}),
            scripts: { test: esm ? "vitest run" : "jest" },
          }),
          "src/cases.spec.js": esm ? "export const CASES = [1, 2];\n" : "module.exports = { CASES: [1, 2] };\n",
          "src/match.test.js": `${esm ? 'import { test, expect } from "vitest";\n' : ""}test("matches /a", () => expect("/a").toBe("/b"));\n`,
        },
        { nodeModules: true },
      );
      const { report } = runAndParse(dir);
      expect(agentFailures(report.failures).map((f) => [f.kind, f.fullName, f.file, f.line])).toEqual([
        ["failure", "matches /a", "src/match.test.js", esm ? 2 : 1],
      ]);
      expect(env(report).map((f) => f.fullName)).toEqual([`${framework} (environment)`]);
      expect(env(report)[0]!.message).toStartWith(
        `${framework} collects test files that hold no test and fails each (listed below): exclude them `,
      );
      expect(env(report)[0]!.stack).toMatch(/^Files without a test \(1\):\n- src\/cases\.spec\.js\n\nCommand: \S+ [^\n]+ \(exit 1\)$/);
      // Still red: the file moves from the agent's errors to the maintainer's set-up, never to green.
      expect(report.summary).toMatchObject({ total: 2, failed: 1, errors: 0, environment: 1 });
    });

  test("a green run and a run with only test failures are left as they are", () => {
    const dir = folder({ "tests/test_a.py": "def test_a():\n    assert 1 == 2\n", "tests/test_b.py": "def test_b():\n    pass\n" });
    const { runs, report } = runAndParse(dir);
    expect(applyEnvironment(report, { repoRoot: dir, runs })).toBe(report);
  });
});
