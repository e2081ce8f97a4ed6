// The healing issue's GitHub steps (heal:sync-issue, heal:push-task-context, heal:hand-off): open, update or
// close the branch's issue, commit the task file and link it from the issue, wake the agent. Each returns what
// its script prints on stdout; `[skip]` and progress lines go to stderr here. The issue's body is built and written
// only by lib/github/issue-body.ts: filed from issue.json here, later changed only in its task-link line.
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { attemptsExhausted, countAttempts, DAY_MS, dailyCapReached, isPaused, selfCausedReason } from "../budget.ts";
import { log } from "../cli.ts";
import { HealError } from "../errors.ts";
import { warnAnnotation } from "../annotations.ts";
import { withoutVolatile } from "../fingerprint.ts";
import { redact } from "../redact.ts";
import { blobUrl, commitAndPushFile, currentHeadMessage, isAncestor, PushRefused } from "../git.ts";
import { buildMarker, diffFingerprints, markerData, trustedMarker, type Marker } from "../marker.ts";
import { inlineCode, limitChars, limitTitle, untrusted } from "../sanitize.ts";
import {
  mergeGitHubFile,
  readIssueFile,
  requireFailuresFile,
  requireGitHubFile,
  requireIssueFile,
  type GitHubFile,
  type HandoffRecord,
} from "../step-files.ts";
import { setTaskIssue } from "../task-context.ts";
import type { TemplateName } from "../render.ts";
import type { FailureRecord, FailureReport } from "../types.ts";
import { createCommentOnce, latestMarker, listComments } from "./comments.ts";
import { countHandoffs, planHandoff, wakeAgent, type HandoffTarget } from "./handoff.ts";
import { currentTaskLink, writeIssueBody } from "./issue-body.ts";
import { bodyWithMarker, closeIssue, findToolIssue, getIssue, listToolIssues, updateIssue } from "./issues.ts";
import { ensureLabels, labelNames, labelSpec } from "./labels.ts";
import { isHealedBranch, openSession, type GitHubSession } from "./session.ts";
import { appendJobSummary, failureSummaryMarkdown, handoffSummary, taskContextSummary } from "./summary.ts";
import { cutNotice, handoffNoteText, healingHandoffText, issueCloseText, issueUpdateText, taskLinkText } from "./texts.ts";
import { agentFailures } from "../environment.ts";

type Env = Record<string, string | undefined>;

const MAX_LISTED = 50;

/**
 * What a branch issue tracks: failing tests (the default), benchmark regressions (task perf) or vulnerable
 * dependencies (task audit). Each kind has its own issue per branch (its marker kind), its own step files (a
 * sub-folder of the reports folder) and its own update/close comments; every step below is the same for all.
 */
export interface FindingKind {
  marker: "healing" | "perf" | "audit";
  /** Sub-folder of the reports folder holding this kind's failures.json, issue.json and github.json; null: the folder itself. */
  reportsSubdir: string | null;
  templates: { update: TemplateName; close: TemplateName };
  /** The title counts what it tracks ("🛡️ Security: N ..."): a changed set also renames the open issue. */
  retitle?: boolean;
}

export const TEST_FAILURES: FindingKind = {
  marker: "healing",
  reportsSubdir: null,
  templates: { update: "issue-update.md", close: "issue-close.md" },
};

/** What people call a finding kind's issue in log lines and the job summary. */
const ISSUE_NAMES: Record<FindingKind["marker"], string> = {
  healing: "healing issue",
  perf: "performance issue",
  audit: "security issue",
};

function issueName(finding: FindingKind): string {
  return ISSUE_NAMES[finding.marker];
}

/** Where a finding kind's step files are. */
export function findingReportsDir(reportsDir: string, finding: FindingKind): string {
  return finding.reportsSubdir ? join(reportsDir, finding.reportsSubdir) : reportsDir;
}

// ---------- heal:sync-issue ----------

/**
 * Opens, updates or closes the branch's healing issue; writes github.json and the job summary. Returns
 * github.json as written, or null in local mode (github.json then says why nothing was sent).
 */
