// What `task coverage` concludes from the merged coverage: overall and per-file line coverage, the files
// under the threshold worst first, and the coverage issue / coverage.md rendered from templates/.
import type { HealConfig } from "../config.ts";
import { renderTemplate, type TemplateName } from "../render.ts";
import { inlineCode, limitTitle, untrusted } from "../sanitize.ts";
import type { CoverageResult } from "./index.ts";
import { belowThreshold, formatRanges, percent, type FileCoverage } from "./model.ts";

/** `.agent/reports/coverage.json`. */
export interface CoverageSummary {
  schemaVersion: 1;
  threshold: number;
  overall: { linesTotal: number; linesCovered: number; pct: number };
  /** Every measured file, by path. */
  files: FileCoverage[];
  /** Paths of the files under the threshold, worst first. */
  belowThreshold: string[];
  reports: CoverageResult["reports"];
  reportErrors: string[];
  /** Entries of the reports that belong to no repository file (dependencies, stdlib): left out. */
  skippedFiles: number;
  /** The coverage runs, when `task coverage` ran the stacks itself. */
  runs?: {
    stack: string;
    framework: string;
    cwd: string;
    exitCode: number | null;
    durationMs: number;
    report: string | null;
    note?: string;
  }[];
}

/** Rows in the issue; the rest are counted and left to coverage.json (GitHub's 65,536-byte body limit). */
export const MAX_ISSUE_ROWS = 100;
const MAX_RANGES_CHARS = 300;

export function summarizeCoverage(result: CoverageResult, threshold: number): CoverageSummary {
  let total = 0;
  let covered = 0;
  for (const f of result.files) {
    total += f.linesTotal;
    covered += f.linesCovered;
  }
  const below = result.files
    .filter((f) => belowThreshold(f, threshold))
    .sort((a, b) => ratio(a) - ratio(b) || b.linesTotal - b.linesCovered - (a.linesTotal - a.linesCovered) || (a.file < b.file ? -1 : 1));
  return {
    schemaVersion: 1,
    threshold,
    overall: { linesTotal: total, linesCovered: covered, pct: percent(covered, total) },
    files: result.files,
    belowThreshold: below.map((f) => f.file),
    reports: result.reports,
    reportErrors: result.errors,
    skippedFiles: result.skippedFiles,
  };
}

function ratio(f: FileCoverage): number {
  return f.linesTotal === 0 ? 1 : f.linesCovered / f.linesTotal;
}

/** A percentage for titles and tables, rounded down to one decimal so 79.96% never reads as 80%. */
export function displayPct(covered: number, total: number): string {
  if (total === 0) return "100";
  const tenths = Math.floor((covered * 1000) / total);
  return tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
}

export interface CoverageTemplateContext {
  overall_pct: string;
  threshold: number;
  lines_total: number;
  lines_covered: number;
  file_count: number;
  below_count: number;
  /** `file` is a Markdown code span already. */
  files: { file: string; pct: string; covered: number; total: number; uncovered: string }[];
  more_count: number;
  coverage_path: string;
  run_url: string | null;
  report_errors: string[];
  mention: string;
}

/** Table cell text: sanitized, one line, pipes escaped so the row keeps its columns. */
function cell(text: string): string {
  return untrusted(text)
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|");
}

export function coverageTemplateContext(
  summary: CoverageSummary,
  opts: { config: Pick<HealConfig, "agent" | "reportsDir">; runUrl?: string | null },
): CoverageTemplateContext {
  const byPath = new Map(summary.files.map((f) => [f.file, f]));
  const rows = summary.belowThreshold.slice(0, MAX_ISSUE_ROWS).map((path) => {
    const f = byPath.get(path)!;
    let ranges = formatRanges(f.uncovered);
    if (ranges.length > MAX_RANGES_CHARS) ranges = `${ranges.slice(0, ranges.lastIndexOf(",", MAX_RANGES_CHARS))}, …`;
    return {
      file: inlineCode(untrusted(f.file)).replace(/\|/g, "\\|"),
      pct: displayPct(f.linesCovered, f.linesTotal),
      covered: f.linesCovered,
      total: f.linesTotal,
      uncovered: cell(ranges),
    };
  });
  return {
    overall_pct: displayPct(summary.overall.linesCovered, summary.overall.linesTotal),
    threshold: summary.threshold,
    lines_total: summary.overall.linesTotal,
    lines_covered: summary.overall.linesCovered,
    file_count: summary.files.length,
    below_count: summary.belowThreshold.length,
    files: rows,
    more_count: summary.belowThreshold.length - rows.length,
    coverage_path: `${opts.config.reportsDir}/coverage.json`,
    run_url: opts.runUrl ? untrusted(opts.runUrl) : null,
    report_errors: summary.reportErrors.map((e) => cell(e)),
    mention: opts.config.agent.mention,
  };
}

// The coverage templates live beside the healing ones and resolve the same way (override folder, config).
const BODY_TEMPLATE: TemplateName = "coverage-issue.md";
const TITLE_TEMPLATE: TemplateName = "coverage-issue-title.liquid";

export function renderCoverageIssue(
  context: CoverageTemplateContext,
  repoRoot: string,
  config: Pick<HealConfig, "templates">,
): { title: string; body: string } {
  const title = limitTitle(renderTemplate(TITLE_TEMPLATE, context, repoRoot, config).trim());
  const body = `${renderTemplate(BODY_TEMPLATE, context, repoRoot, config).trim()}\n`;
  return { title, body };
}
