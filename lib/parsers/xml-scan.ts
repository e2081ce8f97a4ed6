// The fast XML scanner behind streamXml (lib/parsers/xml-stream.ts): UTF-8 reports read 256 KB at a time, each read
// decoded once (with the bytes the last scan left unfinished in front of it), scanned with indexOf/charCodeAt. It covers what reports use (elements, attributes in either
// quote, the five entities and character references, CDATA, comments, PIs, a DOCTYPE skipped with its internal
// subset, a BOM, characters split across chunks) and hands over the same events saxes did. Anything else — a
// file that is not UTF-8, XML 1.1, a limit passed, anything malformed — throws ScanFallback: streamXml then
// lets saxes read the file, so every error reads exactly as before.
import { noFTL } from "bun:jsc";
import { open } from "node:fs/promises";
import type { DoctypePolicy, XmlHandlers, XmlStreamOptions } from "./xml-stream.ts";

/**
 * Keeps functions out of JSC's top tier (FTL): on a report of tens of MB its compiles cost more CPU than they
 * save (a 100k-case report parses in about three quarters of the CPU without them; a 300 MB one the same).
 */
export function noTopTier(...fns: ((...args: never[]) => unknown)[]): void {
  for (const f of fns) noFTL(f);
}

/** Bounds shared with xml-stream.ts's XML_LIMITS (kept here so the scanner has no import cycle at load). */
export interface ScanLimits {
  readBytes: number;
  attributeValueChars: number;
  nameChars: number;
  attributesPerElement: number;
  depth: number;
  doctypeChars: number;
}

/** The scanner stopped: `delivered` says whether handlers were already called (then saxes only checks the file). */
export class ScanFallback extends Error {
  constructor(
    readonly reason: string,
    readonly delivered: boolean,
  ) {
    super(reason);
  }
}

// Characters XML 1.0 forbids anywhere (lone surrogates cannot occur: the decoder is fatal on bad UTF-8).
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const DECL = /^\uFEFF?<\?xml[^>]*?\sversion\s*=\s*["']([^"']*)["'](?:[^>]*?\sencoding\s*=\s*["']([^"']*)["'])?/;

/** A well-formed XML declaration (anything else is left to saxes to word). */
const XML_DECL =
  /^<\?xml\s+version\s*=\s*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:\s+encoding\s*=\s*(?:"[A-Za-z][\w.-]*"|'[A-Za-z][\w.-]*'))?(?:\s+standalone\s*=\s*(?:"(?:yes|no)"|'(?:yes|no)'))?\s*\?>$/;

const TEXT = 0;
const CDATA = 1;
const COMMENT = 2;

/** XML name characters beyond ASCII (the NameStartChar/NameChar ranges of XML 1.0 5th edition). */
function isNameNonAscii(c: number, start: boolean): boolean {
  if (c >= 0xd800 && c <= 0xdbff) return true; // a surrogate pair: planes 1-14 are name characters
  if (c >= 0xdc00 && c <= 0xdfff) return true;
  if (!start && (c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040)) return true;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
  return isNameNonAscii(c, true);
}

function isNameChar(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46;
  return c === c && isNameNonAscii(c, false); // NaN: past the end
}

