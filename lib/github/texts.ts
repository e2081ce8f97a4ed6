// The texts people and the agent read on GitHub, each rendered from its template in templates/ (a repo
// overrides any of them): hand-offs, the retry request and notice, the healing issue's update and close
// comments, the coverage close comment, the task-link line and the cut notices. Callers pass values that are
// already sanitized; the tool's own hidden tags (hand-off tag, task-link tag, markers) are added by the
// callers, never by a template, so an edited template cannot break how the tool finds its own comments.
import type { HealConfig } from "../config.ts";
import { renderTemplate, type TemplateName } from "../render.ts";

/** Where templates are looked up: the repository (overrides) and the config's `templates:` map. */
export interface TextSource {
  root: string;
  config: Pick<HealConfig, "templates">;
}

/** Template `name` rendered with `context`, trimmed. */
export function renderText(name: TemplateName, context: object, src: TextSource): string {
  return renderTemplate(name, context, src.root, src.config).trim();
}

export type CutKind = "issue" | "issue-update" | "verification" | "coverage";

/** The notice that ends a text cut to GitHub's size limit. */
export function cutNotice(src: TextSource, kind: CutKind, file: string, where = ""): string {
  return renderText("cut-notice.md", { kind, file, where }, src);
}

/** The agent's hand-off for a healing issue (after the mention). */
export function healingHandoffText(
  src: TextSource,
  v: { issue_number: number; attempt: number; max_attempts: number; task_ref: string; branch: string },
): string {
  return renderText("handoff.md", v, src);
}

/** The agent's hand-off for the coverage issue (after the mention). */
export function coverageHandoffText(src: TextSource, v: { issue_number: number; threshold: number; branch: string }): string {
  return renderText("handoff-coverage.md", v, src);
}

/** The note a repository_dispatch hand-off leaves on the issue. */
export function handoffNoteText(
  src: TextSource,
  v: {
    kind: "healing" | "coverage" | "test-quality";
    event_type: string;
    attempt: number | null;
    max_attempts: number;
    unconfirmed: boolean;
  },
): string {
  return renderText("handoff-note.md", v, src);
}

/** verify's request for another attempt (after the mention). */
export function retryRequestText(
  src: TextSource,
  v: { branch: string; verification_url: string; attempt: number; max_attempts: number; task_path: string },
): string {
  return renderText("retry-request.md", v, src);
}

/** The failed verification's line on how the agent is asked again, or why not. */
export function retryNoticeText(
  src: TextSource,
  v: { via: "comment" | "dispatch" | "cap" | "none"; reason: string; event_type: string },
): string {
  return renderText("retry-notice.md", v, src);
}

export interface IssueUpdateValues {
  branch: string;
  commit_short: string;
  run_url: string;
  failure_count: number;
  new_failures: { name: string; location: string; message: string; id: string }[];
  new_unlisted: number;
  fixed: string[];
  fixed_unlisted: number;
  earlier_count: number | null;
}

/** sync-issue's comment when the failing set changed (perf-update.md / audit-update.md for those findings). */
export function issueUpdateText(src: TextSource, v: IssueUpdateValues, name: TemplateName = "issue-update.md"): string {
  return renderText(name, v, src);
}

/** sync-issue's comment when every test passes (issue-close-merged.md: a verified fix merged; perf-close.md / audit-close.md for those findings). */
export function issueCloseText(
  src: TextSource,
  v: { branch: string; commit_short: string; run_url: string },
  name: TemplateName = "issue-close.md",
): string {
  return renderText(name, v, src);
}

/** The coverage issue's closing comment. */
export function coverageCloseText(src: TextSource, v: { threshold: number; overall_pct: string }): string {
  return renderText("coverage-close.md", v, src);
}

/** The issue body's task-link line, without its tag; kept on one line whatever the template says. */
export function taskLinkText(src: TextSource, v: { path: string; url: string }): string {
  return renderText("task-link.md", v, src).replace(/\s*[\r\n]+\s*/g, " ");
}
