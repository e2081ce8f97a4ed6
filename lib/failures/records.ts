// One failing test's record from its occurrences (location, message, trimmed stack, fingerprint), the record of
// a runner that failed without a failure of its own, and the order of records.
import { fingerprint } from "../fingerprint.ts";
import { compilerPlaces, FRAME_LINE, isForeignFrame, locate, relativizePaths, splitMessage, type RepoIndex } from "../location.ts";
import { redact } from "../redact.ts";
import { stripAnsi } from "../sanitize.ts";
import type { CaseStatus, FailureRecord, Framework, RunRecord, TestCase } from "../types.ts";

const MAX_STACK_CHARS = 8_000;
const MAX_STACK_LINES = 60;
const MAX_MESSAGE_CHARS = 4_000;

/** One kept (failing or retried) test case as a report gave it, with its identity. */
export interface Occurrence {
  tc: TestCase;
  framework: Framework;
  /** The test's identity scope: its own file (repo-relative when it resolves) or "". */
  scope: string;
  /** The test's own file when it exists in the repo. */
  ownFile: string | null;
  fullName: string;
  /** The name as the report gave it, and which same-named test of the report this is (1-based). */
  baseName: string;
  nth: number;
  /** testKey(framework, scope, fullName): the test's identity. */
  key: string;
  cwd: string;
  /** Which run produced it; reports of one run describe the same execution. */
  source: string;
  report: string;
  /** Position in the reports as given (source index * 2^32 + case index). */
  order: number;
}

/** Drops frames of dependencies and runners from a stack, keeps message lines and repo frames, caps its size. */
export function trimStack(stack: string): string {
  const cut = headAndTail(stack, 1024 * 1024);
  const text = cut.includes("\r") ? cut.replace(/\r\n?/g, "\n") : cut;
  // Lines are counted while every one so far is kept as is; the kept lines become strings from the first one dropped or cut.
  let kept: string[] | null = null;
  let count = 0;
  let dropSource = false;
  for (let at = 0; ; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    const long = end - at > 2_000;
    // A line opening with a character no frame pattern starts with is kept as is, without a regex.
    if (!dropSource && !long && !mayBeFrame(text, at, end)) {
      if (kept === null) count++;
      else kept.push(text.slice(at, end));
    } else {
      const raw = text.slice(at, end);
      const line = long ? `${raw.slice(0, 1_000)}…${raw.slice(-1_000)}` : raw;
      const verdict = lineVerdict(line, dropSource);
      if (verdict !== KEEP || long) kept ??= count > 0 ? text.slice(0, at - 1).split("\n") : [];
      if (verdict === KEEP) {
        if (kept === null) count++;
        else kept.push(line);
      }
      // The source line Python prints under a dropped `File "..."` frame goes with it.
      dropSource = verdict === DROP_PYTHON_FRAME;
    }
    if (end === text.length) break;
    at = end + 1;
  }
  // The head and the tail are kept: the message opens the text, the outermost frames (the test's) close it.
  const half = MAX_STACK_LINES / 2;
  let out: string;
  if (kept !== null)
    out = (
      kept.length > MAX_STACK_LINES
        ? [...kept.slice(0, half), `… ${kept.length - MAX_STACK_LINES} more lines`, ...kept.slice(-half)].join("\n")
        : kept.join("\n")
    ).trim();
  else if (count > MAX_STACK_LINES) {
    // Every line kept: the head ends at the half-th line break, the tail starts after the half-th from the end.
    let headEnd = -1;
    for (let i = 0; i < half; i++) headEnd = text.indexOf("\n", headEnd + 1);
    let tailStart = text.length;
    for (let i = 0; i < half; i++) tailStart = text.lastIndexOf("\n", tailStart - 1);
    out = `${text.slice(0, headEnd)}\n… ${count - MAX_STACK_LINES} more lines\n${text.slice(tailStart + 1)}`.trim();
  } else out = text.trim();
  return headAndTail(out, MAX_STACK_CHARS);
}

/**
 * Whether trimStack must read a line with its patterns: every pattern (`File "`, `at `, `❯ `, a tab after the
 * indent) and the source line under a dropped frame need, past leading spaces, one of F, a, a control or
 * whitespace character, or a non-ASCII one; a blank line matches none.
 */
function mayBeFrame(text: string, from: number, end: number): boolean {
  let i = from;
  while (i < end && text.charCodeAt(i) === 32) i++;
  if (i === end) return false;
  const c = text.charCodeAt(i);
  return c === 70 || c === 97 || c <= 32 || c >= 0x80;
}

