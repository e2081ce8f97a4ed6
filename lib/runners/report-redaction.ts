// Redaction of raw reports (uploaded as an artifact): a report is redacted piece by piece (each XML text
// node, attribute value, CDATA section; each JSON string), decoded first so an escaped secret
// (`API_KEY = &quot;…&quot;`) is found, and re-encoded only when something was masked. A mask therefore
// never swallows markup, and the report stays well-formed.
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { redact } from "../redact.ts";

export type ReportSyntax = "xml" | "json" | "text";

const XML_PIECE = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const XML_ENTITY = /&(?:(quot)|(apos)|(amp)|(lt)|(gt)|#(\d+)|#x([0-9a-fA-F]+));/g;
const JSON_STRING = /"(?:[^"\\\n]|\\.)*"/g;

function decodeXml(text: string): string {
  return text.replace(XML_ENTITY, (_m, q, a, amp, lt, gt, dec, hex) => {
    if (q) return '"';
    if (a) return "'";
    if (amp) return "&";
    if (lt) return "<";
    if (gt) return ">";
    const code = Number.parseInt(dec ?? hex, dec ? 10 : 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
  });
}

const escapeXmlText = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeXmlAttr = (t: string, quote: string) =>
  escapeXmlText(t)
    .replace(quote === '"' ? /"/g : /'/g, quote === '"' ? "&quot;" : "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");

function redactXmlPiece(raw: string, encode: (t: string) => string): string {
  if (raw === "") return raw;
  const plain = decodeXml(raw);
  const red = redact(plain);
  return red === plain ? raw : encode(red);
}

function redactXml(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(XML_PIECE)) {
    out += redactXmlPiece(text.slice(last, m.index), escapeXmlText);
    const tag = m[0];
    if (m[1] !== undefined) out += `<![CDATA[${redact(m[1]).replace(/\]\]>/g, "]]]]><![CDATA[>")}]]>`;
    else if (tag.startsWith("<!--") || tag.startsWith("<?")) out += tag;
    else
      out += tag.replace(
        /(=\s*)(["'])([\s\S]*?)\2/g,
        (_a, eq: string, q: string, v: string) => `${eq}${q}${redactXmlPiece(v, (t) => escapeXmlAttr(t, q))}${q}`,
      );
    last = m.index + tag.length;
  }
  return out + redactXmlPiece(text.slice(last), escapeXmlText);
}

function redactJson(text: string): string {
  return text.replace(JSON_STRING, (literal) => {
    let value: unknown;
    try {
      value = JSON.parse(literal);
    } catch {
      return redact(literal);
    }
    if (typeof value !== "string") return literal;
    const red = redact(value);
    return red === value ? literal : JSON.stringify(red);
  });
}

/** XML, JSON or plain text, from the first character that is not whitespace. */
export function reportSyntax(head: string): ReportSyntax {
  const c = head.trimStart()[0];
  return c === "<" ? "xml" : c === "{" || c === "[" ? "json" : "text";
}

/** Masks every secret in report text, keeping XML and JSON well-formed; a report without secrets is unchanged. */
export function redactReportText(text: string, syntax: ReportSyntax = reportSyntax(text)): string {
  return syntax === "xml" ? redactXml(text) : syntax === "json" ? redactJson(text) : redact(text);
}

const REDACT_CHUNK = 8 * 1024 * 1024;
/** A line longer than this (a 100 MB text node) is redacted in pieces rather than held whole. */
const REDACT_LINE_MAX = 64 * 1024 * 1024;

/** Redacts a report file in place, in chunks cut at line ends, so a large report needs bounded memory. */
export function redactFile(abs: string, chunkBytes = REDACT_CHUNK): void {
  const fd = openSync(abs, "r");
  const tmp = `${abs}.redacting`;
  const out = openSync(tmp, "w");
  let changed = false;
  try {
    const buf = Buffer.alloc(chunkBytes);
    const decoder = new TextDecoder("utf-8");
    let carry = "";
    let syntax: ReportSyntax | undefined;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      const text = carry + decoder.decode(buf.subarray(0, n), { stream: n > 0 });
      syntax ??= text.trim() === "" && n > 0 ? undefined : reportSyntax(text);
      const cut = n === 0 ? text.length : text.lastIndexOf("\n") + 1;
      const piece = cut > 0 ? text.slice(0, cut) : n === 0 ? text : "";
      carry = text.slice(piece.length);
      if (piece) {
        const red = redactReportText(piece, syntax ?? "text");
        if (red !== piece) changed = true;
        writeSync(out, red);
      }
      if (n === 0) break;
      if (carry.length > REDACT_LINE_MAX) {
        // One enormous line: redact it as it is rather than hold it all.
        const red = redactReportText(carry, syntax ?? "text");
        if (red !== carry) changed = true;
        writeSync(out, red);
        carry = "";
      }
    }
  } finally {
    closeSync(fd);
    closeSync(out);
  }
  if (changed) renameSync(tmp, abs);
  else rmSync(tmp, { force: true });
}
