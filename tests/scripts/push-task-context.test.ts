// Black-box: `bun scripts/push-task-context.ts` with a real bare origin and the GitHub double.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { actionsEnv, failure, failureReport, requestLog, runStep, TASK_PATH, workdir, type Workdir } from "../github/fixtures.ts";
import type { FailureRecord } from "../../lib/types.ts";
import { parse } from "yaml";

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

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const env = (over: Record<string, string | undefined> = {}) => actionsEnv(gh, over);

async function healIssue(): Promise<void> {
  w.writeReports(failureReport([failure(1)]));
  expect((await runStep("sync-issue", w.dir, env())).code).toBe(0);
  gh.resetLog();
}

/**
 * The pipeline's last three steps as `task heal` runs them: write-report (task file, issue.json with
 * removedTasks), sync-issue, push-task-context. Returns the push step's result and the task file written.
 */
async function heal(failures: FailureRecord[], runId: string) {
  writeFileSync(join(w.reports, "failures.json"), JSON.stringify(failureReport(failures)));
  const report = await runStep("write-report", w.dir, env({ GITHUB_RUN_ID: runId }));
  expect(report.code).toBe(0);
  const taskPath = report.stdout.trim();
  expect(taskPath).toMatch(/^\.agent\/tasks\/fix-test-failures-dev-[0-9a-f]{8}\.yaml$/);
  expect((await runStep("sync-issue", w.dir, env({ GITHUB_RUN_ID: runId }))).code).toBe(0);
  gh.resetLog();
  const push = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: runId }));
  expect(push.code).toBe(0);
  return { push, taskPath };
}

/** The task files on the remote branch's tip. */
function tasksOnRemoteAfterFetch(): string[] {
  remote.git("fetch", "-q", "origin");
  return remote.git("ls-tree", "--name-only", "origin/dev", ".agent/tasks/").split("\n").filter(Boolean);
}

