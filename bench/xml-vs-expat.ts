// Issue 8's CPU target: on a 100k-case and a 300 MB JUnit report (made by bench/parse-reports.ts's generator)
// it measures, each in a child process of its own, the CPU time (user + system, all threads: JIT and GC
// included) of Python's xml.etree.ElementTree.iterparse (C expat) counting testcases and failures with elements
// cleared, of lib/parsers/xml-stream.ts's streamXml with only a counting handler, of parseJUnitFile counting
// cases and failures, and of parse-failures end to end (scripts/parse-failures.ts's main: parse, records,
// schema check, failures.json written); each the median of several runs, and prints each ratio to expat. Every
// child runs with PARSE_FAILURES_ENV, as `task heal:parse-failures` runs the script.
// It also prints the runtime's floor for that work: the same reads decoded to text by TextDecoder (nothing
// scanned) plus JSON.stringify and the write of the same failures.json, i.e. what end to end costs in this
// runtime before a single tag is read or a record is built.
// Process start-up and module loading are outside every figure (expat's too).
//
// Usage: bun bench/xml-vs-expat.ts [--quick] [--keep] [--dir <folder>] [--runs n]
// Reads: nothing. Writes: report files into a temp folder (removed at the end unless --keep).
// stdout: the figures. Exit codes: 0 done, 2 the bench could not run (no python3). Token scopes: none.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExitCode, type FlagSpec, helpText, parseArgs, runMain } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { parseJUnitFile } from "../lib/parsers/junit.ts";
import { IGNORE_DTD, streamXml } from "../lib/parsers/xml-stream.ts";
import { PARSE_FAILURES_ENV } from "../lib/failures/failures-file.ts";
import { main as parseFailuresMain } from "../scripts/parse-failures.ts";
import { generateReport } from "./parse-reports.ts";

const FLAGS: FlagSpec = {
  quick: { type: "boolean", describe: "small sizes (10k cases, 20 MB) for a smoke test" },
  keep: { type: "boolean", describe: "keep the generated reports" },
  dir: { type: "string", describe: "folder for the generated reports (default: a new temp folder)" },
  child: { type: "string", describe: "internal: parse one file in this process (stream|junit|e2e|floor)" },
  records: { type: "string", describe: "internal: the failures.json the floor child stringifies again" },
  runs: { type: "string", describe: "runs of each measurement, the median is printed (default 5)" },
};
const MB = 1024 * 1024;

/** C expat through ElementTree, elements cleared as they end: the baseline issue 8 names. */
const EXPAT = `
import sys, time, xml.etree.ElementTree as ET
t = time.process_time()
cases = failed = 0
for _, el in ET.iterparse(sys.argv[1], events=("end",)):
    if el.tag == "testcase":
        cases += 1
        if el.find("failure") is not None or el.find("error") is not None:
            failed += 1
        el.clear()
    elif el.tag == "testsuite":
        el.clear()
print('{"cpuMs": %f, "cases": %d, "failed": %d}' % ((time.process_time() - t) * 1000, cases, failed))
`;

interface Run {
  cpuMs: number;
  cases: number;
  failed: number;
}

