// JUnit XML in the dialects real runners write: bun, vitest, jest-junit, pytest (xunit1 and xunit2),
// mocha-junit-reporter, node --test, go-junit-report/gotestsum, Maven Surefire/Gradle (flaky and rerun
// attempts), PHPUnit, nested <testsuite>s and a bare <testsuite> root. Streams the file (xml-stream.ts)
// and emits one TestCase per <testcase>; file/line are reported as the report gives them, the failure
// text goes to `stack` untouched (lib/location.ts finds the failing line later).
import { HealError } from "../errors.ts";
import type { CaseStatus, Framework, TestCase, UnlistedTests } from "../types.ts";
import { noTopTier } from "./xml-scan.ts";
import { BoundedText, capText, IGNORE_DTD, own, secondsToMs, streamXml, type XmlHandlers } from "./xml-stream.ts";

/** Which runner wrote the report; decides how names are joined and what `line` means. */
export type JUnitDialect = "bun" | "vitest" | "jest" | "pytest" | "mocha" | "node" | "go" | "surefire" | "phpunit" | "junit";

const FRAMEWORK: Record<JUnitDialect, Framework> = {
  bun: "bun",
  vitest: "vitest",
  jest: "jest",
  pytest: "pytest",
  mocha: "mocha",
  node: "junit",
  go: "go",
  surefire: "junit",
  phpunit: "junit",
  junit: "junit",
};

/** Default `name` of the root <testsuites> element, per runner (a Map: report text is never an object key). */
const ROOT_NAMES = new Map<string, JUnitDialect>([
  ["bun test", "bun"],
  ["vitest tests", "vitest"],
  ["jest tests", "jest"],
  ["Mocha Tests", "mocha"],
]);

type Attrs = Record<string, string>;
type Attempt = { status: CaseStatus; message?: string };

interface ReportContext {
  /** Decided by the root/suite/property evidence seen so far; undefined: decide per test case. */
  dialect?: JUnitDialect;
  rootName?: string;
  pytest: boolean;
  go: boolean;
  java: boolean;
  /** node's reporter writes `disabled` on every <testsuite>. */
  nodeSuites: boolean;
  /** go: parents of failed subtests ("pkg\0TestName"); gotestsum lists subtests before their parent. */
  goFailedParents?: Set<string>;
}

interface OpenCase {
  attrs: Attrs;
  suites: Attrs[];
  /** The innermost enclosing suite's file, if any. */
  suiteFile: string | undefined;
  status: CaseStatus;
  outcome?: { name: string; attrs: Attrs };
  messageAttr?: string;
  /** The exception type (`type` attribute) of the outcome element. */
  typeAttr?: string;
  /** Outcome elements seen, as the suite's counts count them: 1 failure, 2 error, 4 skipped. */
  elements: number;
  stack?: BoundedText;
  /** Created on the first flaky/rerun element (most cases have none). */
  attempts?: Attempt[];
  /** Depth below <testcase> of the element being read (1 = direct child). */
  depth: number;
  capture?: BoundedText;
  /** Surefire flaky/rerun element (or pytest's <rerun>) being read, and its <stackTrace> text. */
  attempt?: { status: CaseStatus; message?: string; trace: BoundedText };
}

const PATH_LIKE = /\.(?:[cm]?[jt]sx?|py|go|rb|php|java|kt|cs|rs)$/;
const JAVA_CLASS = /^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*$/;
const SKIP_STATUS = new Set(["skipped", "skip", "notrun", "not_run", "disabled", "ignored", "pending"]);
/** Outcome elements by severity: a testcase holding several takes the most severe. */
const SEVERITY: Record<CaseStatus, number> = { passed: 0, skipped: 1, failed: 2, error: 3 };
/** A message attribute that says nothing (GoogleTest, some CI converters): the element's text says it. */
const GENERIC_MESSAGE = /^(?:fail(?:ed|ure)?|error|assertion ?failed)?$/i;
/** Reports list at most this many suites whose declared counts exceed their test cases. */
const MAX_UNLISTED = 1000;

