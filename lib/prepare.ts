// heal:prepare: installs what each detected stack needs to start, from its lockfile, with the project's own
// tool (npm ci, pnpm/yarn/bun frozen installs, pip/uv/poetry into a virtualenv, terraform init). On a
// repository that is already installed every step is a check (a marker or stamp newer than the lockfile).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, posix } from "node:path";
import type { HealConfig } from "./config.ts";
import { pythonFor, type RunnableStack } from "./detect.ts";
import { resolveProgram, start } from "./process.ts";
import { readJsonFile } from "./json-file.ts";
import { redact } from "./redact.ts";
import { runnerEnvironment } from "./runners/run.ts";
import { forLogStream } from "./sanitize.ts";
import { shellLine } from "./test-selection.ts";
import { isCheckCommand, segmentsBeforeRunners } from "./runners/package-script.ts";
import { expandMembers, fansOut, packageJsonGlobs, pnpmWorkspaceGlobs, segmentsBeforeFanOut } from "./workspaces.ts";

/** File name of the record in the reports folder. */
export const PREPARE_FILE = "prepare.json";
/** Our own stamp: the hash of the inputs a successful install used. */
export const STAMP_FILE = ".heal-prepare.json";
const TAIL_LINES = 40;

/** `script`: a workspace root's own step before its test script fans out (its pretest, a chained build). */
export type PrepareTool = "npm" | "pnpm" | "yarn" | "bun" | "pip" | "uv" | "poetry" | "terraform" | "config" | "script";

/**
 * - `installed`: already installed, nothing ran (the check named in `reason`);
 * - `ran`: the commands ran and succeeded; `failed`: one exited non-zero or could not start;
 * - `skipped`: nothing can be installed here (no lockfile, the tool is not on PATH, ...): `reason` says which.
 */
export type PrepareStatus = "installed" | "ran" | "failed" | "skipped";

/** One install step: what it serves, what it ran (or would run) and how it went. */
export interface PrepareStep {
  /** Ids of the stacks this step installs for (one lockfile can serve several). */
  stacks: string[];
  /** Repo-relative folder the commands run in. */
  cwd: string;
  tool: PrepareTool;
  /** Each command as argv, in order (`python -m venv` then `pip install`, say). */
  commands: string[][];
  status: PrepareStatus;
  /** Why it ran or did not: the check that passed, the missing marker, the missing tool. */
  reason: string;
  exitCode: number | null;
  durationMs: number;
  /** Last lines of the commands' output, redacted; only when a command failed. */
  outputTail?: string;
}

/** `<reports_dir>/prepare.json`. */
export interface PrepareFile {
  schemaVersion: 1;
  /** `detected` (from the stacks), `config` (`prepare.commands`), `off` (`prepare: false`). */
  source: "detected" | "config" | "off";
  durationMs: number;
  steps: PrepareStep[];
}

/** A step before it runs: `installed` holds the passing check, `why` the reason to install. */
export interface PlannedStep {
  stacks: string[];
  cwd: string;
  tool: PrepareTool;
  commands: string[][];
  /** Extra environment for the commands (poetry's in-project virtualenv, ...). */
  env?: Record<string, string>;
  /** Repo-relative folder put first on PATH, as a package manager does for a script (`<root>/node_modules/.bin`). */
  binDir?: string;
  /** Set when nothing needs to run: the check that passed. */
  installed?: string;
  /** Set when nothing can run: why (no lockfile, tool missing). */
  skipped?: string;
  why: string;
  /** Written after a successful run so the next run is a check: repo-relative path and content. */
  stamp?: { path: string; value: string };
}

// ---------- small file helpers ----------

function mtimeMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** One sha256 over several parts, each ended by a NUL (so ["ab","c"] and ["a","bc"] differ); toolchain keys use it too. */
export function sha256(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\u0000");
  return h.digest("hex");
}

function fileText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function readStamp(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { hash?: string }).hash ?? null;
  } catch {
    return null;
  }
}

/** The tool is installed (on the env's PATH; bun is the interpreter running this). */
function hasCommand(name: string, env: NodeJS.ProcessEnv): boolean {
  return resolveProgram(name, "/", env) !== null;
}

function isUnder(child: string, parent: string): boolean {
  return parent === "." || child === parent || child.startsWith(`${parent}/`);
}

// ---------- JavaScript ----------

const NODE_LOCKFILES: [string, "npm" | "pnpm" | "yarn" | "bun"][] = [
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
];

