// Benchmark results in one shape whatever wrote them, detected by content like the test reports: vitest bench
// JSON (`vitest bench --outputJson`), pytest-benchmark JSON (`--benchmark-json`), `go test -bench` text,
// hyperfine JSON (`--export-json`), tinybench task results and benchmark.js suites serialized as JSON.
// Every time is nanoseconds per operation, so a baseline from one unit compares with a run in another.
import { readFileSync } from "node:fs";
import { HealError } from "../errors.ts";

export type PerfFormat = "vitest-bench" | "pytest-benchmark" | "go-bench" | "hyperfine" | "tinybench" | "benchmark-js";

export interface BenchResult {
  /** Stable name: the suite path and the benchmark's own name. */
  name: string;
  format: PerfFormat;
  /** Mean time per operation, nanoseconds. */
  meanNs: number;
  /** Standard deviation of the per-operation time, nanoseconds, when the tool reports it. */
  sdNs: number | null;
  /** How many samples the mean is over. */
  n: number;
  /** The samples themselves (nanoseconds), when the tool keeps them. */
  samplesNs: number[] | null;
}

const MS = 1e6;
const S = 1e9;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const nums = (v: unknown, scale: number): number[] | null =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number") ? v.map((x) => x * scale) : null;

/** The format of a benchmark file's text, or null when it is none of them. */
export function detectPerfFormat(text: string): PerfFormat | null {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      return null;
    }
    if (isObj(data) && Array.isArray(data.files) && data.files.some((f) => isObj(f) && Array.isArray(f.groups))) return "vitest-bench";
    if (isObj(data) && Array.isArray(data.benchmarks) && data.benchmarks.some((b) => isObj(b) && isObj(b.stats) && "rounds" in b.stats))
      return "pytest-benchmark";
    if (isObj(data) && Array.isArray(data.results) && data.results.some((r) => isObj(r) && typeof r.command === "string"))
      return "hyperfine";
    const list = Array.isArray(data)
      ? data
      : isObj(data) && Array.isArray(data.tasks)
        ? data.tasks
        : isObj(data) && Array.isArray(data.benchmarks)
          ? data.benchmarks
          : null;
    if (list?.some((t) => isObj(t) && isObj(t.stats) && Array.isArray(t.stats.sample))) return "benchmark-js";
    if (list?.some((t) => isObj(t) && isObj(t.result) && ("mean" in t.result || "latency" in t.result))) return "tinybench";
    return null;
  }
  return /^Benchmark\S*\s+\d+\s+[\d.]+ ns\/op/m.test(text) ? "go-bench" : null;
}

/** Reads one benchmark file (format detected unless given). */
export function readBenchFile(path: string, format?: PerfFormat): { format: PerfFormat; results: BenchResult[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new HealError("INPUT_MISSING", `cannot read the benchmark file (${(e as Error).message})`, path);
  }
  const f = format ?? detectPerfFormat(text);
  if (!f)
    throw new HealError(
      "REPORT_UNREADABLE",
      "not a benchmark result this tool reads (vitest, pytest-benchmark, go -bench, hyperfine, tinybench, benchmark.js)",
      path,
    );
  return { format: f, results: parseBench(text, f) };
}

export function parseBench(text: string, format: PerfFormat): BenchResult[] {
  if (format === "go-bench") return parseGoBench(text);
  const data = JSON.parse(text) as unknown;
  switch (format) {
    case "vitest-bench":
      return parseVitest(data);
    case "pytest-benchmark":
      return parsePytest(data);
    case "hyperfine":
      return parseHyperfine(data);
    case "tinybench":
      return parseTinybench(data);
    case "benchmark-js":
      return parseBenchmarkJs(data);
  }
}

function parseVitest(data: unknown): BenchResult[] {
  const out: BenchResult[] = [];
  for (const file of isObj(data) && Array.isArray(data.files) ? data.files : []) {
    if (!isObj(file)) continue;
    for (const group of Array.isArray(file.groups) ? file.groups : []) {
      if (!isObj(group)) continue;
      for (const b of Array.isArray(group.benchmarks) ? group.benchmarks : []) {
        if (!isObj(b) || typeof b.name !== "string") continue;
        const mean = num(b.mean);
        if (mean === null) continue;
        const samples = nums(b.samples, MS);
        const sd = num(b.sd);
        out.push({
          name: `${typeof group.fullName === "string" ? group.fullName : String(file.filepath ?? "")} > ${b.name}`,
          format: "vitest-bench",
          meanNs: mean * MS,
          sdNs: sd === null ? null : sd * MS,
          n: num(b.sampleCount) ?? samples?.length ?? 1,
          samplesNs: samples,
        });
      }
    }
  }
  return out;
}

