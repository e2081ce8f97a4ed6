#!/usr/bin/env bun
// heal:push-task-context — commit the agent's task file to the branch and link it from the issue.
//
// Reads:  <reports>/github.json (issueNumber, taskPath), <reports>/issue.json (removedTasks), the task file
//         (.agent/tasks/fix-<id>.yaml, or --task), config, GitHub Actions variables.
// Writes: the task file's `github_issue: <owner>/<repo>#N` (locally, before committing; only when it differs);
//         one commit `chore(heal): task context for #N [skip ci]` on origin/<branch> that holds the task file
//         and deletes the branch's outdated task files write-report removed locally (none when the branch
//         already matches); a rejected non-fast-forward push is rebuilt on the new tip and retried (3 times),
//         never forced. Then the issue body's task link (`<server>/<owner>/<repo>/blob/<sha>/<path>`), only
//         when it changed. Adds taskCommit, taskUrl, taskCommitted to github.json; a job summary line.
//         Green run (no failures; the issue closed or none open): one commit `chore(heal): tests pass, task
//         context removed (#N closed) [skip ci]` deleting the task files write-report removed locally, same
//         retries, no GitHub request; adds taskCommit, taskCommitted, removedTasks to github.json.
//         No commit when the task file differs from the remote's only in volatile values (lib/fingerprint.ts).
//         A refused push (protected branch, hook, ruleset): a ::warning::, the task file committed on
//         heal/tasks/<branch> instead, linked from the issue; github.json gets taskBranch and taskPushRefused.
// Exit:   0 done or nothing to do (local mode, no issue this run, paused, push refused), 2 git or GitHub failure.
// Token:  contents: write (each fetch and push gets GITHUB_TOKEN alone, not git config), issues: write (body link).
import { parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { pushTaskContext } from "../lib/github/healing-issue.ts";

const FLAGS: FlagSpec = {
  task: { type: "string", describe: "the task file to push (default: the one the healing issue names)" },
  remote: { type: "string", describe: "git remote to push to", default: "origin" },
};
const HELP = `bun scripts/push-task-context.ts — commit and push the task context file with [skip ci] (task heal:push-task-context)`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const pushed = await pushTaskContext(env, { task: flags.task as string | undefined, remote: flags.remote as string });
  if (pushed) process.stdout.write(`${JSON.stringify(pushed)}\n`);
  return 0;
}

runMain(import.meta, main);
