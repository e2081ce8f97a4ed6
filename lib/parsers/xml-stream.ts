// The one XML streamer: test reports (junit.ts, trx.ts, nunit.ts, xunit-net.ts) and coverage reports
// (lib/coverage/cobertura.ts, clover.ts through streamXmlTree) are read through saxes chunk by chunk with hard
// limits, so that no file — however large, truncated, hostile or mislabelled — can exhaust memory, hang, or
// resolve an entity. Every problem becomes one HealError("REPORT_UNREADABLE", "<what is wrong>", path).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { SaxesParser } from "saxes";
import { HealError } from "../errors.ts";
import { noTopTier, ScanFallback, scanXml } from "./xml-scan.ts";

export const XML_LIMITS = {
  /** Bytes read from disk at a time. */
  readBytes: 1 << 20,
  /** Characters handed to saxes per write(); the limits below are checked between writes. */
  sliceChars: 1 << 18,
  /** Pending text content beyond this is handed to onText early instead of growing inside saxes. */
  textFlushChars: 1 << 20,
  /** Attribute values are cut to this length (failure messages are capped far lower anyway). */
  attributeValueChars: 1 << 20,
  /** Element and attribute names, entity references. */
  nameChars: 4096,
  attributesPerElement: 1000,
  depth: 256,
  /** A DOCTYPE (with its internal subset) longer than this is refused while it is read. */
  doctypeChars: 1 << 16,
} as const;

/**
 * The scanner's reads are smaller than saxes's: a 256 KB string per read costs less CPU than a 1 MB one (the
 * allocator reuses its memory instead of mapping fresh pages; 100k-case and 300 MB reports, bench/xml-vs-expat.ts).
 */
const SCAN_LIMITS = { ...XML_LIMITS, readBytes: 1 << 18 };

/** Per test case, failure text and messages are kept up to this many characters. */
export const MAX_CASE_TEXT = 64 * 1024;

export interface XmlHandlers {
  onOpen(name: string, attributes: Record<string, string>): void;
  onClose(name: string): void;
  /** Text and CDATA content, possibly split into several pieces. */
  onText(text: string): void;
  /**
   * When given, text content is delivered only while this returns true (asked after every tag):
   * saxes then skips buffering the rest (indentation, system-out), which is most of a report's text.
   */
  wantsText?(): boolean;
  /**
   * With wantsText: read the wanted text from the source between tags and decode it here (entities, CDATA,
   * line ends) instead of letting saxes build it piece by piece, which costs more than the rest of a
   * failing test case. The text handed to onText is the same; a run that reaches the end of a written slice
   * unfinished (inside an entity, CDATA or tag) is completed by saxes as before.
   */
  rawText?: boolean;
}

/**
 * What a DOCTYPE gets. `ignore`: read past (bounded) and never used; entities it declares stay undefined, so a
 * reference to one is kept as its literal text (`&xxe;`), never expanded or fetched. `external-only`: the same,
 * but an internal subset is refused (Cobertura names an external DTD; an internal subset could only declare
 * entities). `refuse`: any DOCTYPE is an error.
 */
export type DoctypePolicy = "ignore" | "external-only" | "refuse";

export interface XmlStreamOptions {
  /** Returning true stops reading (the rest of the file is not checked). */
  shouldStop?: () => boolean;
  /** Default `refuse`: a caller that reads files people send says what it accepts. */
  doctype?: DoctypePolicy;
}

// saxes 6.0.0 keeps its buffers on the instance; we read them between writes to bound memory.
// tests/parsers/xml-bad-input.test.ts pins this contract: a saxes upgrade that changes it fails there.
interface SaxesInternals {
  state: number;
  /** The text being parsed (the written slice, plus a character carried from the previous one) and the position in it. */
  chunk: string;
  i: number;
  xmlDecl: { version?: string };
  /** Where an entity reference (&amp;) returns to when it ends. */
  entityReturnState: number;
  text: string;
  name: string;
  entity: string;
  attribList: unknown[];
  tags: unknown[];
  line: number;
  column: number;
}
const S = {
  DOCTYPE_FIRST: 2, // S_DOCTYPE .. S_DTD_PI_ENDING
  DOCTYPE_LAST: 12,
  TEXT: 13,
  ENTITY: 14,
  COMMENT_FIRST: 17, // S_COMMENT .. S_COMMENT_ENDED
  COMMENT_LAST: 19,
  CDATA_FIRST: 20, // S_CDATA .. S_CDATA_ENDING_2
  CDATA_LAST: 22,
  PI_FIRST: 23, // S_PI_FIRST_CHAR .. S_PI_ENDING
  PI_LAST: 26,
  ATTRIB_VALUE_QUOTED: 40,
  ATTRIB_VALUE_UNQUOTED: 42,
} as const;

