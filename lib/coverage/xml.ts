// Streams an XML coverage report through saxes: memory bounded by the largest text node, not the file; a DOCTYPE
// with an internal subset is refused and saxes never expands declared entities or fetches anything (no XXE).
// Not lib/parsers/xml-stream.ts: that one refuses every DOCTYPE, and Cobertura reports carry one.
import { createReadStream } from "node:fs";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { HealError } from "../errors.ts";

export interface XmlHandlers {
  open(tag: SaxesTagPlain, path: readonly string[]): void;
  close?(tag: SaxesTagPlain, path: readonly string[]): void;
  /** Text directly inside the element at the top of `path`. */
  text?(text: string, path: readonly string[]): void;
}

/** `path` is the names of the open elements, outermost first, including the tag itself in open/close. */
export async function streamXml(file: string, what: string, handlers: XmlHandlers): Promise<void> {
  const parser = new SaxesParser({ position: true });
  const path: string[] = [];
  let failure: Error | null = null;
  parser.on("error", (err) => {
    failure ??= err;
  });
  // Cobertura writes `<!DOCTYPE coverage SYSTEM "...dtd">` (never fetched); an internal subset could only
  // declare entities, which no coverage report needs.
  parser.on("doctype", (doctype) => {
    if (doctype.includes("[")) failure ??= new Error("refused a DOCTYPE with an internal subset (entity declarations)");
  });
  parser.on("opentag", (tag) => {
    if (failure) return;
    path.push(tag.name);
    handlers.open(tag as SaxesTagPlain, path);
  });
  parser.on("closetag", (tag) => {
    if (failure) return;
    handlers.close?.(tag as SaxesTagPlain, path);
    path.pop();
  });
  if (handlers.text) {
    const onText = handlers.text;
    parser.on("text", (t) => failure || onText(t, path));
    parser.on("cdata", (t) => failure || onText(t, path));
  }
  const input = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  try {
    for await (const chunk of input) {
      parser.write(chunk as string);
      if (failure) break;
    }
    if (!failure) parser.close();
  } catch (err) {
    if (err instanceof HealError) throw err;
    failure ??= err as Error;
  } finally {
    input.destroy();
  }
  if (failure) {
    throw new HealError("REPORT_UNREADABLE", `${what}: ${(failure as Error).message.split("\n")[0]}`, file);
  }
}