export async function main(argv: string[]): Promise<ExitCode> {
  if (argv.includes("--help")) {
    process.stdout.write(helpText("bun bench/xml-vs-expat.ts [--quick] [--keep] [--dir <folder>] [--runs n]", FLAGS));
    return 0;
  }
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (flags.child) return child(flags.child as string, positionals[0]!, flags.records as string | undefined);
  if (!Bun.which("python3")) throw new HealError("USAGE", "python3 is needed for the expat baseline");
  const quick = flags.quick === true;
  const repeat = Number(flags.runs ?? 5);
  if (!Number.isInteger(repeat) || repeat < 1) throw new HealError("USAGE", "--runs must be a whole number of at least 1");
  const dir = (flags.dir as string | undefined) ?? mkdtempSync(join(tmpdir(), "heal-expat-"));
  try {
    const sizes = [
      { label: quick ? "10k cases" : "100k cases", until: { cases: quick ? 10_000 : 100_000 } },
      { label: quick ? "20 MB" : "300 MB", until: { bytes: quick ? 20 * MB : 300 * MB } },
    ];
    for (const { label, until } of sizes) {
      const path = join(dir, `${label.replace(/\W+/g, "-")}.xml`);
      const gen = await generateReport(path, until);
      // The median of several runs, each kind in turn: the machine is shared, and CPU time moves with load.
      const runs: Record<"expat" | "stream" | "junit" | "e2e" | "floor", Run[]> = { expat: [], stream: [], junit: [], e2e: [], floor: [] };
      for (let i = 0; i < repeat; i++) {
        runs.expat.push(runPython(path));
        for (const mode of ["stream", "junit", "e2e"] as const) runs[mode].push(runChild(mode, path));
        // The e2e child left its failures.json: the floor writes the same records again.
        runs.floor.push(runChild("floor", path, ["--records", e2eOut(path)]));
      }
      rmSync(e2eOut(path), { force: true });
      const median = (rs: Run[]) => rs.slice().sort((a, b) => a.cpuMs - b.cpuMs)[rs.length >> 1]!;
      const [expat, stream, junit, e2e, floor] = [runs.expat, runs.stream, runs.junit, runs.e2e, runs.floor].map(median) as [
        Run,
        Run,
        Run,
        Run,
        Run,
      ];
      for (const r of [expat, stream, junit, e2e, floor])
        if (r.cases !== gen.cases || r.failed !== gen.failing)
          throw new HealError("USAGE", `counted ${r.cases} cases (${r.failed} failing), made ${gen.cases} (${gen.failing})`);
      const ratio = (r: Run) => (r.cpuMs / expat.cpuMs).toFixed(2);
      const target = e2e.cpuMs <= expat.cpuMs ? "PASS" : "MISS";
      process.stdout.write(
        `${label} (${(gen.bytes / MB).toFixed(0)} MB, ${gen.cases} cases, ${gen.failing} failing; CPU, median of ${repeat}): expat iterparse ${expat.cpuMs.toFixed(0)} ms; ` +
          `streamXml ${stream.cpuMs.toFixed(0)} ms (${ratio(stream)}x); parseJUnitFile ${junit.cpuMs.toFixed(0)} ms (${ratio(junit)}x); ` +
          `parse-failures end to end ${e2e.cpuMs.toFixed(0)} ms (${ratio(e2e)}x, target <= 1.00x ${target}); ` +
          `runtime floor (decode the file, stringify and write failures.json) ${floor.cpuMs.toFixed(0)} ms (${ratio(floor)}x)\n`,
      );
    }
  } finally {
    if (flags.keep !== true && !flags.dir) rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

function runPython(path: string): Run {
  const r = spawnSync("python3", ["-c", EXPAT, path], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new HealError("USAGE", `python3 iterparse failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout) as Run;
}

/** Where the e2e child writes failures.json (kept for the floor child, removed by the parent). */
const e2eOut = (report: string) => join(dirname(report), "failures-expat-bench.json");

function runChild(mode: string, path: string, extra: string[] = []): Run {
  // Each child runs as `task heal:parse-failures` runs the script (PARSE_FAILURES_ENV: JSC's FTL tier off).
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, path, ...extra], {
    encoding: "utf8",
    env: { ...process.env, ...PARSE_FAILURES_ENV },
  });
  if (r.status !== 0) throw new HealError("USAGE", `--child ${mode} failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout) as Run;
}

async function child(mode: string, path: string, records?: string): Promise<ExitCode> {
  const out = e2eOut(path);
  let cases = 0;
  let failed = 0;
  // The floor's records are read before the clock starts: only stringifying and writing them is measured.
  const kept =
    mode === "floor" && records
      ? (JSON.parse(readFileSync(records, "utf8")) as { summary: { total: number }; failures: unknown[] })
      : undefined;
  const cpu = process.cpuUsage();
  if (mode === "stream") {
    // The streamer alone: every element opened and closed, no text wanted (as parseJUnitFile for passing cases).
    await streamXml(
      path,
      {
        onOpen(name) {
          if (name === "testcase") cases++;
          else if (name === "failure" || name === "error") failed++;
        },
        onClose() {},
        onText() {},
        wantsText: () => false,
      },
      IGNORE_DTD,
    );
  } else if (mode === "junit") {
    await parseJUnitFile(path, (c) => {
      cases++;
      if (c.status === "failed" || c.status === "error") failed++;
    });
  } else if (mode === "e2e") {
    // As `bun scripts/parse-failures.ts <report> --out <file>` runs it, the report's folder as the repository.
    process.env.HEAL_REPO = dirname(path);
    // The run's metadata as on Actions, from its variables (a local run asks git: three child processes).
    Object.assign(process.env, { GITHUB_REPOSITORY: "bench/report", GITHUB_SHA: "0".repeat(40), GITHUB_REF_NAME: "main" });
    const code = await parseFailuresMain([path, "--out", out]);
    if (code !== 0) throw new HealError("USAGE", `parse-failures exited ${code}`);
  } else if (mode === "floor" && kept) {
    // The reads the scanner makes (256 KB), decoded as it decodes them, and not one character looked at.
    const fd = openSync(path, "r");
    const buf = new Uint8Array(1 << 18);
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let chars = 0;
    try {
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) chars += decoder.decode(buf.subarray(0, n), { stream: true }).length;
    } finally {
      closeSync(fd);
    }
    if (chars === 0) throw new HealError("USAGE", `${path} is empty`);
    writeFileSync(`${out}.floor`, `${JSON.stringify(kept, null, 2)}\n`);
    rmSync(`${out}.floor`, { force: true });
    cases = kept.summary.total;
    failed = kept.failures.length;
  } else throw new HealError("USAGE", `--child must be stream, junit, e2e or floor (with --records), not ${mode}`);
  const used = process.cpuUsage(cpu);
  if (mode === "e2e") {
    // Read after measuring: the counts come from the failures.json written.
    const report = JSON.parse(readFileSync(out, "utf8")) as { summary: { total: number }; failures: unknown[] };
    cases = report.summary.total;
    failed = report.failures.length;
  }
  process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, cases, failed })}\n`);
  return 0;
}

runMain(import.meta, main);