/** What a leaf <testsuite> is counting while it is open: its attributes and the cases it listed. */
interface SuiteTally {
  attrs: Attrs;
  leaf: boolean;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Counts beyond the listed cases, from the report's own <testsuite> attributes. */
export interface JUnitExtras {
  unlisted?: UnlistedTests[];
}

/**
 * Streams a JUnit XML report and calls `onCase` for each <testcase>, in file order.
 * Throws HealError("REPORT_UNREADABLE", ..., path) when the file is not a readable JUnit report.
 */
export async function parseJUnitFile(path: string, onCase: (c: TestCase) => void): Promise<JUnitExtras> {
  const ctx: ReportContext = { pytest: false, go: false, java: false, nodeSuites: false };
  const suites: Attrs[] = [];
  const tallies: SuiteTally[] = [];
  const unlisted: UnlistedTests[] = [];
  // Cases share the array until a suite opens or closes (cheaper than a copy per case).
  let suitePath: Attrs[] = [];
  let suiteFile: string | undefined;
  const names = new NameCache();
  let root: string | undefined;
  let current: OpenCase | undefined;
  const unnamed = { n: 0 };

  const handlers: XmlHandlers = {
    onOpen(name, attrs) {
      if (!root) {
        root = name;
        if (name !== "testsuites" && name !== "testsuite")
          throw new HealError(
            "REPORT_UNREADABLE",
            `root element <${name.slice(0, 60)}> is not JUnit XML (expected <testsuites> or <testsuite>)`,
            path,
          );
        if (name === "testsuites") ctx.rootName = attrs.name;
      }
      if (current) return openInCase(current, name, attrs);
      if (name === "testcase") {
        current = { attrs, suites: suitePath, suiteFile, status: "passed", depth: 0, elements: 0 };
        return;
      }
      switch (name) {
        case "testsuite":
          if (tallies.length > 0) tallies[tallies.length - 1]!.leaf = false;
          tallies.push({ attrs, leaf: true, tests: 0, failures: 0, errors: 0, skipped: 0 });
          suites.push(attrs);
          suitePath = suites.slice();
          suiteFile = suiteFileOf(suites);
          if (attrs.name === "pytest") ctx.pytest = true;
          if (attrs.disabled !== undefined) ctx.nodeSuites = true;
          if (/surefire/i.test(attrs["xsi:noNamespaceSchemaLocation"] ?? "")) ctx.java = true;
          if (root === "testsuite" && suites.length === 1 && ROOT_NAMES.has(attrs.name ?? "")) ctx.rootName = attrs.name;
          ctx.dialect = reportDialect(ctx);
          break;
        case "property": {
          const prop = attrs.name ?? "";
          if (prop === "go.version") ctx.go = true;
          else if (/^(java\.|surefire\.|maven\.|gradle)/.test(prop)) ctx.java = true;
          ctx.dialect = reportDialect(ctx);
          break;
        }
        case "testsuites":
          ctx.dialect = reportDialect(ctx);
          break;
      }
    },
    onClose(name) {
      if (current) {
        if (current.depth === 0 && name === "testcase") {
          const tc = finishCase(current, ctx, names, unnamed);
          if (tallies.length > 0) tally(tallies[tallies.length - 1]!, current.elements, tc?.status ?? "passed");
          if (tc) onCase(tc);
          current = undefined;
        } else closeInCase(current, name);
        return;
      }
      if (name === "testsuite") {
        const t = tallies.pop();
        if (t?.leaf && unlisted.length < MAX_UNLISTED) {
          const u = unlistedOf(t, suiteFileOf(suites));
          if (u) unlisted.push(u);
        }
        suites.pop();
        suitePath = suites.slice();
        suiteFile = suiteFileOf(suites);
      }
    },
    onText(text) {
      if (!current) return;
      if (current.capture) current.capture.append(text);
      else if (current.attempt && current.depth === 2) current.attempt.trace.append(text);
    },
    wantsText: () => current !== undefined && (current.capture !== undefined || (current.attempt !== undefined && current.depth === 2)),
    rawText: true,
  };
  noTopTier(handlers.onOpen, handlers.onClose, handlers.onText, handlers.wantsText!);
  await streamXml(path, handlers, IGNORE_DTD);
  return unlisted.length > 0 ? { unlisted } : {};
}

/** Counts a listed case by its outcome elements (pytest counts a failure and a teardown error of one test twice). */
function tally(t: SuiteTally, elements: number, status: CaseStatus): void {
  t.tests++;
  if (elements & 1) t.failures++;
  if (elements & 2) t.errors++;
  if (elements & 4 || status === "skipped") t.skipped++;
}

/** A leaf suite's declared counts beyond its listed cases (a suite saying failures="2" with no testcase). */
function unlistedOf(t: SuiteTally, file: string | undefined): UnlistedTests | undefined {
  const a = t.attrs;
  const count = (v: string | undefined) => (v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : 0);
  // Writers disagree on failure vs error (a suite that failed to load, a panic): the failing total decides.
  const failing = Math.max(0, count(a.failures) + count(a.errors) - t.failures - t.errors);
  const errors = Math.min(failing, Math.max(0, count(a.errors) - t.errors));
  const failures = failing - errors;
  const skipped = Math.max(0, count(a.skipped ?? a.skip) + count(a.disabled) - t.skipped);
  const tests = Math.max(0, count(a.tests) - t.tests, failures + errors + skipped);
  if (tests === 0) return undefined;
  const u: UnlistedTests = { suite: own(a.name?.trim() || "(unnamed suite)"), tests, failures, errors, skipped };
  if (file) u.file = own(file);
  return u;
}

function openInCase(c: OpenCase, name: string, attrs: Attrs): void {
  c.depth++;
  if (c.depth === 2 && c.attempt && (name === "stackTrace" || name === "stacktrace")) return;
  if (c.depth !== 1) return;
  switch (name) {
    case "failure":
    case "error":
    case "skipped": {
      const status: CaseStatus = name === "failure" ? "failed" : name === "error" ? "error" : "skipped";
      c.elements |= name === "failure" ? 1 : name === "error" ? 2 : 4;
      c.stack ??= new BoundedText();
      if (!c.outcome || SEVERITY[status] > SEVERITY[c.status]) {
        // The most severe outcome decides (error > failure > skipped); the texts of all of them are kept.
        if (c.outcome && c.stack.length > 0) c.stack.append(`\n\n[${name}${attrs.message ? `: ${attrs.message}` : ""}]\n`);
        c.outcome = { name, attrs };
        c.status = status;
        c.messageAttr = attrs.message;
        c.typeAttr = attrs.type;
      } else if (c.stack.length > 0) c.stack.append(`\n\n[${name}${attrs.message ? `: ${attrs.message}` : ""}]\n`);
      c.capture = c.stack;
      break;
    }
    case "flakyFailure":
    case "flakyError":
    case "rerunFailure":
    case "rerunError":
    case "rerun":
      c.attempt = {
        status: name.endsWith("Error") ? "error" : "failed",
        message: capText(attrs.message),
        trace: new BoundedText(4096),
      };
      // pytest's <rerun> holds its traceback as text, Surefire's elements in a <stackTrace> child.
      if (name === "rerun") c.capture = c.attempt.trace;
      break;
  }
}

function closeInCase(c: OpenCase, name: string): void {
  if (c.depth === 1) {
    c.capture = undefined;
    if (c.attempt && /^(?:(?:flaky|rerun)(?:Failure|Error)|rerun)$/.test(name)) {
      const { status, message, trace } = c.attempt;
      const msg = message ?? firstLine(trace.toString());
      (c.attempts ??= []).push(msg ? { status, message: own(msg) } : { status });
      c.attempt = undefined;
    }
  }
  c.depth--;
}

/** The dialect the report as a whole shows (root name, suite name, properties), if any. */
function reportDialect(ctx: ReportContext): JUnitDialect | undefined {
  const byRoot = ctx.rootName ? ROOT_NAMES.get(ctx.rootName) : undefined;
  if (byRoot) return byRoot;
  if (ctx.pytest) return "pytest";
  if (ctx.go) return "go";
  if (ctx.java) return "surefire";
  return undefined;
}

/** Per test case when the report says nothing: PHPUnit's `class`, node's classname "test". */
function dialectOf(ctx: ReportContext, a: Attrs, suites: Attrs[]): JUnitDialect {
  if (ctx.dialect) return ctx.dialect;
  if (a.class !== undefined && (a.assertions !== undefined || a.file !== undefined)) return "phpunit";
  if (a.classname === "test" && (ctx.nodeSuites || suites.length === 0)) return "node";
  // Gradle writes Surefire's layout without the java.* properties: one suite per class, named by the class.
  const cls = a.classname;
  if (cls && suites.length === 1 && suites[0]!.name === cls && JAVA_CLASS.test(cls)) return "surefire";
  return "junit";
}

/** pytest classnames repeat for every test of a module: split each one once. Also copies of file names. */
class NameCache {
  private pytest = new Map<string, PytestPrefix>();
  /** The last 8 keys looked up (copies, see `own`): compared before the Map hashes a key (a module's classes interleave). */
  private recentKeys = ["", "", "", "", "", "", "", ""];
  private recentHits: PytestPrefix[] = [];
  private nextRecent = 0;
  private lastFile = "";
  private lastOwnFile = "";
  /** `own(file)`, reusing the copy while consecutive cases name the same file. */
  ownFile(file: string): string {
    if (file !== this.lastFile) {
      this.lastFile = file;
      this.lastOwnFile = own(file);
    }
    return this.lastOwnFile;
  }
  /** "file::Class::" for a classname (plus xunit1's file attribute), cached. */
  pytestPrefix(classname: string, fileAttr?: string): PytestPrefix {
    const key = fileAttr ? `${classname}\0${fileAttr}` : classname;
    const keys = this.recentKeys;
    for (let i = 0; i < 8; i++) if (keys[i] === key) return this.recentHits[i]!;
    let hit = this.pytest.get(key);
    if (!hit) {
      const { nodeId, file } = pytestNodeId(classname, "", fileAttr);
      hit = { prefix: nodeId, file, key: own(key) };
      if (this.pytest.size > 10_000) this.pytest.clear();
      this.pytest.set(hit.key, hit);
    }
    const n = this.nextRecent;
    keys[n] = hit.key;
    this.recentHits[n] = hit;
    this.nextRecent = (n + 1) & 7;
    return hit;
  }
}
type PytestPrefix = { prefix: string; file?: string; key: string };

function finishCase(c: OpenCase, ctx: ReportContext, names: NameCache, unnamed: { n: number }): TestCase | undefined {
  const a = c.attrs;
  const dialect = dialectOf(ctx, a, c.suites);
  const name = a.name?.trim() || `(unnamed test ${++unnamed.n})`;
  const classname = (a.classname ?? "").trim();
  let file: string | undefined = a.file ?? a.filepath ?? c.suiteFile;
  const lineAttr = a.line ?? a.lineno;
  let line = lineAttr === undefined ? undefined : toLine(lineAttr);
  let fullName: string;

  switch (dialect) {
    case "vitest":
      fullName = name;
      file ??= classname || undefined;
      break;
    case "jest":
      if (classname === JEST_SUITE_ERROR) {
        // jest-junit's record of a test file that could not run (import error, syntax error): named by the file.
        fullName = name;
        file ??= name;
      } else fullName = jestName(classname, name);
      // jest-junit's default suite name is the test file's path: the file two same-named tests differ by.
      if (!file) {
        const suiteName = c.suites[c.suites.length - 1]?.name?.trim();
        if (suiteName && PATH_LIKE.test(suiteName)) file = suiteName;
      }
      break;
    case "mocha":
      fullName = mochaName(classname, name);
      break;
    case "pytest": {
      // pytest's entry for the test a Ctrl-C interrupted: no name, no class, no result. It did not pass.
      if (!a.name?.trim() && !classname && !c.outcome) return undefined;
      if (classname) {
        const p = names.pytestPrefix(classname, a.file);
        fullName = p.prefix + name;
        file ??= p.file;
      } else {
        // A conftest.py that cannot be imported: pytest names nothing (name and file ""), its traceback does.
        const broken = !a.name?.trim() && c.stack ? pytestModuleFrame(c.stack.toString()) : undefined;
        const id = broken ? { nodeId: broken.file, file: broken.file } : pytestNodeId(classname, name, a.file);
        fullName = id.nodeId;
        if (!file) file = id.file;
        // Made 0-based, as xunit1's line attribute is (one is added below).
        if (broken && line === undefined) line = broken.line - 1;
      }
      // xunit1 writes pytest's 0-based `location` line: the line of the def (or decorator).
      if (line !== undefined) line += 1;
      break;
    }
    case "go":
      // As lib/parsers/go-json.ts names them: the test as `go test -run` knows it, the package as the file.
      fullName = name;
      file ??= classname || undefined;
      break;
    case "surefire":
      fullName = classname && !name.startsWith(`${classname}.`) ? `${classname}.${name}` : name;
      break;
    case "phpunit": {
      const cls = a.class ?? classname.replace(/\./g, "\\");
      fullName = cls && !name.includes("::") ? `${cls}::${name}` : name;
      break;
    }
    default:
      fullName = joinedName(c.suites, dialect === "bun" || dialect === "node" ? "" : classname, name, file);
      if (!file && PATH_LIKE.test(classname)) file = classname;
  }

  let status = c.status;
  if (status === "failed" && dialect === "jest" && classname === JEST_SUITE_ERROR) status = "error";
  if (!c.outcome) {
    const declared = a.status ?? a.result;
    if (declared !== undefined && SKIP_STATUS.has(declared.toLowerCase())) status = "skipped";
  }
  const stack = c.stack && c.stack.length > 0 ? trimBlock(c.stack.toString()) : undefined;
  let message = c.messageAttr !== undefined ? capText(c.messageAttr.trim()) : undefined;
  const failing = status === "failed" || status === "error";
  // GoogleTest writes message="Failed" (or none) and the assertion in the element's text.
  if (failing && message !== undefined && GENERIC_MESSAGE.test(message) && stack) message = capText(stack, MESSAGE_FROM_TEXT);
  else if (failing && message && c.typeAttr) message = withType(c.typeAttr.trim(), message, c.outcome?.name);
  if (dialect === "node" && message === "true") message = undefined; // node writes message="true" on skips
  // pytest says only "collection failure" for a module that cannot be imported: the E line says why.
  if (dialect === "pytest" && message === "collection failure" && stack) message = pytestErrorLine(stack) ?? message;
  else if (dialect === "pytest" && message && DOCTEST_END.test(message)) message = doctestMessage(message);
  if (dialect === "go" && stack) message = goMessage(stack) ?? message;
  else if (dialect === "go" && status === "skipped" && message) message = goMessage(message) ?? message;
  if (status === "failed" || status === "error") {
    if (!message && stack) message = dialect === "phpunit" ? phpunitMessage(stack, fullName) : firstLine(stack);
  }

  if (dialect === "go" && (status === "failed" || status === "error")) {
    if (stack && /^panic: /m.test(stack)) status = "error";
    const key = `${classname}\0${name}`;
    // A parent that fails only because a subtest failed (no output of its own) is not a failure itself.
    if (ctx.goFailedParents?.has(key) && !goOwnOutput(stack ?? "")) return undefined;
    const slash = name.lastIndexOf("/");
    if (slash > 0) (ctx.goFailedParents ??= new Set()).add(`${classname}\0${name.slice(0, slash)}`);
  }

  // The strings of a case with text are copied out of the read buffer (see `own`): those are the cases
  // callers keep. Passing cases stay uncopied (~100 ns each, a tenth of the parse of a 1 GB report).
  const keep = status !== "passed" || c.attempts !== undefined;
  const durationMs = secondsToMs(a.time);
  if (!keep && !file && line === undefined && !message) {
    // The common passing case: one object shape, nothing copied.
    return durationMs === undefined
      ? { framework: FRAMEWORK[dialect], fullName, status }
      : { framework: FRAMEWORK[dialect], fullName, status, durationMs };
  }
  const tc: TestCase = { framework: FRAMEWORK[dialect], fullName: keep ? own(fullName) : fullName, status };
  if (file) tc.file = keep ? names.ownFile(file) : file;
  if (line !== undefined) tc.line = line;
  if (message) tc.message = own(message);
  // BoundedText.toString() already returned a copy of the read buffer's text.
  if (stack && status !== "passed") tc.stack = stack;
  if (durationMs !== undefined) tc.durationMs = durationMs;
  if (c.attempts) tc.attempts = c.attempts;
  return tc;
}

/** Nested <testsuite> names, the classname, the name: joined with " > " without repeating a segment. */
function joinedName(suites: Attrs[], classname: string, name: string, file: string | undefined): string {
  const segments: string[] = [];
  for (const s of suites) {
    const n = s.name?.trim();
    if (!n || n === classname || n === file || n === s.file || PATH_LIKE.test(n)) continue;
    if (segments[segments.length - 1] !== n) segments.push(n);
  }
  const named = name === classname || name.startsWith(`${classname} `) || name.startsWith(`${classname}.`);
  if (classname && !PATH_LIKE.test(classname) && !named && !segments.includes(classname)) segments.push(classname);
  segments.push(name);
  return segments.join(" > ");
}

/** jest-junit's classname for a test file that failed to load. */
const JEST_SUITE_ERROR = "Test suite failed to run";

/**
 * jest-junit: by default classname and name are both "{ancestors} {title}" joined by spaces (nothing to
 * split); with classNameTemplate "{classname}" and titleTemplate "{title}" they are the describe path and
 * the test title, joined with the ancestor separator (default " ", often " › ").
 */
function jestName(classname: string, name: string): string {
  if (!classname || name === classname || name.startsWith(`${classname} `)) return name;
  return `${classname.split(" › ").join(" > ")} > ${name}`;
}

/**
 * pytest's classname is its node id mangled: "tests/test_x.py::TestClass::test" -> "tests.test_x.TestClass".
 * With the xunit1 `file` attribute the split is exact; without it, capitalised trailing parts are classes.
 */
export function pytestNodeId(classname: string, name: string, fileAttr?: string): { nodeId: string; file?: string } {
  if (!classname) {
    // A collection error (import error in a test module) is reported with classname "" and the module as name.
    // Its dotted path keeps the file name's hyphens (tests.test_max-min for tests/test_max-min.py).
    const moduleFile = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(name) ? `${name.replace(/\./g, "/")}.py` : undefined;
    if (moduleFile && (!fileAttr || fileAttr === moduleFile)) return { nodeId: moduleFile, file: moduleFile };
    return { nodeId: fileAttr ? `${fileAttr}::${name}` : name, file: fileAttr };
  }
  // Called with name "" by NameCache to get the "file::Class::" prefix.
  let file: string | undefined;
  let classes: string[] = [];
  if (fileAttr) {
    const dotted = fileAttr.replace(/\.py$/, "").replace(/[\\/]/g, ".");
    if (classname === dotted || classname.startsWith(`${dotted}.`)) {
      file = fileAttr;
      classes = classname
        .slice(dotted.length + 1)
        .split(".")
        .filter(Boolean);
    }
  }
  if (!file) {
    const parts = classname.split(".");
    let i = parts.length;
    while (i > 1 && /^[A-Z]/.test(parts[i - 1]!)) i--;
    classes = parts.slice(i);
    file = `${parts.slice(0, i).join("/")}.py`;
  }
  return { nodeId: [file, ...classes, name].join("::"), file };
}

/** The innermost repository module of a pytest import traceback ("tests/sub/conftest.py:2: in <module>"). */
function pytestModuleFrame(text: string): { file: string; line: number } | undefined {
  let found: { file: string; line: number } | undefined;
  // Relative paths only: pytest writes files under its rootdir relative, the interpreter's own absolute.
  for (const m of text.matchAll(/^([^\s/<][^:\n]*\.py):(\d+): in <module>$/gm)) found = { file: m[1]!, line: Number(m[2]) };
  return found;
}

const DOCTEST_END = /:\d+: (?:DocTestFailure|UnexpectedException)\s*$/;

/**
 * A doctest failure as pytest writes it (the docstring listed with line numbers, then the outcome): the failing
 * example with Expected/Got, or the exception it raised (what a test raising it would say, so they group).
 */
function doctestMessage(text: string): string {
  const lines = text.trimEnd().split("\n").slice(0, -1);
  const raised = lines.findIndex((l) => l.startsWith("UNEXPECTED EXCEPTION: "));
  if (raised !== -1) {
    const last = lines
      .slice(raised + 1)
      .reverse()
      .find((l) => /^[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)?: |^[A-Za-z_][\w.]*$/.test(l));
    return last?.trim() ?? lines[raised]!.slice("UNEXPECTED EXCEPTION: ".length);
  }
  const expected = lines.findIndex((l) => l === "Expected:" || l.startsWith("Expected nothing"));
  // The example is the last numbered line before the outcome: "014     >>> double(2)".
  const example = lines
    .slice(0, Math.max(expected, 0))
    .reverse()
    .find((l) => />>> /.test(l));
  const outcome = expected === -1 ? lines : lines.slice(expected);
  return [example ? example.replace(/^\d{3,}\s+/, "") : null, ...outcome]
    .filter((l) => l !== null)
    .join("\n")
    .trim();
}

/** The last "E   ..." line of a pytest traceback: the exception pytest reports. */
function pytestErrorLine(text: string): string | undefined {
  const lines = text.split("\n").filter((l) => l.startsWith("E   "));
  return lines.length ? lines[lines.length - 1]!.slice(4).trim() : undefined;
}

/** go test output inside the failure text: "calc_test.go:13: got 14" (the place kept) or "panic: ...". */
function goMessage(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^\s+([\w./-]+\.go:\d+: .+)$/.exec(line);
    if (m) return m[1]!.trim();
    if (line.startsWith("panic: ")) return line.trim();
  }
  return undefined;
}

