// The one coverage issue: created when files are under the threshold, its title and body replaced while it is
// open (no request when nothing changed), closed with a comment once every file meets the threshold.
// Found like every tool issue: label + creator + trusted marker of kind "coverage" (lib/github/issues.ts).
import { createHash } from "node:crypto";
import { isPaused } from "../budget.ts";
import type { HealConfig } from "../config.ts";
import type { RepoClient } from "../github/client.ts";
import { createCommentOnce } from "../github/comments.ts";
import { bodyWithMarker, closeIssue, createIssueOnce, findToolIssue } from "../github/issues.ts";
import { ensureLabels } from "../github/labels.ts";
import { buildMarker, type MarkerInput } from "../marker.ts";
import type { CoverageSummary } from "./summary.ts";

export type CoverageIssueAction = "created" | "updated" | "unchanged" | "closed" | "none" | "paused";

export interface CoverageIssueOutcome {
  action: CoverageIssueAction;
  number: number | null;
  url: string | null;
}

export interface CoverageIssueInput {
  summary: CoverageSummary;
  title: string;
  /** Rendered body without the marker. */
  body: string;
  labels: string[];
  botLogin: string;
  /** `labels.paused` is the kill switch: an open coverage issue carrying it is left alone. */
  config: Pick<HealConfig, "labels">;
  /** Overall percentage as shown in the title, for the closing comment. */
  overallPct: string;
}

/**
 * The marker holds only what the coverage says (no run id, no commit), so an unchanged coverage renders
 * a byte-identical body and the run makes no write. The coverage issue is one per repository: branch "".
 */
export function coverageMarker(summary: CoverageSummary): MarkerInput {
  return {
    kind: "coverage",
    branch: "",
    fingerprints: summary.belowThreshold.map((f) => createHash("sha256").update(f).digest("hex").slice(0, 12)),
    extra: { pct: summary.overall.pct, threshold: summary.threshold },
  };
}

const CUT_NOTICE = "> [!NOTE]\n> This list was cut to GitHub's size limit: every file is in coverage.json (the run's `.agent/reports` artifact).";

export async function syncCoverageIssue(r: RepoClient, input: CoverageIssueInput): Promise<CoverageIssueOutcome> {
  const label = input.labels[0] ?? "auto-healing";
  const find = () => findToolIssue(r, { kind: "coverage", botLogin: input.botLogin, label, state: "open" });
  const open = await find();
  const marker = coverageMarker(input.summary);
  const below = input.summary.belowThreshold.length;

  if (open && isPaused(open.labels, input.config)) return { action: "paused", number: open.number, url: open.url };

  if (below === 0) {
    if (!open) return { action: "none", number: null, url: null };
    const tag = buildMarker(marker);
    const text = `✅ Every file now meets the ${input.summary.threshold}% line-coverage threshold (overall ${input.overallPct}%). Closing.\n\n${tag}`;
    await createCommentOnce(r, open.number, text, { botLogin: input.botLogin, uniqueText: tag });
    await closeIssue(r, open.number, "completed");
    return { action: "closed", number: open.number, url: open.url };
  }

  const body = bodyWithMarker(input.body, marker, CUT_NOTICE);
  if (open) {
    if (open.title === input.title && normalize(open.body) === normalize(body)) {
      return { action: "unchanged", number: open.number, url: open.url };
    }
    // Title and body in one PATCH; labels stay untouched (a PATCH with labels would drop people's labels).
    await r.gh.rest.issues.update({ owner: r.owner, repo: r.repo, issue_number: open.number, title: input.title, body });
    return { action: "updated", number: open.number, url: open.url };
  }

  await ensureLabels(r, input.labels);
  const created = await createIssueOnce(r, { title: input.title, body, labels: input.labels }, { find });
  return { action: created.adopted ? "unchanged" : "created", number: created.number, url: created.url };
}

/** GitHub may hand a body back with CRLF line ends: compare text, not bytes. */
function normalize(text: string): string {
  return text.replace(/\r\n/g, "\n").trimEnd();
}
