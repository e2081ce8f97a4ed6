// The loop's figures, computed from what the tool left on GitHub (pure: no requests, no clock).
// Definitions (README "Metrics"): time to fix = issue created (the first red heal run) -> first passing
// verification; fix success = passing verifications / verifications; recurrence = a closed issue's failure
// fingerprint fails again (a healing marker naming it) within `recurrenceDays` of the close; human intervention =
// needs-human, closed without the tool, or healed by a commit the agent did not make.
import type { Marker } from "../marker.ts";
import type { RunsFile } from "../types.ts";
import type {
  CoveragePoint,
  Figures,
  IssueHistory,
  MetricsReport,
  MetricsRules,
  Outcome,
  RecurrentFailure,
  RepositoryFigures,
  RepositoryHistory,
  SlowIssue,
  TargetResult,
  TestRunFigures,
  WeekRow,
} from "./model.ts";

const DAY_MS = 86_400_000;
const LISTED = 10;

export const AGENT_NOTE =
  "Not reported: neither the tool's issues, comments and markers nor runs.json record the agent's cost or run time.";

/** The SOP's targets (docs: SOP "Success Metrics"). */
export const TARGETS = {
  time_to_fix: { name: "Time to fix (median)", target: "< 30 min", limit: 30, below: true, unit: "minutes" },
  fix_success: { name: "Fix success rate", target: "> 80%", limit: 80, below: false, unit: "percent" },
  coverage: { name: "Test coverage", target: "> 80%", limit: 80, below: false, unit: "percent" },
  recurrence: { name: "Failure recurrence", target: "< 10%", limit: 10, below: true, unit: "percent" },
  human_intervention: { name: "Human intervention", target: "< 20%", limit: 20, below: true, unit: "percent" },
} as const;

interface Verification {
  at: string;
  pass: boolean;
  needsHuman: boolean;
  branch: string;
}

interface IssueFacts {
  issue: IssueHistory;
  verifications: Verification[];
  firstPass: Verification | null;
  outcome: Outcome;
  /** When the outcome happened (pass, close, needs-human), null while open. */
  endedAt: string | null;
  minutesToFix: number | null;
  fingerprints: Set<string>;
  /** Every healing marker the tool left: when, and which failures it named. */
  sightings: { at: string; marker: Marker }[];
}

/** The issues verify judges (failing tests, regressed benchmarks, vulnerable dependencies): each counts alike. */
export function isHealing(i: IssueHistory): boolean {
  return i.marker.kind === "healing" || i.marker.kind === "perf" || i.marker.kind === "audit";
}

function facts(issue: IssueHistory, rules: MetricsRules): IssueFacts {
  const verifications: Verification[] = issue.posts
    .filter((p) => p.marker.kind === "verification" && p.marker.extra?.issue === issue.number)
    .map((p) => ({
      at: p.createdAt,
      pass: p.marker.extra?.result === "pass",
      needsHuman: p.marker.extra?.outcome === "needs-human",
      branch: p.marker.branch,
    }));
  const sightings = [
    { at: issue.createdAt, marker: issue.marker },
    ...issue.posts.filter((p) => p.marker.kind === issue.marker.kind).map((p) => ({ at: p.createdAt, marker: p.marker })),
  ];
  const fingerprints = new Set(sightings.flatMap((s) => s.marker.fingerprints ?? []));
  const firstPass = verifications.find((v) => v.pass) ?? null;
  // The tool closes a healing issue only after a passing verification or a green run (a healing marker with no failures).
  const greenClose = issue.posts.find((p) => p.marker.kind === issue.marker.kind && p.marker.count === 0) ?? null;
  const needsHuman =
    issue.labels.some((l) => l.toLowerCase() === rules.needsHumanLabel.toLowerCase()) || verifications.some((v) => v.needsHuman);
  let outcome: Outcome;
  let endedAt: string | null;
  if (needsHuman) {
    outcome = "needs-human";
    endedAt = verifications.find((v) => v.needsHuman)?.at ?? issue.closedAt ?? verifications.at(-1)?.at ?? issue.createdAt;
  } else if (firstPass) {
    outcome = firstPass.branch.startsWith(rules.agentBranchPrefix) ? "agent" : "person-fix";
    endedAt = firstPass.at;
  } else if (issue.state === "closed" && greenClose) {
    outcome = "person-fix";
    endedAt = greenClose.createdAt;
  } else if (issue.state === "closed") {
    outcome = "person-closed";
    endedAt = issue.closedAt;
  } else {
    outcome = "open";
    endedAt = null;
  }
  const minutesToFix = firstPass ? minutesBetween(issue.createdAt, firstPass.at) : null;
  return { issue, verifications, firstPass, outcome, endedAt, minutesToFix, fingerprints, sightings };
}

