// The toolchain a repository names for its tests: the Node.js and Python versions, the package manager, and the
// package store worth caching between runs. The composite action feeds it to actions/setup-node,
// actions/setup-python, corepack and actions/cache before heal:prepare installs from the lockfiles.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, posix } from "node:path";
import type { RunnableStack } from "./detect.ts";
import { HealError } from "./errors.ts";
import { findNodeLockfile, pyprojectRequirements, sha256 } from "./prepare.ts";
import { runSync } from "./process.ts";
import type { PackageManager } from "./types.ts";

/** Runners whose project is a Node.js package (the same set heal:prepare installs node_modules for). */
const JS_RUNNERS = new Set<string>(["bun", "vitest", "jest", "node-test", "mocha"]);

/** A version for setup-node or setup-python: a file it reads itself (preferred), or a version spec. */
export interface VersionSetup {
  /** Repo-relative file passed as `node-version-file` / `python-version-file`. */
  versionFile?: string;
  /** Spec passed as `node-version` / `python-version` when the file is one the action cannot read as it is. */
  version?: string;
  /** What the action will install from: the spec as read. */
  spec: string;
  /** Where it was read: `.nvmrc`, `package.json engines.node`, `pyproject.toml requires-python`, ... */
  source: string;
}

export interface PackageManagerSetup {
  name: PackageManager;
  /** Exact version from `packageManager`, else null (the lockfile named only the tool). */
  version: string | null;
  /** `sha512.<hex>` from `packageManager`, checked by corepack when it downloads. */
  hash: string | null;
  /** Repo-relative folder whose package.json (or lockfile) names it. */
  dir: string;
  source: string;
  /** pnpm and yarn come through corepack, which reads `packageManager` and checks its hash. */
  corepack: boolean;
}

export type StoreTool = PackageManager | "pip";

/** A package store to keep between runs, keyed on the hash of what installs into it. */
export interface StoreCache {
  tool: StoreTool;
  /** Folder the store command runs in (the lockfile's). */
  dir: string;
  key: string;
  /** Prefix for actions/cache `restore-keys`: a changed lockfile still restores most packages. */
  restoreKey: string;
  /** Absolute store path when known without running the tool (pip); else `storePath()` finds it. */
  path?: string;
}

export interface Toolchain {
  node: VersionSetup | null;
  packageManager: PackageManagerSetup | null;
  python: VersionSetup | null;
  nodeStore: StoreCache | null;
  pythonStore: StoreCache | null;
}

function fileText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** `dir`, its parents, up to the repository root ("."), nearest first. */
function upwards(dir: string): string[] {
  const out = [dir];
  while (out.at(-1) !== ".") out.push(posix.dirname(out.at(-1)!));
  return out;
}

// ---------- version specs ----------

/** One comparator of a semver range (`>=18`, `^20.1`, `v20`, `18.x`, `20.0.0-rc.1`). */
const COMPARATOR = /^(?:[<>]=?|=|\^|~)?v?(?:\d+|[xX*])(?:\.(?:\d+|[xX*])){0,2}(?:-?[0-9A-Za-z][0-9A-Za-z.-]*)?(?:\+[0-9A-Za-z.-]+)?$/;
/** Node.js aliases setup-node resolves itself. */
const NODE_ALIAS = /^(?:lts\/(?:\*|-\d+|[a-z]+)|node|latest|current|stable|\*)$/i;
/** PyPy and GraalPy, as setup-python names them (`pypy3.10`, `pypy-3.9-v7.3.x`, `graalpy-24.0`). */
const PY_IMPLEMENTATION = /^(?:pypy|graalpy)-?\d+(?:\.\d+)*(?:-(?:v?[\d.x]+|nightly))?$/i;

