// The test-quality issue's title and body (test-quality.md), rendered from templates/test-quality-issue*.
import { createHash } from "node:crypto";
import type { HealConfig } from "../config.ts";
import type { MarkerInput } from "../marker.ts";
import { renderTemplate } from "../render.ts";
import { inlineCode, limitTitle, untrusted } from "../sanitize.ts";
import type { TestQualitySummary } from "./analyze.ts";
import { TEST_QUALITY_RULES, type TestQualityFinding, type TestQualityRule } from "./model.ts";

/** Rows the issue lists; the rest are counted and stay in test-quality.json. */
export const MAX_FINDING_ROWS = 150;

/** Each rule in words, and the passage of the SOP ("Writing Tests That Enable Self-Healing") it implements. */
export const RULE_TEXT: Record<TestQualityRule, { what: string; sop: string }> = {
  "vague-name": { what: "a name that says the scenario, in two words or more besides test/should/works", sop: "Test Naming Convention" },
  "no-assertion": { what: "at least one assertion", sop: "Good Test: specific assertions" },
  "duplicate-name": { what: "one full name per test in a stack", sop: "Test Naming Convention; a failure is found by its name" },
  "old-skip": { what: "no skip older than test_quality.max_skip_age_days", sop: "Tests Drive Development: a skipped test drives nothing" },
  "no-description": { what: "a docstring (Python) or a title (JS/TS) saying what should happen", sop: "Good Test: clear docstring" },
};

/** Table cell text: sanitized, one line, pipes escaped so the row keeps its columns. */
function cell(text: string): string {
  return untrusted(text)
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|");
}

export function testQualityTemplateContext(summary: TestQualitySummary, opts: { reportsDir: string; runUrl?: string | null }) {
  const rows = summary.findings.slice(0, MAX_FINDING_ROWS).map((f) => ({
    location: inlineCode(untrusted(`${f.file}:${f.line}`)).replace(/\|/g, "\\|"),
    rule: f.rule,
    test: cell(f.test),
    detail: cell(f.detail),
  }));
  return {
    finding_count: summary.findings.length,
    test_count: summary.tests.js + summary.tests.python,
    test_file_count: summary.files.js + summary.files.python,
    max_skip_age_days: summary.maxSkipAgeDays,
    rules: TEST_QUALITY_RULES.filter((id) => summary.counts[id] > 0).map((id) => ({ id, count: summary.counts[id], ...RULE_TEXT[id] })),
    findings: rows,
    more_count: summary.findings.length - rows.length,
    report_path: `${opts.reportsDir}/test-quality.json`,
    run_url: opts.runUrl ? untrusted(opts.runUrl) : null,
    read_errors: summary.errors.map((e) => cell(e)),
  };
}

export function renderTestQualityIssue(
  context: ReturnType<typeof testQualityTemplateContext>,
  repoRoot: string,
  config: Pick<HealConfig, "templates">,
): { title: string; body: string } {
  const title = limitTitle(renderTemplate("test-quality-issue-title.liquid", context, repoRoot, config).trim());
  const body = `${renderTemplate("test-quality-issue.md", context, repoRoot, config).trim()}\n`;
  return { title, body };
}

/** A finding's identity: it stays the same when lines above it move. */
export function findingFingerprint(f: TestQualityFinding): string {
  return createHash("sha256").update(`${f.rule}\0${f.file}\0${f.test}`).digest("hex").slice(0, 12);
}

/** The marker holds only what the findings say, so unchanged findings render a byte-identical body (no write). */
export function testQualityMarker(summary: TestQualitySummary): MarkerInput {
  return {
    kind: "test-quality",
    branch: "",
    fingerprints: [...new Set(summary.findings.map(findingFingerprint))],
    extra: { findings: summary.findings.length },
  };
}