/** Throws unless the installed saxes still exposes the buffers the limits rely on. */
export function assertSaxesInternals(): void {
  const parser = new SaxesParser({ xmlns: false });
  parser.on("text", () => {}); // saxes only buffers text when a text handler is set
  const p = parser as unknown as SaxesInternals;
  parser.write("<a>x");
  const ok =
    p.state === S.TEXT &&
    p.text === "x" &&
    typeof p.name === "string" &&
    typeof p.entity === "string" &&
    "entityReturnState" in p &&
    Array.isArray(p.attribList) &&
    Array.isArray(p.tags) &&
    p.tags.length === 1 &&
    p.chunk === "<a>x" &&
    typeof p.i === "number" &&
    typeof p.xmlDecl === "object";
  if (!ok) throw new Error("saxes internals changed: review lib/parsers/xml-stream.ts limits before upgrading saxes");
}

const ENCODING_IN_DECL = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/** Picks the text decoder from the BOM or the XML declaration; UTF-8 otherwise. Always fatal on bad bytes. */
function decoderFor(head: Uint8Array): TextDecoder {
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder("utf-16le", { fatal: true });
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder("utf-16be", { fatal: true });
  const ascii = new TextDecoder("latin1").decode(head.subarray(0, 200));
  const declared = ENCODING_IN_DECL.exec(ascii)?.[1]?.toLowerCase();
  if (declared && !["utf-8", "utf8"].includes(declared) && !declared.startsWith("utf-16")) {
    try {
      return new TextDecoder(declared, { fatal: true });
    } catch {
      throw new Error(`unsupported encoding "${declared.slice(0, 40)}" in the XML declaration`);
    }
  }
  return new TextDecoder("utf-8", { fatal: true });
}

/** Test reports: a DOCTYPE is read past and never used (reports from Jenkins plugins and old tools carry one). */
export const IGNORE_DTD: XmlStreamOptions = { doctype: "ignore" };

/** One printable line: no control characters, bounded length. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describeStart(text: string): string {
  const t = text.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) return "it looks like JSON";
  if (/^(TAP version|1\.\.\d|ok \d|not ok \d)/.test(t)) return "it looks like TAP";
  return `it starts with ${JSON.stringify(oneLine(t.slice(0, 20), 20))}`;
}

/** Handlers that only let saxes check the file (after the scanner delivered events and then stopped). */
const CHECK_ONLY: XmlHandlers = { onOpen() {}, onClose() {}, onText() {}, wantsText: () => false };

/**
 * Streams `path`, calling handlers for elements and text. Never loads the whole file, never declares, expands
 * or fetches an entity (a DOCTYPE is refused or ignored, `opts.doctype`), and turns every way the file can be
 * wrong into HealError("REPORT_UNREADABLE", ..., path). UTF-8 XML 1.0 is read by the scanner of xml-scan.ts;
 * what it does not take (another encoding, XML 1.1, any error) is read by saxes, whose messages the errors keep.
 */
export async function streamXml(path: string, handlers: XmlHandlers, opts: XmlStreamOptions = {}): Promise<void> {
  try {
    await scanXml(path, handlers, opts, SCAN_LIMITS);
  } catch (err) {
    if (!(err instanceof ScanFallback)) throw err;
    if (!err.delivered) return streamXmlSaxes(path, handlers, opts);
    // Events were handed over: saxes reads the file again only to say what is wrong, as it always did.
    await streamXmlSaxes(path, CHECK_ONLY, { doctype: opts.doctype });
    throw new HealError("REPORT_UNREADABLE", `not well-formed XML: ${err.reason}`, path);
  }
}

