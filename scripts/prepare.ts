#!/usr/bin/env bun
// heal:prepare: install each detected stack's missing dependencies from its lockfile with the project's own
// tool (npm ci, pnpm/yarn/bun frozen installs, pip/uv/poetry into a virtualenv, terraform init -backend=false);
// on an installed repository every step is only a check. `prepare.commands` replace detection; `prepare: false`
// turns it off.
// Reads:  .agent/heal/config.yaml (optional), the repository (cwd, or HEAL_REPO): lockfiles, install markers.
// Writes: <reports_dir>/prepare.json (PrepareFile, lib/prepare.ts); node_modules/, .venv/, .terraform/ and a
//         `.heal-prepare.json` stamp inside each. The install tools' console output is streamed to stderr.
// Exit:   0 always when the tool could do its job: a failed install is recorded and warned about, and the
//         tests that then cannot start are environment failures; 2 bad config or arguments.
// Token:  none; the install commands never see the toolkit's tokens (RUNNER_ENV_DENY, agent.token_env,
//         runner.env_deny): the package managers use their own registry settings.
import { type ExitCode, type FlagSpec, log, parseArgs, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { detectStacks } from "../lib/detect.ts";
import { targetRoot } from "../lib/paths.ts";
import { planPrepare, prepare, writePrepareFile } from "../lib/prepare.ts";
import { runnerEnvDeny } from "../lib/runners/run.ts";

const FLAGS: FlagSpec = {
  "dry-run": { type: "boolean", describe: "print what would be installed as JSON on stdout and install nothing" },
};

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, "bun scripts/prepare.ts [--dry-run]\nInstalls the stacks' missing dependencies from their lockfiles.", FLAGS))
    return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const repoRoot = targetRoot();
  const config = await loadConfig(repoRoot);
  const stacks = await detectStacks(repoRoot, config);
  if (flags["dry-run"]) {
    const plan = config.prepare.enabled ? planPrepare(repoRoot, stacks, config) : [];
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  }
  const result = await prepare(repoRoot, stacks, config, {
    timeoutMs: config.runner.timeoutMinutes * 60_000,
    envDeny: runnerEnvDeny(config),
  });
  const path = writePrepareFile(repoRoot, config.reportsDir, result);
  if (result.source === "off") log.skip("prepare: off (prepare: false in the config)");
  for (const s of result.steps) {
    const where = `${s.cwd} (${s.tool}, for ${s.stacks.join(", ") || "no stack"})`;
    const secs = `${(s.durationMs / 1000).toFixed(1)}s`;
    if (s.status === "installed") log.info(`prepare: ${where}: installed (${s.reason})`);
    else if (s.status === "ran") log.info(`prepare: ${where}: ${s.commands.map((c) => c.join(" ")).join(" && ")} in ${secs}`);
    else if (s.status === "skipped") log.warn(`prepare: ${where}: nothing installed: ${s.reason}`);
    else
      log.warn(
        `prepare: ${where}: ${s.commands.map((c) => c.join(" ")).join(" && ")} exited ${s.exitCode} after ${secs}; its tests may not start`,
      );
  }
  log.info(`prepare: ${result.steps.length} step(s) in ${(result.durationMs / 1000).toFixed(1)}s; wrote ${path}`);
  return 0;
}

runMain(import.meta, main);