export async function syncHealingIssue(env: Env, finding: FindingKind = TEST_FAILURES): Promise<GitHubFile | null> {
  const session = await openSession(env);
  const dir = findingReportsDir(session.reportsDir, finding);
  const report = requireFailuresFile(dir);
  const failing = report.failures.length;

  if (session.kind === "local") {
    const what =
      failing > 0
        ? `create or update the ${issueName(finding)} for ${session.branch ?? "this branch"} (${findingCount(report.failures, finding)})`
        : `close the ${issueName(finding)} of this branch if one is open`;
    log.skip(`${what}: ${session.reason}`);
    mergeGitHubFile(dir, {
      step: "sync-issue",
      outcome: { issueNumber: null, issueUrl: null, action: "skipped", reason: session.reason, branch: session.branch, failures: failing },
    });
    return null;
  }

  const outcome = await sync(session, report, finding, dir);
  if (outcome.taskPath === undefined) {
    const input = readIssueFile(dir);
    if (input) outcome.taskPath = input.taskPath ?? taskPathIn(input.body, session.config.tasksDir);
  }
  const written = mergeGitHubFile(dir, { step: "sync-issue", outcome });
  appendJobSummary(
    session.ctx.stepSummaryPath,
    failureSummaryMarkdown(
      session,
      report,
      { url: written.issueUrl, number: written.issueNumber, action: written.action, note: written.reason },
      issueName(finding),
    ),
  );
  log.info(
    `${issueName(finding)}: ${written.action}${written.issueUrl ? ` ${written.issueUrl}` : ""}${written.reason ? ` (${written.reason})` : ""}`,
  );
  return written;
}

