// Shared shapes that cross script boundaries (files on disk between steps).
import type { PrepareFile } from "./prepare.ts";

/** The runners the toolkit runs itself: one adapter each in lib/runners/ (registry.ts). */
export type RunnerName = "bun" | "vitest" | "jest" | "node-test" | "pytest" | "go" | "terraform" | "terragrunt";

/** The JavaScript package managers whose `run test` heal can use as a stack's command. */
export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

/** A runner or report dialect that produced a test case ("runner": a run that crashed). */
/** perf and audit: records of a regressed benchmark (lib/perf) or a vulnerable dependency (lib/audit), not of a test. */
export type Framework = RunnerName | "mocha" | "tap" | "junit" | "trx" | "nunit" | "xunit" | "rspec" | "runner" | "perf" | "audit";

export type CaseStatus = "passed" | "failed" | "error" | "skipped";

/** One test case as a report gives it, before location mapping and fingerprinting. */
export interface TestCase {
  framework: Framework;
  /** Human name, segments joined by " > " (pytest: node id `tests/test_x.py::Class::test[param]`). */
  fullName: string;
  /** As the report wrote it: may be absolute, a CI path, a file:// URL, or missing. */
  file?: string;
  /** 1-based line of the test itself when the report gives one. */
  line?: number;
  status: CaseStatus;
  message?: string;
  /** Raw failure text: stack trace, assertion diff, traceback. */
  stack?: string;
  durationMs?: number;
  /** Earlier runs of the same case in the same report (Surefire flakyFailure/rerunFailure, retries). */
  attempts?: { status: CaseStatus; message?: string }[];
  /**
   * Set on a case parseReport makes for failing tests a report counts without listing them (a JUnit <testsuite
   * failures="2"> with no <testcase>): how many tests it stands for. Absent on every listed case.
   */
  unlistedCount?: number;
}

/**
 * Tests a report's <testsuite> declares (tests/failures/errors/skipped attributes) beyond the test cases it
 * lists: a suite saying failures="2" with no testcase elements. Returned by parseReport as `unlisted`.
 */
export interface UnlistedTests {
  suite: string;
  /** The suite's file attribute, as the report wrote it. */
  file?: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** One normalized failure: what failures.json holds and every later step reads. */
export interface FailureRecord {
  /** Stable fingerprint: same test + same kind of error -> same id across runs. */
  id: string;
  framework: Framework;
  fullName: string;
  /** Repo-relative POSIX path, or null when no source names one. */
  file: string | null;
  /** 1-based line of the failing statement, else the test's own line, else null. */
  line: number | null;
  message: string;
  stack: string;
  /** environment: the stack could not start or import its dependencies (lib/environment.ts); not the agent's. */
  kind: "failure" | "error" | "environment";
  /** How many times this test ran in the merged reports (retries, shards). */
  attempts?: number;
}

export interface FailureSummary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  /** Failed at least once, then passed on a retry: reported, not a failure. */
  flaky?: number;
  /** Environment records (one per stack that could not start or import its dependencies), not in failed or errors. */
  environment?: number;
}

export interface RunMeta {
  repository: string | null;
  branch: string | null;
  commit: string | null;
  runUrl: string | null;
}

/** `.agent/reports/failures.json` (schemas/failures.schema.json). */
export interface FailureReport extends RunMeta {
  schemaVersion: 1;
  summary: FailureSummary;
  failures: FailureRecord[];
  flaky?: { fullName: string; file: string | null; framework: Framework; attempts: number }[];
  /** One line per report that could not be read: "path: what is wrong". */
  reportErrors?: string[];
}

/** One test stack found in the repository (or named in the config). */
export interface Stack {
  /** Unique, filename-safe: "vitest", "pytest-backend", ... */
  id: string;
  framework: Framework;
  /** Repo-relative folder the command runs in ("." for the root). */
  cwd: string;
  /** The runner's own command without the reporter flags the tool adds. */
  command: string[];
  /** The command is the package's own `test` script run by this manager, its last segment running this runner. */
  script?: { manager: PackageManager; runner: RunnerName };
  /**
   * The command is one runner segment of the package's `test` script, which chains several (flags appended to
   * the script would reach only the last): `index` among the script's segments, `of` runner segments in all.
   */
  segment?: { index: number; of: number };
}

/** `.agent/reports/runs.json`: what run-tests did, read by parse-failures. */
export interface RunRecord {
  stack: Stack;
  /** The full command actually run, reporter flags included. */
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Repo-relative report files this run wrote (may be empty when the runner crashed). */
  reports: string[];
  /** Last lines of combined stdout+stderr, redacted. */
  outputTail: string;
}

export interface RunsFile {
  schemaVersion: 1;
  runs: RunRecord[];
  /** What heal:prepare installed or checked before these runs (its prepare.json), when it ran. */
  prepare?: PrepareFile;
}
