// The files the steps hand each other in the reports folder, one type, one reader and one writer each:
// runs.json (run-tests), failures.json (parse-failures), issue.json (write-report), github.json (the GitHub
// steps, merged through mergeGitHubFile only), verify.json (verify) and coverage.json (coverage). A missing
// file is null for an optional reader and INPUT_MISSING naming the file and the step that writes it for a
// required one; a file of the wrong shape is INPUT_MISSING too, so a user knows which step to run again.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CoverageIssueOutcome } from "./coverage/issue.ts";
import type { CoverageSummary } from "./coverage/summary.ts";
import type { TestQualitySummary } from "./test-quality/analyze.ts";
import { HealError } from "./errors.ts";
import { readJsonFile, requireJsonFile } from "./json-file.ts";
import { REPORT_FILES } from "./paths.ts";
import type { FailureReport, RunsFile } from "./types.ts";
import type { Verdict } from "./verify.ts";

export type { RunsFile } from "./types.ts";

/** Where a reports folder is (absolute), and how messages name it (default: the same path). */
function at(reportsDir: string, name: string, shown = reportsDir): { abs: string; rel: string } {
  return { abs: join(reportsDir, name), rel: `${shown.replace(/\/+$/, "")}/${name}` };
}

function writeJson(path: string, data: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

// ---------- runs.json ----------

export function readRunsFile(reportsDir: string, shown?: string): RunsFile | null {
  const f = at(reportsDir, REPORT_FILES.runs, shown);
  const runs = readJsonFile<RunsFile>(f.abs, f.rel);
  if (runs && !Array.isArray(runs.runs)) throw new HealError("INPUT_MISSING", "has no runs list (run heal:run-tests)", f.rel);
  return runs;
}

export function requireRunsFile(reportsDir: string, shown?: string): RunsFile {
  const f = at(reportsDir, REPORT_FILES.runs, shown);
  requireJsonFile<unknown>(f.abs, f.rel, "run heal:run-tests first");
  return readRunsFile(reportsDir, shown)!;
}

export function writeRunsFile(reportsDir: string, runs: RunsFile): string {
  const path = join(reportsDir, REPORT_FILES.runs);
  writeJson(path, runs);
  return path;
}

// ---------- failures.json ----------

/** failures.json, or null when it is missing or holds no failures list and summary; invalid JSON throws. */
export function readFailuresFile(reportsDir: string, shown?: string): FailureReport | null {
  const f = at(reportsDir, REPORT_FILES.failures, shown);
  const report = readJsonFile<FailureReport>(f.abs, f.rel);
  if (!report || !Array.isArray(report.failures) || typeof report.summary !== "object" || report.summary === null) return null;
  return report;
}

/** failures.json, required: it must hold a failures list and a summary (parse-failures writes it). */
export function requireFailuresFile(reportsDir: string, shown?: string): FailureReport {
  const f = at(reportsDir, REPORT_FILES.failures, shown);
  requireJsonFile<unknown>(f.abs, f.rel, "run heal:parse-failures first");
  const report = readFailuresFile(reportsDir, shown);
  if (!report) throw new HealError("INPUT_MISSING", "has no failures/summary: was it written by heal:parse-failures?", f.rel);
  return report;
}

// ---------- issue.json ----------

/** What write-report hands the GitHub steps: the healing issue as it would be filed, and the task file. */
export interface IssueFile {
  title: string;
  /** The body exactly as issue.md holds it (no marker, no task link: the GitHub steps add those). */
  body: string;
  labels: string[];
  /** Repo-relative path of the task file; null when every test passed. */
  taskPath: string | null;
  taskId: string | null;
  /** This branch's older auto-generated task files, deleted locally; the GitHub step deletes them upstream. */
  removedTasks: string[];
}

/** issue.json, or null when write-report did not run; a file of another shape is INPUT_MISSING. */
export function readIssueFile(reportsDir: string, shown?: string): IssueFile | null {
  const f = at(reportsDir, REPORT_FILES.issue, shown);
  const raw = readJsonFile<Record<string, unknown>>(f.abs, f.rel);
  if (raw === null) return null;
  if (typeof raw !== "object" || typeof raw.title !== "string" || typeof raw.body !== "string") {
    throw new HealError("INPUT_MISSING", "has no title and body: was it written by heal:write-report?", f.rel);
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    title: raw.title,
    body: raw.body,
    labels: strings(raw.labels),
    taskPath: text(raw.taskPath),
    taskId: text(raw.taskId),
    removedTasks: strings(raw.removedTasks),
  };
}

export function requireIssueFile(reportsDir: string, shown?: string): IssueFile {
  const f = at(reportsDir, REPORT_FILES.issue, shown);
  requireJsonFile<unknown>(f.abs, f.rel, "run heal:write-report first");
  return readIssueFile(reportsDir, shown)!;
}

/** issue.json and issue.md (the same body) together: the one place the issue's text is written. */
export function writeIssueFile(reportsDir: string, issue: IssueFile): void {
  writeJson(join(reportsDir, REPORT_FILES.issue), issue);
  writeFileSync(join(reportsDir, REPORT_FILES.issueBody), issue.body);
}

// ---------- github.json ----------

export type SyncAction = "created" | "commented" | "unchanged" | "closed" | "skipped";

export interface HandoffRecord {
  /** comment: agent-token comment; dispatch: repository_dispatch; none: nothing could wake the agent. */
  via: "comment" | "dispatch" | "none" | "skipped";
  reason?: string;
  commentUrl?: string;
  eventType?: string;
  attempt?: number;
  /** A dispatch sent whose answer was lost: it may or may not have started the agent, and is not sent again. */
  unconfirmed?: boolean;
}

/** github.json: what the GitHub steps did, read by the next step and by finish. */
export interface GitHubFile {
  issueNumber: number | null;
  issueUrl: string | null;
  action: SyncAction;
  /** Why the action was `skipped` or `unchanged`, in words. */
  reason?: string;
  branch?: string | null;
  failures?: number;
  /** Repo-relative task-context path named by the issue. */
  taskPath?: string | null;
  /** The commit holding the task file (new or unchanged), set by push-task-context. */
  taskCommit?: string | null;
  taskUrl?: string | null;
  /** Whether push-task-context made a new commit. */
  taskCommitted?: boolean;
  /** Task files push-task-context deleted on the remote branch in a green run. */
  removedTasks?: string[];
  /** The tool's side branch holding the task file when the push to the failing branch was refused. */
  taskBranch?: string | null;
  /** Why the push to the failing branch was refused (redacted git output). */
  taskPushRefused?: string | null;
  handoff?: HandoffRecord;
  /** Whether the issue already carries a hand-off (set by sync-issue for an existing issue). */
  handedOff?: boolean;
}

/** What each step adds to github.json: sync-issue starts it, the later steps add their own fields only. */
export type GitHubFilePatch =
  | { step: "sync-issue"; outcome: GitHubFile }
  | {
      step: "push-task-context";
      fields: Pick<GitHubFile, "taskPath" | "taskCommit" | "taskUrl" | "taskCommitted" | "removedTasks" | "taskBranch" | "taskPushRefused">;
    }
  | { step: "hand-off"; fields: Pick<GitHubFile, "handoff"> };

export function readGitHubFile(reportsDir: string, shown?: string): GitHubFile | null {
  const f = at(reportsDir, REPORT_FILES.github, shown);
  return readJsonFile<GitHubFile>(f.abs, f.rel);
}

export function requireGitHubFile(reportsDir: string, shown?: string): GitHubFile {
  const f = at(reportsDir, REPORT_FILES.github, shown);
  return requireJsonFile<GitHubFile>(f.abs, f.rel, "run heal:sync-issue first");
}

/**
 * The one writer of github.json: sync-issue replaces it (a new run), later steps merge their own fields in,
 * so none drops another's. Returns the file as written.
 */
export function mergeGitHubFile(reportsDir: string, patch: GitHubFilePatch): GitHubFile {
  const path = join(reportsDir, REPORT_FILES.github);
  const next: GitHubFile =
    patch.step === "sync-issue"
      ? patch.outcome
      : { ...(readJsonFile<GitHubFile>(path) ?? { issueNumber: null, issueUrl: null, action: "skipped" }), ...patch.fields };
  writeJson(path, next);
  return next;
}

// ---------- verify.json ----------

export type VerifyResult = "pass" | "fail" | "needs-human";

/** verify.json: the verdict and what it was about (issue and attempt null in local mode). */
export interface VerifyFile extends Verdict {
  issue: number | null;
  attempt: number | null;
  result: VerifyResult;
}

export function readVerifyFile(reportsDir: string, shown?: string): VerifyFile | null {
  const f = at(reportsDir, REPORT_FILES.verify, shown);
  return readJsonFile<VerifyFile>(f.abs, f.rel);
}

export function writeVerifyFile(reportsDir: string, file: VerifyFile): void {
  writeJson(join(reportsDir, REPORT_FILES.verify), file);
}

// ---------- coverage.json ----------

/** coverage.json: the summary, and what happened to the coverage issue once it was synced. */
export interface CoverageFile extends CoverageSummary {
  issue?: CoverageIssueOutcome;
}

export function readCoverageFile(reportsDir: string, shown?: string): CoverageFile | null {
  const f = at(reportsDir, REPORT_FILES.coverage, shown);
  return readJsonFile<CoverageFile>(f.abs, f.rel);
}

/** coverage.json, and coverage.md beside it when given. */
export function writeCoverageFile(reportsDir: string, file: CoverageFile, markdown?: string): void {
  writeJson(join(reportsDir, REPORT_FILES.coverage), file);
  if (markdown !== undefined) writeFileSync(join(reportsDir, REPORT_FILES.coverageMarkdown), markdown);
}

// ---------- test-quality.json ----------

/** test-quality.json: the findings, and what happened to the test-quality issue once it was synced. */
export interface TestQualityFile extends TestQualitySummary {
  issue?: CoverageIssueOutcome;
}

export function readTestQualityFile(reportsDir: string, shown?: string): TestQualityFile | null {
  const f = at(reportsDir, REPORT_FILES.testQuality, shown);
  return readJsonFile<TestQualityFile>(f.abs, f.rel);
}

/** test-quality.json, and test-quality.md beside it when given. */
export function writeTestQualityFile(reportsDir: string, file: TestQualityFile, markdown?: string): void {
  writeJson(join(reportsDir, REPORT_FILES.testQuality), file);
  if (markdown !== undefined) writeFileSync(join(reportsDir, REPORT_FILES.testQualityMarkdown), markdown);
}
