// Kept failures in memory and on disk (lib/failures/spill.ts): a report past the memory budget must give the
// very same failures.json as one that fits, whatever the budget, with real bun test and pytest reports.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listItemJson, OccurrenceSpill, RecordSpool, spillBudget } from "../lib/failures/spill.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import type { FailureRecord, FailureReport } from "../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "./support/sample-repo.ts";

const SCRIPT = join(TOOLKIT_ROOT, "scripts", "parse-failures.ts");

/** A bun test file: `fail` failing and `pass` passing tests, one name twice (legal in bun), long messages. */
function bunTests(file: string, fail: number, pass: number): string {
  const lines = [`import { describe, expect, test } from "bun:test";`, `describe("${file}", () => {`];
  for (let i = 0; i < fail; i++)
    lines.push(
      `  test("fails ${i % 7}", () => { expect("${"x".repeat(200 + i)}").toBe("value ${i} crc 0x${(i * 2654435761).toString(16)}"); });`,
    );
  for (let i = 0; i < pass; i++) lines.push(`  test("passes ${i}", () => { expect(${i}).toBe(${i}); });`);
  lines.push("});", "");
  return lines.join("\n");
}

let repo: SampleRepo;
let plain: string;

/** failures.json of `bun scripts/parse-failures.ts <reports>` in the sample repository, at a spill budget (undefined: the default). */
function parseFailures(budget: string | undefined, reports = ["bun.xml", "pytest.xml"], name = "failures"): string {
  const out = join(repo.dir, `${name}-${budget ?? "default"}.json`);
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HEAL_REPO: repo.dir };
  delete env.HEAL_SPILL_BUDGET;
  if (budget !== undefined) env.HEAL_SPILL_BUDGET = budget;
  const r = spawnSync(process.execPath, [SCRIPT, ...reports, "--out", out], { cwd: repo.dir, env, encoding: "utf8" });
  expect(r.status).toBe(0);
  return readFileSync(out, "utf8");
}

beforeAll(() => {
  repo = createSampleRepo(
    {
      "tests/a.test.ts": bunTests("a", 30, 10),
      "tests/b.test.ts": bunTests("b", 12, 5),
      "tests/test_calc.py": [
        "import pytest",
        "",
        "@pytest.mark.parametrize('n', range(25))",
        "def test_double(n):",
        "    assert n * 2 == n + 3, f'double of {n} token=abc{n} is wrong'",
        "",
        "def test_ok():",
        "    assert True",
        "",
      ].join("\n"),
    },
    { nodeModules: false },
  );
  const bun = spawnSync(process.execPath, ["test", "--reporter=junit", "--reporter-outfile=bun.xml"], { cwd: repo.dir, encoding: "utf8" });
  expect(bun.status).toBe(1);
  const py = spawnSync(
    "/usr/bin/python3",
    ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=pytest.xml", "tests/test_calc.py"],
    {
      cwd: repo.dir,
      encoding: "utf8",
    },
  );
  expect(py.status).toBe(1);
  plain = parseFailures(undefined);
}, 120_000);

afterAll(() => repo.cleanup());

describe("parse-failures past the memory budget", () => {
  test("the fitting run lists every failing test of both runners (bun's repeated names as '(2)', …)", () => {
    const report = JSON.parse(plain) as FailureReport;
    // bun: 42 failing tests (30 + 12), pytest: the 24 parametrized cases whose n != 3 (2n == n + 3 only for n = 3).
    expect(report.failures).toHaveLength(42 + 24);
    expect(report.summary).toMatchObject({ total: 42 + 15 + 25 + 1, failed: 66, passed: 15 + 1 + 1 });
    const names = report.failures.map((f) => f.fullName);
    expect(names).toContain("a > fails 0");
    expect(names).toContain("a > fails 0 (2)");
    expect(names).toContain("a > fails 0 (5)");
    expect(names).toContain("tests/test_calc.py::test_double[24]");
    expect(names).not.toContain("tests/test_calc.py::test_double[3]");
  });

  for (const budget of ["0", "1", "3000", "20000"]) {
    test(`HEAL_SPILL_BUDGET=${budget} gives the same failures.json byte for byte`, () => {
      expect(parseFailures(budget)).toBe(plain);
    }, 60_000);
  }
});

describe("retries and flaky tests past the memory budget", () => {
  test("every format of tests/fixtures/reports (Surefire reruns and a flaky test among them) gives the same failures.json at budget 0", () => {
    // The fixtures' origins are in tests/fixtures/reports/ORIGINS.md (surefire-rerun.xml: rerunFailure, flakyFailure, flakyError).
    const dir = join(TOOLKIT_ROOT, "tests", "fixtures", "reports");
    const run = (budget: string | undefined) => parseFailures(budget, [`${dir}/*.xml`, `${dir}/*.trx`], "fixtures");
    const inMemory = run(undefined);
    const report = JSON.parse(inMemory) as FailureReport;
    expect(report.summary.flaky).toBeGreaterThanOrEqual(1);
    expect(report.failures.some((f) => (f.attempts ?? 0) > 1)).toBe(true);
    expect(run("0")).toBe(inMemory);
  }, 60_000);
});

