// failures.json as parse-failures writes it: run metadata, the inputs (files and globs), schema checks, and the
// report written one record at a time from a spool (on disk past a budget), so memory does not grow with the failures.
import Ajv from "ajv";
import fg from "fast-glob";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { log } from "../cli.ts";
import { HealError } from "../errors.ts";
import { currentBranch, git } from "../git.ts";
import { REPORT_FILES, TOOLKIT_ROOT } from "../paths.ts";
import { readPrepareFile } from "../prepare.ts";
import type { FailureRecord, FailureReport, RunMeta } from "../types.ts";
import { readRunsFile, streamFailures } from "./collect.ts";
import * as precompiled from "./failures-validators.generated.ts";
import { GarbageGuard } from "./memory-guard.ts";
import { listItemJson, RecordSpool } from "./spill.ts";

/**
 * The environment `task heal:parse-failures` runs the script with (Taskfile.yml says the same): JSC's top-tier
 * JIT (FTL) off. On one report its compiles cost more CPU than they save: a 100k-case report parses end to end
 * in about 16% less CPU without it, a 300 MB one in about 4% less (bench/xml-vs-expat.ts runs it the same way).
 * Output is the same either way; `bun scripts/parse-failures.ts` run by hand just takes a little longer.
 */
export const PARSE_FAILURES_ENV = { BUN_JSC_useFTLJIT: "0" } as const;

