// The regression rule: a benchmark regressed when it is slower than the baseline by more than the config's
// relative threshold AND, where the tool kept samples or their spread, a statistical test says the difference
// is beyond noise (Mann-Whitney U over samples, else Welch's t from mean/sd/n; p below alpha). Verify applies
// the same rule to the fix, so "fixed" means exactly "no longer a regression".
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { HealError } from "../errors.ts";
import { detectPerfFormat, parseBench, type BenchResult } from "./results.ts";
import { mannWhitneyU, welchT, type TestResult } from "./stats.ts";

export const DEFAULT_ALPHA = 0.05;
/** Samples a baseline keeps per benchmark (evenly spaced), so the file stays small for pytest's thousands. */
export const MAX_BASELINE_SAMPLES = 500;

export interface PerfBaseline {
  kind: "perf-baseline";
  version: 1;
  branch: string | null;
  commit: string | null;
  createdAt: string;
  results: BenchResult[];
}

export interface PerfComparison {
  name: string;
  format: BenchResult["format"];
  baselineNs: number;
  currentNs: number;
  /** current / baseline mean: 1.40 is 40% slower. */
  ratio: number;
  baselineN: number;
  currentN: number;
  test: TestResult | null;
  regression: boolean;
  /** Why it is or is not a regression, in one line. */
  reason: string;
}

export interface PerfVerdict {
  threshold: number;
  alpha: number;
  compared: PerfComparison[];
  regressions: PerfComparison[];
  /** Benchmarks in the run that the baseline lacks (new ones: nothing to compare). */
  unmatched: string[];
}

/** Compares each current benchmark with the baseline's of the same name. `thresholdPct` is percent (10 = 10%). */
export function comparePerf(baseline: BenchResult[], current: BenchResult[], opts: { thresholdPct: number; alpha?: number }): PerfVerdict {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const limit = 1 + opts.thresholdPct / 100;
  const base = new Map(baseline.map((b) => [b.name, b]));
  const compared: PerfComparison[] = [];
  const unmatched: string[] = [];
  for (const cur of current) {
    const b = base.get(cur.name);
    if (!b || b.meanNs <= 0) {
      unmatched.push(cur.name);
      continue;
    }
    const ratio = cur.meanNs / b.meanNs;
    const test = significance(b, cur, alpha);
    const slower = ratio > limit;
    const significant = test === null || test.p < alpha;
    const pct = `${((ratio - 1) * 100).toFixed(1)}%`;
    const reason = !slower
      ? `${pct} is within the ${opts.thresholdPct}% threshold`
      : !significant
        ? `${pct} slower, but within noise (${test!.method} p=${test!.p.toPrecision(3)} >= ${alpha})`
        : test
          ? `${pct} slower (${test.method} p=${test.p.toPrecision(3)} < ${alpha})`
          : `${pct} slower (no samples to test: threshold only)`;
    compared.push({
      name: cur.name,
      format: cur.format,
      baselineNs: b.meanNs,
      currentNs: cur.meanNs,
      ratio,
      baselineN: b.n,
      currentN: cur.n,
      test,
      regression: slower && significant,
      reason,
    });
  }
  return { threshold: opts.thresholdPct, alpha, compared, regressions: compared.filter((c) => c.regression), unmatched };
}

/**
 * The test the two results allow: samples on both sides -> Mann-Whitney, unless so few that even fully separated
 * samples cannot reach alpha (3 vs 3: p = 0.1), then Welch's t over their mean and spread; spreads -> Welch; else none.
 */
function significance(b: BenchResult, c: BenchResult, alpha: number): TestResult | null {
  const bs = b.samplesNs;
  const cs = c.samplesNs;
  if (bs && cs && bs.length >= 2 && cs.length >= 2) {
    if (2 / binomial(bs.length + cs.length, bs.length) < alpha) return mannWhitneyU(bs, cs);
    return welchT(summaryOf(cs), summaryOf(bs));
  }
  if (b.sdNs !== null && c.sdNs !== null && b.n >= 2 && c.n >= 2) {
    return welchT({ mean: c.meanNs, sd: c.sdNs, n: c.n }, { mean: b.meanNs, sd: b.sdNs, n: b.n });
  }
  return null;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function summaryOf(xs: number[]): { mean: number; sd: number; n: number } {
  const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1)), n: xs.length };
}

/** A baseline for the given results, its sample lists thinned to MAX_BASELINE_SAMPLES. */
export function makeBaseline(results: BenchResult[], meta: { branch: string | null; commit: string | null; now?: Date }): PerfBaseline {
  return {
    kind: "perf-baseline",
    version: 1,
    branch: meta.branch,
    commit: meta.commit,
    createdAt: (meta.now ?? new Date()).toISOString(),
    results: results.map((r) => ({ ...r, samplesNs: r.samplesNs ? thin(r.samplesNs, MAX_BASELINE_SAMPLES) : null })),
  };
}

function thin(values: number[], max: number): number[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)]!);
}

export function writeBaseline(path: string, baseline: PerfBaseline): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** A baseline file: the tool's own (`kind: perf-baseline`) or any benchmark result file (the last run's artifact). */
export function readBaseline(path: string): PerfBaseline {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new HealError("INPUT_MISSING", `cannot read the perf baseline (${(e as Error).message})`, path);
  }
  return parseBaseline(text, path);
}

/** A baseline's text (`origin` names it in errors): the tool's own JSON, or any benchmark result. */
export function parseBaseline(text: string, origin: string): PerfBaseline {
  try {
    const data = JSON.parse(text) as Partial<PerfBaseline>;
    if (data && data.kind === "perf-baseline" && Array.isArray(data.results)) return data as PerfBaseline;
  } catch {
    // not JSON: maybe go -bench text, read below
  }
  const format = detectPerfFormat(text);
  if (!format) throw new HealError("REPORT_UNREADABLE", "neither a perf baseline nor a benchmark result", origin);
  return { kind: "perf-baseline", version: 1, branch: null, commit: null, createdAt: "", results: parseBench(text, format) };
}
