// Black-box: `bun scripts/write-report.ts` on a failures.json, as `task heal:write-report` runs it.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureRecord, FailureReport } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// These tests start real runners and scripts; a loaded CI machine needs more than bun's 5 s default.
setDefaultTimeout(60_000);

const SCRIPT = join(TOOLKIT_ROOT, "scripts/write-report.ts");
const FINISH = join(TOOLKIT_ROOT, "scripts/finish-heal.ts");
const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

const LOCAL_ENV = { ...process.env, HEAL_REPO: "", GITHUB_TOKEN: "", GH_TOKEN: "", GITHUB_REPOSITORY: "" };
function run(script: string, cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: "utf8", env: LOCAL_ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TEST_SOURCE =
  'import { test, expect } from "bun:test";\n\ntest("login issues a JWT", () => {\n  expect(login()).toHaveProperty("token");\n});\n';

function failuresJson(failures: FailureRecord[]): string {
  const report: FailureReport = {
    schemaVersion: 1,
    repository: null,
    branch: "dev",
    commit: null,
    runUrl: null,
    summary: { total: 4, passed: 4 - failures.length, failed: failures.length, skipped: 0, errors: 0 },
    failures,
  };
  return JSON.stringify(report);
}

const FAILURE: FailureRecord = {
  id: "5f2b9c1d0e3a",
  framework: "bun",
  fullName: "auth > login issues a JWT",
  file: "tests/auth.test.ts",
  line: 4,
  message: "expect(received).toHaveProperty(path)\n\nUnable to find property",
  stack: "at <anonymous> (tests/auth.test.ts:4:19)",
  kind: "failure",
};

function emptyRepo(): string {
  const r = createSampleRepo({}, { nodeModules: false });
  repos.push(r);
  return r.dir;
}

function sample(failures: FailureRecord[]): SampleRepo {
  const r = createSampleRepo(
    { "tests/auth.test.ts": TEST_SOURCE, ".agent/reports/failures.json": failuresJson(failures) },
    { nodeModules: false, branch: "dev" },
  );
  repos.push(r);
  return r;
}

describe("scripts/write-report.ts", () => {
  test("without failures.json: exit 2 naming the file and the step to run first", () => {
    const r = run(SCRIPT, emptyRepo());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".agent/reports/failures.json: not found (run heal:parse-failures first)");
  });

  test("failures: report.md, issue.json/issue.md and one task file; a second run changes no byte", () => {
    const repo = sample([FAILURE]);
    const first = run(SCRIPT, repo.dir);
    expect(first.code).toBe(0);
    const taskPath = first.stdout.trim();
    expect(taskPath).toMatch(/^\.agent\/tasks\/fix-test-failures-dev-[0-9a-f]{8}\.yaml$/);
    expect(readdirSync(join(repo.dir, ".agent/tasks"))).toEqual([taskPath.split("/").pop()!]);

    const issue = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/issue.json"), "utf8"));
    expect(issue.title).toBe("🔴 Auto-Healing: Test Failures in dev");
    expect(issue.labels).toEqual(["auto-healing", "bug", "tdd"]);
    expect(issue.taskPath).toBe(taskPath);
    expect(readFileSync(join(repo.dir, ".agent/reports/issue.md"), "utf8")).toBe(issue.body);
    expect(issue.body).toContain("**File**: tests/auth.test.ts:4\n**Error**: expect(received).toHaveProperty(path)\n");
    expect(issue.body).toContain(`**Task Context**: See \`${taskPath}\``);

    const task = parse(readFileSync(join(repo.dir, taskPath), "utf8"));
    expect(task.test_failures[0].source).toContain('> 4 |   expect(login()).toHaveProperty("token");');
    expect(task.test_failures[0].rerun).toBe("bun test tests/auth.test.ts -t '^auth login issues a JWT$'");

    const report = readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8");
    expect(report).toContain("### 1. auth > login issues a JWT");

    const before = readFileSync(join(repo.dir, taskPath));
    const second = run(SCRIPT, repo.dir);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`unchanged ${taskPath}`);
    expect(readFileSync(join(repo.dir, taskPath)).equals(before)).toBe(true);

    const finish = run(FINISH, repo.dir);
    expect(finish.code).toBe(1);
    // The outputs, then the summary as the tool's last line.
    expect(finish.stdout.trim().split("\n")).toEqual([
      "output: .agent/reports/failures.json",
      "output: .agent/reports/report.md",
      "output: .agent/reports/issue.json",
      "output: .agent/reports/issue.md",
      `output: ${taskPath}`,
      "heal: 🔴 1 failing test (3 passed, 1 failed, 0 errors, 0 skipped); local mode: no GITHUB_TOKEN or GH_TOKEN, nothing was sent to GitHub",
    ]);
  });

  test("finish warns once when git does not ignore the reports folder, and only then", () => {
    const repo = sample([]);
    run(SCRIPT, repo.dir);
    expect(run(FINISH, repo.dir).stderr).not.toContain("is not ignored");
    repo.write({ ".gitignore": "node_modules\n" });
    const r = run(FINISH, repo.dir);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.includes("is not ignored"))).toEqual([
      "warning: .agent/reports/ is not ignored by git: add it to .gitignore (task setup does)",
    ]);
  });

  test("green: no task file (the branch's old one is removed), report.md says all passed, finish exits 0", () => {
    const repo = sample([FAILURE]);
    const taskPath = run(SCRIPT, repo.dir).stdout.trim();
    repo.write({ ".agent/reports/failures.json": failuresJson([]) });
    const r = run(SCRIPT, repo.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`removed the outdated task context ${taskPath}`);
    expect(existsSync(join(repo.dir, taskPath))).toBe(false);
    expect(readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8")).toContain("✅ All tests passed.");
    const issue = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/issue.json"), "utf8"));
    expect(issue.taskPath).toBeNull();
    expect(issue.removedTasks).toEqual([taskPath]);
    const finish = run(FINISH, repo.dir);
    expect(finish.code).toBe(0);
    expect(finish.stdout.trim().split("\n").at(-1)).toStartWith(
      "heal: ✅ all tests passed (4 passed, 0 failed, 0 errors, 0 skipped); local mode:",
    );
  });

  test("set-up problems are said apart from failing tests: no task file for them, finish still exits 1", () => {
    const ENVIRONMENT: FailureRecord = {
      id: "7a1c3e5f9b2d",
      framework: "pytest",
      fullName: "pytest (environment)",
      file: null,
      line: null,
      message: "cannot import requests: install requests (pip install -r requirements.txt)",
      stack: "ModuleNotFoundError: No module named 'requests'",
      kind: "environment",
    };
    // As parse-failures writes it: the environment record counted as such, not as a failed test.
    const only = sample([]);
    only.write({
      ".agent/reports/failures.json": JSON.stringify({
        ...JSON.parse(failuresJson([ENVIRONMENT])),
        summary: { total: 4, passed: 4, failed: 0, skipped: 0, errors: 0, environment: 1 },
      }),
    });
    const r = run(SCRIPT, only.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("only set-up problems (environment), nothing for the agent: no task context written");
    const finish = run(FINISH, only.dir);
    expect(finish.code).toBe(1);
    expect(finish.stdout.trim().split("\n").at(-1)).toStartWith(
      "heal: 🔴 1 stack that could not run (set-up, see report.md) (4 passed, 0 failed, 0 errors, 0 skipped, 1 could not run); local mode:",
    );

    const both = sample([FAILURE, ENVIRONMENT]);
    expect(run(SCRIPT, both.dir).stdout.trim()).toMatch(/^\.agent\/tasks\/.+\.yaml$/);
    expect(run(FINISH, both.dir).stdout.trim().split("\n").at(-1)).toStartWith(
      "heal: 🔴 1 failing test and 1 stack that could not run (set-up, see report.md) (",
    );
  });

  test("a broken template override: exit 2 naming the template file", () => {
    const repo = sample([FAILURE]);
    repo.write({ ".agent/heal/templates/issue.md": "{{ failures | frist }}\n" });
    const r = run(SCRIPT, repo.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".agent/heal/templates/issue.md: ");
    expect(r.stderr).toContain("frist");
  });

  test("finish without failures.json: exit 2", () => {
    const r = run(FINISH, emptyRepo());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".agent/reports/failures.json: not found or has no failures list");
  });
});