/** The package manager named by package.json `packageManager` ("pnpm@9.1.0" -> pnpm), if any. */
function packageManagerField(dir: string): { name: string; major: number | null } | null {
  try {
    const pm = (JSON.parse(fileText(join(dir, "package.json"))) as { packageManager?: unknown }).packageManager;
    if (typeof pm !== "string") return null;
    const m = /^(npm|pnpm|yarn|bun)@(\d+)?/.exec(pm);
    return m ? { name: m[1]!, major: m[2] ? Number(m[2]) : null } : null;
  } catch {
    return null;
  }
}

/** The folder (from `cwd` up to the repo root) holding the lockfile, and which one. */
export function findNodeLockfile(
  repoRoot: string,
  cwd: string,
): { dir: string; lockfile: string; tool: "npm" | "pnpm" | "yarn" | "bun" } | null {
  let dir = cwd;
  for (;;) {
    const abs = join(repoRoot, dir);
    const pm = packageManagerField(abs);
    const present = NODE_LOCKFILES.filter(([f]) => existsSync(join(abs, f)));
    if (present.length > 0) {
      // `packageManager` decides when several lockfiles are committed.
      const chosen = present.find(([, t]) => t === pm?.name) ?? present[0]!;
      return { dir, lockfile: chosen[0], tool: chosen[1] };
    }
    if (dir === ".") return null;
    dir = posix.dirname(dir);
  }
}

/**
 * The root of the workspace (pnpm-workspace.yaml, else package.json `workspaces`) that lists `cwd` as a member,
 * or null: a member is installed by its workspace root's install, never on its own. `members` caches each folder's.
 */
export function workspaceRootOf(repoRoot: string, cwd: string, members = new Map<string, string[]>()): string | null {
  let dir = cwd;
  while (dir !== ".") {
    dir = posix.dirname(dir);
    let listed = members.get(dir);
    if (!listed) {
      const abs = join(repoRoot, dir);
      let globs: string[] = [];
      if (existsSync(join(abs, "pnpm-workspace.yaml"))) {
        globs = pnpmWorkspaceGlobs(fileText(join(abs, "pnpm-workspace.yaml")), posix.join(dir, "pnpm-workspace.yaml"));
      } else {
        try {
          globs = packageJsonGlobs(JSON.parse(fileText(join(abs, "package.json"))));
        } catch {
          globs = []; // no package.json, or a broken one: its package manager says why
        }
      }
      listed = globs.length > 0 ? expandMembers(repoRoot, dir, globs) : [];
      members.set(dir, listed);
    }
    if (listed.includes(cwd)) return dir;
  }
  return null;
}

/** yarn 2+ ("berry"): `.yarnrc.yml`, a `__metadata:` lockfile, or `packageManager: yarn@>=2`. */
function isYarnBerry(abs: string): boolean {
  const pm = packageManagerField(abs);
  if (pm?.name === "yarn" && pm.major !== null) return pm.major >= 2;
  return existsSync(join(abs, ".yarnrc.yml")) || /^__metadata:/m.test(fileText(join(abs, "yarn.lock")).slice(0, 4096));
}

/** The package manager's own record of its last install, newer than the lockfile when it is installed. */
function nodeMarker(tool: "npm" | "pnpm" | "yarn" | "bun", berry: boolean): string {
  if (tool === "npm") return "node_modules/.package-lock.json";
  if (tool === "pnpm") return "node_modules/.modules.yaml";
  if (tool === "yarn") return berry ? ".yarn/install-state.gz" : "node_modules/.yarn-integrity";
  return "node_modules"; // bun writes no marker file: the folder's own time
}

