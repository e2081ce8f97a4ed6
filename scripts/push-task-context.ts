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
// Exit:   0 done or nothing to do (local mode, no issue this run, paused), 2 push or GitHub failure.
// Token:  contents: write (push through the checkout's credentials), issues: write (body link).
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { blobUrl, commitAndPushFile } from "../lib/git.ts";
import { getIssue, updateIssueBody } from "../lib/github/issues.ts";
import { readJsonFile } from "../lib/json-file.ts";
import { isPaused } from "../lib/budget.ts";
import { readOutcome, writeOutcome, type GitHubOutcome } from "../lib/github/outcome.ts";
import { openSession, type GitHubSession } from "../lib/github/session.ts";
import { appendJobSummary } from "../lib/github/summary.ts";
import { MARKER_PREFIX } from "../lib/marker.ts";
import { REPORT_FILES } from "../lib/paths.ts";
import { MAX_BODY_BYTES } from "../lib/sanitize.ts";
import { setTaskIssue } from "../lib/task-context.ts";

const FLAGS: FlagSpec = {
  task: { type: "string", describe: "the task file to push (default: the one the healing issue names)" },
  remote: { type: "string", describe: "git remote to push to", default: "origin" },
};
const HELP = `bun scripts/push-task-context.ts — commit and push the task context file with [skip ci] (task heal:push-task-context)`;

/** The line the tool owns in the issue body; replaced in place, never duplicated. */
const LINK_TAG = "<!-- heal:task-link -->";

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const session = await openSession(env);
  if (session.kind === "local") {
    log.skip(`commit and push the task context to ${session.branch ?? "this branch"}: ${session.reason}`);
    return 0;
  }
  const outcome = readOutcome(session.reportsDir);
  if (isGreenRun(outcome)) {
    const stale = outdatedTasks(session.root, session.reportsDir, session.config.tasksDir, null);
    if (stale.length > 0) return removeTaskFiles(session, outcome, stale, flags.remote as string);
  }
  if (!outcome.issueNumber || (outcome.action !== "created" && outcome.action !== "commented" && outcome.action !== "unchanged")) {
    log.skip(`push the task context: no open healing issue in this run (${outcome.action}${outcome.reason ? `: ${outcome.reason}` : ""})`);
    return 0;
  }
  const taskPath = (flags.task as string | undefined) ?? outcome.taskPath;
  if (!taskPath)
    throw new HealError(
      "INPUT_MISSING",
      "the healing issue names no task file; pass --task <path>",
      join(session.reportsDir, "issue.json"),
    );
  if (!existsSync(join(session.root, taskPath)))
    throw new HealError("INPUT_MISSING", "task file not found (heal:write-report writes it)", taskPath);
  const branch = session.branch;
  if (!branch) throw new HealError("GIT_PUSH_FAILED", "no branch to push to: check out a branch or set GITHUB_REF_NAME");

  // Reading the issue first: the kill switch and the current body (for the link) come from one GET.
  const issue = await getIssue(session.r, outcome.issueNumber);
  if (isPaused(issue.labels, session.config)) {
    log.skip(`push the task context: issue #${outcome.issueNumber} has the ${session.config.labels.paused} label`);
    return 0;
  }

  // The pushed file names its issue; write-report keeps the link on later runs, so a re-run changes no byte.
  if (setTaskIssue(session.root, taskPath, `${session.ctx.repository}#${outcome.issueNumber}`)) {
    log.info(`${taskPath}: github_issue set to ${session.ctx.repository}#${outcome.issueNumber}`);
  }
  const remove = outdatedTasks(session.root, session.reportsDir, session.config.tasksDir, taskPath);
  const pushed = commitAndPushFile({
    cwd: session.root,
    path: taskPath,
    branch,
    remote: flags.remote as string,
    message: `chore(heal): task context for #${outcome.issueNumber} [skip ci]`,
    remove,
  });
  const body = issue.body ?? "";
  const current = currentLink(body);
  // Unchanged file: an existing link still shows the same content, so keep it (no write). With a file
  // to commit the tip is never null (a branch without commits gets the commit).
  const commit = pushed.commit ?? (current?.path === taskPath ? current.sha : pushed.tip!);
  const url = blobUrl(session.ctx.serverUrl, session.ctx.repository, commit, taskPath);
  const nextBody = withLink(body, taskPath, url);
  if (nextBody !== body) await updateIssueBody(session.r, outcome.issueNumber, nextBody);

  writeOutcome(session.reportsDir, { taskPath, taskCommit: commit, taskUrl: url, taskCommitted: pushed.commit !== null });
  appendJobSummary(
    session.ctx.stepSummaryPath,
    `Task context: [\`${taskPath}\`](${url})${pushed.commit ? " (committed with [skip ci])" : " (unchanged)"}.\n`,
  );
  if (pushed.removed.length > 0) log.info(`deleted the outdated task context on ${branch}: ${pushed.removed.join(", ")}`);
  log.info(
    pushed.commit
      ? `task context pushed to ${branch} as ${pushed.commit.slice(0, 12)} (${pushed.pushAttempts} push${pushed.pushAttempts === 1 ? "" : "es"})`
      : `task context unchanged on ${branch}: no commit`,
  );
  process.stdout.write(
    `${JSON.stringify({ taskPath, taskCommit: commit, taskUrl: url, committed: pushed.commit !== null, removed: pushed.removed })}\n`,
  );
  return 0;
}