function isXmlChar(code: number): boolean {
  return (
    code === 9 ||
    code === 10 ||
    code === 13 ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The character a reference stands for (`raw` holds "&...;" from `amp` to `semi`); undefined when malformed. */
function reference(raw: string, amp: number, semi: number, keepUndefined: boolean): string | undefined {
  const n = semi - amp - 1;
  const c1 = raw.charCodeAt(amp + 1);
  if (n === 2 && raw.charCodeAt(amp + 2) === 116) {
    if (c1 === 108) return "<";
    if (c1 === 103) return ">";
  } else if (n === 3 && c1 === 97 && raw.charCodeAt(amp + 2) === 109 && raw.charCodeAt(amp + 3) === 112) return "&";
  else if (n === 4 && c1 === 113 && raw.startsWith("quot", amp + 1)) return '"';
  else if (n === 4 && c1 === 97 && raw.startsWith("apos", amp + 1)) return "'";
  else if (c1 === 35) {
    const hex = raw.charCodeAt(amp + 2) === 120;
    const digits = raw.slice(amp + (hex ? 3 : 2), semi);
    // Any number of leading zeros is allowed; a value past U+10FFFF is refused by isXmlChar.
    if (digits.length === 0 || !(hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits)) return undefined;
    const code = parseInt(digits, hex ? 16 : 10);
    return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
  }
  // Not one of the five: a name must follow, and only an ignored DTD makes it literal text.
  if (n === 0 || !keepUndefined || !isNameStart(c1)) return undefined;
  for (let k = amp + 2; k < semi; k++) if (!isNameChar(raw.charCodeAt(k))) return undefined;
  return raw.slice(amp, semi + 1);
}

/**
 * Element content as saxes delivers it: references decoded, CR LF and CR read as LF. An undefined entity stays
 * literal when a DTD was read past; otherwise, or for any other malformed reference, returns undefined.
 */
export function decodeXmlText(raw: string, keepUndefined: boolean): string | undefined {
  let amp = raw.indexOf("&");
  let cr = raw.indexOf("\r");
  if (amp === -1 && cr === -1) return raw;
  let out = "";
  let last = 0;
  const len = raw.length;
  if (amp === -1) amp = len;
  if (cr === -1) cr = len;
  while (amp < len || cr < len) {
    if (amp < cr) {
      const semi = raw.indexOf(";", amp + 1);
      if (semi === -1) return undefined;
      const ch = reference(raw, amp, semi, keepUndefined);
      if (ch === undefined) return undefined;
      out += raw.slice(last, amp) + ch;
      last = semi + 1;
      amp = raw.indexOf("&", last);
      if (amp === -1) amp = len;
      if (cr < last) {
        cr = raw.indexOf("\r", last);
        if (cr === -1) cr = len;
      }
    } else {
      out += `${raw.slice(last, cr)}\n`;
      last = raw.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      cr = raw.indexOf("\r", last);
      if (cr === -1) cr = len;
    }
  }
  return out + raw.slice(last);
}

/** An attribute value as saxes delivers it: references decoded, tab, LF, CR LF and CR read as one space; "<" refused. */
export function decodeXmlAttr(raw: string, keepUndefined: boolean): string | undefined {
  let out = "";
  let last = 0;
  const len = raw.length;
  for (let i = 0; i < len; i++) {
    const c = raw.charCodeAt(i);
    if (c > 38) {
      if (c === 60) return undefined;
    } else if (c === 38) {
      const semi = raw.indexOf(";", i + 1);
      if (semi === -1) return undefined;
      const ch = reference(raw, i, semi, keepUndefined);
      if (ch === undefined) return undefined;
      out += raw.slice(last, i) + ch;
      i = semi;
      last = semi + 1;
    } else if (c === 13 || c === 10 || c === 9) {
      out += `${raw.slice(last, i)} `;
      if (c === 13 && raw.charCodeAt(i + 1) === 10) i++;
      last = i + 1;
    }
  }
  return last === 0 ? raw : out + raw.slice(last);
}

/** Whether a streamed file can be scanned here: UTF-8 (BOM or not), XML 1.0. */
function scannable(head: Uint8Array): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  const ascii = new TextDecoder("latin1").decode(head.subarray(0, 200)).replace(/^\u00ef\u00bb\u00bf/, "\uFEFF");
  const m = DECL.exec(ascii);
  if (!m) return !/^\uFEFF?<\?xml[\s?]/.test(ascii); // a declaration we cannot read: saxes says why
  const encoding = m[2]?.toLowerCase();
  return m[1] === "1.0" && (encoding === undefined || encoding === "utf-8" || encoding === "utf8");
}

/**
 * Scans `path`, calling handlers as saxes would. Throws ScanFallback when saxes must read the file instead;
 * an exception thrown by a handler passes through unchanged.
 */
export async function scanXml(path: string, handlers: XmlHandlers, opts: XmlStreamOptions, limits: ScanLimits): Promise<void> {
  const { onOpen, onClose, onText, wantsText } = handlers;
  const doctype: DoctypePolicy = opts.doctype ?? "refuse";
  const shouldStop = opts.shouldStop;
  const { attributeValueChars, nameChars, attributesPerElement, doctypeChars } = limits;
  const maxDepth = limits.depth;

  let delivered = false;
  const bail = (reason: string): never => {
    throw new ScanFallback(reason, delivered);
  };

  const stack: string[] = [];
  let depth = 0;
  let sawRoot = false;
  let rootClosed = false;
  let sawDoctype = false;
  let stopped = false;
  /** Any markup read yet (an XML declaration must come first). */
  let seenMarkup = false;
  let textOn = wantsText === undefined;
  let mode = TEXT;
  /** Where the next "&" and "]" are in the current string (recomputed when passed). */
  let nextAmp = -1;
  let nextBracket = -1;

  // Names repeat on every element: the same string each time is compared by pointer and is a property key
  // already (a fresh slice as an object key is hashed and atomised on every element).
  const byLength: string[][] = [];
  for (let k = 0; k < 40; k++) byLength.push([]);
  const intern = (s: string, a: number, b: number): string => {
    const n = b - a;
    if (n >= 40) return s.slice(a, b);
    const bucket = byLength[n]!;
    for (let k = 0; k < bucket.length; k++) {
      const w = bucket[k]!;
      let m = 0;
      while (m < n && w.charCodeAt(m) === s.charCodeAt(a + m)) m++;
      if (m === n) return w;
    }
    const w = s.slice(a, b);
    if (bucket.length < 8) bucket.push([w, ""].join("")); // a copy: a slice would keep its 1 MB chunk alive
    return w;
  };

  const afterTag = () => {
    if (wantsText !== undefined) textOn = wantsText();
  };

  /** Text run [a, b) of `s` (no "<" in it). */
  const text = (s: string, a: number, b: number) => {
    if (depth === 0) {
      seenMarkup = true; // an XML declaration after this is not at the start
      for (let k = a; k < b; k++) {
        const c = s.charCodeAt(k);
        if (c !== 32 && c !== 10 && c !== 9 && c !== 13) bail("text outside the root element");
      }
      // saxes hands over the blank text after the root element (not before it).
      if (rootClosed && textOn) {
        delivered = true;
        onText(decodeXmlText(s.slice(a, b), false)!);
      }
      return;
    }
    // "]]>" may not appear in text: each "]" is looked at (the one-character indexOf is the fast one).
    if (nextBracket < a) {
      nextBracket = s.indexOf("]", a);
      if (nextBracket === -1) nextBracket = s.length;
    }
    while (nextBracket < b) {
      if (nextBracket + 2 < b && s.charCodeAt(nextBracket + 1) === 93 && s.charCodeAt(nextBracket + 2) === 62) bail('"]]>" in text');
      nextBracket = s.indexOf("]", nextBracket + 1);
      if (nextBracket === -1) nextBracket = s.length;
    }
    if (textOn) {
      const t = decodeXmlText(s.slice(a, b), sawDoctype);
      if (t === undefined) bail("a malformed reference in text");
      delivered = true;
      onText(t!);
      return;
    }
    if (nextAmp < a) {
      nextAmp = s.indexOf("&", a);
      if (nextAmp === -1) nextAmp = s.length;
    }
    if (nextAmp < b) {
      if (decodeXmlText(s.slice(nextAmp, b), sawDoctype) === undefined) bail("a malformed reference in text");
      nextAmp = -1;
    }
  };

  /** Where a text run that reaches the end of `s` can be cut: before a reference, a CR or "]]" that may go on. */
  const textCut = (s: string, a: number): number => {
    let cut = s.length - 2;
    if (s.charCodeAt(cut - 1) === 13) cut--;
    const amp = s.lastIndexOf("&", cut - 1);
    if (amp >= a) {
      const semi = s.indexOf(";", amp);
      if (semi === -1 || semi >= cut) {
        if (s.length - amp > nameChars + 16) bail("an entity reference too long");
        cut = amp;
      }
    }
    return cut < a ? a : cut;
  };

  /** Scans `s` from `i`; returns where the unfinished rest starts (carried into the next chunk). */
  const scan = (s: string, i: number, final: boolean): number => {
    const len = s.length;
    nextAmp = -1;
    nextBracket = -1;
    for (;;) {
      if (mode !== TEXT) {
        const e = closer(s, i, mode === CDATA ? 93 : 45);
        if (e === -1) {
          if (final) bail("unclosed CDATA section or comment");
          let cut = len - 2 < i ? i : len - 2;
          if (mode === CDATA && s.charCodeAt(cut - 1) === 13 && cut - 1 >= i) cut--;
          if (mode === CDATA && textOn && cut > i) cdata(s.slice(i, cut));
          return cut;
        }
        if (mode === CDATA && textOn && e > i) cdata(s.slice(i, e));
        i = e + 3;
        mode = TEXT;
      }
      const lt = s.indexOf("<", i);
      if (lt === -1) {
        if (i < len) {
          const cut = final ? len : textCut(s, i);
          if (cut > i) text(s, i, cut);
          return cut;
        }
        return len;
      }
      // Blank or unwanted text with no reference or "]" in it needs nothing (most text between tags).
      if (lt > i && (textOn || depth === 0 || nextAmp < lt || nextBracket < lt)) text(s, i, lt);
      i = lt;
      const c = s.charCodeAt(lt + 1);
      if (c === 47) {
        // </name>
        if (depth === 0) bail("a close tag outside the root element");
        const top = stack[depth - 1]!;
        let j = lt + 2;
        if (!s.startsWith(top, j)) {
          if (len - j < top.length && top.startsWith(s.slice(j))) return lt;
          bail("unexpected close tag");
        }
        j += top.length;
        let d = s.charCodeAt(j);
        while (d === 32 || d === 10 || d === 9 || d === 13) d = s.charCodeAt(++j);
        if (d !== 62) {
          if (j >= len) return lt;
          bail("unexpected close tag");
        }
        i = j + 1;
        depth--;
        if (depth === 0) rootClosed = true;
        onClose(top);
        afterTag();
        if (shouldStop?.()) {
          stopped = true;
          return i;
        }
      } else if (c === 33) {
        // <!-- -->, <![CDATA[ ]]>, <!DOCTYPE >
        if (len - lt < 4) {
          if (final) bail("unfinished markup");
          return lt;
        }
        seenMarkup = true;
        if (s.charCodeAt(lt + 2) === 45) {
          if (s.charCodeAt(lt + 3) !== 45) bail("malformed comment");
          const e = closer(s, lt + 4, 45);
          if (e === -1) {
            mode = COMMENT;
            i = lt + 4;
            continue;
          }
          if (s.indexOf("--", lt + 4) !== e) bail('"--" in a comment');
          i = e + 3;
        } else if (len - lt < 9 && !final) {
          return lt;
        } else if (s.startsWith("[CDATA[", lt + 2)) {
          if (depth === 0) bail("CDATA outside the root element");
          mode = CDATA;
          i = lt + 9;
        } else if (s.startsWith("DOCTYPE", lt + 2)) {
          const e = doctypeEnd(s, lt + 9);
          if (e === -1) {
            if (len - lt > doctypeChars) bail("a DOCTYPE too long");
            if (final) bail("unfinished DOCTYPE");
            return lt;
          }
          if (e - lt > doctypeChars) bail("a DOCTYPE too long");
          if (sawRoot || sawDoctype || doctype === "refuse") bail("a DOCTYPE refused");
          if (doctype === "external-only" && s.slice(lt, e).includes("[")) bail("an internal subset refused");
          sawDoctype = true;
          i = e + 1;
        } else bail("unknown markup");
      } else if (c === 63) {
        // <?target ...?>
        const e = s.indexOf("?>", lt + 2);
        if (e === -1) {
          if (final || len - lt > doctypeChars) bail("unfinished processing instruction");
          return lt;
        }
        let j = lt + 2;
        if (!isNameStart(s.charCodeAt(j))) bail("malformed processing instruction");
        while (isNameChar(s.charCodeAt(j))) j++;
        const after = s.charCodeAt(j);
        if (j !== e && after !== 32 && after !== 10 && after !== 9 && after !== 13) bail("malformed processing instruction");
        if (s.slice(lt + 2, j).toLowerCase() === "xml" && (seenMarkup || !XML_DECL.test(s.slice(lt, e + 2))))
          bail("an XML declaration not at the start, or malformed");
        seenMarkup = true;
        i = e + 2;
      } else {
        // <name attr="value" ...> or />
        if (c !== c) {
          if (final) bail("unfinished tag");
          return lt;
        }
        if (rootClosed) bail("a second root element");
        if (!isNameStart(c)) bail("disallowed character in a tag name");
        let j = lt + 2;
        while (isNameChar(s.charCodeAt(j))) j++;
        if (j - lt - 1 > nameChars) bail("a name too long");
        if (j >= len) return final ? bail("unfinished tag") : lt;
        const name = intern(s, lt + 1, j);
        const attrs: Record<string, string> = Object.create(null);
        let n = 0;
        let selfClose = false;
        for (;;) {
          let d = s.charCodeAt(j);
          let ws = false;
          while (d === 32 || d === 10 || d === 9 || d === 13) {
            ws = true;
            d = s.charCodeAt(++j);
          }
          if (d === 62) {
            j++;
            break;
          }
          if (d === 47) {
            if (s.charCodeAt(j + 1) === 62) {
              selfClose = true;
              j += 2;
              break;
            }
            if (j + 1 >= len) return final ? bail("unfinished tag") : lt;
            bail("malformed tag");
          }
          if (j >= len) return final ? bail("unfinished tag") : lt;
          if (!ws || !isNameStart(d)) bail("malformed attribute");
          const an = j;
          j++;
          while (isNameChar(s.charCodeAt(j))) j++;
          if (j - an > nameChars) bail("a name too long");
          if (j >= len) return final ? bail("unfinished tag") : lt;
          const aname = intern(s, an, j);
          d = s.charCodeAt(j);
          while (d === 32 || d === 10 || d === 9 || d === 13) d = s.charCodeAt(++j);
          if (d !== 61) {
            if (j >= len) return final ? bail("unfinished tag") : lt;
            bail("attribute without value");
          }
          d = s.charCodeAt(++j);
          while (d === 32 || d === 10 || d === 9 || d === 13) d = s.charCodeAt(++j);
          if (d !== 34 && d !== 39) {
            if (j >= len) return final ? bail("unfinished tag") : lt;
            bail("unquoted attribute value");
          }
          const vs = ++j;
          // 1: a reference, 2: a tab or line end (normalised to a space).
          let special = 0;
          for (;;) {
            const v = s.charCodeAt(j);
            // Most characters are letters (one comparison); NaN (past the end) falls through to the bounds check.
            if (v > 60) {
              j++;
              continue;
            }
            if (v === d) break;
            if (v !== v) {
              if (final) bail("unfinished attribute value");
              if (j - vs > attributeValueChars + 64) return giantValue(s, lt, vs, d);
              return lt;
            }
            if (v === 38) special |= 1;
            else if (v < 32) special |= 2;
            else if (v === 60) bail("a malformed attribute value");
            j++;
          }
          let value = s.slice(vs, j);
          j++;
          if (special !== 0) {
            const decoded = special === 1 ? decodeXmlText(value, sawDoctype) : decodeXmlAttr(value, sawDoctype);
            if (decoded === undefined) bail("a malformed attribute value");
            value = decoded!;
          }
          if (value.length > attributeValueChars) value = value.slice(0, attributeValueChars);
          if (attrs[aname] !== undefined) bail("duplicate attribute");
          attrs[aname] = value;
          if (++n > attributesPerElement) bail("too many attributes");
        }
        if (depth >= maxDepth) bail("nested too deep");
        sawRoot = true;
        seenMarkup = true;
        delivered = true;
        i = j;
        onOpen(name, attrs);
        if (selfClose) {
          if (depth === 0) rootClosed = true;
          afterTag();
          onClose(name);
        } else stack[depth++] = name;
        afterTag();
      }
    }
  };

  const cdata = (t: string) => {
    delivered = true;
    onText(t.indexOf("\r") === -1 ? t : t.replace(/\r\n?/g, "\n"));
  };

  // A tag whose attribute value outgrows the cap: the value is cut, the rest of it read past until its quote.
  let skipQuote = 0;
  let kept = "";
  const giantValue = (s: string, lt: number, vs: number, quote: number): number => {
    let cut = vs + attributeValueChars;
    const amp = s.lastIndexOf("&", cut);
    if (amp >= vs && amp > cut - nameChars - 16 && s.indexOf(";", amp) >= cut) cut = amp; // a reference split by the cut
    if (s.charCodeAt(cut - 1) === 13) cut--;
    if (s.indexOf("<", cut) !== -1) bail("a malformed attribute value");
    kept = s.slice(lt, cut);
    skipQuote = quote;
    return s.length;
  };

  noTopTier(scan, intern, afterTag, text, textCut, cdata, giantValue);

  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch {
    return bail("cannot open");
  }
  try {
    const { readBytes } = limits;
    let buf = Buffer.allocUnsafe(readBytes);
    // Not streaming: each read is decoded up to its last complete character, with what the scan left unfinished
    // kept as bytes in front of it, so that the scanned text is one flat string (a carried string + the chunk would
    // be a rope, copied whole on its first search). A BOM is dropped by hand, at the start of the file only.
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const head = Buffer.alloc(256);
    try {
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (!scannable(head.subarray(0, bytesRead))) bail("an encoding or XML version saxes reads");
    } catch (err) {
      if (err instanceof ScanFallback) throw err;
      return bail("cannot read");
    }
    /** Bytes at the start of `buf` not scanned yet (an unfinished construct, a character cut by the read). */
    let have = 0;
    /** What the scan left unfinished when it cannot be kept as bytes (rare: see below). */
    let carry = "";
    let first = true;
    let atStart = true;
    let eof = false;
    while (!eof && !stopped) {
      if (buf.length < have + readBytes) {
        const grown = Buffer.allocUnsafe(Math.max(have + readBytes, 2 * buf.length));
        buf.copy(grown, 0, 0, have);
        buf = grown;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, have, readBytes, null));
      } catch {
        return bail("cannot read");
      }
      const end = have + bytesRead;
      eof = bytesRead === 0;
      const complete = eof ? end : completeUpTo(buf, end);
      let chunk: string;
      try {
        chunk = decoder.decode(buf.subarray(0, complete));
      } catch (err) {
        if (err instanceof ScanFallback) throw err;
        return bail("not valid UTF-8");
      }
      const ascii = chunk.length === complete;
      if (atStart && chunk.length > 0) {
        atStart = false;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      if (BAD_CHARS.test(chunk)) bail("a character XML does not allow");
      if (first && chunk.length > 0) {
        first = false;
        const start = chunk.search(/\S/);
        if (start === -1 || chunk.charCodeAt(start) !== 60) bail("does not start with markup");
      } else if (first && eof) bail("empty");
      let prefix = carry;
      if (skipQuote !== 0) {
        // Reading past the rest of an oversized attribute value (already cut).
        const q = chunk.indexOf(String.fromCharCode(skipQuote));
        const rest = q === -1 ? chunk : chunk.slice(0, q);
        if (rest.indexOf("<") !== -1) bail("a malformed attribute value");
        if (q === -1) {
          if (eof) bail("unfinished attribute value");
          have = keep(buf, complete, end, 0);
          continue;
        }
        prefix = kept;
        chunk = chunk.slice(q);
        kept = "";
        skipQuote = 0;
      }
      const s = prefix.length === 0 ? chunk : prefix + chunk;
      const rest = scan(s, 0, eof);
      // The unfinished rest goes back to bytes when it lies in what was just decoded and starts on a whole character.
      const c = s.charCodeAt(rest);
      if (rest >= prefix.length && !(c >= 0xdc00 && c <= 0xdfff)) {
        carry = "";
        have = keep(buf, complete, end, ascii ? s.length - rest : Buffer.byteLength(s.slice(rest), "utf8"));
      } else {
        carry = s.slice(rest);
        have = keep(buf, complete, end, 0);
      }
    }
    if (stopped) return;
    if (carry.length > 0 || have > 0 || mode !== TEXT) bail("unfinished markup at the end");
    if (!sawRoot || depth > 0) bail("no root element, or the file ends early");
  } finally {
    await fh.close();
  }
}