/** streamXml through saxes (the files the scanner leaves, and the error messages); exported for the tests that compare the two. */
export async function streamXmlSaxes(path: string, handlers: XmlHandlers, opts: XmlStreamOptions = {}): Promise<void> {
  const fail: (detail: string) => never = (detail) => {
    throw new HealError("REPORT_UNREADABLE", detail, path);
  };
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) fail("not a regular file");
    size = st.size;
  } catch (err) {
    if (err instanceof HealError) throw err;
    return fail(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? oneLine(String(err))}`);
  }
  if (size === 0) fail("the report is empty (0 bytes)");

  const parser = new SaxesParser({ xmlns: false, position: true });
  const internals = parser as unknown as SaxesInternals;
  // An exception thrown by a handler is the caller's (format mismatch, a bug): it passes through unchanged.
  let handlerError: unknown;
  let sawRoot = false;
  let depth = 0;
  // Explicit wrappers (no rest arguments): these run for every element of a multi-GB file.
  const { onOpen, onClose, onText, wantsText } = handlers;
  const text = (t: string) => {
    try {
      onText(t);
    } catch (err) {
      handlerError = err;
      throw err;
    }
  };
  // saxes reads its text handler when a text run starts, i.e. after a tag: toggling it here is exact.
  let textOn = false;
  const setText = (want: boolean) => {
    if (want === textOn) return;
    textOn = want;
    if (want) parser.on("text", text);
    else parser.off("text");
  };
  // Raw mode: where the wanted text run started in internals.chunk (-1: none, or saxes is building it).
  const raw = handlers.rawText === true && wantsText !== undefined;
  let rawFrom = -1;
  const toggleText = () => {
    const want = wantsText!();
    if (!raw) return setText(want);
    // After a tag saxes holds no pending text: the next run can always be read raw.
    rawFrom = want && internals.xmlDecl.version !== "1.1" ? internals.i : -1;
    setText(want && rawFrom === -1);
  };
  /** The raw run up to the tag just read (its "<" is the last one before the position). */
  const rawUpToTag = () => {
    const chunk = internals.chunk;
    const lt = chunk.lastIndexOf("<", internals.i - 1);
    if (lt > rawFrom) {
      const { text: decoded } = decodeContent(chunk.slice(rawFrom, lt));
      if (decoded) text(decoded);
    }
    rawFrom = -1;
  };
  /** At the end of a written slice: hand over what is complete; an unfinished construct is left to saxes. */
  const rawAtSliceEnd = () => {
    const piece = internals.chunk.slice(rawFrom);
    const { text: decoded, end } = decodeContent(piece);
    if (decoded) text(decoded);
    if (end < piece.length) {
      rawFrom = -1;
      setText(true);
    } else rawFrom = 0;
  };
  parser.on("opentag", (tag) => {
    sawRoot = true;
    try {
      if (rawFrom !== -1) rawUpToTag();
      if (++depth > XML_LIMITS.depth) fail(`elements are nested deeper than ${XML_LIMITS.depth} levels at line ${internals.line}`);
      onOpen(tag.name, tag.attributes as Record<string, string>);
      if (wantsText) toggleText();
    } catch (err) {
      handlerError = err;
      throw err;
    }
  });
  parser.on("closetag", (tag) => {
    depth--;
    try {
      if (rawFrom !== -1) rawUpToTag();
      onClose(tag.name);
      if (wantsText) toggleText();
    } catch (err) {
      handlerError = err;
      throw err;
    }
  });
  if (!wantsText) {
    textOn = true;
    parser.on("text", text);
  }
  // A CDATA section inside a raw run is part of the raw text.
  parser.on("cdata", raw ? (t) => rawFrom === -1 && text(t) : text);
  const doctype = opts.doctype ?? "refuse";
  let sawDoctype = false;
  parser.on("doctype", (decl) => {
    if (doctype === "refuse") fail(doctypeMessage(internals.line));
    if (doctype === "external-only" && decl.includes("[")) fail(internalSubsetMessage());
    sawDoctype = true;
  });
  // With a DTD ignored, a reference to an entity it declared is undefined: saxes keeps it as its literal text.
  parser.on("error", (err) => {
    if (sawDoctype && /undefined entity\.$/.test(err.message)) return;
    throw err;
  });

  const checkLimits = () => {
    const s = internals.state;
    if (s >= S.DOCTYPE_FIRST && s <= S.DOCTYPE_LAST) {
      if (doctype === "refuse") fail(doctypeMessage(internals.line));
      if (doctype === "external-only" && internals.text.includes("[")) fail(internalSubsetMessage());
      if (internals.text.length > XML_LIMITS.doctypeChars)
        fail(`a DOCTYPE declaration longer than ${XML_LIMITS.doctypeChars} characters at line ${internals.line}`);
    }
    if (internals.text.length > XML_LIMITS.textFlushChars) {
      // Inside "&amp;" the pending text belongs to where the reference returns.
      const s = internals.state === S.ENTITY ? internals.entityReturnState : internals.state;
      if (s === S.TEXT || (s >= S.CDATA_FIRST && s <= S.CDATA_LAST)) {
        const pending = internals.text;
        internals.text = "";
        text(pending);
      } else if ((s >= S.COMMENT_FIRST && s <= S.COMMENT_LAST) || (s >= S.PI_FIRST && s <= S.PI_LAST)) {
        internals.text = ""; // comment and processing-instruction bodies are never used
      } else if (s === S.ATTRIB_VALUE_QUOTED || s === S.ATTRIB_VALUE_UNQUOTED) {
        internals.text = internals.text.slice(0, XML_LIMITS.attributeValueChars);
      } else {
        fail(`a run of more than ${XML_LIMITS.textFlushChars} characters in markup at line ${internals.line}`);
      }
    }
    if (internals.name.length > XML_LIMITS.nameChars)
      fail(`a name longer than ${XML_LIMITS.nameChars} characters at line ${internals.line}`);
    if (internals.entity.length > XML_LIMITS.nameChars)
      fail(`an entity reference longer than ${XML_LIMITS.nameChars} characters at line ${internals.line}`);
    if (internals.attribList.length > XML_LIMITS.attributesPerElement)
      fail(`an element with more than ${XML_LIMITS.attributesPerElement} attributes at line ${internals.line}`);
    if (internals.tags.length > XML_LIMITS.depth)
      fail(`elements are nested deeper than ${XML_LIMITS.depth} levels at line ${internals.line}`);
  };

  const write = (text: string) => {
    try {
      for (let i = 0; i < text.length; i += XML_LIMITS.sliceChars) {
        parser.write(text.slice(i, i + XML_LIMITS.sliceChars));
        if (rawFrom !== -1) rawAtSliceEnd();
        checkLimits();
        if (opts.shouldStop?.()) return;
      }
    } catch (err) {
      throw xmlError(err);
    }
  };
  const xmlError = (err: unknown): unknown => {
    if (err instanceof HealError || err === handlerError) return err;
    const raw = err instanceof Error ? err.message : String(err);
    // saxes messages read "<file>:<line>:<column>: <what>"; keep the position, drop the empty file name.
    const m = /^(?:[^:]*:)?(\d+):(\d+): ([\s\S]*)$/.exec(raw);
    const what = oneLine(m ? m[3]! : raw);
    const where = m ? `line ${m[1]}, column ${m[2]}` : `line ${internals.line}`;
    if (/disallowed character|text data outside of root node/.test(what) && !sawRoot && bytesRead <= XML_LIMITS.readBytes)
      return new HealError("REPORT_UNREADABLE", `not an XML report (${what} at ${where})`, path);
    return new HealError("REPORT_UNREADABLE", `not well-formed XML at ${where}: ${what}`, path);
  };

  let decoder: TextDecoder | undefined;
  let bytesRead = 0;
  let onlyWhitespace = true;
  const stream = createReadStream(path, { highWaterMark: XML_LIMITS.readBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text: string;
      try {
        if (!decoder) decoder = decoderFor(chunk);
        text = decoder.decode(chunk, { stream: true });
      } catch (err) {
        if (err instanceof TypeError && bytesRead === 0 && looksBinary(chunk))
          fail(`not an XML report: binary data (it starts with bytes ${hexStart(chunk)})`);
        if (err instanceof TypeError)
          fail(
            `not valid ${decoder?.encoding ?? "UTF-8"} text within bytes ${bytesRead}-${bytesRead + chunk.length} (a binary file, or an encoding the XML declaration does not name)`,
          );
        fail(oneLine((err as Error).message));
      }
      if (onlyWhitespace) {
        const start = text.search(/\S/);
        if (start !== -1) {
          onlyWhitespace = false;
          const rest = text.slice(start);
          if (!rest.startsWith("<")) fail(`not an XML report: ${describeStart(rest)}`);
        }
      }
      bytesRead += chunk.length;
      write(text);
      if (opts.shouldStop?.()) return;
    }
    try {
      write(decoder?.decode() ?? "");
    } catch (err) {
      if (err instanceof TypeError) fail("not valid text at the end of the file (truncated in the middle of a character)");
      throw err;
    }
  } finally {
    stream.destroy();
  }
  if (onlyWhitespace) fail("the report is empty (only whitespace)");
  if (!sawRoot) fail("no root element (the file holds no XML element)");
  try {
    parser.close();
  } catch (err) {
    const e = xmlError(err);
    if (e instanceof HealError && e.code === "REPORT_UNREADABLE" && /unclosed tag|unexpected end/i.test(e.message))
      throw new HealError(
        "REPORT_UNREADABLE",
        `truncated: ${e.message.replace(/^not well-formed XML at /, "the XML ends early at ")}`,
        path,
      );
    throw e;
  }
}

const CONTENT_TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<[^!?>"'](?:[^>"']|"[^"]*"|'[^']*')*>|&(#x[0-9A-Fa-f]{1,8}|#[0-9]{1,10}|lt|gt|amp|quot|apos);|(&[A-Za-z_:][^\s;<&]{0,4095};)|\r\n?|[<&]/g;
const NAMED_ENTITIES = new Map([
  ["lt", "<"],
  ["gt", ">"],
  ["amp", "&"],
  ["quot", '"'],
  ["apos", "'"],
]);

/**
 * Element content as saxes hands it to a text handler, from the source text that saxes has checked: entities
 * and character references decoded, CDATA unwrapped, comments, processing instructions and tags dropped,
 * CR LF and CR read as LF. `end` is where an unfinished construct starts (the text is cut at a slice end).
 */
export function decodeContent(raw: string): { text: string; end: number } {
  if (raw.indexOf("<") === -1 && raw.indexOf("\r") === -1) return decodeEntities(raw);
  return decodeMarkup(raw);
}

function decodeMarkup(raw: string): { text: string; end: number } {
  let out = "";
  let last = 0;
  CONTENT_TOKEN.lastIndex = 0;
  for (let m = CONTENT_TOKEN.exec(raw); m !== null; m = CONTENT_TOKEN.exec(raw)) {
    const tok = m[0];
    if (tok === "<" || tok === "&") return { text: out + raw.slice(last, m.index), end: m.index };
    out += raw.slice(last, m.index);
    last = m.index + tok.length;
    if (m[1] !== undefined) out += m[1].indexOf("\r") === -1 ? m[1] : m[1].replace(/\r\n?/g, "\n");
    else if (m[2] !== undefined) {
      const e = m[2];
      out +=
        e.charCodeAt(0) === 35
          ? String.fromCodePoint(e.charCodeAt(1) === 120 ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
          : NAMED_ENTITIES.get(e)!;
    } else if (m[3] !== undefined)
      out += m[3]; // an undefined entity (DTD ignored) stays as written
    else if (tok.charCodeAt(0) === 13) out += "\n";
  }
  return { text: out + raw.slice(last), end: raw.length };
}

/** decodeContent for text without markup or CR (most failure text): entities found with indexOf. */
function decodeEntities(raw: string): { text: string; end: number } {
  let amp = raw.indexOf("&");
  if (amp === -1) return { text: raw, end: raw.length };
  const parts: string[] = [];
  let last = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(";", amp + 1);
    if (semi === -1) {
      parts.push(raw.slice(last, amp));
      return { text: parts.join(""), end: amp };
    }
    const n = semi - amp - 1;
    const c1 = raw.charCodeAt(amp + 1);
    let ch: string | undefined;
    if (n === 2 && raw.charCodeAt(amp + 2) === 116 /* t */) ch = c1 === 108 /* l */ ? "<" : c1 === 103 /* g */ ? ">" : undefined;
    else if (n === 3 && c1 === 97 && raw.charCodeAt(amp + 2) === 109 && raw.charCodeAt(amp + 3) === 112) ch = "&";
    else if (n === 4 && raw.startsWith("quot", amp + 1)) ch = '"';
    else if (n === 4 && raw.startsWith("apos", amp + 1)) ch = "'";
    else if (c1 === 35 /* # */ && n >= 2 && n <= 10) {
      const hex = raw.charCodeAt(amp + 2) === 120; /* x */
      const code = hex ? parseInt(raw.slice(amp + 3, semi), 16) : parseInt(raw.slice(amp + 2, semi), 10);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) ch = String.fromCodePoint(code);
    }
    // saxes has checked every reference; anything else is left to the general decoder.
    if (ch === undefined) return decodeMarkup(raw);
    parts.push(raw.slice(last, amp), ch);
    last = semi + 1;
    amp = raw.indexOf("&", last);
  }
  parts.push(raw.slice(last));
  return { text: parts.join(""), end: raw.length };
}

/** A NUL byte, or a first non-blank byte that cannot start XML text, in the first kilobyte. */
function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 1024);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  let i = 0;
  while (i < n && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i < n && head[i] !== 0x3c && head[i] !== 0xef; // "<" or a UTF-8 BOM
}

function hexStart(head: Uint8Array): string {
  return Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function doctypeMessage(line: number): string {
  return `refused a DOCTYPE declaration at line ${line} (it could declare entities for expansion or XXE)`;
}

function internalSubsetMessage(): string {
  return "refused a DOCTYPE with an internal subset (entity declarations)";
}

/**
 * Collects up to MAX_CASE_TEXT characters: the first half and the last half of a longer text (a huge message
 * comes before the stack frames that locate it); what lies between is counted, not kept.
 */
export class BoundedText {
  private parts: string[] = [];
  private kept = 0;
  private tail: string[] = [];
  private tailLength = 0;
  private dropped = 0;
  private readonly half: number;
  constructor(private readonly max = MAX_CASE_TEXT) {
    this.half = Math.floor(max / 2);
  }
  append(text: string): void {
    if (this.tailLength === 0 && this.kept < this.max) {
      // Everything fits so far: the head may use the whole budget until the text outgrows it.
      const room = this.max - this.kept;
      const piece = text.length > room ? text.slice(0, room) : text;
      this.parts.push(piece);
      this.kept += piece.length;
      if (piece.length === text.length) return;
      text = text.slice(piece.length);
      // Over budget: the head keeps its first half; the rest of it starts the tail.
      const head = this.parts.join("");
      this.parts = [head.slice(0, this.half)];
      this.kept = this.half;
      text = head.slice(this.half) + text;
    }
    this.tail.push(text);
    this.tailLength += text.length;
    if (this.tailLength > 2 * this.max) this.cutTail();
  }
  private cutTail(): void {
    const room = this.max - this.kept;
    if (this.tailLength <= room) return;
    const all = this.tail.join("");
    const last = own(all.slice(all.length - room));
    this.dropped += this.tailLength - last.length;
    this.tail = [last];
    this.tailLength = last.length;
  }
  get length(): number {
    return this.kept + this.tailLength + this.dropped;
  }
  /** The text kept, as a copy that shares no memory with the read buffer (see `own`). */
  toString(): string {
    this.cutTail();
    const body = this.parts.length === 1 ? own(this.parts[0]!) : this.parts.join("");
    if (this.tailLength === 0) return body;
    const tail = this.tail.join("");
    return this.dropped > 0 ? `${body}\n… [${this.dropped} characters not kept] …\n${tail}` : own(body + tail);
  }
}

/**
 * A copy of `s` that shares no memory with the text read from disk. Strings saxes hands out are slices of a
 * 1 MB read chunk, and a slice keeps its whole chunk alive: a caller that keeps the names of a 1 GB report's
 * cases would otherwise keep the whole file in memory. The parsers copy the strings of every case that is
 * not a plain pass; a caller keeping passing cases' names should `own()` them too. join builds one new flat
 * string (~100 ns; a padded slice would be two objects).
 */
export function own(s: string): string {
  return s.length === 0 ? s : [s, ""].join("");
}

/** The same case with every string field copied out of the read buffer (see `own`). */
export function ownCase<T extends { fullName: string; file?: string; message?: string; stack?: string; attempts?: { message?: string }[] }>(
  tc: T,
): T {
  tc.fullName = own(tc.fullName);
  if (tc.file !== undefined) tc.file = own(tc.file);
  if (tc.message !== undefined) tc.message = own(tc.message);
  if (tc.stack !== undefined) tc.stack = own(tc.stack);
  if (tc.attempts) for (const a of tc.attempts) if (a.message !== undefined) a.message = own(a.message);
  return tc;
}

/** Caps one attribute-sourced string the same way as element text. */
export function capText(text: string | undefined, max = MAX_CASE_TEXT): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max)}\n… [${text.length - max} more characters not kept]` : text;
}

