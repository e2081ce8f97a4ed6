// lib/metrics/compute.ts on hand-built histories: the edges of each definition (percentiles, ISO weeks, the 30-day
// recurrence window, digest-only markers, verifications of another issue, coverage titles, runs.json figures).
import { describe, expect, test } from "bun:test";
import { computeMetrics, median, percentile, testRunFigures, titlePct, weekOf } from "../../lib/metrics/compute.ts";
import type { IssueHistory, MetricsRules } from "../../lib/metrics/model.ts";
import { MAX_MARKER_FINGERPRINTS, markerData, type MarkerInput } from "../../lib/marker.ts";
import type { RunRecord, RunsFile } from "../../lib/types.ts";

const RULES: MetricsRules = {
  botLogin: "github-actions[bot]",
  needsHumanLabel: "needs-human",
  agentBranchPrefix: "claude/issue-",
  recurrenceDays: 30,
};
const DAY = 86_400_000;
const at = (base: string, ms: number) => new Date(Date.parse(base) + ms).toISOString().replace(/\.000Z$/, "Z");

function issue(number: number, fingerprints: string[], o: Partial<IssueHistory> = {}, kind: MarkerInput["kind"] = "healing"): IssueHistory {
  return {
    repository: "acme/widgets",
    number,
    url: `https://github.com/acme/widgets/issues/${number}`,
    title: `#${number}`,
    body: "",
    state: "open",
    labels: [],
    createdAt: "2026-11-02T00:00:00Z",
    closedAt: null,
    marker: markerData({ kind, branch: "dev", fingerprints }),
    posts: [],
    renames: [],
    ...o,
  };
}

function report(issues: IssueHistory[]) {
  return computeMetrics({
    histories: [{ repository: "acme/widgets", issues }],
    rules: RULES,
    runs: [],
    since: null,
    now: "2026-12-31T00:00:00Z",
    requests: 0,
  });
}