/** Moves the `unscanned` bytes before `complete` and the cut character after it to the start of `buf`; returns their count. */
function keep(buf: Buffer, complete: number, end: number, unscanned: number): number {
  const from = complete - unscanned;
  if (from > 0 && end > from) buf.copyWithin(0, from, end);
  return end - from;
}

/**
 * Where the last whole UTF-8 character of `b[0, end)` ends: a valid but unfinished sequence at the end waits for the
 * next read; anything else is decoded now (an invalid one then fails at once, as a streaming decoder fails).
 */
function completeUpTo(b: Uint8Array, end: number): number {
  for (let k = 1; k <= 3 && k <= end; k++) {
    const lead = b[end - k]!;
    if (lead < 0x80) return end;
    if (lead < 0xc0) continue; // a continuation byte: the lead is further back
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (need <= k || lead < 0xc2 || lead > 0xf4) return end;
    if (k >= 2) {
      const c2 = b[end - k + 1]!;
      const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      if (c2 < lo || c2 > hi) return end;
    }
    return end - k;
  }
  return end;
}

/**
 * Where "]]>" (c = "]") or "-->" (c = "-") starts at or after `from`, or -1: its first character is found by the
 * one-character indexOf, many times faster than a three-character search (and rarer than ">" in captured output).
 */