/** Whether go test output has lines of the test's own, beyond the runner's RUN/PAUSE/CONT/FAIL framing. */
function goOwnOutput(text: string): boolean {
  return text.split("\n").some((l) => l.trim() !== "" && !/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)/.test(l));
}

/** PHPUnit starts the text with "Class::method" and puts the assertion message next. */
function phpunitMessage(text: string, fullName: string): string | undefined {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0]?.startsWith(fullName) ? 1 : 0;
  return lines[first] ? capText(lines[first]) : undefined;
}

/** Characters of an element's text kept as the message when the attribute says nothing. */
const MESSAGE_FROM_TEXT = 4096;

/** "AssertionError: expected 1 to be 2": the exception type stays with its message unless it is already there. */
function withType(type: string, message: string, element: string | undefined): string {
  const short = type.slice(type.lastIndexOf(".") + 1);
  // An exception class (AssertionError, java.lang.ArithmeticException), not a category (node's testCodeFailure).
  if (!/^[A-Z]/.test(short) || type.toLowerCase() === element || GENERIC_MESSAGE.test(type)) return message;
  if (message.startsWith(type) || message.startsWith(`${short}:`) || message.startsWith(`${short} `)) return message;
  return `${type}: ${message}`;
}

/**
 * mocha: mocha-junit-reporter writes the full title as name and the test's own title as classname; mocha's
 * xunit reporter writes the describe path as classname and the title as name. Both give mocha's fullTitle.
 */
