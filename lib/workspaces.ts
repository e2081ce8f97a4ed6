// Workspaces (npm, yarn, bun: package.json `workspaces`; pnpm: pnpm-workspace.yaml `packages`): which folders
// are a workspace's packages, and whether a root `test` script only fans out to them (`pnpm -r test`,
// `npm run test --workspaces`, turbo, lerna, nx), so detection runs each package as its own script says
// and never the root as well.
import fg from "fast-glob";
import { posix } from "node:path";
import type { PackageManager } from "./types.ts";
import { parseYamlSafe } from "./safe-yaml.ts";
import type { RepoTree } from "./runners/adapter.ts";
import { scriptSegments } from "./runners/package-script.ts";

/** One workspace: its root folder and its member package folders (POSIX, repo-relative). */
export interface Workspace {
  root: string;
  /** pnpm for a pnpm-workspace.yaml; null: package.json's `workspaces` (npm, yarn or bun: lockfile decides). */
  manager: PackageManager | null;
  members: string[];
}

const MAX_DEPTH = 12;

/** The glob patterns of a package.json's `workspaces` (an array, or yarn's `{packages: [...]}`). */
export function packageJsonGlobs(pkg: unknown): string[] {
  const field = (pkg as { workspaces?: unknown } | null)?.workspaces;
  const list = Array.isArray(field) ? field : (field as { packages?: unknown } | undefined)?.packages;
  return Array.isArray(list) ? list.filter((g): g is string => typeof g === "string" && g.trim() !== "") : [];
}

/** The `packages` globs of a pnpm-workspace.yaml text ([] when it is not YAML of that shape). */
export function pnpmWorkspaceGlobs(text: string, file: string): string[] {
  let doc: unknown;
  try {
    doc = parseYamlSafe(text, file);
  } catch {
    return []; // pnpm itself says what is wrong when the script runs
  }
  const list = (doc as { packages?: unknown } | null)?.packages;
  return Array.isArray(list) ? list.filter((g): g is string => typeof g === "string" && g.trim() !== "") : [];
}

/** The member folders (repo-relative) a workspace root's globs name: folders holding a package.json. */
export function expandMembers(repoRoot: string, root: string, globs: string[]): string[] {
  const clean = (g: string) => g.trim().replace(/^\.\//, "").replace(/\/+$/, "");
  const include = globs.filter((g) => !g.trim().startsWith("!")).map((g) => `${clean(g)}/package.json`);
  const exclude = globs.filter((g) => g.trim().startsWith("!")).map((g) => `${clean(g.trim().slice(1))}/package.json`);
  if (include.length === 0) return [];
  const found = fg.sync(include, {
    cwd: posix.join(repoRoot, root),
    ignore: ["**/node_modules/**", ...exclude],
    onlyFiles: true,
    deep: MAX_DEPTH,
    followSymbolicLinks: false,
    suppressErrors: true,
  });
  const members = found.map((f) => posix.join(root, posix.dirname(f))).filter((d) => d !== root);
  return [...new Set(members)].sort();
}

/** Each package manager's flags that run a script in the workspace's packages (pnpm's `-w` is the root: not one). */
const WORKSPACE_FLAGS: Record<PackageManager, Set<string>> = {
  npm: new Set(["--workspaces", "-ws", "--workspace", "-w"]),
  pnpm: new Set(["--recursive", "-r", "--filter", "-F", "--filter-prod"]),
  yarn: new Set(),
  bun: new Set(["--filter", "-F", "--workspaces"]),
};
const MONOREPO_TOOLS = new Set(["turbo", "lerna", "nx", "ultra"]);

/** One segment hands `test` to the workspace's packages: a recursive or filtered package-manager run, or a monorepo tool. */
function segmentFansOut(words: string[]): boolean {
  const names = words.map((w) => w.split("/").pop()!);
  if (names.some((n) => MONOREPO_TOOLS.has(n))) return true;
  const pm = names.findIndex((n) => Object.hasOwn(WORKSPACE_FLAGS, n));
  if (pm === -1) return false;
  const rest = words.slice(pm + 1);
  if (rest.some((w) => WORKSPACE_FLAGS[names[pm] as PackageManager].has(w.split("=")[0]!))) return true;
  // yarn 1 `yarn workspaces run test`, yarn 2+ `yarn workspaces foreach … run test`, `yarn workspace <name> test`.
  return names[pm] === "yarn" && (rest[0] === "workspaces" || rest[0] === "workspace");
}

/** The root `test` script only runs the packages' own scripts: the root is not a stack of its own. */
export function fansOut(script: string): boolean {
  return scriptSegments(script).some(segmentFansOut);
}

/**
 * The segments a fanning-out root `test` script runs before it hands `test` to the packages, in order
 * (`pnpm build && pnpm -r test` -> [["pnpm", "build"]]); [] when it does not fan out or fans out first.
 */
export function segmentsBeforeFanOut(script: string): string[][] {
  const segments = scriptSegments(script);
  const at = segments.findIndex(segmentFansOut);
  return at === -1 ? [] : segments.slice(0, at);
}

/** Every workspace of the repository: folders with a pnpm-workspace.yaml or a package.json `workspaces` field. */
export function findWorkspaces(tree: RepoTree): Workspace[] {
  const out: Workspace[] = [];
  for (const folder of tree.folders) {
    const pnpm = folder.files.has("pnpm-workspace.yaml");
    let pkg: unknown = null;
    if (!pnpm && folder.files.has("package.json")) {
      try {
        pkg = JSON.parse(tree.read(folder.rel, "package.json"));
      } catch {
        continue; // a broken package.json is no workspace; its package manager says why
      }
    }
    const file = posix.join(folder.rel, "pnpm-workspace.yaml");
    const globs = pnpm ? pnpmWorkspaceGlobs(tree.read(folder.rel, "pnpm-workspace.yaml"), file) : packageJsonGlobs(pkg);
    const members = expandMembers(tree.repoRoot, folder.rel, globs);
    if (members.length > 0) out.push({ root: folder.rel, manager: pnpm ? "pnpm" : null, members });
  }
  return out;
}
