// Measures JUnit report parsing at scale: generates a 1 GB report and 10k/100k-testcase reports into a temp
// folder (streamed to disk), then parses each in a child process with parseJUnitFile and with a bare saxes
// parse of the same file, and prints throughput, peak RSS, the ratio of the two parse times and how time
// grows with the number of cases. Then runs parse-failures end to end (scripts/parse-failures.ts's main, in a
// child process of its own: collectFailures, schema check, failures.json written) on the 1 GB report and on a
// 1 GB report with few failures (0.1%), and prints its time, peak RSS and ratio to the bare saxes parse.
//
// Usage: bun bench/parse-reports.ts [--quick] [--keep] [--dir <folder>] [--strict]   (task bench -- --quick)
// Reads: nothing. Writes: report files into a temp folder (removed at the end unless --keep).
// stdout: the figures. Exit codes: 0 done (targets missed are printed as MISS), 1 a target was missed and
// --strict was given, 2 the bench could not run. Token scopes: none.
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SaxesParser } from "saxes";
import { type ExitCode, helpText, parseArgs, runMain, type FlagSpec } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { parseJUnitFile } from "../lib/parsers/junit.ts";
import { PARSE_FAILURES_ENV } from "../lib/failures/failures-file.ts";
import { main as parseFailuresMain } from "../scripts/parse-failures.ts";

const FLAGS: FlagSpec = {
  quick: { type: "boolean", describe: "small sizes (20 MB, 1k/10k cases) for a smoke test" },
  keep: { type: "boolean", describe: "keep the generated reports" },
  dir: { type: "string", describe: "folder for the generated reports (default: a new temp folder)" },
  strict: { type: "boolean", describe: "exit 1 when a target is missed" },
  "e2e-only": { type: "boolean", describe: "only parse-failures end to end on the two 1 GB reports (skip the parse ratios)" },
  child: { type: "string", describe: "internal: parse one file in this process (junit|bare|e2e)" },
  warm: { type: "string", describe: "internal: parse this many times untimed first (JIT warm-up) in --child mode" },
};

const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 256;
const MB = 1024 * 1024;

interface ChildResult {
  mode: "junit" | "bare" | "e2e";
  /** Wall time of the parse. */
  ms: number;
  /** CPU time (user + system) of the parse: what the ratios use, as it barely moves with other load. */
  cpuMs: number;
  cases: number;
  failed: number;
  maxRssMb: number;
  /** e2e: size of failures.json. */
  outBytes?: number;
}

