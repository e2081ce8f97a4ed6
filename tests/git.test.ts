// lib/git.ts against a real bare remote: commit one file, no commit when unchanged, push races, never force.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HealError } from "../lib/errors.ts";
import { blobUrl, commitAndPushFile, currentBranch } from "../lib/git.ts";
import { createBareRemote, type BareRemote } from "./support/git-remote.ts";
import { runGit } from "./support/sample-repo.ts";

const TASK = ".agent/tasks/fix-test-failures-dev.yaml";
let remote: BareRemote;

beforeEach(() => {
  remote = createBareRemote();
  remote.git("config", "user.name", "Sample Dev");
  remote.git("config", "user.email", "dev@example.com");
});
afterEach(() => remote.cleanup());

function writeTask(text: string, dir = remote.cloneDir): void {
  mkdirSync(join(dir, ".agent/tasks"), { recursive: true });
  writeFileSync(join(dir, TASK), text);
}

/** A pre-push hook that pushes a competing commit from a third clone before each of our first `times` pushes. */
function raceBeforePush(times: number): string {
  const third = join(remote.bareDir, "..", "third");
  runGit(join(remote.bareDir, ".."), ["clone", "-q", "-b", remote.branch, remote.bareDir, third]);
  const hook = join(remote.cloneDir, ".git/hooks/pre-push");
  writeFileSync(
    hook,
    `#!/bin/sh
count_file="${third}/.races"
n=$(cat "$count_file" 2>/dev/null || echo 0)
[ "$n" -ge ${times} ] && exit 0
echo $((n + 1)) > "$count_file"
cd "${third}" && git pull -q --rebase origin ${remote.branch} && echo "race $n" >> race.txt && git add race.txt \\
  && git -c user.name=Other -c user.email=o@example.com commit -qm "concurrent push $n" && git push -q origin HEAD:${remote.branch}
exit 0
`,
  );
  chmodSync(hook, 0o755);
  return third;
}

