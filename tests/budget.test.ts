import { describe, expect, test } from "bun:test";
import {
  attemptsExhausted,
  countAttempts,
  dailyCapReached,
  isForkPullRequest,
  isPaused,
  isSelfCausedRun,
  selfCausedReason,
} from "../lib/budget.ts";
import { defaultConfig } from "../lib/config.ts";
import { buildMarker } from "../lib/marker.ts";

const config = defaultConfig();
const BOT = config.botLogin;

describe("isPaused: the kill-switch label", () => {
  test("default label heal:paused, as strings or label objects, case-insensitive", () => {
    expect(isPaused(["bug", "heal:paused"], config)).toBe(true);
    expect(isPaused([{ name: "Heal:Paused" }], config)).toBe(true);
    expect(isPaused(["bug", "auto-healing"], config)).toBe(false);
    expect(isPaused([], config)).toBe(false);
  });
  test("a configured label", () => {
    const c = { labels: { ...config.labels, paused: "stop-bot" } };
    expect(isPaused(["stop-bot"], c)).toBe(true);
    expect(isPaused(["heal:paused"], c)).toBe(false);
  });
});

describe("countAttempts: verification failures written by the tool only", () => {
  const fail = (n: number) =>
    buildMarker({ kind: "verification", branch: "dev", fingerprints: ["abc123abc123"], extra: { result: "fail", attempt: n } });
  const pass = buildMarker({ kind: "verification", branch: "dev", fingerprints: [], extra: { result: "pass" } });
  const healing = buildMarker({ kind: "healing", branch: "dev", fingerprints: ["abc123abc123"] });

  test("counts the tool's own fail markers (REST shape and lib/github shape)", () => {
    const comments = [
      { user: { login: BOT }, body: `❌ still failing\n${fail(1)}` },
      { author: BOT, body: `❌ still failing\n${fail(2)}` },
      { user: { login: BOT }, body: `✅ fixed\n${pass}` },
      { user: { login: BOT }, body: `update\n${healing}` },
      { user: { login: BOT }, body: "no marker" },
      {
        user: { login: BOT },
        body: buildMarker({ kind: "verification", branch: "dev", fingerprints: [], extra: { result: "needs-human" } }),
      },
    ];
    expect(countAttempts(comments, BOT)).toBe(3);
  });

  test("a forged marker by someone else does not count", () => {
    const comments = [
      { user: { login: "mallory" }, body: fail(1) },
      { author: "mallory", body: fail(2) },
      { user: null, body: fail(3) },
      { user: { login: BOT }, body: "pasted: &lt;!-- self-healing-tdd:{} --&gt;" },
    ];
    expect(countAttempts(comments, BOT)).toBe(0);
  });

  test("attemptsExhausted", () => {
    expect(attemptsExhausted(2, 3)).toBe(false);
    expect(attemptsExhausted(3, 3)).toBe(true);
    expect(attemptsExhausted(4, 3)).toBe(true);
    expect(attemptsExhausted(0, 0)).toBe(false);
    expect(attemptsExhausted(1, 0)).toBe(true);
  });
});

describe("dailyCapReached: rolling 24 hours", () => {
  const now = Date.parse("2026-11-30T15:00:00Z");
  const at = (h: number) => new Date(now - h * 3600_000).toISOString();

  test("counts events in the last 24 h only", () => {
    const events = [{ createdAt: at(1) }, { createdAt: at(23.9) }, { createdAt: at(24.1) }, { createdAt: at(48) }];
    expect(dailyCapReached("issues", events, now, 2)).toBe(true);
    expect(dailyCapReached("issues", events, now, 3)).toBe(false);
    expect(dailyCapReached("mentions", events, new Date(now), 2)).toBe(true);
  });

  test("only the bot's events count when botLogin is given", () => {
    const events = [
      { createdAt: at(1), author: BOT },
      { createdAt: at(2), author: "alice" },
      { createdAt: at(3), author: BOT },
    ];
    expect(dailyCapReached("issues", events, now, 3, { botLogin: BOT })).toBe(false);
    expect(dailyCapReached("issues", events, now, 2, { botLogin: BOT })).toBe(true);
  });

  test("cap 0 stops everything; no cap when negative or infinite; unreadable times count", () => {
    expect(dailyCapReached("issues", [], now, 0)).toBe(true);
    expect(dailyCapReached("issues", [{ createdAt: at(1) }], now, -1)).toBe(false);
    expect(dailyCapReached("issues", [{ createdAt: at(1) }], now, Infinity)).toBe(false);
    expect(dailyCapReached("issues", [{ createdAt: "garbage" }], now, 1)).toBe(true);
  });
});

describe("isSelfCausedRun", () => {
  test("the agent's branch pushes and PRs", () => {
    expect(selfCausedReason({ branch: "claude/issue-12-20261130", eventName: "push", actor: "claude[bot]" }, config)).toBe(
      "branch claude/issue-12-20261130 is the agent's (claude/issue-*)",
    );
    expect(isSelfCausedRun({ branch: "claude/issue-3-x", eventName: "pull_request" }, config)).toBe(true);
    expect(isSelfCausedRun({ branch: "feature/claude/issue-3" }, config)).toBe(false);
  });

  test("the tool's own [skip ci] task-context commit", () => {
    const msg = "heal: task context for 3 failing tests [skip ci]\n\n.agent/tasks/fix-abc.yaml";
    expect(isSelfCausedRun({ actor: BOT, headCommitMessage: msg, branch: "dev", eventName: "push" }, config)).toBe(true);
    expect(isSelfCausedRun({ actor: "alice", headCommitMessage: msg, branch: "dev", eventName: "push" }, config)).toBe(true);
    expect(isSelfCausedRun({ actor: "alice", headCommitMessage: "docs [skip ci]", branch: "dev", eventName: "push" }, config)).toBe(false);
  });

  test("pushes by the tool's identity; a scheduled run is never self-caused", () => {
    expect(isSelfCausedRun({ actor: BOT, headCommitMessage: "x", branch: "dev", eventName: "push" }, config)).toBe(true);
    expect(
      isSelfCausedRun({ actor: BOT, headCommitMessage: "[skip ci] .agent/tasks/", branch: "dev", eventName: "schedule" }, config),
    ).toBe(false);
    expect(isSelfCausedRun({ actor: "alice", headCommitMessage: "fix login", branch: "dev", eventName: "push" }, config)).toBe(false);
    expect(isSelfCausedRun({ eventName: "repository_dispatch", branch: "dev" }, config)).toBe(true);
  });
});

describe("isForkPullRequest", () => {
  const repo = (full_name: string, id: number, fork = false) => ({ full_name, id, fork });
  test("fork, same repo, deleted fork, not a PR", () => {
    expect(isForkPullRequest({ pull_request: { head: { repo: repo("mallory/app", 2, true) }, base: { repo: repo("octo/app", 1) } } })).toBe(
      true,
    );
    expect(isForkPullRequest({ pull_request: { head: { repo: repo("octo/app", 1) }, base: { repo: repo("octo/app", 1) } } })).toBe(false);
    expect(isForkPullRequest({ pull_request: { head: { repo: null }, base: { repo: repo("octo/app", 1) } } })).toBe(true);
    expect(isForkPullRequest({ pull_request: { head: { repo: { full_name: "a/x" } }, base: { repo: { full_name: "b/x" } } } })).toBe(true);
    expect(isForkPullRequest({ ref: "refs/heads/dev", head_commit: {} })).toBe(false);
    expect(isForkPullRequest(null)).toBe(false);
  });
});
