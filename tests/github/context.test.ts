import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { githubContext, localModeReason } from "../../lib/github/context.ts";
import { isHealedBranch } from "../../lib/github/session.ts";

const dir = mkdtempSync(join(tmpdir(), "heal-ctx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function event(name: string, payload: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

const base = { GITHUB_TOKEN: "ghs_x", GITHUB_REPOSITORY: "acme/widgets" };

describe("githubContext", () => {
  test("local mode: no token, or no repository -> null with the reason", () => {
    expect(githubContext({})).toBeNull();
    expect(localModeReason({})).toBe("no GITHUB_TOKEN or GH_TOKEN (local mode)");
    expect(githubContext({ GH_TOKEN: "t" })).toBeNull();
    expect(localModeReason({ GH_TOKEN: "t" })).toBe("GITHUB_REPOSITORY (owner/name) is not set (local mode)");
    expect(githubContext({ GITHUB_TOKEN: "  ", GITHUB_REPOSITORY: "a/b" })).toBeNull();
  });

  test("a push run in Actions: every standard variable, defaults for the rest", () => {
    const ctx = githubContext({
      ...base,
      GITHUB_SHA: "abc",
      GITHUB_REF_NAME: "dev",
      GITHUB_RUN_ID: "77",
      GITHUB_EVENT_NAME: "push",
      GITHUB_STEP_SUMMARY: "/tmp/summary",
      GITHUB_ACTOR: "octocat",
      GITHUB_EVENT_PATH: event("push.json", { head_commit: { message: "fix: things" } }),
    })!;
    expect(ctx).toMatchObject({
      token: "ghs_x",
      owner: "acme",
      repo: "widgets",
      apiUrl: "https://api.github.com",
      serverUrl: "https://github.com",
      branch: "dev",
      runAttempt: "1",
      runUrl: "https://github.com/acme/widgets/actions/runs/77",
      stepSummaryPath: "/tmp/summary",
      agentToken: null,
      agentTokenEnv: "HEAL_AGENT_TOKEN",
      forkPullRequest: false,
      mode: "full",
      actor: "octocat",
      headCommitMessage: "fix: things",
    });
  });

  test("GitHub Enterprise: API and server URLs from the environment; GH_TOKEN accepted", () => {
    const ctx = githubContext({
      GH_TOKEN: "t",
      GITHUB_REPOSITORY: "a/b",
      GITHUB_API_URL: "https://ghe.corp/api/v3/",
      GITHUB_SERVER_URL: "https://ghe.corp/",
    })!;
    expect([ctx.token, ctx.apiUrl, ctx.serverUrl]).toEqual(["t", "https://ghe.corp/api/v3", "https://ghe.corp"]);
  });

  test("pull request: the head branch, not 7/merge; same-repo PR is full mode", () => {
    const ctx = githubContext({
      ...base,
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_REF_NAME: "7/merge",
      GITHUB_HEAD_REF: "feature",
      GITHUB_EVENT_PATH: event("pr.json", {
        pull_request: { head: { repo: { full_name: "acme/widgets", fork: false } }, base: { repo: { full_name: "acme/widgets" } } },
      }),
    })!;
    expect([ctx.branch, ctx.mode]).toEqual(["feature", "full"]);
  });

  test("pull request from a fork (or a deleted fork): summary-only mode", () => {
    for (const head of [{ repo: { full_name: "mallory/widgets", fork: true } }, { repo: null }]) {
      const ctx = githubContext({
        ...base,
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: event("fork.json", { pull_request: { head, base: { repo: { full_name: "acme/widgets" } } } }),
      })!;
      expect([ctx.forkPullRequest, ctx.mode]).toEqual([true, "summary-only"]);
    }
  });

  test("the agent token comes from the variable the config names", () => {
    expect(githubContext({ ...base, HEAL_AGENT_TOKEN: "a1" })!.agentToken).toBe("a1");
    expect(githubContext({ ...base, HEAL_AGENT_TOKEN: "a1", MY_TOKEN: "m" }, { agentTokenEnv: "MY_TOKEN" })!.agentToken).toBe("m");
  });

  test("an unreadable event file is no event, not a crash", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, "{not json");
    expect(githubContext({ ...base, GITHUB_EVENT_PATH: path, GITHUB_EVENT_NAME: "pull_request" })!.event).toBeNull();
  });
});

describe("isHealedBranch", () => {
  test("exact names and * globs", () => {
    expect(isHealedBranch("dev", ["dev", "prod"])).toBe(true);
    expect(isHealedBranch("feature/x", ["dev", "prod"])).toBe(false);
    expect(isHealedBranch("release/1.2", ["release/*"])).toBe(true);
    expect(isHealedBranch("release.1", ["release/*"])).toBe(false);
  });
});
