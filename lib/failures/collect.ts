// Turns test reports (and what run-tests recorded about each run) into one FailureReport: shards merged,
// the same test from several reports or retries collapsed with its attempts, failed-then-passed marked flaky,
// one name twice in one report counted as two tests, crashed runners turned into failures.
import { isAbsolute, relative, resolve } from "node:path";
import { HealError } from "../errors.ts";
import { testKey } from "../fingerprint.ts";
import { readJsonFile } from "../json-file.ts";
import { indexRepo, repoRelative, resolveRepoPath, type RepoIndex } from "../location.ts";
import { parseReport, type ParsedReport } from "../parsers/index.ts";
import { redact, redactor } from "../redact.ts";
import type { FailureRecord, FailureReport, Framework, RunMeta, RunsFile, UnlistedTests } from "../types.ts";
import { IdentityHasher, IdentityTable } from "./identity-table.ts";
import { GarbageGuard } from "./memory-guard.ts";
import { OccurrenceSpill } from "./spill.ts";
import { buildRecord, cmp, compareFailures, isFailing, runnerRecord, type Occurrence } from "./records.ts";
import { EnvironmentCollector } from "../environment.ts";
import type { PrepareFile } from "../prepare.ts";

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
  /** heal:prepare's record (prepare.json): environment records name the install that failed. */
  prepare?: PrepareFile | null;
}

/** Dialect names that say nothing about the runner: the run's stack framework replaces them. */
const GENERIC: Framework[] = ["junit", "tap", "trx", "nunit"];

/** Runners whose test names are unique in a run: a name seen twice in one report was run twice. */
const RERUN_ON_REPEAT = new Set<Framework>(["pytest", "go"]);

