// NUnit result XML: NUnit 3 (`<test-run>`, nunit3-console --result, NUnit3TestAdapter, or a bare
// `<test-suite>` root as some runners and CI plugins write it) and the NUnit 2 format (`<test-results>`) that
// many tools still write. Emits one TestCase per <test-case>; failures
// that NUnit records on a <test-suite> (OneTimeSetUp) already appear on each of its test cases.
import { HealError } from "../errors.ts";
import type { CaseStatus, TestCase } from "../types.ts";
import { BoundedText, capText, ownCase, secondsToMs, IGNORE_DTD, streamXml } from "./xml-stream.ts";

interface OpenCase {
  attrs: Record<string, string>;
  depth: number;
  message?: BoundedText;
  stack?: BoundedText;
  reason?: BoundedText;
  capture?: BoundedText;
  /** Direct child being read: failure | reason. */
  section?: string;
  /** A <failure> child was seen (NUnit 2 writers that leave out `result` and `success`). */
  sawFailure?: boolean;
}

export async function parseNUnitFile(path: string, onCase: (c: TestCase) => void): Promise<void> {
  let root: string | undefined;
  let current: OpenCase | undefined;
  await streamXml(
    path,
    {
      onOpen(name, attrs) {
        if (!root) {
          root = name;
          if (name !== "test-run" && name !== "test-results" && name !== "test-suite")
            throw new HealError(
              "REPORT_UNREADABLE",
              `root element <${name.slice(0, 60)}> is not NUnit XML (expected <test-run>, <test-results> or <test-suite>)`,
              path,
            );
        }
        if (!current) {
          if (name === "test-case") current = { attrs, depth: 0 };
          return;
        }
        const c = current;
        c.depth++;
        if (c.depth === 1) {
          c.section = name;
          if (name === "failure") c.sawFailure = true;
        } else if (c.depth === 2 && (c.section === "failure" || c.section === "reason")) {
          if (name === "message")
            c.capture = c.section === "failure" ? (c.message ??= new BoundedText()) : (c.reason ??= new BoundedText());
          else if (name === "stack-trace" && c.section === "failure") c.capture = c.stack ??= new BoundedText();
        }
      },
      onClose(name) {
        const c = current;
        if (!c) return;
        if (c.depth === 0 && name === "test-case") {
          const tc = toCase(c);
          onCase(tc.status === "passed" ? tc : ownCase(tc)); // see own() in xml-stream.ts
          current = undefined;
          return;
        }
        if (c.depth === 2) c.capture = undefined;
        if (c.depth === 1) c.section = undefined;
        c.depth--;
      },
      onText(text) {
        current?.capture?.append(text);
      },
      wantsText: () => current?.capture !== undefined,
    },
    IGNORE_DTD,
  );
}

/** NUnit 3 (`Passed`, `Failed` + label) and NUnit 2 (`Success`, `Failure`, `executed`, `success`) in one vocabulary. */
function statusOf(a: Record<string, string>, sawFailure: boolean): CaseStatus {
  const result = (a.result ?? "").toLowerCase();
  const label = (a.label ?? "").toLowerCase();
  if (result === "failed") return ["error", "cancelled", "invalid"].includes(label) ? "error" : "failed";
  if (result === "failure") return "failed";
  if (result === "error" || result === "cancelled") return "error";
  if (["skipped", "inconclusive", "ignored", "notrunnable"].includes(result)) return "skipped";
  if (a.executed?.toLowerCase() === "false") return "skipped";
  if (result === "passed" || result === "success" || result === "warning") return "passed";
  // No result: `success`, else a <failure> child says it.
  if (a.success !== undefined) return a.success.toLowerCase() === "false" ? "failed" : "passed";
  return sawFailure ? "failed" : "passed";
}

function toCase(c: OpenCase): TestCase {
  const a = c.attrs;
  const status = statusOf(a, c.sawFailure === true);
  // NUnit 3 has fullname; NUnit 2 puts the full name in `name`.
  const fullName = (a.fullname ?? a.name ?? "").trim() || "(unnamed test)";
  const tc: TestCase = { framework: "nunit", fullName, status };
  let message = c.message?.toString().trim();
  if (status === "skipped") message = c.reason?.toString().trim() || message;
  // A timeout has an empty <failure/> and says what happened in `label`.
  if (!message && status === "failed" && a.label && a.label.toLowerCase() !== "error") message = a.label.trim();
  if (message) tc.message = capText(message);
  const stack = c.stack?.toString().trimEnd();
  if (stack && status !== "passed") tc.stack = stack;
  const durationMs = secondsToMs(a.duration ?? a.time);
  if (durationMs !== undefined) tc.durationMs = durationMs;
  return tc;
}
