// A JavaScript/TypeScript tokenizer just deep enough for test files: strings, template literals (with nested
// `${}`), comments, regular expressions and brackets. Comments produce no tokens, so a commented-out
// `expect(...)` is not an assertion. Type syntax needs no special case: the test checks only look at names,
// strings and bracket structure (why not the `typescript` package or acorn: see README "Test quality").

export type JsTokenType = "ident" | "string" | "template" | "number" | "punct" | "regex";

export interface JsToken {
  type: JsTokenType;
  /** ident: the name; string: the cooked text; template: the text between the backticks, `${…}` kept as written. */
  value: string;
  /** 1-based line of the token's first character. */
  line: number;
  /** template only: whether it holds a `${…}` substitution (its text then differs at run time). */
  dynamic?: boolean;
}

const IDENT_START = /[A-Za-z_$\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
// After these words a `/` starts a regular expression, not a division.
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0" };

/** Tokens of `src`; never throws (an unterminated string or comment ends at the end of the file). */
export function tokenizeJs(src: string): JsToken[] {
  const out: JsToken[] = [];
  lex(src, 0, 1, out, false);
  return out;
}

/** Lexes from `pos` until the end, or until the `}` closing a template substitution when `inSubstitution`. */
function lex(src: string, start: number, startLine: number, out: JsToken[], inSubstitution: boolean): { pos: number; line: number } {
  let pos = start;
  let line = startLine;
  let depth = 0;
  const n = src.length;
  while (pos < n) {
    const c = src[pos]!;
    if (c === "\n") {
      line++;
      pos++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v" || c === "\ufeff" || c === "\u00a0") {
      pos++;
      continue;
    }
    if (c === "/" && src[pos + 1] === "/") {
      while (pos < n && src[pos] !== "\n") pos++;
      continue;
    }
    if (c === "/" && src[pos + 1] === "*") {
      const end = src.indexOf("*/", pos + 2);
      const stop = end < 0 ? n : end + 2;
      line += countLines(src, pos, stop);
      pos = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      const tokLine = line;
      let value = "";
      pos++;
      while (pos < n && src[pos] !== c) {
        if (src[pos] === "\n") break; // an unterminated string ends at its line
        if (src[pos] === "\\") {
          const next = src[pos + 1] ?? "";
          if (next === "\n") line++;
          else value += ESCAPES[next] ?? next;
          pos += 2;
          continue;
        }
        value += src[pos];
        pos++;
      }
      pos++;
      out.push({ type: "string", value, line: tokLine });
      continue;
    }
    if (c === "`") {
      const tokLine = line;
      let value = "";
      let dynamic = false;
      pos++;
      while (pos < n && src[pos] !== "`") {
        const ch = src[pos]!;
        if (ch === "\\") {
          const next = src[pos + 1] ?? "";
          if (next === "\n") line++;
          value += ESCAPES[next] ?? next;
          pos += 2;
          continue;
        }
        if (ch === "$" && src[pos + 1] === "{") {
          dynamic = true;
          // The substitution's own tokens are lexed (so its strings and braces are skipped right) but not kept.
          const inner = lex(src, pos + 2, line, [], true);
          value += src.slice(pos, inner.pos);
          line = inner.line;
          pos = inner.pos;
          continue;
        }
        if (ch === "\n") line++;
        value += ch;
        pos++;
      }
      pos++;
      out.push({ type: "template", value, line: tokLine, dynamic });
      continue;
    }
    if (IDENT_START.test(c)) {
      let end = pos + 1;
      while (end < n && IDENT_PART.test(src[end]!)) end++;
      out.push({ type: "ident", value: src.slice(pos, end), line });
      pos = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[pos + 1] ?? ""))) {
      let end = pos + 1;
      while (end < n && /[0-9A-Za-z_.]/.test(src[end]!)) end++;
      out.push({ type: "number", value: src.slice(pos, end), line });
      pos = end;
      continue;
    }
    if (c === "/" && regexAllowed(out[out.length - 1])) {
      let end = pos + 1;
      let inClass = false;
      while (end < n && src[end] !== "\n") {
        const ch = src[end]!;
        if (ch === "\\") {
          end += 2;
          continue;
        }
        if (ch === "[") inClass = true;
        else if (ch === "]") inClass = false;
        else if (ch === "/" && !inClass) break;
        end++;
      }
      end++;
      while (end < n && IDENT_PART.test(src[end]!)) end++;
      out.push({ type: "regex", value: src.slice(pos, end), line });
      pos = end;
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      if (inSubstitution && depth === 0) return { pos: pos + 1, line };
      depth--;
    }
    // `?.` and `=>` stay whole so `a?.b` reads as a member access and an arrow is one token.
    const two = src.slice(pos, pos + 2);
    if (two === "?." || two === "=>") {
      out.push({ type: "punct", value: two, line });
      pos += 2;
      continue;
    }
    out.push({ type: "punct", value: c, line });
    pos++;
  }
  return { pos, line };
}

function regexAllowed(prev: JsToken | undefined): boolean {
  if (!prev) return true;
  if (prev.type === "ident") return REGEX_AFTER_WORDS.has(prev.value);
  if (prev.type === "punct") return prev.value !== ")" && prev.value !== "]";
  return false;
}

function countLines(src: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) if (src.charCodeAt(i) === 10) k++;
  return k;
}