function mochaName(classname: string, name: string): string {
  if (!classname || name === classname || name.endsWith(` ${classname}`) || name.startsWith(`${classname} `)) return name;
  if (classname.endsWith(` ${name}`)) return classname;
  return `${classname} ${name}`;
}

function firstLine(text: string): string | undefined {
  const line = text.split("\n").find((l) => l.trim() !== "");
  return line ? capText(line.trim(), 1000) : undefined;
}

/** Drops leading blank lines and trailing whitespace (indentation of the closing tag). */
function trimBlock(text: string): string {
  return text.replace(/^(?:[ \t]*\r?\n)+/, "").trimEnd();
}

function toLine(value: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The innermost enclosing suite's file (mocha, bun, PHPUnit write it there). */
function suiteFileOf(suites: Attrs[]): string | undefined {
  for (let i = suites.length - 1; i >= 0; i--) {
    const s = suites[i]!;
    const v = s.file ?? s.filepath;
    if (v) return v;
  }
  return undefined;
}

noTopTier(
  tally,
  unlistedOf,
  openInCase,
  closeInCase,
  reportDialect,
  dialectOf,
  finishCase,
  joinedName,
  jestName,
  mochaName,
  firstLine,
  trimBlock,
  toLine,
  suiteFileOf,
  withType,
);
noTopTier(NameCache.prototype.ownFile, NameCache.prototype.pytestPrefix);
