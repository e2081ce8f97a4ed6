// The accuracy harness on the real runners' reports: every expected failure of every runner here is found
// with its exact name, file and line, with no extra record; one format read alone is exact for what it carries.
import { beforeAll, describe, expect, test } from "bun:test";
import { formatTable, measureAccuracy, type AccuracyRow } from "../bench/accuracy.ts";
import { availableRunners, buildCorpus, type Corpus } from "./support/samples.ts";

let corpus: Corpus;
let rows: AccuracyRow[];

beforeAll(async () => {
  corpus = await buildCorpus();
  rows = await measureAccuracy(corpus);
  process.stderr.write(`${formatTable(rows)}\n`);
});

describe("accuracy harness", () => {
  test("covers bun, vitest, jest and pytest always, go and terraform when installed", () => {
    const runners = corpus.projects.map((p) => p.runner);
    expect(runners).toEqual(availableRunners());
    expect(runners).toEqual(expect.arrayContaining(["bun", "vitest", "jest", "pytest"]));
    if (Bun.which("go")) expect(runners).toContain("go");
    if (Bun.which("terraform")) expect(runners).toContain("terraform");
  });

  for (const runner of availableRunners()) {
    test(`${runner}: kinds, messages and passed/skipped counts match the ground truth`, () => {
      const merged = rows.find((r) => r.runner === runner && r.source === "merged")!;
      expect(merged.details).toEqual([]);
    });

    test(`${runner}: every failure has the exact name, file and line, and nothing else is reported`, () => {
      const merged = rows.find((r) => r.runner === runner && r.source === "merged")!;
      expect({ wrong: merged.wrong, extra: merged.extra }).toEqual({ wrong: [], extra: [] });
      expect(merged.exact).toBe(merged.expected);
      expect(merged.expected).toBe(corpus.projects.find((p) => p.runner === runner)!.expected.length);
    });
  }

  test("each report format read alone is exact for the failures it carries", () => {
    const alone = rows.filter((r) => r.source !== "merged");
    expect(alone.length).toBeGreaterThanOrEqual(5);
    for (const r of alone)
      expect({ row: `${r.runner}/${r.source}`, wrong: r.wrong, extra: r.extra }).toEqual({
        row: `${r.runner}/${r.source}`,
        wrong: [],
        extra: [],
      });
  });
});
