// Streams an XML coverage report through saxes: constant memory whatever the report's size, no DTD
// processing (an entity defined in a DOCTYPE is an error, so entity expansion and XXE cannot happen).
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
  parser.on("opentag", (tag) => {
    path.push(tag.name);
    handlers.open(tag as SaxesTagPlain, path);
  });
  parser.on("closetag", (tag) => {
    handlers.close?.(tag as SaxesTagPlain, path);
    path.pop();
  });
  if (handlers.text) {
    const onText = handlers.text;
    parser.on("text", (t) => onText(t, path));
    parser.on("cdata", (t) => onText(t, path));
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