function minutesBetween(from: string, to: string): number {
  return round((Date.parse(to) - Date.parse(from)) / 60_000);
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The middle value (mean of the two middles for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2);
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

function pct(part: number, whole: number): number | null {
  return whole === 0 ? null : round((100 * part) / whole, 1);
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length);
}

/** Monday (UTC) of the week `iso` falls in, as YYYY-MM-DD. */
export function weekOf(iso: string | number): string {
  const d = new Date(typeof iso === "number" ? iso : Date.parse(iso));
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}

function overlaps(m: Marker, fingerprints: Set<string>, digest: string): boolean {
  if (m.fingerprints) return m.fingerprints.some((f) => fingerprints.has(f));
  return m.digest === digest;
}

/** Closed issues whose failures were named again by a healing marker within `days` after the close. */
function recurred(all: IssueFacts[], days: number): Set<IssueFacts> {
  const out = new Set<IssueFacts>();
  for (const f of all) {
    if (f.issue.state !== "closed" || !f.issue.closedAt) continue;
    const from = Date.parse(f.issue.closedAt);
    const until = from + days * DAY_MS;
    const again = all.some((g) =>
      g.sightings.some((s) => {
        const at = Date.parse(s.at);
        if (at <= from || at > until || s.marker.count === 0) return false;
        if (g.issue.repository !== f.issue.repository) return false;
        return overlaps(s.marker, f.fingerprints, f.issue.marker.digest);
      }),
    );
    if (again) out.add(f);
  }
  return out;
}

