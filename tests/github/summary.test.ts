// The job summary: cut on a character boundary, never half an emoji or half a mask.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendJobSummary, failureSummaryMarkdown, MAX_SUMMARY_BYTES } from "../../lib/github/summary.ts";
import { failure, failureReport, wellFormed } from "./fixtures.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-summary-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("appendJobSummary", () => {
  test("a summary over the limit is cut on a code point, the open fence closed, the notice last", () => {
    const path = join(dir, "summary.md");
    // An emoji (two UTF-16 units) across every plausible cut point, inside an open code fence.
    const markdown = `\`\`\`\n${"a".repeat(131_067)}${"😀".repeat(200_000)}\n`;
    expect(appendJobSummary(path, markdown)).toBe(true);
    const out = readFileSync(path, "utf8");
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(wellFormed(out)).toBe(true);
    expect(out).not.toContain("\uFFFD");
    expect(out.endsWith("\n```\n\n_(summary cut)_\n")).toBe(true);
  });

  test("no path (local mode): nothing written", () => {
    expect(appendJobSummary(null, "x")).toBe(false);
  });
});

describe("failureSummaryMarkdown", () => {
  test("a long test name is cut to one cell without splitting an emoji", () => {
    const name = `${"n".repeat(199)}${"🔥".repeat(100)}`;
    const md = failureSummaryMarkdown(failureReport([failure(1, { fullName: name, message: `line one\nline two` })]), {
      url: null,
      number: null,
      action: "skipped",
    });
    const row = md.split("\n").find((l) => l.startsWith("| nnn"))!;
    const cell = row.split(" | ")[0]!.slice(2);
    expect(wellFormed(cell)).toBe(true);
    expect(cell).toBe(`${"n".repeat(199)}…`);
    expect(row).toEndWith("| line one |");
  });
});
