// One task file per advisory group (package) for `bun scripts/audit.ts` in GitHub Actions against the GitHub double
// and a bare origin: two vulnerable packages give two task files with the group's exact fields, committed together
// in the push step's one commit and each linked from the issue; verify on the agent branch reads every group's file;
// the next run with one package fixed leaves one file, the other deleted locally and upstream; a branch that refuses
// the push gets them all on heal/tasks/<branch>. The reports are real tool outputs (tests/fixtures/audit/README.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { actionsEnv, runStep } from "../github/fixtures.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

let gh: GitHubDouble;
let remote: BareRemote;
const DEBUG = ".agent/tasks/fix-audit-dev-npm-debug.yaml";
const MS = ".agent/tasks/fix-audit-dev-npm-ms.yaml";
const fixture = (n: string) => join(TOOLKIT_ROOT, "tests/fixtures/audit", n);

beforeAll(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({ "README.md": "# widgets\n", ".gitignore": ".agent/reports/\n" });
});
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
});

const audit = (runId: string, reports: string[]) =>
  runStep(
    "audit",
    remote.cloneDir,
    actionsEnv(gh, { GITHUB_RUN_ID: runId, PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"), TMPDIR: tmpdir() }),
    reports.map(fixture),
  );

const localTasks = () => readdirSync(join(remote.cloneDir, ".agent/tasks")).sort();
/** The paths a commit of the bare origin changed. */
const changed = (ref: string) => remote.git("diff-tree", "--no-commit-id", "--name-status", "-r", ref).split("\n");

describe("task audit: one task file per advisory group", () => {
  test("two vulnerable packages: two task files with the group's fields, one commit, the issue links each", async () => {
    const r = await audit("9001", ["npm-v7.json", "bun-audit.json"]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(gh.violations).toEqual([]);
    expect(localTasks()).toEqual(["fix-audit-dev-npm-debug.yaml", "fix-audit-dev-npm-ms.yaml"]);
    expect(parse(remote.show("dev", MS)!)).toEqual({
      id: "audit-dev-npm-ms",
      auto_generated: true,
      kind: "audit",
      branch: "dev",
      github_issue: "acme/widgets#1",
      title: "Upgrade ms (npm) on dev",
      tools: ["npm", "bun"],
      package: "ms",
      ecosystem: "npm",
      installed: null,
      fixed: [],
      severity: "high",
      dependency_paths: [],
      advisories: [
        {
          id: "GHSA-3fx5-fwvr-xrjg",
          aliases: ["npm:1098340"],
          severity: "high",
          title: "Regular Expression Denial of Service in ms",
          url: "https://github.com/advisories/GHSA-3fx5-fwvr-xrjg",
          vulnerable_range: "<0.7.1",
        },
        {
          id: "GHSA-w9mr-4mfr-499f",
          aliases: ["npm:1094419"],
          severity: "moderate",
          title: "Vercel ms Inefficient Regular Expression Complexity vulnerability",
          url: "https://github.com/advisories/GHSA-w9mr-4mfr-499f",
          vulnerable_range: "<2.0.0",
        },
      ],
      acceptance_criteria: ["the audit reports none of these advisories for ms", "the tests pass"],
    });
    expect(parse(remote.show("dev", DEBUG)!)).toMatchObject({
      id: "audit-dev-npm-debug",
      github_issue: "acme/widgets#1",
      package: "debug",
      ecosystem: "npm",
      installed: null,
      fixed: ["express@4.18.3"],
      severity: "high",
      dependency_paths: ["node_modules/debug"],
      advisories: [{ id: "GHSA-9vvw-cc9w-f27h" }, { id: "GHSA-gxpj-cx7g-858c" }],
    });
    // Both files in the one task-context commit.
    expect(remote.log().slice(0, 2)).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    const pushed = remote.head()!;
    remote.git("fetch", "-q", "origin");
    expect(changed(pushed)).toEqual([`A\t${DEBUG}`, `A\t${MS}`]);
    const body = gh.issue(1)!.body;
    expect(body).toContain(`- Task file: [\`${DEBUG}\`](https://github.com/acme/widgets/blob/dev/${DEBUG})\n`);
    expect(body).toContain(`- Task file: [\`${MS}\`](https://github.com/acme/widgets/blob/dev/${MS})\n`);
    // The issue's task link (and the hand-off) names the first group's file.
    expect(gh.state.dispatches.at(-1)!.clientPayload).toMatchObject({ task_path: DEBUG });
  }, 120_000);

  test("verify on the agent branch reads every group's file: a fix that leaves ms is ❌ naming its advisories, exit 1", async () => {
    remote.git("checkout", "-q", "-b", "claude/issue-1-x", "origin/dev");
    remote.git("commit", "-q", "--allow-empty", "-m", "fix: upgrade debug");
    remote.git("push", "-q", "origin", "claude/issue-1-x");
    const sha = remote.git("rev-parse", "HEAD");
    const env = actionsEnv(gh, {
      GITHUB_REF_NAME: "claude/issue-1-x",
      GITHUB_SHA: sha,
      GITHUB_RUN_ID: "9101",
      PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"),
    });
    // The audit as it reads on the agent's branch: only ms is still reported.
    const { code, stderr } = await runStep("verify-fix", remote.cloneDir, env, ["--audit-report", fixture("bun-audit.json")]);
    remote.git("checkout", "-q", "dev");
    expect({ code, stderr }).toMatchObject({ code: 1 });
    expect(stderr).toContain(`verifying #1: 4 advisories from ${DEBUG}, ${MS}`);
    const fail = gh.issue(1)!.comments.at(-1)!.body;
    expect(fail).toStartWith("## ❌ Security Verification Failed (attempt 1 of 3)");
    expect(fail).toContain(
      [
        "### Still reported by bun (2)",
        "",
        "- ms GHSA-3fx5-fwvr-xrjg: high, installed unknown, fixed in none known: Regular Expression Denial of Service in ms",
        "- ms GHSA-w9mr-4mfr-499f: moderate, installed unknown, fixed in none known: Vercel ms Inefficient Regular Expression Complexity vulnerability",
      ].join("\n"),
    );
    expect(fail).toContain("### No longer reported (2)\n\n- debug GHSA-9vvw-cc9w-f27h\n- debug GHSA-gxpj-cx7g-858c");
  }, 120_000);

  test("the next run with ms fixed: one file left, the other deleted locally and upstream in one commit", async () => {
    const r = await audit("9002", ["npm-v7.json"]);
    expect(r.code).toBe(1);
    expect(localTasks()).toEqual(["fix-audit-dev-npm-debug.yaml"]);
    expect(remote.show("dev", MS)).toBeNull();
    expect(parse(remote.show("dev", DEBUG)!)).toMatchObject({ package: "debug", tools: ["npm"], github_issue: "acme/widgets#1" });
    expect(remote.log()[0]).toBe("chore(heal): task context for #1 [skip ci]");
    remote.git("fetch", "-q", "origin");
    expect(changed(remote.head()!)).toEqual([`M\t${DEBUG}`, `D\t${MS}`]);
    expect(gh.issue(1)!.title).toBe("🛡️ Security: 1 vulnerable dependencies in dev");
  }, 120_000);
});

describe("task audit: the group files when the branch refuses the push", () => {
  let gh2: GitHubDouble;
  let remote2: BareRemote;
  beforeAll(async () => {
    gh2 = await startGitHubDouble();
    remote2 = createBareRemote({ "README.md": "# widgets\n", ".gitignore": ".agent/reports/\n" });
    remote2.refusePushesTo("dev");
  });
  afterAll(async () => {
    await gh2?.close();
    remote2?.cleanup();
  });

  test("both group files go to heal/tasks/dev in one commit, one warning, the agent told where they are", async () => {
    const env = actionsEnv(gh2, { GITHUB_RUN_ID: "9501", PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":") });
    const r = await runStep("audit", remote2.cloneDir, env, [fixture("npm-v7.json"), fixture("bun-audit.json")]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(r.stderr.split("\n").filter((l) => l.startsWith("::warning::"))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::warning::the push of ${DEBUG.replace(/\./g, "\\.")} to dev was refused \\(.*GH006.*\\); it is on heal/tasks/dev instead$`,
        ),
      ),
    ]);
    expect(remote2.log()).toEqual(["initial commit"]);
    expect(remote2.log("heal/tasks/dev")).toEqual(["chore(heal): task context for #1 [skip ci]", "initial commit"]);
    expect(parse(remote2.show("heal/tasks/dev", DEBUG)!)).toMatchObject({ package: "debug", github_issue: "acme/widgets#1" });
    expect(parse(remote2.show("heal/tasks/dev", MS)!)).toMatchObject({ package: "ms", github_issue: "acme/widgets#1" });
    expect(gh2.state.dispatches.at(-1)!.clientPayload).toMatchObject({ task_path: DEBUG, task_branch: "heal/tasks/dev" });
  }, 120_000);
});