/** A semver range: `||` alternatives of space-separated comparators (`>=18 <21`, `18 - 20`, `^20 || ^22`). */
export function isVersionRange(spec: string): boolean {
  return spec.split("||").every((alternative) => {
    const words = alternative
      .trim()
      .replace(/\s+-\s+/g, " ")
      .replace(/([<>]=?|=|\^|~)\s+/g, "$1")
      .split(/\s+/);
    return words.length > 0 && words.every((w) => COMPARATOR.test(w));
  });
}

function isNodeSpec(spec: string): boolean {
  return NODE_ALIAS.test(spec) || isVersionRange(spec);
}

function isPythonSpec(spec: string): boolean {
  return PY_IMPLEMENTATION.test(spec) || isVersionRange(spec);
}

function invalid(file: string, what: string, spec: string, expected: string): HealError {
  const shown = spec.length > 60 ? `${spec.slice(0, 60)}…` : spec;
  return new HealError("TOOLCHAIN_INVALID", `${what} ${JSON.stringify(shown)} is not ${expected}`, file);
}

const NODE_EXPECTED = "a Node.js version setup-node can install (20, v20.11.1, lts/*, >=18 <21)";
const PYTHON_EXPECTED = "a Python version setup-python can install (3.12, 3.11.9, pypy3.10, >=3.9 <3.13)";

// ---------- Node.js ----------

/** The spec setup-node reads from `.nvmrc` / `.node-version`: the first one-word line, `node`/`v` prefix dropped. */
export function nodeSpecOfFile(text: string): string {
  const found = /^(?:node(?:js)?\s+)?v?(?<version>[^\s]+)$/m.exec(text);
  return found?.groups?.version ?? text.trim();
}

/** What setup-node reads from package.json: volta.node, then devEngines.runtime's node, then engines.node. */
export function nodeSpecOfPackageJson(pkg: Record<string, unknown>): { spec: string; field: string } | null {
  const volta = pkg.volta as { node?: unknown } | undefined;
  if (typeof volta?.node === "string" && volta.node) return { spec: volta.node, field: "volta.node" };
  const runtime = (pkg.devEngines as { runtime?: unknown } | undefined)?.runtime;
  const entries = (Array.isArray(runtime) ? runtime : [runtime]) as { name?: unknown; version?: unknown }[];
  const node = entries.find(
    (e) => typeof e?.name === "string" && e.name.toLowerCase() === "node" && typeof e.version === "string" && e.version,
  );
  if (node) return { spec: node.version as string, field: "devEngines.runtime" };
  const engines = pkg.engines as { node?: unknown } | undefined;
  if (typeof engines?.node === "string" && engines.node) return { spec: engines.node, field: "engines.node" };
  return null;
}

function readPackageJson(repoRoot: string, rel: string): Record<string, unknown> | null {
  const text = fileText(join(repoRoot, rel));
  if (text === null) return null;
  try {
    const pkg = JSON.parse(text) as unknown;
    return pkg && typeof pkg === "object" && !Array.isArray(pkg) ? (pkg as Record<string, unknown>) : null;
  } catch {
    throw new HealError("TOOLCHAIN_INVALID", "is not valid JSON", rel);
  }
}

/** `.nvmrc`, `.node-version`, package.json (volta / devEngines / engines), nearest folder first. */
export function nodeVersion(repoRoot: string, projectDir: string): VersionSetup | null {
  for (const dir of upwards(projectDir)) {
    for (const name of [".nvmrc", ".node-version"]) {
      const rel = posix.join(dir, name);
      const text = fileText(join(repoRoot, rel));
      if (text === null) continue;
      const spec = nodeSpecOfFile(text);
      if (!isNodeSpec(spec)) throw invalid(rel, "names", spec, NODE_EXPECTED);
      return { versionFile: rel, spec, source: rel };
    }
    const rel = posix.join(dir, "package.json");
    const pkg = readPackageJson(repoRoot, rel);
    const found = pkg && nodeSpecOfPackageJson(pkg);
    if (found) {
      if (!isNodeSpec(found.spec.trim())) throw invalid(rel, found.field, found.spec, NODE_EXPECTED);
      return { versionFile: rel, spec: found.spec.trim(), source: `${rel} ${found.field}` };
    }
  }
  return null;
}