function planNode(repoRoot: string, stacks: RunnableStack[], env: NodeJS.ProcessEnv): PlannedStep[] {
  const byDir = new Map<string, PlannedStep>();
  const unlocked = new Map<string, PlannedStep>();
  const workspaces = new Map<string, string[]>();
  const out: PlannedStep[] = [];
  for (const stack of stacks) {
    // A workspace member is checked and installed at its workspace root, with the root's lockfile and node_modules.
    const base = workspaceRootOf(repoRoot, stack.cwd, workspaces) ?? stack.cwd;
    const found = findNodeLockfile(repoRoot, base);
    if (!found) {
      // Without a lockfile there is nothing to install reproducibly; an installed folder needs nothing.
      // bun and node --test need no install to start; a project without dependencies has no lockfile.
      if (existsSync(join(repoRoot, base, "node_modules")) || stack.framework === "bun" || stack.framework === "node-test") continue;
      const skipped = unlocked.get(base);
      if (skipped) {
        skipped.stacks.push(stack.id);
        continue;
      }
      const step: PlannedStep = {
        stacks: [stack.id],
        cwd: base,
        tool: "npm",
        commands: [],
        skipped: `no lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock) in ${base} or above and no node_modules: commit a lockfile, or install in a step before heal`,
        why: "",
      };
      unlocked.set(base, step);
      out.push(step);
      continue;
    }
    const existing = byDir.get(found.dir);
    if (existing) {
      existing.stacks.push(stack.id);
      continue;
    }
    const abs = join(repoRoot, found.dir);
    const berry = found.tool === "yarn" && isYarnBerry(abs);
    const command =
      found.tool === "npm"
        ? ["npm", "ci", "--no-audit", "--no-fund"]
        : found.tool === "pnpm"
          ? ["pnpm", "install", "--frozen-lockfile"]
          : found.tool === "yarn"
            ? ["yarn", "install", berry ? "--immutable" : "--frozen-lockfile"]
            : ["bun", "install", "--frozen-lockfile"];
    const lockPath = join(abs, found.lockfile);
    const hash = sha256([found.lockfile, fileText(lockPath)]);
    const stampDir = berry && !existsSync(join(abs, "node_modules")) ? ".yarn" : "node_modules";
    const stampRel = posix.join(found.dir, stampDir, STAMP_FILE);
    const marker = nodeMarker(found.tool, berry);
    const markerTime = mtimeMs(join(abs, marker));
    const lockTime = mtimeMs(lockPath) ?? 0;
    const step: PlannedStep = {
      stacks: [stack.id],
      cwd: found.dir,
      tool: found.tool,
      commands: [command],
      why: "",
      stamp: { path: stampRel, value: hash },
    };
    if (readStamp(join(repoRoot, stampRel)) === hash) {
      step.installed = `${posix.join(found.dir, stampDir, STAMP_FILE)} matches ${found.lockfile}`;
    } else if (markerTime !== null && markerTime >= lockTime) {
      step.installed = `${posix.join(found.dir, marker)} is newer than ${found.lockfile}`;
    } else {
      step.why =
        markerTime === null
          ? `${posix.join(found.dir, marker)} is missing`
          : `${found.lockfile} changed after the last install (${posix.join(found.dir, marker)} is older)`;
      if (!hasCommand(command[0]!, env)) {
        step.skipped = `${found.lockfile} needs ${command[0]}, which is not on PATH: install it (npm i -g ${command[0]}) before heal`;
      }
    }
    byDir.set(found.dir, step);
    out.push(step);
  }
  return out;
}

// ---------- Python ----------

const PY_EXTRAS = ["test", "tests", "testing", "dev"];

