// `task demo` as a newcomer runs it: the real go-task, bun, git and the shipped example, with a GitHub token
// and repository in the caller's environment that the demo must keep away from its steps (local mode).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport } from "../../lib/types.ts";
import { lineOf } from "../support/samples.ts";

setDefaultTimeout(60_000);

const TASK_BIN = Bun.which("task", { PATH: `${process.env.PATH ?? ""}:${join(process.env.HOME ?? "", "go/bin")}` });
const EXAMPLE_TEST = readFileSync(join(TOOLKIT_ROOT, "examples/invoice/tests/invoice.test.ts"), "utf8");

/** The caller's environment with a token and a repository set: a demo that leaked them would call GitHub (a closed port). */
function callerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [dirname(process.execPath), TASK_BIN ? dirname(TASK_BIN) : "", process.env.PATH ?? ""].filter(Boolean).join(":"),
    GITHUB_TOKEN: `ghp_${"D".repeat(36)}`,
    GH_TOKEN: `ghp_${"E".repeat(36)}`,
    GITHUB_REPOSITORY: "someone/elsewhere",
    GITHUB_API_URL: "http://127.0.0.1:9",
    GITHUB_REF_NAME: "not-the-demo-branch",
  };
}

function demo(dir: string, extra: string[] = []) {
  if (!TASK_BIN) throw new Error("go-task is not on PATH or in ~/go/bin: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const args = ["-x", "-t", join(TOOLKIT_ROOT, "Taskfile.yml"), "demo", "--", "--dir", dir, ...extra];
  return spawnSync(TASK_BIN, args, { cwd: tmpdir(), encoding: "utf8", env: callerEnv(), timeout: 120_000 });
}

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), "heal-demo-test-"));
  made.push(d);
  return d;
}

describe("task demo", () => {
  let dir: string;
  let run: ReturnType<typeof demo>;
  let repo: string;
  beforeAll(() => {
    dir = emptyDir();
    run = demo(dir);
    repo = join(dir, "invoice");
  }, 120_000);

  test("exits 0 and ends with one summary line on stdout", () => {
    expect({ code: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^demo: ✅ heal found the 2 seeded failures and exited 1; the fix on claude/issue-1-demo \\([0-9a-f]{7}\\) verified healed; outputs in ${repo}/\\.agent$`,
      ),
    );
  });

  test("heal found exactly the seeded failures: names, file and the line of each failing assertion", () => {
    const report: FailureReport = JSON.parse(readFileSync(join(repo, ".agent/reports/failures.json"), "utf8"));
    const got = report.failures.map((f) => ({ fullName: f.fullName, file: f.file, line: f.line })).sort((a, b) => a.line! - b.line!);
    expect(got).toEqual([
      {
        fullName: "bulk discount > 10% off at exactly 10 items",
        file: "tests/invoice.test.ts",
        line: lineOf(EXAMPLE_TEST, "expect(bulkDiscount([pens(9), notebook])).toBe(185);"),
      },
      {
        fullName: "totalDue > tax is charged on the discounted subtotal of a bulk order",
        file: "tests/invoice.test.ts",
        line: lineOf(EXAMPLE_TEST, "expect(totalDue([pens(10)], 8)).toBe(1458);"),
      },
    ]);
    expect(report.summary).toMatchObject({ total: 12, passed: 10, failed: 2, errors: 0 });
    expect(report.branch).toBe("dev");
    for (const f of got) expect(run.stderr).toContain(`  ${f.fullName} (${f.file}:${f.line})`);
  });

  test("heal ran in local mode although the caller had a token, and exited 1", () => {
    expect(run.stderr).toContain(
      "  │ heal: 🔴 2 failing tests (10 passed, 2 failed, 0 errors, 0 skipped); local mode: no GITHUB_TOKEN or GH_TOKEN, nothing was sent to GitHub",
    );
    expect(run.stderr).toContain("demo: heal exited 1 (tests failed) and found exactly the 2 seeded failures:");
    const github = JSON.parse(readFileSync(join(repo, ".agent/reports/github.json"), "utf8"));
    expect({ action: github.action, reason: github.reason, issueUrl: github.issueUrl }).toEqual({
      action: "skipped",
      reason: "no GITHUB_TOKEN or GH_TOKEN (local mode)",
      issueUrl: null,
    });
  });

  test("the fix is a commit on claude/issue-1-demo in the local origin, and verification says healed", () => {
    const origin = join(dir, "origin.git");
    const show = (ref: string) => spawnSync("git", ["--git-dir", origin, "show", ref], { encoding: "utf8" }).stdout;
    expect(show("claude/issue-1-demo:src/invoice.ts")).toContain("return count >= BULK_MIN_ITEMS ?");
    expect(show("dev:src/invoice.ts")).toContain("return count > BULK_MIN_ITEMS ?");
    const verify = JSON.parse(readFileSync(join(repo, ".agent/reports/verify.json"), "utf8"));
    expect({ healed: verify.healed, result: verify.result }).toEqual({ healed: true, result: "pass" });
    expect(run.stderr).toContain("  │ ✓ bulk discount > 10% off at exactly 10 items (passed)");
  });

  test("prints where each output is, and each exists; the task YAML lists the 2 failures", () => {
    const outputs = Object.fromEntries(
      run.stdout
        .split("\n")
        .filter((l) => l.startsWith("output: "))
        .map((l) => /^output: (.+?) +(\/\S+)$/.exec(l)!.slice(1, 3) as [string, string]),
    );
    expect(Object.keys(outputs)).toEqual(["failures.json", "report.md", "issue.md", "task YAML", "verify.json"]);
    for (const path of Object.values(outputs)) expect(existsSync(path)).toBe(true);
    expect(outputs["task YAML"]).toMatch(new RegExp(`^${repo}/\\.agent/tasks/fix-test-failures-dev-[0-9a-f]{8}\\.yaml$`));
    const task = parse(readFileSync(outputs["task YAML"]!, "utf8"));
    expect(JSON.stringify(task)).toContain("bulk discount > 10% off at exactly 10 items");
    expect(JSON.stringify(task)).toContain("totalDue > tax is charged on the discounted subtotal of a bulk order");
  });
});

describe("task demo refuses what it cannot show", () => {
  test("a heal that finds nothing is a demo failure (exit 2, one line naming the file), not a green line", () => {
    const dir = emptyDir();
    const r = demo(dir, ["--task-bin", "/bin/true"]);
    expect(r.status).toBe(2);
    expect(r.stdout).not.toContain("✅");
    expect(r.stderr).toContain(
      `error: ${dir}/invoice/.agent/reports/failures.json: heal exited 0 and found 0 failure(s); expected exit 1 and exactly: bulk discount > 10% off at exactly 10 items; totalDue > tax is charged on the discounted subtotal of a bulk order`,
    );
  });

  test("a folder that already holds a demo is refused", () => {
    const dir = emptyDir();
    expect(demo(dir).status).toBe(0);
    const again = demo(dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`error: ${dir}: already holds a demo (invoice/ or origin.git): pass an empty --dir`);
  });
});

describe("README's first screen", () => {
  test("the first command installs pinned bun and go-task and ends with `task demo`; the second is `bash .ci/run`", () => {
    const readme = readFileSync(join(TOOLKIT_ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks[0]).toBe(
      'npm i -g bun@1.4.4 && go install github.com/go-task/task/v3/cmd/task@v3.54.0 && export PATH="$(go env GOPATH)/bin:$PATH" && bun install --frozen-lockfile && task demo',
    );
    expect(blocks[1]).toBe("bash .ci/run");
  });
});
