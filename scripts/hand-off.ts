#!/usr/bin/env bun
// heal:hand-off — wake the agent for the healing issue. An issue or comment made with the default
// GITHUB_TOKEN starts no workflow, so its @claude wakes nothing. This step uses, in order:
//   (a) the agent token (config agent.token_env, default HEAL_AGENT_TOKEN: GitHub App installation token
//       or PAT): a comment `@claude` + task file + issue, written by that identity, which does start workflows;
//   (b) config agent.handoff dispatch|auto: POST /repos/{o}/{r}/dispatches, event_type agent.dispatch_event_type
//       (default heal-agent), client_payload {issue_number, branch, task_path, attempt};
//   (c) neither: a warning saying nothing will wake the agent and how to fix it (README "GitHub set-up").
// Only when sync-issue created the issue or reported changed failures (or found an issue never handed off); never past agent.max_attempts,
// the daily mention budget, or the kill-switch label. Hand-offs are counted only when written by the tool or the
// agent identity (HEAL_AGENT_LOGIN, else GET /user of a personal agent token, else any GitHub App bot).
// A dispatch whose answer is lost is not sent again (it may have started the agent): its note on the issue says
// so, github.json records `unconfirmed: true`, a warning is printed, and the next run does not repeat it.
// Reads:  <reports>/github.json, config, GitHub Actions variables (HEAL_AGENT_LOGIN optional).
// Writes: github.json `handoff`, one line in the job summary.
// Exit:   0 handed off or nothing to do (local mode included), 2 GitHub refused.
// Token:  (a) the agent token needs issues: write; (b) GITHUB_TOKEN needs contents: write; reads need issues: read.
import { parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { handOffHealingIssue } from "../lib/github/healing-issue.ts";

const FLAGS: FlagSpec = {};
const HELP = `bun scripts/hand-off.ts — wake the agent through the agent token or repository_dispatch (task heal:hand-off)`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const record = await handOffHealingIssue(env);
  if (record) process.stdout.write(`${JSON.stringify(record)}\n`);
  return 0;
}

runMain(import.meta, main);
