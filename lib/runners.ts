// Runs one test stack with the reporter flags its parser needs, streaming the runner's own console
// output to stderr, and records what happened (exit code, signal, duration, reports, redacted tail).
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join, posix } from "node:path";
import type { RunnableStack } from "./detect.ts";
import { start } from "./process.ts";
import { redact } from "./redact.ts";
import { forLogStream } from "./sanitize.ts";
import type { RunRecord, RunsFile } from "./types.ts";

export const TAIL_LINES = 60;
const TAIL_BYTES = 64 * 1024;

export interface RunOptions {
  repoRoot: string;
  /** Repo-relative folder for raw reports (`<reports_dir>/raw`). */
  rawDir: string;
  /** A run longer than this is stopped (SIGTERM, then SIGKILL) and recorded with its signal. */
  timeoutMs?: number;
  /** Receives the runner's console output as it comes (default: our stderr). */
  echo?: (chunk: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** How a stack is run: the full argv, the report it writes, and whether that report is its stdout. */
export interface RunPlan {
  argv: string[];
  /** Repo-relative path of the report the run writes, or null when the runner writes none we know of. */
  report: string | null;
  /** The report is the runner's stdout (terraform/terragrunt -json, go test -json, plain output). */
  reportIsStdout: boolean;
  /**
   * Repo-relative file that keeps the whole console output, when it is a report too: bun prints a test
   * file that fails to load only there (its JUnit report leaves it out, or is not written at all).
   */
  consoleLog?: string;
}

/** The flags each runner needs for a machine-readable report that keeps file and line. */
export function planRun(stack: RunnableStack, repoRoot: string, rawDir: string): RunPlan {
  const rel = (ext: string) => posix.join(rawDir, `${stack.id}.${ext}`);
  const abs = (ext: string) => join(repoRoot, rel(ext));
  const cmd = stack.command;
  if (stack.report) return { argv: cmd, report: posix.join(stack.cwd, stack.report), reportIsStdout: false };
  switch (stack.framework) {
    case "bun":
      return {
        argv: [...cmd, "--reporter=junit", `--reporter-outfile=${abs("xml")}`],
        report: rel("xml"),
        reportIsStdout: false,
        consoleLog: rel("console.txt"),
      };
    case "vitest":
      // JUnit rather than JSON: names are joined with " > " and failures carry `❯ path:line:col` (repo-relative).
      return {
        argv: [...cmd, "--reporter=default", "--reporter=junit", `--outputFile.junit=${abs("xml")}`],
        report: rel("xml"),
        reportIsStdout: false,
      };
    case "jest":
      return {
        argv: [...cmd, "--json", `--outputFile=${abs("json")}`, "--testLocationInResults"],
        report: rel("json"),
        reportIsStdout: false,
      };
    case "pytest":
      // xunit1 keeps the file and line attributes on each testcase (xunit2 drops them).
      return { argv: [...cmd, `--junitxml=${abs("xml")}`, "-o", "junit_family=xunit1"], report: rel("xml"), reportIsStdout: false };
    case "terraform":
    case "terragrunt":
      return { argv: [...cmd, "-json", "-no-color"], report: rel("json"), reportIsStdout: true };
    case "go":
      return { argv: cmd.includes("-json") ? cmd : [...cmd, "-json"], report: rel("json"), reportIsStdout: true };
    default:
      return { argv: cmd, report: rel("txt"), reportIsStdout: true };
  }
}

/** Keeps the last TAIL_BYTES of output; `text()` gives the last TAIL_LINES, colour codes stripped, redacted. */
class OutputTail {
  private buf = "";
  private cut = false;
  push(text: string) {
    this.buf += text;
    if (this.buf.length > TAIL_BYTES * 2) {
      this.buf = this.buf.slice(-TAIL_BYTES);
      this.cut = true;
    }
  }
  text(): string {
    // eslint-disable-next-line no-control-regex
    let lines = this.buf
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
      .replace(/\r\n?/g, "\n")
      .split("\n");
    if (this.cut) lines = lines.slice(1); // the first line may be a fragment (of a secret, too)
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
    return redact(lines.slice(-TAIL_LINES).join("\n"));
  }
}

interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
}

function exec(
  argv: string[],
  cwd: string,
  opts: {
    env: NodeJS.ProcessEnv;
    timeoutMs: number;
    echo: (s: string) => void;
    tail: OutputTail;
    captureStdout: boolean;
    /** Also receives all output (the console log file). */
    sink?: (s: string) => void;
  },
): Promise<ExecResult> {
  const seen = (s: string) => {
    opts.tail.push(s);
    opts.sink?.(s);
  };
  return start(argv, {
    cwd,
    env: opts.env,
    timeoutMs: opts.timeoutMs,
    captureStdout: opts.captureStdout,
    onTimeout: () => {
      const msg = `\n[heal] stopped after ${Math.round(opts.timeoutMs / 1000)}s (runner.timeout_minutes)\n`;
      opts.tail.push(msg);
      opts.echo(msg);
    },
    onStdout: (s) => {
      if (!opts.captureStdout) opts.echo(s);
      seen(s);
    },
    onStderr: (s) => {
      opts.echo(s);
      seen(s);
    },
  });
}

interface TerraformValidate {
  valid?: boolean;
  diagnostics?: { severity?: string; summary?: string; range?: { filename?: string; start?: { line?: number } } }[];
}

function parseValidate(stdout: string): TerraformValidate | null {
  try {
    return JSON.parse(stdout) as TerraformValidate;
  } catch {
    return null;
  }
}

/** Validation that failed only because `terraform init` never ran (providers or modules not installed). */
function needsInit(v: TerraformValidate | null): boolean {
  return !!v?.diagnostics?.some((d) =>
    /Missing required provider|Module not installed|Module source has changed|Provider requirements cannot be satisfied/i.test(
      d.summary ?? "",
    ),
  );
}

// ---------- redaction of raw reports (uploaded as an artifact) ----------
// A report is redacted piece by piece (each XML text node, attribute value, CDATA section; each JSON
// string), decoded first so an escaped secret (`API_KEY = &quot;…&quot;`) is found, and re-encoded only
// when something was masked. A mask therefore never swallows markup, and the report stays well-formed.

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

/** Runs one stack; never throws for a runner problem: a crash is a RunRecord with its exit code and tail. */
export async function runStack(stack: RunnableStack, opts: RunOptions): Promise<RunRecord> {
  const env = opts.env ?? process.env;
  // Test output is untrusted: secrets are masked and workflow commands broken before it reaches the log,
  // whole lines at a time so a token split across chunks is still masked.
  const logStream = forLogStream(opts.echo ?? ((s: string) => void process.stderr.write(s)));
  const echo = (s: string) => logStream.write(s);
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const tail = new OutputTail();
  const plan = planRun(stack, opts.repoRoot, opts.rawDir);
  const cwd = join(opts.repoRoot, stack.cwd);
  const reportAbs = plan.report ? join(opts.repoRoot, plan.report) : null;
  mkdirSync(join(opts.repoRoot, opts.rawDir), { recursive: true });
  // An earlier run's report must never pass for this run's (a configured report is inside the repo: schema).
  if (reportAbs) rmSync(reportAbs, { force: true });
  const consoleAbs = plan.consoleLog ? join(opts.repoRoot, plan.consoleLog) : null;
  const consoleFd = consoleAbs ? openSync(consoleAbs, "w") : null;
  const consoleStream = consoleFd === null ? null : forLogStream((s) => void writeSync(consoleFd, s));
  const sink = consoleStream ? (s: string) => consoleStream.write(s) : undefined;

  const started = performance.now();
  const ex = (argv: string[], captureStdout: boolean) => exec(argv, cwd, { env, timeoutMs, echo, tail, captureStdout, sink });
  let result: ExecResult;
  if (!existsSync(cwd)) {
    const msg = `${stack.cwd}: folder not found`;
    tail.push(msg);
    echo(`${msg}\n`);
    result = { exitCode: 127, signal: null, stdout: "" };
  } else if (stack.framework === "terraform" && !stack.report) {
    result = await ex(plan.argv, true);
    if (needsInit(parseValidate(result.stdout))) {
      // Offline-safe: no backend, no prompts; a module without providers downloads nothing.
      const init = await ex([stack.command[0]!, "init", "-backend=false", "-input=false", "-no-color"], false);
      if (init.exitCode === 0) result = await ex(plan.argv, true);
    }
    const v = parseValidate(result.stdout);
    for (const d of v?.diagnostics ?? []) {
      const where = d.range?.filename ? `${posix.join(stack.cwd, d.range.filename)}:${d.range.start?.line ?? 0}: ` : "";
      echo(`${where}${d.severity ?? "error"}: ${d.summary ?? ""}\n`);
    }
    if (v?.valid) echo(`${stack.cwd}: the configuration is valid\n`);
  } else {
    result = await ex(plan.argv, plan.reportIsStdout);
  }
  const durationMs = Math.round(performance.now() - started);
  logStream.end();
  consoleStream?.end();
  if (consoleFd !== null) closeSync(consoleFd);

  // Raw reports are uploaded as an artifact: they are redacted like everything else that leaves the run.
  if (plan.reportIsStdout && reportAbs && result.stdout.trim() !== "") writeFileSync(reportAbs, redactReportText(result.stdout));
  const wrote = reportAbs !== null && existsSync(reportAbs) && statSync(reportAbs).isFile();
  if (wrote && !plan.reportIsStdout) redactFile(reportAbs!);
  return {
    stack,
    argv: plan.argv,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs,
    reports: [
      ...(wrote && plan.report ? [plan.report] : []),
      ...(plan.consoleLog && statSync(join(opts.repoRoot, plan.consoleLog)).size > 0 ? [plan.consoleLog] : []),
    ],
    outputTail: tail.text(),
  };
}

/** Runs the stacks one after another (their console output would interleave otherwise). */
export async function runStacks(stacks: RunnableStack[], opts: RunOptions): Promise<RunsFile> {
  const runs: RunRecord[] = [];
  for (const stack of stacks) {
    (opts.echo ?? ((s: string) => void process.stderr.write(s)))(`\n── ${stack.id}: ${stack.command.join(" ")} (in ${stack.cwd})\n`);
    runs.push(await runStack(stack, opts));
  }
  return { schemaVersion: 1, runs };
}
