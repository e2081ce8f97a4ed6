// The files the steps hand each other: one reader and one writer each, and github.json merged by one function.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealError } from "../lib/errors.ts";
import {
  mergeGitHubFile,
  readFailuresFile,
  readGitHubFile,
  readIssueFile,
  readVerifyFile,
  requireFailuresFile,
  requireGitHubFile,
  requireIssueFile,
  requireRunsFile,
  writeIssueFile,
  writeRunsFile,
  writeVerifyFile,
  type GitHubFile,
} from "../lib/step-files.ts";

const dir = () => mkdtempSync(join(tmpdir(), "heal-steps-"));
const errorOf = (fn: () => unknown): HealError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof HealError) return err;
    throw err;
  }
  throw new Error("no error");
};

describe("github.json", () => {
  test("sync-issue starts it, push-task-context and hand-off add their fields, none drops another's", () => {
    const d = dir();
    expect(readGitHubFile(d)).toBeNull();
    expect(errorOf(() => requireGitHubFile(d, ".agent/reports")).oneLine()).toContain(
      ".agent/reports/github.json: not found (run heal:sync-issue first)",
    );
    mergeGitHubFile(d, { step: "sync-issue", outcome: { issueNumber: 7, issueUrl: "u", action: "created", taskPath: "t.yaml" } });
    mergeGitHubFile(d, { step: "push-task-context", fields: { taskCommit: "abc", taskCommitted: true } });
    const last = mergeGitHubFile(d, { step: "hand-off", fields: { handoff: { via: "dispatch", eventType: "heal-agent", attempt: 1 } } });
    const expected: GitHubFile = {
      issueNumber: 7,
      issueUrl: "u",
      action: "created",
      taskPath: "t.yaml",
      taskCommit: "abc",
      taskCommitted: true,
      handoff: { via: "dispatch", eventType: "heal-agent", attempt: 1 },
    };
    expect(last).toEqual(expected);
    expect(JSON.parse(readFileSync(join(d, "github.json"), "utf8"))).toEqual(expected);
    // A new run's sync-issue replaces the whole file: nothing of the last run's hand-off is kept.
    mergeGitHubFile(d, { step: "sync-issue", outcome: { issueNumber: 7, issueUrl: "u", action: "unchanged" } });
    expect(readGitHubFile(d)).toEqual({ issueNumber: 7, issueUrl: "u", action: "unchanged" });
  });
});

describe("issue.json", () => {
  test("written with issue.md (the same body); read back equal", () => {
    const d = dir();
    const issue = { title: "t", body: "body\n", labels: ["auto-healing"], taskPath: "a.yaml", taskId: "x", removedTasks: ["b.yaml"] };
    writeIssueFile(d, issue);
    expect(readFileSync(join(d, "issue.md"), "utf8")).toBe("body\n");
    expect(readIssueFile(d)).toEqual(issue);
  });

  test("missing is null (required: names the step); another shape names the file; odd fields are dropped", () => {
    const d = dir();
    expect(readIssueFile(d)).toBeNull();
    expect(errorOf(() => requireIssueFile(d, "r")).oneLine()).toContain("r/issue.json: not found (run heal:write-report first)");
    writeFileSync(join(d, "issue.json"), JSON.stringify({ body: "b" }));
    expect(errorOf(() => readIssueFile(d, "r")).oneLine()).toContain("r/issue.json: has no title and body");
    writeFileSync(join(d, "issue.json"), JSON.stringify({ title: "t", body: "b", removedTasks: ["a.yaml", 3, null], taskPath: 5 }));
    expect(readIssueFile(d)).toEqual({ title: "t", body: "b", labels: [], taskPath: null, taskId: null, removedTasks: ["a.yaml"] });
  });
});

describe("failures.json, runs.json, verify.json", () => {
  test("failures.json needs a failures list and a summary", () => {
    const d = dir();
    expect(readFailuresFile(d)).toBeNull();
    expect(errorOf(() => requireFailuresFile(d, "r")).oneLine()).toContain("r/failures.json: not found (run heal:parse-failures first)");
    writeFileSync(join(d, "failures.json"), JSON.stringify({ failures: [] }));
    expect(readFailuresFile(d)).toBeNull();
    expect(errorOf(() => requireFailuresFile(d, "r")).oneLine()).toContain("r/failures.json: has no failures/summary");
    writeFileSync(join(d, "failures.json"), "{");
    expect(errorOf(() => readFailuresFile(d, "r")).oneLine()).toContain("r/failures.json: not valid JSON");
  });

  test("runs.json and verify.json round-trip; a runs file without runs is refused", () => {
    const d = dir();
    writeRunsFile(d, { schemaVersion: 1, runs: [] });
    expect(requireRunsFile(d)).toEqual({ schemaVersion: 1, runs: [] });
    writeFileSync(join(d, "runs.json"), "{}");
    expect(errorOf(() => requireRunsFile(d, "r")).oneLine()).toContain("r/runs.json: has no runs list");
    const verdict = {
      issue: 3,
      attempt: 1,
      result: "pass" as const,
      healed: true,
      outcomes: [],
      newFailures: [],
      problems: [],
      summary: { total: 1, passed: 1, failed: 0, skipped: 0 },
    };
    writeVerifyFile(d, verdict);
    expect(readVerifyFile(d)).toEqual(verdict);
  });
});
