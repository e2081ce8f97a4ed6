#!/usr/bin/env bun
// setup: install the self-healing loop into a repository (`task setup -- <path>`).
// Reads:  the toolkit's templates/workflows/*.yml (rendered with the config's branches, agent.mention,
//         agent.branch_prefix, agent.dispatch_event_type, runner.timeout_minutes and workflows.*),
//         templates/sops/*.md, templates/config.yaml; the target's .agent/heal/installed.json and config,
//         and its origin's default branch (a new config heals it besides dev and prod).
// Writes: into <path>: .github/workflows/self-healing-tdd-loop.yml, .github/workflows/claude-agent.yml,
//         .agent/sops/SOP_TDD_WORKFLOW.md, SOP_DEBUGGING.md, SOP_WRITING_TESTS.md, .agent/heal/config.yaml,
//         and the manifest .agent/heal/installed.json (sha256 of each file as installed).
//         A file people changed since it was installed (or that was there before) is left alone and
//         reported; an untouched one is updated. stdout: one `[write]`/`[skip]` line per file.
// Exit:   0 done (kept files included), 2 the target is not a folder, the action ref is unknown, bad config.
// Token:  none.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ExitCode, log, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { defaultConfig } from "../lib/config.ts";
import { HealError } from "../lib/errors.ts";
import { MANIFEST_FILE, NEXT_STEPS, type Outcome, setupRepo, toolkitActionRef, workflowFiles } from "../lib/setup.ts";

const FLAGS: FlagSpec = {
  action: {
    type: "string",
    describe: "the toolkit's action as owner/repo@ref (default: this checkout's GitHub origin at its commit)",
  },
  "dry-run": { type: "boolean", describe: "print what would be written, write nothing" },
  "render-to": {
    type: "string",
    describe: "write only the two workflows, rendered with the default config, into this folder (what `task lint:workflows` lints)",
  },
  reusable: {
    type: "boolean",
    describe: "write a short caller of the toolkit's reusable workflow (.github/workflows/heal-reusable.yml) instead of the whole loop",
  },
  "default-branch": {
    type: "string",
    describe: "the repository's default branch, healed besides dev and prod in a new config (default: origin's HEAD)",
  },
};

const LINE: Record<Outcome, (p: string) => string> = {
  created: (p) => `[write] ${p}`,
  updated: (p) => `[write] ${p} (updated: you had not changed it)`,
  unchanged: (p) => `[skip] ${p} (up to date)`,
  kept: (p) => `[skip] ${p} (changed by you: kept; compare with the toolkit's version and merge by hand)`,
};

const HELP = `task setup -- <path to repository> [--action owner/repo@ref] [--default-branch <name>] [--reusable] [--dry-run]
Installs the workflows, the agent's SOPs and a default config without overwriting your changes.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length > 1) throw new HealError("USAGE", `one repository path expected, got ${positionals.length}`);
  const renderTo = flags["render-to"] as string | undefined;
  if (renderTo) {
    mkdirSync(renderTo, { recursive: true });
    const action = (flags.action as string | undefined) ?? "./";
    for (const w of workflowFiles(defaultConfig(), action, flags.reusable === true)) {
      writeFileSync(join(renderTo, w.path.split("/").at(-1)!), w.content);
    }
    return 0;
  }
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
  const defaultBranch = flags["default-branch"] as string | undefined;
  const reusable = flags.reusable === true;
  const { outcomes, gitignore } = await setupRepo(target, { action, dryRun, reusable, ...(defaultBranch ? { defaultBranch } : {}) });
  for (const { path, outcome } of outcomes) process.stdout.write(`${dryRun ? "(dry run) " : ""}${LINE[outcome](path)}\n`);
  const kept = outcomes.filter((o) => o.outcome === "kept").length;
  const written = outcomes.filter((o) => o.outcome === "created" || o.outcome === "updated").length;
  log.info(
    `${written} written, ${outcomes.length - written - kept} up to date, ${kept} kept as you changed them` +
      `${dryRun ? "" : `; manifest: ${MANIFEST_FILE}`}`,
  );
  log.info(
    gitignore === "added"
      ? `.gitignore: ${dryRun ? "would add" : "added"} the reports folder`
      : ".gitignore: already ignores the reports folder",
  );
  for (const line of NEXT_STEPS) log.info(line);
  return 0;
}

runMain(import.meta, main);
