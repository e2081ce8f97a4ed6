// A finding that is not a failing test (a benchmark regression, a vulnerable dependency) enters the same pipeline
// as test failures: its records go to failures.json, its issue to issue.json/issue.md and its task file to the
// tasks folder, in the finding kind's own reports sub-folder; then the healing issue's own steps run on them
// (lib/github/healing-issue.ts: sync-issue, push-task-context, hand-off). Nothing here talks to GitHub itself.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { HealConfig } from "./config.ts";
import { fingerprint } from "./fingerprint.ts";
import { findingReportsDir, handOffHealingIssue, pushTaskContext, syncHealingIssue, type FindingKind } from "./github/healing-issue.ts";
import { REPORT_FILES } from "./paths.ts";
import { redact } from "./redact.ts";
import { writeIssueFile, type GitHubFile, type HandoffRecord } from "./step-files.ts";
import { branchSlug, setTaskIssue } from "./task-context.ts";
import type { FailureRecord, FailureReport, RunMeta } from "./types.ts";

export const PERF_FINDING: FindingKind = {
  marker: "perf",
  reportsSubdir: "perf",
  templates: { update: "perf-update.md", close: "perf-close.md" },
};

export const AUDIT_FINDING: FindingKind = {
  marker: "audit",
  reportsSubdir: "audit",
  templates: { update: "audit-update.md", close: "audit-close.md" },
  retitle: true,
};

/** One finding as the pipeline records it: `key` names it stably across runs (benchmark name, package + advisory). */
export interface FindingRecord {
  key: string;
  /** What the issue's update comment shows: the benchmark or the package. */
  name: string;
  /** One line: baseline -> current, or the advisory. */
  message: string;
}

/** A finding's fingerprint: its kind and key only, so the same benchmark or advisory keeps it across runs. */
export function findingId(framework: "perf" | "audit", key: string): string {
  return fingerprint({ framework, file: null, fullName: key, message: "" });
}

export function findingRecord(framework: "perf" | "audit", r: FindingRecord): FailureRecord {
  return {
    id: findingId(framework, r.key),
    framework,
    fullName: r.name,
    file: null,
    line: null,
    message: r.message,
    stack: "",
    kind: "failure",
  };
}

/** `<tasks>/fix-<kind>-<branch-slug>.yaml`: one per branch and kind, updated in place. */
export function findingTaskPath(config: Pick<HealConfig, "tasksDir">, finding: FindingKind, branch: string): string {
  return `${config.tasksDir.replace(/\/+$/, "")}/fix-${finding.marker}-${branchSlug(branch)}.yaml`;
}

export interface FindingFiles {
  repoRoot: string;
  reportsDir: string;
  finding: FindingKind;
  meta: RunMeta;
  compared: number;
  records: FailureRecord[];
  title: string;
  body: string;
  labels: string[];
  taskPath: string;
  /** The task file's content (values already redacted); null when nothing is found. */
  task: Record<string, unknown> | null;
}

/**
 * Writes failures.json, issue.json/issue.md and the task file for a finding kind. With no records the branch's
 * task file is deleted and listed in removedTasks, as write-report does for a green run.
 */
export function writeFindingFiles(f: FindingFiles): { dir: string; taskWritten: boolean; removed: string[] } {
  const dir = findingReportsDir(f.reportsDir, f.finding);
  mkdirSync(dir, { recursive: true });
  const report: FailureReport = {
    schemaVersion: 1,
    ...f.meta,
    summary: { total: f.compared, passed: f.compared - f.records.length, failed: f.records.length, skipped: 0, errors: 0 },
    failures: f.records,
  };
  writeFileSync(join(dir, REPORT_FILES.failures), `${JSON.stringify(report, null, 2)}\n`);
  const abs = join(f.repoRoot, f.taskPath);
  const removed: string[] = [];
  let taskWritten = false;
  if (f.task && f.records.length > 0) {
    // A re-run keeps the issue the GitHub step linked the file to, set the way that step sets it (setTaskIssue),
    // so unchanged findings change no byte and push nothing.
    const linked = existsSync(abs) ? /^github_issue: "?([\w.-]+\/[\w.-]+#\d+)"?$/m.exec(readFileSync(abs, "utf8"))?.[1] : undefined;
    const before = existsSync(abs) ? readFileSync(abs, "utf8") : null;
    mkdirSync(join(abs, ".."), { recursive: true });
    writeFileSync(abs, redact(stringify({ ...f.task, github_issue: null }, { lineWidth: 0 })));
    if (linked) setTaskIssue(f.repoRoot, f.taskPath, linked);
    taskWritten = readFileSync(abs, "utf8") !== before;
  } else if (existsSync(abs) && /^auto_generated: true$/m.test(readFileSync(abs, "utf8"))) {
    rmSync(abs);
    removed.push(f.taskPath);
  }
  writeIssueFile(dir, {
    title: f.title,
    body: f.body,
    labels: f.labels,
    taskPath: f.records.length > 0 ? f.taskPath : null,
    taskId: f.records.length > 0 ? f.taskPath.replace(/^.*\/fix-|\.yaml$/g, "") : null,
    removedTasks: removed,
  });
  return { dir, taskWritten, removed };
}

export interface FindingSync {
  issue: GitHubFile | null;
  handoff: HandoffRecord | null;
}

/** The healing issue's three GitHub steps, run for this finding kind: the same code, its own files. */
export async function syncFinding(env: Record<string, string | undefined>, finding: FindingKind, remote = "origin"): Promise<FindingSync> {
  const issue = await syncHealingIssue(env, finding);
  if (!issue) return { issue, handoff: null };
  await pushTaskContext(env, { remote }, finding);
  const handoff = await handOffHealingIssue(env, finding);
  return { issue, handoff };
}
