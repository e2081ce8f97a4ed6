// parse-failures: turns test reports into one normalized failures.json (schemas/failures.schema.json).
//
// Reads:  report files and globs given as arguments (any format lib/parsers detects), and/or runs.json
//         (`--runs`, default `<reports_dir>/runs.json` when no report is given), .agent/heal/config.yaml
//         (reports_dir), GITHUB_REPOSITORY/GITHUB_SHA/GITHUB_REF_NAME/GITHUB_HEAD_REF/GITHUB_SERVER_URL/
//         GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT when set, else git for branch and commit.
// Writes: `<reports_dir>/failures.json` (or `--out`), validated against the schema before it is written
//         (through a temp file beside it, one record at a time);
//         one summary line on stderr (plus one line per unreadable report). stdout stays empty.
// Exit:   0 failures.json written (whether or not tests failed: `heal:finish` decides the final code),
//         2 it could not be written (bad arguments, no input at all, unwritable folder).
// Tokens: none.
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { writeFailuresFile } from "../lib/failures/failures-file.ts";
import { normalizeFormat } from "../lib/parsers/index.ts";
import { DEFAULT_REPORTS_DIR, targetRoot } from "../lib/paths.ts";

const FLAGS: FlagSpec = {
  format: { type: "string", describe: "format of the report files given (default: detected from content)" },
  runs: { type: "string", describe: "runs.json written by run-tests (default: <reports_dir>/runs.json when no report is given)" },
  out: { type: "string", describe: "where to write failures.json (default: <reports_dir>/failures.json)" },
};

const HELP = `Usage: bun scripts/parse-failures.ts [report files or globs...] [--format f] [--runs runs.json] [--out file]

Parses test reports (JUnit XML, jest/vitest JSON, go test -json, TAP, mocha JSON, TRX, NUnit,
terraform validate -json, terragrunt output) into one failures.json: shards merged, retries
collapsed, flaky tests listed apart, every failure located at its file and line.
Exit 0 when failures.json was written (even with failing tests), 2 when it could not be.`;

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags, positionals } = parseArgs(argv, FLAGS);
  if (typeof flags.format === "string") normalizeFormat(flags.format);
  const repoRoot = targetRoot();
  let reportsDir = DEFAULT_REPORTS_DIR;
  try {
    reportsDir = (await loadConfig(repoRoot)).reportsDir;
  } catch (err) {
    // failures.json must still be written for the steps after this one; the config step reports the problem.
    log.warn(`config not read, using ${DEFAULT_REPORTS_DIR}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  await writeFailuresFile({
    repoRoot,
    reportsDir,
    inputs: positionals,
    runs: flags.runs as string | undefined,
    out: flags.out as string | undefined,
    format: flags.format as string | undefined,
    cwd: process.cwd(),
  });
  return 0;
}

runMain(import.meta, main);
