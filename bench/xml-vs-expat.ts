// The XML streamer's share of issue 8's CPU target: on a 100k-case and a 300 MB JUnit report (made by
// bench/parse-reports.ts's generator) it measures, each in a child process of its own, the CPU time of
// Python's xml.etree.ElementTree.iterparse (C expat) counting testcases and failures with elements cleared, of
// lib/parsers/xml-stream.ts's streamXml with only a counting handler, and of parseJUnitFile counting cases and
// failures; and prints each ratio to expat. parse-failures end to end is measured by bench/parse-reports.ts.
//
// Usage: bun bench/xml-vs-expat.ts [--quick] [--keep] [--dir <folder>]
// Reads: nothing. Writes: report files into a temp folder (removed at the end unless --keep).
// stdout: the figures. Exit codes: 0 done, 2 the bench could not run (no python3). Token scopes: none.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExitCode, type FlagSpec, helpText, parseArgs, runMain } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { parseJUnitFile } from "../lib/parsers/junit.ts";
import { IGNORE_DTD, streamXml } from "../lib/parsers/xml-stream.ts";
import { generateReport } from "./parse-reports.ts";

const FLAGS: FlagSpec = {
  quick: { type: "boolean", describe: "small sizes (10k cases, 20 MB) for a smoke test" },
  keep: { type: "boolean", describe: "keep the generated reports" },
  dir: { type: "string", describe: "folder for the generated reports (default: a new temp folder)" },
  child: { type: "string", describe: "internal: parse one file in this process (stream|junit)" },
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
    process.stdout.write(helpText("bun bench/xml-vs-expat.ts [--quick] [--keep] [--dir <folder>]", FLAGS));
    return 0;
  }
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (flags.child) return child(flags.child as string, positionals[0]!);
  if (!Bun.which("python3")) throw new HealError("USAGE", "python3 is needed for the expat baseline");
  const quick = flags.quick === true;
  const dir = (flags.dir as string | undefined) ?? mkdtempSync(join(tmpdir(), "heal-expat-"));
  try {
    const sizes = [
      { label: quick ? "10k cases" : "100k cases", until: { cases: quick ? 10_000 : 100_000 } },
      { label: quick ? "20 MB" : "300 MB", until: { bytes: quick ? 20 * MB : 300 * MB } },
    ];
    for (const { label, until } of sizes) {
      const path = join(dir, `${label.replace(/\W+/g, "-")}.xml`);
      const gen = await generateReport(path, until);
      // Best of three: the machine is shared, and CPU time still moves a little with cache pressure.
      const best = (run: () => Run) => [run(), run(), run()].sort((a, b) => a.cpuMs - b.cpuMs)[0]!;
      const expat = best(() => runPython(path));
      const stream = best(() => runChild("stream", path));
      const junit = best(() => runChild("junit", path));
      for (const r of [expat, junit])
        if (r.cases !== gen.cases) throw new HealError("USAGE", `counted ${r.cases} cases, made ${gen.cases}`);
      const ratio = (r: Run) => (r.cpuMs / expat.cpuMs).toFixed(2);
      process.stdout.write(
        `${label} (${(gen.bytes / MB).toFixed(0)} MB, ${gen.cases} cases, ${gen.failing} failing): expat iterparse ${expat.cpuMs.toFixed(0)} ms CPU; ` +
          `streamXml ${stream.cpuMs.toFixed(0)} ms (${ratio(stream)}x); parseJUnitFile ${junit.cpuMs.toFixed(0)} ms (${ratio(junit)}x)\n`,
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

function runChild(mode: string, path: string): Run {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, path], { encoding: "utf8" });
  if (r.status !== 0) throw new HealError("USAGE", `--child ${mode} failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout) as Run;
}

async function child(mode: string, path: string): Promise<ExitCode> {
  let cases = 0;
  let failed = 0;
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
  } else throw new HealError("USAGE", `--child must be stream or junit, not ${mode}`);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, cases, failed })}\n`);
  return 0;
}

runMain(import.meta, main);