/** "1.234", "0,5", "1,234.5" (seconds) -> milliseconds; undefined when not a number. */
export function secondsToMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // The common "0.123": digits, a dot, up to 6 digits, read without a string-to-number conversion.
  const len = value.length;
  let int = 0;
  let i = 0;
  let c = 0;
  for (; i < len && i < 10; i++) {
    c = value.charCodeAt(i);
    if (c < 48 || c > 57) break;
    int = int * 10 + (c - 48);
  }
  if (i > 0 && i <= 9 && i === len) return int * 1000; // exact below 2^53 like the slow path
  if (i > 0 && i <= 6 && c === 46 && len - i - 1 <= 6 && len - i - 1 > 0) {
    // Exact integer arithmetic (below 2^53): microseconds, then milliseconds as the slow path rounds them.
    let micros = int * 1e6;
    let unit = 1e5;
    for (i++; i < len; i++, unit /= 10) {
      c = value.charCodeAt(i);
      if (c < 48 || c > 57) break;
      micros += (c - 48) * unit;
    }
    if (i === len) return micros / 1e3;
  }
  let v = value.trim();
  if (v === "") return undefined;
  if (v.includes(",")) v = v.includes(".") ? v.replace(/,/g, "") : v.replace(",", ".");
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) return undefined;
  return Math.round(n * 1e6) / 1e3;
}

