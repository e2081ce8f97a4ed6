// Line coverage as every coverage parser hands it over, and the one way it becomes a FileCoverage:
// merge reports and shards of the same file (max hits per line), count lines, merge uncovered ranges.

export type CoverageFormat =
  | "lcov"
  | "istanbul"
  | "istanbul-summary"
  | "coveragepy"
  | "cobertura"
  | "clover"
  | "go";

/** One file as a report wrote it, before its path is mapped to the repository. */
export interface RawFileCoverage {
  /** As written in the report: absolute, relative to `bases`, a CI path, or a Go import path. */
  file: string;
  /** 1-based line -> hits. Absent for reports that only give totals (istanbul json-summary). */
  lines?: Map<number, number>;
  /** Totals only, when the report has no per-line data. */
  summary?: { total: number; covered: number };
  /** Folders the report says relative paths start from (Cobertura `<source>`), in the report's order. */
  bases?: string[];
}

/** Receives each file of a report as soon as the parser has it (streaming parsers call it many times). */
export type OnFileCoverage = (file: RawFileCoverage) => void;

/** Line coverage of one repository file. */
export interface FileCoverage {
  /** Repo-relative POSIX path (or the report's own path when it maps to no file in the repository). */
  file: string;
  linesTotal: number;
  linesCovered: number;
  /** covered / total × 100, rounded to 2 decimals; 100 for a file with no executable line. */
  pct: number;
  /**
   * Uncovered lines as inclusive [start, end] ranges of consecutive lines, ascending. null: the report has
   * no per-line data (istanbul json-summary), so the ranges are unknown.
   */
  uncovered: [number, number][] | null;
}

/** Accumulates raw records of one mapped file from any number of reports. */
export class FileCoverageAccumulator {
  private lines: Map<number, number> | null = null;
  private summary: { total: number; covered: number } | null = null;

  add(raw: RawFileCoverage): void {
    if (raw.lines) {
      this.lines ??= new Map();
      for (const [line, hits] of raw.lines) {
        const prev = this.lines.get(line);
        if (prev === undefined || hits > prev) this.lines.set(line, hits);
      }
    } else if (raw.summary) {
      // Totals cannot be merged line by line: keep the report that saw the most covered lines.
      if (!this.summary || raw.summary.covered > this.summary.covered) this.summary = { ...raw.summary };
    }
  }

  /** Per-line data wins over totals: a summary adds nothing a line report of the same file lacks. */
  result(file: string): FileCoverage {
    if (this.lines) return fileCoverageFromLines(file, this.lines);
    const s = this.summary ?? { total: 0, covered: 0 };
    return { file, linesTotal: s.total, linesCovered: s.covered, pct: percent(s.covered, s.total), uncovered: null };
  }
}

export function fileCoverageFromLines(file: string, lines: Map<number, number>): FileCoverage {
  const sorted = [...lines.keys()].sort((a, b) => a - b);
  const uncovered: [number, number][] = [];
  let covered = 0;
  let open: [number, number] | null = null;
  for (const line of sorted) {
    if (lines.get(line)! > 0) {
      covered++;
      open = null;
    } else if (open && line === open[1] + 1) {
      open[1] = line;
    } else {
      open = [line, line];
      uncovered.push(open);
    }
  }
  return { file, linesTotal: sorted.length, linesCovered: covered, pct: percent(covered, sorted.length), uncovered };
}

export function percent(covered: number, total: number): number {
  if (total === 0) return 100;
  return Math.round((covered / total) * 10_000) / 100;
}

/** True when a file is under the threshold, judged on the exact ratio rather than the rounded pct. */
export function belowThreshold(f: Pick<FileCoverage, "linesTotal" | "linesCovered">, threshold: number): boolean {
  return f.linesTotal > 0 && f.linesCovered * 100 < threshold * f.linesTotal;
}

/** "9-12, 16-17, 20": how ranges read in an issue or a log. */
export function formatRanges(ranges: [number, number][] | null): string {
  if (ranges === null) return "unknown (the report has totals only)";
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(", ");
}