describe("commitAndPushFile", () => {
  test("commits only the task file with the message, pushes to the branch, fast-forwards the checkout", () => {
    writeTask("task: one\n");
    writeFileSync(join(remote.cloneDir, "unrelated.txt"), "work in progress\n");
    remote.git("add", "unrelated.txt");
    const r = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "chore(heal): task context for #1 [skip ci]" });
    expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.pushAttempts).toBe(1);
    expect(remote.head()).toBe(r.commit!);
    expect(remote.log()).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    expect(remote.show("dev", TASK)).toBe("task: one\n");
    expect(remote.show("dev", "unrelated.txt")).toBeNull();
    expect(remote.git("rev-parse", "HEAD")).toBe(r.commit!);
    // The staged unrelated change is still staged, not committed; the task file is clean.
    expect(remote.git("status", "--porcelain")).toBe("A  unrelated.txt");
  });

  test("unchanged content: no commit, no push", () => {
    writeTask("task: one\n");
    const first = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m1 [skip ci]" });
    const again = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m2 [skip ci]" });
    expect(again).toEqual({ commit: null, tip: first.commit!, pushAttempts: 0, removed: [] });
    expect(remote.log()).toEqual(["m1 [skip ci]", "initial commit"]);
  });

  test("push race: a concurrent push wins once; the commit is rebuilt on the new tip and pushed, nothing lost", () => {
    raceBeforePush(1);
    writeTask("task: raced\n");
    const r = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "chore(heal): task context for #2 [skip ci]" });
    expect(r.pushAttempts).toBe(2);
    expect(remote.log()).toEqual(["chore(heal): task context for #2 [skip ci]", "concurrent push 0", "initial commit"]);
    expect(remote.show("dev", "race.txt")).toBe("race 0\n");
    expect(remote.show("dev", TASK)).toBe("task: raced\n");
  });

  test("a push that keeps losing stops after the bounded retries, never forces", () => {
    raceBeforePush(10);
    writeTask("task: never\n");
    let err: unknown;
    try {
      commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m [skip ci]", retries: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HealError);
    expect((err as HealError).code).toBe("GIT_PUSH_FAILED");
    expect((err as HealError).message).toBe("git push to origin dev was rejected 3 times by concurrent pushes (never forced)");
    // Every competing commit survived: nothing was overwritten.
    expect(remote.log()).toEqual(["concurrent push 2", "concurrent push 1", "concurrent push 0", "initial commit"]);
    expect(remote.show("dev", TASK)).toBeNull();
  });

  test("remove: deletes outdated files in the same commit, also when a concurrent push wins first; absent ones are ignored", () => {
    const OLD = ".agent/tasks/fix-test-failures-dev-0000aaaa.yaml";
    mkdirSync(join(remote.cloneDir, ".agent/tasks"), { recursive: true });
    writeFileSync(join(remote.cloneDir, OLD), "old: 1\n");
    commitAndPushFile({ cwd: remote.cloneDir, path: OLD, branch: "dev", message: "old [skip ci]" });
    rmSync(join(remote.cloneDir, OLD));
    writeTask("task: new\n");
    raceBeforePush(1);
    const r = commitAndPushFile({
      cwd: remote.cloneDir,
      path: TASK,
      branch: "dev",
      message: "new [skip ci]",
      remove: [OLD, ".agent/tasks/fix-never-there.yaml"],
    });
    expect(r.pushAttempts).toBe(2);
    expect(r.removed).toEqual([OLD]);
    expect(remote.log()).toEqual(["new [skip ci]", "concurrent push 0", "old [skip ci]", "initial commit"]);
    expect(remote.git("fetch", "-q", "origin")).toBe("");
    expect(remote.git("diff-tree", "--no-commit-id", "--name-status", "-r", "origin/dev^", "origin/dev")).toBe(`D\t${OLD}\nA\t${TASK}`);
    expect(remote.show("dev", "race.txt")).toBe("race 0\n");
    // Same content and nothing left to delete: no commit.
    const again = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "x [skip ci]", remove: [OLD] });
    expect(again).toEqual({ commit: null, tip: r.commit!, pushAttempts: 0, removed: [] });
  });

  test("remove alone is a change: an unchanged file with an outdated one still upstream makes a commit; the checkout follows", () => {
    const OLD = ".agent/tasks/fix-old.yaml";
    writeTask("task: same\n");
    writeFileSync(join(remote.cloneDir, OLD), "old\n");
    remote.git("add", TASK, OLD);
    remote.git("commit", "-qm", "both");
    remote.git("push", "-q", "origin", "dev");
    rmSync(join(remote.cloneDir, OLD));
    const r = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "drop [skip ci]", remove: [OLD] });
    expect(r.removed).toEqual([OLD]);
    expect(remote.log()).toEqual(["drop [skip ci]", "both", "initial commit"]);
    expect(remote.show("dev", OLD)).toBeNull();
    expect(remote.show("dev", TASK)).toBe("task: same\n");
    expect(remote.git("rev-parse", "HEAD")).toBe(r.commit!);
    expect(remote.git("status", "--porcelain")).toBe("");
  });

  test("removal only (no file): one commit deleting the paths, rebuilt on a concurrent push, never forced; then no commit", () => {
    const OLD = ".agent/tasks/fix-test-failures-dev-0000aaaa.yaml";
    writeTask("task: old\n");
    writeFileSync(join(remote.cloneDir, OLD), "old: 1\n");
    remote.git("add", TASK, OLD);
    remote.git("commit", "-qm", "tasks");
    remote.git("push", "-q", "origin", "dev");
    rmSync(join(remote.cloneDir, TASK));
    rmSync(join(remote.cloneDir, OLD));
    raceBeforePush(1);
    const r = commitAndPushFile({
      cwd: remote.cloneDir,
      branch: "dev",
      message: "green [skip ci]",
      remove: [TASK, OLD, ".agent/tasks/fix-never-there.yaml"],
    });
    expect(r.pushAttempts).toBe(2);
    expect(r.removed).toEqual([TASK, OLD]);
    expect(remote.log()).toEqual(["green [skip ci]", "concurrent push 0", "tasks", "initial commit"]);
    expect(remote.git("fetch", "-q", "origin")).toBe("");
    expect(remote.git("diff-tree", "--no-commit-id", "--name-status", "-r", "origin/dev^", "origin/dev")).toBe(`D\t${OLD}\nD\t${TASK}`);
    expect(remote.show("dev", "race.txt")).toBe("race 0\n");
    // Nothing left upstream: no commit, no push.
    const again = commitAndPushFile({ cwd: remote.cloneDir, branch: "dev", message: "x [skip ci]", remove: [TASK, OLD] });
    expect(again).toEqual({ commit: null, tip: r.commit!, pushAttempts: 0, removed: [] });
    expect(() => commitAndPushFile({ cwd: remote.cloneDir, branch: "dev", message: "m" })).toThrow("nothing to commit");
  });

  test("removal only, checkout on the branch: HEAD follows and the deleted files leave the index", () => {
    writeTask("task: old\n");
    remote.git("add", TASK);
    remote.git("commit", "-qm", "task");
    remote.git("push", "-q", "origin", "dev");
    rmSync(join(remote.cloneDir, TASK));
    const r = commitAndPushFile({ cwd: remote.cloneDir, branch: "dev", message: "green [skip ci]", remove: [TASK] });
    expect(remote.log()).toEqual(["green [skip ci]", "task", "initial commit"]);
    expect(remote.git("rev-parse", "HEAD")).toBe(r.commit!);
    expect(remote.git("status", "--porcelain")).toBe("");
  });

  test("remove refuses paths that escape the repo, are empty, or are the committed file itself", () => {
    writeTask("task: x\n");
    for (const bad of ["../etc/passwd", "/abs.yaml", "a//b", "./x", "", TASK]) {
      expect(() => commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m", remove: [bad] })).toThrow(
        "refusing to delete this path",
      );
    }
    expect(remote.log()).toEqual(["initial commit"]);
  });

  test("detached HEAD (pull_request checkout): the branch comes from GITHUB_HEAD_REF, the commit lands on it", () => {
    remote.git("checkout", "-q", "--detach");
    expect(currentBranch(remote.cloneDir, { GITHUB_HEAD_REF: "dev", GITHUB_REF_NAME: "5/merge" })).toBe("dev");
    expect(currentBranch(remote.cloneDir, { GITHUB_REF_NAME: "prod" })).toBe("prod");
    expect(currentBranch(remote.cloneDir, {})).toBe("dev");
    writeTask("task: detached\n");
    const r = commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m [skip ci]" });
    expect(remote.head()).toBe(r.commit!);
    expect(remote.show("dev", TASK)).toBe("task: detached\n");
  });

  test("a secret in the message is masked before it becomes a commit", () => {
    writeTask("task: x\n");
    const token = `ghp_${"A".repeat(36)}`;
    commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: `task for ${token} [skip ci]` });
    expect(remote.log()[0]).not.toContain(token);
    expect(remote.log()[0]).toContain("[skip ci]");
  });

  test("a rejection that is not a race (unknown remote) is GIT_PUSH_FAILED with git's reason", () => {
    writeTask("task: x\n");
    expect(() => commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "m", remote: "nowhere" })).toThrow(
      /git fetch nowhere dev failed/,
    );
  });

  test("blobUrl links the file at the commit", () => {
    expect(blobUrl("https://github.com/", "acme/widgets", "abc123", ".agent/tasks/fix a.yaml")).toBe(
      "https://github.com/acme/widgets/blob/abc123/.agent/tasks/fix%20a.yaml",
    );
  });
});

