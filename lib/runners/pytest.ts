// pytest: JUnit XML in the xunit1 family, which keeps each test case's file and line attributes.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, delimiter, join } from "node:path";
import type { HealConfig } from "../config.ts";
import { runSync } from "../process.ts";
import { relToStack, shellQuote } from "../test-selection.ts";
import { appendEnv, isExecutable, outermost, type RunnerAdapter } from "./adapter.ts";

const PY_TEST_FILE = /^(?:test_.*|.*_test)\.py$/;
const PY_PROJECT_MARKERS = ["pytest.ini", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "requirements.txt"];

const pytestCache = new Map<string, boolean>();
function canImportPytest(python: string): boolean {
  let ok = pytestCache.get(python);
  if (ok === undefined) {
    ok = runSync([python, "-c", "import pytest"], { cwd: process.cwd(), timeoutMs: 20_000 }).exitCode === 0;
    pytestCache.set(python, ok);
  }
  return ok;
}

/**
 * The interpreter for pytest: the config's `runner.python`, else a virtualenv in the stack folder or the
 * repo root, else the first python3 on PATH that can import pytest, else /usr/bin/python3.
 */
export function pythonFor(repoRoot: string, cwd: string, config: HealConfig, env = process.env): string {
  if (config.runner.python) return config.runner.python;
  const candidates: string[] = [];
  for (const base of new Set([cwd, "."])) {
    for (const venv of [".venv", "venv"]) candidates.push(join(repoRoot, base, venv, "bin/python"));
  }
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) candidates.push(join(dir, "python3"));
  for (const c of candidates) if (isExecutable(c) && canImportPytest(c)) return c;
  return "/usr/bin/python3";
}

/**
 * What pytest can select: the node id (relative to the stack folder, pytest's rootdir); a module that failed
 * to collect is named `tests/test_x.py::tests.test_x`, which pytest cannot select, so its file instead.
 */
export function pytestSelector(fullName: string, file: string | null, cwd: string): string {
  const [path, ...rest] = fullName.split("::");
  const last = (rest.at(-1) ?? "").split("[")[0]!;
  // A module named by its dotted path (an old collection error's id) re-runs as its file; a doctest's id
  // (`pkg/mod.py::pkg.mod.double`) names more than the module and re-runs alone.
  const dotted = path!.replace(/\.py$/, "").replace(/[\\/]/g, ".");
  const moduleItself = last === dotted || dotted.endsWith(`.${last}`);
  if (rest.length > 0 && (!last.includes(".") || !moduleItself)) return fullName;
  return file ? relToStack(cwd, file) : path!;
}

/**
 * Splits a pytest command into the interpreter that runs pytest and pytest's own arguments:
 * `python -m pytest -x` -> ([python], [-x]); `pytest -x` -> (the script's shebang interpreter, [-x]);
 * `uv run pytest` -> ([uv, run, python], []).
 */
export function pytestPython(cmd: string[]): { interpreter: string[]; args: string[] } | null {
  const m = cmd.findIndex((a, i) => a === "-m" && cmd[i + 1] === "pytest");
  if (m > 0) return { interpreter: cmd.slice(0, m), args: cmd.slice(m + 2) };
  const p = cmd.findIndex((a) => basename(a) === "pytest" || basename(a) === "py.test");
  if (p === -1) return null;
  if (p > 0) return { interpreter: [...cmd.slice(0, p), "python"], args: cmd.slice(p + 1) };
  return { interpreter: [shebangInterpreter(cmd[0]!) ?? "python3"], args: cmd.slice(1) };
}

/** The interpreter a console script (`pytest`) runs under, read from its `#!` line. */
function shebangInterpreter(script: string): string | null {
  const path = script.includes("/") ? script : Bun.which(script);
  if (!path || !existsSync(path)) return null;
  try {
    if (statSync(path).size > 1024 * 1024) return null;
    const first = readFileSync(path, "utf8").split("\n", 1)[0] ?? "";
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return null;
    // `#!/usr/bin/env python3`
    return basename(m[1]!) === "env" && m[2] ? m[2] : m[1]!;
  } catch {
    return null;
  }
}

