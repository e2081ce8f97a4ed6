// metrics.md for the job summary: templates/metrics.md rendered with already sanitized strings.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../paths.ts";
import { renderString } from "../render.ts";
import { untrusted } from "../sanitize.ts";
import type { MetricsReport, TargetResult } from "./model.ts";

const TEMPLATE = "templates/metrics.md";

/** One Markdown table cell of untrusted text: sanitized, on one line, `|` escaped. */
export function cell(text: string): string {
  return untrusted(text)
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|");
}

export function minutes(v: number | null): string {
  return v === null ? "no data" : `${v} min`;
}

export function percent(v: number | null): string {
  return v === null ? "no data" : `${v}%`;
}

export function targetValue(t: TargetResult): string {
  return t.unit === "minutes" ? minutes(t.value) : percent(t.value);
}

export function targetStatus(t: TargetResult): string {
  return t.met === null ? "➖ no data" : t.met ? "✅ met" : "❌ not met";
}

export function renderMetricsMarkdown(report: MetricsReport): string {
  const f = report.figures;
  const runs = report.testRuns;
  const context = {
    generated_at: report.generatedAt,
    since: report.since ?? "the start",
    requests: report.requests,
    repositories: report.repositories.map((r) => ({
      name: cell(r.repository),
      healing: r.healingIssues,
      coverage: r.coverageIssues,
      fix_success: percent(r.fixSuccessRate),
      time_to_fix: minutes(r.medianTimeToFixMinutes),
      coverage_pct: percent(r.coveragePct),
    })),
    targets: report.targets.map((t) => ({ name: t.name, target: t.target, value: targetValue(t), status: targetStatus(t) })),
    figures: {
      issues: f.healingIssues,
      open: f.openIssues,
      verifications: f.verifications,
      passing: f.passingVerifications,
      fix_success: percent(f.fixSuccessRate),
      first_attempt: percent(f.firstAttemptSuccessRate),
      attempts_mean: f.attemptsPerIssue.mean ?? "no data",
      attempts_max: f.attemptsPerIssue.max ?? "no data",
      ttf_median: minutes(f.timeToFixMinutes.median),
      ttf_p90: minutes(f.timeToFixMinutes.p90),
      ttf_mean: minutes(f.timeToFixMinutes.mean),
      recurred: f.recurredIssues,
      closed: f.closedIssues,
      recurrence: percent(f.recurrenceRate),
      human: f.humanIntervention.total,
      human_rate: percent(f.humanIntervention.rate),
      needs_human: f.humanIntervention.needsHuman,
      closed_by_person: f.humanIntervention.closedByPerson,
      fixed_by_person: f.humanIntervention.fixedByPerson,
      coverage: percent(f.coveragePct),
    },
    weekly: report.weekly.map((w) => ({
      week: w.week,
      opened: w.opened,
      healed: w.healedByAgent,
      fix_success: w.verifications ? `${w.passingVerifications}/${w.verifications}` : "-",
      ttf: w.medianTimeToFixMinutes === null ? "-" : minutes(w.medianTimeToFixMinutes),
      human: w.humanInterventions,
      coverage: w.coveragePct === null ? "-" : percent(w.coveragePct),
    })),
    slowest: report.slowest.map((s) => ({
      ref: `[${cell(s.repository)}#${s.number}](${s.url})`,
      title: cell(s.title),
      tests: s.tests.length ? s.tests.map(cell).join("<br>") : "-",
      minutes: minutes(s.minutes),
      attempts: s.attempts,
    })),
    recurrent: report.recurrent.map((r) => ({
      fingerprint: r.fingerprint,
      issues: r.issues,
      refs: r.refs.map(cell).join(", "),
      title: cell(r.latestTitle),
    })),
    test_runs: runs
      ? `${runs.runs} runs in ${runs.files} files, ${runs.redRuns} red; duration median ${runs.durationMs.median} ms, p90 ${runs.durationMs.p90} ms`
      : "",
    agent_note: report.agent.note,
  };
  const text = readFileSync(join(TOOLKIT_ROOT, TEMPLATE), "utf8");
  return `${renderString(text, context, TEMPLATE).trim()}\n`;
}
