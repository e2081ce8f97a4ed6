// Black-box: `bun scripts/push-task-context.ts` with a real bare origin and the GitHub double.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { actionsEnv, failure, failureReport, runStep, TASK_PATH, workdir, type Workdir } from "../github/fixtures.ts";
import { withLink } from "../../scripts/push-task-context.ts";

let gh: GitHubDouble;
let remote: BareRemote;
let w: Workdir;

beforeEach(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({ "README.md": "# widgets\n", ".gitignore": ".agent/reports/\n" });
  w = workdir(remote.cloneDir);
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  remote.cleanup();
});

function writeTask(text: string): void {
  mkdirSync(join(remote.cloneDir, ".agent/tasks"), { recursive: true });
  writeFileSync(join(remote.cloneDir, TASK_PATH), text);
}

const env = (over: Record<string, string | undefined> = {}) => actionsEnv(gh, over);

async function healIssue(): Promise<void> {
  w.writeReports(failureReport([failure(1)]));
  expect((await runStep("sync-issue", w.dir, env())).code).toBe(0);
  gh.resetLog();
}

describe("push-task-context", () => {
  test("commits the task file with [skip ci], pushes it, and links it at that commit from the issue", async () => {
    await healIssue();
    writeTask("failures:\n  - id: abc\n");
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.stderr).toMatch(/^task context pushed to dev as [0-9a-f]{12} \(1 push\)\n$/);
    expect(r.code).toBe(0);
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    expect(remote.show("dev", TASK_PATH)).toBe("failures:\n  - id: abc\n");
    const sha = remote.head()!;
    const url = `https://github.com/acme/widgets/blob/${sha}/${TASK_PATH}`;
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /repos/acme/widgets/issues/1", "PATCH /repos/acme/widgets/issues/1"]);
    expect(Object.keys(gh.writes()[0]!.body as object)).toEqual(["body"]);
    expect(gh.issue(1)!.body).toContain(`**Task context file:** [\`${TASK_PATH}\`](${url}) <!-- heal:task-link -->`);
    expect(w.githubJson()).toMatchObject({ taskPath: TASK_PATH, taskCommit: sha, taskUrl: url, taskCommitted: true });
  });

  test("unchanged task file on a later run: no commit and no issue write (one GET)", async () => {
    await healIssue();
    writeTask("failures: []\n");
    await runStep("push-task-context", w.dir, env());
    const tip = remote.head();
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1002" }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("task context unchanged on dev: no commit\n");
    expect(remote.head()).toBe(tip);
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /repos/acme/widgets/issues/1"]);
  });

  test("a changed task file makes a new commit on top of work pushed meanwhile and moves the link", async () => {
    await healIssue();
    writeTask("v: 1\n");
    await runStep("push-task-context", w.dir, env());
    remote.pushFromElsewhere({ "src/app.ts": "export {};\n" }, "someone else's work");
    writeTask("v: 2\n");
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1003" }));
    expect(r.code).toBe(0);
    expect(remote.log()).toEqual([
      "chore(heal): task context for #1 [skip ci]",
      "someone else's work",
      "chore(heal): task context for #1 [skip ci]",
      "initial commit",
    ]);
    expect(remote.show("dev", "src/app.ts")).toBe("export {};\n");
    const body = gh.issue(1)!.body!;
    expect(body.match(/heal:task-link/g)).toHaveLength(1);
    expect(body).toContain(`/blob/${remote.head()}/${TASK_PATH}`);
  });

  test("nothing to push when sync-issue made no issue (green run)", async () => {
    w.writeReports(failureReport([]));
    await runStep("sync-issue", w.dir, env());
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] push the task context: no open healing issue in this run (unchanged: all tests pass and no healing issue is open)\n");
    expect(gh.requests).toEqual([]);
    expect(remote.log()).toEqual(["initial commit"]);
  });

  test("local mode: a [skip] line, exit 0, no push", async () => {
    writeTask("v: 1\n");
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_TOKEN: undefined }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("[skip] commit and push the task context to dev: no GITHUB_TOKEN or GH_TOKEN (local mode)\n");
    expect(remote.log()).toEqual(["initial commit"]);
  });

  test("the task file the issue names is missing: exit 2 naming it", async () => {
    await healIssue();
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${TASK_PATH}: task file not found (heal:write-report writes it)`);
  });

  test("withLink: placed above the marker, replaced in place, never duplicated; a full body is left alone", () => {
    const body = "text\n\n<!-- self-healing-tdd:{} -->";
    const once = withLink(body, "a.yaml", "https://x/blob/1/a.yaml");
    expect(once).toBe("text\n\n**Task context file:** [`a.yaml`](https://x/blob/1/a.yaml) <!-- heal:task-link -->\n\n<!-- self-healing-tdd:{} -->");
    const twice = withLink(once, "a.yaml", "https://x/blob/2/a.yaml");
    expect(twice).toBe(once.replace("blob/1", "blob/2"));
    const full = "x".repeat(65_530);
    expect(withLink(full, "a.yaml", "https://x/blob/1/a.yaml")).toBe(full);
  });
});
