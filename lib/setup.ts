// Installing the loop into a repository (task setup): the files to write (workflows rendered from the config,
// SOPs, the default config or the reusable workflow's caller), what to do with each one people may have
// changed, the manifest of what was installed, and the reports folder in .gitignore.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { log } from "./cli.ts";
import { defaultConfig, type HealConfig, loadConfig, parseConfig } from "./config.ts";
import { originRepository } from "./doctor.ts";
import { HealError } from "./errors.ts";
import { git } from "./git.ts";
import { CONFIG_DIR, CONFIG_FILE, TOOLKIT_ROOT } from "./paths.ts";
import { LOOP_WORKFLOW, renderTemplate, renderWorkflows, workflowValues } from "./workflow-render.ts";

export const MANIFEST_FILE = `${CONFIG_DIR}/installed.json`;

export interface Manifest {
  schemaVersion: 1;
  /** The action ref the workflow was installed with. */
  action: string;
  /** Repo-relative path -> sha256 of the content as installed. */
  files: Record<string, string>;
}

export interface PlannedFile {
  path: string;
  content: string;
}

export type Outcome = "created" | "updated" | "unchanged" | "kept";

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** owner/repo@sha of this toolkit checkout when its origin is on GitHub, else null. */
export function toolkitActionRef(root: string = TOOLKIT_ROOT): string | null {
  const repository = originRepository(root);
  const sha = git(root, ["rev-parse", "HEAD"]).stdout;
  return repository && /^[0-9a-f]{40}$/.test(sha) ? `${repository}@${sha}` : null;
}

/** The default branch of `root`'s origin (its remote HEAD), or null when git cannot tell. */
export function originDefaultBranch(root: string): string | null {
  const local = git(root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]);
  if (local.status === 0 && local.stdout.startsWith("origin/")) return local.stdout.slice("origin/".length);
  const remote = git(root, ["ls-remote", "--symref", "origin", "HEAD"]);
  return /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(remote.stdout)?.[1] ?? null;
}

/** The seed config's text: it heals the default branch besides dev and prod when that branch is known. */
export function seedConfigText(defaultBranch: string | null): string {
  const text = readFileSync(join(TOOLKIT_ROOT, "templates/config.yaml"), "utf8");
  if (!defaultBranch || ["dev", "prod"].includes(defaultBranch)) return text;
  const line = "branches: [dev, prod]\n";
  if (!text.includes(line)) throw new Error("templates/config.yaml: no `branches: [dev, prod]` line to render");
  return text.replace(line, `branches: [${defaultBranch}, dev, prod]\n`);
}

export const CALLER_TEMPLATE = "templates/workflows/caller.yml";
export const REUSABLE_WORKFLOW = ".github/workflows/heal-reusable.yml";

/**
 * The ~10-line caller of the toolkit's reusable workflow, at the loop workflow's path. `action` owner/repo@ref
 * names the toolkit; `./` is the toolkit's own repository (its reusable workflow by path, at the run's commit).
 */
export function renderCaller(config: HealConfig, action: string): PlannedFile {
  const values = workflowValues(config, action);
  const local = action.startsWith("./");
  const [path = "", ref = ""] = action.split("@");
  const repository = path.split("/").slice(0, 2).join("/");
  Object.assign(values, {
    __HEAL_REUSABLE__: local ? `./${REUSABLE_WORKFLOW}` : `${repository}/${REUSABLE_WORKFLOW}@${ref}`,
    __HEAL_TOOLKIT_REPOSITORY__: local ? "${{ github.repository }}" : repository,
    __HEAL_TOOLKIT_REF__: local ? "${{ github.sha }}" : ref,
    __HEAL_BRANCHES_JSON__: JSON.stringify(config.branches),
  });
  return { path: LOOP_WORKFLOW, content: renderTemplate(readFileSync(join(TOOLKIT_ROOT, CALLER_TEMPLATE), "utf8"), values) };
}

/** The workflows setup installs: the whole loop, or with `reusable` its caller in the loop workflow's place. */
export function workflowFiles(config: HealConfig, action: string, reusable: boolean): PlannedFile[] {
  const all = renderWorkflows(config, action);
  return reusable ? all.map((w) => (w.path === LOOP_WORKFLOW ? renderCaller(config, action) : w)) : all;
}

/** The files setup installs, as they will be written into the target; the workflows carry `config`'s values. */
export function plannedFiles(opts: { action: string; config: HealConfig; configText: string; reusable?: boolean }): PlannedFile[] {
  const read = (rel: string) => readFileSync(join(TOOLKIT_ROOT, rel), "utf8");
  return [
    ...workflowFiles(opts.config, opts.action, opts.reusable === true),
    ...["SOP_TDD_WORKFLOW.md", "SOP_DEBUGGING.md", "SOP_WRITING_TESTS.md"].map((name) => ({
      path: `.agent/sops/${name}`,
      content: read(`templates/sops/${name}`),
    })),
    { path: CONFIG_FILE, content: opts.configText },
  ];
}

