// task coverage (scripts/check-coverage.ts): measure line coverage per file from given reports or by running
// every detected stack with coverage on, write coverage.json and coverage.md, and keep the one coverage issue in
// step with it (lib/coverage/issue.ts), waking the agent when it is created or its body changes.
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import fg from "fast-glob";
import { log } from "../cli.ts";
import { readCoverage, type CoverageFormat, type CoverageInput } from "../coverage/index.ts";
import { syncCoverageIssue, type CoverageIssueOutcome } from "../coverage/issue.ts";
import { formatRanges } from "../coverage/model.ts";
import { coverageTemplateContext, displayPct, renderCoverageIssue, summarizeCoverage, type CoverageSummary } from "../coverage/summary.ts";
import { runCoverage, type CoverageRun } from "../coverage-run.ts";
import { detectStacks } from "../detect.ts";
import { HealError } from "../errors.ts";
import { REPORT_FILES } from "../paths.ts";
import { writeCoverageFile } from "../step-files.ts";
import { openSession, type GitHubSession, type LocalSession } from "./session.ts";
import { appendFindingsSummary, findingsHandoff, findingsSession, logFindingsOutcome } from "./findings-step.ts";

const COVERAGE_STEP = { name: "coverage issue" };

export interface CoverageRequest {
  /** Line coverage (percent) a file needs; default coverage.threshold. */
  threshold?: number;
  /** Format of the given reports; default: detected by content. */
  format?: CoverageFormat;
  /** Report files or globs; none: run every detected stack with coverage on. */
  reports: string[];
}

/**
 * Measures coverage and syncs the coverage issue. Returns coverage.md (what the script prints), or null when
 * no stack here has line coverage.
 */
export async function checkCoverage(env: Record<string, string | undefined>, req: CoverageRequest): Promise<string | null> {
  const session = await openSession(env);
  const { root: repoRoot, config } = session;
  const threshold = req.threshold ?? config.coverage.threshold;
  const format = req.format;

  let inputs: CoverageInput[];
  let runs: CoverageRun[] | undefined;
  const inputErrors: string[] = [];
  if (req.reports.length > 0) {
    inputs = expandReports(repoRoot, req.reports, inputErrors).map((path) => ({ path, format, cwd: guessRunnerDir(repoRoot, path) }));
  } else {
    const stacks = await detectStacks(repoRoot, config);
    if (stacks.length === 0) throw new HealError("NO_STACKS", `nothing to measure in ${repoRoot}`, config.source ?? undefined);
    runs = await runCoverage(stacks, { repoRoot, reportsDir: config.reportsDir, timeoutMs: config.runner.timeoutMinutes * 60_000 });
    for (const run of runs) if (!run.report && run.commands.length > 0) inputErrors.push(`${run.stackId}: ${run.note}`);
    inputs = runs.filter((r) => r.report).map((r) => ({ path: join(repoRoot, r.report!), format: r.format!, cwd: r.cwd }));
    if (runs.every((r) => r.commands.length === 0)) {
      log.skip(`coverage: no stack here has line coverage (${runs.map((r) => `${r.stackId}: ${r.note}`).join("; ")})`);
      return null;
    }
  }

  const result = await readCoverage(repoRoot, inputs);
  result.errors.unshift(...inputErrors);
  if (result.reports.length === 0) {
    for (const e of result.errors) log.warn(e);
    const n = result.errors.length;
    throw new HealError(
      "REPORT_UNREADABLE",
      n === 1
        ? "the only coverage report could not be read (see the warning above)"
        : `none of the ${n} coverage reports could be read (see the warnings above)`,
    );
  }
  const summary: CoverageSummary = summarizeCoverage(result, threshold);
  if (runs) {
    summary.runs = runs.map((r) => ({
      stack: r.stackId,
      framework: r.framework,
      cwd: r.cwd,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      report: r.report,
      ...(r.note ? { note: r.note } : {}),
    }));
  }

  const ctx = session.kind === "github" ? session.ctx : null;
  const local = renderCoverageIssue(coverageTemplateContext(summary, { config, runUrl: ctx?.runUrl }), repoRoot, config);
  writeCoverageFile(session.reportsDir, summary, local.body);
  for (const e of result.errors) log.warn(e);

  const overallPct = displayPct(summary.overall.linesCovered, summary.overall.linesTotal);
  const below = summary.belowThreshold.length;
  log.info(
    `coverage: ${overallPct}% of ${summary.overall.linesTotal} lines in ${summary.files.length} files; ` +
      `${below} under ${threshold}%${below ? ` (worst: ${worst(summary)})` : ""} -> ${config.reportsDir}/${REPORT_FILES.coverage}`,
  );

  const outcome = await syncIssue(session, summary, { overallPct, complete: result.errors.length === 0 });
  if (outcome) writeCoverageFile(session.reportsDir, { ...summary, issue: outcome });
  appendFindingsSummary(session, COVERAGE_STEP, local.body, outcome);
  return local.body;
}