export const pytest: RunnerAdapter = {
  name: "pytest",
  docs: {
    foundBy:
      "`pytest.ini`, `[tool.pytest…]` in pyproject.toml, `[tool:pytest]` in setup.cfg, `[pytest]` in tox.ini, `conftest.py`, `test_*.py`/`*_test.py` (run in the nearest folder with a Python project file)",
    runAs:
      "`<python> -m pytest` with `PYTEST_ADDOPTS=\"--junitxml=raw/<id>.xml -o junit_family=xunit1 --continue-on-collection-errors\"` (the tests' `sys.argv` stays the user's; a module that cannot be imported does not stop the other modules' tests)",
  },
  reportFormat: "junit",
  // A pytest config file marks a project; a test file belongs to its nearest project folder.
  findFolders: (tree) => {
    const roots: string[] = [];
    for (const d of tree.folders) {
      const f = d.files;
      if (
        f.has("pytest.ini") ||
        (f.has("pyproject.toml") && /^\[tool\.pytest/m.test(tree.read(d.rel, "pyproject.toml"))) ||
        (f.has("setup.cfg") && /^\[tool:pytest\]/m.test(tree.read(d.rel, "setup.cfg"))) ||
        (f.has("tox.ini") && /^\[pytest\]/m.test(tree.read(d.rel, "tox.ini")))
      ) {
        roots.push(d.rel);
        continue;
      }
      if (f.has("conftest.py") || [...f].some((n) => PY_TEST_FILE.test(n))) {
        let up = d.rel;
        for (;;) {
          const info = tree.folder(up);
          if (info && PY_PROJECT_MARKERS.some((m) => info.files.has(m))) break;
          if (up === ".") break;
          up = up.includes("/") ? up.slice(0, up.lastIndexOf("/")) : ".";
        }
        roots.push(up);
      }
    }
    return outermost(roots);
  },
  command: (tree, cwd) => [pythonFor(tree.repoRoot, cwd, tree.config, tree.env), "-m", "pytest"],
  // In PYTEST_ADDOPTS, not argv: a test that reads sys.argv (a CLI's own parser) sees only the user's words.
  plan: (stack, paths, env) => ({
    argv: stack.command,
    report: paths.rel("xml"),
    reportIsStdout: false,
    interruptOnTimeout: true,
    // --continue-on-collection-errors: pytest's default stops every test when one module fails to import, and
    // the failures of the others would be lost; the import error is still an error record.
    env: {
      PYTEST_ADDOPTS: appendEnv(
        env,
        "PYTEST_ADDOPTS",
        `${shellQuote(`--junitxml=${paths.abs("xml")}`)} -o junit_family=xunit1 --continue-on-collection-errors`,
      ),
    },
  }),
  // How the stack ran pytest (its interpreter or wrapper, up to `pytest`), so the re-run has pytest too.
  rerunOne: (r) => {
    if (!r.file) return null;
    const at = r.stack?.command.findIndex((w) => /(^|\/)pytest$/.test(w)) ?? -1;
    const pytestCmd = r.stack && at >= 0 ? r.shell(r.stack.command.slice(0, at + 1)) : "python3 -m pytest";
    return `${r.prefix}${pytestCmd} ${shellQuote(pytestSelector(r.failure.fullName, r.failure.file, r.cwd))}`;
  },
  targetCommand: (stack, tests) => [...stack.command, ...new Set(tests.map((t) => pytestSelector(t.fullName, t.file, stack.cwd)))],
  coverage: (stack, dir) => {
    const python = pytestPython(stack.command);
    if (!python) return null;
    return {
      commands: [
        // --source=. : only the project's own files (Debian's dist-packages is not "third party" to coverage.py 6).
        [...python.interpreter, "-m", "coverage", "run", "--source=.", "-m", "pytest", ...python.args],
        [...python.interpreter, "-m", "coverage", "json", "-q", "-o", join(dir.abs, "coverage.json")],
      ],
      report: `${dir.rel}/coverage.json`,
      format: "coveragepy",
      env: { COVERAGE_FILE: join(dir.abs, ".coverage") },
    };
  },
  coverageHint: (tail) =>
    /No module named coverage/.test(tail)
      ? "coverage.py is not installed for this interpreter: pip install coverage (or set runner.python)"
      : null,
};
