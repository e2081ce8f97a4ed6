// Turns test reports (and what run-tests recorded about each run) into one FailureReport: shards merged,
// the same test from several reports or retries collapsed with its attempts, failed-then-passed marked flaky,
// each failure located in the repo and fingerprinted, crashed runners turned into failures.
import { isAbsolute, relative, resolve } from "node:path";
import { HealError } from "./errors.ts";
import { fingerprint, testKey } from "./fingerprint.ts";
import { readJsonFile } from "./json-file.ts";
import { indexRepo, isForeignFrame, locate, repoRelative, resolveRepoPath, splitMessage, type RepoIndex } from "./location.ts";
import { parseReport } from "./parsers/index.ts";
import { redact } from "./redact.ts";
import type { CaseStatus, FailureRecord, FailureReport, Framework, RunMeta, RunRecord, RunsFile, TestCase } from "./types.ts";

export interface CollectOptions {
  /** The repository the reports describe (paths become relative to it). */
  repoRoot: string;
  /** run-tests' record: each run's reports are read with its stack's cwd and framework. */
  runs?: RunsFile | null;
  /** More report files (absolute or relative to repoRoot); duplicates of runs' reports are read once. */
  reportPaths: string[];
  meta: RunMeta;
  /** Explicit format for `reportPaths` (runs' reports are always sniffed). */
  format?: string;
}

/** Dialect names that say nothing about the runner: the run's stack framework replaces them. */
const GENERIC: Framework[] = ["junit", "tap", "trx", "nunit"];

const MAX_STACK_CHARS = 8_000;
const MAX_STACK_LINES = 60;
const MAX_MESSAGE_CHARS = 4_000;

interface Occurrence {
  tc: TestCase;
  framework: Framework;
  /** The test's identity scope: its own file (repo-relative when it resolves) or "". */
  scope: string;
  /** The test's own file when it exists in the repo. */
  ownFile: string | null;
  fullName: string;
  cwd: string;
  /** Which run produced it; reports of one run describe the same execution. */
  source: string;
  report: string;
  order: number;
}

interface Source {
  path: string;
  source: string;
  cwd: string;
  framework?: Framework;
  format?: string;
}

/** Repo-relative POSIX form of a report path for messages. */
function displayPath(abs: string, root: string): string {
  const rel = relative(root, abs);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split("\\").join("/") : abs;
}

/** Same path stem in the same folder (`vitest.xml` + `vitest.json`): two formats of one run. */
function stemOf(abs: string): string {
  return abs.replace(/\.[^./\\]+$/, "");
}

