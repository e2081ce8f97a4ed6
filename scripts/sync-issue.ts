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
import { existsSync } from "node:fs";
import { join } from "node:path";
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { dailyCapReached, DAY_MS, isPaused, selfCausedReason } from "../lib/budget.ts";
import { currentHeadMessage } from "../lib/git.ts";
import { requireJsonFile } from "../lib/json-file.ts";
import { createCommentOnce, latestMarker, listComments } from "../lib/github/comments.ts";
import { bodyWithMarker, closeIssue, createIssueOnce, findToolIssue, listToolIssues } from "../lib/github/issues.ts";
import { countHandoffs } from "../lib/github/handoff.ts";
import { ensureLabels, labelSpec } from "../lib/github/labels.ts";
import { writeOutcome, type GitHubOutcome } from "../lib/github/outcome.ts";
import { isHealedBranch, openSession, type GitHubSession } from "../lib/github/session.ts";
import { appendJobSummary, failureSummaryMarkdown } from "../lib/github/summary.ts";
import { buildMarker, diffFingerprints, markerData, type Marker } from "../lib/marker.ts";
import { REPORT_FILES } from "../lib/paths.ts";
import { inlineCode, limitChars, limitTitle, untrusted } from "../lib/sanitize.ts";
import type { FailureRecord, FailureReport } from "../lib/types.ts";

const FLAGS: FlagSpec = {};
const HELP = `bun scripts/sync-issue.ts — open, update or close the branch's healing issue (task heal:sync-issue)`;
const MAX_LISTED = 50;
/** Room left in a new issue's body for the task link push-task-context adds (a ~250-byte line). */
const TASK_LINK_RESERVE = 1024;
const CUT_NOTICE = "_The list is cut here: the full list is failures.json in the run's artifacts._";

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const session = await openSession(env);
  const report = requireJsonFile<FailureReport>(join(session.reportsDir, REPORT_FILES.failures));
  const failing = report.failures.length;

  if (session.kind === "local") {
    const what =
      failing > 0
        ? `create or update the healing issue for ${session.branch ?? "this branch"} (${failing} failing)`
        : "close the healing issue of this branch if one is open";
    log.skip(`${what}: ${session.reason}`);
    writeOutcome(
      session.reportsDir,
      { issueNumber: null, issueUrl: null, action: "skipped", reason: session.reason, branch: session.branch, failures: failing },
      true,
    );
    return 0;
  }

  const outcome = await sync(session, report);
  const issuePath = join(session.reportsDir, REPORT_FILES.issue);
  if (outcome.taskPath === undefined && existsSync(issuePath)) {
    const input = requireJsonFile<{ body?: string; taskPath?: string | null }>(issuePath);
    outcome.taskPath = input.taskPath ?? taskPathIn(input.body ?? "", session.config.tasksDir);
  }
  const written = writeOutcome(session.reportsDir, outcome, true);
  appendJobSummary(
    session.ctx.stepSummaryPath,
    failureSummaryMarkdown(report, { url: written.issueUrl, number: written.issueNumber, action: written.action, note: written.reason }),
  );
  log.info(
    `healing issue: ${written.action}${written.issueUrl ? ` ${written.issueUrl}` : ""}${written.reason ? ` (${written.reason})` : ""}`,
  );
  process.stdout.write(`${JSON.stringify(written)}\n`);
  return 0;
}