/** Run metadata: GitHub Actions variables when present, else what git knows about the checkout. */
export function runMeta(repoRoot: string, env: Record<string, string | undefined> = process.env): RunMeta {
  const gitOut = (args: string[]) => {
    const r = git(repoRoot, args);
    return r.status === 0 && r.stdout ? r.stdout : null;
  };
  const repository = env.GITHUB_REPOSITORY?.trim() || repoFromOrigin(gitOut(["remote", "get-url", "origin"]));
  // Actions' variables first; else git's branch, as the task file names it (a detached HEAD included).
  const branch = env.GITHUB_HEAD_REF?.trim() || env.GITHUB_REF_NAME?.trim() || currentBranch(repoRoot, env);
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

/** The sha256 of schemas/failures.schema.json's text that failures-validators.generated.ts records. */
export function schemaHash(text: string): string {
  return Bun.CryptoHasher.hash("sha256", text, "hex") as string;
}

let validator: ReturnType<Ajv["compile"]> | undefined;
let recordValidator: ReturnType<Ajv["compile"]> | undefined;

function compileSchemas(): void {
  const text = readFileSync(join(TOOLKIT_ROOT, "schemas", "failures.schema.json"), "utf8");
  // Compiled ahead (generate-validators.ts) while it is of this very schema: compiling costs ~0.2 s a run.
  if (precompiled.schemaHash === schemaHash(text)) {
    validator = precompiled.validateReport as ReturnType<Ajv["compile"]>;
    recordValidator = precompiled.validateRecord as ReturnType<Ajv["compile"]>;
    return;
  }
  const schema = JSON.parse(text);
  validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  // One list item: the schema's `failure` definition with the definitions it refers to.
  recordValidator = new Ajv({ allErrors: true, strict: false }).compile({ ...schema.definitions.failure, definitions: schema.definitions });
}

/** Validates a report against schemas/failures.schema.json; throws with the first problem. */
export function validateFailureReport(report: FailureReport): void {
  if (!validator) compileSchemas();
  if (!validator!(report)) {
    const e = validator!.errors?.[0];
    throw new Error(`failures.json does not match its schema: ${e?.instancePath || "/"} ${e?.message ?? ""}`);
  }
}

/** Validates one failure record against the schema's `failure` definition. */
function validateRecord(record: FailureRecord, at: number): void {
  if (!recordValidator) compileSchemas();
  if (!recordValidator!(record)) {
    const e = recordValidator!.errors?.[0];
    throw new Error(`failures.json does not match its schema: /failures/${at}${e?.instancePath ?? ""} ${e?.message ?? ""}`);
  }
}

/**
 * Writes `${JSON.stringify(report, null, 2)}\n` to `path` (the same bytes) one list item at a time: a 1 GB
 * report with 280,000 failures makes a 360 MB failures.json, and that text as one string plus its UTF-8 copy
 * would add 0.7-1.1 GB to the peak.
 */
export function writeReportJson(
  path: string,
  report: FailureReport,
  /** The failures list's items as text (RecordSpool.sorted()), instead of `report.failures`. */
  failures?: { count: number; items: Iterable<string> },
): void {
  const fd = openSync(path, "w");
  try {
    // Text is encoded into one reused buffer: a Buffer per write would be garbage JSC counts late. Each
    // record's text is garbage once written: collected as collectFailures' is (checked every ~1 MB).
    const buf = Buffer.allocUnsafe(1 << 20);
    const guard = new GarbageGuard(1 << 20);
    let used = 0;
    const flush = () => {
      for (let at = 0; at < used; ) at += writeSync(fd, buf, at, used - at);
      used = 0;
    };
    const put = (text: string) => {
      if (text.length * 3 > buf.length - used) flush();
      if (text.length * 3 > buf.length) writeSync(fd, text);
      else used += buf.write(text, used);
      guard.tick(text.length);
    };
    // JSON text never holds a raw newline inside a string: indenting a top-level value is a replace of "\n".
    const nested = (value: unknown) => JSON.stringify(value, null, 2).replaceAll("\n", "\n  ");
    const entries = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== "function");
    put("{");
    entries.forEach(([key, value], i) => {
      put(`${i ? "," : ""}\n  ${JSON.stringify(key)}: `);
      if (key === "failures" && failures) {
        if (failures.count === 0) put("[]");
        else {
          put("[");
          let j = 0;
          // The separator apart from the record: joining them would copy every record's text once more.
          for (const text of failures.items) {
            put(j++ ? ",\n    " : "\n    ");
            put(text);
          }
          put("\n  ]");
        }
      } else if (Array.isArray(value) && value.length > 0) {
        put("[");
        value.forEach((item, j) => {
          put(j ? ",\n    " : "\n    ");
          put(listItemJson(item));
        });
        put("\n  ]");
      } else put(nested(value));
    });
    put(entries.length ? "\n}\n" : "}\n");
    flush();
  } finally {
    closeSync(fd);
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

export interface FailuresFileOptions {
  repoRoot: string;
  /** The reports folder, repo-relative. */
  reportsDir: string;
  /** Report files and globs (relative to `cwd`). */
  inputs: string[];
  /** runs.json given with --runs (relative to `cwd`); default `<reports_dir>/runs.json` when no input is given. */
  runs?: string;
  /** Where to write failures.json (relative to `cwd`); default `<reports_dir>/failures.json`. */
  out?: string;
  format?: string;
  cwd: string;
}

/** Reads the reports (and runs.json) and writes failures.json; throws HealError when it cannot. */
export async function writeFailuresFile(opts: FailuresFileOptions): Promise<void> {
  const { repoRoot, reportsDir, cwd } = opts;
  const out = resolve(cwd, opts.out ?? join(repoRoot, reportsDir, REPORT_FILES.failures));
  const runsPath = opts.runs ?? (opts.inputs.length === 0 ? join(repoRoot, reportsDir, REPORT_FILES.runs) : undefined);
  const runs = runsPath ? await readRunsFile(resolve(cwd, runsPath)) : null;
  if (runsPath && !runs && opts.runs) throw new HealError("INPUT_MISSING", "runs file not found", runsPath);
  if (!runs && opts.inputs.length === 0) {
    throw new HealError(
      "INPUT_MISSING",
      "no report given and no runs.json found (run heal:run-tests first, or pass report files)",
      runsPath,
    );
  }
  const { files, unmatched } = await expandInputs(opts.inputs, cwd);
  // Records wait on disk, sorted by their keys when written: memory does not grow with the failures.
  const spool = new RecordSpool();
  try {
    await writeFailures(
      spool,
      out,
      {
        repoRoot,
        runs,
        reportPaths: files,
        meta: runMeta(repoRoot),
        format: opts.format,
        prepare: readPrepareFile(join(repoRoot, reportsDir), reportsDir),
      },
      unmatched,
      cwd,
    );
  } finally {
    spool.close();
  }
}

async function writeFailures(
  spool: RecordSpool,
  out: string,
  opts: Parameters<typeof streamFailures>[0],
  unmatched: string[],
  cwd: string,
): Promise<void> {
  const rest = await streamFailures(opts, (r) => {
    validateRecord(r, spool.count);
    spool.add(r);
  });
  const report: FailureReport = { ...rest.head, failures: [] };
  if (rest.flaky.length) report.flaky = rest.flaky;
  if (rest.reportErrors.length) report.reportErrors = rest.reportErrors;
  if (unmatched.length) {
    report.reportErrors = [...(report.reportErrors ?? []), ...unmatched.map((p) => `${p}: no file matches this pattern`)].sort();
  }
  validateFailureReport(report); // the records were checked one by one
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeReportJson(tmp, report, { count: spool.count, items: spool.sorted() });
    renameSync(tmp, out);
  } catch (err) {
    try {
      rmSync(tmp, { force: true }); // a half-written temp file
    } catch {
      // its folder could not be made: there is none
    }
    throw new HealError(
      "USAGE",
      `cannot write failures.json (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass another --out or fix the folder`,
      out,
    );
  }
  for (const line of report.reportErrors ?? []) log.warn(line);
  const s = report.summary;
  const shown = relative(cwd, out) || out;
  log.info(
    `parse-failures: ${s.total} tests, ${s.passed} passed, ${s.failed} failed, ${s.errors} errors, ${s.skipped} skipped` +
      `${s.flaky ? `, ${s.flaky} flaky` : ""}${s.environment ? `, ${s.environment} environment` : ""}${report.reportErrors?.length ? `, ${report.reportErrors.length} unreadable reports` : ""} -> ${shown}`,
  );
}
