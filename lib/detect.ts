// Finds the test stacks of a repository: the repository is walked once and each runner adapter
// (lib/runners/) says which folders it runs in. JavaScript package folders get the one runner that
// claims them most strongly. The config's `stacks:` replaces detection.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import type { HealConfig } from "./config.ts";
import { findNodeLockfile } from "./prepare.ts";
import type { PackageManager, Stack } from "./types.ts";
import {
  CLAIM_RANK,
  type Claim,
  isExecutable,
  outermost,
  type PackageFolder,
  type PackageJson,
  type RepoFolder,
  type RepoTree,
  type RunnableStack,
} from "./runners/adapter.ts";
import {
  chainsRunners,
  checksBeforeRunner,
  packageManagerOf,
  runnerSegments,
  scriptCommand,
  scriptRunner,
  scriptSegments,
  segmentCommand,
  segmentRunner,
  vitestNeedsRun,
} from "./runners/package-script.ts";
import { ADAPTERS } from "./runners/registry.ts";
import { fansOut, findWorkspaces, type Workspace } from "./workspaces.ts";

export type { RunnableStack } from "./runners/adapter.ts";
export { pythonFor } from "./runners/pytest.ts";

/** Folders never searched: dependencies, virtualenvs, tool caches, VCS data. Hidden folders are skipped too. */
const SKIP_DIRS = new Set(["node_modules", "__pycache__", "site-packages", "venv", "env", "dist", "coverage", "bower_components"]);
const MAX_DIRS = 20_000;
const MAX_DEPTH = 12;

const JS_TEST_FILE = /(?:\.|_)(?:test|spec)\.[cm]?[jt]sx?$/;

