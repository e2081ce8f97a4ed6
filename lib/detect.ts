// Finds the test stacks of a repository: bun test, vitest, jest, pytest, terraform validate and
// terragrunt validate (when terragrunt is installed). The config's `stacks:` replaces detection.
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import type { HealConfig } from "./config.ts";
import { runSync } from "./process.ts";
import type { Framework, Stack } from "./types.ts";

/** A stack as run-tests runs it: `report` is set for configured commands that write their own report. */
export interface RunnableStack extends Stack {
  report?: string;
}

/** Folders never searched: dependencies, virtualenvs, tool caches, VCS data. Hidden folders are skipped too. */
const SKIP_DIRS = new Set(["node_modules", "__pycache__", "site-packages", "venv", "env", "dist", "coverage", "bower_components"]);
const MAX_DIRS = 20_000;
const MAX_DEPTH = 12;

const JS_TEST_FILE = /(?:\.|_)(?:test|spec)\.[cm]?[jt]sx?$/;
const PY_TEST_FILE = /^(?:test_.*|.*_test)\.py$/;
const PY_PROJECT_MARKERS = ["pytest.ini", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "requirements.txt"];

interface DirInfo {
  rel: string;
  files: Set<string>;
}

/** Every folder of the repo (POSIX, repo-relative, "." for the root) with its file names. */
function walk(repoRoot: string): DirInfo[] {
  const out: DirInfo[] = [];
  const queue: { rel: string; depth: number }[] = [{ rel: ".", depth: 0 }];
  for (let next = 0; next < queue.length && out.length < MAX_DIRS; next++) {
    const { rel, depth } = queue[next]!;
    let entries;
    try {
      entries = readdirSync(join(repoRoot, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    const files = new Set<string>();
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isFile()) files.add(e.name);
      else if (e.isDirectory() && depth < MAX_DEPTH && !e.name.startsWith(".") && !SKIP_DIRS.has(e.name)) {
        queue.push({ rel: rel === "." ? e.name : `${rel}/${e.name}`, depth: depth + 1 });
      }
    }
    out.push({ rel, files });
  }
  return out;
}

function isUnder(child: string, parent: string): boolean {
  return parent === "." || child === parent || child.startsWith(`${parent}/`);
}

function readSmall(path: string, max = 1024 * 1024): string {
  try {
    if (statSync(path).size > max) return "";
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: unknown;
}

function readPackageJson(path: string): PackageJson | null {
  try {
    const v = JSON.parse(readSmall(path));
    return v && typeof v === "object" ? (v as PackageJson) : null;
  } catch {
    return null;
  }
}

const hasConfig = (files: Set<string>, base: string) =>
  [...files].some((f) => f.startsWith(`${base}.`) && /\.(?:[cm]?[jt]s|json)$/.test(f));

/** Which JS runner a folder uses: the `test` script wins, then dependencies and config files, then bun's files. */
function jsFramework(dir: DirInfo, pkg: PackageJson | null, hasTests: boolean): Framework | null {
  const script = pkg?.scripts?.test ?? "";
  if (/\bbun\s+test\b/.test(script)) return "bun";
  if (/\bvitest\b/.test(script)) return "vitest";
  if (/\bjest\b/.test(script)) return "jest";
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  if ("vitest" in deps || hasConfig(dir.files, "vitest.config") || hasConfig(dir.files, "vitest.workspace")) return "vitest";
  if ("jest" in deps || hasConfig(dir.files, "jest.config") || pkg?.jest !== undefined) return "jest";
  const bunFiles = ["bun.lock", "bun.lockb", "bunfig.toml"].some((f) => dir.files.has(f));
  if (bunFiles && hasTests) return "bun";
  return null;
}

/** The runner binary installed for `cwd` (its own or a parent's node_modules), relative to cwd. */
function nodeBin(repoRoot: string, cwd: string, name: string): string[] {
  let dir = cwd;
  for (;;) {
    const candidate = join(repoRoot, dir, "node_modules/.bin", name);
    if (existsSync(candidate)) return [relative(join(repoRoot, cwd), candidate) || candidate];
    if (dir === ".") break;
    dir = dirname(dir) === "." || dirname(dir) === dir ? "." : dirname(dir);
  }
  return ["npx", name];
}

const pytestCache = new Map<string, boolean>();
function canImportPytest(python: string): boolean {
  let ok = pytestCache.get(python);
  if (ok === undefined) {
    ok = runSync([python, "-c", "import pytest"], { cwd: process.cwd(), timeoutMs: 20_000 }).exitCode === 0;
    pytestCache.set(python, ok);
  }
  return ok;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
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

function hasCommand(name: string, env = process.env): boolean {
  return (env.PATH ?? "").split(delimiter).some((d) => d && isExecutable(join(d, name)));
}

/** A filename-safe id: the framework, plus the folder for stacks outside the root. */
function stackId(framework: string, cwd: string, taken: Set<string>): string {
  const base = cwd === "." ? framework : `${framework}-${cwd.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "")}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/** Keeps the outermost folders: a run in a parent folder already covers its subfolders. */
function outermost(dirs: string[]): string[] {
  const sorted = [...new Set(dirs)].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const d of sorted) if (!kept.some((k) => isUnder(d, k))) kept.push(d);
  return kept.sort();
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
}

/** The stacks to run in `repoRoot`, in a stable order (JS, Python, Terraform, Terragrunt; then by folder). */
export async function detectStacks(repoRoot: string, config: HealConfig, opts: DetectOptions = {}): Promise<RunnableStack[]> {
  const env = opts.env ?? process.env;
  const taken = new Set<string>();
  if (config.stacks) {
    for (const s of config.stacks) if (s.id) taken.add(s.id);
    return config.stacks.map((s) => ({
      id: s.id ?? stackId(s.framework, s.cwd, taken),
      framework: s.framework,
      cwd: s.cwd,
      command: s.command,
      ...(s.report ? { report: s.report } : {}),
    }));
  }

  const dirs = walk(repoRoot);
  const byRel = new Map(dirs.map((d) => [d.rel, d]));
  const jsTestDirs = dirs.filter((d) => [...d.files].some((f) => JS_TEST_FILE.test(f))).map((d) => d.rel);

  // JavaScript / TypeScript: one runner per package folder, outermost folder per runner.
  const js = new Map<Framework, string[]>();
  for (const d of dirs) {
    const isPackage = d.files.has("package.json") || d.files.has("bunfig.toml") || d.files.has("bun.lock");
    if (!isPackage) continue;
    const pkg = d.files.has("package.json") ? readPackageJson(join(repoRoot, d.rel, "package.json")) : null;
    const fw = jsFramework(
      d,
      pkg,
      jsTestDirs.some((t) => isUnder(t, d.rel)),
    );
    if (fw) js.set(fw, [...(js.get(fw) ?? []), d.rel]);
  }

  // Python: pytest config files mark a project; a test file belongs to its nearest project folder.
  const pyRoots: string[] = [];
  for (const d of dirs) {
    const f = d.files;
    if (
      f.has("pytest.ini") ||
      (f.has("pyproject.toml") && /^\[tool\.pytest/m.test(readSmall(join(repoRoot, d.rel, "pyproject.toml")))) ||
      (f.has("setup.cfg") && /^\[tool:pytest\]/m.test(readSmall(join(repoRoot, d.rel, "setup.cfg")))) ||
      (f.has("tox.ini") && /^\[pytest\]/m.test(readSmall(join(repoRoot, d.rel, "tox.ini"))))
    ) {
      pyRoots.push(d.rel);
      continue;
    }
    if (f.has("conftest.py") || [...f].some((n) => PY_TEST_FILE.test(n))) {
      let up = d.rel;
      for (;;) {
        const info = byRel.get(up);
        if (info && PY_PROJECT_MARKERS.some((m) => info.files.has(m))) break;
        if (up === ".") break;
        up = up.includes("/") ? up.slice(0, up.lastIndexOf("/")) : ".";
      }
      pyRoots.push(up);
    }
  }

  // Terraform: every folder with .tf files is a module validated on its own; terragrunt units when installed.
  const hasTerragrunt = hasCommand("terragrunt", env);
  const tgDirs = hasTerragrunt ? dirs.filter((d) => d.files.has("terragrunt.hcl")).map((d) => d.rel) : [];
  // A terragrunt.hcl with units below it is the shared root config, not a unit.
  const tgUnits = tgDirs.filter((d) => !tgDirs.some((o) => o !== d && isUnder(o, d)));
  const tfDirs = dirs.filter((d) => [...d.files].some((f) => f.endsWith(".tf")) && !tgDirs.includes(d.rel)).map((d) => d.rel);

  const stacks: RunnableStack[] = [];
  const add = (framework: Framework, cwd: string, command: string[]) =>
    stacks.push({ id: stackId(framework, cwd, taken), framework, cwd, command });

  for (const fw of ["bun", "vitest", "jest"] as const) {
    for (const cwd of outermost(js.get(fw) ?? [])) {
      if (fw === "bun") add("bun", cwd, ["bun", "test"]);
      else if (fw === "vitest") add("vitest", cwd, [...nodeBin(repoRoot, cwd, "vitest"), "run"]);
      else add("jest", cwd, nodeBin(repoRoot, cwd, "jest"));
    }
  }
  for (const cwd of outermost(pyRoots)) add("pytest", cwd, [pythonFor(repoRoot, cwd, config, env), "-m", "pytest"]);
  for (const cwd of [...tfDirs].sort()) add("terraform", cwd, ["terraform", "validate"]);
  for (const cwd of [...tgUnits].sort()) add("terragrunt", cwd, ["terragrunt", "validate"]);
  return stacks;
}
