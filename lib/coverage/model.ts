// Line coverage as every coverage parser hands it over, and the one way it becomes a FileCoverage:
// merge reports and shards of the same file (max hits per line), count lines, merge uncovered ranges.

export type CoverageFormat = "lcov" | "istanbul" | "istanbul-summary" | "coveragepy" | "cobertura" | "clover" | "go";

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

/** Line hits of one file, sorted by line: 12 bytes a line, where a Map costs several times that. */
export interface CompactLines {
  lines: Uint32Array;
  hits: Float64Array;
}

export function compactLines(map: Map<number, number>): CompactLines {
  const lines = Uint32Array.from(map.keys()).sort();
  const hits = new Float64Array(lines.length);
  for (let i = 0; i < lines.length; i++) hits[i] = map.get(lines[i]!)!;
  return { lines, hits };
}

/** Union of two files' lines; a line present in both keeps the higher hit count. */
export function mergeCompact(a: CompactLines, b: CompactLines): CompactLines {
  const lines = new Uint32Array(a.lines.length + b.lines.length);
  const hits = new Float64Array(lines.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.lines.length || j < b.lines.length) {
    const la = i < a.lines.length ? a.lines[i]! : Infinity;
    const lb = j < b.lines.length ? b.lines[j]! : Infinity;
    if (la === lb) {
      lines[n] = la;
      hits[n++] = Math.max(a.hits[i++]!, b.hits[j++]!);
    } else if (la < lb) {
      lines[n] = la;
      hits[n++] = a.hits[i++]!;
    } else {
      lines[n] = lb;
      hits[n++] = b.hits[j++]!;
    }
  }
  return { lines: lines.slice(0, n), hits: hits.slice(0, n) };
}

/** One file's data from one report, compacted as soon as the parser hands it over. */
export interface CompactFileCoverage {
  lines?: CompactLines;
  summary?: { total: number; covered: number };
}

export function compactRaw(raw: RawFileCoverage): CompactFileCoverage {
  return raw.lines ? { lines: compactLines(raw.lines) } : raw.summary ? { summary: { ...raw.summary } } : {};
}

/** Accumulates the records of one mapped file from any number of reports. */
export class FileCoverageAccumulator {
  private lines: CompactLines | null = null;
  private summary: { total: number; covered: number } | null = null;

  add(raw: RawFileCoverage | CompactFileCoverage): void {
    const data = raw.lines instanceof Map ? compactRaw(raw as RawFileCoverage) : (raw as CompactFileCoverage);
    if (data.lines) {
      this.lines = this.lines ? mergeCompact(this.lines, data.lines) : data.lines;
    } else if (data.summary) {
      // Totals cannot be merged line by line: keep the report that saw the most covered lines.
      if (!this.summary || data.summary.covered > this.summary.covered) this.summary = { ...data.summary };
    }
  }

  /** Per-line data wins over totals: a summary adds nothing a line report of the same file lacks. */
  result(file: string): FileCoverage {
    if (this.lines) return fileCoverageFromCompact(file, this.lines);
    const s = this.summary ?? { total: 0, covered: 0 };
    return { file, linesTotal: s.total, linesCovered: s.covered, pct: percent(s.covered, s.total), uncovered: null };
  }
}

export function fileCoverageFromLines(file: string, lines: Map<number, number>): FileCoverage {
  return fileCoverageFromCompact(file, compactLines(lines));
}

export function fileCoverageFromCompact(file: string, c: CompactLines): FileCoverage {
  const uncovered: [number, number][] = [];
  let covered = 0;
  let open: [number, number] | null = null;
  for (let i = 0; i < c.lines.length; i++) {
    const line = c.lines[i]!;
    if (c.hits[i]! > 0) {
      covered++;
      open = null;
    } else if (open && line === open[1] + 1) {
      open[1] = line;
    } else {
      open = [line, line];
      uncovered.push(open);
    }
  }
  return { file, linesTotal: c.lines.length, linesCovered: covered, pct: percent(covered, c.lines.length), uncovered };
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
