// Visual Studio / `dotnet test --logger trx` results (TRX, namespace .../TeamTest/2010). A TRX file lists
// <Results> before <TestDefinitions>, so the class of each test is only known at the end: a first streaming
// pass reads testId -> className (and stops after </TestDefinitions>), a second pass emits the results.
// Memory stays proportional to the number of distinct tests, never to the size of their output.
import { HealError } from "../errors.ts";
import type { CaseStatus, TestCase } from "../types.ts";
import { BoundedText, capText, ownCase, IGNORE_DTD, streamXml } from "./xml-stream.ts";

/** TRX `outcome` values (vstst.xsd TestOutcome) -> our status (a Map: report text is never an object key). */
const OUTCOMES = new Map<string, CaseStatus>([
  ["passed", "passed"],
  ["completed", "passed"],
  ["passedbutrunaborted", "passed"],
  ["warning", "passed"],
  ["failed", "failed"],
  ["error", "error"],
  ["timeout", "error"],
  ["aborted", "error"],
  ["disconnected", "error"],
  ["notexecuted", "skipped"],
  ["inconclusive", "skipped"],
  ["pending", "skipped"],
  ["notrunnable", "skipped"],
  ["inprogress", "skipped"],
]);

interface OpenResult {
  attrs: Record<string, string>;
  depth: number;
  hasInner: boolean;
  message?: BoundedText;
  stack?: BoundedText;
  capture?: BoundedText;
}

export async function parseTrxFile(path: string, onCase: (c: TestCase) => void): Promise<void> {
  const classOf = await readDefinitions(path);

  // One stack entry per open <UnitTestResult>: data-driven tests nest rows under <InnerResults>.
  const open: OpenResult[] = [];
  await streamXml(
    path,
    {
      onOpen(name, attrs) {
        const top = open[open.length - 1];
        if (name === "UnitTestResult" || name === "TestResultAggregation") {
          if (top) top.hasInner = true;
          open.push({ attrs, depth: 0, hasInner: false });
          return;
        }
        if (!top) return;
        top.depth++;
        if (name === "Message" && top.depth === 3) top.capture = top.message ??= new BoundedText();
        else if (name === "StackTrace" && top.depth === 3) top.capture = top.stack ??= new BoundedText();
      },
      onClose(name) {
        const top = open[open.length - 1];
        if (!top) return;
        if (top.depth === 0 && (name === "UnitTestResult" || name === "TestResultAggregation")) {
          open.pop();
          // A data-driven parent only summarises its rows; the rows are the test cases.
          if (!top.hasInner) {
            const tc = toCase(top, classOf);
            onCase(tc.status === "passed" ? tc : ownCase(tc)); // see own() in xml-stream.ts
          }
          return;
        }
        if (top.depth === 3) top.capture = undefined;
        top.depth--;
      },
      onText(text) {
        open[open.length - 1]?.capture?.append(text);
      },
      wantsText: () => open[open.length - 1]?.capture !== undefined,
    },
    IGNORE_DTD,
  );
}

/** First pass: testId -> className from <TestDefinitions>; checks the root element. */
async function readDefinitions(path: string): Promise<Map<string, string>> {
  const classOf = new Map<string, string>();
  let root: string | undefined;
  let testId: string | undefined;
  let done = false;
  await streamXml(
    path,
    {
      onOpen(name, attrs) {
        if (!root) {
          root = name;
          if (name !== "TestRun")
            throw new HealError("REPORT_UNREADABLE", `root element <${name.slice(0, 60)}> is not TRX (expected <TestRun>)`, path);
        }
        if (name === "UnitTest") testId = attrs.id;
        else if (name === "TestMethod" && testId && attrs.className) classOf.set(testId, attrs.className);
      },
      onClose(name) {
        if (name === "UnitTest") testId = undefined;
        else if (name === "TestDefinitions") done = true;
      },
      onText() {},
      wantsText: () => false,
    },
    { ...IGNORE_DTD, shouldStop: () => done },
  );
  return classOf;
}

function toCase(r: OpenResult, classOf: Map<string, string>): TestCase {
  const a = r.attrs;
  const testName = a.testName?.trim() || "(unnamed test)";
  const className = a.testId ? classOf.get(a.testId) : undefined;
  const fullName = className && !testName.startsWith(`${className}.`) ? `${className}.${testName}` : testName;
  const status = OUTCOMES.get((a.outcome ?? "").toLowerCase()) ?? (r.message ? "failed" : "passed");
  const tc: TestCase = { framework: "trx", fullName, status };
  const message = r.message ? r.message.toString().replace(/\r\n/g, "\n").trim() : undefined;
  const stack = r.stack ? r.stack.toString().replace(/\r\n/g, "\n").trimEnd() : undefined;
  if (message) tc.message = capText(message);
  if (stack && status !== "passed") tc.stack = stack;
  const durationMs = timeSpanToMs(a.duration);
  if (durationMs !== undefined) tc.durationMs = durationMs;
  return tc;
}

/** .NET TimeSpan "hh:mm:ss.fffffff" (optionally "d.hh:mm:ss") -> milliseconds. */
export function timeSpanToMs(value: string | undefined): number | undefined {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value?.trim() ?? "");
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  const ms = ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
  return Math.round(ms * 1000) / 1000;
}