/** `requirements*.txt` in the folder, `requirements.txt` first. */
function requirementFiles(abs: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(abs).filter((n) => /^requirements[\w.-]*\.txt$/.test(n));
  } catch {
    return [];
  }
  return names.sort((a, b) => (a === "requirements.txt" ? -1 : b === "requirements.txt" ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** PEP 621 / PEP 735 requirements of pyproject.toml: dependencies, test/dev extras and dependency groups. */
export function pyprojectRequirements(text: string): string[] {
  let doc: Record<string, unknown>;
  try {
    doc = Bun.TOML.parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const project = (doc.project ?? {}) as { dependencies?: unknown; "optional-dependencies"?: Record<string, unknown> };
  const groups = (doc["dependency-groups"] ?? {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const reqs = [...strings(project.dependencies)];
  for (const extra of PY_EXTRAS) reqs.push(...strings(project["optional-dependencies"]?.[extra]), ...strings(groups[extra]));
  return [...new Set(reqs)];
}

function planPython(repoRoot: string, stacks: RunnableStack[], config: HealConfig, env: NodeJS.ProcessEnv): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const stack of stacks) {
    const abs = join(repoRoot, stack.cwd);
    const reqFiles = requirementFiles(abs);
    const pyproject = fileText(join(abs, "pyproject.toml"));
    const pyReqs = pyprojectRequirements(pyproject);
    const has = (f: string) => existsSync(join(abs, f));
    const inputs = [...reqFiles, "pyproject.toml", "uv.lock", "poetry.lock"].filter(has);
    const hash = sha256(inputs.flatMap((f) => [f, fileText(join(abs, f))]));
    const base: Omit<PlannedStep, "tool" | "commands"> = { stacks: [stack.id], cwd: stack.cwd, why: "" };
    if (reqFiles.length === 0 && pyReqs.length === 0 && !has("uv.lock") && !has("poetry.lock")) continue; // nothing declared
    if (config.runner.python) {
      out.push({
        ...base,
        tool: "pip",
        commands: [],
        skipped: `runner.python is set (${config.runner.python}): its packages are yours to install`,
      });
      continue;
    }
    const venvName = has(".venv") || !has("venv") ? ".venv" : "venv";
    const venvPython = posix.join(venvName, "bin/python");
    const stampRel = posix.join(stack.cwd, venvName, STAMP_FILE);
    let step: PlannedStep;
    if (has("uv.lock") && hasCommand("uv", env)) {
      step = { ...base, tool: "uv", commands: [["uv", "sync", "--frozen"]] };
    } else if (has("poetry.lock") && hasCommand("poetry", env)) {
      // In-project virtualenv, so detection's `.venv` choice finds it.
      step = {
        ...base,
        tool: "poetry",
        commands: [["poetry", "install", "--no-interaction", "--no-root"]],
        env: { POETRY_VIRTUALENVS_IN_PROJECT: "true" },
      };
    } else if (reqFiles.length > 0 || pyReqs.length > 0) {
      const commands: string[][] = [];
      if (!existsSync(join(abs, venvPython))) {
        // The venv sees the interpreter's own packages (a pytest installed for it keeps working); the project's go on top.
        commands.push([pythonFor(repoRoot, stack.cwd, config, env), "-m", "venv", "--system-site-packages", venvName]);
      }
      const pip = [venvPython, "-m", "pip", "install", "--disable-pip-version-check"];
      commands.push(reqFiles.length > 0 ? [...pip, ...reqFiles.flatMap((f) => ["-r", f])] : [...pip, ...pyReqs]);
      step = { ...base, tool: "pip", commands };
    } else {
      out.push({
        ...base,
        tool: has("uv.lock") ? "uv" : "poetry",
        commands: [],
        skipped: `${has("uv.lock") ? "uv.lock needs uv" : "poetry.lock needs poetry"}, which is not on PATH, and no requirements*.txt or [project] dependencies say what else to install`,
      });
      continue;
    }
    step.stamp = { path: stampRel, value: hash };
    if (existsSync(join(abs, venvPython)) && readStamp(join(repoRoot, stampRel)) === hash) {
      step.installed = `${stampRel} matches ${inputs.join(", ")}`;
    } else {
      step.why = existsSync(join(abs, venvPython))
        ? `${inputs.join(", ")} changed since the last install (or ${posix.join(stack.cwd, venvName)} was not made by heal)`
        : `${posix.join(stack.cwd, venvName)} is missing`;
      const tool = step.commands[0]![0]!;
      if (step.tool !== "pip" && !hasCommand(tool, env)) step.skipped = `${tool} is not on PATH`;
    }
    out.push(step);
  }
  return out;
}

// ---------- Terraform ----------

function tfFiles(abs: string): string[] {
  try {
    return readdirSync(abs)
      .filter((n) => n.endsWith(".tf"))
      .sort();
  } catch {
    return [];
  }
}

function planTerraform(repoRoot: string, stacks: RunnableStack[], env: NodeJS.ProcessEnv): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const stack of stacks) {
    const abs = join(repoRoot, stack.cwd);
    const text = tfFiles(abs)
      .map((f) => fileText(join(abs, f)))
      .join("\n");
    const needsModules = /^\s*module\s+"/m.test(text);
    const needsProviders = /^\s*(?:resource|data|provider)\s+"|required_providers/m.test(text);
    if (!needsModules && !needsProviders) continue; // nothing to download: validate runs as it is
    const binary = stack.command[0] ?? "terraform";
    // What init reads: module sources and versions, provider requirements, the dependency lock file.
    const inputs = text
      .split("\n")
      .filter((l) => /^\s*(?:source|version)\s*=|^\s*(?:module|provider)\s+"/.test(l))
      .map((l) => l.trim());
    const hash = sha256([...inputs, fileText(join(abs, ".terraform.lock.hcl"))]);
    const stampRel = posix.join(stack.cwd, ".terraform", STAMP_FILE);
    const step: PlannedStep = {
      stacks: [stack.id],
      cwd: stack.cwd,
      tool: "terraform",
      commands: [[binary, "init", "-backend=false", "-input=false", "-no-color"]],
      why: "",
      stamp: { path: stampRel, value: hash },
    };
    const modulesOk = !needsModules || existsSync(join(abs, ".terraform/modules/modules.json"));
    const providersOk = !needsProviders || existsSync(join(abs, ".terraform/providers"));
    if (readStamp(join(repoRoot, stampRel)) === hash && modulesOk && providersOk) {
      step.installed = `${stampRel} matches the module and provider requirements`;
    } else {
      step.why = !modulesOk
        ? `${posix.join(stack.cwd, ".terraform/modules")} is missing`
        : !providersOk
          ? `${posix.join(stack.cwd, ".terraform/providers")} is missing`
          : "module or provider requirements changed since the last init";
      if (!hasCommand(binary, env) && !existsSync(binary)) step.skipped = `${binary} is not on PATH`;
    }
    out.push(step);
  }
  return out;
}

// ---------- a workspace root's own steps ----------

/** The package manager a workspace root's scripts run with: its lockfile's, `packageManager`, pnpm for pnpm-workspace.yaml, else npm. */
function rootManager(repoRoot: string, root: string): "npm" | "pnpm" | "yarn" | "bun" {
  const abs = join(repoRoot, root);
  const pm = packageManagerField(abs)?.name as "npm" | "pnpm" | "yarn" | "bun" | undefined;
  return findNodeLockfile(repoRoot, root)?.tool ?? pm ?? (existsSync(join(abs, "pnpm-workspace.yaml")) ? "pnpm" : "npm");
}

/** Whether `<pm> test` runs the root's pretest: not yarn 2+ (no pre/post hooks), not pnpm with the hooks turned off. */
function runsPretest(repoRoot: string, root: string, manager: "npm" | "pnpm" | "yarn" | "bun"): boolean {
  const abs = join(repoRoot, root);
  if (manager === "yarn") return !isYarnBerry(abs);
  if (manager !== "pnpm") return true;
  return !(
    /^\s*enable-pre-post-scripts\s*=\s*false\b/m.test(fileText(join(abs, ".npmrc"))) ||
    /^enablePrePostScripts:\s*false\b/m.test(fileText(join(abs, "pnpm-workspace.yaml")))
  );
}

/** A word for sh: bare, so expansions and globs work as in the script; quoted only when it held spaces or quotes. */
function shellWord(word: string): string {
  return /[\s'"]/.test(word) ? `'${word.replaceAll("'", "'\\''")}'` : word;
}

/** A segment that needs the shell to mean what it says: an assignment in front, an expansion, a glob, a redirection. */
function needsShell(words: string[]): boolean {
  return /^[A-Za-z_]\w*=/.test(words[0] ?? "") || words.some((w) => /[$`*?<>(){}~\\]/.test(w));
}

/**
 * What a workspace root runs before its `test` script hands `test` to the packages: its `pretest` script, then
 * each segment chained in front of the fan-out (`npm run build && npm test --workspaces`), one step each, run
 * every time (a build is not a check). Only roots of detected stacks; a root whose test script does not fan out
 * runs none (its own script runs as a stack, pretest and all). pretest only where `<pm> test` runs it. A package
 * whose test script chains several runners (each its own stack) gets its pretest and the segments before its
 * first runner the same way.
 */
export function planRootScripts(repoRoot: string, stacks: RunnableStack[]): PlannedStep[] {
  const byRoot = new Map<string, string[]>();
  const workspaces = new Map<string, string[]>();
  const chained = new Set<string>();
  for (const stack of stacks) {
    const root = workspaceRootOf(repoRoot, stack.cwd, workspaces);
    if (root !== null) byRoot.set(root, [...(byRoot.get(root) ?? []), stack.id]);
    // A package whose test script chains several runners runs each as a stack: its own steps come first too.
    if (stack.segment && stack.cwd !== root) byRoot.set(stack.cwd, [...(byRoot.get(stack.cwd) ?? []), stack.id]);
    if (stack.segment) chained.add(stack.cwd);
  }
  const out: PlannedStep[] = [];
  for (const [root, ids] of [...byRoot].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let scripts: Record<string, unknown> = {};
    try {
      scripts = ((JSON.parse(fileText(join(repoRoot, root, "package.json"))) as { scripts?: unknown }).scripts ?? {}) as Record<
        string,
        unknown
      >;
    } catch {
      continue; // no package.json at a pnpm root, or a broken one: nothing to run
    }
    const test = typeof scripts.test === "string" ? scripts.test : "";
    if (!fansOut(test) && !chained.has(root)) continue;
    const before = fansOut(test) ? segmentsBeforeFanOut(test) : segmentsBeforeRunners(test);
    const where = fansOut(test) ? "before the fan-out in the workspace root's" : "before the first runner in the";
    // A chained package in a workspace runs its scripts with the workspace's manager (pnpm-workspace.yaml, ...).
    const managerRoot = fansOut(test) ? root : (workspaceRootOf(repoRoot, root, workspaces) ?? root);
    const manager = rootManager(repoRoot, managerRoot);
    // A workspace package's binaries may be hoisted to a folder above it: the nearest node_modules/.bin.
    let binDir = posix.join(root, "node_modules/.bin");
    for (let d = root; !existsSync(join(repoRoot, binDir)) && d !== "."; ) {
      d = posix.dirname(d);
      binDir = posix.join(d, "node_modules/.bin");
    }
    const base = { stacks: ids, cwd: root, tool: "script" as const, binDir };
    if (typeof scripts.pretest === "string" && scripts.pretest.trim() !== "" && runsPretest(repoRoot, managerRoot, manager)) {
      out.push({
        ...base,
        commands: [[manager, "run", "pretest"]],
        why: `${fansOut(test) ? "the workspace root's" : "the package's"} pretest script (${root}/package.json), run before its test script`,
      });
    }
    for (const words of before) {
      const argv = needsShell(words) ? ["sh", "-c", words.map(shellWord).join(" ")] : words;
      out.push({ ...base, commands: [argv], why: `chained ${where} test script (${root}/package.json)` });
    }
  }
  return out;
}

// ---------- plan and run ----------

/** Steps whose failure stops a workspace root's script steps after them. */
const JS_STEP_TOOLS = new Set<PrepareTool>(["npm", "pnpm", "yarn", "bun", "script"]);

/** Runners whose dependencies live in node_modules (node --test included). */
const JS_RUNNERS = new Set<string>(["bun", "vitest", "jest", "node-test", "mocha"]);

/** What prepare would do for these stacks, with each step's check already made. Reads the file system only. */
export function planPrepare(
  repoRoot: string,
  stacks: RunnableStack[],
  config: HealConfig,
  env: NodeJS.ProcessEnv = process.env,
): PlannedStep[] {
  if (config.prepare.commands) {
    return config.prepare.commands.map((c) => ({
      stacks: stacks.filter((s) => isUnder(s.cwd, c.cwd)).map((s) => s.id),
      cwd: c.cwd,
      tool: "config" as const,
      commands: [c.command],
      why: "prepare.commands in the config (run every time)",
    }));
  }
  const js = stacks.filter((s) => JS_RUNNERS.has(s.framework));
  const py = stacks.filter((s) => s.framework === "pytest");
  const tf = stacks.filter((s) => s.framework === "terraform");
  return [
    ...planNode(repoRoot, js, env),
    ...planPython(repoRoot, py, config, env),
    ...planTerraform(repoRoot, tf, env),
    ...planRootScripts(repoRoot, js),
  ];
}

/** Keeps the last lines of the output, redacted, for prepare.json. */
function tailOf(text: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return redact(lines.slice(-TAIL_LINES).join("\n"));
}

export interface PrepareOptions {
  env?: NodeJS.ProcessEnv;
  /** A command running longer is stopped and its step failed. */
  timeoutMs?: number;
  /** Receives the commands' console output (default: our stderr). */
  echo?: (chunk: string) => void;
  /** More variable names kept from the install commands besides RUNNER_ENV_DENY (runnerEnvDeny(config)). */
  envDeny?: readonly string[];
}

/** Runs one planned step's commands in order; stops at the first that fails. Never throws for a command's failure. */
export async function runStep(repoRoot: string, step: PlannedStep, opts: PrepareOptions = {}): Promise<PrepareStep> {
  const record: PrepareStep = {
    stacks: step.stacks,
    cwd: step.cwd,
    tool: step.tool,
    commands: step.commands,
    status: "installed",
    reason: step.installed ?? step.skipped ?? step.why,
    exitCode: null,
    durationMs: 0,
  };
  if (step.installed) return record;
  if (step.skipped) return { ...record, status: "skipped" };
  const echoSink = opts.echo ?? ((s: string) => void process.stderr.write(s));
  // Install output is untrusted like test output: secrets masked, workflow commands broken, whole lines at a time.
  const log = forLogStream(echoSink);
  // Install scripts are the repository's code (the agent's, under verify): none of the toolkit's tokens.
  const env = { ...runnerEnvironment(opts.env ?? process.env, opts.envDeny), ...step.env };
  if (step.binDir) env.PATH = [join(repoRoot, step.binDir), env.PATH].filter(Boolean).join(delimiter);
  const started = performance.now();
  let output = "";
  const seen = (s: string) => {
    output = (output + s).slice(-64 * 1024);
    log.write(s);
  };
  let exitCode: number | null = 0;
  for (const argv of step.commands) {
    log.write(`$ ${argv.join(" ")}\n`);
    const r = await start(argv, {
      cwd: join(repoRoot, step.cwd),
      env,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      onStdout: seen,
      onStderr: seen,
      onTimeout: () =>
        seen(`\n[heal] ${argv[0]} stopped after ${Math.round((opts.timeoutMs ?? 30 * 60_000) / 1000)}s (runner.timeout_minutes)\n`),
    });
    exitCode = r.exitCode;
    if (r.signal) seen(`\n${argv[0]} stopped by ${r.signal}\n`);
    if (exitCode !== 0) break;
  }
  log.end();
  const durationMs = Math.round(performance.now() - started);
  if (exitCode !== 0) return { ...record, status: "failed", exitCode, durationMs, outputTail: tailOf(output) };
  if (step.stamp) {
    const abs = join(repoRoot, step.stamp.path);
    if (existsSync(dirname(abs))) writeFileSync(abs, `${JSON.stringify({ hash: step.stamp.value, by: "heal:prepare" })}\n`);
  }
  return { ...record, status: "ran", exitCode, durationMs };
}

/** Plans and runs every step, one after another (installs of one repo share caches and disk). */
export async function prepare(
  repoRoot: string,
  stacks: RunnableStack[],
  config: HealConfig,
  opts: PrepareOptions = {},
): Promise<PrepareFile> {
  const started = performance.now();
  if (!config.prepare.enabled) return { schemaVersion: 1, source: "off", durationMs: 0, steps: [] };
  const steps: PrepareStep[] = [];
  for (const step of planPrepare(repoRoot, stacks, config, opts.env)) {
    // A root's script steps run as its package manager would run them: not after a failed install or step before them.
    // A failed check (lint) does not stop what follows: the tests do not need what it makes.
    const failed =
      step.tool === "script"
        ? steps.find(
            (s) =>
              s.status === "failed" &&
              JS_STEP_TOOLS.has(s.tool) &&
              isUnder(step.cwd, s.cwd) &&
              !(s.tool === "script" && s.commands.every(isCheckCommand)),
          )
        : undefined;
    if (failed) {
      const reason = `not run: \`${shellLine(failed.commands)}\` in ${failed.cwd} failed before it`;
      steps.push({
        stacks: step.stacks,
        cwd: step.cwd,
        tool: step.tool,
        commands: step.commands,
        status: "skipped",
        reason,
        exitCode: null,
        durationMs: 0,
      });
      continue;
    }
    steps.push(await runStep(repoRoot, step, opts));
  }
  return {
    schemaVersion: 1,
    source: config.prepare.commands ? "config" : "detected",
    durationMs: Math.round(performance.now() - started),
    steps,
  };
}

/** Writes prepare.json into the reports folder; returns its repo-relative path. */
export function writePrepareFile(repoRoot: string, reportsDir: string, file: PrepareFile): string {
  const rel = posix.join(reportsDir, PREPARE_FILE);
  mkdirSync(join(repoRoot, reportsDir), { recursive: true });
  writeFileSync(join(repoRoot, rel), `${JSON.stringify(file, null, 2)}\n`);
  return rel;
}

/** prepare.json of a reports folder (absolute), or null when heal:prepare did not run there. */
export function readPrepareFile(reportsDirAbs: string, reportsDirRel = reportsDirAbs): PrepareFile | null {
  const file = readJsonFile<PrepareFile>(join(reportsDirAbs, PREPARE_FILE), posix.join(reportsDirRel, PREPARE_FILE), "prepare file");
  return file && Array.isArray(file.steps) ? file : null;
}
