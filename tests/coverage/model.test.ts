// Merging, counting and the threshold: the arithmetic every format shares.
import { describe, expect, test } from "bun:test";
import {
  belowThreshold,
  FileCoverageAccumulator,
  fileCoverageFromLines,
  formatRanges,
  percent,
  type FileCoverage,
} from "../../lib/coverage/model.ts";
import { displayPct, summarizeCoverage } from "../../lib/coverage/summary.ts";

const lines = (entries: [number, number][]) => new Map(entries);

describe("FileCoverage from line hits", () => {
  test("consecutive uncovered lines form one range; a gap of non-executable lines splits ranges", () => {
    const f = fileCoverageFromLines(
      "a.ts",
      lines([
        [1, 1],
        [3, 0],
        [4, 0],
        [5, 0],
        [7, 0],
        [9, 2],
        [10, 0],
      ]),
    );
    expect(f).toEqual({
      file: "a.ts",
      linesTotal: 7,
      linesCovered: 2,
      pct: 28.57,
      uncovered: [
        [3, 5],
        [7, 7],
        [10, 10],
      ],
    });
    expect(formatRanges(f.uncovered)).toBe("3-5, 7, 10");
  });

  test("a file without executable lines is 100% and never under the threshold", () => {
    const f = fileCoverageFromLines("empty.py", new Map());
    expect(f).toEqual({ file: "empty.py", linesTotal: 0, linesCovered: 0, pct: 100, uncovered: [] });
    expect(belowThreshold(f, 80)).toBe(false);
  });

  test("shards merge with the highest hits per line, whatever order they come in", () => {
    const a = new FileCoverageAccumulator();
    a.add({
      file: "x",
      lines: lines([
        [1, 0],
        [2, 5],
        [3, 0],
      ]),
    });
    a.add({
      file: "x",
      lines: lines([
        [1, 2],
        [2, 0],
        [4, 0],
      ]),
    });
    const b = new FileCoverageAccumulator();
    b.add({
      file: "x",
      lines: lines([
        [1, 2],
        [2, 0],
        [4, 0],
      ]),
    });
    b.add({
      file: "x",
      lines: lines([
        [1, 0],
        [2, 5],
        [3, 0],
      ]),
    });
    const expected: FileCoverage = { file: "m", linesTotal: 4, linesCovered: 2, pct: 50, uncovered: [[3, 4]] };
    expect(a.result("m")).toEqual(expected);
    expect(b.result("m")).toEqual(expected);
  });

  test("totals-only reports: the one with most covered lines; unknown ranges", () => {
    const a = new FileCoverageAccumulator();
    a.add({ file: "x", summary: { total: 10, covered: 4 } });
    a.add({ file: "x", summary: { total: 10, covered: 7 } });
    a.add({ file: "x", summary: { total: 10, covered: 5 } });
    expect(a.result("x")).toEqual({ file: "x", linesTotal: 10, linesCovered: 7, pct: 70, uncovered: null });
    expect(formatRanges(null)).toBe("unknown (the report has totals only)");
  });
});

describe("threshold and percentages", () => {
  test("the threshold is judged on the exact ratio: 7999/10000 is under 80, 8/10 is not", () => {
    expect(belowThreshold({ linesTotal: 10000, linesCovered: 7999 }, 80)).toBe(true);
    expect(belowThreshold({ linesTotal: 10, linesCovered: 8 }, 80)).toBe(false);
    expect(percent(7999, 10000)).toBe(79.99);
    expect(percent(2, 3)).toBe(66.67);
  });

  test("shown percentages round down, so a file under 80% never reads 80%", () => {
    expect(displayPct(7999, 10000)).toBe("79.9");
    expect(displayPct(4, 9)).toBe("44.4");
    expect(displayPct(13, 20)).toBe("65");
    expect(displayPct(0, 0)).toBe("100");
  });

  test("worst first: lowest ratio, then most uncovered lines, then path", () => {
    const f = (file: string, covered: number, total: number) => ({
      file,
      linesCovered: covered,
      linesTotal: total,
      pct: percent(covered, total),
      uncovered: [],
    });
    const s = summarizeCoverage(
      {
        files: [f("a.ts", 9, 10), f("b.ts", 1, 4), f("c.ts", 5, 20), f("d.ts", 1, 4), f("e.ts", 0, 0), f("f.ts", 50, 100)],
        reports: [],
        errors: [],
        skippedFiles: 0,
      },
      80,
    );
    expect(s.belowThreshold).toEqual(["c.ts", "b.ts", "d.ts", "f.ts"]);
    expect(s.overall).toEqual({ linesTotal: 138, linesCovered: 66, pct: 47.83 });
  });
});