describe("push-task-context", () => {
  test("commits the task file with [skip ci], pushes it, and links it at that commit from the issue", async () => {
    await healIssue();
    writeTask("failures:\n  - id: abc\n");
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.stderr).toMatch(
      new RegExp(`^${escape(TASK_PATH)}: github_issue set to acme/widgets#1\ntask context pushed to dev as [0-9a-f]{12} \\(1 push\\)\n$`),
    );
    expect(r.code).toBe(0);
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    // The pushed file names its issue (set locally first, so the checkout and the remote agree).
    expect(remote.show("dev", TASK_PATH)).toBe('failures:\n  - id: abc\ngithub_issue: "acme/widgets#1"\n');
    expect(readFileSync(join(remote.cloneDir, TASK_PATH), "utf8")).toBe('failures:\n  - id: abc\ngithub_issue: "acme/widgets#1"\n');
    const sha = remote.head()!;
    const url = `https://github.com/acme/widgets/blob/${sha}/${TASK_PATH}`;
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      "GET /repos/acme/widgets/issues/1",
      "PATCH /repos/acme/widgets/issues/1",
    ]);
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

  test("full heal: the remote task file names its issue; a second identical heal run makes no commit", async () => {
    const first = await heal([failure(1)], "1001");
    expect((parse(remote.show("dev", first.taskPath)!) as { github_issue: unknown }).github_issue).toBe("acme/widgets#1");
    expect(remote.show("dev", first.taskPath)).toContain('\ngithub_issue: "acme/widgets#1"\n');
    expect(remote.show("dev", first.taskPath)).not.toContain("github_issue: null");
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    const tip = remote.head();
    const bytes = readFileSync(join(remote.cloneDir, first.taskPath), "utf8");

    const again = await heal([failure(1)], "1002");
    expect(again.taskPath).toBe(first.taskPath);
    expect(again.push.stderr).toBe("task context unchanged on dev: no commit\n");
    expect(remote.head()).toBe(tip);
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    // write-report kept the link, so the re-run left the file byte-identical; the push step only read the issue.
    expect(readFileSync(join(remote.cloneDir, first.taskPath), "utf8")).toBe(bytes);
    expect(requestLog(gh)).toEqual(["GET /repos/acme/widgets/issues/1"]);
    expect(remote.git("status", "--porcelain")).toBe("");
  });

  test("a re-run whose task file differs only in volatile values (an object address, a temp path) makes no commit", async () => {
    await healIssue();
    const task = (addr: string, tmp: string) =>
      `id: fix-1\ntest_failures:\n  - test: test_total\n    error: "AssertionError: <Cart object at ${addr}> in ${tmp}/cart.py"\n`;
    writeTask(task("0x7f3a2b1c4d50", "/tmp/pytest-of-ci/pytest-3"));
    expect((await runStep("push-task-context", w.dir, env())).code).toBe(0);
    const tip = remote.head();
    const pushed = remote.show("dev", TASK_PATH);
    writeTask(task("0x7f99e0aa1f10", "/tmp/pytest-of-ci/pytest-4"));
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1002" }));
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").at(-2)).toBe("task context unchanged on dev: no commit");
    expect(remote.head()).toBe(tip);
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    expect(remote.show("dev", TASK_PATH)).toBe(pushed);
    expect(requestLog(gh)).toEqual(["GET /repos/acme/widgets/issues/1"]);
    // A real change (another assertion) is still pushed.
    writeTask(task("0x7f99e0aa1f10", "/tmp/pytest-of-ci/pytest-4").replace("test_total", "test_tax"));
    expect((await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1003" }))).code).toBe(0);
    expect(remote.log()).toHaveLength(3);
  });

  test("the branch refuses the push (pre-receive hook): the task file goes to heal/tasks/dev, a warning, the issue links it, exit 0", async () => {
    await healIssue();
    remote.refusePushesTo("dev");
    writeTask("id: fix-1\n");
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(`${TASK_PATH}: github_issue set to acme/widgets#1`);
    expect(lines[1]).toMatch(
      /^::warning::the push of \.agent\/tasks\/fix-test-failures-dev\.yaml to dev was refused \(remote: error: GH006: Protected branch update failed for refs\/heads\/dev\.\); it is on heal\/tasks\/dev instead$/,
    );
    expect(lines[2]).toMatch(/^task context pushed to heal\/tasks\/dev as [0-9a-f]{12} \(1 push\)$/);
    expect(remote.log()).toEqual(["initial commit"]);
    expect(remote.log("heal/tasks/dev")).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    expect(remote.show("heal/tasks/dev", TASK_PATH)).toBe('id: fix-1\ngithub_issue: "acme/widgets#1"\n');
    const sha = remote.head("heal/tasks/dev")!;
    const url = `https://github.com/acme/widgets/blob/${sha}/${TASK_PATH}`;
    expect(gh.issue(1)!.body).toContain(`(${url}) <!-- heal:task-link -->`);
    expect(w.githubJson()).toMatchObject({ taskPath: TASK_PATH, taskCommit: sha, taskUrl: url, taskBranch: "heal/tasks/dev" });
    expect(JSON.parse(r.stdout)).toMatchObject({ taskBranch: "heal/tasks/dev", committed: true });
  });

  test("failures change: the new task file is pushed and the old one deleted on the remote in the same [skip ci] commit", async () => {
    const a = await heal([failure(1)], "1001");
    expect(tasksOnRemoteAfterFetch()).toEqual([a.taskPath]);
    const firstTip = remote.head()!;

    const b = await heal([failure(2)], "1002");
    expect(b.taskPath).not.toBe(a.taskPath);
    expect(b.push.stderr.split("\n")).toEqual([
      `${b.taskPath}: github_issue set to acme/widgets#1`,
      `deleted the outdated task context on dev: ${a.taskPath}`,
      expect.stringMatching(/^task context pushed to dev as [0-9a-f]{12} \(1 push\)$/),
      "",
    ]);
    // One new commit, on top of the first, holding both changes.
    expect(remote.log()).toEqual([
      "chore(heal): task context for #1 [skip ci]",
      "chore(heal): task context for #1 [skip ci]",
      "initial commit",
    ]);
    const tip = remote.head()!;
    expect(remote.git("rev-parse", `${tip}^`)).toBe(firstTip);
    expect(remote.git("diff-tree", "--no-commit-id", "--name-status", "-r", firstTip, tip).split("\n").sort()).toEqual(
      [`A\t${b.taskPath}`, `D\t${a.taskPath}`].sort(),
    );
    expect(remote.show("dev", a.taskPath)).toBeNull();
    expect(remote.show("dev", b.taskPath)).toContain('\ngithub_issue: "acme/widgets#1"\n');
    expect(tasksOnRemoteAfterFetch()).toEqual([b.taskPath]);
    // The checkout follows: on the new tip, nothing staged or left over, only the new task file locally.
    expect(remote.git("rev-parse", "HEAD")).toBe(tip);
    expect(remote.git("status", "--porcelain")).toBe("");
    expect(readdirSync(join(remote.cloneDir, ".agent/tasks"))).toEqual([b.taskPath.split("/").pop()!]);
    // The issue's link moved to the new file at the new commit; the push step wrote nothing else.
    expect(requestLog(gh)).toEqual(["GET /repos/acme/widgets/issues/1", "PATCH /repos/acme/widgets/issues/1"]);
    expect(gh.issue(1)!.body).toContain(`(https://github.com/acme/widgets/blob/${tip}/${b.taskPath}) <!-- heal:task-link -->`);
    expect(JSON.parse(b.push.stdout)).toMatchObject({ taskPath: b.taskPath, taskCommit: tip, committed: true, removed: [a.taskPath] });
  });

  test("removedTasks outside the tasks folder, or still present locally, are never deleted upstream", async () => {
    await healIssue();
    writeTask("v: 1\n");
    remote.pushFromElsewhere(
      { "README.md": "# widgets\nkeep\n", ".agent/tasks/fix-test-failures-dev-0badc0de.yaml": "old: 1\n" },
      "other work",
    );
    remote.git("pull", "-q", "--rebase", "origin", "dev");
    const issue = JSON.parse(readFileSync(join(w.reports, "issue.json"), "utf8"));
    // The old task file is still in the working tree: write-report did not remove it, so it stays.
    writeFileSync(
      join(w.reports, "issue.json"),
      JSON.stringify({ ...issue, removedTasks: ["README.md", "../x.yaml", ".agent/tasks/fix-test-failures-dev-0badc0de.yaml"] }),
    );
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: not deleting README.md upstream: not an outdated task file in .agent/tasks/\n");
    expect(r.stderr).toContain("warning: not deleting ../x.yaml upstream: not an outdated task file in .agent/tasks/\n");
    expect(remote.show("dev", "README.md")).toBe("# widgets\nkeep\n");
    expect(remote.show("dev", ".agent/tasks/fix-test-failures-dev-0badc0de.yaml")).toBe("old: 1\n");
    expect(remote.show("dev", TASK_PATH)).toBe('v: 1\ngithub_issue: "acme/widgets#1"\n');
    expect(existsSync(join(remote.cloneDir, ".agent/tasks/fix-test-failures-dev-0badc0de.yaml"))).toBe(true);
  });

  test("green again: the issue is closed and the branch's task file deleted upstream in one [skip ci] commit, never forced", async () => {
    const red = await heal([failure(1)], "1001");
    expect(tasksOnRemoteAfterFetch()).toEqual([red.taskPath]);
    remote.pushFromElsewhere({ "src/app.ts": "export {};\n" }, "someone else's work");
    const otherTip = remote.head()!;

    writeFileSync(join(w.reports, "failures.json"), JSON.stringify(failureReport([])));
    expect((await runStep("write-report", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    expect(existsSync(join(remote.cloneDir, red.taskPath))).toBe(false);
    gh.resetLog();
    expect((await runStep("sync-issue", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1002" }));
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")).toEqual([
      `deleted the outdated task context on dev: ${red.taskPath}`,
      expect.stringMatching(/^pushed to dev as [0-9a-f]{12} \(1 push\)$/),
      "",
    ]);
    // sync-issue's comment and close are the run's only GitHub requests: the deletion is git only.
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/issues/1/comments",
      "PATCH /repos/acme/widgets/issues/1",
    ]);
    expect(gh.issue(1)!.state).toBe("closed");
    // One commit on top of the work pushed meanwhile, deleting only the task file.
    expect(remote.log()).toEqual([
      "chore(heal): tests pass, task context removed (#1 closed) [skip ci]",
      "someone else's work",
      "chore(heal): task context for #1 [skip ci]",
      "initial commit",
    ]);
    const tip = remote.head()!;
    expect(remote.git("rev-parse", `${tip}^`)).toBe(otherTip);
    expect(remote.git("diff-tree", "--no-commit-id", "--name-status", "-r", otherTip, tip)).toBe(`D\t${red.taskPath}`);
    expect(tasksOnRemoteAfterFetch()).toEqual([]);
    expect(remote.show("dev", "src/app.ts")).toBe("export {};\n");
    expect(w.githubJson()).toMatchObject({
      action: "closed",
      issueNumber: 1,
      taskCommit: tip,
      taskCommitted: true,
      removedTasks: [red.taskPath],
    });
    expect(JSON.parse(r.stdout)).toEqual({ taskCommit: tip, committed: true, removed: [red.taskPath] });

    // The next green run has nothing to delete and no issue: a [skip] line, no commit, no request.
    expect((await runStep("write-report", w.dir, env({ GITHUB_RUN_ID: "1003" }))).code).toBe(0);
    expect((await runStep("sync-issue", w.dir, env({ GITHUB_RUN_ID: "1003" }))).code).toBe(0);
    gh.resetLog();
    const again = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1003" }));
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(
      "[skip] push the task context: no open healing issue in this run (unchanged: all tests pass and no healing issue is open)\n",
    );
    expect(remote.head()).toBe(tip);
    expect(gh.requests).toEqual([]);
  });

  test("green again on a branch that now refuses pushes: a warning, the old task file stays, exit 0", async () => {
    const red = await heal([failure(1)], "1001");
    const tip = remote.head();
    remote.refusePushesTo("dev");
    writeFileSync(join(w.reports, "failures.json"), JSON.stringify(failureReport([])));
    expect((await runStep("write-report", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    expect((await runStep("sync-issue", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1002" }));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`^::warning::the push deleting ${escape(red.taskPath)} on dev was refused \\(.*GH006.*\\); the files stay there\n$`),
    );
    expect(remote.head()).toBe(tip);
    expect(tasksOnRemoteAfterFetch()).toEqual([red.taskPath]);
    expect(w.githubJson()).toMatchObject({ action: "closed", taskCommitted: false, removedTasks: [] });
  });

  test("green while the issue has the paused label: the task file stays upstream, no commit", async () => {
    const red = await heal([failure(1)], "1001");
    gh.seedLabel({ name: "heal:paused" });
    gh.issue(1)!.labels.push("heal:paused");
    writeFileSync(join(w.reports, "failures.json"), JSON.stringify(failureReport([])));
    expect((await runStep("write-report", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    expect((await runStep("sync-issue", w.dir, env({ GITHUB_RUN_ID: "1002" }))).code).toBe(0);
    const tip = remote.head();
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env({ GITHUB_RUN_ID: "1002" }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "[skip] push the task context: no open healing issue in this run (skipped: issue #1 has the heal:paused label)\n",
    );
    expect(remote.head()).toBe(tip);
    expect(tasksOnRemoteAfterFetch()).toEqual([red.taskPath]);
    expect(gh.requests).toEqual([]);
  });

  test("nothing to push when sync-issue made no issue (green run)", async () => {
    w.writeReports(failureReport([]));
    await runStep("sync-issue", w.dir, env());
    gh.resetLog();
    const r = await runStep("push-task-context", w.dir, env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "[skip] push the task context: no open healing issue in this run (unchanged: all tests pass and no healing issue is open)\n",
    );
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
});