/** Every folder of the repo (POSIX, repo-relative, "." for the root) with its file names. */
function walk(repoRoot: string): RepoFolder[] {
  const out: RepoFolder[] = [];
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

function readPackageJson(path: string): PackageJson | null {
  try {
    const v = JSON.parse(readSmall(path));
    return v && typeof v === "object" ? (v as PackageJson) : null;
  } catch {
    return null;
  }
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

/** A filename-safe id: the framework, plus the folder for stacks outside the root. */
function stackId(framework: string, cwd: string, taken: Set<string>): string {
  const base = cwd === "." ? framework : `${framework}-${cwd.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "")}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/** The repository as adapters see it. */
export function repoTree(repoRoot: string, config: HealConfig, env: NodeJS.ProcessEnv = process.env): RepoTree {
  const folders = walk(repoRoot);
  const byRel = new Map(folders.map((d) => [d.rel, d]));
  return {
    repoRoot,
    config,
    env,
    folders,
    folder: (rel) => byRel.get(rel),
    read: (rel, name) => readSmall(join(repoRoot, rel, name)),
    hasCommand: (name) => (env.PATH ?? "").split(delimiter).some((d) => d && isExecutable(join(d, name))),
    nodeBin: (cwd, name) => nodeBin(repoRoot, cwd, name),
  };
}

/** Each JavaScript package folder with the runner that claims it most strongly (a tie: registry order). */
function packageRunners(tree: RepoTree): { claimed: Map<string, string[]>; packages: Map<string, PackageFolder> } {
  const packages = new Map<string, PackageFolder>();
  const jsTestDirs = tree.folders.filter((d) => [...d.files].some((f) => JS_TEST_FILE.test(f))).map((d) => d.rel);
  const claimed = new Map<string, string[]>();
  for (const folder of tree.folders) {
    const f = folder.files;
    if (!f.has("package.json") && !f.has("bunfig.toml") && !f.has("bun.lock")) continue;
    const pkg = f.has("package.json") ? readPackageJson(join(tree.repoRoot, folder.rel, "package.json")) : null;
    const p: PackageFolder = {
      folder,
      pkg,
      testScript: pkg?.scripts?.test ?? "",
      deps: { ...pkg?.dependencies, ...pkg?.devDependencies },
      hasTests: jsTestDirs.some((t) => isUnder(t, folder.rel)),
    };
    packages.set(folder.rel, p);
    let best: { name: string; claim: Claim } | null = null;
    for (const a of ADAPTERS) {
      const claim = a.claimPackage?.(p) ?? null;
      if (claim && (!best || CLAIM_RANK[claim] > CLAIM_RANK[best.claim])) best = { name: a.name, claim };
    }
    if (best) claimed.set(best.name, [...(claimed.get(best.name) ?? []), folder.rel]);
  }
  return { claimed, packages };
}

/**
 * The package manager of a folder: its lockfile's (here or above), else package.json's `packageManager` (its
 * workspace root's for a workspace package), else pnpm for a pnpm-workspace.yaml, else npm.
 */
function packageManager(tree: RepoTree, p: PackageFolder, ws: WorkspaceLayout): PackageManager {
  const field = (pkg: PackageJson | null | undefined) => packageManagerOf((pkg as { packageManager?: unknown } | null)?.packageManager);
  const workspace = ws.of.get(p.folder.rel);
  return (
    findNodeLockfile(tree.repoRoot, p.folder.rel)?.tool ??
    field(p.pkg) ??
    (workspace ? (field(ws.packages.get(workspace.root)?.pkg) ?? workspace.manager) : null) ??
    "npm"
  );
}

/** How workspaces change detection: roots that are no stack, packages run apart, each package's workspace. */
interface WorkspaceLayout {
  /** Workspace roots whose test script fans out to the packages, or runs no runner while packages do. */
  dropped: Set<string>;
  /** Workspace packages whose own `test` script runs a runner: each its own stack. */
  apart: Set<string>;
  of: Map<string, Workspace>;
  packages: Map<string, PackageFolder>;
}

/**
 * A workspace whose root runs a runner itself (`vitest run` over its projects) stays one stack at the root.
 * Otherwise each package whose test script runs a runner is its own stack, run by that script, and the root
 * is none when it fans out (`pnpm -r test`, turbo, lerna) or when its packages' stacks cover its tests.
 */
function workspaceLayout(tree: RepoTree, packages: Map<string, PackageFolder>): WorkspaceLayout {
  const layout: WorkspaceLayout = { dropped: new Set(), apart: new Set(), of: new Map(), packages };
  const runsRunner = (script: string) => !fansOut(script) && scriptSegments(script).some((seg) => segmentRunner(seg) !== null);
  for (const ws of findWorkspaces(tree)) {
    for (const m of ws.members) layout.of.set(m, ws);
    const rootScript = packages.get(ws.root)?.testScript ?? "";
    if (runsRunner(rootScript)) continue;
    const own = ws.members.filter((m) => runsRunner(packages.get(m)?.testScript ?? ""));
    for (const m of own) layout.apart.add(m);
    if (own.length > 0 || fansOut(rootScript)) layout.dropped.add(ws.root);
  }
  return layout;
}

/**
 * The package's own `test` script when its last segment runs this runner (pretest, the script's own set-up
 * and flags kept; appended flags reach the runner), else the runner alone; a runner not installed, too.
 */
function packageCommand(
  tree: RepoTree,
  a: { name: string; command(tree: RepoTree, cwd: string): string[] },
  p: PackageFolder | undefined,
  cwd: string,
  ws: WorkspaceLayout,
): Pick<Stack, "command" | "script"> {
  const own = a.command(tree, cwd);
  // A runner not installed stays `npx <runner>`: environment.ts names what is missing (the script would exit 127).
  if (!p || scriptRunner(p.testScript) !== a.name || own[0] === "npx") return { command: own };
  const manager = packageManager(tree, p, ws);
  const runner = a.name as NonNullable<Stack["script"]>["runner"];
  const command = [...scriptCommand(manager), ...(runner === "vitest" && vitestNeedsRun(p.testScript) ? ["--run"] : [])];
  return { command, script: { manager, runner } };
}

/**
 * One stack per runner segment of a `test` script that chains several runners (`vitest run && vitest run
 * --config x`): each runs in the package folder as the segment says, with its own reporter flags and report,
 * and every one runs even when an earlier one fails. pretest and the segments before the first runner are
 * heal:prepare steps (lib/prepare.ts).
 */
function segmentStacks(tree: RepoTree, p: PackageFolder, cwd: string, taken: Set<string>): RunnableStack[] {
  const segments = runnerSegments(p.testScript);
  return segments.map(({ words, runner, index }) => {
    // The program as the package manager finds it (node_modules/.bin); a runner not installed stays `npx <runner>`.
    const bin = (name: string) => {
      if (name.includes("/")) return null;
      const found = tree.nodeBin(cwd, name);
      return found[0] !== "npx" || (name === runner && runner !== "bun") ? found : null;
    };
    const command = segmentCommand(words, runner, bin);
    return { id: stackId(runner, cwd, taken), framework: runner, cwd, command, segment: { index, of: segments.length } };
  });
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
}

/** The stacks to run in `repoRoot`, in registry order (JS, Python, Go, Terraform, Terragrunt; then by folder). */
export async function detectStacks(repoRoot: string, config: HealConfig, opts: DetectOptions = {}): Promise<RunnableStack[]> {
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
  const tree = repoTree(repoRoot, config, opts.env ?? process.env);
  const { claimed, packages } = packageRunners(tree);
  const ws = workspaceLayout(tree, packages);
  const stacks: RunnableStack[] = [];
  for (const a of ADAPTERS) {
    // Nested packages with the same runner run once, from the outermost folder; workspace packages by their own scripts.
    const own = (claimed.get(a.name) ?? []).filter((d) => !ws.dropped.has(d));
    const folders = a.claimPackage ? outermost(own, ws.apart) : (a.findFolders?.(tree) ?? []);
    for (const cwd of folders) {
      const p = a.claimPackage ? packages.get(cwd) : undefined;
      if (p && !fansOut(p.testScript) && (chainsRunners(p.testScript) || checksBeforeRunner(p.testScript))) {
        stacks.push(...segmentStacks(tree, p, cwd, taken));
        continue;
      }
      const run = a.claimPackage ? packageCommand(tree, a, packages.get(cwd), cwd, ws) : { command: a.command(tree, cwd) };
      stacks.push({ id: stackId(a.name, cwd, taken), framework: a.name, cwd, ...run });
    }
  }
  return stacks;
}