/** Coverage percentages over time: the tool's titles (renamed events), its markers' `pct`, oldest first. */
export function coveragePoints(issue: IssueHistory): CoveragePoint[] {
  const points: CoveragePoint[] = [];
  const add = (at: string, value: number | null) => {
    if (value !== null && Number.isFinite(value)) points.push({ repository: issue.repository, at, pct: value });
  };
  const first = issue.renames[0]?.from;
  add(issue.createdAt, first !== undefined ? titlePct(first) : markerPct(issue.marker));
  for (const r of issue.renames) add(r.at, titlePct(r.to));
  for (const p of issue.posts) if (p.marker.kind === "coverage") add(p.createdAt, markerPct(p.marker));
  return points.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The last percentage in a coverage title ("📈 Improve Test Coverage (Currently 72.4%)"). */
export function titlePct(title: string): number | null {
  const all = [...title.matchAll(/(\d{1,3}(?:\.\d+)?)\s*%/g)];
  const last = all.at(-1);
  return last ? Number(last[1]) : null;
}

function markerPct(m: Marker): number | null {
  return typeof m.extra?.pct === "number" ? m.extra.pct : null;
}

function latestCoverage(points: CoveragePoint[]): number | null {
  const byRepo = new Map<string, number>();
  for (const p of points) byRepo.set(p.repository, p.pct);
  return byRepo.size === 0 ? null : round([...byRepo.values()].reduce((a, b) => a + b, 0) / byRepo.size, 1);
}

function figuresOf(all: IssueFacts[], rules: MetricsRules, coverage: CoveragePoint[]): Figures {
  const times = all.map((f) => f.minutesToFix).filter((m): m is number => m !== null);
  const verified = all.filter((f) => f.verifications.length > 0);
  const verifications = all.flatMap((f) => f.verifications);
  const passing = verifications.filter((v) => v.pass).length;
  const firstOk = verified.filter((f) => f.verifications[0]!.pass).length;
  const closed = all.filter((f) => f.issue.state === "closed" && f.issue.closedAt);
  const again = recurred(all, rules.recurrenceDays);
  const count = (o: Outcome) => all.filter((f) => f.outcome === o).length;
  const outcomes: Record<Outcome, number> = {
    agent: count("agent"),
    "person-fix": count("person-fix"),
    "person-closed": count("person-closed"),
    "needs-human": count("needs-human"),
    open: count("open"),
  };
  const ended = all.length - outcomes.open;
  const human = outcomes["needs-human"] + outcomes["person-closed"] + outcomes["person-fix"];
  return {
    healingIssues: all.length,
    openIssues: all.filter((f) => f.issue.state === "open").length,
    endedIssues: ended,
    timeToFixMinutes: { count: times.length, median: median(times), p90: percentile(times, 90), mean: mean(times) },
    verifications: verifications.length,
    passingVerifications: passing,
    fixSuccessRate: pct(passing, verifications.length),
    issuesVerified: verified.length,
    firstAttemptSuccesses: firstOk,
    firstAttemptSuccessRate: pct(firstOk, verified.length),
    attemptsPerIssue: {
      mean: mean(verified.map((f) => f.verifications.length)),
      max: verified.length ? Math.max(...verified.map((f) => f.verifications.length)) : null,
    },
    closedIssues: closed.length,
    recurredIssues: again.size,
    recurrenceRate: pct(again.size, closed.length),
    humanIntervention: {
      needsHuman: outcomes["needs-human"],
      closedByPerson: outcomes["person-closed"],
      fixedByPerson: outcomes["person-fix"],
      total: human,
      rate: pct(human, ended),
    },
    outcomes,
    coveragePct: latestCoverage(coverage),
  };
}

function targetsOf(f: Figures): TargetResult[] {
  const judge = (id: keyof typeof TARGETS, value: number | null): TargetResult => {
    const t = TARGETS[id];
    return {
      id,
      name: t.name,
      target: t.target,
      value,
      unit: t.unit,
      met: value === null ? null : t.below ? value < t.limit : value > t.limit,
    };
  };
  return [
    judge("time_to_fix", f.timeToFixMinutes.median),
    judge("fix_success", f.fixSuccessRate),
    judge("coverage", f.coveragePct),
    judge("recurrence", f.recurrenceRate),
    judge("human_intervention", f.humanIntervention.rate),
  ];
}

function weeklyOf(all: IssueFacts[], coverage: CoveragePoint[], fromIso: string, nowIso: string): WeekRow[] {
  const weeks: string[] = [];
  for (let t = Date.parse(weekOf(fromIso)); t <= Date.parse(nowIso); t += 7 * DAY_MS) weeks.push(weekOf(t));
  return weeks.map((week) => {
    const inWeek = (iso: string | null) => iso !== null && weekOf(iso) === week;
    const end = Date.parse(week) + 7 * DAY_MS;
    const verifications = all.flatMap((f) => f.verifications).filter((v) => inWeek(v.at));
    const fixed = all.filter((f) => f.firstPass && inWeek(f.firstPass.at));
    return {
      week,
      opened: all.filter((f) => inWeek(f.issue.createdAt)).length,
      healedByAgent: all.filter((f) => f.outcome === "agent" && inWeek(f.endedAt)).length,
      verifications: verifications.length,
      passingVerifications: verifications.filter((v) => v.pass).length,
      medianTimeToFixMinutes: median(fixed.map((f) => f.minutesToFix!)),
      humanInterventions: all.filter((f) => ["needs-human", "person-fix", "person-closed"].includes(f.outcome) && inWeek(f.endedAt)).length,
      coveragePct: latestCoverage(coverage.filter((p) => Date.parse(p.at) < end)),
    };
  });
}

const TEST_LINE = /^\*\*Test\*\*:\s*(.+)$/gm;

function slowestOf(all: IssueFacts[]): SlowIssue[] {
  return all
    .filter((f) => f.minutesToFix !== null)
    .sort((a, b) => b.minutesToFix! - a.minutesToFix! || a.issue.number - b.issue.number)
    .slice(0, LISTED)
    .map((f) => ({
      repository: f.issue.repository,
      number: f.issue.number,
      url: f.issue.url,
      title: f.issue.title,
      tests: [...f.issue.body.matchAll(TEST_LINE)].slice(0, 3).map((m) => m[1]!.trim()),
      minutes: f.minutesToFix!,
      attempts: f.verifications.length,
    }));
}

function recurrentOf(all: IssueFacts[]): RecurrentFailure[] {
  const seen = new Map<string, IssueFacts[]>();
  for (const f of all) for (const fp of f.fingerprints) seen.set(fp, [...(seen.get(fp) ?? []), f]);
  return [...seen.entries()]
    .filter(([, issues]) => issues.length > 1)
    .map(([fingerprint, issues]) => ({
      fingerprint,
      issues: issues.length,
      refs: issues.map((f) => `${f.issue.repository}#${f.issue.number}`),
      latestTitle: issues.at(-1)!.issue.title,
    }))
    .sort((a, b) => b.issues - a.issues || (a.fingerprint < b.fingerprint ? -1 : 1))
    .slice(0, LISTED);
}

/** Test-suite runs from runs.json artifacts (they have no times of day and no agent data). */
export function testRunFigures(files: RunsFile[]): TestRunFigures | null {
  if (files.length === 0) return null;
  const runs = files.flatMap((f) => f.runs);
  const durations = runs.map((r) => r.durationMs);
  const red = (r: (typeof runs)[number]) => r.exitCode !== 0;
  const stacks = new Map<string, typeof runs>();
  for (const r of runs) stacks.set(r.stack.id, [...(stacks.get(r.stack.id) ?? []), r]);
  return {
    files: files.length,
    runs: runs.length,
    redRuns: runs.filter(red).length,
    durationMs: { median: median(durations), p90: percentile(durations, 90), total: durations.reduce((a, b) => a + b, 0) },
    stacks: [...stacks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, rs]) => ({ id, runs: rs.length, redRuns: rs.filter(red).length, medianMs: median(rs.map((r) => r.durationMs))! })),
  };
}

