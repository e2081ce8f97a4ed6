// parse-failures: turns test reports into one normalized failures.json (schemas/failures.schema.json).
//
// Reads:  report files and globs given as arguments (any format lib/parsers detects), and/or runs.json
//         (`--runs`, default `<reports_dir>/runs.json` when no report is given), .agent/heal/config.yaml
//         (reports_dir), GITHUB_REPOSITORY/GITHUB_SHA/GITHUB_REF_NAME/GITHUB_HEAD_REF/GITHUB_SERVER_URL/
//         GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT when set, else git for branch and commit.
// Writes: `<reports_dir>/failures.json` (or `--out`), validated against the schema before it is written;
//         one summary line on stderr (plus one line per unreadable report). stdout stays empty.
// Exit:   0 failures.json written (whether or not tests failed: `heal:finish` decides the final code),
//         2 it could not be written (bad arguments, no input at all, unwritable folder).
// Tokens: none.
import fg from "fast-glob";
import Ajv from "ajv";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { HealError } from "../lib/errors.ts";
import { collectFailures, readRunsFile } from "../lib/failures.ts";
import { git } from "../lib/git.ts";
import { normalizeFormat } from "../lib/parsers/index.ts";
import { DEFAULT_REPORTS_DIR, REPORT_FILES, TOOLKIT_ROOT, targetRoot } from "../lib/paths.ts";
import type { FailureReport, RunMeta } from "../lib/types.ts";

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

/** Run metadata: GitHub Actions variables when present, else what git knows about the checkout. */
export function runMeta(repoRoot: string, env: Record<string, string | undefined> = process.env): RunMeta {
  const gitOut = (args: string[]) => {
    const r = git(repoRoot, args);
    return r.status === 0 && r.stdout ? r.stdout : null;
  };
  const repository = env.GITHUB_REPOSITORY?.trim() || repoFromOrigin(gitOut(["remote", "get-url", "origin"]));
  const branch =
    env.GITHUB_HEAD_REF?.trim() || env.GITHUB_REF_NAME?.trim() || gitOut(["symbolic-ref", "--short", "-q", "HEAD"]);
  const commit = env.GITHUB_SHA?.trim() || gitOut(["rev-parse", "HEAD"]);
  const server = (env.GITHUB_SERVER_URL?.trim() || "https://github.com").replace(/\/$/, "");
  const runId = env.GITHUB_RUN_ID?.trim();
  const attempt = env.GITHUB_RUN_ATTEMPT?.trim();
  const runUrl =
    runId && env.GITHUB_REPOSITORY
      ? `${server}/${env.GITHUB_REPOSITORY.trim()}/actions/runs/${runId}${attempt && attempt !== "1" ? `/attempts/${attempt}` : ""}`
      : null;
  return { repository: repository || null, branch: branch || null, commit: commit || null, runUrl };
}

/** owner/name from an origin URL (https, ssh or scp-like); null for local paths. */
function repoFromOrigin(url: string | null): string | null {
  if (!url) return null;
  const m = /^(?:https?:\/\/[^/]+\/|ssh:\/\/[^/]+\/|[\w.-]+@[^:]+:)([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? m[1]! : null;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

/** Validates a report against schemas/failures.schema.json; throws with the first problem. */
export function validateFailureReport(report: FailureReport): void {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(TOOLKIT_ROOT, "schemas", "failures.schema.json"), "utf8"));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (!validator(report)) {
    const e = validator.errors?.[0];
    throw new Error(`failures.json does not match its schema: ${e?.instancePath || "/"} ${e?.message ?? ""}`);
  }
}

/** Expands arguments: globs through fast-glob, plain paths as given (a missing one is reported by the parser). */
async function expandInputs(args: string[], cwd: string): Promise<{ files: string[]; unmatched: string[] }> {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const arg of args) {
    if (fg.isDynamicPattern(arg)) {
      const hits = await fg(arg, { cwd, absolute: true, onlyFiles: true, dot: true, followSymbolicLinks: false });
      if (hits.length === 0) unmatched.push(arg);
      files.push(...hits.sort());
    } else files.push(resolve(cwd, arg));
  }
  return { files, unmatched };
}

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
  const out = resolve(process.cwd(), (flags.out as string | undefined) ?? join(repoRoot, reportsDir, REPORT_FILES.failures));
  const runsPath =
    (flags.runs as string | undefined) ?? (positionals.length === 0 ? join(repoRoot, reportsDir, REPORT_FILES.runs) : undefined);
  const runs = runsPath ? await readRunsFile(resolve(process.cwd(), runsPath)) : null;
  if (runsPath && !runs && flags.runs) throw new HealError("INPUT_MISSING", "runs file not found", runsPath);
  if (!runs && positionals.length === 0) {
    throw new HealError("INPUT_MISSING", "no report given and no runs.json found (run heal:run-tests first, or pass report files)", runsPath);
  }
  const { files, unmatched } = await expandInputs(positionals, process.cwd());
  const report = await collectFailures({
    repoRoot,
    runs,
    reportPaths: files,
    meta: runMeta(repoRoot),
    format: flags.format as string | undefined,
  });
  if (unmatched.length) {
    report.reportErrors = [...(report.reportErrors ?? []), ...unmatched.map((p) => `${p}: no file matches this pattern`)].sort();
  }
  validateFailureReport(report);
  try {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, out);
  } catch (err) {
    throw new HealError("USAGE", `cannot write failures.json (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass another --out or fix the folder`, out);
  }
  for (const line of report.reportErrors ?? []) log.warn(line);
  const s = report.summary;
  const shown = relative(process.cwd(), out) || out;
  log.info(
    `parse-failures: ${s.total} tests, ${s.passed} passed, ${s.failed} failed, ${s.errors} errors, ${s.skipped} skipped` +
      `${s.flaky ? `, ${s.flaky} flaky` : ""}${report.reportErrors?.length ? `, ${report.reportErrors.length} unreadable reports` : ""} -> ${shown}`,
  );
  return 0;
}

runMain(import.meta, main);
