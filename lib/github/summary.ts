// The job summary (GITHUB_STEP_SUMMARY): what a person sees on the run page without opening GitHub issues.
// Every line is rendered from a template (failure-summary.md, issue-summary.md, task-context-summary.md,
// handoff-summary.md); untrusted values are escaped here, before rendering.
import { appendFileSync } from "node:fs";
import type { FailureReport } from "../types.ts";
import { byteLength, inlineCode, limitBody, limitChars, untrusted } from "../sanitize.ts";
import { renderText, type TextSource } from "./texts.ts";

/** GitHub shows at most 1 MiB of summary per step; stay well under it. */
export const MAX_SUMMARY_BYTES = 512 * 1024;
const MAX_ROWS = 50;

/** Appends Markdown to the step summary file; no file (local mode) -> nothing. Returns whether it wrote. */
export function appendJobSummary(path: string | null | undefined, markdown: string): boolean {
  if (!path) return false;
  let text = markdown.endsWith("\n") ? markdown : `${markdown}\n`;
  // limitBody cuts on a code point, grapheme and mask boundary, and closes a fence the cut leaves open.
  if (byteLength(text) > MAX_SUMMARY_BYTES) text = limitBody(text, "_(summary cut)_", MAX_SUMMARY_BYTES);
  appendFileSync(path, text);
  return true;
}

function cell(text: string): string {
  return untrusted(limitChars(text, 200)).replace(/\|/g, "\\|");
}

/** What a step did with its issue, as the summary's issue line names it. */
export interface SummaryIssue {
  url: string | null;
  number: number | null;
  action: string;
  note?: string;
}

/** The issue line (issue-summary.md): `name` is what the issue is ("healing issue", "coverage issue", ...). */
export function issueSummaryLine(src: TextSource, name: string, issue: SummaryIssue): string {
  return renderText(
    "issue-summary.md",
    { name, number: issue.number, url: issue.url, action: issue.action, note: issue.note ? untrusted(issue.note) : "" },
    src,
  );
}

/** The failures as a table plus the issue line (failure-summary.md); `issueName` names the finding's issue. */
export function failureSummaryMarkdown(
  src: TextSource,
  report: Pick<FailureReport, "failures" | "summary" | "branch">,
  issue: SummaryIssue,
  issueName = "healing issue",
): string {
  const n = report.failures.length;
  const rows = report.failures.slice(0, MAX_ROWS).map((f) => {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ""}` : "—";
    return {
      test: cell(f.fullName),
      location: f.file ? inlineCode(untrusted(where)).replace(/\|/g, "\\|") : where,
      message: cell(f.message.split("\n")[0] ?? ""),
    };
  });
  const s = report.summary;
  const text = renderText(
    "failure-summary.md",
    {
      failure_count: n,
      summary: { total: s.total, passed: s.passed, failed: s.failed, errors: s.errors, skipped: s.skipped, flaky: s.flaky ?? 0 },
      rows,
      more_count: Math.max(0, n - MAX_ROWS),
      issue_line: issueSummaryLine(src, issueName, issue),
    },
    src,
  );
  return `${text}\n`;
}

/** The task file's line (task-context-summary.md). */
export function taskContextSummary(
  src: TextSource,
  v:
    | { action: "committed" | "unchanged"; path: string; url: string; branch: string; sideBranch: string | null }
    | { action: "deleted"; branch: string; deleted: string[] },
): string {
  const values =
    v.action === "deleted"
      ? { action: v.action, path: "", url: "", branch: untrusted(v.branch), side_branch: "", deleted: v.deleted.map((p) => untrusted(p)) }
      : {
          action: v.action,
          path: untrusted(v.path),
          url: v.url,
          branch: untrusted(v.branch),
          side_branch: v.sideBranch ? untrusted(v.sideBranch) : "",
          deleted: [],
        };
  return `${renderText("task-context-summary.md", values, src)}\n`;
}

/** The hand-off's line (handoff-summary.md); null when there is nothing to say (a skipped hand-off). */
export function handoffSummary(
  src: TextSource,
  v: {
    via: string;
    mention: string;
    tokenEnv: string;
    eventType: string | null;
    attempt: number | null;
    unconfirmed: boolean;
    reason: string | null;
  },
): string | null {
  if (v.via !== "comment" && v.via !== "dispatch" && v.via !== "none") return null;
  const text = renderText(
    "handoff-summary.md",
    {
      via: v.via,
      mention: v.mention,
      token_env: v.tokenEnv,
      event_type: v.eventType ?? "",
      attempt: v.attempt,
      unconfirmed: v.unconfirmed,
      reason: v.reason ?? "",
    },
    src,
  );
  return `${text}\n`;
}
