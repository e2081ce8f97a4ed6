// mocha's `--reporter json` output: { stats, tests, passes, failures, pending }. Each test carries
// `fullTitle` (titles joined by spaces: mocha keeps no separator), `file` and, when failed, `err`.
import { splitMessage } from "../location.ts";
import type { CaseStatus, TestCase } from "../types.ts";

interface MochaTest {
  title?: string;
  fullTitle?: string;
  file?: string;
  duration?: number;
  currentRetry?: number;
  err?: { message?: string; stack?: string; name?: string } | Record<string, never>;
}

/** Parses an already-decoded mocha JSON report. */
export function parseMochaJson(doc: unknown, onCase: (c: TestCase) => void): void {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a mocha JSON report (expected an object)");
  const d = doc as Record<string, unknown>;
  if (!d.stats || typeof d.stats !== "object") throw new Error("not a mocha JSON report (no stats)");
  const lists: [string, CaseStatus][] = [
    ["passes", "passed"],
    ["failures", "failed"],
    ["pending", "skipped"],
  ];
  const seen = new Set<MochaTest>();
  for (const [key, status] of lists) {
    const list = Array.isArray(d[key]) ? (d[key] as unknown[]) : [];
    for (const raw of list) {
      if (!raw || typeof raw !== "object") continue;
      const t = raw as MochaTest;
      seen.add(t);
      onCase(toCase(t, status));
    }
  }
  // Reports written with only `tests` (no split lists): status from `err`.
  if (seen.size === 0 && Array.isArray(d.tests)) {
    for (const raw of d.tests as unknown[]) {
      if (!raw || typeof raw !== "object") continue;
      const t = raw as MochaTest;
      const failed = t.err && Object.keys(t.err).length > 0;
      onCase(toCase(t, failed ? "failed" : t.duration === undefined ? "skipped" : "passed"));
    }
  }
}

function toCase(t: MochaTest, status: CaseStatus): TestCase {
  const tc: TestCase = {
    framework: "mocha",
    fullName: (t.fullTitle ?? t.title ?? "(unnamed)").trim(),
    file: typeof t.file === "string" ? t.file : undefined,
    status,
    durationMs: typeof t.duration === "number" ? t.duration : undefined,
  };
  if (status === "failed") {
    const err = (t.err ?? {}) as { message?: string; stack?: string };
    const stack = typeof err.stack === "string" ? err.stack : "";
    const message = typeof err.message === "string" ? err.message : stack ? splitMessage(stack).message : "";
    tc.message = message || "(no message)";
    tc.stack = stack || message;
    // A failing before/after hook: mocha names it `"before all" hook ...`; it stops the suite, so it is an error.
    if (/"(before|after) (all|each)" hook/.test(tc.fullName)) tc.status = "error";
    if (typeof t.currentRetry === "number" && t.currentRetry > 0) {
      tc.attempts = Array.from({ length: t.currentRetry }, () => ({ status: "failed" as CaseStatus }));
    }
  }
  return tc;
}