const KEEP = 0;
const DROP = 1;
const DROP_PYTHON_FRAME = 2;

/**
 * trimStack's decision for one line: dropped are a frame of a dependency or the runtime (a Python one takes its
 * source line along), Node's internal frames, and the indented source line under a dropped Python frame.
 */
function lineVerdict(line: string, afterPythonDrop: boolean): number {
  if (afterPythonDrop && /^\s{4,}\S/.test(line)) return DROP;
  const py = /^\s*File "([^"]{1,1000})", line \d+/.exec(line);
  const js = py ? null : /^\s*(?:at\s+(?:[^()]{0,500}\()?|❯\s+(?:\S+\s+)?|\t)((?:file:\/\/)?[^\s()"]{1,1000}?):\d+/.exec(line);
  const path = py?.[1] ?? js?.[1];
  if (path && isForeignFrame(path)) return py ? DROP_PYTHON_FRAME : DROP;
  if (/^\s*at\s/.test(line) && /\((node:|<anonymous>)|^\s*at (new Promise|async Promise|process\.processTicksAndRejections)/.test(line))
    return DROP;
  return KEEP;
}

/** A text cut to `max` characters: its first and last halves around a note of what was left out. */
export function headAndTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n… (${text.length - 2 * half} characters cut) …\n${text.slice(-half)}`;
}

export function statusRank(s: CaseStatus): number {
  return s === "error" ? 3 : s === "failed" ? 2 : s === "passed" ? 1 : 0;
}

export const isFailing = (s: CaseStatus) => s === "failed" || s === "error";

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What failures are sorted by (a record, or the key a spool keeps of one). */
export type FailureSortKey = Pick<FailureRecord, "file" | "line" | "fullName" | "framework" | "id">;

export function compareFailures(a: FailureSortKey, b: FailureSortKey): number {
  return (
    cmp(a.file ?? "\uffff", b.file ?? "\uffff") ||
    (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
    cmp(a.fullName, b.fullName) ||
    cmp(a.framework, b.framework) ||
    cmp(a.id, b.id)
  );
}

/** bun names a failing describe-level hook "<describe> > (unnamed)": the describe is what failed. */
export function hookOwner(fullName: string): string {
  return fullName.endsWith(" > (unnamed)") ? fullName.slice(0, -" > (unnamed)".length) : fullName;
}

/** The record of a failing test from its best occurrence: a located line in its own file beats anything else. */
export function buildRecord(
  group: Occurrence[],
  index: RepoIndex,
  isAncestor: (scope: string, fullName: string) => boolean,
  /** redact(), or a redactor() that read the environment once for a whole batch of records. */
  red: (text: string) => string = redact,
): FailureRecord {
  const failing = group.filter((o) => isFailing(o.tc.status));
  // Colour codes a runner left in its text (ts-jest's diagnostics) would hide frames and package names, and
  // reach the issue as garbage: the record holds the text as a terminal shows it.
  for (const o of failing)
    if (o.tc.message?.includes("\x1b") || o.tc.stack?.includes("\x1b"))
      o.tc = { ...o.tc, message: o.tc.message && stripAnsi(o.tc.message), stack: o.tc.stack && stripAnsi(o.tc.stack) };
  let best: { o: Occurrence; file: string | null; line: number | null; outsideTest: boolean; score: number } | null = null;
  for (const o of failing) {
    const loc = locate(
      {
        file: o.tc.file,
        line: o.tc.line,
        message: o.tc.message,
        stack: o.tc.stack,
        fullName: o.baseName,
        framework: o.framework,
        nth: o.nth,
      },
      index,
      { cwd: o.cwd },
    );
    const score = (loc.line !== null ? 4 : 0) + (loc.file !== null && loc.file === o.scope ? 2 : 0) + (o.tc.stack ? 1 : 0);
    if (!best || score > best.score) best = { o, file: loc.file, line: loc.line, outsideTest: !!loc.outsideTest, score };
  }
  const { o, file, line, outsideTest } = best!;
  const worst = failing.reduce((s, x) => (statusRank(x.tc.status) > statusRank(s) ? x.tc.status : s), "failed" as CaseStatus);
  // Setup failed rather than the test: a record named by its file (the file did not load), a
  // describe-level "test" (vitest), bun's "(unnamed)" hook record, or
  // an error raised only above the test's own line (jest reports a failing beforeAll on each test).
  // A stand-in for tests a suite counts but does not list is what its report says: a failure or an error.
  const isSuiteLevel =
    o.tc.unlistedCount === undefined &&
    (outsideTest ||
      (o.scope !== "" && o.fullName === o.scope) ||
      (o.tc.fullName.endsWith("(unnamed)") && /(^| > )\(unnamed\)$/.test(o.tc.fullName)) ||
      isAncestor(o.scope, o.fullName));
  const rawMessage = relativizePaths(fullerMessage(o.tc.message?.trim() ?? "", o.tc.stack) || "(no message)", index.root);
  // Redact before cutting, so a cut never leaves the visible half of a secret.
  const message = headAndTail(red(rawMessage), MAX_MESSAGE_CHARS);
  // Test names are untrusted text too: failures.json is uploaded as an artifact.
  const fullName = red(hookOwner(o.fullName));
  return {
    id: fingerprint({ framework: o.framework, file, fullName, message }),
    framework: o.framework,
    fullName,
    // A file name can hold a secret too (it is untrusted like any report text).
    file: file === null ? null : red(file),
    line,
    message,
    stack: trimStack(red(o.tc.stack ? relativizePaths(o.tc.stack, index.root) : rawMessage)),
    kind: worst === "error" || isSuiteLevel ? "error" : "failure",
  };
}

const TYPE_PREFIX = /^(?:[A-Z][\w.]*(?:Error|Exception|Failure)|Error)(?: \[\w+\])?:\s+/;

/**
 * The report's message, or the stack's message part when that says the same first line and more
 * (the assertion diff that JUnit `message` attributes cut off).
 */
export function fullerMessage(message: string, stack: string | undefined): string {
  if (!stack) return message;
  if (!message) return splitMessage(stack).message.trim();
  const head = (t: string) => {
    const line = t.slice(0, firstBreak(t)).trim();
    return line.includes(":") ? line.replace(TYPE_PREFIX, "") : line;
  };
  const wanted = head(message);
  // Most stacks open with another line: their message part is not split out at all then.
  const stackHead = stackMessageHead(stack);
  if ((stackHead.includes(":") ? stackHead.replace(TYPE_PREFIX, "") : stackHead) !== wanted) return message;
  const fromStack = splitMessage(stack).message.trim();
  return fromStack.length > message.length && head(fromStack) === wanted ? fromStack : message;
}

const firstBreak = (t: string) => {
  const at = t.indexOf("\n");
  return at === -1 ? t.length : at;
};

/** The first line of splitMessage(text).message, trimmed, without splitting the whole text. */
function stackMessageHead(stack: string): string {
  const text = stack.includes("\r") ? stack.replace(/\r\n?/g, "\n") : stack;
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    const line = text.slice(at, end);
    if (FRAME_LINE.test(line.slice(0, 1000))) break;
    if (line.trim() && !/^\s*● /.test(line)) return line.trim();
    at = end + 1;
  }
  // No message line before the first frame: splitMessage's message is then the text's first non-blank line.
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    const line = text.slice(at, end).trim();
    if (line) return line;
    at = end + 1;
  }
  return "";
}

export function runnerRecord(
  run: RunRecord,
  counts: { cases: number; readable: number } | undefined,
  index: RepoIndex,
  onlyFlaky: boolean,
): FailureRecord {
  const how = run.signal ? `killed by ${run.signal}` : `exited ${run.exitCode}`;
  const what =
    run.reports.length === 0 || !counts || counts.readable === 0
      ? "wrote no readable report"
      : run.signal !== null
        ? "was stopped before it finished: its report holds the tests that finished"
        : counts.cases === 0
          ? "wrote an empty report"
          : onlyFlaky
            ? "failed, but every failing test of its report passed on a retry"
            : "failed, but its report lists no failing test";
  const fullName = redact(`${run.stack.id} (runner ${how})`);
  const message = redact(`${run.argv.join(" ")} ${how} and ${what}`);
  // A stopped pytest prints where the Ctrl-C found it after its "KeyboardInterrupt" banner: the hung test's line.
  const at = run.signal !== null ? run.outputTail.lastIndexOf("! KeyboardInterrupt !") : -1;
  const where = at === -1 ? run.outputTail : run.outputTail.slice(at);
  const loc = locate({ stack: compilerPlaces(where) }, index, { cwd: run.stack.cwd });
  const framework: Framework = run.stack.framework ?? "runner";
  return {
    id: fingerprint({ framework, file: null, fullName, message: `runner ${what}` }),
    framework,
    fullName,
    file: loc.file === null ? null : redact(loc.file),
    line: loc.line,
    message,
    stack: trimStack(redact(relativizePaths(run.outputTail, index.root) || "(no output)")),
    kind: "error",
  };
}