async function sync(s: GitHubSession, report: FailureReport): Promise<GitHubOutcome> {
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
  const issue = await findToolIssue(s.r, { kind: "healing", branch, botLogin, label });
  const fingerprints = report.failures.map((f) => f.id);
  const run = s.ctx.runId ? { id: s.ctx.runId, attempt: s.ctx.runAttempt } : null;
  const marker = markerData({ kind: "healing", branch, fingerprints, run });

  if (issue) {
    const found: Omit<GitHubOutcome, "action"> = { ...base, issueNumber: issue.number, issueUrl: issue.url };
    if (isPaused(issue.labels, s.config)) {
      return { ...found, action: "skipped", reason: `issue #${issue.number} has the ${s.config.labels.paused} label` };
    }
    const comments = await listComments(s.r, issue.number);
    const previous = latestMarker(issue, comments, botLogin, "healing");
    // An issue whose earlier run died before its hand-off still needs one (hand-off reads this).
    // Only hand-offs by the tool or the agent identity count: a tag pasted by anyone else hides nothing.
    found.handedOff = countHandoffs(comments, await s.handoffAuthors()) > 0;
    if (fingerprints.length === 0) {
      const body = bodyWithMarker(greenText(s, branch), marker, CUT_NOTICE);
      await createCommentOnce(s.r, issue.number, body, { botLogin, uniqueText: buildMarker(marker) });
      await closeIssue(s.r, issue.number, "completed");
      return { ...found, action: "closed" };
    }
    if (run && previous?.run?.id === run.id) {
      return { ...found, action: "unchanged", reason: `run ${run.id} already reported (attempt ${previous.run.attempt})` };
    }
    const diff = diffFingerprints(previous, fingerprints);
    if (!diff.changed) return { ...found, action: "unchanged", reason: "same failing tests as last reported" };
    const body = bodyWithMarker(changedText(s, branch, report.failures, diff, previous), marker, CUT_NOTICE);
    await createCommentOnce(s.r, issue.number, body, { botLogin, uniqueText: buildMarker(marker) });
    return { ...found, action: "commented" };
  }

  if (fingerprints.length === 0) return { ...base, action: "unchanged", reason: "all tests pass and no healing issue is open" };

  const selfCaused = selfCausedReason(
    { actor: s.ctx.actor, branch, eventName: s.ctx.eventName, headCommitMessage: s.ctx.headCommitMessage ?? currentHeadMessage(s.root) },
    s.config,
  );
  if (selfCaused) return { ...base, action: "skipped", reason: `no new healing issue: ${selfCaused}` };
  // The daily cap counts the tool's healing issues created in the last 24 hours (one more GET, only when creating).
  const recent = await listToolIssues(s.r, { label, botLogin, state: "all", since: new Date(Date.now() - DAY_MS).toISOString() });
  const created24h = recent.filter((i) => i.marker.kind === "healing").map((i) => ({ createdAt: i.createdAt, author: i.author }));
  if (dailyCapReached("issues", created24h, Date.now(), s.config.budget.dailyIssues, { botLogin })) {
    return {
      ...base,
      action: "skipped",
      reason: `daily cap reached: ${s.config.budget.dailyIssues} healing issues in 24 hours (budget.daily_issues)`,
    };
  }

  const input = requireJsonFile<{ title: string; body: string; labels?: string[]; taskPath?: string | null }>(
    join(s.reportsDir, REPORT_FILES.issue),
  );
  const labels = [...new Set([label, ...(input.labels ?? s.config.labels.healing)].map((n) => labelSpec(n).name))];
  await ensureLabels(s.r, labels);
  const created = await createIssueOnce(
    s.r,
    { title: limitTitle(input.title), body: bodyWithMarker(input.body, marker, CUT_NOTICE, TASK_LINK_RESERVE), labels },
    { find: () => findToolIssue(s.r, { kind: "healing", branch, botLogin, label }) },
  );
  return {
    ...base,
    issueNumber: created.number,
    issueUrl: created.url,
    action: "created",
    ...(created.adopted ? { reason: "the create's response was lost; the issue it made was found and adopted" } : {}),
    taskPath: input.taskPath ?? taskPathIn(input.body, s.config.tasksDir),
    handedOff: false,
  };
}

function runLink(s: GitHubSession): string {
  const sha = s.ctx.sha ? ` at \`${s.ctx.sha.slice(0, 12)}\`` : "";
  return `${sha}${s.ctx.runUrl ? ` ([run](${s.ctx.runUrl}))` : ""}`;
}

function greenText(s: GitHubSession, branch: string): string {
  return `✅ All tests pass on ${inlineCode(untrusted(branch))}${runLink(s)}. Closing this healing issue.`;
}

function changedText(
  s: GitHubSession,
  branch: string,
  failures: FailureRecord[],
  diff: { added: string[]; fixed: string[] },
  previous: Marker | null,
): string {
  const lines = [`🔁 The failing tests on ${inlineCode(untrusted(branch))} changed${runLink(s)}: ${failures.length} failing now.`, ""];
  const added = new Set(diff.added);
  const newOnes = failures.filter((f) => added.has(f.id));
  if (newOnes.length > 0) {
    lines.push(`**Newly failing (${newOnes.length}):**`, "");
    for (const f of newOnes.slice(0, MAX_LISTED)) lines.push(`- ${failureLine(f)}`);
    if (newOnes.length > MAX_LISTED) lines.push(`- …and ${newOnes.length - MAX_LISTED} more (failures.json in the run's artifacts)`);
    lines.push("");
  }
  if (diff.fixed.length > 0) {
    lines.push(
      `**Now passing (${diff.fixed.length}):** ${diff.fixed
        .slice(0, MAX_LISTED)
        .map((id) => `\`${id}\``)
        .join(", ")}${diff.fixed.length > MAX_LISTED ? ", …" : ""}`,
      "",
    );
  }
  if (!previous?.fingerprints && previous) lines.push(`(The earlier list had ${previous.count} failures.)`, "");
  return lines.join("\n");
}

function failureLine(f: FailureRecord): string {
  const where = f.file ? ` — ${inlineCode(untrusted(`${f.file}${f.line ? `:${f.line}` : ""}`))}` : "";
  // Cut before neutralizing: limitChars redacts first and never splits a surrogate pair, an emoji or a mask.
  const msg = untrusted(limitChars(f.message.split("\n")[0] ?? "", 300)).replace(/`/g, "'");
  return `**${untrusted(f.fullName).replace(/\*/g, "\\*")}**${where}${msg ? `: ${msg}` : ""} (\`${f.id}\`)`;
}

/** The task-context path the issue body names (`<tasks>/fix-<id>.yaml`), if any. */
export function taskPathIn(body: string, tasksDir: string): string | null {
  const dir = tasksDir.replace(/\/+$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${dir}/fix-[A-Za-z0-9._-]+?\\.ya?ml`).exec(body);
  return m ? m[0] : null;
}

runMain(import.meta, main);