async function syncIssue(
  session: LocalSession | GitHubSession,
  summary: CoverageSummary,
  opts: { overallPct: string; complete: boolean },
): Promise<CoverageIssueOutcome | null> {
  const { config } = session;
  const below = summary.belowThreshold.length;
  const hold =
    summary.files.length === 0
      ? "no file was measured"
      : below === 0 && !opts.complete
        ? // Some coverage is missing: "every file meets the threshold" is not known, so nothing is closed.
          "some reports could not be read, so the issue stays as it is"
        : null;
  const github = findingsSession(session, { ...COVERAGE_STEP, open: below > 0, hold });
  if (!github) return null;
  // The issue shows only what the coverage says (no run link): an unchanged coverage makes no write.
  const issue = renderCoverageIssue(coverageTemplateContext(summary, { config, runUrl: null }), github.root, config);
  const outcome = await syncCoverageIssue(github.r, {
    summary,
    title: issue.title,
    body: issue.body,
    labels: config.labels.coverage,
    botLogin: await github.botLogin(),
    config,
    overallPct: opts.overallPct,
    texts: { root: github.root, config },
    handoff: findingsHandoff(github),
  });
  const meets = `every file meets ${summary.threshold}%`;
  logFindingsOutcome(COVERAGE_STEP, outcome, { closed: meets, none: meets, pausedLabel: config.labels.paused });
  return outcome;
}

function worst(summary: CoverageSummary): string {
  const f = summary.files.find((x) => x.file === summary.belowThreshold[0])!;
  return `${f.file} ${displayPct(f.linesCovered, f.linesTotal)}%, lines ${formatRanges(f.uncovered)}`;
}

/** Files and globs (relative to the repository, or absolute) -> absolute paths, in the order given, each once. */
function expandReports(repoRoot: string, patterns: string[], errors: string[]): string[] {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const isGlob = fg.isDynamicPattern(pattern);
    let found: string[];
    if (isGlob) {
      found = fg.sync(pattern, { cwd: repoRoot, absolute: true, onlyFiles: true, dot: true, ignore: ["**/node_modules/**"] }).sort();
    } else {
      const abs = resolve(repoRoot, pattern);
      found = existsSync(abs) && statSync(abs).isFile() ? [abs] : [];
    }
    if (found.length === 0)
      errors.push(new HealError("INPUT_MISSING", isGlob ? "no file matches this pattern" : "no such file", pattern).oneLine());
    for (const f of found) out.add(f);
  }
  return [...out];
}

/**
 * Where the runner that wrote a report probably ran, for the report's relative paths: the folder holding
 * the report's `coverage*` folder (`web/coverage/lcov.info` -> `web`), else the report's own folder.
 */
function guessRunnerDir(repoRoot: string, report: string): string {
  const rel = relative(repoRoot, dirname(report)).split(sep).join("/");
  if (rel.startsWith("..") || rel === "") return ".";
  const parts = rel.split("/");
  if (/cov/i.test(parts[parts.length - 1]!)) parts.pop();
  return parts.length ? parts.join("/") : ".";
}
