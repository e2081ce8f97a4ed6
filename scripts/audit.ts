#!/usr/bin/env bun
// audit: run the dependency audits the repository's lockfiles call for (npm, pnpm, yarn 2+, bun, pip-audit,
// govulncheck, osv-scanner), or read given reports, and keep the branch's "🛡️ Security: N vulnerable
// dependencies" issue in step through the healing issue's own steps.
// Reads:  lockfiles and tools on PATH (GOVULNDB: govulncheck's database), or report files given as arguments
//         (formats detected by content).
// Writes: <reports_dir>/audit/{failures.json,issue.json,issue.md,github.json,audit.json,audit.md},
//         <tasks_dir>/fix-audit-<branch>.yaml (deleted when clean); with a token: the issue created / commented /
//         closed, the task file pushed [skip ci], the agent woken.
// Exit:   0 clean, 1 vulnerable dependencies, 2 the audit could not run or a report could not be read.
// Token:  GITHUB_TOKEN / GH_TOKEN with `issues: write` and `contents: write`; the agent token needs `issues: write`.
import { runAudit } from "../lib/audit/index.ts";
import { type ExitCode, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";

const FLAGS: FlagSpec = {};
const USAGE = `bun scripts/audit.ts [<report file>...]
Runs the audits the lockfiles call for (or reads the reports given) and creates, comments on or closes the
branch's security issue.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, USAGE, FLAGS)) return 0;
  const { positionals } = parseArgs(argv, FLAGS);
  const out = await runAudit(process.env, { reports: positionals });
  process.stdout.write(out.markdown);
  return out.groups.length > 0 ? 1 : 0;
}

runMain(import.meta, main);