interface Source {
  path: string;
  source: string;
  /** The run's stack id (absent for report paths given as arguments). */
  stack?: string;
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

/**
 * Reads every report, merges and collapses test cases, and builds the FailureReport. A report that cannot
 * be read adds one line to `reportErrors`; the others are still processed. Never throws for a bad report.
 *
 * Aggregates while streaming: only failing cases (and cases with retry attempts) are kept whole; every other
 * case adds its statuses to a hashed identity table (IdentityTable), so memory grows with the number of
 * distinct tests at ~16 bytes each, not with their names or the report's size. Per test: per source (run),
 * the report that saw most statuses counts; sources add up. A report that fails half-way adds nothing.
 */
export async function collectFailures(opts: CollectOptions): Promise<FailureReport> {
  const failures: FailureRecord[] = [];
  const rest = await streamFailures(opts, (r) => failures.push(r));
  failures.sort(compareFailures);
  const report: FailureReport = { ...rest.head, failures };
  if (rest.flaky.length) report.flaky = rest.flaky;
  if (rest.reportErrors.length) report.reportErrors = rest.reportErrors;
  return report;
}

/**
 * An occurrence on disk: its small fields as one JSON line, then the lengths and the raw text of its stack
 * and message. Escaping and unescaping a traceback as JSON cost four to six times as much.
 */
const OCCURRENCE_TEXT = {
  toText(o: Occurrence): string {
    const { stack, message } = o.tc;
    const head = JSON.stringify({ ...o, tc: { ...o.tc, stack: undefined, message: undefined } });
    return `${head}\n${stack === undefined ? -1 : stack.length} ${message === undefined ? -1 : message.length}\n${stack ?? ""}${message ?? ""}`;
  },
  fromText(text: string): Occurrence {
    // JSON text holds no raw newline: the first one ends the head.
    const end = text.indexOf("\n");
    const o = JSON.parse(text.slice(0, end)) as Occurrence;
    const space = text.indexOf(" ", end + 1);
    const lengths = text.indexOf("\n", space + 1);
    const stack = Number(text.slice(end + 1, space));
    const message = Number(text.slice(space + 1, lengths));
    let at = lengths + 1;
    if (stack >= 0) {
      o.tc.stack = text.slice(at, at + stack);
      at += stack;
    }
    if (message >= 0) o.tc.message = text.slice(at, at + message);
    return o;
  },
};

/** What a FailureReport holds besides its failures list. */
export interface StreamedReport {
  /** The report's fields before `failures`, in failures.json's order. */
  head: Omit<FailureReport, "failures" | "flaky" | "reportErrors">;
  flaky: NonNullable<FailureReport["flaky"]>;
  reportErrors: string[];
}

/**
 * collectFailures without holding the records: each one is handed to `onRecord` as it is built (in no
 * particular order; compareFailures sorts them), kept cases wait in memory or, past a budget, on disk (spill.ts).
 */
export async function streamFailures(opts: CollectOptions, onRecord: (r: FailureRecord) => void): Promise<StreamedReport> {
  // An occurrence weighs about its texts (names and paths are short next to a stack).
  const spill = new OccurrenceSpill<Occurrence>(
    (o) => (o.tc.stack?.length ?? 0) + (o.tc.message?.length ?? 0) + 256,
    undefined,
    OCCURRENCE_TEXT,
  );
  // Set-up problems (a missing package, a runner that cannot start) are held back: one environment record per stack.
  const environment = new EnvironmentCollector({ repoRoot: opts.repoRoot, runs: opts.runs ?? null, prepare: opts.prepare ?? null });
  try {
    // A stand-in for unlisted tests is counted by its suite's numbers, never moved to the environment count.
    const rest = await streamInto(opts, (r, standIn) => (!standIn && environment.take(r)) || onRecord(r), spill);
    for (const r of environment.finish(rest.head.summary)) onRecord(r);
    return rest;
  } finally {
    spill.close();
  }
}

async function streamInto(
  opts: CollectOptions,
  onRecord: (r: FailureRecord, standIn: boolean) => void,
  spill: OccurrenceSpill<Occurrence>,
): Promise<StreamedReport> {
  const root = resolve(opts.repoRoot);
  const hasher = new IdentityHasher();
  // The environment's secret values read once for every record of this run (redact() reads it per text).
  const red = redactor();
  let index: RepoIndex | null = null;
  // A fresh listing per call: the repository changes between runs of a long-lived process (tests, verify).
  const repo = () => (index ??= indexRepo(root, { fresh: true }));
  const reportErrors: string[] = [];
  const runCaseCounts = new Map<string, { cases: number; failing: number; readable: number }>();

  // Reports repeat the same file for every case: map each (file, cwd) once.
  type Place = { own: string | null; scope: string };
  const placeCache = new Map<string, Place>();
  let lastFile: string | undefined;
  let lastCwd: string | undefined;
  let lastPlace: Place | undefined;
  const placeOf = (file: string, cwd: string): Place => {
    if (file === lastFile && cwd === lastCwd) return lastPlace!;
    const key = `${cwd}\u0000${file}`;
    let hit = placeCache.get(key);
    if (hit === undefined) {
      const own = resolveRepoPath(file, repo(), { cwd });
      hit = { own, scope: own ?? repoRelative(file, root) };
      placeCache.set(key, hit);
    }
    lastFile = file;
    lastCwd = cwd;
    lastPlace = hit;
    return hit;
  };

  const sources: (Source & { index: number })[] = [];
  const seen = new Set<string>();
  (opts.runs?.runs ?? []).forEach((run, i) => {
    const source = `run:${i}:${run.stack.id}`;
    for (const rel of run.reports) {
      const abs = resolve(root, rel);
      if (seen.has(abs)) continue;
      seen.add(abs);
      sources.push({
        path: abs,
        source,
        stack: run.stack.id,
        cwd: run.stack.cwd || ".",
        framework: run.stack.framework,
        index: sources.length,
      });
    }
  });
  for (const p of opts.reportPaths) {
    const abs = resolve(root, p);
    if (seen.has(abs)) continue;
    seen.add(abs);
    sources.push({ path: abs, source: `file:${stemOf(abs)}`, cwd: ".", format: opts.format, index: sources.length });
  }
  // Reports of one source are read one after the other (the same stem given apart: `a.xml b.xml a.json`), so
  // each source's best report per test is settled before the next source; `order` keeps the given order.
  const firstOfSource = new Map<string, number>();
  for (const s of sources) if (!firstOfSource.has(s.source)) firstOfSource.set(s.source, s.index);
  sources.sort((a, b) => firstOfSource.get(a.source)! - firstOfSource.get(b.source)! || a.index - b.index);

  // Test identity -> statuses summed over sources; the current source's best report per test; ancestors.
  let totals = new IdentityTable();
  let best: IdentityTable | null = null;
  let bestSource: string | undefined;
  const foldSource = () => {
    if (!best) return;
    if (totals.size === 0) totals = best;
    else best.forEach((hi, lo, p, f, s) => totals.add(hi, lo, p, f, s));
    best = null;
  };
  // Every "a > b" prefix of every name, per file: a failing case whose name is one is a describe block.
  const ancestors = new IdentityTable();
  // Tests suites count but do not list, per suite (unlistedKey): they are counted from these numbers, and
  // the stand-in cases parseReport makes for their failing ones (standIns) count nothing themselves.
  const unlistedTotals = new Map<string, UnlistedTests>();
  const standIns = new IdentityTable();

  const guard = new GarbageGuard(4096);
  for (const src of sources) {
    const counts = runCaseCounts.get(src.source) ?? { cases: 0, failing: 0, readable: 0 };
    runCaseCounts.set(src.source, counts);
    const spilledBefore = spill.count;
    const staged = new IdentityTable();
    // Names seen more than once in this report: how many times (a Map only for the rare repeated name).
    const repeats = new Map<string, number>();
    let stagedAncestors: IdentityTable | undefined;
    let stagedStandIns: IdentityTable | undefined;
    let parsed: ParsedReport;
    let nCases = 0;
    let nStandIns = 0;
    let nFailing = 0;
    try {
      parsed = await parseReport(
        src.path,
        (tc) => {
          const framework = src.framework && GENERIC.includes(tc.framework) ? src.framework : tc.framework;
          const place = tc.file ? placeOf(tc.file, src.cwd) : undefined;
          const scope = place ? place.scope : "";
          // A suite that failed to load is named by its file: use the repo-relative form of that name.
          const suiteRecord = !!tc.file && tc.fullName === tc.file;
          let fullName = suiteRecord ? (place!.own ?? scope) : tc.fullName;
          hasher.test(framework, scope, fullName);
          // The same identity again in one report is another test (legal in bun, vitest, jest, mocha), unless
          // the runner's names are unique by construction (pytest node ids, go's #01 subtests): then a rerun.
          const baseName = fullName;
          let nth = 1;
          const failing = isFailing(tc.status);
          let p = tc.status === "passed" ? 1 : 0;
          let f = failing ? 1 : 0;
          let s = tc.status === "skipped" ? 1 : 0;
          if (tc.attempts) {
            for (const a of tc.attempts) {
              if (a.status === "passed") p++;
              else if (isFailing(a.status)) f++;
              else s++;
            }
          }
          // A suite's own error is one failure however many records tell it (jest-junit writes two).
          if (suiteRecord || RERUN_ON_REPEAT.has(framework)) staged.add(hasher.hi, hasher.lo, p, f, s);
          else if (!staged.addNew(hasher.hi, hasher.lo, p, f, s)) {
            const k = `${hasher.hi}:${hasher.lo}`;
            nth = (repeats.get(k) ?? 1) + 1;
            repeats.set(k, nth);
            fullName = `${fullName} (${nth})`;
            hasher.test(framework, scope, fullName);
            staged.add(hasher.hi, hasher.lo, p, f, s);
          }
          const hi = hasher.hi;
          const lo = hasher.lo;
          if (tc.unlistedCount !== undefined) {
            (stagedStandIns ??= new IdentityTable()).add(hi, lo, 0, 0, 0);
            nStandIns++;
          }
          if (fullName.includes(" > ")) {
            stagedAncestors ??= new IdentityTable();
            for (let at = fullName.indexOf(" > "); at !== -1; at = fullName.indexOf(" > ", at + 3)) {
              hasher.text(`${scope}\u0000${fullName.slice(0, at)}`);
              stagedAncestors.add(hasher.hi, hasher.lo, 0, 0, 0);
            }
          }
          if (failing) nFailing++;
          // Only failing cases and retried ones are kept whole (the parsers copied their strings).
          if (failing || tc.attempts?.length)
            spill.add(
              {
                tc,
                framework,
                scope,
                ownFile: place ? place.own : null,
                fullName,
                baseName,
                nth,
                key: testKey(framework, scope, fullName),
                cwd: src.cwd,
                source: src.source,
                report: src.path,
                order: src.index * 2 ** 32 + nCases,
              },
              hi,
              lo,
              src.index * 2 ** 32 + nCases,
            );
          nCases++;
          // The key strings of passing cases are garbage at once, but JSC collects them late.
          guard.tick();
        },
        { format: src.format },
      );
    } catch (err) {
      const line = err instanceof HealError ? err.message.split("\n")[0] : `internal error: ${(err as Error)?.message ?? String(err)}`;
      reportErrors.push(redact(`${displayPath(src.path, root)}: ${line}`));
      spill.truncate(spilledBefore); // a report that fails half-way adds nothing
      continue;
    }
    counts.readable++;
    counts.cases += nCases - nStandIns + addUnlisted(unlistedTotals, parsed.unlisted, src, (file) => placeOf(file, src.cwd).scope);
    counts.failing += nFailing;
    stagedAncestors?.forEach((hi, lo) => ancestors.add(hi, lo, 0, 0, 0));
    stagedStandIns?.forEach((hi, lo) => standIns.add(hi, lo, 0, 0, 0));
    if (src.source !== bestSource) {
      foldSource();
      bestSource = src.source;
    }
    if (!best || (best as IdentityTable).size === 0) best = staged;
    else {
      const into: IdentityTable = best;
      staged.forEach((hi, lo, p, f, s) => into.keepLonger(hi, lo, p, f, s));
    }
  }
  foldSource();

  const flaky: NonNullable<FailureReport["flaky"]> = [];
  const summary = { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0 };

  // Tests without a failing status: counted only.
  const hasStandIns = standIns.size > 0;
  totals.forEach((hi, lo, p, f) => {
    if (hasStandIns && standIns.has(hi, lo)) return; // counted with its suite's unlisted tests below
    summary.total++;
    if (p + f === 0) summary.skipped++;
    else if (f === 0) summary.passed++;
  });

  // Tests with one: their kept occurrences, grouped by identity, each group in the order the reports were given.
  const isAncestor = (scope: string, fullName: string) => {
    hasher.text(`${scope}\u0000${fullName}`);
    return ancestors.has(hasher.hi, hasher.lo);
  };
  const { order, starts, count, seq } = spill.groups();
  // Their counts are read first and the identity table (~16 bytes a test) is dropped before the records are
  // built: building them makes garbage of a few times each failure's text, and it then starts from less.
  const passes = new Uint32Array(count);
  const fails = new Uint32Array(count);
  for (let g = 0; g < count; g++) {
    const [hi, lo] = spill.hashOf(order[starts[g]!]!);
    const [p, f] = totals.get(hi, lo)!;
    passes[g] = p;
    fails[g] = f;
  }
  const bigTable = totals.size > 100_000;
  totals.clear();
  if (bigTable) Bun.gc(true);
  // Sources (runs) that have a failure record, and those whose failures all passed on a retry.
  const redSources = new Set<string>();
  const flakySources = new Set<string>();
  let nFailures = 0;
  // In the order the failures were kept (the reports' order): a spill on disk is then read front to back.
  for (const g of seq) {
    const p = passes[g]!;
    const f = fails[g]!;
    if (f === 0) continue; // retried, but no attempt failed: counted above
    const group: Occurrence[] = [];
    for (let k = starts[g]!; k < starts[g + 1]!; k++) group.push(spill.read(order[k]!));
    const first = group[0]!;
    // A stand-in for unlisted failing tests stays a failure even if a listed test shares its name and passed.
    const standIn = group.some((o) => o.tc.unlistedCount !== undefined);
    if (p > 0 && !standIn) {
      for (const o of group) if (isFailing(o.tc.status) || o.tc.attempts?.length) flakySources.add(o.source);
      summary.passed++;
      summary.flaky++;
      flaky.push({
        fullName: redact(first.fullName),
        file: first.ownFile === null ? null : redact(first.ownFile),
        framework: first.framework,
        attempts: p + f,
      });
      continue;
    }
    guard.tick(32); // locating, redacting and trimming make garbage of a few times each failure's text
    // That garbage is young: a minor collection is cheap (kept in memory, there are few failures: JSC copes).
    if ((nFailures & 255) === 255 && spill.onDisk) Bun.gc(false);
    for (const o of group) redSources.add(o.source);
    const record = buildRecord(group, repo(), isAncestor, red);
    if (p + f > 1) record.attempts = p + f;
    if (standIn) {
      // Counted with its suite's unlisted tests below.
    } else if (record.kind === "error") summary.errors++;
    else summary.failed++;
    onRecord(record, standIn);
    nFailures++;
  }

  // Runs that crashed, wrote nothing, or exited non-zero without a failure record of their own (a report of
  // passes only, or failures that all count as flaky): a red run is never green.
  for (const [i, run] of (opts.runs?.runs ?? []).entries()) {
    const source = `run:${i}:${run.stack.id}`;
    const counts = runCaseCounts.get(source);
    const failedRun = run.exitCode !== 0 || run.signal !== null;
    const noReport = !counts || counts.readable === 0;
    if (!failedRun && !noReport) continue;
    // A stopped run (the timeout) is a failure of its own, beside the failures of the tests that finished.
    if (redSources.has(source) && run.signal === null) continue;
    const record = runnerRecord(run, counts, repo(), flakySources.has(source));
    summary.total++;
    summary.errors++;
    onRecord(record, false);
  }

  // Tests the reports count but do not list: the suite's own numbers, each suite once.
  for (const u of unlistedTotals.values()) {
    const tests = Math.max(u.tests, u.failures + u.errors + u.skipped);
    summary.total += tests;
    summary.passed += tests - u.failures - u.errors - u.skipped;
    summary.failed += u.failures;
    summary.errors += u.errors;
    summary.skipped += u.skipped;
  }

  flaky.sort((a, b) => cmp(a.file ?? "\uffff", b.file ?? "\uffff") || cmp(a.fullName, b.fullName));
  reportErrors.sort();
  return {
    head: {
      schemaVersion: 1,
      repository: opts.meta.repository,
      branch: opts.meta.branch,
      commit: opts.meta.commit,
      runUrl: opts.meta.runUrl,
      summary,
    },
    flaky,
    reportErrors,
  };
}

/**
 * Adds one report's unlisted tests to `into`, keyed by stack, folder, framework, file and suite: suites of
 * one key in one report add up (two suites), a key seen in several reports keeps its largest count of each
 * kind (the same suite again: another format or a re-run, as a listed test counts once). Returns how many
 * tests the report counts without listing them.
 */
function addUnlisted(
  into: Map<string, UnlistedTests>,
  unlisted: UnlistedTests[] | undefined,
  src: Source,
  scopeOf: (file: string) => string,
): number {
  if (!unlisted?.length) return 0;
  const framework = src.framework ?? "junit";
  const own = new Map<string, UnlistedTests>();
  let tests = 0;
  for (const u of unlisted) {
    tests += u.tests;
    const key = [src.stack ?? "", src.cwd, framework, u.file ? scopeOf(u.file) : "", u.suite].join("\u0000");
    const sum = own.get(key);
    if (!sum) own.set(key, { suite: u.suite, tests: u.tests, failures: u.failures, errors: u.errors, skipped: u.skipped });
    else {
      sum.tests += u.tests;
      sum.failures += u.failures;
      sum.errors += u.errors;
      sum.skipped += u.skipped;
    }
  }
  for (const [key, u] of own) {
    const had = into.get(key);
    if (!had) into.set(key, u);
    else {
      had.tests = Math.max(had.tests, u.tests);
      had.failures = Math.max(had.failures, u.failures);
      had.errors = Math.max(had.errors, u.errors);
      had.skipped = Math.max(had.skipped, u.skipped);
    }
  }
  return tests;
}

/** Reads runs.json; a missing file is null, a broken one a HealError naming it. */
export async function readRunsFile(path: string): Promise<RunsFile | null> {
  const doc = readJsonFile<unknown>(path, path, "runs file");
  if (doc === null) return null;
  const runs = (doc as RunsFile | null)?.runs;
  if (!Array.isArray(runs)) throw new HealError("INPUT_MISSING", "runs file has no `runs` list", path);
  return doc as RunsFile;
}