export interface ComputeInput {
  histories: RepositoryHistory[];
  rules: MetricsRules;
  runs: RunsFile[];
  since: string | null;
  now: string;
  requests: number;
}

export function computeMetrics(input: ComputeInput): MetricsReport {
  const { histories, rules } = input;
  const perRepo = histories.map((h) => {
    const healing = h.issues.filter(isHealing).map((i) => facts(i, rules));
    const coverage = h.issues.filter((i) => i.marker.kind === "coverage");
    return { h, healing, coverage, points: coverage.flatMap(coveragePoints) };
  });
  const all = perRepo.flatMap((r) => r.healing);
  const points = perRepo.flatMap((r) => r.points).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const figures = figuresOf(all, rules, points);
  const thresholds = perRepo
    .flatMap((r) => r.coverage.map((i) => i.marker.extra?.threshold))
    .filter((t): t is number => typeof t === "number");
  const earliest = [input.since, ...all.map((f) => f.issue.createdAt), ...points.map((p) => p.at)]
    .filter((d): d is string => !!d)
    .sort()[0];
  const repositories: RepositoryFigures[] = perRepo.map((r) => {
    const f = figuresOf(r.healing, rules, r.points);
    return {
      repository: r.h.repository,
      healingIssues: r.healing.length,
      coverageIssues: r.coverage.length,
      fixSuccessRate: f.fixSuccessRate,
      medianTimeToFixMinutes: f.timeToFixMinutes.median,
      coveragePct: f.coveragePct,
    };
  });
  return {
    schemaVersion: 1,
    generatedAt: input.now,
    since: input.since,
    repositories,
    figures,
    targets: targetsOf(figures),
    weekly: weeklyOf(all, points, earliest ?? input.now, input.now),
    slowest: slowestOf(all),
    recurrent: recurrentOf(all),
    coverage: { threshold: thresholds.at(-1) ?? null, points },
    testRuns: testRunFigures(input.runs),
    agent: { reported: false, note: AGENT_NOTE },
    requests: input.requests,
  };
}
