// The report dispatcher: detects a report's format from its first kilobytes (or takes an explicit one),
// checks the file is a readable text report, and streams its test cases to the format's parser.
// Every problem with a file becomes one HealError REPORT_UNREADABLE naming the file.
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { HealError } from "../errors.ts";
import type { TestCase, UnlistedTests } from "../types.ts";
import { BunConsoleParser } from "./bun-console.ts";
import { GoJsonParser } from "./go-json.ts";
import { parseJestJson } from "./jest-json.ts";
import { parseMochaJson } from "./mocha-json.ts";
import { parseRSpecJson } from "./rspec-json.ts";
import { TapParser } from "./tap.ts";
import { parseTerraformJson, TerraformTextParser } from "./terraform.ts";

export const REPORT_FORMATS = [
  "junit",
  "trx",
  "nunit",
  "xunit",
  "jest-json",
  "rspec-json",
  "mocha-json",
  "go-json",
  "tap",
  "terraform-json",
  "terraform-text",
  "bun-console",
] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Names people pass to --format that mean one of the formats above. */
const ALIASES: Record<string, ReportFormat> = {
  xml: "junit",
  "junit-xml": "junit",
  jest: "jest-json",
  vitest: "jest-json",
  "vitest-json": "jest-json",
  json: "jest-json",
  mocha: "mocha-json",
  rspec: "rspec-json",
  "xunit-net": "xunit",
  xunit2: "xunit",
  go: "go-json",
  gotest: "go-json",
  terraform: "terraform-json",
  terragrunt: "terraform-text",
  bun: "bun-console",
};

/** Whole-document JSON reports are read into memory; beyond this they are refused with a clear error. */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;

export function normalizeFormat(name: string): ReportFormat {
  const n = name.trim().toLowerCase();
  if ((REPORT_FORMATS as readonly string[]).includes(n)) return n as ReportFormat;
  const alias = ALIASES[n];
  if (alias) return alias;
  throw new HealError("USAGE", `unknown report format "${name}" (known: ${REPORT_FORMATS.join(", ")})`);
}

function unreadable(path: string, detail: string): HealError {
  return new HealError("REPORT_UNREADABLE", detail, path);
}

async function checkFile(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw unreadable(path, code === "ENOENT" ? "file not found" : `cannot be read (${code ?? "error"})`);
  }
  if (info.isDirectory()) throw unreadable(path, "is a folder, not a report file");
  if (info.size === 0) throw unreadable(path, "empty file");
  return info.size;
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function isUtf16(head: Buffer): boolean {
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
}

/** Decodes the sniffed head as UTF-8, refusing binary content. */
function headText(path: string, head: Buffer): string {
  if (isUtf16(head)) return new TextDecoder("utf-16le").decode(head).replace(/^\uFEFF/, "");
  if (head.includes(0)) throw unreadable(path, "binary data, not a text test report");
  try {
    // stream: a multi-byte character cut at the end of the head is not an error.
    return new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true }).replace(/^\uFEFF/, "");
  } catch {
    throw unreadable(path, "not UTF-8 text");
  }
}

/** The format of a report, from its content (first 64 KB). */
export async function detectFormat(path: string): Promise<ReportFormat> {
  await checkFile(path);
  const text = headText(path, await readHead(path));
  const format = sniff(text);
  if (!format) throw unreadable(path, "not a known test report format (pass --format to say which)");
  return format;
}

/** Content sniffing on the first kilobytes of a report. */
export function sniff(text: string): ReportFormat | null {
  const t = text.replace(/^\uFEFF/, "").trimStart();
  if (!t) return null;
  if (t.startsWith("<")) {
    // Skip the prolog, comments, doctype and processing instructions to reach the root element.
    const root = /^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)*<([A-Za-z_][\w:.-]*)/.exec(t);
    const name = root?.[1]?.replace(/^\w+:/, "");
    if (!name) return null;
    if (name === "testsuites" || name === "testsuite") return "junit";
    if (name === "TestRun") return "trx";
    if (name === "test-run" || name === "test-results" || name === "test-suite") return "nunit";
    if (name === "assemblies" || name === "assembly") return "xunit";
    return null;
  }
  // go test -json: one event per line, possibly after non-JSON lines.
  if (/^\{"(Time|Action|ImportPath)":/m.test(t) && /"Action":"/.test(t)) return "go-json";
  if (t.startsWith("{") || t.startsWith("[")) {
    if (/"examples"\s*:\s*\[/.test(t) && /"(full_description|summary_line)"\s*:/.test(t)) return "rspec-json";
    if (/"testResults"\s*:/.test(t) || /"numTotalTests"\s*:/.test(t)) return "jest-json";
    if (/"format_version"\s*:/.test(t) && /"(valid|diagnostics)"\s*:/.test(t)) return "terraform-json";
    if (/"stats"\s*:/.test(t) && /"(passes|failures|pending|tests)"\s*:/.test(t)) return "mocha-json";
    if (/"tests"\s*:\s*\[/.test(t)) return "jest-json";
    return null;
  }
  // [ \t] rather than \s: a line-start pattern that can run across newlines is quadratic on blank lines.
  if (/^TAP version \d+/m.test(t) || (/^[ \t]*(not )?ok \d+\b/m.test(t) && /^[ \t]*\d+\.\.\d+/m.test(t))) return "tap";
  if (/^bun test v\d/m.test(t) || /^# Unhandled error between tests/m.test(t)) return "bun-console";
  if (/terragrunt|\[[^\]]+\]\s+(terraform|tofu):/i.test(t) && /Error: |Success!/.test(t)) return "terraform-text";
  if (/^[ \t│]*Error: .+\n(?:[ \t│]*\n)?[ \t│]*on \S+ line \d+/m.test(t)) return "terraform-text";
  return null;
}

export interface ParseOptions {
  /** Explicit format (or alias); content sniffing otherwise. */
  format?: string;
}

async function readJson(path: string, size: number): Promise<unknown> {
  if (size > MAX_JSON_BYTES) throw unreadable(path, `JSON report larger than ${MAX_JSON_BYTES >> 20} MB`);
  const buf = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf).replace(/^\uFEFF/, "");
  } catch {
    throw unreadable(path, "not UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // Runners writing --json to stdout sometimes print console lines first: use the outermost object.
    const start = text.search(/^\{/m);
    const end = text.lastIndexOf("}");
    if (start > 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1));
      } catch {
        // fall through to the original error
      }
    }
    throw unreadable(path, `invalid JSON (${(err as Error).message.split("\n")[0]}), the file may be truncated`);
  }
}

