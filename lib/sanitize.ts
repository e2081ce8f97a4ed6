// Neutralises untrusted text (test names, messages, stacks, file names) for Markdown on GitHub,
// for commits and for the Actions log. Owner: safety (issue 5).
//
// Order: redact (lib/redact.ts) -> neutralize -> limit. `untrusted()` does the first two; limitBody,
// limitTitle and limitLabel redact again before cutting, so no cut ever leaves half a token visible.
//
// What neutralize does to a value, and why:
// - `@name`, `@org/team` -> `＠name` (U+FF20 FULLWIDTH COMMERCIAL AT). GitHub links and notifies only
//   ASCII `@`; the agent's trigger (claude-code-action: `(^|\s)@claude([\s.,!?;:]|$)`, case-insensitive,
//   on the raw body, code fences included) and workflow `contains(body, '@claude')` gates need the
//   ASCII `@` too. Visible, so a reader sees the text was changed; zero-width tricks are stripped.
// - `#12`, `owner/repo#12`, `GH-12` -> `＃12`, `owner/repo＃12`, `GH‑12`: no cross-reference noise in
//   other issues, and a closing keyword (`Fixes #12`) has nothing left to close. Issue/PR URLs on
//   github.com are defanged to `hxxps://` for the same reason (GitHub closes `Fixes <url>` too).
// - `&`, `<`, `>` -> HTML entities: no raw HTML, no `<details>` break-out, no `<!-- self-healing-tdd`
//   marker forgery. codeBlock()/inlineCode() undo exactly this escaping inside code, where it is not needed.
// - ANSI escapes, C0/C1 controls, zero-width characters are stripped (a ZWJ between emoji stays);
//   bidi controls become a visible `[U+202E]` (Trojan Source).
//
// untrustedProse() and codeBlockFromRaw()/inlineCodeFromRaw() are the precise variants the issue and
// report.md use (issue 8): prose escapes only what GitHub would read as HTML (`<tag`, `<!--`, `&name;`,
// a leading `>`), so `A > B & C` stays plain text; code keeps every `@` except the agent's trigger.
import { redact } from "./redact.ts";

export const MAX_BODY_BYTES = 65_536;
export const MAX_TITLE_CHARS = 256;
export const MAX_LABEL_CHARS = 50;

const FULLWIDTH_AT = "\uFF20";
const FULLWIDTH_HASH = "\uFF03";
const NB_HYPHEN = "\u2011";

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// C0 except \t \n \r, DEL, C1.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Zero-width and invisible formatting characters (ZWJ handled separately).
const ZERO_WIDTH = /[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u2060-\u2064\u206a-\u206f\u3164\ufe00-\ufe0e\ufeff\uffa0]/g;
const ZWJ_NOT_IN_EMOJI = /(?<!\p{Extended_Pictographic}\ufe0f?)\u200d|\u200d(?!\p{Extended_Pictographic})/gu;

/** Strips terminal escapes (colours, cursor moves, titles) only. */
export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI, "") : text;
}