const PACKAGE_MANAGER = /^(npm|pnpm|yarn|bun)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+((?:sha1|sha224|sha256|sha512)\.[0-9a-fA-F]+))?$/;

/** package.json `packageManager` (`pnpm@9.1.0+sha512.…`): name, exact version, hash. */
export function parsePackageManager(field: string, file: string): { name: PackageManager; version: string; hash: string | null } | null {
  const m = PACKAGE_MANAGER.exec(field.trim());
  if (m) return { name: m[1] as PackageManager, version: m[2]!, hash: m[3] ?? null };
  // corepack refuses pnpm and yarn without an exact version; npm and bun are not set up from it, so they pass.
  if (/^(pnpm|yarn)@/.test(field.trim()))
    throw invalid(file, "packageManager", field, "<name>@<exact version>[+sha512.<hex>], as corepack needs (pnpm@9.1.0)");
  return null;
}

function packageManagerOf(repoRoot: string, projectDir: string): PackageManagerSetup | null {
  const lock = findNodeLockfile(repoRoot, projectDir);
  for (const dir of upwards(lock?.dir ?? projectDir)) {
    const rel = posix.join(dir, "package.json");
    const field = readPackageJson(repoRoot, rel)?.packageManager;
    const pm = typeof field === "string" ? parsePackageManager(field, rel) : null;
    if (pm) return { ...pm, dir, source: `${rel} packageManager`, corepack: pm.name === "pnpm" || pm.name === "yarn" };
  }
  if (!lock) return null;
  const name = lock.tool;
  return {
    name,
    version: null,
    hash: null,
    dir: lock.dir,
    source: posix.join(lock.dir, lock.lockfile),
    corepack: name === "pnpm" || name === "yarn",
  };
}

// ---------- Python ----------

/** `.python-version` lines as setup-python reads them (comments skipped, a pyenv `3.10/envs/x` pointer cut). */
export function pythonSpecsOfFile(text: string): string[] {
  return text
    .trim()
    .split(/\r\n|\r|\n/)
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.trim().split("/")[0]!);
}

/**
 * A PEP 440 specifier (`>=3.9,<3.13`, `~=3.10`, `==3.11.*`) as the semver range setup-python understands, or
 * null when a clause has no such form. `!=` clauses are dropped: a range cannot hold a hole.
 */
export function pep440ToRange(spec: string): string | null {
  const out: string[] = [];
  for (const raw of spec.split(",")) {
    const clause = raw.replace(/\s+/g, "");
    if (clause === "" || clause.startsWith("!=")) continue;
    let m = /^~=(\d+)\.(\d+)(?:\.(\d+))?$/.exec(clause);
    if (m) {
      out.push(m[3] === undefined ? `>=${m[1]}.${m[2]} <${Number(m[1]) + 1}` : `>=${m[1]}.${m[2]}.${m[3]} <${m[1]}.${Number(m[2]) + 1}`);
      continue;
    }
    m = /^={2,3}(\d+(?:\.\d+){0,2})(?:\.\*)?$/.exec(clause);
    if (m) {
      out.push(m[1]!);
      continue;
    }
    if (!COMPARATOR.test(clause)) return null;
    out.push(clause);
  }
  return out.length > 0 ? out.join(" ") : null;
}

