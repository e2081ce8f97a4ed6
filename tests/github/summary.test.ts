// The job summary: cut on a character boundary, never half an emoji or half a mask.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../lib/config.ts";
import {
  appendJobSummary,
  failureSummaryMarkdown,
  handoffSummary,
  issueSummaryLine,
  MAX_SUMMARY_BYTES,
  taskContextSummary,
} from "../../lib/github/summary.ts";
import { failure, failureReport, wellFormed } from "./fixtures.ts";

let dir = "";
const src = { root: tmpdir(), config: defaultConfig() };
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
    const md = failureSummaryMarkdown(src, failureReport([failure(1, { fullName: name, message: `line one\nline two` })]), {
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

describe("the summary's texts, rendered from their templates", () => {
  test("failure-summary.md: heading, totals, the table of 50 with untrusted cells escaped, the rest counted, the issue line", () => {
    const failures = Array.from({ length: 52 }, (_, i) => failure(i, i === 0 ? { fullName: "a | b <x> @bob", file: null } : {}));
    const report = failureReport(failures);
    report.summary.flaky = 2;
    const md = failureSummaryMarkdown(src, report, { url: null, number: null, action: "skipped", note: "fork of @eve" }, "security issue");
    const lines = md.split("\n");
    expect(lines.slice(0, 7)).toEqual([
      "## 🔴 Self-healing TDD loop: 52 failing tests",
      "",
      "55 tests: 3 passed, 52 failed, 0 errors, 0 skipped, 2 flaky.",
      "",
      "| Test | Location | Message |",
      "|---|---|---|",
      "| a \\| b &lt;x&gt; ＠bob | — | expected 1 to be 0 |",
    ]);
    expect(lines.filter((l) => l.startsWith("| math"))).toHaveLength(49);
    expect(
      md.endsWith("\n\n…and 2 more: see failures.json in the run's artifacts.\n\nSecurity issue: none (skipped: fork of ＠eve).\n"),
    ).toBe(true);
    expect(failureSummaryMarkdown(src, failureReport([]), { url: "https://x/issues/4", number: 4, action: "closed" })).toBe(
      "## ✅ Self-healing TDD loop: all tests pass\n\n3 tests: 3 passed, 0 failed, 0 errors, 0 skipped.\n\nHealing issue: [#4](https://x/issues/4) (closed).\n",
    );
  });

  test("issue-summary.md names the issue and what the step did", () => {
    expect(issueSummaryLine(src, "coverage issue", { url: "https://x/issues/2", number: 2, action: "updated" })).toBe(
      "Coverage issue: [#2](https://x/issues/2) (updated).",
    );
    expect(issueSummaryLine(src, "test-quality issue", { url: null, number: null, action: "none" })).toBe("Test-quality issue: none.");
  });

  test("task-context-summary.md: committed, unchanged on the side branch, deleted on a green run", () => {
    const url = "https://github.com/acme/widgets/blob/abc/.agent/tasks/fix-a.yaml";
    const path = ".agent/tasks/fix-a.yaml";
    expect(taskContextSummary(src, { action: "committed", path, url, branch: "dev", sideBranch: null })).toBe(
      `Task context: [\`${path}\`](${url}) (committed with [skip ci]).\n`,
    );
    expect(taskContextSummary(src, { action: "unchanged", path, url, branch: "dev", sideBranch: "heal/tasks/dev" })).toBe(
      `Task context: [\`${path}\`](${url}) (unchanged) on \`heal/tasks/dev\`: the push to \`dev\` was refused.\n`,
    );
    expect(taskContextSummary(src, { action: "deleted", branch: "dev", deleted: [path, ".agent/tasks/fix-b.yaml"] })).toBe(
      `Task context: tests pass, \`${path}\`, \`.agent/tasks/fix-b.yaml\` deleted on dev (committed with [skip ci]).\n`,
    );
  });

  test("handoff-summary.md: comment, dispatch, lost answer, nothing to wake the agent; a skipped hand-off says nothing", () => {
    const base = { mention: "@claude", tokenEnv: "HEAL_AGENT_TOKEN", eventType: null, attempt: 2, unconfirmed: false, reason: null };
    expect(handoffSummary(src, { ...base, via: "comment" })).toBe(
      "Agent woken by a @claude comment from HEAL_AGENT_TOKEN's identity (attempt 2).\n",
    );
    expect(handoffSummary(src, { ...base, via: "dispatch", eventType: "heal-agent" })).toBe(
      "Agent woken by `repository_dispatch` `heal-agent` (attempt 2).\n",
    );
    expect(handoffSummary(src, { ...base, via: "dispatch", unconfirmed: true, reason: "the dispatch's answer was lost" })).toBe(
      "⚠️ the dispatch's answer was lost: if no agent run started, ask again on the issue.\n",
    );
    expect(handoffSummary(src, { ...base, via: "none", reason: "agent.handoff is token but HEAL_AGENT_TOKEN is not set" })).toBe(
      "⚠️ agent.handoff is token but HEAL_AGENT_TOKEN is not set\n",
    );
    expect(handoffSummary(src, { ...base, via: "skipped", reason: "no new failures" })).toBeNull();
  });

  test("a repository's override of failure-summary.md is used", () => {
    const root = mkdtempSync(join(tmpdir(), "heal-summary-override-"));
    try {
      mkdirSync(join(root, ".agent/heal/templates"), { recursive: true });
      writeFileSync(join(root, ".agent/heal/templates/failure-summary.md"), "{{ failure_count }} red; {{ issue_line }}\n");
      const md = failureSummaryMarkdown({ root, config: defaultConfig() }, failureReport([failure(1)]), {
        url: "https://x/issues/1",
        number: 1,
        action: "created",
      });
      expect(md).toBe("1 red; Healing issue: [#1](https://x/issues/1) (created).\n");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
