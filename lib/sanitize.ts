// Neutralises untrusted text (test names, messages, stacks) for Markdown on GitHub and for logs.
// Owner: safety (issue 5). Signatures are the contract; implementations grow there.
import { redact } from "./redact.ts";

export const MAX_BODY_BYTES = 65_536;
export const MAX_TITLE_CHARS = 256;
export const MAX_LABEL_CHARS = 50;

/** Breaks @mentions (incl. the agent's own), #refs and closing keywords, HTML comments and markers. */
export function neutralize(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9])/g, "@\u200b")
    .replace(/<!--/g, "&lt;!--")
    .replace(/-->/g, "--&gt;");
}

/** redact + neutralize: what every untrusted value passes through before a template sees it. */
export function untrusted(text: string): string {
  return neutralize(redact(text));
}

/** A Markdown code block whose fence is longer than any backtick run inside. */
export function codeBlock(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Cuts a body to GitHub's limit in UTF-8 bytes, appending a notice that names the full report. */
export function limitBody(body: string, notice: string, maxBytes = MAX_BODY_BYTES): string {
  const enc = new TextEncoder();
  if (enc.encode(body).length <= maxBytes) return body;
  const tail = `\n\n${notice}\n`;
  const budget = maxBytes - enc.encode(tail).length;
  let cut = body.slice(0, budget);
  while (enc.encode(cut).length > budget) cut = cut.slice(0, Math.floor(cut.length * 0.95));
  return cut + tail;
}

export function limitTitle(title: string): string {
  const chars = [...title.replace(/[\r\n]+/g, " ")];
  return chars.length <= MAX_TITLE_CHARS ? chars.join("") : `${chars.slice(0, MAX_TITLE_CHARS - 1).join("")}…`;
}
