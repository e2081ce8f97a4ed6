// The public fixtures of EnricoMi/publish-unit-test-result-action (tests/fixtures/publish-unit-test-result/,
// origin in its README.md): every input is read with parseReport and compared with the expectation stored
// beside it by that project: counts (tests, failures, errors, skipped) and, for each failing test, its name,
// file and line; a `.exception` beside an input means the file must be refused. Where this tool reads a file
// differently on purpose, DIFFERENCES says how and why; an unlisted difference, or a listed one that no longer
// happens, fails. With CORPUS_TABLE=<path> the results are also written there as a markdown table.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Glob } from "bun";
import { HealError } from "../../lib/errors.ts";
import { parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";
import { type PyValue, parsePythonRepr } from "./python-repr.ts";

const DIR = join(import.meta.dir, "../fixtures/publish-unit-test-result");

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}
interface Failing {
  name: string;
  kind: "failure" | "error";
  file: string | null;
  line: number | null;
}
interface Outcome {
  /** "refused" when the file is (or must be) refused. */
  counts: Counts | "refused";
  failing: Failing[];
}

/**
 * Deliberate differences, by fixture: why, and what this tool reads instead. `counts` replaces the expected
 * counts exactly; `lineOffset` is added to each expected line; `anyKind` matches a failing test whether it
 * is a failure or an error. The fixture must then match, and must not match without the difference.
 */
interface Difference {
  why: string;
  counts?: Counts | "refused";
  lineOffset?: number;
  anyKind?: boolean;
}
const PYTEST_LINE: Difference = {
  why: "pytest writes its 0-based `location` line in `line`; this tool reports the 1-based line of the def",
  lineOffset: 1,
};
const NUNIT_LABEL_ERROR = "NUnit 3 result=Failed label=Error is an unexpected exception: this tool reports an error, PUTR a failure";
const DIFFERENCES: Record<string, Difference> = {
  "junit-xml/pytest/junit.fail.xml": PYTEST_LINE,
  "junit-xml/unsupported-unicode.xml": PYTEST_LINE,
  "mocha/tests.json": {
    why: "PUTR counts a mocha error that carries `errorMode` (the unexpected assertion library) as an error; it is a failed assertion, so a failure here",
    counts: { tests: 5, failures: 2, errors: 0, skipped: 1 },
    anyKind: true,
  },
  "nunit/mstest/clicketyclackety.xml": { why: NUNIT_LABEL_ERROR, counts: { tests: 23, failures: 1, errors: 9, skipped: 0 }, anyKind: true },
  "nunit/mstest/timewarpinc.xml": { why: NUNIT_LABEL_ERROR, counts: { tests: 1, failures: 0, errors: 1, skipped: 0 }, anyKind: true },
  "nunit/nunit3/jenkins/NUnit-sec1752-file.xml": {
    why: "a DOCTYPE is read with its DTD ignored: the XXE entity stays literal text (never read), PUTR refuses the file",
    counts: { tests: 2, failures: 1, errors: 0, skipped: 0 },
  },
  "nunit/nunit3/jenkins/NUnit-sec1752-https.xml": {
    why: "a DOCTYPE is read with its DTD ignored: the XXE entity stays literal text (never fetched), PUTR refuses the file",
    counts: { tests: 2, failures: 1, errors: 0, skipped: 0 },
  },
  "trx/yami_YAMILEX_2015-10-24_04_18_59.trx": {
    why: "TRX outcome Aborted is a test that did not finish: an error here (never green), skipped in PUTR",
    counts: { tests: 25, failures: 2, errors: 1, skipped: 20 },
  },
};

type PyObj = { [key: string]: PyValue };

function expected(input: string): Outcome {
  const base = input.replace(/\.[^./]+$/, "");
  if (existsSync(`${base}.exception`) && !existsSync(`${base}.results`)) return { counts: "refused", failing: [] };
  const r = parsePythonRepr(readFileSync(`${base}.results`, "utf8")) as PyObj;
  const cases = (r.cases as PyObj[]) ?? [];
  if (existsSync(`${base}.exception`) || (cases.length === 0 && (r.errors as PyValue[]).length > 0))
    return { counts: "refused", failing: [] };
  const by = (...results: string[]) => cases.filter((c) => results.includes(c.result as string)).length;
  const counts: Counts =
    cases.length > 0
      ? { tests: cases.length, failures: by("failure"), errors: by("error"), skipped: by("skipped", "disabled") }
      : {
          tests: r.suite_tests as number,
          failures: r.suite_failures as number,
          errors: r.suite_errors as number,
          skipped: r.suite_skipped as number,
        };
  const failing = cases
    .filter((c) => c.result === "failure" || c.result === "error")
    .map((c) => ({
      name: String(c.test_name ?? "").trim(),
      kind: c.result === "error" ? ("error" as const) : ("failure" as const),
      file: (c.test_file as string | null) ?? null,
      line: (c.line as number | null) ?? null,
    }));
  return { counts, failing };
}

