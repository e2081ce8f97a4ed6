// Environment failures: a stack that cannot start, cannot import its dependencies (a missing package, not a
// missing module of the repository), has no runner, or writes no report. They are set-up problems for people,
// not failing tests for the agent: each stack gets one record of kind "environment" naming what to install.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { compareFailures } from "./failures/records.ts";
import { fingerprint } from "./fingerprint.ts";
import { compilerPlaces, indexRepo, locate } from "./location.ts";
import type { PrepareFile, PrepareStep } from "./prepare.ts";
import { redact } from "./redact.ts";
import { isCheckCommand } from "./runners/package-script.ts";
import { deepestStack, shellLine } from "./test-selection.ts";
import type { FailureRecord, FailureReport, FailureSummary, Framework, RunRecord, RunsFile } from "./types.ts";

/** The label a healing issue carries while it lists environment failures. */
export const ENVIRONMENT_LABEL = "heal:environment";

/** `setup-failed`: a workspace root's step before the packages' tests (pretest, a chained build) failed in heal:prepare. */
export type EnvironmentCause =
  | "cannot-start"
  | "missing-package"
  | "no-runner"
  | "no-report"
  | "no-tests"
  | "setup-failed"
  | "unbuilt-package"
  | "project-not-installed"
  | "check-failed";

/**
 * Causes whose record lists the test records it took (under this heading) and leaves out the run's output tail,
 * which tells of a run that could not start and here holds only the other tests' failures.
 */
const LISTED: Partial<Record<EnvironmentCause, string>> = {
  "no-tests": "Files without a test",
  "unbuilt-package": "Failed on an unbuilt package",
  "project-not-installed": "Failed without the project installed",
  "check-failed": "Failed beside the check",
};
export type Language = "js" | "python";

export interface EnvironmentProblem {
  cause: EnvironmentCause;
  /** Packages that could not be found, by their install names ("requests", "@scope/pkg"), sorted. */
  packages: string[];
  /** One line: what is wrong and what to install. */
  message: string;
}

/** Answers whether a top-level module (Python) or package name (JS) belongs to the repository itself. */
export type RepoModules = (language: Language, name: string) => boolean;

const PYTHON_FRAMEWORKS = new Set<string>(["pytest"]);
const JS_FRAMEWORKS = new Set<string>(["bun", "vitest", "jest", "node-test", "mocha"]);