export async function main(argv: string[]): Promise<ExitCode> {
  if (argv.includes("--help")) {
    process.stdout.write(helpText("bun bench/parse-reports.ts [--quick] [--keep] [--dir <folder>]", FLAGS));
    return 0;
  }
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (flags.child) return runChild(flags.child as string, positionals[0]!, Number(flags.warm ?? 0));

  const quick = flags.quick === true;
  const dir = (flags.dir as string | undefined) ?? mkdtempSync(join(tmpdir(), "heal-bench-"));
  const big = { bytes: quick ? 20 * MB : 1024 * MB };
  const [small, large] = quick ? [1_000, 10_000] : [10_000, 100_000];
  let missed = false;
  try {
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`# report parsing bench (${quick ? "quick" : "full"}), reports in ${dir}`);

    const bigPath = join(dir, "big.xml");
    let t = performance.now();
    const bigGen = await generateReport(bigPath, { bytes: big.bytes });
    out(`generated ${fmtMb(bigGen.bytes)} with ${bigGen.cases} testcases in ${sec(performance.now() - t)}`);
    if (flags["e2e-only"]) {
      const bare = measure(bigPath, 1, 0).bare;
      return (await endToEnd(dir, big.bytes, bigPath, bigGen, bare, out)) || !flags.strict ? 0 : 1;
    }
    const bigRuns = measure(bigPath, quick ? 2 : 3, 0);
    checkCount(bigRuns.junit, bigGen);
    const mbps = bigGen.bytes / MB / (bigRuns.junit.ms / 1000);
    const ratio = bigRuns.junit.cpuMs / bigRuns.bare.cpuMs;
    out(
      `${fmtMb(bigGen.bytes)} report: parseJUnitFile ${sec(bigRuns.junit.ms)} (${mbps.toFixed(1)} MB/s), bare saxes ${sec(bigRuns.bare.ms)} (${(bigGen.bytes / MB / (bigRuns.bare.ms / 1000)).toFixed(1)} MB/s)`,
    );
    const ratioOk = ratio <= TARGET_RATIO;
    const rssOk = bigRuns.junit.maxRssMb < TARGET_RSS_MB;
    out(
      `ratio parseJUnitFile/bare saxes: ${ratio.toFixed(2)}x CPU time (${sec(bigRuns.junit.cpuMs)} / ${sec(bigRuns.bare.cpuMs)}; wall ${(bigRuns.junit.ms / bigRuns.bare.ms).toFixed(2)}x) (target <= ${TARGET_RATIO}x) ${ratioOk ? "PASS" : "MISS"}`,
    );
    out(
      `peak RSS parseJUnitFile: ${bigRuns.junit.maxRssMb.toFixed(0)} MB, bare saxes: ${bigRuns.bare.maxRssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${rssOk ? "PASS" : "MISS"}`,
    );

    const scale: Record<number, { gen: { bytes: number; cases: number }; runs: ReturnType<typeof measure> }> = {};
    for (const cases of [small, large]) {
      const p = join(dir, `cases-${cases}.xml`);
      t = performance.now();
      const gen = await generateReport(p, { cases });
      const runs = measure(p, 3, 1);
      checkCount(runs.junit, gen);
      scale[cases] = { gen, runs };
      // After one warm-up parse JSC is still compiling parseJUnitFile's code on background threads (CPU time
      // that lands in the timed parse, ~100 ms at 100k cases); after three it has settled.
      const settled = measure(p, 3, 3);
      out(
        `${cases} testcases (${fmtMb(gen.bytes)}, 1 warm-up parse): parseJUnitFile ${ms(runs.junit.ms)} (CPU ${ms(runs.junit.cpuMs)}), bare saxes ${ms(runs.bare.ms)} (CPU ${ms(runs.bare.cpuMs)}), ratio ${(runs.junit.cpuMs / runs.bare.cpuMs).toFixed(2)}x CPU (wall ${(runs.junit.ms / runs.bare.ms).toFixed(2)}x); ` +
          `3 warm-up parses (JIT settled): ratio ${(settled.junit.cpuMs / settled.bare.cpuMs).toFixed(2)}x CPU (wall ${(settled.junit.ms / settled.bare.ms).toFixed(2)}x); peak RSS ${runs.junit.maxRssMb.toFixed(0)} MB`,
      );
    }
    const sizeX = scale[large]!.gen.bytes / scale[small]!.gen.bytes;
    const timeX = scale[large]!.runs.junit.cpuMs / scale[small]!.runs.junit.cpuMs;
    const perSize = timeX / sizeX;
    // Linear within noise: per-byte cost of the larger file is not more than 1.5x the smaller one's.
    const linear = perSize <= 1.5;
    out(
      `scale ${large / 1000}k vs ${small / 1000}k testcases: size x${sizeX.toFixed(2)}, CPU time x${timeX.toFixed(2)}, time/size ratio ${perSize.toFixed(2)} (target <= 1.5, proportional) ${linear ? "PASS" : "MISS"}`,
    );

    const e2eOk = await endToEnd(dir, big.bytes, bigPath, bigGen, bigRuns.bare, out);
    missed = !ratioOk || !rssOk || !linear || !e2eOk;
  } finally {
    if (!flags.keep && !flags.dir) rmSync(dir, { recursive: true, force: true });
  }
  return missed && flags.strict ? 1 : 0;
}

/** parse-failures end to end (everything a user runs) on the given report and on one with few failures (0.1%). */
async function endToEnd(
  dir: string,
  bytes: number,
  bigPath: string,
  bigGen: { bytes: number; cases: number; failed?: number },
  bigBare: ChildResult,
  out: (line: string) => void,
): Promise<boolean> {
  const fewPath = join(dir, "big-few-failures.xml");
  const t = performance.now();
  const fewGen = await generateReport(fewPath, { bytes, failing: 0.001 });
  out(`generated ${fmtMb(fewGen.bytes)} with ${fewGen.cases} testcases (${fewGen.failing} failing) in ${sec(performance.now() - t)}`);
  let allOk = true;
  for (const [label, path, gen] of [
    ["few failures", fewPath, fewGen],
    ["the report above", bigPath, bigGen],
  ] as const) {
    const e2e = runInChild("e2e", path, 0);
    checkCount(e2e, gen);
    const bare = path === bigPath ? bigBare : measure(path, 1, 0).bare;
    const ok = e2e.maxRssMb < TARGET_RSS_MB;
    allOk &&= ok;
    out(
      `parse-failures end to end, ${fmtMb(gen.bytes)} (${label}: ${e2e.failed} failure records, failures.json ${fmtMb(e2e.outBytes ?? 0)}): ${sec(e2e.ms)} (${(gen.bytes / MB / (e2e.ms / 1000)).toFixed(1)} MB/s), ratio to bare saxes ${(e2e.cpuMs / bare.cpuMs).toFixed(2)}x CPU, peak RSS ${e2e.maxRssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${ok ? "PASS" : "MISS"}`,
    );
  }
  return allOk;
}

