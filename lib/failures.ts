// Turns test reports (and what run-tests recorded about each run) into one FailureReport: shards merged,
// the same test from several reports or retries collapsed with its attempts, failed-then-passed marked flaky,
// each failure located in the repo and fingerprinted, crashed runners turned into failures.
import { isAbsolute, relative, resolve } from "node:path";
import { HealError } from "./errors.ts";
import { fingerprint, testKey } from "./fingerprint.ts";
import { readJsonFile } from "./json-file.ts";
import {
  indexRepo,
  isForeignFrame,
  locate,
  relativizePaths,
  repoRelative,
  resolveRepoPath,
  splitMessage,
  type RepoIndex,
} from "./location.ts";
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

/** Runners whose test names are unique in a run: a name seen twice in one report was run twice. */
const RERUN_ON_REPEAT = new Set<Framework>(["pytest", "go"]);

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
  /** The name as the report gave it, and which same-named test of the report this is (1-based). */
  baseName: string;
  nth: number;
  /** testKey(framework, scope, fullName): the test's identity. */
  key: string;
  cwd: string;
  /** Which run produced it; reports of one run describe the same execution. */
  source: string;
  report: string;
  /** Position in the reports as given (source index * 2^32 + case index). */
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
  const lines = headAndTail(stack, 1024 * 1024)
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => (l.length > 2_000 ? `${l.slice(0, 1_000)}…${l.slice(-1_000)}` : l));
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
    if (/^\s*at\s/.test(line) && /\((node:|<anonymous>)|^\s*at (new Promise|async Promise|process\.processTicksAndRejections)/.test(line))
      continue;
    kept.push(line);
  }
  // The head and the tail are kept: the message opens the text, the outermost frames (the test's) close it.
  const half = MAX_STACK_LINES / 2;
  const out =
    kept.length > MAX_STACK_LINES
      ? [...kept.slice(0, half), `… ${kept.length - MAX_STACK_LINES} more lines`, ...kept.slice(-half)].join("\n").trim()
      : kept.join("\n").trim();
  return headAndTail(out, MAX_STACK_CHARS);
}

