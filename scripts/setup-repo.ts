#!/usr/bin/env bun
// setup: install the self-healing loop into a repository (`task setup -- <path>`).
// Reads:  the toolkit's .github/workflows/self-healing-tdd-loop.yml, templates/workflows/claude-agent.yml,
//         templates/sops/*.md, templates/config.yaml; the target's .agent/heal/installed.json and config.
// Writes: into <path>: .github/workflows/self-healing-tdd-loop.yml, .github/workflows/claude-agent.yml,
//         .agent/sops/SOP_TDD_WORKFLOW.md, SOP_DEBUGGING.md, SOP_WRITING_TESTS.md, .agent/heal/config.yaml,
//         and the manifest .agent/heal/installed.json (sha256 of each file as installed).
//         A file people changed since it was installed (or that was there before) is left alone and
//         reported; an untouched one is updated. stdout: one `[write]`/`[skip]` line per file.
// Exit:   0 done (kept files included), 2 the target is not a folder, the action ref is unknown, bad config.
// Token:  none.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ExitCode, log, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { AGENT_WORKFLOW, LOOP_WORKFLOW, originRepository } from "../lib/doctor.ts";
import { git } from "../lib/git.ts";
import { HealError } from "../lib/errors.ts";
import { CONFIG_DIR, CONFIG_FILE, TOOLKIT_ROOT } from "../lib/paths.ts";

export const MANIFEST_FILE = `${CONFIG_DIR}/installed.json`;
const DEFAULT_EVENT_TYPE = "heal-agent";

const FLAGS: FlagSpec = {
  action: {
    type: "string",
    describe: "the toolkit's action as owner/repo@ref (default: this checkout's GitHub origin at its commit)",
  },
  "dry-run": { type: "boolean", describe: "print what would be written, write nothing" },
};

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

/** The files setup installs, as they will be written into the target. */
export function plannedFiles(opts: { action: string; dispatchEventType: string }): PlannedFile[] {
  const read = (rel: string) => readFileSync(join(TOOLKIT_ROOT, rel), "utf8");
  const loop = read(LOOP_WORKFLOW).replace(/^(\s*)uses: \.\/\s*$/gm, `$1uses: ${opts.action}`);
  if (/^\s*(-\s+)?uses: \.\//m.test(loop)) throw new Error("the loop workflow still names the local action");
  const agent = read("templates/workflows/claude-agent.yml").replace(
    `types: [${DEFAULT_EVENT_TYPE}]`,
    `types: [${opts.dispatchEventType}]`,
  );
  return [
    { path: LOOP_WORKFLOW, content: loop },
    { path: AGENT_WORKFLOW, content: agent },
    ...["SOP_TDD_WORKFLOW.md", "SOP_DEBUGGING.md", "SOP_WRITING_TESTS.md"].map((name) => ({
      path: `.agent/sops/${name}`,
      content: read(`templates/sops/${name}`),
    })),
    { path: CONFIG_FILE, content: read("templates/config.yaml") },
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
}

export async function setupRepo(target: string, opts: { action: string; dryRun?: boolean }): Promise<SetupResult> {
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    throw new HealError("USAGE", `${target} is not a folder: give the path of the repository to set up`);
  }
  // An existing config decides the dispatch type the agent workflow must listen for.
  const config = await loadConfig(target);
  const previous = readManifest(target);
  const manifest: Manifest = { schemaVersion: 1, action: opts.action, files: {} };
  const outcomes: SetupResult["outcomes"] = [];
  for (const file of plannedFiles({ action: opts.action, dispatchEventType: config.agent.dispatchEventType })) {
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
  return { outcomes, manifest };
}

const LINE: Record<Outcome, (p: string) => string> = {
  created: (p) => `[write] ${p}`,
  updated: (p) => `[write] ${p} (updated: you had not changed it)`,
  unchanged: (p) => `[skip] ${p} (up to date)`,
  kept: (p) => `[skip] ${p} (changed by you: kept; compare with the toolkit's version and merge by hand)`,
};

const HELP = `task setup -- <path to repository> [--action owner/repo@ref] [--dry-run]
Installs the workflows, the agent's SOPs and a default config without overwriting your changes.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length > 1) throw new HealError("USAGE", `one repository path expected, got ${positionals.length}`);
  // `task setup -- <path>` runs in the folder task was started from: a relative path means from there.
  const target = resolve(process.env.HEAL_REPO ?? process.cwd(), positionals[0] ?? ".");
  const action = (flags.action as string | undefined) ?? toolkitActionRef();
  if (!action) {
    throw new HealError("USAGE", "this toolkit checkout has no GitHub origin: pass --action <owner>/<repo>@<sha or tag>");
  }
  if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w.-]+$/.test(action)) {
    throw new HealError("USAGE", `--action "${action}" is not owner/repo@ref`);
  }
  const dryRun = flags["dry-run"] === true;
  const { outcomes } = await setupRepo(target, { action, dryRun });
  for (const { path, outcome } of outcomes) process.stdout.write(`${dryRun ? "(dry run) " : ""}${LINE[outcome](path)}\n`);
  const kept = outcomes.filter((o) => o.outcome === "kept").length;
  const written = outcomes.filter((o) => o.outcome === "created" || o.outcome === "updated").length;
  log.info(
    `${written} written, ${outcomes.length - written - kept} up to date, ${kept} kept as you changed them` +
      `${dryRun ? "" : `; manifest: ${MANIFEST_FILE}`}`,
  );
  log.info(
    "next: commit these files, add the ANTHROPIC_API_KEY secret (and HEAL_AGENT_TOKEN for the token hand-off), " +
      "merge .github/workflows/claude-agent.yml into the default branch, then run `task doctor`",
  );
  return 0;
}

runMain(import.meta, main);
