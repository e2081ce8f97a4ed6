import { describe, expect, test } from "bun:test";
import { comparePerf, makeBaseline, MAX_BASELINE_SAMPLES, readBaseline, writeBaseline } from "../../lib/perf/compare.ts";
import { readBenchFile, type BenchResult } from "../../lib/perf/results.ts";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { mulberry32 } from "../support/prng.ts";
import { tempFolders } from "../support/temp-folders.ts";

const folder = tempFolders();

/** n samples around `mean` with relative noise `spread` (seeded, so the test is the same every run). */
function samples(seed: number, n: number, mean: number, spread: number): number[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => mean * (1 + (rnd() - 0.5) * 2 * spread));
}
function result(name: string, xs: number[]): BenchResult {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { name, format: "go-bench", meanNs: mean, sdNs: sd, n: xs.length, samplesNs: xs };
}

describe("the regression rule", () => {
  test("a 3% change within noise is not a regression, even with a 2% threshold", () => {
    const noisy = samples(1, 10, 100, 0.2);
    const base = result("parse", noisy);
    const cur = result(
      "parse",
      noisy.map((x) => x * 1.03),
    );
    const v = comparePerf([base], [cur], { thresholdPct: 2 });
    expect(v.compared[0]!.ratio).toBeCloseTo(1.03, 10);
    expect(v.compared[0]!.test!.method).toBe("mann-whitney-normal");
    expect(v.compared[0]!.test!.p).toBeGreaterThan(0.05);
    expect(v.regressions).toEqual([]);
    expect(v.compared[0]!.reason).toMatch(/slower, but within noise \(mann-whitney-normal p=0\.\d+ >= 0\.05\)/);
  });
  test("a 40% change with separated samples is a regression", () => {
    const base = result("parse", samples(3, 5, 100, 0.05));
    const cur = result("parse", samples(4, 5, 140, 0.05));
    const v = comparePerf([base], [cur], { thresholdPct: 10 });
    expect(v.regressions.map((r) => r.name)).toEqual(["parse"]);
    expect(v.regressions[0]!.test).toEqual({ statistic: 0, p: 2 / 252, method: "mann-whitney-exact" });
    expect(v.regressions[0]!.ratio).toBeGreaterThan(1.3);
  });
  test("40% slower in the mean but samples that overlap wholly (one outlier) is within noise", () => {
    const base = result("parse", [100, 101, 99, 100, 102, 98]);
    const cur = result("parse", [100, 101, 99, 100, 102, 338]);
    const v = comparePerf([base], [cur], { thresholdPct: 10 });
    expect(v.compared[0]!.ratio).toBeCloseTo(1.4, 10);
    expect(v.regressions).toEqual([]);
  });
  test("without samples, Welch's t over mean/sd/n decides; without spread, the threshold alone", () => {
    const base: BenchResult = { name: "a", format: "vitest-bench", meanNs: 100, sdNs: 2, n: 50, samplesNs: null };
    const cur: BenchResult = { ...base, meanNs: 130 };
    expect(comparePerf([base], [cur], { thresholdPct: 10 }).regressions[0]!.test!.method).toBe("welch");
    const bare = { ...base, sdNs: null, n: 1 };
    const v = comparePerf([bare], [{ ...bare, meanNs: 111 }], { thresholdPct: 10 });
    expect(v.regressions[0]!.reason).toBe("11.0% slower (no samples to test: threshold only)");
    expect(comparePerf([bare], [{ ...bare, meanNs: 109 }], { thresholdPct: 10 }).regressions).toEqual([]);
  });
  test("3 vs 3 samples cannot reach p < 0.05 with Mann-Whitney (min 0.1): Welch's t over them decides", () => {
    const go = readBenchFile(join(TOOLKIT_ROOT, "tests/fixtures/perf/go-bench-count3.txt")).results;
    const slower = go.map((r) => ({ ...r, samplesNs: r.samplesNs!.map((x) => x + 20), meanNs: r.meanNs + 20 }));
    const v = comparePerf(go, slower, { thresholdPct: 10 });
    expect(v.compared.map((c) => [c.name, c.test!.method, c.regression])).toEqual([
      ["example.com/sum.BenchmarkLoop", "welch", true],
      ["example.com/sum.BenchmarkAlloc", "welch", true],
    ]);
    expect(v.compared[0]!.ratio).toBeCloseTo(1 + 20 / ((39.42 + 43.8 + 44.75) / 3), 10);
  });
  test("faster is never a regression; a benchmark the baseline lacks is listed as unmatched", () => {
    const base = result("a", samples(5, 8, 100, 0.01));
    const v = comparePerf([base], [result("a", samples(6, 8, 50, 0.01)), result("new", [1, 2])], { thresholdPct: 5 });
    expect(v.regressions).toEqual([]);
    expect(v.unmatched).toEqual(["new"]);
  });
});

describe("baseline file", () => {
  test("written and read back equal; samples thinned to the cap; any benchmark file serves as a baseline", () => {
    const dir = folder({});
    const big = result("many", samples(7, 2000, 10, 0.1));
    const b = makeBaseline([big], { branch: "dev", commit: "abc123", now: new Date("2026-01-02T03:04:05Z") });
    expect(b.results[0]!.samplesNs).toHaveLength(MAX_BASELINE_SAMPLES);
    const path = join(dir, ".agent/perf/baseline.json");
    writeBaseline(path, b);
    expect(readBaseline(path)).toEqual(b);
    const goFile = join(TOOLKIT_ROOT, "tests/fixtures/perf/go-bench-count3.txt");
    expect(readBaseline(goFile).results).toEqual(readBenchFile(goFile).results);
  });
});