/** `.python-version` (nearest folder first), then pyproject.toml `requires-python` (poetry's `python` without [project]). */
export function pythonVersion(repoRoot: string, projectDir: string): VersionSetup | null {
  for (const dir of upwards(projectDir)) {
    const rel = posix.join(dir, ".python-version");
    const text = fileText(join(repoRoot, rel));
    if (text === null) continue;
    const specs = pythonSpecsOfFile(text);
    if (specs.length === 0) throw invalid(rel, "names", text.trim(), PYTHON_EXPECTED);
    const bad = specs.find((s) => !isPythonSpec(s));
    if (bad !== undefined) throw invalid(rel, "names", bad, PYTHON_EXPECTED);
    return { versionFile: rel, spec: specs.join(", "), source: rel };
  }
  for (const dir of upwards(projectDir)) {
    const rel = posix.join(dir, "pyproject.toml");
    const text = fileText(join(repoRoot, rel));
    if (text === null) continue;
    let doc: Record<string, any>;
    try {
      doc = Bun.TOML.parse(text) as Record<string, any>;
    } catch (err) {
      throw new HealError("TOOLCHAIN_INVALID", `is not valid TOML (${(err as Error).message.split("\n")[0]})`, rel);
    }
    // setup-python reads [project] when it is there, else poetry's python dependency.
    const [spec, field] = doc.project
      ? [doc.project["requires-python"], "requires-python"]
      : [doc.tool?.poetry?.dependencies?.python, "tool.poetry.dependencies.python"];
    if (typeof spec !== "string" || spec.trim() === "") continue;
    const range = pep440ToRange(spec);
    if (range === null) throw invalid(rel, field, spec, PYTHON_EXPECTED);
    const asFile = spec
      .split(",")
      .map((c) => c.replace(/\s+/g, ""))
      .every((c) => COMPARATOR.test(c));
    // setup-python reads the file when every clause is already semver; otherwise the converted range is passed.
    return asFile
      ? { versionFile: rel, spec: range, source: `${rel} ${field}` }
      : { version: range, spec: range, source: `${rel} ${field} (${spec.trim()})` };
  }
  return null;
}

const PY_DEPENDENCY_FILES = /^(?:requirements[\w.-]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock)$/;

/** The pip cache: PIP_CACHE_DIR, else pip's default (~/Library/Caches/pip on macOS, $XDG_CACHE_HOME/pip or ~/.cache/pip). */
export function pipCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.PIP_CACHE_DIR) return env.PIP_CACHE_DIR;
  const home = env.HOME || homedir();
  if (platform === "darwin") return join(home, "Library/Caches/pip");
  return join(env.XDG_CACHE_HOME || join(home, ".cache"), "pip");
}

function listFiles(repoRoot: string, dir: string): string[] {
  try {
    return readdirSync(join(repoRoot, dir)).sort();
  } catch {
    return [];
  }
}

// ---------- the whole toolchain ----------

/** The project folder of each kind of stack: a JS stack's lockfile folder (else its own), a pytest stack's folder. */
function projectDirs(repoRoot: string, stacks: RunnableStack[]): { node: string[]; python: string[] } {
  const node = stacks.filter((s) => JS_RUNNERS.has(s.framework)).map((s) => findNodeLockfile(repoRoot, s.cwd)?.dir ?? s.cwd);
  const python = stacks.filter((s) => s.framework === "pytest").map((s) => s.cwd);
  return { node: [...new Set(node)], python: [...new Set(python)] };
}

/**
 * Reads what the repository names for the stacks heal will run; the first stack of a kind decides its version
 * and package manager. Nothing for a kind with no stack. Throws HealError naming the file whose version is not one.
 */
