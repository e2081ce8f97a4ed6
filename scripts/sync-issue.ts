#!/usr/bin/env bun
// heal:sync-issue — open, update or close this branch's healing issue.
//
// Reads:  <reports>/failures.json, <reports>/issue.json {title, body, labels, taskPath?}, .agent/heal/config.yaml,
//         GitHub Actions variables (GITHUB_TOKEN|GH_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_RUN_ID, ...).
// Writes: the healing issue (create / comment when the failing set changed / comment + close when green),
//         <reports>/github.json {issueNumber, issueUrl, action}, the job summary (GITHUB_STEP_SUMMARY, appended).
// Finds its issue by list API (label + creator + trusted hidden marker for this branch), never by title or search.
// Exit:   0 done (also: local mode, fork pull request, paused issue), 2 the tool could not do its job
//         (listing failed -> nothing is created: fail closed).
// Token:  issues: write (labels are created with it too).
import { parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { syncHealingIssue } from "../lib/github/healing-issue.ts";

const FLAGS: FlagSpec = {};
const HELP = `bun scripts/sync-issue.ts — open, update or close the branch's healing issue (task heal:sync-issue)`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const written = await syncHealingIssue(env);
  if (written) process.stdout.write(`${JSON.stringify(written)}\n`);
  return 0;
}

runMain(import.meta, main);