async function sync(s: GitHubSession, report: FailureReport, finding: FindingKind, dir: string): Promise<GitHubFile> {
  const branch = s.branch;
  const base = { issueNumber: null, issueUrl: null, branch, failures: report.failures.length } as const;
  if (s.ctx.mode === "summary-only") {
    return { ...base, action: "skipped", reason: "pull request from a fork: read-only token, job summary only" };
  }
  if (!branch) return { ...base, action: "skipped", reason: "no branch: set GITHUB_REF_NAME or check out a branch" };
  if (!isHealedBranch(branch, s.config.branches)) {
    return { ...base, action: "skipped", reason: `branch ${branch} is not in the config's branches (${s.config.branches.join(", ")})` };
  }

  const botLogin = await s.botLogin();
  const label = s.config.labels.healing[0] ?? "auto-healing";
  const issue = await findToolIssue(s.r, { kind: finding.marker, branch, botLogin, label });
  const fingerprints = report.failures.map((f) => f.id);
  const run = s.ctx.runId ? { id: s.ctx.runId, attempt: s.ctx.runAttempt } : null;
  const marker = markerData({ kind: finding.marker, branch, fingerprints, run });
  const notice = cutNotice(s, "issue-update", "failures.json");

  if (issue) {
    const found: Omit<GitHubFile, "action"> = { ...base, issueNumber: issue.number, issueUrl: issue.url };
    if (isPaused(issue.labels, s.config)) {
      return { ...found, action: "skipped", reason: `issue #${issue.number} has the ${s.config.labels.paused} label` };
    }
    const comments = await listComments(s.r, issue.number);
    // close_on: merge: `Fixes #N` closes only on the default branch, so a verified fix merged here closes it now.
    const merged =
      finding.marker === "healing" && s.config.verify.closeOn === "merge" ? mergedFix(s, issue.number, comments, botLogin) : null;
    if (merged) {
      const text = issueCloseText(s, { ...runWhere(s, branch), commit_short: merged.slice(0, 12) }, "issue-close-merged.md");
      await createCommentOnce(s.r, issue.number, bodyWithMarker(text, marker, notice), { botLogin, uniqueText: buildMarker(marker) });
      await closeIssue(s.r, issue.number, "completed");
      return {
        ...base,
        issueNumber: issue.number,
        issueUrl: issue.url,
        action: "closed",
        reason: `verified fix ${merged.slice(0, 12)} merged`,
      };
    }
    const previous = latestMarker(issue, comments, botLogin, finding.marker);
    // An issue whose earlier run died before its hand-off still needs one (hand-off reads this).
    // Only hand-offs by the tool or the agent identity count: a tag pasted by anyone else hides nothing.
    found.handedOff = countHandoffs(comments, await s.handoffAuthors()) > 0;
    if (fingerprints.length === 0) {
      const body = bodyWithMarker(issueCloseText(s, runWhere(s, branch), finding.templates.close), marker, notice);
      await createCommentOnce(s.r, issue.number, body, { botLogin, uniqueText: buildMarker(marker) });
      await closeIssue(s.r, issue.number, "completed");
      return { ...found, action: "closed" };
    }
    if (run && previous?.run?.id === run.id) {
      return { ...found, action: "unchanged", reason: `run ${run.id} already reported (attempt ${previous.run.attempt})` };
    }
    const diff = diffFingerprints(previous, fingerprints);
    if (!diff.changed) return { ...found, action: "unchanged", reason: "same failing tests as last reported" };
    const body = bodyWithMarker(changedText(s, branch, report.failures, diff, previous, finding.templates.update), marker, notice);
    await createCommentOnce(s.r, issue.number, body, { botLogin, uniqueText: buildMarker(marker) });
    const title = finding.retitle ? limitTitle(requireIssueFile(dir).title) : issue.title;
    if (title !== issue.title) await updateIssue(s.r, issue.number, { title });
    return { ...found, action: "commented" };
  }

  if (fingerprints.length === 0) return { ...base, action: "unchanged", reason: `all tests pass and no ${issueName(finding)} is open` };

  const selfCaused = selfCausedReason(
    { actor: s.ctx.actor, branch, eventName: s.ctx.eventName, headCommitMessage: s.ctx.headCommitMessage ?? currentHeadMessage(s.root) },
    s.config,
  );
  if (selfCaused) return { ...base, action: "skipped", reason: `no new ${issueName(finding)}: ${selfCaused}` };
  // The daily cap counts the tool's healing issues created in the last 24 hours (one more GET, only when creating).
  const recent = await listToolIssues(s.r, { label, botLogin, state: "all", since: new Date(Date.now() - DAY_MS).toISOString() });
  const created24h = recent.filter((i) => i.marker.kind === finding.marker).map((i) => ({ createdAt: i.createdAt, author: i.author }));
  if (dailyCapReached("issues", created24h, Date.now(), s.config.budget.dailyIssues, { botLogin })) {
    return {
      ...base,
      action: "skipped",
      reason: `daily cap reached: ${s.config.budget.dailyIssues} ${issueName(finding)}s in 24 hours (budget.daily_issues)`,
    };
  }

  const input = requireIssueFile(dir);
  const labels = [...new Set([label, ...(input.labels.length > 0 ? input.labels : s.config.labels.healing)].map((n) => labelSpec(n).name))];
  await ensureLabels(s.r, labels);
  const created = await writeIssueBody(
    s.r,
    {
      create: { title: limitTitle(input.title), labels, find: () => findToolIssue(s.r, { kind: finding.marker, branch, botLogin, label }) },
    },
    { kind: "text", text: input.body, marker, cutNotice: notice, linkRoom: true },
  );
  return {
    ...base,
    issueNumber: created.number,
    issueUrl: created.url,
    action: "created",
    ...(created.action === "adopted" ? { reason: "the create's response was lost; the issue it made was found and adopted" } : {}),
    taskPath: input.taskPath ?? taskPathIn(input.body, s.config.tasksDir),
    handedOff: false,
  };
}

/**
 * The head SHA of a passing verification of issue `n` that this run's branch now contains (the push event's
 * commits list it, or git finds it an ancestor of HEAD), or null.
 */