export function readToolchain(repoRoot: string, stacks: RunnableStack[], env: NodeJS.ProcessEnv = process.env): Toolchain {
  const dirs = projectDirs(repoRoot, stacks);
  const os = env.RUNNER_OS || process.platform;
  const nodeDir = dirs.node[0];
  const pyDir = dirs.python[0];
  const node = nodeDir === undefined ? null : nodeVersion(repoRoot, nodeDir);
  const packageManager = nodeDir === undefined ? null : packageManagerOf(repoRoot, nodeDir);
  const python = pyDir === undefined ? null : pythonVersion(repoRoot, pyDir);

  let nodeStore: StoreCache | null = null;
  const lockfiles = dirs.node
    .map((d) => findNodeLockfile(repoRoot, d))
    .filter((l) => l !== null)
    .map((l) => posix.join(l.dir, l.lockfile));
  if (packageManager && lockfiles.length > 0) {
    // No lockfile, no install by heal:prepare: nothing worth caching.
    const files = [...new Set(lockfiles)].sort();
    const hash = sha256(files.flatMap((f) => [f, fileText(join(repoRoot, f)) ?? ""]));
    const prefix = `heal-store-${packageManager.name}-${os}-`;
    nodeStore = { tool: packageManager.name, dir: packageManager.dir, key: `${prefix}${hash}`, restoreKey: prefix };
  }

  let pythonStore: StoreCache | null = null;
  const pyFiles = dirs.python.flatMap((d) =>
    listFiles(repoRoot, d)
      .filter((f) => PY_DEPENDENCY_FILES.test(f))
      .map((f) => posix.join(d, f)),
  );
  // A pyproject.toml without dependencies installs nothing; the other files always name some.
  const installs = pyFiles.some(
    (f) => !f.endsWith("pyproject.toml") || pyprojectRequirements(fileText(join(repoRoot, f)) ?? "").length > 0,
  );
  if (pyDir !== undefined && installs) {
    const hash = sha256(pyFiles.flatMap((f) => [f, fileText(join(repoRoot, f)) ?? ""]));
    const prefix = `heal-store-pip-${os}-`;
    pythonStore = { tool: "pip", dir: pyDir, key: `${prefix}${hash}`, restoreKey: prefix, path: pipCacheDir(env) };
  }
  return { node, packageManager, python, nodeStore, pythonStore };
}

/** The `key=value` lines the composite action reads from `$GITHUB_OUTPUT`; every key present, empty when unset. */
export function toolchainOutputs(t: Toolchain): Record<string, string> {
  return {
    "node-version-file": t.node?.versionFile ?? "",
    "node-version": t.node?.version ?? "",
    "package-manager": t.packageManager?.name ?? "",
    "package-manager-version": t.packageManager?.version ?? "",
    "package-manager-dir": t.packageManager?.dir ?? "",
    corepack: t.packageManager?.corepack ? "true" : "",
    "python-version-file": t.python?.versionFile ?? "",
    "python-version": t.python?.version ?? "",
    "node-store-key": t.nodeStore?.key ?? "",
    "node-store-restore-key": t.nodeStore?.restoreKey ?? "",
    "python-store": t.pythonStore?.path ?? "",
    "python-store-key": t.pythonStore?.key ?? "",
    "python-store-restore-key": t.pythonStore?.restoreKey ?? "",
  };
}

/** The command printing a package manager's store folder (yarn 2+ keeps it in its config, yarn 1 has `cache dir`). */
export function storeCommand(tool: PackageManager, repoRoot: string, dir: string): string[] {
  if (tool === "npm") return ["npm", "config", "get", "cache"];
  if (tool === "pnpm") return ["pnpm", "store", "path"];
  if (tool === "bun") return ["bun", "pm", "cache"];
  const berry =
    existsSync(join(repoRoot, dir, ".yarnrc.yml")) ||
    /^__metadata:/m.test((fileText(join(repoRoot, dir, "yarn.lock")) ?? "").slice(0, 4096));
  return berry ? ["yarn", "config", "get", "cacheFolder"] : ["yarn", "cache", "dir"];
}

/** Runs the package manager (set up by then) for its store folder; a problem instead when it cannot tell. */
export function storePath(
  store: StoreCache,
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): { path: string } | { problem: string } {
  if (store.path) return { path: store.path };
  const argv = storeCommand(store.tool as PackageManager, repoRoot, store.dir);
  const r = runSync(argv, { cwd: join(repoRoot, store.dir), env, timeoutMs: 120_000 });
  const path = r.stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (r.exitCode === 0 && isAbsolute(path)) return { path };
  const why = (r.stderr.trim() || r.stdout.trim()).split("\n")[0] ?? "";
  return { problem: `\`${argv.join(" ")}\` in ${store.dir} gave no store folder (exit ${r.exitCode}${why ? `: ${why}` : ""})` };
}