describe("currentBranch", () => {
  const sha7 = () => remote.git("rev-parse", "--short=7", "HEAD");

  test("the checked-out branch wins over the Actions variables (a scheduled run that checks out dev)", () => {
    expect(currentBranch(remote.cloneDir, { GITHUB_REF_NAME: "main", GITHUB_HEAD_REF: "feature" })).toBe("dev");
  });

  test("a real detached checkout: GITHUB_HEAD_REF, else GITHUB_REF_NAME, else the one branch at HEAD, else detached-<sha7>", () => {
    remote.git("checkout", "-q", "--detach");
    expect(currentBranch(remote.cloneDir, { GITHUB_HEAD_REF: "feature", GITHUB_REF_NAME: "7/merge" })).toBe("feature");
    expect(currentBranch(remote.cloneDir, { GITHUB_HEAD_REF: " ", GITHUB_REF_NAME: "v1.2.0" })).toBe("v1.2.0");
    expect(currentBranch(remote.cloneDir, {})).toBe("dev");
    // A second branch at the same commit: which one is meant is unknown.
    remote.git("branch", "prod");
    expect(currentBranch(remote.cloneDir, {})).toBe(`detached-${sha7()}`);
    // A commit no branch points at (`git checkout <sha>`, then work).
    remote.git("commit", "-q", "--allow-empty", "-m", "on a detached HEAD");
    expect(currentBranch(remote.cloneDir, {})).toMatch(/^detached-[0-9a-f]{7}$/);
    expect(currentBranch(remote.cloneDir, {})).toBe(`detached-${sha7()}`);
  });

  test("null outside a repository; a branch yet to be born is its name", () => {
    const dir = join(remote.bareDir, "..", "plain");
    mkdirSync(dir);
    expect(currentBranch(dir, {})).toBeNull();
    runGit(dir, ["init", "-q", "-b", "prod"]);
    expect(currentBranch(dir, {})).toBe("prod");
  });
});

describe("the job's token reaches each fetch and push alone, never git config", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["PATH", "GITHUB_TOKEN", "GITHUB_SERVER_URL"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test("fetch and push get an Authorization header for GITHUB_SERVER_URL in their environment; git config -l never holds it", () => {
    // A git wrapper that records, for each network command, the one-process config it was given.
    const bin = join(remote.bareDir, "..", "recording-git");
    mkdirSync(bin);
    const seen = join(bin, "seen.txt");
    const realGit = Bun.which("git")!;
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\ncase "$1" in fetch|push) echo "$1 \${GIT_CONFIG_COUNT:-0} \${GIT_CONFIG_KEY_0:-} \${GIT_CONFIG_VALUE_0:-}" >> '${seen}' ;; esac\nexec '${realGit}' "$@"\n`,
    );
    chmodSync(join(bin, "git"), 0o755);
    const token = "ghs_jobtokenforthistestonly000000000000001";
    process.env.PATH = `${bin}:${saved.PATH}`;
    process.env.GITHUB_TOKEN = token;
    process.env.GITHUB_SERVER_URL = "https://ghe.example.com/";
    writeTask("v: 1\n");
    expect(commitAndPushFile({ cwd: remote.cloneDir, path: TASK, branch: "dev", message: "task" }).commit).not.toBeNull();
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    expect(Bun.file(seen).size).toBeGreaterThan(0);
    const lines = readFileSync(seen, "utf8").trim().split("\n");
    expect(lines).toEqual([
      `fetch 1 http.https://ghe.example.com/.extraheader ${header}`,
      `push 1 http.https://ghe.example.com/.extraheader ${header}`,
    ]);
    const config = runGit(remote.cloneDir, ["config", "-l"]);
    expect(config).not.toContain(token);
    expect(config).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
    expect(config).not.toContain("extraheader");
  });
});