// What each runner prints when an import cannot be resolved (quoted name in group 1).
const PY_MISSING = /\bNo module named ['"]([A-Za-z_][\w.]*)['"]/g;
const JS_MISSING = [
  /\bCannot find (?:package|module) ['"]([^'"\s]+)['"]/g, // node, vitest, jest, bun
  /\bFailed to (?:resolve|load) (?:import|url) ['"]?([^'"\s]+?)['"]?(?:\s|$)/g, // vite
  /\bCould not resolve ['"]([^'"\s]+)['"]/g, // bun's bundler, esbuild
];
/**
 * A file-level error of a test file that registered no test: vitest ("No test suite found in file") and jest
 * ("Your test suite must contain at least one test.") fail such a file although nothing in it fails.
 */
const NO_TESTS = /^(?:Error: )?No test suite found in file |^Your test suite must contain at least one test\./;

/** A file-level error (named by its file) that only says the file holds no test. */
export function holdsNoTest(c: { fullName: string; file: string | null; message: string | null }): boolean {
  return c.file !== null && c.fullName === c.file && NO_TESTS.test(c.message ?? "");
}

/** vite's words (vitest) for a package whose package.json names entry files that do not exist. */
const UNBUILT = /\bFailed to resolve entry for package ["']([^"'\s]+)["']/;

/** Packages of the repository itself that are not built: their build is set-up, which the workspace's CI runs first. */
function unbuiltProblem(names: string[], tool: string): EnvironmentProblem {
  const list = names.map((n) => `\`${n}\``).join(", ");
  return {
    cause: "unbuilt-package",
    packages: [],
    message: `${list} ${names.length > 1 ? "are packages" : "is a package"} of this repository whose package.json names entry files that do not exist (not built): build before the tests, e.g. \`prepare: { commands: ["${tool} run build"] }\` in .agent/heal/config.yaml, or a build step before heal`,
  };
}

/** importlib.metadata's words for a distribution that is not installed. */
const NO_METADATA = /PackageNotFoundError: No package metadata was found for ([\w.-]+)/;
const INSTALL_PROJECT = '`prepare: { commands: ["python -m pip install -e ."] }` in .agent/heal/config.yaml';

/**
 * The repository's own Python package that the tests cannot import from their folder (a src/ layout that
 * pytest's path does not hold) or whose metadata is missing (the project was never installed): set-up, which
 * the project's own CI does with `pip install -e .` or `pythonpath`. Null for any other failure.
 */
export function projectNotInstalled(text: string, isRepo: RepoModules, repoRoot: string, cwd: string): EnvironmentProblem | null {
  if (!text.includes("No module named") && !text.includes("PackageNotFoundError")) return null;
  const meta = NO_METADATA.exec(text)?.[1];
  if (meta && isRepo("python", meta.replace(/-/g, "_"))) {
    return {
      cause: "project-not-installed",
      packages: [],
      message: `\`${meta}\`, this repository's own project, is not installed, so its metadata cannot be read: install it before the tests, e.g. ${INSTALL_PROJECT}`,
    };
  }
  for (const m of text.matchAll(PY_MISSING)) {
    const name = m[1]!.split(".")[0]!;
    if (!isRepo("python", name)) continue;
    const base = join(repoRoot, cwd);
    // Importable from the tests' folder: a real import error of the code (a module the code lost), the agent's.
    if (existsSync(join(base, name)) || existsSync(join(base, `${name}.py`))) return null;
    const home = [...indexRepo(repoRoot).files].find((f) => f.endsWith(`/${name}/__init__.py`) || f.endsWith(`/${name}.py`));
    const pkg = home?.replace(/\/__init__\.py$/, "");
    const dir = pkg ? posix.dirname(pkg) : null;
    const rel = dir && cwd !== "." ? posix.relative(cwd, dir) : dir;
    const path = rel ? `add \`pythonpath = ["${rel}"]\` under [tool.pytest.ini_options], or ` : "";
    return {
      cause: "project-not-installed",
      packages: [],
      message: `\`${name}\`, this repository's own package${pkg ? ` (${pkg})` : ""}, cannot be imported from ${cwd === "." ? "the repository root" : cwd}, where pytest runs: ${path}install the project before the tests, e.g. ${INSTALL_PROJECT}`,
    };
  }
  return null;
}

/** The stack's files that hold no test: which files are tests is the maintainer's set-up, not the agent's code. */
function noTestsProblem(framework: Framework): EnvironmentProblem {
  const fix =
    framework === "jest"
      ? "exclude them with testMatch or testPathIgnorePatterns in the jest config, or give each a test"
      : `exclude them from ${framework}'s include pattern, give each a test, or, when the project's own test command allows them (vitest --passWithNoTests), set that command as this stack's \`command\` in .agent/heal/config.yaml`;
  return {
    cause: "no-tests",
    packages: [],
    message: `${framework} collects test files that hold no test and fails each (listed below): ${fix}`,
  };
}

/** Words every match of PY_MISSING or JS_MISSING contains. */
const MISSING_WORDS = ["No module named", "Cannot find ", "Failed to ", "Could not resolve"];

/** The package a bare JS specifier installs ("@a/b/c" -> "@a/b", "lodash/fp" -> "lodash"), or null when it is a path. */
export function jsPackageName(specifier: string): string | null {
  if (/^(?:\.{1,2}\/|\/|[A-Za-z]:[\\/]|file:|node:|bun:|#|~\/|@\/|data:|virtual:|\\0)/.test(specifier)) return null;
  if (specifier === "." || specifier === "..") return null;
  const parts = specifier.split("/");
  if (specifier.startsWith("@")) return parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : null;
  return parts[0] || null;
}

/** Packages a runner's text says it could not import, with the language of the message. */
export function missingImports(text: string): { language: Language; name: string }[] {
  const found = new Map<string, { language: Language; name: string }>();
  // Each pattern's fixed words first: most failure texts hold none, and then no pattern runs.
  if (!MISSING_WORDS.some((w) => text.includes(w))) return [];
  for (const m of text.matchAll(PY_MISSING)) {
    const name = m[1]!.split(".")[0]!;
    found.set(`python:${name}`, { language: "python", name });
  }
  for (const re of JS_MISSING) {
    for (const m of text.matchAll(re)) {
      const name = jsPackageName(m[1]!);
      if (name) found.set(`js:${name}`, { language: "js", name });
    }
  }
  return [...found.values()];
}

/** Folders never searched for repository modules: dependencies, virtualenvs, caches; hidden folders too. */
const SKIP = new Set(["node_modules", "__pycache__", "site-packages", "venv", "env", "dist", "build", "coverage"]);

/**
 * The repository's own module names: Python top-level modules and packages (`x.py`, a folder `x/` holding
 * .py files) anywhere in it, and JS package names from every package.json (workspaces).
 */
export function repoModules(repoRoot: string, maxDirs = 20_000): RepoModules {
  const python = new Set<string>();
  const js = new Set<string>();
  const queue = ["."];
  for (let i = 0; i < queue.length && i < maxDirs; i++) {
    const rel = queue[i]!;
    let entries;
    try {
      entries = readdirSync(join(repoRoot, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    let hasPy = false;
    for (const e of entries) {
      if (e.isFile()) {
        if (e.name.endsWith(".py")) {
          hasPy = true;
          python.add(e.name.slice(0, -3));
        } else if (e.name === "package.json") {
          try {
            const name = (JSON.parse(readFileSync(join(repoRoot, rel, e.name), "utf8")) as { name?: unknown }).name;
            if (typeof name === "string") js.add(name);
          } catch {
            /* not JSON: no name */
          }
        }
      } else if (e.isDirectory() && !e.name.startsWith(".") && !SKIP.has(e.name)) {
        queue.push(rel === "." ? e.name : `${rel}/${e.name}`);
      }
    }
    if (hasPy && rel !== ".") python.add(rel.slice(rel.lastIndexOf("/") + 1));
  }
  return (language, name) => (language === "python" ? python.has(name) : js.has(name));
}

/** The summary lines each runner prints once its tests have run (jest, vitest, bun, pytest, node --test). */
const TESTS_RAN = [
  /^Tests:\s+(?:\d+ \w+, )*\d+ total$/m,
  /^\s*Tests\s+(?:\d+ \w+ \| )*\d+ (?:passed|failed)\b/m,
  /^\s*\d+ pass\n\s*\d+ fail$/m,
  /^=+ (?:\d+ \w+(?:, )?)+ in [\d.]+s\b/m,
  /^(?:# |ℹ )pass \d+$/m,
];

/** Missing packages in `text` that the repository does not hold itself, for a runner of `framework`. */
export function missingPackages(text: string, framework: Framework, isRepo: RepoModules): string[] {
  const want: Language | null = PYTHON_FRAMEWORKS.has(framework) ? "python" : JS_FRAMEWORKS.has(framework) ? "js" : null;
  return missingImports(text)
    .filter((m) => (want === null || m.language === want) && !isRepo(m.language, m.name))
    .map((m) => m.name)
    .sort();
}

/** Packages that package.json declares (every kind of dependency) in `cwd` or a folder above it in the repository. */
export function declaredJsPackages(repoRoot: string, cwd: string): Set<string> {
  const names = new Set<string>();
  for (let rel = cwd; ; rel = dirname(rel)) {
    try {
      const pkg = JSON.parse(readFileSync(join(repoRoot, rel, "package.json"), "utf8")) as Record<string, unknown>;
      for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
        const deps = pkg?.[field];
        if (deps && typeof deps === "object") for (const name of Object.keys(deps)) names.add(name);
      }
    } catch {
      /* no package.json here, or not JSON: nothing declared */
    }
    if (rel === "." || rel === "/" || rel === "") return names;
  }
}

/**
 * What to do about missing packages, in the stack's own tool, and what heal:prepare did about them. `declared`:
 * the JS packages package.json already declares (then the advice is to install, not to add them).
 */
export function installHint(
  framework: Framework,
  cwd: string,
  packages: string[],
  prepare: PrepareFile | null,
  stackId: string,
  declared?: ReadonlySet<string>,
): string {
  const where = cwd === "." ? "" : ` (in ${cwd})`;
  const list = packages.join(" ");
  const step = prepare?.steps.find((s) => s.stacks.includes(stackId));
  // A failed install is the cause: the packages may well be declared, so adding them is not the advice. Unless
  // it names its packages one by one (pip's dependency group) and these are not among them.
  const cmd = step && shellLine(step.commands);
  if (step?.status === "failed" && !notListed(step.commands, packages)) {
    return `heal:prepare's install \`${cmd}\`${where} exited ${step.exitCode}, so ${packages.length > 1 ? "they are" : "it is"} not installed: fix that install (its output is in prepare.json in the reports folder), then run heal again`;
  }
  const prep =
    step?.status === "failed"
      ? `; heal:prepare's install \`${cmd}\` exited ${step.exitCode} too, and ${packages.length > 1 ? "they are" : "it is"} not among what it lists`
      : step?.status === "skipped"
        ? `; heal:prepare installed nothing: ${step.reason}`
        : step?.status === "ran" || step?.status === "installed"
          ? `; heal:prepare's ${step.tool} install did not provide ${packages.length > 1 ? "them" : "it"}`
          : "";
  if (PYTHON_FRAMEWORKS.has(framework)) {
    return `install ${list}${where}: add ${packages.length > 1 ? "them" : "it"} to requirements.txt or pyproject.toml (heal:prepare installs it into .venv), or \`pip install ${list}\` for runner.python${prep}`;
  }
  const tool = step && step.tool !== "config" ? step.tool : "npm";
  if (declared && packages.every((p) => declared.has(p)))
    return `${list} ${packages.length > 1 ? "are" : "is"} declared in package.json but not installed${where}: run \`${tool} install\` before heal, or commit a lockfile (heal:prepare installs from it)${prep}`;
  const add = tool === "npm" ? "npm install --save-dev" : `${tool} add -D`;
  return `install ${list}${where}: \`${add} ${list}\` and commit the lockfile (heal:prepare installs from it)${prep}`;
}

/**
 * Why a stack's run is an environment failure, or null when it is not. `noReport` is true when the run left
 * no readable report. A run stopped by a signal (a hang, the timeout) is not an environment failure.
 */
export function classifyRun(
  run: RunRecord,
  opts: { noReport: boolean; isRepo: RepoModules; prepare?: PrepareFile | null; repoRoot?: string },
): EnvironmentProblem | null {
  if (run.signal !== null) return null;
  const cmd = run.argv[0] ?? run.stack.command[0] ?? "";
  const tail = run.outputTail;
  const declared = () => (opts.repoRoot ? declaredJsPackages(opts.repoRoot, run.stack.cwd) : undefined);
  const npx = /npx canceled due to missing packages[^\n]*?(\[[^\]\n]*\])?\s*$/m.exec(tail);
  if (npx) {
    const wanted = npx[1]
      ? npx[1]
          .replace(/[[\]"]/g, "")
          .split(",")
          .filter(Boolean)
      : [run.stack.framework];
    return {
      cause: "no-runner",
      packages: wanted.map((w) => w.replace(/(.)@[^@]*$/, "$1")).sort(),
      message: `${run.stack.framework} is not installed${run.stack.cwd === "." ? "" : ` in ${run.stack.cwd}`} (npx would have to download ${wanted.join(", ")}): ${installHint(
        run.stack.framework,
        run.stack.cwd,
        wanted.map((w) => w.replace(/(.)@[^@]*$/, "$1")),
        opts.prepare ?? null,
        run.stack.id,
        declared(),
      )}`,
    };
  }
  const noPytest = /No module named ['"]?pytest['"]?\s*$/m.test(tail) && run.stack.framework === "pytest";
  if (noPytest && opts.noReport) {
    return {
      cause: "no-runner",
      packages: ["pytest"],
      message: `pytest is not installed for ${cmd}: ${installHint("pytest", run.stack.cwd, ["pytest"], opts.prepare ?? null, run.stack.id)}`,
    };
  }
  if (
    run.exitCode === 127 ||
    run.exitCode === 126 ||
    /(?:command not found|ENOENT|No such file or directory)/.test(tail.split("\n").slice(-5).join("\n"))
  ) {
    if (opts.noReport) {
      return {
        cause: "cannot-start",
        packages: [],
        message: `${cmd} could not start (exit ${run.exitCode}): install it, or set the stack's command under \`stacks:\` in .agent/heal/config.yaml`,
      };
    }
  }
  const packages = missingPackages(tail, run.stack.framework, opts.isRepo);
  if (packages.length > 0 && opts.noReport) {
    return {
      cause: "missing-package",
      packages,
      message: `cannot import ${packages.join(", ")}: ${installHint(run.stack.framework, run.stack.cwd, packages, opts.prepare ?? null, run.stack.id, declared())}`,
    };
  }
  // Tests ran and the runner failed afterwards (a global teardown that throws): the code's error, not set-up.
  if (opts.noReport && TESTS_RAN.some((re) => re.test(tail))) return null;
  // The output names a line of the repository's own files (a conftest.py's traceback, a pretest's type error,
  // a lint error chained before the tests): the code's error, which the agent can fix, not set-up.
  if (opts.noReport && opts.repoRoot && codeErrorAt(tail, opts.repoRoot, run.stack.cwd)) return null;
  if (opts.noReport) {
    return {
      cause: "no-report",
      packages: [],
      message: `${run.argv.join(" ")} exited ${run.exitCode} and wrote no report, so no test ran: read its output below (a missing plugin, a broken config, an unsupported runner version)${failedInstall(opts.prepare, run.stack.id)}`,
    };
  }
  return null;
}

/**
 * True when a pip install names its packages one by one (no requirements file, no project) and none of these
 * is among them, by pip's name rules (case, `-`/`_`/`.`).
 */
function notListed(commands: string[][], packages: string[]): boolean {
  const words = commands.flat();
  const at = words.indexOf("install");
  if (!words.includes("pip") || at === -1) return false;
  const args = words.slice(at + 1);
  if (
    args.some(
      (w) => w === "-r" || w.startsWith("--requirement") || w === "-e" || w.startsWith("--editable") || w === "." || w.startsWith("-c"),
    )
  )
    return false;
  const norm = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");
  const listed = new Set(args.filter((w) => !w.startsWith("-")).map((w) => norm(w.split(/[<>=!~[;@ ]/)[0]!)));
  return packages.every((p) => !listed.has(norm(p)));
}

/** "; heal:prepare's install `…` exited N …" when the stack's install failed (what the run lacks may be in it), else "". */
function failedInstall(prepare: PrepareFile | null | undefined, stackId: string): string {
  const step = prepare?.steps.find((s) => s.stacks.includes(stackId) && s.status === "failed" && s.tool !== "script");
  if (!step) return "";
  const cmd = shellLine(step.commands);
  return `; heal:prepare's install \`${cmd}\` exited ${step.exitCode}, so a plugin it installs may be missing: fix that install first (its output is in prepare.json in the reports folder)`;
}

/** Whether an output names a line of a repository file beside an error (tsc's `file(line,col)` read as `file:line:col`). */
export function codeErrorAt(tail: string, repoRoot: string, cwd: string): boolean {
  if (!/error|exception|traceback/i.test(tail)) return false;
  const loc = locate({ stack: compilerPlaces(tail) }, indexRepo(repoRoot), { cwd });
  return loc.file !== null && loc.line !== null;
}

/** The missing packages a failure record is about (an import that failed), or [] when it is a test's own failure. */
export function classifyRecord(record: FailureRecord, isRepo: RepoModules): string[] {
  return missingPackages(`${record.message}\n${record.stack}`, record.framework, isRepo);
}

/** One environment record for a stack: what is wrong, what to install, and which tests could not run. */
export function environmentRecord(stackId: string, framework: Framework, problem: EnvironmentProblem, detail: string): FailureRecord {
  const fullName = redact(`${stackId} (environment)`);
  const message = redact(problem.message);
  return {
    id: fingerprint({ framework, file: null, fullName, message: `environment ${problem.cause} ${problem.packages.join(" ")}` }),
    framework,
    fullName,
    file: null,
    line: null,
    message,
    stack: redact(detail).slice(0, 8_000),
    kind: "environment",
  };
}

export interface EnvironmentOptions {
  repoRoot: string;
  runs: RunsFile | null;
  /** heal:prepare's record, so a message can name the install that failed. */
  prepare?: PrepareFile | null;
  isRepo?: RepoModules;
}

interface StackProblems {
  framework: Framework;
  cwd: string;
  packages: Set<string>;
  /** Tests that could not import a package: "name (file:line)". */
  affected: string[];
  /** What the stack's run itself says (cannot start, no runner, no report). */
  run?: EnvironmentProblem;
  /** The repository's own packages that are not built. */
  unbuilt?: Set<string>;
  /** Failed checks (lint, type check) the test script runs before the tests. */
  checks?: PrepareStep[];
}

/** A check the test script runs before its tests (lib/runners/package-script.ts): its failure is not set-up. */
export function isCheckStep(step: PrepareStep): boolean {
  return step.commands.every(isCheckCommand);
}

/** The failed script steps of heal:prepare: the checks among them, or the set-up steps. */
function failedSteps(prepare: PrepareFile | null | undefined, checks: boolean): PrepareStep[] {
  return (prepare?.steps ?? []).filter((s) => s.tool === "script" && s.status === "failed" && isCheckStep(s) === checks);
}

function checkProblem(step: PrepareStep): EnvironmentProblem {
  return {
    cause: "check-failed",
    packages: [],
    message: `\`${shellLine(step.commands)}\`, a check the test script runs before the tests (heal:prepare ran it in ${step.cwd}), exited ${step.exitCode}: fix what it reports (below); the tests ran anyway, and their own failures stand`,
  };
}

/**
 * Sorts failure records as they stream by: `take` keeps back every record that is a set-up problem (a test
 * that failed on a missing package, a runner record of a run that could not start, lacked its runner or wrote
 * no report); `finish` gives one `kind: environment` record per stack for them and moves their counts from
 * failed/errors to `summary.environment`.
 */
export class EnvironmentCollector {
  private readonly byStack = new Map<string, StackProblems>();
  private readonly runs: RunRecord[];
  private isRepo: RepoModules | undefined;
  private removedFailed = 0;
  private removedErrors = 0;

  constructor(private readonly opts: EnvironmentOptions) {
    this.runs = opts.runs?.runs ?? [];
    this.isRepo = opts.isRepo;
  }

  /**
   * The repository's own names, listed on the first question (most runs have no failure that names a missing
   * import, and then the walk of up to 20,000 folders never runs).
   */
  private readonly repo: RepoModules = (language, name) => (this.isRepo ??= repoModules(this.opts.repoRoot))(language, name);

  /** The failed heal:prepare root step (pretest, a chained build) a stack's tests ran without, if any. */
  private failedSetup(stackId: string | undefined): EnvironmentProblem | null {
    const step = stackId ? failedSteps(this.opts.prepare, false).find((s) => s.stacks.includes(stackId)) : undefined;
    if (!step) return null;
    const cmd = shellLine(step.commands);
    return {
      cause: "setup-failed",
      packages: [],
      message: `\`${cmd}\` (run by heal:prepare in ${step.cwd} before these tests, as the test script does) exited ${step.exitCode}, so these tests ran without what it sets up: fix that step, then run heal again`,
    };
  }

  /** True when `record` is an environment problem: it is held back and becomes part of its stack's record. */
  take(record: FailureRecord): boolean {
    if (record.kind === "environment") return false;
    const run =
      record.kind === "error"
        ? this.runs.find(
            (r) => record.fullName === redact(`${r.stack.id} (runner ${r.signal ? `killed by ${r.signal}` : `exited ${r.exitCode}`})`),
          )
        : undefined;
    const noReport = !!run && (run.reports.length === 0 || record.message.endsWith("wrote no readable report"));
    // The record's stack, looked up only when a root step failed or the record is a set-up problem.
    const stackOf = () =>
      run?.stack ??
      deepestStack(
        this.runs.map((r) => r.stack),
        record.framework,
        record.file,
      );
    const setup = failedSteps(this.opts.prepare, false).length > 0 ? this.failedSetup(stackOf()?.id) : null;
    const noTests = !run && !setup && record.kind === "error" && holdsNoTest(record);
    const unbuiltName = run || setup || noTests ? undefined : UNBUILT.exec(`${record.message}\n${record.stack}`)?.[1];
    const unbuilt = unbuiltName !== undefined && this.repo("js", unbuiltName);
    const tool = () => this.opts.prepare?.steps.find((st) => st.tool !== "script" && st.tool !== "config")?.tool ?? "npm";
    const notInstalled =
      run || setup || noTests || unbuilt || !PYTHON_FRAMEWORKS.has(record.framework)
        ? null
        : projectNotInstalled(`${record.message}\n${record.stack}`, this.repo, this.opts.repoRoot, stackOf()?.cwd ?? ".");
    const problem =
      setup ??
      (noTests ? noTestsProblem(record.framework) : null) ??
      (unbuilt ? unbuiltProblem([unbuiltName!], tool()) : null) ??
      notInstalled ??
      (run ? classifyRun(run, { noReport, isRepo: this.repo, prepare: this.opts.prepare, repoRoot: this.opts.repoRoot }) : null);
    const packages = run || setup ? [] : missingPackages(`${record.message}\n${record.stack}`, record.framework, this.repo);
    if (!problem && packages.length === 0) return false;
    if (record.kind === "error") this.removedErrors++;
    else this.removedFailed++;
    const stack = stackOf();
    const id = stack?.id ?? record.framework;
    let e = this.byStack.get(id);
    if (!e) this.byStack.set(id, (e = { framework: record.framework, cwd: stack?.cwd ?? ".", packages: new Set(), affected: [] }));
    for (const p of problem?.packages ?? packages) e.packages.add(p);
    // A missing package says more than a file without tests: the latter never replaces another problem.
    if (unbuilt) (e.unbuilt ??= new Set()).add(unbuiltName!);
    if (problem && !(noTests && e.run)) e.run = unbuilt && e.unbuilt ? unbuiltProblem([...e.unbuilt].sort(), tool()) : problem;
    if (!run && (!problem || setup || problem.cause in LISTED))
      e.affected.push(
        record.file && (record.fullName !== record.file || record.line)
          ? `${record.fullName} (${record.file}${record.line ? `:${record.line}` : ""})`
          : record.fullName,
      );
    return true;
  }

  /** The environment records (one per stack), with `summary`'s counts moved to `summary.environment`. */
  finish(summary: FailureSummary): FailureRecord[] {
    const records: FailureRecord[] = [];
    // A failed check (lint, type check) before the tests took no test record: it is a record of its own all the
    // same, or a package whose tests pass but whose test script fails at its lint would pass as green.
    for (const step of failedSteps(this.opts.prepare, true)) {
      for (const id of step.stacks) {
        const e = this.byStack.get(id);
        const stack = this.runs.find((r) => r.stack.id === id)?.stack;
        if (e) (e.checks ??= []).push(step);
        else if (stack)
          this.byStack.set(id, {
            framework: stack.framework,
            cwd: stack.cwd,
            packages: new Set(),
            affected: [],
            run: checkProblem(step),
            checks: [step],
          });
      }
    }
    for (const [id, e] of this.byStack) {
      const packages = [...e.packages].sort();
      const problem: EnvironmentProblem =
        e.run && e.run.cause !== "no-report" && !(e.run.cause === "no-tests" && packages.length > 0)
          ? e.run
          : packages.length > 0
            ? {
                cause: "missing-package",
                packages,
                message: `cannot import ${packages.join(", ")}: ${installHint(e.framework, e.cwd, packages, this.opts.prepare ?? null, id, declaredJsPackages(this.opts.repoRoot, e.cwd))}`,
              }
            : e.run!;
      const run = this.runs.find((r) => r.stack.id === id);
      const setup = problem.cause === "setup-failed" ? failedSteps(this.opts.prepare, false).find((s) => s.stacks.includes(id)) : undefined;
      const detail = [
        e.affected.length > 0
          ? `${setup ? "Failed without that step" : (LISTED[problem.cause] ?? "Could not run")} (${e.affected.length}):\n${e.affected.map((a) => `- ${a}`).join("\n")}`
          : "",
        setup ? `heal:prepare: ${shellLine(setup.commands)} (exit ${setup.exitCode})\n${setup.outputTail ?? ""}` : "",
        ...(e.checks ?? []).map((c) => `heal:prepare: ${shellLine(c.commands)} (exit ${c.exitCode})\n${c.outputTail ?? ""}`),
        // The output's tail tells of a stack that could not run; beside files without a test it is other failures.
        run ? `Command: ${run.argv.join(" ")} (exit ${run.exitCode})${problem.cause in LISTED ? "" : `\n${run.outputTail}`}` : "",
      ]
        .filter(Boolean)
        .join("\n\n");
      records.push(environmentRecord(id, e.framework, problem, detail || "(no output)"));
    }
    if (records.length > 0) {
      summary.total += records.length - this.removedFailed - this.removedErrors;
      summary.failed -= this.removedFailed;
      summary.errors -= this.removedErrors;
      summary.environment = records.length;
    }
    return records;
  }
}

/** A whole failure report through EnvironmentCollector: the same report object when nothing is environment. */
export function applyEnvironment(report: FailureReport, opts: EnvironmentOptions): FailureReport {
  const collector = new EnvironmentCollector(opts);
  const kept = report.failures.filter((r) => !collector.take(r));
  const summary = { ...report.summary };
  const environment = collector.finish(summary);
  if (environment.length === 0) return report;
  return { ...report, summary, failures: [...kept, ...environment].sort(compareFailures) };
}

/** Failures that are the agent's to fix: every record but environment ones. */
export function agentFailures(failures: FailureRecord[]): FailureRecord[] {
  return failures.filter((f) => f.kind !== "environment");
}
