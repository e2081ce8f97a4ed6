// What `task metrics` reads from GitHub (the tool's own issues, comments and markers) and what it writes
// (metrics.json, schemas/metrics.schema.json). Collection fills the first half, lib/metrics/compute.ts the second.
import type { ToolIssue } from "../github/issues.ts";
import type { Marker } from "../marker.ts";

/** One post by the tool's identity on one of its issues: only these carry state (lib/marker.ts trust rule). */
export interface ToolPost {
  createdAt: string;
  marker: Marker;
}

/**
 * One of the tool's issues (healing, coverage, perf, audit) with the history it left there: the issue as the
 * filing steps list it (lib/github/issues.ts; its title and body untrusted: escaped and redacted wherever shown).
 */
export interface IssueHistory extends Omit<ToolIssue, "author"> {
  repository: string;
  /** The tool's comments with a trusted marker, oldest first; comments by anyone else are not kept. */
  posts: ToolPost[];
  /** Titles the tool gave it over time (`renamed` events by the tool), oldest first; coverage issues only. */
  renames: { at: string; from: string; to: string }[];
}

export interface RepositoryHistory {
  repository: string;
  issues: IssueHistory[];
}

/** The rules the figures follow, from the config of the repository `task metrics` runs in. */
export interface MetricsRules {
  botLogin: string;
  needsHumanLabel: string;
  /** Verification on a branch with this prefix is the agent's fix (config agent.branch_prefix). */
  agentBranchPrefix: string;
  /** A failure that fails again this long after its issue closed is a recurrence. */
  recurrenceDays: number;
}

export type Outcome = "agent" | "person-fix" | "person-closed" | "needs-human" | "open";

export interface TargetResult {
  id: "time_to_fix" | "fix_success" | "coverage" | "recurrence" | "human_intervention";
  name: string;
  /** "< 30 min", "> 80%", ... */
  target: string;
  /** The figure compared, null when there is no data. */
  value: number | null;
  unit: "minutes" | "percent";
  /** null: no data to judge. */
  met: boolean | null;
}

export interface Figures {
  healingIssues: number;
  openIssues: number;
  /** Issues that reached an end: closed, or handed to a person (needs-human). */
  endedIssues: number;
  timeToFixMinutes: { count: number; median: number | null; p90: number | null; mean: number | null };
  verifications: number;
  passingVerifications: number;
  fixSuccessRate: number | null;
  issuesVerified: number;
  firstAttemptSuccesses: number;
  firstAttemptSuccessRate: number | null;
  attemptsPerIssue: { mean: number | null; max: number | null };
  closedIssues: number;
  recurredIssues: number;
  recurrenceRate: number | null;
  humanIntervention: { needsHuman: number; closedByPerson: number; fixedByPerson: number; total: number; rate: number | null };
  outcomes: Record<Outcome, number>;
  coveragePct: number | null;
}

export interface WeekRow {
  /** Monday of the ISO week, YYYY-MM-DD (UTC). */
  week: string;
  opened: number;
  healedByAgent: number;
  verifications: number;
  passingVerifications: number;
  medianTimeToFixMinutes: number | null;
  humanInterventions: number;
  /** The last coverage percentage known by the end of the week (any repository: their mean). */
  coveragePct: number | null;
}

export interface SlowIssue {
  repository: string;
  number: number;
  url: string;
  title: string;
  /** Test names from the issue body (`**Test**:` lines), at most 3. */
  tests: string[];
  minutes: number;
  attempts: number;
}

export interface RecurrentFailure {
  fingerprint: string;
  /** Distinct healing issues it failed in. */
  issues: number;
  refs: string[];
  latestTitle: string;
}

export interface CoveragePoint {
  repository: string;
  at: string;
  pct: number;
}

export interface RepositoryFigures {
  repository: string;
  healingIssues: number;
  coverageIssues: number;
  fixSuccessRate: number | null;
  medianTimeToFixMinutes: number | null;
  coveragePct: number | null;
}

export interface TestRunFigures {
  files: number;
  runs: number;
  redRuns: number;
  durationMs: { median: number | null; p90: number | null; total: number };
  stacks: { id: string; runs: number; redRuns: number; medianMs: number }[];
}

export interface MetricsReport {
  schemaVersion: 1;
  generatedAt: string;
  since: string | null;
  repositories: RepositoryFigures[];
  figures: Figures;
  targets: TargetResult[];
  weekly: WeekRow[];
  slowest: SlowIssue[];
  recurrent: RecurrentFailure[];
  coverage: { threshold: number | null; points: CoveragePoint[] };
  testRuns: TestRunFigures | null;
  agent: { reported: false; note: string };
  /** GitHub REST requests this report took. */
  requests: number;
}
