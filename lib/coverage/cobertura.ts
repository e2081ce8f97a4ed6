// Cobertura XML (coverage.py `coverage xml`, istanbul `cobertura`, gcovr, JaCoCo converters), streamed.
// Line coverage comes from each class's own <lines>: method <lines> repeat them (Java) or add declaration
// lines that the class totals leave out (istanbul), so counting them would disagree with the report's line-rate.
import { HealError } from "../errors.ts";
import type { OnFileCoverage } from "./model.ts";
import { streamXmlTree } from "../parsers/xml-stream.ts";

// The report names an external DTD (never read); an internal subset could only declare entities.
const XML = { what: "Cobertura XML", doctype: "external-only" } as const;

export async function parseCobertura(path: string, onFile: OnFileCoverage): Promise<void> {
  const sources: string[] = [];
  let sourceText: string | null = null;
  let current: { file: string; lines: Map<number, number> } | null = null;
  let sawRoot = false;
  const fail = (what: string): never => {
    throw new HealError("REPORT_UNREADABLE", `Cobertura: ${what}`, path);
  };
  await streamXmlTree(path, XML, {
    open(tag, at) {
      if (at.length === 1) {
        if (tag.name !== "coverage") fail(`the root element is <${tag.name}>, not <coverage>`);
        sawRoot = true;
      } else if (tag.name === "source" && at[at.length - 2] === "sources") {
        sourceText = "";
      } else if (tag.name === "class") {
        const file = tag.attributes.filename;
        if (!file) fail("a <class> without filename");
        current = { file: file!, lines: new Map() };
      } else if (tag.name === "line" && current && at[at.length - 2] === "lines" && at[at.length - 3] === "class") {
        const n = Number(tag.attributes.number);
        const hits = Number(tag.attributes.hits);
        if (!Number.isInteger(n) || !Number.isFinite(hits)) fail(`a <line> in ${current.file} without a valid number/hits`);
        const prev = current.lines.get(n);
        if (n >= 1 && (prev === undefined || hits > prev)) current.lines.set(n, Math.max(0, hits));
      }
    },
    text(t, at) {
      if (sourceText !== null && at[at.length - 1] === "source") sourceText += t;
    },
    close(tag) {
      if (tag.name === "source" && sourceText !== null) {
        if (sourceText.trim()) sources.push(sourceText.trim());
        sourceText = null;
      } else if (tag.name === "class" && current) {
        onFile({ file: current.file, lines: current.lines, bases: sources });
        current = null;
      }
    },
  });
  if (!sawRoot) fail("no <coverage> element");
}