/** A text cut to `max` characters: its first and last halves around a note of what was left out. */
export function headAndTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n… (${text.length - 2 * half} characters cut) …\n${text.slice(-half)}`;
}

function statusRank(s: CaseStatus): number {
  return s === "error" ? 3 : s === "failed" ? 2 : s === "passed" ? 1 : 0;
}

const isFailing = (s: CaseStatus) => s === "failed" || s === "error";

/**
 * Test identities and their status counts in bounded memory: a 64-bit hash of each test's identity in open-addressing
 * tables of typed arrays (8 bytes of hash and 1 byte of counts a slot), so a passing or skipped case costs about
 * 14 bytes and none of its strings is kept (they would pin the parser's read chunks). The hash's top byte picks
 * one of 256 shards, each growing on its own, so growing never holds two copies of the whole table. Two
 * different keys share a hash with probability about n²/2^65 (4 million tests: 4e-7); they would then count as
 * one test. Counts of 0-6 passes, 0-6 failures and 0-4 skips are packed in the byte; larger ones live in a Map.
 */
class IdentityTable {
  size = 0;
  private shards: (Shard | undefined)[] = new Array(256);
  private big = new Map<string, [number, number, number]>();

  private shardFor(hi: number): Shard {
    const k = hi >>> 24;
    return (this.shards[k] ??= newShard(16));
  }

  /** Slot of (hi, lo) in its shard, inserting it with zero counts when new. */
  private slotFor(sh: Shard, hi: number, lo: number): number {
    if ((sh.size + 1) * 5 > sh.cap * 4) growShard(sh);
    const j = findSlot(sh, hi, lo);
    if (sh.keys[2 * j] === 0 && sh.keys[2 * j + 1] === 0) {
      sh.keys[2 * j] = hi;
      sh.keys[2 * j + 1] = lo;
      sh.size++;
      this.size++;
    }
    return j;
  }

  // The counts read last (no array per read: forEach runs once per test of a multi-million-case report).
  private p = 0;
  private f = 0;
  private s = 0;
  private read(sh: Shard, j: number): void {
    const v = sh.counts[j]!;
    if (v === BIG) [this.p, this.f, this.s] = this.big.get(`${sh.keys[2 * j]}:${sh.keys[2 * j + 1]}`)!;
    else {
      this.p = v % 7;
      this.f = Math.floor(v / 7) % 7;
      this.s = Math.floor(v / 49);
    }
  }

  private write(sh: Shard, j: number, p: number, f: number, s: number): void {
    const name = `${sh.keys[2 * j]}:${sh.keys[2 * j + 1]}`;
    if (p <= 6 && f <= 6 && s <= 4) {
      if (sh.counts[j] === BIG) this.big.delete(name);
      sh.counts[j] = p + 7 * f + 49 * s;
    } else {
      sh.counts[j] = BIG;
      this.big.set(name, [p, f, s]);
    }
  }

  /** Adds counts to the identity (inserting it when new). */
  add(hi: number, lo: number, p: number, f: number, s: number): void {
    const sh = this.shardFor(hi);
    const j = this.slotFor(sh, hi, lo);
    const v = sh.counts[j]!;
    if (v === 0 && p <= 6 && f <= 6 && s <= 4) {
      sh.counts[j] = p + 7 * f + 49 * s;
      return;
    }
    this.read(sh, j);
    this.write(sh, j, this.p + p, this.f + f, this.s + s);
  }

  /** Sets the counts unless the identity already has as many statuses (the first of equals is kept). */
  keepLonger(hi: number, lo: number, p: number, f: number, s: number): void {
    const sh = this.shardFor(hi);
    const j = this.slotFor(sh, hi, lo);
    this.read(sh, j);
    const had = this.p + this.f + this.s;
    if (had === 0 || p + f + s > had) this.write(sh, j, p, f, s);
  }

  /** Forgets every identity and lets go of the storage (whoever still holds the table). */
  clear(): void {
    this.shards = new Array(256);
    this.big = new Map();
    this.size = 0;
  }

  /** Counts one more occurrence of the identity (in the passes slot) and returns how many it has now. */
  bump(hi: number, lo: number): number {
    const sh = this.shardFor(hi);
    const j = this.slotFor(sh, hi, lo);
    const v = sh.counts[j]!;
    if (v < 6) {
      sh.counts[j] = v + 1;
      return v + 1;
    }
    this.read(sh, j);
    this.write(sh, j, this.p + 1, 0, 0);
    return this.p + 1;
  }

  has(hi: number, lo: number): boolean {
    return this.get(hi, lo) !== undefined;
  }

  get(hi: number, lo: number): [number, number, number] | undefined {
    const sh = this.shards[hi >>> 24];
    if (!sh) return undefined;
    const j = findSlot(sh, hi, lo);
    if (sh.keys[2 * j] === 0 && sh.keys[2 * j + 1] === 0) return undefined;
    this.read(sh, j);
    return [this.p, this.f, this.s];
  }

  forEach(fn: (hi: number, lo: number, p: number, f: number, s: number) => void): void {
    for (const sh of this.shards) {
      if (!sh) continue;
      for (let j = 0; j < sh.cap; j++) {
        const hi = sh.keys[2 * j]!;
        const lo = sh.keys[2 * j + 1]!;
        if (hi === 0 && lo === 0) continue;
        this.read(sh, j);
        fn(hi, lo, this.p, this.f, this.s);
      }
    }
  }
}
const BIG = 255;

interface Shard {
  cap: number;
  size: number;
  /** hi, lo of each slot; (0, 0) is empty. */
  keys: Uint32Array;
  counts: Uint8Array;
}

function newShard(cap: number): Shard {
  return { cap, size: 0, keys: new Uint32Array(cap * 2), counts: new Uint8Array(cap) };
}

/** The slot holding (hi, lo), or the empty slot where it goes (linear probing). */
function findSlot(sh: Shard, hi: number, lo: number): number {
  const keys = sh.keys;
  const cap = sh.cap;
  let j = lo % cap;
  for (;;) {
    const h = keys[2 * j]!;
    const l = keys[2 * j + 1]!;
    if ((h === hi && l === lo) || (h === 0 && l === 0)) return j;
    if (++j === cap) j = 0;
  }
}

function growShard(sh: Shard): void {
  const { keys, counts, cap } = sh;
  const next = newShard(Math.ceil(cap * 1.5));
  for (let j = 0; j < cap; j++) {
    const hi = keys[2 * j]!;
    const lo = keys[2 * j + 1]!;
    if (hi === 0 && lo === 0) continue;
    const k = findSlot(next, hi, lo);
    next.keys[2 * k] = hi;
    next.keys[2 * k + 1] = lo;
    next.counts[k] = counts[j]!;
  }
  sh.cap = next.cap;
  sh.keys = next.keys;
  sh.counts = next.counts;
}

/**
 * Keeps garbage from piling up on multi-million-case reports. JSC counts the identity tables' typed arrays as
 * live heap and lets garbage grow in proportion before it collects (1 GB report, 5.8M tests: ~90 MB of
 * tables let ~150 MB of dead key strings, parser objects and record-building text pile up: 445 MB peak).
 * So every `every` units of work the process's RSS is read (~10 µs) and a full collection runs once it has
 * grown by SLACK or an eighth of what it was after the last one, whichever is more: a collection costs in
 * proportion to what is live, so with hundreds of thousands of failure records kept it runs less often
 * (that report: 445 -> 234 MB peak; 1 GB with 7% failing: CPU 102 s with a fixed 16 MB, 72 s so).
 */
export class GarbageGuard {
  private static readonly SLACK = 16 * 1024 * 1024;
  private n = 0;
  private floor = process.memoryUsage.rss();
  constructor(private readonly every: number) {}
  /** `weight`: how many passing cases' garbage the caller's step makes. */
  tick(weight = 1): void {
    if ((this.n += weight) < this.every) return;
    this.n = 0;
    if (process.memoryUsage.rss() < this.floor + Math.max(GarbageGuard.SLACK, this.floor / 8)) return;
    Bun.gc(true);
    this.floor = process.memoryUsage.rss();
  }
}

/**
 * A 64-bit hash of a text as two u32 (never both 0: that marks an empty slot): xxHash32 and murmur3, two
 * unrelated functions, under seeds of their own. Numbers only: no BigInt (wyhash's) and no string per case.
 */
let hashHi = 0;
let hashLo = 0;
const SEED_HI = 0x9e3779b9;
const SEED_LO = 0x85ebca6b;
function hash64(text: string, seedHi = SEED_HI, seedLo = SEED_LO): void {
  hashHi = Bun.hash.xxHash32(text, seedHi);
  hashLo = Bun.hash.murmur32v3(text, seedLo);
  if (hashHi === 0 && hashLo === 0) hashLo = 1;
}

/** hash64 of a test's identity (framework, scope, fullName): the name hashed under seeds of the other two. */
let keyFramework: string | undefined;
let keyScope: string | undefined;
let keySeedHi = 0;
let keySeedLo = 0;
function hashTest(framework: Framework, scope: string, fullName: string): void {
  if (framework !== keyFramework || scope !== keyScope) {
    const head = `${framework}|${scope}|`;
    keySeedHi = Bun.hash.xxHash32(head, SEED_HI);
    keySeedLo = Bun.hash.murmur32v3(head, SEED_LO);
    keyFramework = framework;
    keyScope = scope;
  }
  hash64(fullName, keySeedHi, keySeedLo);
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
  const root = resolve(opts.repoRoot);
  let index: RepoIndex | null = null;
  // A fresh listing per call: the repository changes between runs of a long-lived process (tests, verify).
  const repo = () => (index ??= indexRepo(root, { fresh: true }));
  const kept: Occurrence[] = [];
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
      sources.push({ path: abs, source, cwd: run.stack.cwd || ".", framework: run.stack.framework, index: sources.length });
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

  const guard = new GarbageGuard(4096);
  for (const src of sources) {
    const counts = runCaseCounts.get(src.source) ?? { cases: 0, failing: 0, readable: 0 };
    runCaseCounts.set(src.source, counts);
    const found: Occurrence[] = [];
    const staged = new IdentityTable();
    const seenInReport = new IdentityTable();
    let stagedAncestors: IdentityTable | undefined;
    let nCases = 0;
    let nFailing = 0;
    try {
      await parseReport(
        src.path,
        (tc) => {
          const framework = src.framework && GENERIC.includes(tc.framework) ? src.framework : tc.framework;
          const place = tc.file ? placeOf(tc.file, src.cwd) : undefined;
          const scope = place ? place.scope : "";
          // A suite that failed to load is named by its file: use the repo-relative form of that name.
          let fullName = tc.file && tc.fullName === tc.file ? (place!.own ?? scope) : tc.fullName;
          hashTest(framework, scope, fullName);
          // The same identity again in one report is another test (legal in bun, vitest, jest, mocha), unless
          // the runner's names are unique by construction (pytest node ids, go's #01 subtests): then a rerun.
          const baseName = fullName;
          let nth = 1;
          if (!RERUN_ON_REPEAT.has(framework)) {
            const n = seenInReport.bump(hashHi, hashLo);
            nth = n;
            if (n > 1) {
              fullName = `${fullName} (${n})`;
              hashTest(framework, scope, fullName);
            }
          }
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
          staged.add(hashHi, hashLo, p, f, s);
          if (fullName.includes(" > ")) {
            stagedAncestors ??= new IdentityTable();
            for (let at = fullName.indexOf(" > "); at !== -1; at = fullName.indexOf(" > ", at + 3)) {
              hash64(`${scope}\u0000${fullName.slice(0, at)}`);
              stagedAncestors.add(hashHi, hashLo, 0, 0, 0);
            }
          }
          if (failing) nFailing++;
          // Only failing cases and retried ones are kept whole (the parsers copied their strings).
          if (failing || tc.attempts?.length)
            found.push({
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
            });
          nCases++;
          // The key strings of passing cases are garbage at once, but JSC collects them late.
          guard.tick();
        },
        { format: src.format },
      );
    } catch (err) {
      const line = err instanceof HealError ? err.message.split("\n")[0] : `internal error: ${(err as Error)?.message ?? String(err)}`;
      reportErrors.push(redact(`${displayPath(src.path, root)}: ${line}`));
      continue;
    }
    counts.readable++;
    counts.cases += nCases;
    counts.failing += nFailing;
    for (const o of found) kept.push(o);
    stagedAncestors?.forEach((hi, lo) => ancestors.add(hi, lo, 0, 0, 0));
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

  const failures: FailureRecord[] = [];
  const flaky: NonNullable<FailureReport["flaky"]> = [];
  const summary = { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0 };

  // Tests without a failing status: counted only.
  totals.forEach((_hi, _lo, p, f) => {
    summary.total++;
    if (p + f === 0) summary.skipped++;
    else if (f === 0) summary.passed++;
  });

  // Tests with one: their kept occurrences, grouped by identity, in the order the reports were given.
  kept.sort((a, b) => a.order - b.order);
  const groups = new Map<string, Occurrence[]>();
  for (const o of kept) {
    const g = groups.get(o.key);
    if (g) g.push(o);
    else groups.set(o.key, [o]);
  }
  kept.length = 0;
  const isAncestor = (scope: string, fullName: string) => {
    hash64(`${scope}\u0000${fullName}`);
    return ancestors.has(hashHi, hashLo);
  };
  // Their counts are read first and the identity table (~16 bytes a test) is dropped before the records are
  // built: building them makes garbage of a few times each failure's text, and it then starts from less.
  const pending: ({ group: Occurrence[]; p: number; f: number } | undefined)[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    hashTest(first.framework, first.scope, first.fullName);
    const [p, f] = totals.get(hashHi, hashLo)!;
    if (f > 0) pending.push({ group, p, f }); // else retried, but no attempt failed: counted above
  }
  groups.clear();
  const bigTable = totals.size > 100_000;
  totals.clear();
  if (bigTable) Bun.gc(true);
  // Sources (runs) that have a failure record, and those whose failures all passed on a retry.
  const redSources = new Set<string>();
  const flakySources = new Set<string>();
  for (let i = 0; i < pending.length; i++) {
    const { group, p, f } = pending[i]!;
    pending[i] = undefined; // the raw text of a test is garbage once its record is built
    const first = group[0]!;
    if (p > 0) {
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
    for (const o of group) redSources.add(o.source);
    const record = buildRecord(group, repo(), isAncestor);
    if (p + f > 1) record.attempts = p + f;
    if (record.kind === "error") summary.errors++;
    else summary.failed++;
    failures.push(record);
  }

  // Runs that crashed, wrote nothing, or exited non-zero without a failure record of their own (a report of
  // passes only, or failures that all count as flaky): a red run is never green.
  for (const [i, run] of (opts.runs?.runs ?? []).entries()) {
    const source = `run:${i}:${run.stack.id}`;
    const counts = runCaseCounts.get(source);
    const failedRun = run.exitCode !== 0 || run.signal !== null;
    const noReport = !counts || counts.readable === 0;
    if (!failedRun && !noReport) continue;
    if (redSources.has(source)) continue;
    const record = runnerRecord(run, counts, repo(), flakySources.has(source));
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
function buildRecord(group: Occurrence[], index: RepoIndex, isAncestor: (scope: string, fullName: string) => boolean): FailureRecord {
  const failing = group.filter((o) => isFailing(o.tc.status));
  let best: { o: Occurrence; file: string | null; line: number | null; outsideTest: boolean; score: number } | null = null;
  for (const o of failing) {
    const loc = locate(
      {
        file: o.tc.file,
        line: o.tc.line,
        message: o.tc.message,
        stack: o.tc.stack,
        fullName: o.baseName,
        framework: o.framework,
        nth: o.nth,
      },
      index,
      { cwd: o.cwd },
    );
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
    isAncestor(o.scope, o.fullName);
  const rawMessage = relativizePaths(fullerMessage(o.tc.message?.trim() ?? "", o.tc.stack) || "(no message)", index.root);
  // Redact before cutting, so a cut never leaves the visible half of a secret.
  const message = headAndTail(redact(rawMessage), MAX_MESSAGE_CHARS);
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
    stack: trimStack(redact(o.tc.stack ? relativizePaths(o.tc.stack, index.root) : rawMessage)),
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

function runnerRecord(
  run: RunRecord,
  counts: { cases: number; readable: number } | undefined,
  index: RepoIndex,
  onlyFlaky: boolean,
): FailureRecord {
  const how = run.signal ? `killed by ${run.signal}` : `exited ${run.exitCode}`;
  const what =
    run.reports.length === 0 || !counts || counts.readable === 0
      ? "wrote no readable report"
      : counts.cases === 0
        ? "wrote an empty report"
        : onlyFlaky
          ? "failed, but every failing test of its report passed on a retry"
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
    stack: trimStack(redact(relativizePaths(run.outputTail, index.root) || "(no output)")),
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