function parsePytest(data: unknown): BenchResult[] {
  const out: BenchResult[] = [];
  for (const b of isObj(data) && Array.isArray(data.benchmarks) ? data.benchmarks : []) {
    if (!isObj(b) || !isObj(b.stats)) continue;
    const mean = num(b.stats.mean);
    if (mean === null) continue;
    const samples = nums(b.stats.data, S);
    const sd = num(b.stats.stddev);
    out.push({
      name: typeof b.fullname === "string" ? b.fullname : String(b.name),
      format: "pytest-benchmark",
      meanNs: mean * S,
      sdNs: sd === null ? null : sd * S,
      n: num(b.stats.rounds) ?? samples?.length ?? 1,
      samplesNs: samples,
    });
  }
  return out;
}

function parseHyperfine(data: unknown): BenchResult[] {
  const out: BenchResult[] = [];
  for (const r of isObj(data) && Array.isArray(data.results) ? data.results : []) {
    if (!isObj(r) || typeof r.command !== "string") continue;
    const mean = num(r.mean);
    if (mean === null) continue;
    const samples = nums(r.times, S);
    const sd = num(r.stddev);
    out.push({
      name: r.command,
      format: "hyperfine",
      meanNs: mean * S,
      sdNs: sd === null ? null : sd * S,
      n: samples?.length ?? 1,
      samplesNs: samples,
    });
  }
  return out;
}

function taskList(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  if (isObj(data) && Array.isArray(data.tasks)) return data.tasks;
  if (isObj(data) && Array.isArray(data.benchmarks)) return data.benchmarks;
  return [];
}

/** tinybench `bench.tasks.map(({name, result}) => ({name, result}))`: v2 has result.mean/sd/samples (ms), v3+ result.latency. */
function parseTinybench(data: unknown): BenchResult[] {
  const out: BenchResult[] = [];
  for (const t of taskList(data)) {
    if (!isObj(t) || typeof t.name !== "string" || !isObj(t.result)) continue;
    const stats = isObj(t.result.latency) ? t.result.latency : t.result;
    const mean = num(stats.mean);
    if (mean === null) continue;
    const samples = nums(stats.samples, MS);
    const sd = num(stats.sd);
    out.push({
      name: t.name,
      format: "tinybench",
      meanNs: mean * MS,
      sdNs: sd === null ? null : sd * MS,
      n: num(stats.samplesCount) ?? samples?.length ?? 1,
      samplesNs: samples,
    });
  }
  return out;
}

/** benchmark.js Benchmark objects as JSON: stats.mean/deviation/sample in seconds. */
function parseBenchmarkJs(data: unknown): BenchResult[] {
  const out: BenchResult[] = [];
  for (const t of taskList(data)) {
    if (!isObj(t) || typeof t.name !== "string" || !isObj(t.stats)) continue;
    const mean = num(t.stats.mean);
    if (mean === null) continue;
    const samples = nums(t.stats.sample, S);
    const sd = num(t.stats.deviation);
    out.push({
      name: t.name,
      format: "benchmark-js",
      meanNs: mean * S,
      sdNs: sd === null ? null : sd * S,
      n: samples?.length ?? 1,
      samplesNs: samples,
    });
  }
  return out;
}

/** `go test -bench` text: one line per run; `-count N` repeats a benchmark, and the repeats are its samples. */
function parseGoBench(text: string): BenchResult[] {
  const byName = new Map<string, number[]>();
  let pkg = "";
  for (const line of text.split(/\r?\n/)) {
    const p = /^pkg: (\S+)/.exec(line);
    if (p) {
      pkg = p[1]!;
      continue;
    }
    const m = /^(Benchmark\S*?)(?:-\d+)?\s+\d+\s+([\d.]+(?:e[+-]?\d+)?) ns\/op/.exec(line);
    if (!m) continue;
    const name = pkg ? `${pkg}.${m[1]}` : m[1]!;
    const list = byName.get(name) ?? [];
    list.push(Number(m[2]));
    byName.set(name, list);
  }
  return [...byName].map(([name, samples]) => {
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const sd = samples.length > 1 ? Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1)) : null;
    return { name, format: "go-bench" as const, meanNs: mean, sdNs: sd, n: samples.length, samplesNs: samples.length > 1 ? samples : null };
  });
}
