// The job summary (GITHUB_STEP_SUMMARY): what a person sees on the run page without opening GitHub issues.
import { appendFileSync } from "node:fs";
import type { FailureReport } from "../types.ts";
import { byteLength, inlineCode, limitBody, limitChars, untrusted } from "../sanitize.ts";

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

/** The failures as a table plus the issue link (or why there is none). */
export function failureSummaryMarkdown(
  report: Pick<FailureReport, "failures" | "summary" | "branch">,
  issue: { url: string | null; number: number | null; action: string; note?: string },
): string {
  const lines: string[] = [];
  const n = report.failures.length;
  lines.push(
    n === 0 ? "## ✅ Self-healing TDD loop: all tests pass" : `## 🔴 Self-healing TDD loop: ${n} failing test${n === 1 ? "" : "s"}`,
  );
  lines.push("");
  const s = report.summary;
  lines.push(
    `${s.total} tests: ${s.passed} passed, ${s.failed} failed, ${s.errors} errors, ${s.skipped} skipped${s.flaky ? `, ${s.flaky} flaky` : ""}.`,
  );
  lines.push("");
  if (n > 0) {
    lines.push("| Test | Location | Message |", "|---|---|---|");
    for (const f of report.failures.slice(0, MAX_ROWS)) {
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ""}` : "—";
      const loc = f.file ? inlineCode(untrusted(where)).replace(/\|/g, "\\|") : where;
      lines.push(`| ${cell(f.fullName)} | ${loc} | ${cell(f.message.split("\n")[0] ?? "")} |`);
    }
    if (n > MAX_ROWS) lines.push("", `…and ${n - MAX_ROWS} more: see failures.json in the run's artifacts.`);
    lines.push("");
  }
  if (issue.url && issue.number) lines.push(`Healing issue: [#${issue.number}](${issue.url}) (${issue.action}).`);
  else lines.push(`Healing issue: none (${issue.action}${issue.note ? `: ${untrusted(issue.note)}` : ""}).`);
  return `${lines.join("\n")}\n`;
}