/** Drops frames of dependencies and runners from a stack, keeps message lines and repo frames, caps its size. */
export function trimStack(stack: string): string {
  const lines = stack
    .slice(0, 1024 * 1024)
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => (l.length > 2_000 ? `${l.slice(0, 2_000)}…` : l));
  if (stack.length > 1024 * 1024) lines.pop(); // the last line was cut mid-way
  const kept: string[] = [];
  let dropSource = false;
  for (const line of lines) {
    // The source line Python prints under a dropped `File "..."` frame goes with it.
    if (dropSource && /^\s{4,}\S/.test(line)) {
      dropSource = false;
      continue;
    }
    dropSource = false;
    const py = /^\s*File "([^"]{1,1000})", line \d+/.exec(line);
    const js = /^\s*(?:at\s+(?:[^()]{0,500}\()?|❯\s+(?:\S+\s+)?|\t)((?:file:\/\/)?[^\s()"]{1,1000}?):\d+/.exec(line);
    const path = py?.[1] ?? js?.[1];
    if (path && isForeignFrame(path)) {
      dropSource = !!py;
      continue;
    }
    if (/^\s*at\s/.test(line) && /\((node:|<anonymous>)|^\s*at (new Promise|async Promise|process\.processTicksAndRejections)/.test(line)) continue;
    kept.push(line);
  }
  let out = kept.slice(0, MAX_STACK_LINES).join("\n").trim();
  if (kept.length > MAX_STACK_LINES) out += `\n… ${kept.length - MAX_STACK_LINES} more lines`;
  if (out.length > MAX_STACK_CHARS) out = `${out.slice(0, MAX_STACK_CHARS)}\n… (cut)`;
  return out;
}

function statusRank(s: CaseStatus): number {
  return s === "error" ? 3 : s === "failed" ? 2 : s === "passed" ? 1 : 0;
}

const isFailing = (s: CaseStatus) => s === "failed" || s === "error";

/**
 * Reads every report, merges and collapses test cases, and builds the FailureReport. A report that cannot
 * be read adds one line to `reportErrors`; the others are still processed. Never throws for a bad report.
 */
export async function collectFailures(opts: CollectOptions): Promise<FailureReport> {
  const root = resolve(opts.repoRoot);
  let index: RepoIndex | null = null;
  // A fresh listing per call: the repository changes between runs of a long-lived process (tests, verify).
  const repo = () => (index ??= indexRepo(root, { fresh: true }));
  const occurrences: Occurrence[] = [];
  const reportErrors: string[] = [];
  const runCaseCounts = new Map<string, { cases: number; failing: number; readable: number }>();

  // Reports repeat the same file for every case: map each (file, cwd) once.
  const ownCache = new Map<string, string | null>();
  const resolveOwn = (file: string, cwd: string): string | null => {
    const key = `${cwd}\u0000${file}`;
    let hit = ownCache.get(key);
    if (hit === undefined) {
      hit = resolveRepoPath(file, repo(), { cwd });
      ownCache.set(key, hit);
    }
    return hit;
  };

  const sources: Source[] = [];
  const seen = new Set<string>();
  (opts.runs?.runs ?? []).forEach((run, i) => {
    const source = `run:${i}:${run.stack.id}`;
    for (const rel of run.reports) {
      const abs = resolve(root, rel);
      if (seen.has(abs)) continue;
      seen.add(abs);
      sources.push({ path: abs, source, cwd: run.stack.cwd || ".", framework: run.stack.framework });
    }
  });
  for (const p of opts.reportPaths) {
    const abs = resolve(root, p);
    if (seen.has(abs)) continue;
    seen.add(abs);
    sources.push({ path: abs, source: `file:${stemOf(abs)}`, cwd: ".", format: opts.format });
  }

  let order = 0;
  for (const src of sources) {
    const counts = runCaseCounts.get(src.source) ?? { cases: 0, failing: 0, readable: 0 };
    runCaseCounts.set(src.source, counts);
    const found: Occurrence[] = [];
    try {
      await parseReport(
        src.path,
        (tc) => {
          const framework = src.framework && GENERIC.includes(tc.framework) ? src.framework : tc.framework;
          const ownResolved = tc.file ? resolveOwn(tc.file, src.cwd) : null;
          const scope = ownResolved ?? (tc.file ? repoRelative(tc.file, root) : "");
          // A suite that failed to load is named by its file: use the repo-relative form of that name.
          const fullName = tc.file && tc.fullName === tc.file ? (ownResolved ?? scope) : tc.fullName;
          // Passing and skipped cases only count: drop their text so 100k-case reports stay small in memory.
          const kept: TestCase = isFailing(tc.status) || tc.attempts?.length ? tc : { framework: tc.framework, fullName: tc.fullName, status: tc.status };
          found.push({ tc: kept, framework, scope, ownFile: ownResolved, fullName, cwd: src.cwd, source: src.source, report: src.path, order: order++ });
        },
        { format: src.format },
      );
      counts.readable++;
      counts.cases += found.length;
      counts.failing += found.filter((o) => isFailing(o.tc.status)).length;
      occurrences.push(...found);
    } catch (err) {
      const line = err instanceof HealError ? err.message.split("\n")[0] : `internal error: ${(err as Error)?.message ?? String(err)}`;
      reportErrors.push(redact(`${displayPath(src.path, root)}: ${line}`));
    }
  }

  // A suite whose hooks failed is reported by some runners as a "test" named like the describe block
  // (vitest) or "(unnamed)" (bun): a failure of setup, i.e. an error.
  // Every "a > b" prefix of every name, per file: a failing case whose name is one is a describe block.
  const ancestors = new Set<string>();
  for (const o of occurrences) {
    const parts = o.fullName.split(" > ");
    for (let i = 1; i < parts.length; i++) ancestors.add(`${o.scope}\u0000${parts.slice(0, i).join(" > ")}`);
  }

  // Group by test identity.
  const groups = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const key = testKey(o.framework, o.scope, o.fullName);
    const g = groups.get(key);
    if (g) g.push(o);
    else groups.set(key, [o]);
  }

  const failures: FailureRecord[] = [];
  const flaky: NonNullable<FailureReport["flaky"]> = [];
  const summary = { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0 };

  for (const group of groups.values()) {
    // Attempts: per source (run), the report that saw most attempts; sources add up.
    const bySource = new Map<string, Map<string, CaseStatus[]>>();
    for (const o of group) {
      const perReport = bySource.get(o.source) ?? new Map<string, CaseStatus[]>();
      bySource.set(o.source, perReport);
      const list = perReport.get(o.report) ?? [];
      for (const a of o.tc.attempts ?? []) list.push(a.status);
      list.push(o.tc.status);
      perReport.set(o.report, list);
    }
    const statuses: CaseStatus[] = [];
    for (const perReport of bySource.values()) {
      let best: CaseStatus[] = [];
      for (const list of perReport.values()) if (list.length > best.length) best = list;
      statuses.push(...best);
    }
    const ran = statuses.filter((s) => s !== "skipped");
    const first = group[0]!;
    summary.total++;
    if (ran.length === 0) {
      summary.skipped++;
      continue;
    }
    const anyFail = ran.some(isFailing);
    const anyPass = ran.some((s) => s === "passed");
    if (!anyFail) {
      summary.passed++;
      continue;
    }
    if (anyPass) {
      summary.passed++;
      summary.flaky++;
      flaky.push({ fullName: redact(first.fullName), file: first.ownFile === null ? null : redact(first.ownFile), framework: first.framework, attempts: ran.length });
      continue;
    }
    const record = buildRecord(group, repo(), ancestors);
    if (ran.length > 1) record.attempts = ran.length;
    if (record.kind === "error") summary.errors++;
    else summary.failed++;
    failures.push(record);
  }

  // Runs that crashed, wrote nothing, or failed without a failing test in their reports.
  for (const [i, run] of (opts.runs?.runs ?? []).entries()) {
    const counts = runCaseCounts.get(`run:${i}:${run.stack.id}`);
    const failedRun = run.exitCode !== 0 || run.signal !== null;
    const noReport = !counts || counts.readable === 0;
    if (!failedRun && !noReport) continue;
    if (counts && counts.failing > 0) continue;
    const record = runnerRecord(run, counts, repo());
    summary.total++;
    summary.errors++;
    failures.push(record);
  }

  failures.sort(compareFailures);
  flaky.sort((a, b) => cmp(a.file ?? "\uffff", b.file ?? "\uffff") || cmp(a.fullName, b.fullName));
  reportErrors.sort();

  const report: FailureReport = {
    schemaVersion: 1,
    repository: opts.meta.repository,
    branch: opts.meta.branch,
    commit: opts.meta.commit,
    runUrl: opts.meta.runUrl,
    summary,
    failures,
  };
  if (flaky.length) report.flaky = flaky;
  if (reportErrors.length) report.reportErrors = reportErrors;
  return report;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFailures(a: FailureRecord, b: FailureRecord): number {
  return (
    cmp(a.file ?? "\uffff", b.file ?? "\uffff") ||
    (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
    cmp(a.fullName, b.fullName) ||
    cmp(a.framework, b.framework) ||
    cmp(a.id, b.id)
  );
}

/** The record of a failing test from its best occurrence: a located line in its own file beats anything else. */
function buildRecord(group: Occurrence[], index: RepoIndex, ancestors: Set<string>): FailureRecord {
  const failing = group.filter((o) => isFailing(o.tc.status));
  let best: { o: Occurrence; file: string | null; line: number | null; outsideTest: boolean; score: number } | null = null;
  for (const o of failing) {
    const loc = locate({ file: o.tc.file, line: o.tc.line, message: o.tc.message, stack: o.tc.stack }, index, { cwd: o.cwd });
    const score = (loc.line !== null ? 4 : 0) + (loc.file !== null && loc.file === o.scope ? 2 : 0) + (o.tc.stack ? 1 : 0);
    if (!best || score > best.score) best = { o, file: loc.file, line: loc.line, outsideTest: !!loc.outsideTest, score };
  }
  const { o, file, line, outsideTest } = best!;
  const worst = failing.reduce((s, x) => (statusRank(x.tc.status) > statusRank(s) ? x.tc.status : s), "failed" as CaseStatus);
  // Setup failed rather than the test: a record named by its file (the file did not load), a
  // describe-level "test" (vitest), bun's "(unnamed)" hook record, or
  // an error raised only above the test's own line (jest reports a failing beforeAll on each test).
  const isSuiteLevel =
    outsideTest ||
    (o.scope !== "" && o.fullName === o.scope) ||
    /(^| > )\(unnamed\)$/.test(o.tc.fullName) ||
    ancestors.has(`${o.scope}\u0000${o.fullName}`);
  const rawMessage = fullerMessage(o.tc.message?.trim() ?? "", o.tc.stack) || "(no message)";
  // Redact before cutting, so a cut never leaves the visible half of a secret.
  const redacted = redact(rawMessage);
  const message = redacted.length > MAX_MESSAGE_CHARS ? `${redacted.slice(0, MAX_MESSAGE_CHARS)}…` : redacted;
  // bun names a failing describe-level hook "(unnamed)": the describe is what failed.
  // Test names are untrusted text too: failures.json is uploaded as an artifact.
  const fullName = redact(o.fullName.replace(/ > \(unnamed\)$/, ""));
  return {
    id: fingerprint({ framework: o.framework, file, fullName, message }),
    framework: o.framework,
    fullName,
    // A file name can hold a secret too (it is untrusted like any report text).
    file: file === null ? null : redact(file),
    line,
    message,
    stack: trimStack(redact(o.tc.stack ?? rawMessage)),
    kind: worst === "error" || isSuiteLevel ? "error" : "failure",
  };
}

const TYPE_PREFIX = /^(?:[A-Z][\w.]*(?:Error|Exception|Failure)|Error)(?: \[\w+\])?:\s+/;

/**
 * The report's message, or the stack's message part when that says the same first line and more
 * (the assertion diff that JUnit `message` attributes cut off).
 */
export function fullerMessage(message: string, stack: string | undefined): string {
  if (!stack) return message;
  const fromStack = splitMessage(stack).message.trim();
  if (!message) return fromStack;
  const head = (t: string) => (t.split("\n")[0] ?? "").trim().replace(TYPE_PREFIX, "");
  return fromStack.length > message.length && head(fromStack) === head(message) ? fromStack : message;
}

function runnerRecord(run: RunRecord, counts: { cases: number; readable: number } | undefined, index: RepoIndex): FailureRecord {
  const how = run.signal ? `killed by ${run.signal}` : `exited ${run.exitCode}`;
  const what =
    run.reports.length === 0 || !counts || counts.readable === 0
      ? "wrote no readable report"
      : counts.cases === 0
        ? "wrote an empty report"
        : "failed, but its report lists no failing test";
  const fullName = redact(`${run.stack.id} (runner ${how})`);
  const message = redact(`${run.argv.join(" ")} ${how} and ${what}`);
  const loc = locate({ stack: run.outputTail }, index, { cwd: run.stack.cwd });
  const framework: Framework = run.stack.framework ?? "runner";
  return {
    id: fingerprint({ framework, file: null, fullName, message: `runner ${what}` }),
    framework,
    fullName,
    file: loc.file === null ? null : redact(loc.file),
    line: loc.line,
    message,
    stack: trimStack(redact(run.outputTail || "(no output)")),
    kind: "error",
  };
}

/** Reads runs.json; a missing file is null, a broken one a HealError naming it. */
export async function readRunsFile(path: string): Promise<RunsFile | null> {
  const doc = readJsonFile<unknown>(path, path, "runs file");
  if (doc === null) return null;
  const runs = (doc as RunsFile | null)?.runs;
  if (!Array.isArray(runs)) throw new HealError("INPUT_MISSING", "runs file has no `runs` list", path);
  return doc as RunsFile;
}
