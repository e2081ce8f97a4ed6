#!/usr/bin/env bun
// test-quality: check the repository's tests against the SOP's good-versus-bad test rules and keep ONE
// test-quality issue in step with the findings (lib/test-quality/check.ts).
// Reads:  .agent/heal/config.yaml (optional: test_quality.max_skip_age_days, runner.python); the test files
//         (JS/TS: *.test.*, *.spec.*, __tests__/, test/*.js; Python: test_*.py, *_test.py) and `git blame` of skip lines.
// Writes: <reports_dir>/test-quality.json (findings with file, line, rule, test), <reports_dir>/test-quality.md;
//         stdout: test-quality.md; with a token: the issue `🧪 Improve Test Quality (N findings)` created,
//         updated (only when the findings change) or closed with a comment when none are left, the agent woken
//         like for the coverage issue (agent token comment, or repository_dispatch kind "test-quality").
// Exit:   0 checked (findings are not a failure), 2 the tool could not check (python3 missing, bad config or
//         arguments, GitHub refused).
// Token:  GITHUB_TOKEN / GH_TOKEN with `issues: write`, `contents: write` for the repository_dispatch; the agent
//         token (agent.token_env) needs `issues: write`.
import { type ExitCode, parseArgs, printHelpIfAsked, runMain, type FlagSpec } from "../lib/cli.ts";
import { HealError } from "../lib/errors.ts";
import { checkTestQuality } from "../lib/test-quality/check.ts";

const FLAGS: FlagSpec = {
  "max-skip-age-days": {
    type: "string",
    describe: "a skip older than this many days is reported; default test_quality.max_skip_age_days (30)",
  },
};

const USAGE = `bun scripts/test-quality.ts [--max-skip-age-days <days>]
Checks every test of the repository for vague names, missing assertions, duplicate names, old skips and
missing descriptions, and creates, updates or closes the test-quality issue.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, USAGE, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (positionals.length > 0) throw new HealError("USAGE", `no positional arguments expected, got ${positionals.join(" ")}`);
  const days = flags["max-skip-age-days"];
  process.stdout.write(await checkTestQuality(process.env, { maxSkipAgeDays: days === undefined ? undefined : parseDays(String(days)) }));
  return 0;
}

function parseDays(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 0)
    throw new HealError("USAGE", `--max-skip-age-days ${JSON.stringify(text)} is not a whole number of days`);
  return n;
}

runMain(import.meta, main);
