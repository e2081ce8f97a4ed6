// Accuracy harness: runs the real runners on the canonical sample projects (tests/support/samples.ts),
// parses their reports the way parse-failures does, and prints per runner and per report format the share
// of expected failures whose name, file and line are exact.
//
//   bun bench/accuracy.ts          prints the table; exit 1 when a merged row is below 100%
//
// "merged" rows read every report of a run together (what `task heal` does); the per-format rows read one
// report alone: some formats do not carry every failure (vitest's JSON drops hook errors, bun's JUnit drops
// files that fail to load), so their "found" column can be lower while what they do carry must be exact.
import { relative } from "node:path";
import { collectFailures } from "../lib/failures.ts";
import type { FailureRecord } from "../lib/types.ts";
import { buildCorpus, type Corpus, type ExpectedFailure, type SampleProject } from "../tests/support/samples.ts";

export interface AccuracyRow {
  runner: string;
  /** "merged" or the report format read alone. */
  source: string;
  expected: number;
  /** Expected failures present by exact name. */
  found: number;
  exactFile: number;
  exactLine: number;
  /** Name, file and line all exact. */
  exact: number;
  /** Failures reported that the ground truth does not list. */
  extra: string[];
  /** Expected failures whose file or line is wrong, with what was reported. */
  wrong: string[];
  /** Expected failures found with the wrong kind or a message missing the expected text. */
  details: string[];
}

const NO_META = { repository: null, branch: null, commit: null, runUrl: null };

function score(runner: string, source: string, expected: ExpectedFailure[], failures: FailureRecord[], onlyFound: boolean): AccuracyRow {
  const byName = new Map(failures.map((f) => [f.fullName, f]));
  const row: AccuracyRow = {
    runner,
    source,
    expected: 0,
    found: 0,
    exactFile: 0,
    exactLine: 0,
    exact: 0,
    extra: [],
    wrong: [],
    details: [],
  };
  for (const e of expected) {
    const f = byName.get(e.fullName);
    byName.delete(e.fullName);
    if (!f && onlyFound) continue;
    row.expected++;
    if (!f) {
      row.wrong.push(`${e.fullName}: missing`);
      continue;
    }
    row.found++;
    const fileOk = f.file === e.file;
    const lineOk = f.line === e.line;
    if (fileOk) row.exactFile++;
    if (fileOk && lineOk) row.exactLine++;
    if (fileOk && lineOk) row.exact++;
    else row.wrong.push(`${e.fullName}: got ${f.file}:${f.line}, want ${e.file}:${e.line}`);
    if (f.kind !== e.kind) row.details.push(`${e.fullName}: kind ${f.kind}, want ${e.kind}`);
    if (!f.message.includes(e.messageIncludes))
      row.details.push(`${e.fullName}: message ${JSON.stringify(f.message.slice(0, 120))} lacks ${JSON.stringify(e.messageIncludes)}`);
  }
  row.extra = [...byName.values()].map((f) => `${f.fullName} (${f.file}:${f.line})`);
  return row;
}

export async function measureProject(p: SampleProject): Promise<AccuracyRow[]> {
  const rows: AccuracyRow[] = [];
  const merged = await collectFailures({ repoRoot: p.dir, runs: { schemaVersion: 1, runs: [p.run] }, reportPaths: [], meta: NO_META });
  const row = score(p.runner, "merged", p.expected, merged.failures, false);
  const { passed, skipped } = merged.summary;
  if (passed !== p.passed || skipped !== p.skipped)
    row.details.push(`summary: ${passed} passed, ${skipped} skipped; want ${p.passed}, ${p.skipped}`);
  rows.push(row);
  if (p.reports.length > 1) {
    for (const r of p.reports) {
      const rel = relative(p.dir, r.path).split("\\").join("/");
      const alone = await collectFailures({
        repoRoot: p.dir,
        runs: { schemaVersion: 1, runs: [{ ...p.run, reports: [rel] }] },
        reportPaths: [],
        meta: NO_META,
      });
      // Runner records stand for what the other report carried: not part of a single format's score.
      const failures = alone.failures.filter((f) => !f.fullName.includes("(runner "));
      rows.push(score(p.runner, r.format, p.expected, failures, true));
    }
  }
  return rows;
}

export async function measureAccuracy(corpus: Corpus): Promise<AccuracyRow[]> {
  const rows: AccuracyRow[] = [];
  for (const p of corpus.projects) rows.push(...(await measureProject(p)));
  return rows;
}

const pct = (n: number, d: number) => (d === 0 ? "   -  " : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

export function formatTable(rows: AccuracyRow[]): string {
  const head = ["runner", "report", "expected", "found", "file", "file+line", "exact", "extra"];
  const body = rows.map((r) => [
    r.runner,
    r.source,
    String(r.expected),
    String(r.found),
    pct(r.exactFile, r.expected),
    pct(r.exactLine, r.expected),
    pct(r.exact, r.expected),
    String(r.extra.length),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  for (const r of rows) {
    for (const w of r.wrong) out.push(`  ${r.runner}/${r.source}: ${w}`);
    for (const x of r.extra) out.push(`  ${r.runner}/${r.source}: extra ${x}`);
    for (const d of r.details) out.push(`  ${r.runner}/${r.source}: ${d}`);
  }
  return out.join("\n");
}

if (import.meta.main) {
  const started = Date.now();
  const corpus = await buildCorpus();
  const rows = await measureAccuracy(corpus);
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stderr.write(`corpus ${corpus.root}, ${corpus.projects.length} runners, ${Date.now() - started} ms\n`);
  const bad = rows.filter((r) => r.source === "merged" && (r.exact !== r.expected || r.extra.length > 0));
  process.exit(bad.length ? 1 : 0);
}