/** Strips terminal escapes, controls and invisible characters; shows bidi controls. */
export function stripInvisible(text: string): string {
  return text
    .replace(ANSI, "")
    .replace(CONTROL, "")
    .replace(BIDI, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`)
    .replace(ZERO_WIDTH, "")
    .replace(ZWJ_NOT_IN_EMOJI, "");
}

// A package spec's `@` mentions nobody: GitHub links `@name` only at the start or after a non-word character, so
// the `@` of `lodash@4.17.20` (a version after a name) is none, and `@babel/core@7.0.0` is a scoped package.
const VERSION_AT = /(?<=\w)@(?=v?\d)/y;
// A team mention only notifies the org's members when its author belongs to the org: not the tool's bot.
const SCOPED_PACKAGE_AT = /(?<!\w)@(?=[A-Za-z0-9][\w.-]*\/[\w.-]+@[v^~]?\d)/y;

function isPackageSpecAt(text: string, offset: number): boolean {
  VERSION_AT.lastIndex = offset;
  SCOPED_PACKAGE_AT.lastIndex = offset;
  return VERSION_AT.test(text) || SCOPED_PACKAGE_AT.test(text);
}

/**
 * Breaks every @mention: `@user`, `@org/team`, the agent's own (also as `@claude/x@1.0`), and `user@host` too
 * (substring gates); the `@` of a package spec (`pkg@1.2.3`, `@scope/pkg@1.2.3`, `mod@v0.17.0`) stays.
 */
export function breakMentions(text: string): string {
  const out = text.replace(/@(?=[A-Za-z0-9_-])/g, (at, offset: number) => (isPackageSpecAt(text, offset) ? at : FULLWIDTH_AT));
  return breakAgentMention(out);
}

const ISSUE_URL =
  /\bhttps?:\/\/((?:www\.)?github\.com|[A-Za-z0-9.-]+)\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/(?:issues|pull|pulls|discussions)\/\d)/gi;

/** Breaks issue references, closing keywords and issue/PR URLs so GitHub links and closes nothing. */
export function breakReferences(text: string): string {
  return text
    .replace(/#(?=\d)/g, FULLWIDTH_HASH)
    .replace(/\b(GH)-(?=\d)/gi, `$1${NB_HYPHEN}`)
    .replace(ISSUE_URL, (_m, host: string, path: string) => `hxxps://${host}/${path}`);
}

/** Escapes `&`, `<`, `>`; an existing `&amp;`/`&lt;`/`&gt;` stays as it is, so neutralize is idempotent. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&(?!(?:amp|lt|gt);)/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * Breaks @mentions (incl. the agent's own), #refs and closing keywords, raw HTML, HTML comments and
 * markers, invisible and bidi characters. Idempotent. Does not redact: use untrusted() for that.
 */
export function neutralize(text: string): string {
  if (typeof text !== "string" || text.length === 0) return text;
  return escapeHtml(breakReferences(breakMentions(stripInvisible(text))));
}

/** redact + neutralize: what every untrusted value passes through before a template sees it. */
export function untrusted(text: string): string {
  return neutralize(redact(text));
}

/**
 * Escapes only what Markdown on GitHub would take as HTML or a quote: `<` opening a tag, comment,
 * declaration or autolink, `&` opening an entity, `>` leading a line. Everything else stays as printed.
 */
export function escapeHtmlMarkup(text: string): string {
  return text
    .replace(/&(?=#\d{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)/g, "&amp;")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;")
    .replace(/^([ \t]*)>/gm, "$1&gt;");
}

/**
 * For raw untrusted text shown as prose in the issue and report.md: redacts, breaks mentions and
 * references, strips invisible characters, and escapes only real markup, so `A > B & C` reads as
 * printed. Apply it once, to raw text (it is not idempotent on `&lt;`, which it keeps as printed).
 */
export function untrustedProse(text: string): string {
  if (typeof text !== "string" || text.length === 0) return text;
  return escapeHtmlMarkup(breakReferences(breakMentions(stripInvisible(redact(text)))));
}

/** The trigger claude-code-action uses when a workflow configures none. */
export const DEFAULT_AGENT_MENTION = "@claude";

/**
 * Breaks the agent's trigger (`@claude` by default, plus the configured one) anywhere, case-insensitively,
 * also inside `user@claude.ai`: workflow `contains(body, '@claude')` gates match substrings.
 */
export function breakAgentMention(text: string, mention: string = DEFAULT_AGENT_MENTION): string {
  const names = new Set([DEFAULT_AGENT_MENTION, mention].map((m) => m.trim().replace(/^@/, "")).filter((n) => /^[A-Za-z0-9_-]/.test(n)));
  let out = text;
  for (const name of names) out = out.replace(new RegExp(`@(?=${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")})`, "gi"), FULLWIDTH_AT);
  return out;
}

// Inside code GitHub renders no HTML, decodes no entity and notifies no mention, so code shows the
// characters as printed. The agent's trigger stays broken even there: claude-code-action matches it on the
// raw body, code fences included (shared/notes/github-platform-facts.md). References and markers too.
function codeText(raw: string, mention?: string): string {
  return breakAgentMention(breakReferences(stripInvisible(redact(raw))), mention)
    .replace(/<!--/g, "<!- -")
    .replace(/-->/g, "- ->");
}

/** Undoes what neutralize() did that code needs not: HTML escaping and the broken mentions. */
function fromNeutralized(text: string): string {
  return unescapeHtml(text).replace(/\uFF20(?=[A-Za-z0-9_-])/g, "@");
}

function fence(body: string, lang: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const bar = "`".repeat(longest + 1);
  const info = lang.replace(/[^A-Za-z0-9_+.-]/g, "");
  return `${bar}${info}\n${body}\n${bar}`;
}

function span(body: string): string {
  const one = body.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...[...one.matchAll(/`+/g)].map((m) => m[0].length));
  const tick = "`".repeat(longest + 1);
  const pad = one.startsWith("`") || one.endsWith("`") || longest > 0 ? " " : "";
  return `${tick}${pad}${one}${pad}${tick}`;
}

/**
 * A fenced Markdown code block of raw untrusted text (redacted here), its fence longer than any backtick
 * run inside. Only the agent's trigger (`mention`, and `@claude`), references and markers are broken.
 */
export function codeBlockFromRaw(raw: string, opts: { lang?: string; mention?: string } = {}): string {
  return fence(codeText(raw, opts.mention), opts.lang ?? "");
}

/** Inline code span of raw untrusted text: one line, delimiter longer than any run; as codeBlockFromRaw. */
export function inlineCodeFromRaw(raw: string, opts: { mention?: string } = {}): string {
  return span(codeText(raw, opts.mention));
}

/**
 * A fenced Markdown code block whose fence is longer than any backtick run inside. Takes text that
 * went through untrusted() (or redact() only); HTML escaping and broken mentions are undone because
 * code needs neither (the agent's `@claude` stays broken).
 */
export function codeBlock(text: string, lang = ""): string {
  return fence(codeText(fromNeutralized(text)), lang);
}

/** Inline code span for short values (test names, file paths): one line, delimiter longer than any run. */
export function inlineCode(text: string): string {
  return span(codeText(fromNeutralized(text)));
}

/**
 * For text echoed to the Actions log: redacts, and breaks workflow commands (`::add-mask::`,
 * `::stop-commands::`, `::error::`, legacy `##[...]`) so test output cannot drive the runner.
 */
export function forLog(text: string): string {
  return redact(text)
    .replace(/##\[/g, "##\uFF3B")
    .replace(/(^|[\r\n\u0085\u2028\u2029])((?:[ \t\f\v]|\x1b\[[0-?]*[ -/]*[@-~])*)::/g, "$1$2\uFF1A:");
}

export interface LogStream {
  /** Takes output as it comes, in chunks of any size. */
  write(chunk: string): void;
  /** Flushes what is left (a last line without a newline). */
  end(): void;
}

/** Past this many characters without a newline, a line is flushed anyway (redacted) so memory stays bounded. */
const LOG_LINE_MAX = 64 * 1024;
const KEY_BEGIN = /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const KEY_END = /-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;

/**
 * forLog() for a stream (a runner's console output echoed live to the Actions log): whole lines only,
 * so a token split across two chunks is still masked whole, and every line of a private-key block is
 * masked, not just its BEGIN line.
 */
export function forLogStream(sink: (text: string) => void): LogStream {
  let pending = "";
  let inKey = false;
  // Scans one line for key markers: a line can end one key and begin the next ("-----END ...----------BEGIN ...").
  const emit = (line: string) => {
    let rest = line;
    let out = "";
    for (;;) {
      const marker = inKey ? KEY_END : KEY_BEGIN;
      const m = marker.exec(rest);
      if (!m) {
        out += inKey ? `[REDACTED:private-key]${rest.endsWith("\n") ? "\n" : ""}` : forLog(rest);
        break;
      }
      out += inKey ? "[REDACTED:private-key]" : forLog(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
      inKey = !inKey;
    }
    sink(out);
  };
  return {
    write(chunk: string) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl !== -1) {
        emit(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
      if (pending.length > LOG_LINE_MAX) {
        emit(pending);
        pending = "";
      }
    },
    end() {
      if (pending) emit(pending);
      pending = "";
      inKey = false;
    },
  };
}

const utf8 = new TextEncoder();
const MASK_START = "[REDACTED";

/** UTF-8 length of a string. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, cut on a code-point boundary. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  // Fast path: every UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = utf8.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** Moves a cut back so it never ends inside a `[REDACTED:kind]` mask or a grapheme (emoji + ZWJ). */
function cleanCut(prefix: string, full: string): string {
  let cut = prefix;
  if (cut.length >= full.length) return cut;
  const open = cut.lastIndexOf(MASK_START);
  if (open !== -1 && !cut.includes("]", open)) cut = cut.slice(0, open);
  for (let k = MASK_START.length - 1; k > 0; k--) {
    if (cut.endsWith(MASK_START.slice(0, k)) && full.startsWith(MASK_START, cut.length - k)) {
      cut = cut.slice(0, cut.length - k);
      break;
    }
  }
  // Back to the last grapheme start at or before the cut (a window is enough: graphemes are short).
  const from = Math.max(0, cut.length - 64);
  let boundary = cut.length;
  for (const s of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(full.slice(from, cut.length + 64))) {
    const start = from + s.index;
    if (start > cut.length) break;
    boundary = start;
  }
  return cut.slice(0, boundary);
}

/** The fence that is still open at the end of `markdown`, or null. */
export function openFence(markdown: string): string | null {
  let open: string | null = null;
  for (const line of markdown.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!m) continue;
    const run = m[1]!;
    if (open === null) {
      if (!(run[0] === "`" && m[2]!.includes("`"))) open = run;
    } else if (run[0] === open[0] && run.length >= open.length && m[2]!.trim() === "") open = null;
  }
  return open;
}

/**
 * Cuts a body to GitHub's limit in UTF-8 bytes, appending a notice that names the full report
 * (e.g. "Truncated: the full report is in the run's artifact <link>"). Redacts first; never cuts
 * inside a code point, an emoji sequence or a mask; closes a code fence left open by the cut.
 */
export function limitBody(body: string, notice: string, maxBytes = MAX_BODY_BYTES): string {
  const full = redact(body);
  if (byteLength(full) <= maxBytes) return full;
  const tail = `\n\n${cutToBytes(redact(notice), Math.floor(maxBytes / 4))}\n`;
  let budget = maxBytes - byteLength(tail);
  for (;;) {
    const cut = cleanCut(cutToBytes(full, budget), full);
    const fence = openFence(cut);
    const out = `${cut}${fence ? `\n${fence}` : ""}${tail}`;
    const over = byteLength(out) - maxBytes;
    if (over <= 0) return out;
    budget -= over;
  }
}

/**
 * Redacts, makes one line, and cuts to at most `max` UTF-16 units ending in `…`, never inside an emoji,
 * a surrogate pair or a mask. For short fields (a message's first line in a comment): use this, not slice().
 */
export function limitChars(text: string, max: number): string {
  const one = redact(text).replace(/[\r\n\u2028\u2029\u0085]+/g, " ");
  // Count UTF-16 units (stricter than code points): safe under either reading of "characters".
  if (one.length <= max) return one;
  const seg = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let out = "";
  for (const s of seg.segment(one)) {
    if (out.length + s.segment.length > max - 1) break;
    out += s.segment;
  }
  return `${cleanCut(out, one)}…`;
}

/** One line, at most 256 characters (UTF-16 units), ending in `…` when cut. Redacts first. */
export function limitTitle(title: string): string {
  return limitChars(title, MAX_TITLE_CHARS);
}

/** One line, at most 50 characters, ending in `…` when cut. Redacts first. */
export function limitLabel(label: string): string {
  return limitChars(label, MAX_LABEL_CHARS);
}