function closer(s: string, from: number, c: number): number {
  const first = c === 93 ? "]" : "-";
  for (let g = s.indexOf(first, from); g !== -1; g = s.indexOf(first, g + 1))
    if (s.charCodeAt(g + 1) === c && s.charCodeAt(g + 2) === 62) return g;
  return -1;
}

/** The ">" that ends a DOCTYPE started before `from` (quotes, the internal subset and its comments read past); -1 if not in `s`. */
function doctypeEnd(s: string, from: number): number {
  let inSubset = false;
  for (let j = from; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34 || c === 39) {
      const e = s.indexOf(c === 34 ? '"' : "'", j + 1);
      if (e === -1) return -1;
      j = e;
    } else if (inSubset && c === 60 && s.startsWith("<!--", j)) {
      const e = s.indexOf("-->", j + 4);
      if (e === -1) return -1;
      j = e + 2;
    } else if (c === 91) inSubset = true;
    else if (c === 93) inSubset = false;
    else if (c === 62 && !inSubset) return j;
  }
  return -1;
}

noTopTier(
  isNameNonAscii,
  isNameStart,
  isNameChar,
  isXmlChar,
  reference,
  decodeXmlText,
  decodeXmlAttr,
  closer,
  doctypeEnd,
  keep,
  completeUpTo,
);
