// lcov tracefiles (bun --coverage-reporter=lcov, vitest/jest/c8 `lcov`, genhtml's input): streamed line by line.
// Only SF/DA/end_of_record matter for line coverage; function and branch records are read past.
import { HealError } from "../errors.ts";
import { readLines } from "./lines.ts";
import type { OnFileCoverage } from "./model.ts";

export async function parseLcov(path: string, onFile: OnFileCoverage): Promise<void> {
  let current: { file: string; lines: Map<number, number> } | null = null;
  let records = 0;
  let lineNo = 0;
  const fail = (what: string): never => {
    throw new HealError("REPORT_UNREADABLE", `lcov line ${lineNo}: ${what}`, path);
  };
  for await (const raw of readLines(path)) {
    lineNo++;
    const line = raw.trim();
    if (line === "" || line.startsWith("TN:")) continue;
    if (line.startsWith("SF:")) {
      if (current) fail("SF: before the previous record's end_of_record");
      const file = line.slice(3).trim();
      if (!file) fail("SF: without a file name");
      current = { file, lines: new Map() };
    } else if (line === "end_of_record") {
      if (!current) fail("end_of_record without SF:");
      onFile({ file: current!.file, lines: current!.lines });
      records++;
      current = null;
    } else if (line.startsWith("DA:")) {
      // DA:<line>,<hits>[,<checksum>], split by hand: there are millions of these in a large tracefile.
      const comma = line.indexOf(",", 3);
      const end = comma === -1 ? -1 : line.indexOf(",", comma + 1);
      const lineText = comma === -1 ? "" : line.slice(3, comma);
      const n = /^\d+$/.test(lineText) ? Number(lineText) : NaN;
      const count = comma === -1 ? NaN : Number(line.slice(comma + 1, end === -1 ? undefined : end));
      if (!Number.isInteger(n) || !Number.isFinite(count)) fail(`malformed ${JSON.stringify(line.slice(0, 40))}`);
      if (!current) fail("DA: outside a record");
      const hits = Math.max(0, count);
      const prev = current!.lines.get(n);
      if (n >= 1 && (prev === undefined || hits > prev)) current!.lines.set(n, hits);
    } else if (!/^[A-Z]+:/.test(line)) {
      fail(`not an lcov record: ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  if (current) fail("the last record has no end_of_record (truncated file?)");
  if (records === 0) fail("no SF:/end_of_record record");
}
