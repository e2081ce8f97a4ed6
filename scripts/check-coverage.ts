#!/usr/bin/env bun
// coverage: measure line coverage per file and keep ONE coverage issue in step with it (seed step 7).
// Reads:  .agent/heal/config.yaml (optional); coverage reports given as files/globs, or else runs every
//         detected stack with coverage on (bun/vitest/jest/pytest/go) into <reports_dir>/raw/coverage/.
//         Formats (detected by content): lcov, istanbul coverage-final.json and json-summary, coverage.py
//         JSON, Cobertura XML, Clover XML, Go coverprofile. Several reports/shards of a file are merged.
// Writes: <reports_dir>/coverage.json (CoverageSummary, lib/coverage/summary.ts), <reports_dir>/coverage.md;
//         stdout: coverage.md; with a token: the issue `📈 Improve Test Coverage (Currently X%)` created,
//         updated (title and body, only when they change) or closed with a comment once every file meets
//         the threshold; the job summary. Without a token: `[skip]` lines (local mode). When the issue is created
//         or its body changes, the agent is woken like heal:hand-off does (agent token comment, or
//         repository_dispatch with client_payload {kind: "coverage", issue_number, branch}), within budget.daily_mentions.
// Exit:   0 coverage measured (files under the threshold are not a failure), 2 the tool could not measure
//         (no stack, no readable report, bad config or arguments, GitHub refused).
// Token:  GITHUB_TOKEN / GH_TOKEN with `issues: write` (labels are created when missing), `contents: write` for
//         the repository_dispatch; the agent token (agent.token_env) needs `issues: write`.
import { type ExitCode, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { COVERAGE_FORMATS, type CoverageFormat } from "../lib/coverage/index.ts";
import { HealError } from "../lib/errors.ts";
import { checkCoverage } from "../lib/github/coverage-issue.ts";

const FLAGS: FlagSpec = {
  threshold: { type: "string", describe: "line coverage (percent) a file needs; default coverage.threshold (80)" },
  format: { type: "string", describe: `format of the given reports (${COVERAGE_FORMATS.join(", ")}); default: detected` },
};

const USAGE = `bun scripts/check-coverage.ts [--threshold <pct>] [--format <fmt>] [<report file or glob>...]
Measures line coverage per file, lists the files under the threshold worst first with their uncovered
lines, and creates, updates or closes the coverage issue. Without report arguments, runs every detected
test stack with coverage on.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, USAGE, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  const markdown = await checkCoverage(process.env, {
    threshold: flags.threshold === undefined ? undefined : parseThreshold(String(flags.threshold)),
    format: flags.format === undefined ? undefined : parseFormat(String(flags.format)),
    reports: positionals,
  });
  if (markdown !== null) process.stdout.write(markdown);
  return 0;
}

function parseThreshold(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100)
    throw new HealError("USAGE", `--threshold ${JSON.stringify(text)} is not a percentage from 0 to 100`);
  return n;
}

function parseFormat(text: string): CoverageFormat {
  if (!(COVERAGE_FORMATS as readonly string[]).includes(text)) {
    throw new HealError("USAGE", `--format ${JSON.stringify(text)} is not one of ${COVERAGE_FORMATS.join(", ")}`);
  }
  return text as CoverageFormat;
}

runMain(import.meta, main);
