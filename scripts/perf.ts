#!/usr/bin/env bun
// perf: compare benchmark results with the default branch's baseline and keep the branch's
// "⏱️ Performance regression in {branch}" issue in step, through the healing issue's own steps.
// Reads:  benchmark result files, else the config's perf.results after running perf.command (vitest bench JSON,
//         pytest-benchmark JSON, go test -bench text, hyperfine JSON, tinybench or benchmark.js JSON; detected by
//         content); the baseline (--baseline, else fetched from
//         origin's heal/perf-baseline branch: one <reports_dir>/perf/baseline/<result file>.json per source).
// Writes: <reports_dir>/perf/{failures.json,issue.json,issue.md,github.json,perf.json,perf.md},
//         <tasks_dir>/fix-perf-<branch>.yaml (deleted when nothing regressed); --save-baseline <file>;
//         with a token: the issue created / commented / closed, the task file pushed [skip ci], the agent woken;
//         on the default branch, a run without regression (or --update-baseline) commits each source's baseline
//         onto heal/perf-baseline [skip ci] (never forced; a refused push is a warning).
// Exit:   0 no regression or no baseline yet ([skip]), 1 a benchmark regressed, 2 the tool could not compare
//         (perf.command failed, a bad file or argument, GitHub).
// Token:  GITHUB_TOKEN / GH_TOKEN with `issues: write` and `contents: write` (also for heal/perf-baseline);
//         the agent token needs `issues: write`.
import { type ExitCode, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { runPerf } from "../lib/perf/index.ts";
import type { PerfFormat } from "../lib/perf/results.ts";

const FORMATS: PerfFormat[] = ["vitest-bench", "pytest-benchmark", "go-bench", "hyperfine", "tinybench", "benchmark-js"];
const FLAGS: FlagSpec = {
  baseline: {
    type: "string",
    describe: "baseline file (the tool's baseline JSON or any benchmark result); default: origin's heal/perf-baseline",
  },
  "save-baseline": { type: "string", describe: "write this run's results as the baseline to this file too" },
  "update-baseline": {
    type: "boolean",
    describe: "on the default branch, store this run on heal/perf-baseline even when it regressed (an accepted slowdown)",
  },
  threshold: { type: "string", describe: "percent slower that counts (beyond noise); default perf.threshold (10)" },
  format: { type: "string", describe: `format of the given files (${FORMATS.join(", ")}); default: detected` },
};

const USAGE = `bun scripts/perf.ts [--baseline <file>] [--save-baseline <file>] [--threshold <pct>] [<result file>...]
Compares benchmark results (none given: perf.command runs, then perf.results are read) with the baseline; a benchmark regressed when it is slower by more than the threshold
and a statistical test over its samples says the difference is beyond noise. The default branch's runs keep the
baseline on origin's heal/perf-baseline branch; other branches compare with it.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, USAGE, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
  if (threshold !== undefined && (!Number.isFinite(threshold) || threshold <= 0))
    throw new HealError("USAGE", `--threshold ${JSON.stringify(flags.threshold)} is not a positive percentage`);
  const format = flags.format === undefined ? undefined : String(flags.format);
  if (format !== undefined && !(FORMATS as string[]).includes(format))
    throw new HealError("USAGE", `--format ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
  const out = await runPerf(process.env, {
    results: positionals,
    baseline: flags.baseline as string | undefined,
    saveBaseline: flags["save-baseline"] as string | undefined,
    updateBaseline: flags["update-baseline"] === true,
    thresholdPct: threshold,
    format: format as PerfFormat | undefined,
  });
  process.stdout.write(out.markdown);
  return out.verdict && out.verdict.regressions.length > 0 ? 1 : 0;
}

runMain(import.meta, main);
