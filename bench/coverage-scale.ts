// Measures coverage-report reading at scale: generates lcov reports of 2,000 and 20,000 files (100 lines
// each) into a temp folder, then in a child process per measurement reads each with readCoverage and with a
// bare line split of the same file, and prints throughput, peak RSS, the ratio of the two, and how time
// grows with size (10x the files should take about 10x the time).
//
// Usage: bun bench/coverage-scale.ts [--quick]      (task bench:coverage)
// Reads: nothing. Writes: report files into a temp folder, removed at the end.
// stdout: the figures. Exit codes: 0 done, 2 the bench could not run. Token scopes: none.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExitCode, helpText, parseArgs, runMain, type FlagSpec } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { readCoverage } from "../lib/coverage/index.ts";

const FLAGS: FlagSpec = {
  quick: { type: "boolean", describe: "200 and 2,000 files instead of 2,000 and 20,000" },
  child: { type: "string", describe: "internal: read one file in this process (coverage|bare)" },
  file: { type: "string", describe: "internal: the report to read in --child mode" },
};
const MB = 1024 * 1024;

interface ChildResult {
  cpuMs: number;
  files: number;
  maxRssMb: number;
}

function writeLcov(path: string, files: number): void {
  const parts: string[] = [];
  for (let f = 0; f < files; f++) {
    parts.push(`TN:\nSF:src/gen/f${f}.ts\n`);
    for (let l = 1; l <= 100; l++) parts.push(`DA:${l},${l % 5 === 0 ? 0 : 2}\n`);
    parts.push("end_of_record\n");
  }
  writeFileSync(path, parts.join(""));
}

async function child(mode: string, file: string): Promise<ChildResult> {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const start = cpu();
  let files = 0;
  if (mode === "coverage") files = (await readCoverage(join(file, ".."), [{ path: file }])).files.length;
  else files = (await Bun.file(file).text()).split("\n").filter((l) => l.startsWith("SF:")).length;
  return { cpuMs: cpu() - start, files, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

function measure(mode: string, file: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, "--child", mode, "--file", file], { encoding: "utf8" });
  if (r.status !== 0) throw new HealError("USAGE", `bench child (${mode}) failed: ${r.stderr.split("\n")[0]}`);
  return JSON.parse(r.stdout) as ChildResult;
}

export async function main(argv: string[]): Promise<ExitCode> {
  const { flags } = parseArgs(argv, FLAGS);
  if (argv.includes("--help")) {
    process.stdout.write(helpText("bun bench/coverage-scale.ts: coverage reading throughput and memory", FLAGS));
    return 0;
  }
  if (flags.child) {
    process.stdout.write(JSON.stringify(await child(String(flags.child), String(flags.file))));
    return 0;
  }
  const sizes = flags.quick ? [200, 2_000] : [2_000, 20_000];
  const dir = mkdtempSync(join(tmpdir(), "heal-bench-coverage-"));
  try {
    const rows: { files: number; mb: number; cov: ChildResult; bare: ChildResult }[] = [];
    for (const files of sizes) {
      const path = join(dir, `lcov-${files}.info`);
      writeLcov(path, files);
      const mb = statSync(path).size / MB;
      const cov = measure("coverage", path);
      const bare = measure("bare", path);
      if (cov.files !== files) throw new HealError("USAGE", `read ${cov.files} files of ${files}`);
      rows.push({ files, mb, cov, bare });
      console.log(
        `lcov ${files} files (${mb.toFixed(1)} MB): ${(mb / (cov.cpuMs / 1000)).toFixed(1)} MB/s, peak RSS ${cov.maxRssMb.toFixed(0)} MB ` +
          `(bare read ${bare.maxRssMb.toFixed(0)} MB), time ratio to a bare line split ${(cov.cpuMs / bare.cpuMs).toFixed(2)}x`,
      );
    }
    const [small, large] = rows as [(typeof rows)[0], (typeof rows)[0]];
    console.log(`scaling: ${large.files / small.files}x the files took ${(large.cov.cpuMs / small.cov.cpuMs).toFixed(1)}x the CPU time`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(import.meta, main);
