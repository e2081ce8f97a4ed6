#!/usr/bin/env bun
// demo: heal the example repository in examples/ in local mode, then verify a scripted agent fix (lib/demo.ts).
// Reads:  examples/invoice, go-task (`task` on PATH or ~/go/bin), git.
// Writes: a temp folder (or --dir) holding the example as a git repository and its bare origin; inside it
//         .agent/reports/ (failures.json, report.md, issue.md, verify.json, ...) and .agent/tasks/fix-<id>.yaml.
//         stderr: each step and its output; stdout: one `output:` line per file, then the summary line.
// Exit:   0 heal found exactly the seeded failures and the fix verified healed, 2 anything else.
// Token:  none: GITHUB_TOKEN and GH_TOKEN are removed from the steps' environment.
import pc from "picocolors";
import { type ExitCode, type FlagSpec, log, parseArgs, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { DEMO, runDemo } from "../lib/demo.ts";
import { forLog } from "../lib/sanitize.ts";

const FLAGS: FlagSpec = {
  dir: { type: "string", describe: "an empty folder for the demo repository (default: a new temp folder)" },
  "task-bin": { type: "string", describe: "go-task's binary (default: task on PATH, else ~/go/bin/task)" },
};
const HELP = `task demo [-- --dir <folder>]
Heals ${DEMO.example} (a seeded bug) in local mode, then verifies a scripted fix on ${DEMO.agentBranch}.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const result = await runDemo({
    dir: flags.dir as string | undefined,
    taskBin: (flags["task-bin"] as string | undefined) || undefined,
    say: (line) => log.info(line.startsWith("  ") ? line : `${pc.bold("demo:")} ${line}`),
    output: (what, path) => process.stdout.write(`${forLog(`output: ${what.padEnd(13)} ${path}`)}\n`),
  });
  const n = result.failures.length;
  process.stdout.write(
    `${pc.green(forLog(`demo: ✅ heal found the ${n} seeded failures and exited 1; the fix on ${DEMO.agentBranch} (${result.agentCommit.slice(0, 7)}) verified healed; outputs in ${result.repo}/.agent`))}\n`,
  );
  return 0;
}

runMain(import.meta, main);