function readManifest(root: string): Manifest | null {
  const abs = join(root, MANIFEST_FILE);
  if (!existsSync(abs)) return null;
  try {
    const data = JSON.parse(readFileSync(abs, "utf8")) as Manifest;
    return data && data.schemaVersion === 1 && data.files && typeof data.files === "object" ? data : null;
  } catch {
    log.warn(`${MANIFEST_FILE} is not valid JSON: every existing file is treated as changed by you`);
    return null;
  }
}

/**
 * What to do with one file: write it when missing, or when it still has the content setup installed
 * (so nobody changed it); keep it when it differs from both (someone edited it, or it predates setup).
 */
export function decide(current: string | null, next: string, installedHash: string | undefined): Outcome {
  if (current === null) return "created";
  if (current === next) return "unchanged";
  if (installedHash !== undefined && sha256(current) === installedHash) return "updated";
  return "kept";
}

export interface SetupResult {
  outcomes: { path: string; outcome: Outcome }[];
  manifest: Manifest;
  /** Whether .gitignore got the reports folder (`added`) or already ignored it (`present`). */
  gitignore: "added" | "present";
}

/** Adds the reports folder to the target's .gitignore unless a line already ignores it (or `.agent/` as a whole). */
export function ignoreReports(target: string, reportsDir: string, dryRun = false): "added" | "present" {
  const abs = join(target, ".gitignore");
  const text = existsSync(abs) ? readFileSync(abs, "utf8") : "";
  const covering = new Set([reportsDir, ".agent"].flatMap((d) => [d, `${d}/`, `/${d}`, `/${d}/`, `${d}/**`, `/${d}/**`]));
  if (text.split(/\r?\n/).some((l) => covering.has(l.trim()))) return "present";
  if (!dryRun) writeFileSync(abs, `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${reportsDir}/\n`);
  return "added";
}

export async function setupRepo(
  target: string,
  opts: { action: string; dryRun?: boolean; defaultBranch?: string | null; reusable?: boolean },
): Promise<SetupResult> {
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    throw new HealError("USAGE", `${target} is not a folder: give the path of the repository to set up`);
  }
  const configText = seedConfigText(opts.defaultBranch === undefined ? originDefaultBranch(target) : opts.defaultBranch);
  // The workflows carry the config's values: an existing config's, else the seed's being installed now.
  const config = existsSync(join(target, CONFIG_FILE)) ? await loadConfig(target) : parseConfig(configText);
  const previous = readManifest(target);
  const manifest: Manifest = { schemaVersion: 1, action: opts.action, files: {} };
  const outcomes: SetupResult["outcomes"] = [];
  for (const file of plannedFiles({ action: opts.action, config, configText, reusable: opts.reusable })) {
    const abs = join(target, file.path);
    const current = existsSync(abs) ? readFileSync(abs, "utf8") : null;
    const outcome = decide(current, file.content, previous?.files[file.path]);
    outcomes.push({ path: file.path, outcome });
    if (outcome === "kept") {
      // Still ours to update later only if it was ours before.
      if (previous?.files[file.path]) manifest.files[file.path] = previous.files[file.path]!;
      continue;
    }
    manifest.files[file.path] = sha256(file.content);
    if ((outcome === "created" || outcome === "updated") && !opts.dryRun) {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, file.content);
    }
  }
  if (!opts.dryRun) {
    mkdirSync(join(target, CONFIG_DIR), { recursive: true });
    writeFileSync(join(target, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  // heal's reports (raw runner output, prepare.json, ...) are artifacts, never commits.
  return { outcomes, manifest, gitignore: ignoreReports(target, config.reportsDir, opts.dryRun) };
}

/** What the agent needs besides these files; the README's "GitHub set-up" says the same. */
export const NEXT_STEPS = [
  "next: 1. commit these files and merge them into the default branch (the agent workflow runs only from there)",
  "next: 2. install the Claude GitHub App on the repository (github.com/apps/claude): the agent pushes with its token",
  "next: 3. AND add a model credential: secret ANTHROPIC_API_KEY, or CLAUDE_CODE_OAUTH_TOKEN (`claude setup-token`)",
  "next: 4. optional, comment hand-off: your own GitHub App (variable HEAL_AGENT_APP_ID, secret HEAL_AGENT_APP_PRIVATE_KEY, " +
    "variable HEAL_AGENT_LOGIN=<app-slug>[bot]) or a PAT (secret HEAL_AGENT_TOKEN, variable HEAL_AGENT_LOGIN); without: repository_dispatch",
  "next: 5. run `task doctor` (settings live in .agent/heal/config.yaml: after a change, run `task setup -- .` again)",
];
