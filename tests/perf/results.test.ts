// Each benchmark format read from real tool output: vitest bench and tinybench (toolkit's node_modules), pytest-benchmark
// (Debian python3-pytest-benchmark), go test -bench (live and a committed run), hyperfine (Debian); benchmark.js from a
// stated-origin file (tests/fixtures/perf/README.md).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectPerfFormat, readBenchFile } from "../../lib/perf/results.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { tempFolders } from "../support/temp-folders.ts";

const folder = tempFolders();
const FIXTURES = join(TOOLKIT_ROOT, "tests/fixtures/perf");

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", CI: "true" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stdout}\n${r.stderr}`);
}

describe("vitest bench --outputJson (vitest 4.1.12)", () => {
  test("each bench named by file > describe > name, mean/sd in ns, sampleCount as n", () => {
    const dir = folder(
      {
        "package.json": '{"type":"module"}',
        "sum.bench.ts": `import { bench, describe } from "vitest";
describe("sum", () => {
  bench("loop", () => { let s = 0; for (let i = 0; i < 100; i++) s += i; }, { iterations: 10, time: 20 });
  bench("reduce", () => { [1, 2, 3].reduce((a, b) => a + b, 0); }, { iterations: 10, time: 20 });
});
`,
      },
      { nodeModules: true },
    );
    run("node", ["node_modules/vitest/vitest.mjs", "bench", "--run", "--outputJson", "bench.json"], dir);
    const text = readFileSync(join(dir, "bench.json"), "utf8");
    expect(detectPerfFormat(text)).toBe("vitest-bench");
    const { format, results } = readBenchFile(join(dir, "bench.json"));
    expect(format).toBe("vitest-bench");
    expect(results.map((r) => r.name)).toEqual(["sum.bench.ts > sum > loop", "sum.bench.ts > sum > reduce"]);
    const raw = JSON.parse(text).files[0].groups[0].benchmarks;
    for (const [i, r] of results.entries()) {
      expect(r.meanNs).toBeCloseTo(raw[i].mean * 1e6, 6);
      expect(r.sdNs!).toBeCloseTo(raw[i].sd * 1e6, 6);
      expect(r.n).toBe(raw[i].sampleCount);
      expect(r.n).toBeGreaterThanOrEqual(10);
    }
  }, 120_000);
});

describe("tinybench 2.9.0 task results", () => {
  test("samples (ms) become ns samples; n is their count", () => {
    const dir = folder(
      {
        "package.json": '{"type":"module"}',
        "run.mjs": `import { Bench } from "tinybench";
import { writeFileSync } from "node:fs";
const bench = new Bench({ iterations: 8, time: 10 });
bench.add("join", () => ["a", "b"].join(","));
await bench.run();
writeFileSync("tiny.json", JSON.stringify(bench.tasks.map(({ name, result }) => ({ name, result }))));
`,
      },
      { nodeModules: true },
    );
    run("node", ["run.mjs"], dir);
    const raw = JSON.parse(readFileSync(join(dir, "tiny.json"), "utf8"))[0].result;
    const { format, results } = readBenchFile(join(dir, "tiny.json"));
    expect(format).toBe("tinybench");
    expect(results).toHaveLength(1);
    expect(results[0]!.name).toBe("join");
    expect(results[0]!.n).toBe(raw.samples.length);
    expect(results[0]!.samplesNs![0]).toBeCloseTo(raw.samples[0] * 1e6, 6);
    expect(results[0]!.meanNs).toBeCloseTo(raw.mean * 1e6, 6);
  }, 60_000);
});

