// Coverage reports of every supported format, detected by content, merged across reports and shards,
// mapped to repository files. A report that cannot be read is one line in `errors`; the others still count.
import { open } from "node:fs/promises";
import { posix } from "node:path";
import { HealError } from "../errors.ts";
import { indexRepo, repoRelative, resolveRepoPath, type RepoIndex } from "../location.ts";
import { parseClover } from "./clover.ts";
import { parseCobertura } from "./cobertura.ts";
import { parseCoveragePy } from "./coveragepy.ts";
import { parseGoCoverprofile } from "./go.ts";
import { parseIstanbulFinal, parseIstanbulSummary } from "./istanbul.ts";
import { parseLcov } from "./lcov.ts";
import {
  compactRaw,
  FileCoverageAccumulator,
  type CompactFileCoverage,
  type CoverageFormat,
  type FileCoverage,
  type OnFileCoverage,
  type RawFileCoverage,
} from "./model.ts";

export * from "./model.ts";

export const COVERAGE_FORMATS: readonly CoverageFormat[] = [
  "lcov",
  "istanbul",
  "istanbul-summary",
  "coveragepy",
  "cobertura",
  "clover",
  "go",
];

const PARSERS: Record<CoverageFormat, (path: string, onFile: OnFileCoverage) => Promise<void>> = {
  lcov: parseLcov,
  istanbul: parseIstanbulFinal,
  "istanbul-summary": parseIstanbulSummary,
  coveragepy: parseCoveragePy,
  cobertura: parseCobertura,
  clover: parseClover,
  go: parseGoCoverprofile,
};

const HEAD_BYTES = 64 * 1024;

/** The format of a coverage report, from its first 64 KiB (names and extensions are not trusted). */
export async function detectCoverageFormat(path: string): Promise<CoverageFormat> {
  let head: string;
  try {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
      head = buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new HealError("REPORT_UNREADABLE", `cannot open: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
  const format = formatOfHead(head);
  if (!format) {
    const why =
      head.trim() === "" ? "the file is empty" : head.includes("\u0000") ? "binary content" : "not a coverage report this tool reads";
    throw new HealError("REPORT_UNREADABLE", `${why} (lcov, istanbul JSON, coverage.py JSON, Cobertura, Clover, Go coverprofile)`, path);
  }
  return format;
}

export function formatOfHead(raw: string): CoverageFormat | null {
  const head = raw.replace(/^\uFEFF/, "").trimStart();
  if (/^mode: (set|count|atomic)\s*$/m.test(head.split("\n", 1)[0]!)) return "go";
  if (/^(TN:|SF:)/m.test(head) && /^(SF:|DA:|end_of_record)/m.test(head)) return "lcov";
  if (head.startsWith("<")) {
    if (!/<coverage[\s>]/.test(head)) return null;
    if (/<coverage[^>]*\sclover=|<project[\s>]/.test(head)) return "clover";
    return "cobertura";
  }
  if (head.startsWith("{")) {
    if (/^\{\s*"meta"\s*:/.test(head) && /"(files|totals|executed_lines)"|coverage\.py|"branch_coverage"/.test(head)) return "coveragepy";
    if (/"statementMap"\s*:/.test(head)) return "istanbul";
    if (/^\{\s*"total"\s*:\s*\{\s*"lines"\s*:/.test(head)) return "istanbul-summary";
    return null;
  }
  return null;
}

export interface CoverageInput {
  path: string;
  /** Given by the caller (`--format`), else detected. */
  format?: CoverageFormat;
  /** Repo-relative folder the runner ran in: relative paths in the report start there. */
  cwd?: string;
}

export interface CoverageResult {
  /** Every mapped file, sorted by path. */
  files: FileCoverage[];
  /** Reports read: repo-relative (or as given) path and format. */
  reports: { path: string; format: CoverageFormat }[];
  /** One line per report that could not be read. */
  errors: string[];
  /** Files that belong to no repository file (dependencies, other checkouts): left out, counted. */
  skippedFiles: number;
}

/** Reads every report, merges the same file across reports (max hits per line) and maps paths to the repo. */
export async function readCoverage(repoRoot: string, inputs: CoverageInput[], opts: { index?: RepoIndex } = {}): Promise<CoverageResult> {
  const index = opts.index ?? indexRepo(repoRoot, { fresh: true });
  const byFile = new Map<string, FileCoverageAccumulator>();
  const reports: CoverageResult["reports"] = [];
  const errors: string[] = [];
  let skippedFiles = 0;
  for (const input of inputs) {
    const shown = repoRelative(input.path, repoRoot);
    try {
      const format = input.format ?? (await detectCoverageFormat(input.path));
      const pending: { file: string; data: CompactFileCoverage }[] = [];
      let skipped = 0;
      await PARSERS[format](input.path, (raw) => {
        const file = mapCoveredFile(raw, index, input.cwd ?? ".");
        if (file === null) skipped++;
        else pending.push({ file, data: compactRaw(raw) });
      });
      skippedFiles += skipped;
      // Only a report read to the end counts: a half-read file must not add half its lines.
      for (const { file, data } of pending) {
        let acc = byFile.get(file);
        if (!acc) byFile.set(file, (acc = new FileCoverageAccumulator()));
        acc.add(data);
      }
      reports.push({ path: shown, format });
    } catch (err) {
      if (!(err instanceof HealError)) throw err;
      const named = err.file ? err : new HealError(err.code, err.message, input.path);
      errors.push(new HealError(named.code, named.message, shown).oneLine());
    }
  }
  const files = [...byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, acc]) => acc.result(file));
  return { files, reports, errors, skippedFiles };
}

/**
 * The repository file a report's entry is about: relative to the report's own source roots first, then the
 * runner's folder, the root, and CI or import-path suffixes (lib/location.ts). Dependencies and absolute
 * paths outside the repository give null; a relative path that matches no file is kept as written.
 */
export function mapCoveredFile(raw: RawFileCoverage, index: RepoIndex, cwd: string): string | null {
  for (const base of raw.bases ?? []) {
    const joined = posix.join(base.replace(/\\/g, "/"), raw.file.replace(/\\/g, "/"));
    const hit = resolveRepoPath(joined, index, { cwd });
    if (hit) return hit;
  }
  const hit = resolveRepoPath(raw.file, index, { cwd });
  if (hit) return hit;
  const p = raw.file.replace(/\\/g, "/");
  if (p.startsWith("/") || /^[A-Za-z]:\//.test(p) || p.startsWith("file:")) return null;
  if (/(^|\/)(node_modules|site-packages|dist-packages|\.venv|venv)\//.test(p) || p.startsWith("..")) return null;
  // Go import paths that match nothing here are another module's files.
  if (/^[a-z0-9.-]+\.[a-z]{2,}\//i.test(p) && p.endsWith(".go")) return null;
  return posix.normalize(cwd === "." ? p : posix.join(cwd, p));
}