async function forEachLine(path: string, fn: (line: string) => void): Promise<void> {
  const input = createReadStream(path, { encoding: "utf8" });
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) fn(line);
  } finally {
    rl.close();
    input.destroy();
  }
}

type XmlParser = (path: string, onCase: (c: TestCase) => void) => Promise<{ unlisted?: UnlistedTests[] } | void>;
type XmlFormat = "junit" | "trx" | "nunit" | "xunit";
const isXml = (f: ReportFormat): f is XmlFormat => f === "junit" || f === "trx" || f === "nunit" || f === "xunit";

/** The XML parsers live in their own modules (XML owner); loaded on first use. */
async function xmlParser(format: XmlFormat): Promise<XmlParser> {
  if (format === "junit") return (await import("./junit.ts")).parseJUnitFile;
  if (format === "trx") return (await import("./trx.ts")).parseTrxFile;
  if (format === "xunit") return (await import("./xunit-net.ts")).parseXunitNetFile;
  return (await import("./nunit.ts")).parseNUnitFile;
}

/** What parseReport read from one report. */
export interface ParsedReport {
  format: ReportFormat;
  /** Test cases handed to onCase (one per suite and kind for unlisted failing tests included). */
  cases: number;
  /**
   * JUnit suites whose tests/failures/errors/skipped attributes count more than the test cases they list
   * (a suite saying failures="2" with no <testcase>): those tests exist, though unnamed.
   */
  unlisted?: UnlistedTests[];
}

/**
 * Failing tests a suite counts but does not list are never lost: one case per suite and kind stands for them
 * (named by the suite, so the same gap keeps its identity across runs), and says what the report declared.
 */
function emitUnlisted(u: UnlistedTests, emit: (c: TestCase) => void): void {
  for (const [n, status, attr] of [
    [u.failures, "failed", "failures"],
    [u.errors, "error", "errors"],
  ] as const) {
    if (n === 0) continue;
    const tc: TestCase = {
      framework: "junit",
      fullName: `${u.suite} > (${attr} the report counts but does not list)`,
      status,
      message: `<testsuite name="${u.suite}"> counts ${n} more ${attr} than the test cases it lists`,
      unlistedCount: n,
    };
    if (u.file) tc.file = u.file;
    emit(tc);
  }
}

/**
 * Streams the test cases of one report to `onCase`. Throws HealError REPORT_UNREADABLE (naming the file)
 * when the file is missing, empty, binary, not UTF-8, truncated or not the format given/detected.
 */
export async function parseReport(path: string, onCase: (c: TestCase) => void, opts: ParseOptions = {}): Promise<ParsedReport> {
  const size = await checkFile(path);
  const format = opts.format ? normalizeFormat(opts.format) : await detectFormat(path);
  if (opts.format && !isXml(format)) headText(path, await readHead(path));
  let unlisted: UnlistedTests[] | undefined;
  let count = 0;
  const emit = (c: TestCase) => {
    count++;
    onCase(c);
  };
  try {
    switch (format) {
      case "junit":
      case "trx":
      case "nunit":
      case "xunit":
        unlisted = (await (await xmlParser(format))(path, emit))?.unlisted;
        for (const u of unlisted ?? []) emitUnlisted(u, emit);
        break;
      case "rspec-json":
        parseRSpecJson(await readJson(path, size), emit);
        break;
      case "jest-json":
        parseJestJson(await readJson(path, size), emit);
        break;
      case "mocha-json":
        parseMochaJson(await readJson(path, size), emit);
        break;
      case "terraform-json":
        parseTerraformJson(await readJson(path, size), emit);
        break;
      case "go-json": {
        const p = new GoJsonParser(emit);
        await forEachLine(path, (l) => p.line(l));
        p.end();
        break;
      }
      case "tap": {
        const p = new TapParser(emit);
        await forEachLine(path, (l) => p.line(l));
        p.end();
        break;
      }
      case "terraform-text": {
        const p = new TerraformTextParser(emit);
        await forEachLine(path, (l) => p.line(l));
        p.end();
        break;
      }
      case "bun-console": {
        const p = new BunConsoleParser(emit);
        await forEachLine(path, (l) => p.line(l));
        p.end();
        break;
      }
    }
  } catch (err) {
    if (err instanceof HealError) throw err;
    const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw unreadable(path, `${format}: ${detail}`);
  }
  return unlisted ? { format, cases: count, unlisted } : { format, cases: count };
}