describe("median and nearest-rank percentile", () => {
  test("none, one, even and odd counts", () => {
    expect([median([]), percentile([], 90)]).toEqual([null, null]);
    expect([median([5]), percentile([5], 90)]).toEqual([5, 5]);
    expect([median([4, 1, 3, 2]), percentile([4, 1, 3, 2], 90)]).toEqual([2.5, 4]);
    expect([median([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)]).toEqual([5.5, 9]);
  });
});

describe("weeks and coverage titles", () => {
  test("a week starts on Monday 00:00 UTC", () => {
    expect(weekOf("2026-11-01T23:59:59Z")).toBe("2026-10-26");
    expect(weekOf("2026-11-02T00:00:00Z")).toBe("2026-11-02");
    expect(weekOf("2026-11-08T23:59:59Z")).toBe("2026-11-02");
  });

  test("the last percentage of a title, whatever the template says around it", () => {
    expect(titlePct("📈 Improve Test Coverage (Currently 72.4%)")).toBe(72.4);
    expect(titlePct("Coverage 55% -> 60 %")).toBe(60);
    expect(titlePct("Improve test coverage")).toBeNull();
  });
});

describe("recurrence: the 30 days after the close", () => {
  const closed = "2026-11-02T12:00:00Z";
  const first = issue(1, ["fp-a"], { state: "closed", closedAt: closed });

  test("exactly 30 days later is a recurrence, one second more is not", () => {
    expect(report([first, issue(2, ["fp-a", "fp-z"], { createdAt: at(closed, 30 * DAY) })]).figures.recurredIssues).toBe(1);
    expect(report([first, issue(2, ["fp-a"], { createdAt: at(closed, 30 * DAY + 1000) })]).figures.recurredIssues).toBe(0);
  });

  test("a later healing comment naming the failure on another open issue counts; a green one (no failures) does not", () => {
    const other = issue(2, ["fp-q"], { createdAt: "2026-10-30T00:00:00Z" });
    other.posts.push({ createdAt: at(closed, DAY), marker: markerData({ kind: "healing", branch: "dev", fingerprints: ["fp-a"] }) });
    expect(report([first, other]).figures.recurredIssues).toBe(1);
    const green = issue(2, ["fp-q"], { createdAt: "2026-10-30T00:00:00Z" });
    green.posts.push({ createdAt: at(closed, DAY), marker: markerData({ kind: "healing", branch: "dev", fingerprints: [] }) });
    expect(report([first, green]).figures.recurredIssues).toBe(0);
  });

  test(`markers past ${MAX_MARKER_FINGERPRINTS} failures keep only the digest: an equal digest is the same failures`, () => {
    const many = Array.from({ length: MAX_MARKER_FINGERPRINTS + 1 }, (_, k) => `fp-${k}`);
    const big = issue(1, many, { state: "closed", closedAt: closed });
    expect(big.marker.fingerprints).toBeUndefined();
    expect(report([big, issue(2, many, { createdAt: at(closed, DAY) })]).figures.recurredIssues).toBe(1);
    expect(report([big, issue(2, many.slice(1), { createdAt: at(closed, DAY) })]).figures.recurredIssues).toBe(0);
  });
});

describe("verifications and outcomes", () => {
  const verification = (n: number, result: "pass" | "fail", branch = `claude/issue-${n}-x`) =>
    markerData({ kind: "verification", branch, fingerprints: ["fp-a"], extra: { issue: n, result, outcome: result, attempt: 1 } });

  test("a verification marker that names another issue (a copy on a pull request) is not this issue's", () => {
    const one = issue(1, ["fp-a"]);
    one.posts.push({ createdAt: "2026-11-02T00:10:00Z", marker: verification(7, "pass") });
    const m = report([one]);
    expect([m.figures.verifications, m.figures.outcomes.open]).toEqual([0, 1]);
  });

  test("needs-human wins over a later pass; the first pass decides agent or person by its branch", () => {
    const escalated = issue(1, ["fp-a"], { labels: ["Needs-Human"] });
    escalated.posts.push({ createdAt: "2026-11-02T01:00:00Z", marker: verification(1, "pass") });
    const byPerson = issue(2, ["fp-b"]);
    byPerson.posts.push({ createdAt: "2026-11-02T00:30:00Z", marker: verification(2, "pass", "fix/typo") });
    byPerson.posts.push({ createdAt: "2026-11-02T00:40:00Z", marker: verification(2, "pass") });
    const m = report([escalated, byPerson]);
    expect(m.figures.outcomes).toEqual({ agent: 0, "person-fix": 1, "person-closed": 0, "needs-human": 1, open: 0 });
    expect(m.figures.humanIntervention.rate).toBe(100);
    expect(m.figures.timeToFixMinutes).toEqual({ count: 2, median: 45, p90: 60, mean: 45 });
  });

  test("no issues: every figure is no data, every target unjudged, no week without a date", () => {
    const m = report([]);
    expect(m.targets.map((t) => t.met)).toEqual([null, null, null, null, null]);
    expect([m.figures.fixSuccessRate, m.figures.recurrenceRate, m.figures.humanIntervention.rate, m.figures.coveragePct]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(m.weekly.map((w) => w.week)).toEqual(["2026-12-28"]);
  });
});

describe("runs.json figures", () => {
  const run = (id: string, exitCode: number | null, durationMs: number): RunRecord => ({
    stack: { id, framework: "bun", cwd: ".", command: ["bun", "test"] },
    argv: ["bun", "test"],
    exitCode,
    signal: exitCode === null ? "SIGKILL" : null,
    durationMs,
    reports: [],
    outputTail: "",
  });

  test("a killed run (no exit code) is red; durations per stack", () => {
    const files: RunsFile[] = [
      { schemaVersion: 1, runs: [run("bun", 0, 100), run("pytest", 1, 300)] },
      { schemaVersion: 1, runs: [run("bun", null, 200)] },
    ];
    expect(testRunFigures(files)).toEqual({
      files: 2,
      runs: 3,
      redRuns: 2,
      durationMs: { median: 200, p90: 300, total: 600 },
      stacks: [
        { id: "bun", runs: 2, redRuns: 1, medianMs: 150 },
        { id: "pytest", runs: 1, redRuns: 1, medianMs: 300 },
      ],
    });
    expect(testRunFigures([])).toBeNull();
  });
});