function mergedFix(s: GitHubSession, n: number, comments: Awaited<ReturnType<typeof listComments>>, botLogin: string): string | null {
  const passed = comments
    .map((c) => trustedMarker({ body: c.body, user: { login: c.author } }, botLogin))
    .filter((m) => m?.kind === "verification" && m.extra?.issue === n && m.extra?.result === "pass")
    .map((m) => m!.extra?.sha)
    .filter((sha): sha is string => typeof sha === "string" && /^[0-9a-f]{40}$/i.test(sha));
  if (passed.length === 0) return null;
  const commits = Array.isArray(s.ctx.event?.commits) ? (s.ctx.event.commits as { id?: unknown }[]).map((c) => c.id) : [];
  return passed.find((sha) => commits.includes(sha) || isAncestor(s.root, sha)) ?? null;
}

function runWhere(s: GitHubSession, branch: string): { branch: string; commit_short: string; run_url: string } {
  return { branch: inlineCode(untrusted(branch)), commit_short: s.ctx.sha ? s.ctx.sha.slice(0, 12) : "", run_url: s.ctx.runUrl ?? "" };
}

function changedText(
  s: GitHubSession,
  branch: string,
  failures: FailureRecord[],
  diff: { added: string[]; fixed: string[] },
  previous: Marker | null,
  template: TemplateName,
): string {
  const added = new Set(diff.added);
  const newOnes = failures.filter((f) => added.has(f.id));
  return issueUpdateText(
    s,
    {
      ...runWhere(s, branch),
      failure_count: failures.length,
      new_failures: newOnes.slice(0, MAX_LISTED).map((f) => ({
        name: untrusted(f.fullName).replace(/\*/g, "\\*"),
        location: f.file ? inlineCode(untrusted(`${f.file}${f.line ? `:${f.line}` : ""}`)) : "",
        // Cut before neutralizing: limitChars redacts first and never splits a surrogate pair, an emoji or a mask.
        message: untrusted(limitChars(f.message.split("\n")[0] ?? "", 300)).replace(/`/g, "'"),
        id: f.id,
      })),
      new_unlisted: Math.max(0, newOnes.length - MAX_LISTED),
      fixed: diff.fixed.slice(0, MAX_LISTED),
      fixed_unlisted: Math.max(0, diff.fixed.length - MAX_LISTED),
      earlier_count: previous && !previous.fingerprints ? previous.count : null,
    },
    template,
  );
}

/** The task-context path the issue body names (`<tasks>/fix-<id>.yaml`), if any. */
export function taskPathIn(body: string, tasksDir: string): string | null {
  const dir = tasksDir.replace(/\/+$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${dir}/fix-[A-Za-z0-9._-]+?\\.ya?ml`).exec(body);
  return m ? m[0] : null;
}

// ---------- heal:push-task-context ----------

/** The branch the tool owns for a healed branch's task file when pushes to that branch are refused. */
export function taskBranchFor(branch: string): string {
  return `heal/tasks/${branch}`;
}

export interface PushResult {
  /** Set when the task file went to the tool's side branch (the push to the failing branch was refused). */
  taskBranch?: string;
  taskPath?: string;
  taskCommit: string | null;
  taskUrl?: string;
  committed: boolean;
  removed: string[];
}

/** Commits the task file to the branch and links it from the issue; in a green run deletes the old ones. */
export async function pushTaskContext(
  env: Env,
  opts: { task?: string; remote: string; also?: string[] },
  finding: FindingKind = TEST_FAILURES,
): Promise<PushResult | null> {
  const session = await openSession(env);
  const dir = findingReportsDir(session.reportsDir, finding);
  if (session.kind === "local") {
    log.skip(`commit and push the task context to ${session.branch ?? "this branch"}: ${session.reason}`);
    return null;
  }
  const outcome = requireGitHubFile(dir);
  if (isGreenRun(outcome)) {
    const stale = outdatedTasks(session.root, dir, session.config.tasksDir, null);
    if (stale.length > 0) return removeTaskFiles(session, outcome, stale, opts.remote, dir, env);
  }
  if (!outcome.issueNumber || (outcome.action !== "created" && outcome.action !== "commented" && outcome.action !== "unchanged")) {
    log.skip(
      `push the task context: no open ${issueName(finding)} in this run (${outcome.action}${outcome.reason ? `: ${outcome.reason}` : ""})`,
    );
    return null;
  }
  const taskPath = opts.task ?? outcome.taskPath;
  if (!taskPath)
    throw new HealError("INPUT_MISSING", `the ${issueName(finding)} names no task file; pass --task <path>`, join(dir, "issue.json"));
  if (!existsSync(join(session.root, taskPath)))
    throw new HealError("INPUT_MISSING", "task file not found (heal:write-report writes it)", taskPath);
  const branch = session.branch;
  if (!branch) throw new HealError("GIT_PUSH_FAILED", "no branch to push to: check out a branch or set GITHUB_REF_NAME");

  // Reading the issue first: the kill switch and the current body (for the link) come from one GET.
  const issue = await getIssue(session.r, outcome.issueNumber);
  if (isPaused(issue.labels, session.config)) {
    log.skip(`push the task context: issue #${outcome.issueNumber} has the ${session.config.labels.paused} label`);
    return null;
  }

  // The pushed file names its issue; write-report keeps the link on later runs, so a re-run changes no byte.
  // `also`: more task files of this issue (one per advisory group), in the same one commit.
  const also = opts.also ?? [];
  for (const rel of [taskPath, ...also]) {
    if (setTaskIssue(session.root, rel, `${session.ctx.repository}#${outcome.issueNumber}`)) {
      log.info(`${rel}: github_issue set to ${session.ctx.repository}#${outcome.issueNumber}`);
    }
  }
  const remove = outdatedTasks(session.root, dir, session.config.tasksDir, taskPath);
  const message = `chore(heal): task context for #${outcome.issueNumber} [skip ci]`;
  // A re-run whose task file differs only in addresses, times or temp paths makes no commit.
  const equivalent = (a: string, b: string) => withoutVolatile(a) === withoutVolatile(b);
  let pushed: ReturnType<typeof commitAndPushFile>;
  let target = branch;
  let refused: string | null = null;
  try {
    pushed = commitAndPushFile({ cwd: session.root, path: taskPath, also, branch, remote: opts.remote, message, remove, equivalent });
  } catch (e) {
    if (!(e instanceof PushRefused)) throw e;
    // Protected branch, hook or ruleset: the task file goes to the tool's own branch; the hand-off still happens.
    refused = e.why;
    target = taskBranchFor(branch);
    const text = `the push of ${taskPath} to ${branch} was refused (${e.why}); it is on ${target} instead`;
    if (!warnAnnotation(text, env)) log.warn(text);
    pushed = commitAndPushFile({ cwd: session.root, path: taskPath, also, branch: target, remote: opts.remote, message, equivalent });
  }
  const current = currentTaskLink(issue.body ?? "");
  // Unchanged file: an existing link still shows the same content, so keep it (no write). With a file
  // to commit the tip is never null (a branch without commits gets the commit).
  const commit = pushed.commit ?? (current?.path === taskPath ? current.sha : pushed.tip!);
  const url = blobUrl(session.ctx.serverUrl, session.ctx.repository, commit, taskPath);
  await writeIssueBody(
    session.r,
    { issue: { number: issue.number, title: issue.title, body: issue.body } },
    { kind: "task-link", link: taskLinkText(session, { path: taskPath, url }) },
  );

  mergeGitHubFile(dir, {
    step: "push-task-context",
    fields: {
      taskPath,
      taskCommit: commit,
      taskUrl: url,
      taskCommitted: pushed.commit !== null,
      ...(refused ? { taskBranch: target, taskPushRefused: refused } : {}),
    },
  });
  appendJobSummary(
    session.ctx.stepSummaryPath,
    taskContextSummary(session, {
      action: pushed.commit ? "committed" : "unchanged",
      path: taskPath,
      url,
      branch,
      sideBranch: refused ? target : null,
    }),
  );
  if (pushed.removed.length > 0) log.info(`deleted the outdated task context on ${branch}: ${pushed.removed.join(", ")}`);
  log.info(
    pushed.commit
      ? `task context pushed to ${target} as ${pushed.commit.slice(0, 12)} (${pushed.pushAttempts} push${pushed.pushAttempts === 1 ? "" : "es"})`
      : `task context unchanged on ${target}: no commit`,
  );
  return {
    taskPath,
    taskCommit: commit,
    taskUrl: url,
    committed: pushed.commit !== null,
    removed: pushed.removed,
    ...(refused ? { taskBranch: target } : {}),
  };
}

/**
 * All tests pass and sync-issue closed the healing issue or found none open: nothing to hand over. A
 * skipped sync (paused issue, fork, branch not healed) is not green here: nothing is pushed then.
 */
function isGreenRun(outcome: GitHubFile): boolean {
  return outcome.failures === 0 && (outcome.action === "closed" || outcome.action === "unchanged");
}

/**
 * Green run: write-report deleted the branch's task files locally; delete them on the remote branch too,
 * in one `[skip ci]` commit (rebuilt on the new tip when a push races, never forced), so the agent
 * and the next run do not find a task for tests that pass.
 */
function removeTaskFiles(session: GitHubSession, outcome: GitHubFile, remove: string[], remote: string, dir: string, env: Env): PushResult {
  const branch = session.branch;
  if (!branch) throw new HealError("GIT_PUSH_FAILED", "no branch to push to: check out a branch or set GITHUB_REF_NAME");
  const closed = outcome.action === "closed" && outcome.issueNumber ? ` (#${outcome.issueNumber} closed)` : "";
  let pushed: ReturnType<typeof commitAndPushFile>;
  try {
    pushed = commitAndPushFile({
      cwd: session.root,
      branch,
      remote,
      message: `chore(heal): tests pass, task context removed${closed} [skip ci]`,
      remove,
    });
  } catch (e) {
    if (!(e instanceof PushRefused)) throw e;
    // A protected branch keeps its old task files: a warning, never a failed run.
    const text = `the push deleting ${remove.join(", ")} on ${branch} was refused (${e.why}); the files stay there`;
    if (!warnAnnotation(text, env)) log.warn(text);
    mergeGitHubFile(dir, {
      step: "push-task-context",
      fields: { taskCommit: null, taskCommitted: false, removedTasks: [], taskPushRefused: e.why },
    });
    return { taskCommit: null, committed: false, removed: [] };
  }
  mergeGitHubFile(dir, {
    step: "push-task-context",
    fields: { taskCommit: pushed.commit, taskCommitted: pushed.commit !== null, removedTasks: pushed.removed },
  });
  if (pushed.commit) {
    appendJobSummary(session.ctx.stepSummaryPath, taskContextSummary(session, { action: "deleted", branch, deleted: pushed.removed }));
    log.info(`deleted the outdated task context on ${branch}: ${pushed.removed.join(", ")}`);
    log.info(`pushed to ${branch} as ${pushed.commit.slice(0, 12)} (${pushed.pushAttempts} push${pushed.pushAttempts === 1 ? "" : "es"})`);
  } else {
    log.info(`no task file of ${branch} left on ${remote}: no commit`);
  }
  return { taskCommit: pushed.commit, committed: pushed.commit !== null, removed: pushed.removed };
}

/**
 * issue.json's `removedTasks` (older task files of this branch that write-report deleted locally), kept only
 * when they are auto-generated task files in the tasks folder, not the file being pushed, and still gone
 * from the working tree: only those are deleted upstream.
 */
function outdatedTasks(root: string, reportsDir: string, tasksDir: string, taskPath: string | null): string[] {
  let listed: string[];
  try {
    listed = readIssueFile(reportsDir)?.removedTasks ?? [];
  } catch {
    return []; // sync-issue already read this file; a broken one fails there with the reason.
  }
  const dir = posix.normalize(tasksDir).replace(/\/+$/, "");
  const keep: string[] = [];
  for (const rel of listed) {
    const inTasks = posix.dirname(rel) === dir && posix.normalize(rel) === rel && /^fix-[^/]+\.yaml$/.test(posix.basename(rel));
    if (!inTasks || rel === taskPath) log.warn(`not deleting ${rel} upstream: not an outdated task file in ${dir}/`);
    else if (!existsSync(join(root, rel))) keep.push(rel);
  }
  return keep;
}

// ---------- heal:hand-off ----------

/** Wakes the agent for the healing issue when sync-issue reported new failures; records it in github.json. */
export async function handOffHealingIssue(env: Env, finding: FindingKind = TEST_FAILURES): Promise<HandoffRecord | null> {
  const session = await openSession(env);
  const dir = findingReportsDir(session.reportsDir, finding);
  if (session.kind === "local") {
    log.skip(`wake the agent (${session.config.agent.mention || "no mention"}): ${session.reason}`);
    return null;
  }
  const outcome = requireGitHubFile(dir);
  // Environment failures (a stack that cannot start or import its dependencies) are for people to install.
  const failing = requireFailuresFile(dir).failures;
  const record: HandoffRecord =
    !session.config.agent.handoffEnvironment && failing.length > 0 && agentFailures(failing).length === 0
      ? {
          via: "skipped",
          reason: "only environment failures: install what the issue names (agent.handoff_environment: true hands them off)",
        }
      : await handOff(session, outcome);
  mergeGitHubFile(dir, { step: "hand-off", fields: { handoff: record } });
  const summary = handoffSummary(session, {
    via: record.via,
    mention: session.config.agent.mention,
    tokenEnv: session.ctx.agentTokenEnv,
    eventType: record.eventType ?? null,
    attempt: record.attempt ?? null,
    unconfirmed: record.unconfirmed === true,
    reason: record.reason ?? null,
  });
  if (summary) appendJobSummary(session.ctx.stepSummaryPath, summary);
  if (record.via === "none") {
    const text = record.reason ?? "nothing will wake the agent";
    if (!warnAnnotation(text, env)) log.warn(text);
  } else if (record.unconfirmed) log.warn(`${record.reason}; if no agent run started, ask again on issue #${outcome.issueNumber}`);
  else if (record.via === "skipped") log.skip(`wake the agent: ${record.reason}`);
  else
    log.info(
      `agent woken via ${record.via}${record.commentUrl ? ` ${record.commentUrl}` : record.eventType ? ` (${record.eventType})` : ""}`,
    );
  return record;
}

async function handOff(s: GitHubSession, outcome: GitHubFile): Promise<HandoffRecord> {
  const { agent, labels } = s.config;
  const pending = outcome.action === "unchanged" && outcome.handedOff === false;
  if (!outcome.issueNumber || (outcome.action !== "created" && outcome.action !== "commented" && !pending)) {
    return { via: "skipped", reason: `no new failures to hand off (issue ${outcome.action})` };
  }
  // Nothing can wake the agent: said before any request (wakeAgent would say the same).
  const plan = planHandoff(agent, s.agentClient !== null);
  if (plan.via === "none") return { via: agent.handoff === "token" ? "none" : "skipped", reason: plan.explain };
  const issueNumber = outcome.issueNumber;
  const issue = await getIssue(s.r, issueNumber);
  if (isPaused(issue.labels, s.config)) return { via: "skipped", reason: `issue #${issueNumber} has the ${labels.paused} label` };
  if (labelNames(issue).some((l) => l.toLowerCase() === labels.needsHuman.toLowerCase())) {
    return { via: "skipped", reason: `issue #${issueNumber} is labelled ${labels.needsHuman}` };
  }

  const who = await s.handoffAuthors();
  const comments = await listComments(s.r, issueNumber);
  // sync-issue may not have known the agent's login: an issue it thought pending is checked again here.
  if (pending && countHandoffs(comments, who) > 0) return { via: "skipped", reason: `issue #${issueNumber} was already handed off` };
  const failed = countAttempts(comments, who.botLogin);
  if (attemptsExhausted(failed, agent.maxAttempts)) {
    return { via: "skipped", reason: `the agent already failed ${failed} of ${agent.maxAttempts} attempts on #${issueNumber}` };
  }
  const attempt = failed + 1;
  const taskPath = outcome.taskPath ?? null;
  const linked = taskPath
    ? outcome.taskUrl
      ? `[\`${taskPath}\`](${outcome.taskUrl})`
      : `\`${taskPath}\``
    : "the task context named in the issue";
  const sideBranch = taskPath ? (outcome.taskBranch ?? null) : null;
  // The failing branch refused the push: the agent is told where the file is and how to read it.
  const taskRef = sideBranch
    ? `${linked} (on the branch \`${sideBranch}\`, the push to \`${outcome.branch ?? s.branch}\` was refused: \`git fetch origin ${sideBranch}\` then \`git show FETCH_HEAD:${taskPath}\`)`
    : linked;
  return wakeAgent({
    ...handoffTarget(s, issueNumber, who, comments),
    ask: healingHandoffText(s, {
      issue_number: issueNumber,
      attempt,
      max_attempts: agent.maxAttempts,
      task_ref: taskRef,
      branch: inlineCode(untrusted(outcome.branch ?? s.branch ?? "")),
    }),
    // The dispatch leaves no trace on the issue: a short note (no mention) records the attempt for the budget.
    note: (unconfirmed) =>
      handoffNoteText(s, { kind: "healing", event_type: agent.dispatchEventType, attempt, max_attempts: agent.maxAttempts, unconfirmed }),
    payload: {
      issue_number: issueNumber,
      branch: outcome.branch ?? s.branch ?? null,
      task_path: taskPath,
      attempt,
      ...(sideBranch && taskPath
        ? { task_branch: sideBranch, task_url: outcome.taskUrl ?? null, task_yaml: taskYaml(s.root, taskPath) }
        : {}),
    },
    attempt,
  });
}

/** Room for the task file in a dispatch payload; a larger one is only named (task_branch, task_url). */
const MAX_PAYLOAD_TASK_BYTES = 16 * 1024;

/** The task file's text, redacted, for the dispatch payload when the agent's checkout will not have it; null when too large. */
function taskYaml(root: string, taskPath: string): string | null {
  const abs = join(root, taskPath);
  if (!existsSync(abs)) return null;
  const text = redact(readFileSync(abs, "utf8"));
  return Buffer.byteLength(text) <= MAX_PAYLOAD_TASK_BYTES ? text : null;
}

/** The hand-off target of a GitHub session: its clients, the cap over the tool's labels, this run. */
export function handoffTarget(
  s: GitHubSession,
  issueNumber: number,
  who: HandoffTarget["who"],
  comments: Awaited<ReturnType<typeof listComments>>,
): HandoffTarget {
  const { labels } = s.config;
  return {
    r: s.r,
    agentClient: s.agentClient,
    agent: s.config.agent,
    issueNumber,
    who,
    comments,
    cap: {
      dailyMentions: s.config.budget.dailyMentions,
      labels: [labels.healing[0] ?? "auto-healing", labels.coverage[0] ?? "auto-healing"],
    },
    run: { id: s.ctx.runId, attempt: s.ctx.runAttempt },
  };
}

/** What a local run would file, counted as people read it: failing tests and set-up problems apart. */
function findingCount(failures: FailureRecord[], finding: FindingKind): string {
  const n = failures.length;
  if (finding.marker === "perf") return `${n} regressed benchmark${n === 1 ? "" : "s"}`;
  if (finding.marker === "audit") return `${n} vulnerable dependenc${n === 1 ? "y" : "ies"}`;
  const tests = agentFailures(failures).length;
  const blocked = failures.length - tests;
  return [
    ...(tests > 0 ? [`${tests} failing`] : []),
    ...(blocked > 0 ? [`${blocked} stack${blocked === 1 ? "" : "s"} that could not run`] : []),
  ].join(", ");
}
