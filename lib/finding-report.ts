// A finding that is not a failing test (a benchmark regression, a vulnerable dependency) enters the same pipeline
// as test failures: its records go to failures.json, its issue to issue.json/issue.md and its task file to the
// tasks folder, in the finding kind's own reports sub-folder; then the healing issue's own steps run on them
// (lib/github/healing-issue.ts: sync-issue, push-task-context, hand-off). Nothing here talks to GitHub itself.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { stringify } from "yaml";
import type { HealConfig } from "./config.ts";
import { fingerprint } from "./fingerprint.ts";
import { log } from "./cli.ts";
import { findingReportsDir, handOffHealingIssue, pushTaskContext, syncHealingIssue, type FindingKind } from "./github/healing-issue.ts";
import { REPORT_FILES } from "./paths.ts";
import { redact } from "./redact.ts";
import { parseYamlSafe } from "./safe-yaml.ts";
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
  /** More task files of this finding, written beside taskPath (one per advisory group); the issue names taskPath. */
  also?: { path: string; task: Record<string, unknown> }[];
  /** The branch the task files are for (their `branch:`); default meta.branch, else HEAD. */
  branch?: string;
}

/**
 * Writes failures.json, issue.json/issue.md and the task file(s) for a finding kind. The kind's older task files of
 * this branch that this run does not write (all of them when nothing is found) are deleted and listed in
 * removedTasks, as write-report does for a green run, so the push step deletes them upstream.
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
  const found = f.task !== null && f.records.length > 0;
  const files = found ? [{ path: f.taskPath, task: f.task! }, ...(f.also ?? [])] : [];
  let taskWritten = false;
  for (const t of files) taskWritten = writeTaskFile(f.repoRoot, t.path, t.task) || taskWritten;
  const written = new Set(files.map((t) => t.path));
  const branch = f.branch ?? f.meta.branch ?? "HEAD";
  const removed: string[] = [];
  for (const rel of findingTaskFiles(f.repoRoot, posix.dirname(f.taskPath), f.finding, branch)) {
    if (written.has(rel)) continue;
    rmSync(join(f.repoRoot, rel));
    removed.push(rel);
  }
  writeIssueFile(dir, {
    title: f.title,
    body: f.body,
    labels: f.labels,
    taskPath: found ? f.taskPath : null,
    taskId: found ? f.taskPath.replace(/^.*\/fix-|\.yaml$/g, "") : null,
    removedTasks: removed,
  });
  return { dir, taskWritten, removed };
}

/** Writes one task file; true when its bytes changed. */
function writeTaskFile(repoRoot: string, taskPath: string, task: Record<string, unknown>): boolean {
  const abs = join(repoRoot, taskPath);
  // A re-run keeps the issue the GitHub step linked the file to, set the way that step sets it (setTaskIssue),
  // so unchanged findings change no byte and push nothing.
  const before = existsSync(abs) ? readFileSync(abs, "utf8") : null;
  const linked = before ? /^github_issue: "?([\w.-]+\/[\w.-]+#\d+)"?$/m.exec(before)?.[1] : undefined;
  mkdirSync(join(abs, ".."), { recursive: true });
  writeFileSync(abs, redact(stringify({ ...task, github_issue: null }, { lineWidth: 0 })));
  if (linked) setTaskIssue(repoRoot, taskPath, linked);
  return readFileSync(abs, "utf8") !== before;
}

/** The tool's task files of a finding kind and branch in the working tree (`fix-<kind>-*.yaml`, read by content). */
function findingTaskFiles(repoRoot: string, tasksDir: string, finding: FindingKind, branch: string): string[] {
  const abs = join(repoRoot, tasksDir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs).sort()) {
    if (!name.startsWith(`fix-${finding.marker}-`) || !name.endsWith(".yaml")) continue;
    const rel = posix.join(tasksDir, name);
    let data: unknown;
    try {
      data = parseYamlSafe(readFileSync(join(abs, name), "utf8"), rel);
    } catch {
      continue; // not the tool's file: a person's is never deleted
    }
    const d = data as { auto_generated?: unknown; kind?: unknown; branch?: unknown } | null;
    if (d?.auto_generated === true && d.kind === finding.marker && d.branch === branch) out.push(rel);
  }
  return out;
}

/** `<tasks>/fix-audit-<branch>-<ecosystem>-<package>.yaml` for each group key (`<ecosystem>/<package>`), distinct. */
export function groupTaskPaths(config: Pick<HealConfig, "tasksDir">, branch: string, keys: string[]): Map<string, string> {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "")
      .slice(0, 60)
      .replace(/[-.]+$/, "") || "package";
  const base = findingTaskPath(config, AUDIT_FINDING, branch).replace(/\.yaml$/, "");
  const named = keys.map((key) => ({ key, path: `${base}-${slug(key)}` }));
  // Two packages that sanitise alike (`@a/b`, `a-b`) keep apart by their own key's digest.
  const seen = new Map<string, number>();
  for (const n of named) seen.set(n.path, (seen.get(n.path) ?? 0) + 1);
  return new Map(
    named.map((n) => [n.key, `${n.path}${(seen.get(n.path) ?? 0) > 1 ? `-${findingId("audit", n.key).slice(0, 6)}` : ""}.yaml`]),
  );
}

export interface FindingSync {
  issue: GitHubFile | null;
  handoff: HandoffRecord | null;
}

/**
 * The healing issue's three GitHub steps, run for this finding kind: the same code, its own files. `also`: more
 * task files (one per advisory group), committed with the issue's task file in the push step's one commit.
 */
export async function syncFinding(
  env: Record<string, string | undefined>,
  finding: FindingKind,
  remote = "origin",
  also: string[] = [],
): Promise<FindingSync> {
  const issue = await syncHealingIssue(env, finding);
  if (!issue) return { issue, handoff: null };
  await pushTaskContext(env, { remote, also }, finding);
  const handoff = await handOffHealingIssue(env, finding);
  return { issue, handoff };
}