/** Alternates bare and junit child runs `repeat` times; keeps the least CPU time of each and the highest RSS. */
function measure(path: string, repeat: number, warm: number): { junit: ChildResult; bare: ChildResult } {
  let junit: ChildResult | undefined;
  let bare: ChildResult | undefined;
  for (let i = 0; i < repeat; i++) {
    for (const mode of ["bare", "junit"] as const) {
      const r = runInChild(mode, path, warm);
      const best = mode === "junit" ? junit : bare;
      const merged =
        !best || r.cpuMs < best.cpuMs
          ? { ...r, maxRssMb: Math.max(r.maxRssMb, best?.maxRssMb ?? 0) }
          : { ...best, maxRssMb: Math.max(r.maxRssMb, best.maxRssMb) };
      if (mode === "junit") junit = merged;
      else bare = merged;
    }
  }
  return { junit: junit!, bare: bare! };
}

function runInChild(mode: ChildResult["mode"], path: string, warm: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [script, "--child", mode, ...(warm ? ["--warm", String(warm)] : []), path], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    // parse-failures end to end as `task heal:parse-failures` runs it (JSC's FTL tier off).
    ...(mode === "e2e" ? { env: { ...process.env, ...PARSE_FAILURES_ENV } } : {}),
  });
  if (r.status !== 0) throw new HealError("USAGE", `bench child (${mode}) failed: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult;
}

async function runChild(mode: string, path: string, warm: number): Promise<ExitCode> {
  let cases = 0;
  let failed = 0;
  const out = join(dirname(path), "failures-e2e.json");
  const parse = async () => {
    cases = 0;
    failed = 0;
    if (mode === "junit") {
      await parseJUnitFile(path, (c) => {
        cases++;
        if (c.status === "failed" || c.status === "error") failed++;
      });
    } else if (mode === "bare") {
      cases = await bareSaxesParse(path);
    } else if (mode === "e2e") {
      // The script's main as `bun scripts/parse-failures.ts <report> --out <file>` runs it, the report's folder as the repo.
      process.env.HEAL_REPO = dirname(path);
      const code = await parseFailuresMain([path, "--out", out]);
      if (code !== 0) throw new HealError("USAGE", `parse-failures exited ${code}`);
    } else throw new HealError("USAGE", `--child must be junit, bare or e2e, not ${mode}`);
  };
  for (let i = 0; i < warm; i++) await parse();
  const t = performance.now();
  const cpu = process.cpuUsage();
  await parse();
  const used = process.cpuUsage(cpu);
  const result: ChildResult = {
    mode: mode as ChildResult["mode"],
    ms: performance.now() - t,
    cpuMs: (used.user + used.system) / 1000,
    cases,
    failed,
    maxRssMb: peakRssMb(),
  };
  if (mode === "e2e") {
    // Read after measuring: the counts come from the failures.json written.
    const report = JSON.parse(readFileSync(out, "utf8")) as { summary: { total: number }; failures: unknown[] };
    result.cases = report.summary.total;
    result.failed = report.failures.length;
    result.outBytes = statSync(out).size;
    rmSync(out, { force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

/** This process's peak RSS: Linux VmHWM (ru_maxrss survives exec and would count the parent's memory). */
function peakRssMb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** The baseline: the same read + decode, saxes with only an opentag counter. */
async function bareSaxesParse(path: string): Promise<number> {
  const parser = new SaxesParser({ xmlns: false });
  let cases = 0;
  parser.on("opentag", (tag) => {
    if (tag.name === "testcase") cases++;
  });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    parser.write(decoder.decode(chunk, { stream: true }));
  parser.close();
  return cases;
}

function checkCount(r: ChildResult, gen: { cases: number; failed?: number }): void {
  if (r.cases !== gen.cases) throw new HealError("USAGE", `parseJUnitFile saw ${r.cases} testcases, the generator wrote ${gen.cases}`);
}

/** Deterministic xorshift PRNG so every run writes the same report. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/**
 * Streams a pytest-flavoured JUnit report to disk until `bytes` or `cases` is reached: suites of 50
 * testcases, `failing` of them (default 7%) failing with a traceback (5/7 failures, 2/7 errors), 3% skipped,
 * system-out on 10%.
 */
export async function generateReport(
  path: string,
  until: { bytes?: number; cases?: number; failing?: number },
): Promise<{ bytes: number; cases: number; failing: number }> {
  const failing = until.failing ?? 0.07;
  let failingCases = 0;
  const rand = prng(42);
  const out = createWriteStream(path);
  let bytes = 0;
  let cases = 0;
  let buf: string[] = [];
  let bufLen = 0;
  const flush = async () => {
    const text = buf.join("");
    buf = [];
    bufLen = 0;
    if (!out.write(text)) await new Promise((r) => out.once("drain", r));
  };
  const emit = async (s: string) => {
    buf.push(s);
    bufLen += s.length;
    bytes += Buffer.byteLength(s);
    if (bufLen > 1 << 20) await flush();
  };
  const done = () => (until.cases !== undefined ? cases >= until.cases : bytes >= (until.bytes ?? 0));
  await emit(`<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench" tests="0">\n`);
  for (let suite = 0; !done(); suite++) {
    // The suite's counts are written once its cases are (the last suite may hold fewer than 50), as pytest does.
    const body: string[] = [];
    const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const suiteEmit = (s: string) => {
      body.push(s);
      bytes += Buffer.byteLength(s);
    };
    for (let i = 0; i < 50 && !done(); i++, cases++) {
      counts.tests++;
      const r = rand();
      const mod = `tests.unit.test_module_${suite % 97}`;
      const cls = i % 3 === 0 ? `${mod}.TestGroup${i % 5}` : mod;
      const open = `    <testcase classname="${cls}" name="test_case_${cases}[param-${i % 7}-&lt;edge&gt;]" time="0.${(i * 37) % 1000}"`;
      if (r < failing) failingCases++;
      if (r < (failing * 5) / 7) {
        counts.failures++;
        suiteEmit(
          `${open}>\n      <failure message="assert 13 == 14&#10; +  where 13 = add(6, 7) &amp; more">${traceback(cases)}</failure>\n    </testcase>\n`,
        );
      } else if (r < failing) {
        counts.errors++;
        suiteEmit(
          `${open}>\n      <error message="failed on setup with &quot;RuntimeError: fixture broke&quot;">${traceback(cases)}</error>\n    </testcase>\n`,
        );
      } else if (r < failing + 0.03) {
        counts.skipped++;
        suiteEmit(
          `${open}>\n      <skipped type="pytest.skip" message="not on this platform">/src/tests/unit/test_module.py:${i}: not on this platform</skipped>\n    </testcase>\n`,
        );
      } else if (r < failing + 0.13) {
        suiteEmit(
          `${open}>\n      <system-out><![CDATA[${"captured log line: value=42 status=ok <tag> & friends\n".repeat(10)}]]></system-out>\n    </testcase>\n`,
        );
      } else suiteEmit(`${open} />\n`);
    }
    const head = `  <testsuite name="pytest" errors="${counts.errors}" failures="${counts.failures}" skipped="${counts.skipped}" tests="${counts.tests}" time="1.5" hostname="bench">\n`;
    bytes -= Buffer.byteLength(body.join(""));
    await emit(head);
    for (const piece of body) await emit(piece);
    await emit(`  </testsuite>\n`);
  }
  await emit(`</testsuites>\n`);
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { bytes: statSync(path).size, cases, failing: failingCases };
}

function traceback(n: number): string {
  const frames = Array.from(
    { length: 12 },
    (_, k) => `\n/src/lib/module_${k}.py:${100 + k}: in helper_${k}\n    return helper_${k + 1}(value &amp; mask)`,
  ).join("");
  return `def test_case_${n}():\n&gt;       assert add(6, 7) == 14\nE       assert 13 == 14${frames}\n\ntests/unit/test_module.py:${n % 400}: AssertionError`;
}

const fmtMb = (bytes: number) => `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1)} MB`;
const sec = (m: number) => `${(m / 1000).toFixed(2)} s`;
const ms = (m: number) => `${m.toFixed(0)} ms`;

runMain(import.meta, main);
