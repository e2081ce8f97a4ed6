// The coverage issue as rendered from templates/: untrusted paths, the row cap, overrides, and the marker.
import { afterEach, describe, expect, test } from "bun:test";
import { defaultConfig } from "../../lib/config.ts";
import { coverageMarker } from "../../lib/coverage/issue.ts";
import { percent, type FileCoverage } from "../../lib/coverage/model.ts";
import { coverageTemplateContext, MAX_ISSUE_ROWS, renderCoverageIssue, summarizeCoverage } from "../../lib/coverage/summary.ts";
import { bodyWithMarker } from "../../lib/github/issues.ts";
import { buildMarker, parseMarker } from "../../lib/marker.ts";
import { byteLength, MAX_BODY_BYTES } from "../../lib/sanitize.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

const config = defaultConfig();
const file = (
  path: string,
  covered: number,
  total: number,
  uncovered: [number, number][] | null = [[1, total - covered]],
): FileCoverage => ({
  file: path,
  linesCovered: covered,
  linesTotal: total,
  pct: percent(covered, total),
  uncovered,
});
const render = (files: FileCoverage[], repoRoot = "/nonexistent", cfg = config) => {
  const summary = summarizeCoverage({ files, reports: [], errors: [], skippedFiles: 0 }, cfg.coverage.threshold);
  return { summary, ...renderCoverageIssue(coverageTemplateContext(summary, { config: cfg }), repoRoot, cfg) };
};

let repo: SampleRepo | undefined;
afterEach(() => repo?.cleanup());

describe("coverage issue rendering", () => {
  test("paths from reports cannot mention, reference, break the table or hide a marker", () => {
    const { body } = render([file("src/@claude fix|this <!-- x --> #12.ts", 1, 10)]);
    expect(body).not.toContain("@claude fix");
    expect(body).not.toContain("<!--");
    expect(body).not.toMatch(/(^|[^\\])\|this/m);
    expect(body).not.toMatch(/#12/);
    // The only mention is the tool's own line at the end.
    expect(body.match(/@claude/g)).toHaveLength(1);
    expect(body.trimEnd().endsWith("@claude Please create comprehensive tests for these files.")).toBe(true);
  });

  test("at most 100 rows; the rest are counted and pointed to coverage.json; the body stays within GitHub's limit", () => {
    const files = Array.from({ length: 2500 }, (_, i) =>
      file(
        `src/module-${String(i).padStart(4, "0")}/${"deep/".repeat(20)}file.ts`,
        i % 70,
        100,
        Array.from({ length: 100 }, (_, k) => [k * 3 + 1, k * 3 + 1] as [number, number]),
      ),
    );
    const { summary, body } = render(files);
    expect(summary.belowThreshold).toHaveLength(2500);
    const rows = body.split("\n").filter((l) => l.startsWith("| `src/"));
    expect(rows).toHaveLength(MAX_ISSUE_ROWS);
    expect(rows[0]).toStartWith("| `src/module-0000/");
    expect(rows[0]).toContain("| 0% (0/100) |");
    expect(body).toContain("…and 2400 more files under the threshold: every file is in `.agent/reports/coverage.json`.");
    // Long range lists are cut at a range boundary.
    expect(rows[0]).toMatch(/\| 1, 4, 7, .*, …\s\|$/);
    const full = bodyWithMarker(body, coverageMarker(summary), "cut");
    expect(byteLength(full)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(parseMarker(full)).toMatchObject({ kind: "coverage", count: 2500 });
  });

  test("json-summary input: ranges read 'unknown'", () => {
    const { body } = render([file("a.ts", 1, 4, null)]);
    expect(body).toContain("| `a.ts` | 25% (1/4) | unknown (the report has totals only) |");
  });

  test("every file at the threshold: no table and no mention", () => {
    const { title, body } = render([file("a.ts", 8, 10), file("b.ts", 0, 0, [])]);
    expect(title).toBe("📈 Improve Test Coverage (Currently 80%)");
    expect(body).toBe(
      "## 📈 Improve Test Coverage (Currently 80%)\n\nAll 2 files meet the 80% line-coverage threshold (8 of 10 lines covered overall).\n",
    );
  });

  test("a repository's own template in .agent/heal/templates/ replaces the toolkit's", () => {
    repo = createSampleRepo(
      {
        ".agent/heal/templates/coverage-issue-title.liquid":
          "Coverage below {{ threshold }}%: {{ below_count }} files ({{ overall_pct }}%)\n",
      },
      { nodeModules: false, git: false },
    );
    const { title } = render([file("a.ts", 1, 3)], repo.dir);
    expect(title).toBe("Coverage below 80%: 1 files (33.3%)");
  });

  test("the marker holds only what the coverage says, so the same coverage renders the same body", () => {
    const a = render([file("a.ts", 1, 3), file("b.ts", 2, 3)]);
    const b = render([file("b.ts", 2, 3), file("a.ts", 1, 3)].sort((x, y) => (x.file < y.file ? -1 : 1)));
    expect(buildMarker(coverageMarker(a.summary))).toBe(buildMarker(coverageMarker(b.summary)));
    expect(a.body).toBe(b.body);
    expect(coverageMarker(a.summary)).toEqual({
      kind: "coverage",
      branch: "",
      fingerprints: [expect.stringMatching(/^[0-9a-f]{12}$/), expect.stringMatching(/^[0-9a-f]{12}$/)],
      extra: { pct: 50, threshold: 80 },
    });
  });
});
