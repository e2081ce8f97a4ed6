// Stable identities: the same test with the same kind of error keeps its id across runs, whatever the line
// numbers, timestamps, temp paths, durations or numbers in the message.
import type { Framework } from "./types.ts";

/** Values that change from run to run whatever the code does; bare numbers and spacing are not among them. */
const VOLATILE: [RegExp, string][] = [
  // ANSI colour codes some runners leave in messages.
  [/\u001b\[[0-9;]*m/g, ""],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b/g, "<time>"],
  [/\b\d{2}:\d{2}:\d{2}(\.\d+)?\b/g, "<time>"],
  // Temp folders on Linux, macOS and Windows, up to the next separator-free run.
  [/(?:\/tmp|\/var\/folders|\/private\/var\/folders|[A-Za-z]:\\(?:Users\\[^\\\s]+\\AppData\\Local\\)?Te?mp)[\\/][^\s'"`)]*/gi, "<tmp>"],
  [/\b0x[0-9a-f]+\b/gi, "<hex>"],
  [/\b[0-9a-f]{7,}\b/gi, "<hex>"],
  [/\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|sec|secs|seconds?|m|min|minutes?|h|hours?)\b/gi, "<duration>"],
];

const RULES: [RegExp, string][] = [...VOLATILE, [/\d+(\.\d+)?/g, "<n>"], [/\s+/g, " "]];

/** For each of RULES: false when the text cannot hold a match (a fixed character every match holds is absent). */
const RULE_MAY_MATCH: ((s: string, digits: boolean) => boolean)[] = [
  (s) => s.includes("\u001b"),
  (s) => s.includes("-"),
  (s, digits) => digits && s.includes("-"),
  (s, digits) => digits && s.includes(":"),
  (s) => s.includes("/") || s.includes("\\"),
  (s) => s.includes("0x") || s.includes("0X"),
  (s) => s.length >= 7,
  (_s, digits) => digits,
  (_s, digits) => digits,
  // Only runs of several spaces or other whitespace change: a single space becomes itself.
  (s) => s.includes("  ") || /[^\S ]/.test(s),
];

/**
 * `text` with its volatile values (addresses, hashes, times, temp paths, durations, uuids, colour codes)
 * replaced as the fingerprint replaces them: two texts equal after this differ only in what a re-run changes.
 */
export function withoutVolatile(text: string): string {
  let out = text;
  for (const [re, to] of VOLATILE) out = out.replace(re, to);
  return out;
}

/** The normalized first line of a message: what "the same kind of error" means. */
export function errorKind(message: string | undefined | null): string {
  // The first non-blank line of the first 64 KiB, found without splitting the rest into lines.
  const text = (message ?? "").slice(0, 64 * 1024);
  let first = "";
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    const line = text.slice(at, end);
    if (line.trim() !== "") {
      first = line.slice(0, 2_000);
      break;
    }
    at = end + 1;
  }
  // "AssertionError: x" and "x" are the same error as two reports of one run write it.
  let kind = first.trim();
  if (kind.includes(":")) kind = kind.replace(/^(?:[A-Z][\w.]*(?:Error|Exception|Failure)|Error|panic):\s+/, "");
  // A rule runs only when the line can hold a match of it (a mask such as `<n>` or `<hex>` adds no such character).
  const digits = /\d/.test(kind);
  for (let i = 0; i < RULES.length; i++) {
    if (!RULE_MAY_MATCH[i]!(kind, digits)) continue;
    const [re, to] = RULES[i]!;
    // A test that finds nothing costs less than a replace that finds nothing.
    re.lastIndex = 0;
    if (!re.test(kind)) continue;
    re.lastIndex = 0;
    kind = kind.replace(re, to);
  }
  return kind.trim().slice(0, 200);
}

/** Identity of a test regardless of its outcome: used to merge shards and retries. */
export function testKey(framework: Framework, file: string | null | undefined, fullName: string): string {
  return `${framework}|${file ?? ""}|${fullName}`;
}

/** 12 hex digits of sha256(framework | repo-relative file | fullName | error kind). */
export function fingerprint(input: {
  framework: Framework;
  file: string | null | undefined;
  fullName: string;
  message?: string | null;
}): string {
  // Bun's one-shot native hash: the same digest as node:crypto's createHash, without a hasher object per record.
  const text = `${testKey(input.framework, input.file, input.fullName)}|${errorKind(input.message)}`;
  return (Bun.CryptoHasher.hash("sha256", text, "hex") as string).slice(0, 12);
}
