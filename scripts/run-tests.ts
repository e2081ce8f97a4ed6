#!/usr/bin/env bun
// heal:run-tests: detect the repository's test stacks and run each with machine-readable reporters.
// Reads:  .agent/heal/config.yaml (optional), the repository (cwd, or HEAL_REPO).
// Writes: <reports_dir>/raw/<stack-id>.<xml|json|txt>, <reports_dir>/runs.json (RunsFile, lib/types.ts).
//         The runners' own console output is streamed to stderr; stdout stays empty.
// Exit:   0 every stack ran (failing tests are not this step's error: parse-failures records them),
//         2 the tool could not run (no stack found, bad config, unknown --only id).
// Token:  none.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GROUP_END, groupStart, inActions } from "../lib/annotations.ts";
import { type ExitCode, log, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { detectStacks } from "../lib/detect.ts";
import { HealError } from "../lib/errors.ts";
import { REPORT_FILES, targetRoot } from "../lib/paths.ts";
import { readPrepareFile } from "../lib/prepare.ts";
import { runnerEnvDeny, runStacks } from "../lib/runners/index.ts";

const FLAGS: FlagSpec = {
  only: { type: "string", multiple: true, describe: "run only the stack with this id (repeatable)" },
  list: { type: "boolean", describe: "print the detected stacks as JSON on stdout and run nothing" },
};

export async function main(argv: string[]): Promise<ExitCode> {
  if (
    printHelpIfAsked(
      argv,
      "bun scripts/run-tests.ts [--only <stack-id>]... [--list]\nRuns every detected test stack with reporters.",
      FLAGS,
    )
  )
    return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const repoRoot = targetRoot();
  const config = await loadConfig(repoRoot);
  let stacks = await detectStacks(repoRoot, config);
  if (stacks.length === 0) throw new HealError("NO_STACKS", `nothing to run in ${repoRoot}`, config.source ?? undefined);
  const only = (flags.only as string[] | undefined) ?? [];
  if (only.length > 0) {
    const unknown = only.filter((id) => !stacks.some((s) => s.id === id));
    if (unknown.length > 0) {
      throw new HealError("USAGE", `no stack "${unknown.join('", "')}" (detected: ${stacks.map((s) => s.id).join(", ")})`);
    }
    stacks = stacks.filter((s) => only.includes(s.id));
  }
  if (flags.list) {
    process.stdout.write(`${JSON.stringify(stacks, null, 2)}\n`);
    return 0;
  }

  const rawDir = `${config.reportsDir}/${REPORT_FILES.raw}`;
  // Reports of an earlier run must never be read as this run's; only report files go, never folders.
  mkdirSync(join(repoRoot, rawDir), { recursive: true });
  for (const e of readdirSync(join(repoRoot, rawDir), { withFileTypes: true })) {
    if (e.isFile() && /\.(?:xml|json|txt)$/.test(e.name)) rmSync(join(repoRoot, rawDir, e.name), { force: true });
  }
  const options = {
    repoRoot,
    rawDir,
    timeoutMs: config.runner.timeoutMinutes * 60_000,
    // The code under test never sees the tokens this job holds.
    envDeny: runnerEnvDeny(config),
  };
  // In Actions each stack's output is folded in its own ::group:: (one stack at a time, as runStacks runs them).
  const runs = inActions()
    ? { schemaVersion: 1 as const, runs: [] as Awaited<ReturnType<typeof runStacks>>["runs"] }
    : await runStacks(stacks, options);
  if (inActions()) {
    for (const stack of stacks) {
      process.stderr.write(`${groupStart(`${stack.id}: ${stack.command.join(" ")}`)}\n`);
      try {
        runs.runs.push(...(await runStacks([stack], options)).runs);
      } finally {
        process.stderr.write(`${GROUP_END}\n`);
      }
    }
  }
  // What heal:prepare did before the runs, so runs.json and the report say what ran and how long.
  const prepare = readPrepareFile(join(repoRoot, config.reportsDir), config.reportsDir);
  if (prepare) runs.prepare = prepare;
  const runsPath = `${config.reportsDir}/${REPORT_FILES.runs}`;
  writeFileSync(join(repoRoot, runsPath), `${JSON.stringify(runs, null, 2)}\n`);

  log.info("");
  for (const r of runs.runs) {
    const status = r.signal ? `stopped by ${r.signal}` : `exit ${r.exitCode}`;
    const report = r.reports.length > 0 ? r.reports.join(", ") : "no report written";
    log.info(`${r.stack.id}: ${status} in ${(r.durationMs / 1000).toFixed(1)}s, ${report}`);
  }
  log.info(`ran ${runs.runs.length} stack(s); wrote ${runsPath}`);
  return 0;
}

runMain(import.meta, main);