/** An element as streamXmlTree hands it over. */
export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
}

export interface XmlTreeHandlers {
  /** `path` holds the names of the open elements, outermost first, the tag itself included. */
  open(tag: XmlTag, path: readonly string[]): void;
  close?(tag: XmlTag, path: readonly string[]): void;
  /** Text directly inside the element at the top of `path`. */
  text?(text: string, path: readonly string[]): void;
}

/**
 * streamXml with the path of open elements, for readers that decide by ancestry (coverage reports). Errors of
 * the file read "<what>: <detail>"; an error thrown by a handler passes through unchanged.
 */
export async function streamXmlTree(file: string, opts: XmlStreamOptions & { what: string }, handlers: XmlTreeHandlers): Promise<void> {
  const { what } = opts;
  const path: string[] = [];
  const tags: XmlTag[] = [];
  let handlerError: unknown;
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      handlerError = err;
      throw err;
    }
  };
  const { open, close, text } = handlers;
  try {
    await streamXml(
      file,
      {
        onOpen(name, attributes) {
          const tag = { name, attributes };
          path.push(name);
          tags.push(tag);
          guard(() => open(tag, path));
        },
        onClose() {
          const tag = tags.pop()!;
          if (close) guard(() => close(tag, path));
          path.pop();
        },
        onText(t) {
          if (text) guard(() => text(t, path));
        },
        wantsText: () => text !== undefined,
      },
      opts,
    );
  } catch (err) {
    if (err !== handlerError && err instanceof HealError) throw new HealError(err.code, `${what}: ${err.message}`, err.file ?? file);
    throw err;
  }
}

noTopTier(decodeContent, decodeMarkup, decodeEntities, own, ownCase, capText, secondsToMs);
noTopTier(
  BoundedText.prototype.append,
  BoundedText.prototype.toString,
  Object.getOwnPropertyDescriptor(BoundedText.prototype, "length")!.get!,
);