describe("pytest-benchmark --benchmark-json (python3-pytest-benchmark 3.2.2)", () => {
  test("fullname, seconds to ns, rounds as n, stats.data as samples", () => {
    const dir = folder({
      "test_sum.py":
        "def test_sum(benchmark):\n    benchmark(lambda: sum(range(50)))\n\ndef test_join(benchmark):\n    benchmark(lambda: ','.join('abc'))\n",
    });
    run(
      "/usr/bin/python3",
      [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--benchmark-json=bench.json",
        "--benchmark-min-rounds=5",
        "--benchmark-max-time=0.02",
      ],
      dir,
    );
    const text = readFileSync(join(dir, "bench.json"), "utf8");
    const { format, results } = readBenchFile(join(dir, "bench.json"));
    expect(format).toBe("pytest-benchmark");
    expect(results.map((r) => r.name).sort()).toEqual(["test_sum.py::test_join", "test_sum.py::test_sum"]);
    const raw = JSON.parse(text).benchmarks.find((b: { fullname: string }) => b.fullname === "test_sum.py::test_sum").stats;
    const sum = results.find((r) => r.name === "test_sum.py::test_sum")!;
    expect(sum.meanNs).toBeCloseTo(raw.mean * 1e9, 3);
    expect(sum.sdNs!).toBeCloseTo(raw.stddev * 1e9, 3);
    expect(sum.n).toBe(raw.rounds);
    expect(sum.samplesNs).toHaveLength(raw.data.length);
  }, 120_000);
});

describe("go test -bench", () => {
  test("the committed -count 3 run: package-qualified names without the -GOMAXPROCS suffix, three samples each", () => {
    const { format, results } = readBenchFile(join(FIXTURES, "go-bench-count3.txt"));
    expect(format).toBe("go-bench");
    expect(results.map((r) => [r.name, r.samplesNs])).toEqual([
      ["example.com/sum.BenchmarkLoop", [39.42, 43.8, 44.75]],
      ["example.com/sum.BenchmarkAlloc", [1.237, 0.957, 0.9675]],
    ]);
    expect(results[0]!.meanNs).toBeCloseTo((39.42 + 43.8 + 44.75) / 3, 10);
    expect(results[0]!.n).toBe(3);
  });
  test("a live run with -count 2", () => {
    const dir = folder({
      "go.mod": "module example.com/live\n\ngo 1.21\n",
      "live_test.go":
        'package live\n\nimport "testing"\n\nfunc BenchmarkSquare(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\t_ = i * i\n\t}\n}\n',
    });
    const r = spawnSync("go", ["test", "-run", "^$", "-bench", ".", "-count", "2", "-benchtime", "1000x"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
    });
    expect(r.status).toBe(0);
    expect(detectPerfFormat(r.stdout)).toBe("go-bench");
    const path = join(dir, "bench.txt");
    writeFileSync(path, r.stdout);
    const { results } = readBenchFile(path);
    expect(results.map((x) => [x.name, x.n])).toEqual([["example.com/live.BenchmarkSquare", 2]]);
  }, 120_000);
});

describe("hyperfine --export-json (hyperfine 1.15.0)", () => {
  test("the command is the name; times (s) are the samples", () => {
    const dir = folder({});
    run("hyperfine", ["--runs", "3", "--export-json", "h.json", "--shell=none", "true"], dir);
    const raw = JSON.parse(readFileSync(join(dir, "h.json"), "utf8")).results[0];
    const { format, results } = readBenchFile(join(dir, "h.json"));
    expect(format).toBe("hyperfine");
    expect(results.map((r) => [r.name, r.n])).toEqual([["true", 3]]);
    expect(results[0]!.samplesNs).toEqual(raw.times.map((t: number) => t * 1e9));
  }, 60_000);
});

describe("benchmark.js suite JSON (stated origin)", () => {
  test("stats in seconds become ns; the sample list is kept", () => {
    const { format, results } = readBenchFile(join(FIXTURES, "benchmark-js.json"));
    expect(format).toBe("benchmark-js");
    expect(results.map((r) => [r.name, Math.round(r.meanNs), r.n])).toEqual([
      ["RegExp#test", 200, 5],
      ["String#indexOf", 100, 4],
    ]);
    expect(results[0]!.sdNs).toBeCloseTo(2, 10);
  });
});

describe("detection", () => {
  test("a test report or plain text is no benchmark; unreadable input is REPORT_UNREADABLE", () => {
    expect(detectPerfFormat('{"numTotalTests": 1, "testResults": []}')).toBeNull();
    expect(detectPerfFormat("ok  \texample.com/sum\t0.1s\n")).toBeNull();
    expect(detectPerfFormat("{not json")).toBeNull();
  });
});
