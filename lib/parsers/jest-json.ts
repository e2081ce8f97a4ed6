// jest `--json` and vitest's JSON reporter (the same shape), plus the seed's `{ tests: [...] }` example.
// Suites that failed to load (testResults[].failureMessage / testExecError / message with no test) are errors
// named by their file.
import { splitMessage } from "../location.ts";
import type { CaseStatus, Framework, TestCase } from "../types.ts";

interface AssertionResult {
  ancestorTitles?: string[];
  title?: string;
  fullName?: string;
  status?: string;
  failureMessages?: string[] | null;
  location?: { line?: number; column?: number; file?: string } | null;
  duration?: number | null;
  invocations?: number;
  retryReasons?: string[];
}

interface SuiteResult {
  name?: string;
  status?: string;
  message?: string;
  failureMessage?: string | null;
  testExecError?: { message?: string; stack?: string } | null;
  assertionResults?: AssertionResult[];
}

export function mapStatus(status: string | undefined): CaseStatus {
  switch (status) {
    case "passed":
    case "pass":
      return "passed";
    case "failed":
    case "fail":
      return "failed";
    case "error":
      return "error";
    default:
      // pending, skipped, todo, disabled, focused-out
      return "skipped";
  }
}

/** vitest's assertion results carry `meta`; jest's carry `invocations` / `numPassingAsserts`. */
function frameworkOf(doc: Record<string, unknown>): Framework {
  const first = (doc.testResults as SuiteResult[] | undefined)?.find((s) => s.assertionResults?.length)?.assertionResults?.[0];
  if (first && "meta" in first) return "vitest";
  if ("numRuntimeErrorTestSuites" in doc || "openHandles" in doc || (first && "invocations" in first)) return "jest";
  return "vitest" in doc ? "vitest" : "jest";
}

function caseFromAssertion(a: AssertionResult, suiteFile: string | undefined, framework: Framework): TestCase {
  const failure = (a.failureMessages ?? []).filter((m) => typeof m === "string" && m.trim() !== "");
  const text = failure.join("\n\n");
  const names = [...(a.ancestorTitles ?? []), ...(a.title !== undefined && a.title !== "" ? [a.title] : [])];
  const file = a.location?.file ?? suiteFile;
  const status = mapStatus(a.status);
  const tc: TestCase = {
    framework,
    // A result without a title is jest's record of a suite that failed to run: name it by its file.
    fullName: a.title ? names.join(" > ") : a.fullName || file || "(unnamed suite)",
    file,
    line: a.location?.line && a.location.line > 0 ? a.location.line : undefined,
    status,
    durationMs: typeof a.duration === "number" ? a.duration : undefined,
  };
  if (text) {
    const { message, stack } = splitMessage(text);
    tc.message = message;
    tc.stack = stack;
  }
  // jest.retryTimes: the reasons of the attempts that failed before the final one.
  const retries = (a.retryReasons ?? []).filter((r) => typeof r === "string");
  if (retries.length) tc.attempts = retries.map((r) => ({ status: "failed" as CaseStatus, message: splitMessage(r).message }));
  // Without the reasons, `invocations` still says how many runs failed before the last (jest retries failures only).
  else if (typeof a.invocations === "number" && a.invocations > 1 && a.invocations < 1_000)
    tc.attempts = Array.from({ length: a.invocations - 1 }, () => ({ status: "failed" as CaseStatus }));
  return tc;
}

/** Parses an already-decoded jest/vitest JSON report (or the seed's `tests` list). */
export function parseJestJson(doc: unknown, onCase: (c: TestCase) => void): void {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a jest/vitest JSON report (expected an object)");
  const d = doc as Record<string, unknown>;
  if (Array.isArray(d.tests) && !Array.isArray(d.testResults)) return parseSeedTests(d.tests, onCase);
  if (!Array.isArray(d.testResults)) throw new Error("not a jest/vitest JSON report (no testResults array)");
  const framework = frameworkOf(d);
  for (const raw of d.testResults as unknown[]) {
    if (!raw || typeof raw !== "object") continue;
    const suite = raw as SuiteResult;
    const file = typeof suite.name === "string" && suite.name ? suite.name : undefined;
    const results = Array.isArray(suite.assertionResults) ? suite.assertionResults : [];
    let failedInside = false;
    for (const a of results) {
      if (!a || typeof a !== "object") continue;
      const tc = caseFromAssertion(a, file, framework);
      if (tc.status === "failed" || tc.status === "error") failedInside = true;
      onCase(tc);
    }
    const loadError = suite.failureMessage || suite.testExecError?.stack || suite.testExecError?.message || suite.message;
    if (suite.status === "failed" && !failedInside && typeof loadError === "string" && loadError.trim()) {
      const { message, stack } = splitMessage(loadError);
      onCase({ framework, fullName: file ?? "(unnamed suite)", file, status: "error", message, stack });
    }
  }
}

interface SeedTest {
  fullName?: string;
  title?: string;
  status?: string;
  location?: { file?: string; line?: number };
  file?: string;
  failureMessages?: string[];
}

/** The seed's example: `{ tests: [{ fullName, status, location: { file, line }, failureMessages }] }`. */
function parseSeedTests(tests: unknown[], onCase: (c: TestCase) => void): void {
  for (const raw of tests) {
    if (!raw || typeof raw !== "object") continue;
    const t = raw as SeedTest;
    const text = (t.failureMessages ?? []).filter((m) => typeof m === "string").join("\n\n");
    const tc: TestCase = {
      framework: "jest",
      fullName: t.fullName ?? t.title ?? "(unnamed test)",
      file: t.location?.file ?? t.file,
      line: t.location?.line && t.location.line > 0 ? t.location.line : undefined,
      status: mapStatus(t.status),
    };
    if (text) Object.assign(tc, splitMessage(text));
    onCase(tc);
  }
}
