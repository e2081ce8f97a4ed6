// Clover XML (istanbul `clover`, jest, PHPUnit --coverage-clover, OpenClover), streamed.
// Line coverage counts `stmt` and `cond` lines; `method` lines mark declarations, as in Clover's own totals.
// Files under <testproject> are the test sources themselves and are left out.
import { HealError } from "../errors.ts";
import type { OnFileCoverage } from "./model.ts";
import { streamXmlTree } from "../parsers/xml-stream.ts";

// The report names an external DTD (never read); an internal subset could only declare entities.
const XML = { what: "Clover XML", doctype: "external-only" } as const;

export async function parseClover(path: string, onFile: OnFileCoverage): Promise<void> {
  let current: { file: string; lines: Map<number, number> } | null = null;
  let sawRoot = false;
  const fail = (what: string): never => {
    throw new HealError("REPORT_UNREADABLE", `Clover: ${what}`, path);
  };
  await streamXmlTree(path, XML, {
    open(tag, at) {
      if (at.length === 1) {
        if (tag.name !== "coverage") fail(`the root element is <${tag.name}>, not <coverage>`);
        sawRoot = true;
      } else if (tag.name === "file" && !at.includes("testproject")) {
        const file = tag.attributes.path || tag.attributes.name;
        if (!file) fail("a <file> without path or name");
        current = { file: file!, lines: new Map() };
      } else if (tag.name === "line" && current && at[at.length - 2] === "file") {
        const type = tag.attributes.type ?? "stmt";
        if (type !== "stmt" && type !== "cond") return;
        const n = Number(tag.attributes.num);
        const hits = Number(tag.attributes.count);
        if (!Number.isInteger(n) || !Number.isFinite(hits)) fail(`a <line> in ${current.file} without a valid num/count`);
        const prev = current.lines.get(n);
        if (n >= 1 && (prev === undefined || hits > prev)) current.lines.set(n, Math.max(0, hits));
      }
    },
    close(tag) {
      if (tag.name === "file" && current) {
        onFile({ file: current.file, lines: current.lines });
        current = null;
      }
    },
  });
  if (!sawRoot) fail("no <coverage> element");
}