/** A record whose sort keys are given; `tag` tells records of equal keys apart. */
function record(file: string | null, line: number | null, fullName: string, tag: string): FailureRecord {
  return { id: `id-${fullName}`, framework: "bun", fullName, file, line, message: tag, stack: tag, kind: "failure" };
}

describe("RecordSpool", () => {
  // Keys with ties, null files and lines, added out of order: the merge of runs must equal one stable sort.
  const records: FailureRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const file = i % 5 === 0 ? null : `src/f${(i * 7) % 4}.ts`;
    const line = i % 6 === 0 ? null : (i * 13) % 9;
    records.push(record(file, line, `t${(i * 11) % 5}`, `#${i}`));
  }
  const sortedTags = (budget: number) => {
    const spool = new RecordSpool(budget, 1);
    try {
      for (const r of records) spool.add(r);
      return [...spool.sorted()].map((text) => (JSON.parse(text) as FailureRecord).message);
    } finally {
      spool.close();
    }
  };

  test("in memory: compareFailures' order, equal keys in the order they were added", () => {
    const tags = sortedTags(spillBudget({}));
    const expected = records
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        const f = (a.r.file ?? "\uffff") < (b.r.file ?? "\uffff") ? -1 : (a.r.file ?? "\uffff") > (b.r.file ?? "\uffff") ? 1 : 0;
        return (
          f ||
          (a.r.line ?? 1e15) - (b.r.line ?? 1e15) ||
          (a.r.fullName < b.r.fullName ? -1 : a.r.fullName > b.r.fullName ? 1 : 0) ||
          a.i - b.i
        );
      })
      .map(({ r }) => r.message);
    expect(tags).toEqual(expected);
  });

  test("sorted runs on disk merge to the same order at any budget (a run per record at 0)", () => {
    const inMemory = sortedTags(spillBudget({}));
    for (const budget of [0, 100, 1500, 5000]) expect(sortedTags(budget)).toEqual(inMemory);
  });

  test("a run holds at least minRun records, however small the budget", () => {
    const spool = new RecordSpool(0, 25);
    try {
      for (const r of records) spool.add(r);
      // 60 records: two runs of 25 on disk, 10 still in memory; all 60 come back, in order.
      expect([...spool.sorted()]).toHaveLength(60);
      expect((spool as unknown as { runs: unknown[] }).runs).toHaveLength(2);
    } finally {
      spool.close();
    }
  });
});

describe("OccurrenceSpill", () => {
  test("a report dropped half-way after the spill moved to disk leaves nothing behind", () => {
    const spill = new OccurrenceSpill<{ name: string; text: string }>((o) => o.text.length, 50);
    try {
      spill.add({ name: "kept", text: "a".repeat(40) }, 1, 1, 0);
      spill.add({ name: "dropped", text: "b".repeat(40) }, 2, 2, 1); // past 50: both now on disk
      expect(spill.onDisk).toBe(true);
      spill.truncate(1);
      spill.add({ name: "later", text: "c" }, 1, 1, 2);
      const { order, starts, count, seq } = spill.groups();
      expect(count).toBe(1);
      const g = seq[0]!;
      const names = [];
      for (let k = starts[g]!; k < starts[g + 1]!; k++) names.push(spill.read(order[k]!).name);
      expect(names).toEqual(["kept", "later"]);
    } finally {
      spill.close();
    }
  });

  test("texts on disk come back whole: non-ASCII, and longer than the write buffer holds", () => {
    const spill = new OccurrenceSpill<{ text: string }>((o) => o.text.length, 0);
    try {
      const texts = ["é😀 \u2028 ∑", "x".repeat(400_000) + "é", "tail ✓"];
      texts.forEach((text, i) => spill.add({ text }, i + 1, 1, i));
      expect(texts.map((_, i) => spill.read(i).text)).toEqual(texts);
    } finally {
      spill.close();
    }
  });

  test("HEAL_SPILL_BUDGET is read as a count of characters; anything else keeps the default", () => {
    expect(spillBudget({ HEAL_SPILL_BUDGET: "0" })).toBe(0);
    expect(spillBudget({ HEAL_SPILL_BUDGET: "1000" })).toBe(1000);
    expect(spillBudget({ HEAL_SPILL_BUDGET: "lots" })).toBe(16 * 1024 * 1024);
    expect(spillBudget({})).toBe(16 * 1024 * 1024);
  });
});

describe("listItemJson", () => {
  test("is JSON.stringify(record, null, 2) indented as a list item, for any text and nested field", () => {
    const records = [
      record(null, null, 'x "q" \n y', "m\u2028\u0000é😀\ttab"),
      { ...record("src/a.ts", 3, "t", ""), attempts: 2, kind: "error" as const },
      { ...record("f", 1, "n", "s"), nested: { a: [1, { b: null }], c: [], d: {} }, gone: undefined },
    ];
    for (const r of records) expect(listItemJson(r as FailureRecord)).toBe(JSON.stringify(r, null, 2).replaceAll("\n", "\n    "));
  });
});
