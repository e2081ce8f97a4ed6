// Go coverprofiles (`go test -coverprofile`, any of `mode: set|count|atomic`), streamed.
// A block `file:l1.c1,l2.c2 stmts count` covers lines l1..l2; a line's hits are the highest of the blocks
// touching it, so a line shared by a run block and a skipped one (`} else {`) counts as covered.
// File names are import paths (`example.com/mod/pkg/file.go`): the caller maps them to repository files.
import { HealError } from "../errors.ts";
import { readLines } from "./lines.ts";
import type { OnFileCoverage } from "./model.ts";

const BLOCK = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;

export async function parseGoCoverprofile(path: string, onFile: OnFileCoverage): Promise<void> {
  const files = new Map<string, Map<number, number>>();
  let lineNo = 0;
  const fail = (what: string): never => {
    throw new HealError("REPORT_UNREADABLE", `Go coverprofile line ${lineNo}: ${what}`, path);
  };
  for await (const raw of readLines(path)) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    // `go test -coverprofile` across packages, or shards concatenated: a mode line may repeat.
    if (line.startsWith("mode:")) {
      if (!/^mode: (set|count|atomic)$/.test(line)) fail(`unknown ${JSON.stringify(line.slice(0, 40))}`);
      continue;
    }
    if (lineNo === 1) fail("the first line is not `mode: set|count|atomic`");
    const m = BLOCK.exec(line);
    if (!m) fail(`not a coverage block: ${JSON.stringify(line.slice(0, 60))}`);
    const [, file, l1, , l2, , stmts, count] = m!;
    const start = Number(l1);
    const end = Number(l2);
    if (start < 1 || end < start) fail(`block lines ${start}..${end} are out of order`);
    if (Number(stmts) === 0) continue;
    let lines = files.get(file!);
    if (!lines) files.set(file!, (lines = new Map()));
    const hits = Number(count);
    for (let n = start; n <= end; n++) {
      const prev = lines.get(n);
      if (prev === undefined || hits > prev) lines.set(n, hits);
    }
  }
  if (lineNo === 0) fail("the file is empty");
  for (const [file, lines] of files) onFile({ file, lines });
}