/**
 * All tests pass and sync-issue closed the healing issue or found none open: nothing to hand over. A
 * skipped sync (paused issue, fork, branch not healed) is not green here: nothing is pushed then.
 */
function isGreenRun(outcome: GitHubOutcome): boolean {
  return outcome.failures === 0 && (outcome.action === "closed" || outcome.action === "unchanged");
}

/**
 * Green run: write-report deleted the branch's task files locally; delete them on the remote branch too,
 * in one `[skip ci]` commit (rebuilt on the new tip when a push races, never forced), so the agent
 * and the next run do not find a task for tests that pass.
 */
function removeTaskFiles(session: GitHubSession, outcome: GitHubOutcome, remove: string[], remote: string): ExitCode {
  const branch = session.branch;
  if (!branch) throw new HealError("GIT_PUSH_FAILED", "no branch to push to: check out a branch or set GITHUB_REF_NAME");
  const closed = outcome.action === "closed" && outcome.issueNumber ? ` (#${outcome.issueNumber} closed)` : "";
  const pushed = commitAndPushFile({
    cwd: session.root,
    branch,
    remote,
    message: `chore(heal): tests pass, task context removed${closed} [skip ci]`,
    remove,
  });
  writeOutcome(session.reportsDir, { taskCommit: pushed.commit, taskCommitted: pushed.commit !== null, removedTasks: pushed.removed });
  if (pushed.commit) {
    appendJobSummary(
      session.ctx.stepSummaryPath,
      `Task context: tests pass, ${pushed.removed.map((p) => `\`${p}\``).join(", ")} deleted on ${branch} (committed with [skip ci]).\n`,
    );
    log.info(`deleted the outdated task context on ${branch}: ${pushed.removed.join(", ")}`);
    log.info(`pushed to ${branch} as ${pushed.commit.slice(0, 12)} (${pushed.pushAttempts} push${pushed.pushAttempts === 1 ? "" : "es"})`);
  } else {
    log.info(`no task file of ${branch} left on ${remote}: no commit`);
  }
  process.stdout.write(`${JSON.stringify({ taskCommit: pushed.commit, committed: pushed.commit !== null, removed: pushed.removed })}\n`);
  return 0;
}

/**
 * issue.json's `removedTasks` (older task files of this branch that write-report deleted locally), kept only
 * when they are auto-generated task files in the tasks folder, not the file being pushed, and still gone
 * from the working tree: only those are deleted upstream.
 */
function outdatedTasks(root: string, reportsDir: string, tasksDir: string, taskPath: string | null): string[] {
  let listed: unknown;
  try {
    listed = readJsonFile<{ removedTasks?: unknown }>(join(reportsDir, REPORT_FILES.issue))?.removedTasks;
  } catch {
    return []; // sync-issue already read this file; a broken one fails there with the reason.
  }
  if (!Array.isArray(listed)) return [];
  const dir = posix.normalize(tasksDir).replace(/\/+$/, "");
  const keep: string[] = [];
  for (const rel of listed) {
    if (typeof rel !== "string") continue;
    const inTasks = posix.dirname(rel) === dir && posix.normalize(rel) === rel && /^fix-[^/]+\.yaml$/.test(posix.basename(rel));
    if (!inTasks || rel === taskPath) log.warn(`not deleting ${rel} upstream: not an outdated task file in ${dir}/`);
    else if (!existsSync(join(root, rel))) keep.push(rel);
  }
  return keep;
}

function currentLink(body: string): { sha: string; path: string } | null {
  const line = body.split("\n").find((l) => l.includes(LINK_TAG));
  const m = line && /\/blob\/([0-9a-f]{40})\/(\S+?)\)/.exec(line);
  return m ? { sha: m[1]!, path: decodeURIComponent(m[2]!) } : null;
}

/** Sets the tool's link line: replaced where it is, else placed just above the hidden marker. */
export function withLink(body: string, path: string, url: string): string {
  const line = `**Task context file:** [\`${path}\`](${url}) ${LINK_TAG}`;
  const lines = body.split("\n");
  const at = lines.findIndex((l) => l.includes(LINK_TAG));
  if (at !== -1) {
    lines[at] = line;
    return lines.join("\n");
  }
  const marker = body.lastIndexOf(MARKER_PREFIX);
  const next = marker === -1 ? `${body.trimEnd()}\n\n${line}\n` : `${body.slice(0, marker).trimEnd()}\n\n${line}\n\n${body.slice(marker)}`;
  // A body already at GitHub's limit keeps its text; the link is then only in github.json and the summary.
  return new TextEncoder().encode(next).length <= MAX_BODY_BYTES ? next : body;
}

runMain(import.meta, main);