async function ours(input: string): Promise<Outcome> {
  const cases: TestCase[] = [];
  let parsed: Awaited<ReturnType<typeof parseReport>>;
  try {
    parsed = await parseReport(input, (c) => cases.push(c));
  } catch (err) {
    if (err instanceof HealError && err.code === "REPORT_UNREADABLE" && err.file === input) return { counts: "refused", failing: [] };
    throw err;
  }
  // The cases standing for unlisted failing tests are counted through `unlisted`, like every unlisted test.
  const listed = cases.filter((c) => c.unlistedCount === undefined);
  const by = (...s: string[]) => listed.filter((c) => s.includes(c.status)).length;
  const counts: Counts = { tests: listed.length, failures: by("failed"), errors: by("error"), skipped: by("skipped") };
  for (const u of parsed.unlisted ?? []) {
    counts.tests += u.tests;
    counts.failures += u.failures;
    counts.errors += u.errors;
    counts.skipped += u.skipped;
  }
  const failing = listed
    .filter((c) => c.status === "failed" || c.status === "error")
    .map((c) => ({
      name: c.fullName,
      kind: c.status === "error" ? ("error" as const) : ("failure" as const),
      file: c.file ?? null,
      line: c.line ?? null,
    }));
  return { counts, failing };
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** Expected failing tests that ours does not match by name (ours contains theirs), kind, file and line. */
function unmatched(exp: Failing[], got: Failing[], diff: Difference = { why: "" }): string[] {
  const left = [...got];
  const misses: string[] = [];
  for (const e of exp) {
    const name = squash(e.name);
    const i = left.findIndex(
      (g) =>
        squash(g.name).includes(name) &&
        (diff.anyKind || g.kind === e.kind) &&
        (e.file === null || g.file === e.file) &&
        (e.line === null || g.line === e.line + (diff.lineOffset ?? 0)),
    );
    if (i === -1) misses.push(`${e.kind} ${JSON.stringify(e.name)} ${e.file ?? "-"}:${e.line ?? "-"}`);
    else left.splice(i, 1);
  }
  return misses;
}

const fmt = (c: Counts | "refused") => (c === "refused" ? "refused" : `${c.tests} / ${c.failures} / ${c.errors} / ${c.skipped}`);

const inputs = [...new Glob("**/*.{xml,trx,json}").scanSync(DIR)].filter((f) => !f.endsWith(".results.json")).sort();

describe("publish-unit-test-result-action fixtures", () => {
  const rows: string[] = [];

  test("the corpus holds the fixtures the README lists (40-100 inputs, each with its expectation)", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(40);
    expect(inputs.length).toBeLessThanOrEqual(100);
    for (const f of inputs) {
      const base = join(DIR, f).replace(/\.[^./]+$/, "");
      expect(existsSync(`${base}.results`) || existsSync(`${base}.exception`)).toBe(true);
    }
  });

  for (const f of inputs) {
    test(f, async () => {
      const path = join(DIR, f);
      const exp = expected(path);
      const got = await ours(path);
      const misses = got.counts === "refused" ? [] : unmatched(exp.failing, got.failing);
      const match = JSON.stringify(got.counts) === JSON.stringify(exp.counts) && misses.length === 0;
      const diff = DIFFERENCES[f];
      rows.push(`| ${f} | ${fmt(exp.counts)} | ${fmt(got.counts)} | ${match ? "yes" : diff ? `differs on purpose: ${diff.why}` : "NO"} |`);
      if (!diff) {
        expect({ counts: got.counts, misses }).toEqual({ counts: exp.counts, misses: [] });
        return;
      }
      // A listed difference must still be one, and be exactly the one listed.
      expect(match).toBe(false);
      const adjusted = { counts: diff.counts ?? exp.counts, misses: [] };
      const failing = exp.counts === "refused" ? [] : exp.failing;
      expect({ counts: got.counts, misses: got.counts === "refused" ? [] : unmatched(failing, got.failing, diff) }).toEqual(adjusted);
    });
  }

  test("the XXE fixtures (Jenkins nunit-plugin SECURITY-1752) keep &xxe; as text: the file beside them is never read", async () => {
    for (const name of ["NUnit-sec1752-file.xml", "NUnit-sec1752-https.xml"]) {
      const cases: TestCase[] = [];
      await parseReport(join(DIR, "nunit/nunit3/jenkins", name), (c) => cases.push(c));
      expect(cases.filter((c) => c.status === "failed").map((c) => [c.fullName, c.message])).toEqual([
        ["UnitTests.MainClassTest.TestPropertyValue", "&xxe;"],
      ]);
    }
    // What the entity would have read, had it been expanded.
    expect(readFileSync(join(DIR, "nunit/nunit3/jenkins/NUnit-sec1752-file.txt"), "utf8").trim()).toBe("abc");
  });

  test("every listed difference names a fixture of the corpus", () => {
    for (const f of Object.keys(DIFFERENCES)) expect(inputs).toContain(f);
    const table = ["| fixture | expected tests / failures / errors / skipped | ours | match |", "|---|---|---|---|", ...rows.sort()].join(
      "\n",
    );
    if (process.env.CORPUS_TABLE) writeFileSync(process.env.CORPUS_TABLE, `${table}\n`);
    expect(rows.length).toBe(inputs.length);
  });
});
