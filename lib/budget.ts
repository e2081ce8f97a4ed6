// Loops and budget: the pure decisions that keep the loop from running away (issue 5, item 5).
// Bounded agent attempts per issue, a daily cap on new issues and agent mentions, a kill-switch label,
// no healing issues for runs the tool or the agent caused, and nothing written for fork pull requests.
// Owner: safety. The GitHub steps call these; they hold no state and make no requests.
import type { HealConfig } from "./config.ts";
import { trustedMarker, type AuthoredPost } from "./marker.ts";

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The kill switch: the issue carries the paused label (config `labels.paused`, default `heal:paused`). */
export function isPaused(issueLabels: (string | { name?: string })[], config: Pick<HealConfig, "labels">): boolean {
  const paused = config.labels.paused.trim().toLowerCase();
  if (!paused) return false;
  // GitHub label names are case-insensitive.
  return issueLabels.some((l) => (typeof l === "string" ? l : (l.name ?? "")).trim().toLowerCase() === paused);
}

/** A comment as lib/github/comments.ts lists it ({author, body}) or as the REST API returns it ({user, body}). */
export type CommentLike = AuthoredPost | { author?: string | null; body?: string | null };

function asPost(c: CommentLike): AuthoredPost {
  if ("user" in c) return c;
  const author = (c as { author?: string | null }).author;
  return { body: c.body, user: author ? { login: author } : null };
}

/**
 * A verification comment whose marker says the fix failed: `kind: "verification"` with `extra.result`
 * "fail" or "needs-human" (the failed attempt that reached the limit), as scripts/verify-fix.ts writes.
 */
export function isFailedVerification(post: AuthoredPost, botLogin: string): boolean {
  const m = trustedMarker(post, botLogin);
  return m !== null && m.kind === "verification" && (m.extra?.result === "fail" || m.extra?.result === "needs-human");
}

/**
 * Failed agent attempts on an issue: verification-fail markers in comments written by the tool's own
 * identity. A marker pasted by anyone else is not counted (it could neither add nor hide attempts).
 */
export function countAttempts(comments: CommentLike[], botLogin: string): number {
  return comments.filter((c) => isFailedVerification(asPost(c), botLogin)).length;
}

/** True when no further attempt may start: `n` failed attempts already, `maxAttempts` allowed (>= 1). */
export function attemptsExhausted(n: number, maxAttempts: number): boolean {
  return n >= Math.max(1, Math.floor(maxAttempts));
}

export interface BudgetEvent {
  /** ISO 8601 time the issue or mention was created. */
  createdAt: string;
  /** Login of the author; events by anyone other than `botLogin` (when given) do not count. */
  author?: string | null;
}

/**
 * The daily cap on new healing issues (`kind: "issues"`, config budget.daily_issues) or agent mentions
 * (`"mentions"`, budget.daily_mentions): true when `cap` events already happened in the 24 hours
 * before `now` (rolling window, so a burst just before midnight UTC does not double the cap).
 * cap 0 stops them all; a negative or non-finite cap means no cap.
 */
export function dailyCapReached(
  kind: "issues" | "mentions",
  events: BudgetEvent[],
  now: Date | number,
  cap: number,
  opts: { botLogin?: string } = {},
): boolean {
  void kind; // the caller's label for logs; the rule is the same for both
  if (!Number.isFinite(cap) || cap < 0) return false;
  const t = typeof now === "number" ? now : now.getTime();
  const bot = opts.botLogin?.toLowerCase();
  const recent = events.filter((e) => {
    if (bot && (e.author ?? "").toLowerCase() !== bot) return false;
    const at = Date.parse(e.createdAt);
    // An unreadable time counts: failing closed keeps the cap.
    return Number.isNaN(at) || (at > t - DAY_MS && at <= t + 60_000);
  });
  return recent.length >= cap;
}

export interface RunContext {
  /** GITHUB_ACTOR / GITHUB_TRIGGERING_ACTOR. */
  actor?: string | null;
  /** The head commit's message (push: event.head_commit.message; else `git log -1 --format=%B`). */
  headCommitMessage?: string | null;
  /** GITHUB_REF_NAME or GITHUB_HEAD_REF. */
  branch?: string | null;
  /** GITHUB_EVENT_NAME. */
  eventName?: string | null;
}

/** The subject tag the tool puts on its own task-context commits (push-task-context). */
export const SKIP_CI_TAGS = ["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]"];

/**
 * Why this run was caused by the tool or its agent, or null when it was not. Such a run must not open
 * a new healing issue for the same failures: the agent's pushes are checked by `task verify`, and
 * the tool's own `[skip ci]` commits change nothing a test reads.
 */
export function selfCausedReason(ctx: RunContext, config: Pick<HealConfig, "agent" | "botLogin">): string | null {
  const prefix = config.agent.branchPrefix;
  if (ctx.branch && prefix && ctx.branch.startsWith(prefix)) return `branch ${ctx.branch} is the agent's (${prefix}*)`;
  if (ctx.eventName === "repository_dispatch") return "a repository_dispatch event is the hand-off to the agent, not a test run";
  // A scheduled or manual run tests whatever the head is: it was not caused by that commit.
  if (ctx.eventName === "schedule" || ctx.eventName === "workflow_dispatch") return null;
  const message = ctx.headCommitMessage ?? "";
  const tagged = SKIP_CI_TAGS.some((tag) => message.toLowerCase().includes(tag));
  const byBot = !!ctx.actor && ctx.actor.toLowerCase() === config.botLogin.toLowerCase();
  if (tagged && (byBot || /\.agent\/tasks\/|task context/i.test(message)))
    return "the head commit is the tool's own [skip ci] task-context commit";
  if (byBot && ctx.eventName === "push") return `the push was made by the tool's own identity (${ctx.actor})`;
  return null;
}

export function isSelfCausedRun(ctx: RunContext, config: Pick<HealConfig, "agent" | "botLogin">): boolean {
  return selfCausedReason(ctx, config) !== null;
}

interface RepoRef {
  full_name?: string | null;
  fork?: boolean;
  id?: number;
}

/**
 * True for a pull request event whose head is in another repository (a fork): its token is read-only
 * and it has no secrets, so heal writes the job summary only. A head repository that was deleted
 * (null) counts as a fork. `event` is the parsed GITHUB_EVENT_PATH payload.
 */
export function isForkPullRequest(event: unknown): boolean {
  const pr = (event as { pull_request?: { head?: { repo?: RepoRef | null }; base?: { repo?: RepoRef | null } } } | null)?.pull_request;
  if (!pr) return false;
  const head = pr.head?.repo;
  const base = pr.base?.repo;
  if (!head) return true;
  if (head.fork === true && head.full_name !== base?.full_name) return true;
  if (head.id !== undefined && base?.id !== undefined) return head.id !== base.id;
  return !!head.full_name && !!base?.full_name && head.full_name.toLowerCase() !== base.full_name.toLowerCase();
}
