// Waking the agent, shared by heal:hand-off, verify's retries and the coverage issue. The route is decided once
// (planHandoff, also used by doctor): the default GITHUB_TOKEN's issues and comments start no workflow, so only
// a second identity's comment or a repository_dispatch can. Every hand-off leaves one comment carrying the
// hand-off tag, written by the tool or by the agent identity; only those count (a tag anyone else pastes is text).
import type { HealConfig } from "../config.ts";
import { dailyCapReached, DAY_MS } from "../budget.ts";
import type { RepoClient } from "./client.ts";
import { createCommentOnce, listComments, type IssueComment } from "./comments.ts";
import { sendRepositoryDispatch } from "./dispatch.ts";
import { listToolIssues } from "./issues.ts";
import type { HandoffRecord } from "../step-files.ts";

export interface HandoffPlan {
  via: "comment" | "dispatch" | "none";
  /** One line for people: what will happen, or what to set so that something does. */
  explain: string;
}

export function planHandoff(agent: HealConfig["agent"], agentTokenSet: boolean): HandoffPlan {
  if (agent.handoff === "none" || agent.mention.trim() === "") {
    return { via: "none", explain: "agent.handoff is none or agent.mention is empty: issues are filed, nobody is woken" };
  }
  if (agentTokenSet && (agent.handoff === "auto" || agent.handoff === "token")) {
    return { via: "comment", explain: `a ${agent.mention} comment written with ${agent.tokenEnv} (its events start workflows)` };
  }
  if (agent.handoff === "auto" || agent.handoff === "dispatch") {
    return {
      via: "dispatch",
      explain: `repository_dispatch "${agent.dispatchEventType}" (the agent workflow must listen for it)`,
    };
  }
  return {
    via: "none",
    explain:
      `nothing will wake the agent: agent.handoff is "token" but ${agent.tokenEnv} is not set, and the issue filed with ` +
      `GITHUB_TOKEN starts no workflow. Set the ${agent.tokenEnv} secret (GitHub App installation token or PAT) or ` +
      `set agent.handoff: dispatch (README "GitHub set-up")`,
  };
}

/** Every hand-off leaves one comment carrying this hidden tag (agent-token comment or dispatch note). */
export const HANDOFF_TAG = "<!-- heal:handoff ";

export function handoffTag(issueNumber: number, runId: string | null, runAttempt: string): string {
  return `${HANDOFF_TAG}issue=${issueNumber} run=${runId ?? "local"}.${runAttempt} -->`;
}

/** Who may write a hand-off: the tool's own login, and the agent identity's when it is known. */
export interface HandoffAuthors {
  botLogin: string;
  /** HEAL_AGENT_LOGIN, or GET /user of a personal agent token; null when unknown (App installation token). */
  agentLogin: string | null;
}

/**
 * Whether a comment by `login` can be a hand-off. With the agent's login unknown, any GitHub App bot counts
 * (`…[bot]`: user logins cannot contain brackets) except github-actions[bot] when it is not the tool itself,
 * since every workflow of the repository writes as it and the agent identity is never the default token.
 */
export function isHandoffAuthor(login: string, who: HandoffAuthors): boolean {
  const l = login.toLowerCase();
  if (l === who.botLogin.toLowerCase()) return true;
  if (who.agentLogin) return l === who.agentLogin.toLowerCase();
  return l.endsWith("[bot]") && l !== "github-actions[bot]";
}

/** The comments that are hand-offs: the tag, written by a trusted author. */
export function handoffComments<T extends { body: string; author: string }>(comments: T[], who: HandoffAuthors): T[] {
  return comments.filter((c) => c.body.includes(HANDOFF_TAG) && isHandoffAuthor(c.author, who));
}

/** Hand-offs recorded on an issue's comments. */
export function countHandoffs(comments: { body: string; author: string }[], who: HandoffAuthors): number {
  return handoffComments(comments, who).length;
}

export interface MentionCapInput {
  /** The issue about to be handed off, and its comments (already listed). */
  issueNumber: number;
  comments: IssueComment[];
  who: HandoffAuthors;
  /** Labels the tool's issues carry (the first of labels.healing and of labels.coverage): each is listed once. */
  labels: string[];
  /** budget.daily_mentions: 0 stops every hand-off, a negative cap means none. */
  cap: number;
  now?: number;
}

/**
 * The daily mention cap: hand-offs on the tool's issues (healing and coverage) active in the last 24 hours.
 * One list of those issues per distinct label, plus one comment list per other active issue.
 */
export async function mentionCapReached(r: RepoClient, input: MentionCapInput): Promise<boolean> {
  const now = input.now ?? Date.now();
  if (!Number.isFinite(input.cap) || input.cap < 0) return false;
  if (input.cap === 0) return true;
  const since = new Date(now - DAY_MS).toISOString();
  const seen = new Set<number>([input.issueNumber]);
  const events = handoffComments(input.comments, input.who).map((c) => ({ createdAt: c.createdAt }));
  const labels = [...new Set(input.labels.filter(Boolean).map((l) => l.toLowerCase()))];
  for (const label of labels) {
    for (const other of await listToolIssues(r, { label, botLogin: input.who.botLogin, state: "all", since })) {
      if (seen.has(other.number)) continue;
      seen.add(other.number);
      events.push(...handoffComments(await listComments(r, other.number), input.who).map((c) => ({ createdAt: c.createdAt })));
    }
  }
  return dailyCapReached("mentions", events, now, input.cap);
}

/** The issue and run a hand-off is for: everything the route, the cap and the run's tag depend on. */
export interface HandoffTarget {
  /** The run's own client (GITHUB_TOKEN): dispatch and the dispatch note. */
  r: RepoClient;
  /** The agent token's client when the token is set: its comment starts workflows. */
  agentClient: RepoClient | null;
  agent: HealConfig["agent"];
  issueNumber: number;
  /** Who may write a hand-off; a function is called only when a route exists (a personal agent token costs a GET /user). */
  who: HandoffAuthors | (() => Promise<HandoffAuthors>);
  /** The issue's comments as listed before (run-tag check and the cap). */
  comments: IssueComment[];
  /** budget.daily_mentions and the labels the cap lists (see MentionCapInput). */
  cap: { dailyMentions: number; labels: string[] };
  run: { id: string | null; attempt: string };
}

/** What the hand-off says: the agent's comment, the dispatch note and the dispatch payload. */
export interface HandoffMessage {
  /** The agent-token comment's text after the mention (no tag): from a template (lib/github/texts.ts). */
  ask: string;
  /**
   * The dispatch note's text (no mention, no tag), given whether GitHub's answer was lost: the trace a dispatch
   * leaves on the issue. null when the caller's own comment already carries the tag (verify's ❌ comment).
   */
  note: ((unconfirmed: boolean) => string) | null;
  payload: Record<string, string | number | boolean | null>;
  attempt?: number;
}

export type WakeInput = HandoffTarget & HandoffMessage;

/** A hand-off that may go ahead (its route and this run's tag), or the record of why it does not. */
export type PreparedHandoff =
  | { ready: true; via: "comment" | "dispatch"; tag: string; who: HandoffAuthors }
  | { ready: false; blocked: "plan" | "cap" | "done"; record: HandoffRecord };

/**
 * Decides whether this run may wake the agent: the route (planHandoff), the daily mention cap, and whether
 * this run's tag is already on the issue. No write: a caller can say what will happen before it sends.
 */
export async function prepareHandoff(t: HandoffTarget): Promise<PreparedHandoff> {
  const { agent } = t;
  const plan = planHandoff(agent, t.agentClient !== null);
  if (plan.via === "none")
    return { ready: false, blocked: "plan", record: { via: agent.handoff === "token" ? "none" : "skipped", reason: plan.explain } };
  const who = typeof t.who === "function" ? await t.who() : t.who;
  if (
    await mentionCapReached(t.r, {
      issueNumber: t.issueNumber,
      comments: t.comments,
      who,
      labels: t.cap.labels,
      cap: t.cap.dailyMentions,
    })
  ) {
    const reason = `daily cap reached: ${t.cap.dailyMentions} agent hand-offs in 24 hours (budget.daily_mentions)`;
    return { ready: false, blocked: "cap", record: { via: "skipped", reason } };
  }
  const tag = handoffTag(t.issueNumber, t.run.id, t.run.attempt);
  if (handoffComments(t.comments, who).some((c) => c.body.includes(tag)))
    return { ready: false, blocked: "done", record: { via: "skipped", reason: "this run already handed off" } };
  return { ready: true, via: plan.via, tag, who };
}

/**
 * Sends a prepared hand-off: the agent token's comment (mention, ask, tag), or repository_dispatch plus a note
 * carrying the tag. A dispatch whose answer was lost is recorded as `unconfirmed` and never sent again.
 */
export async function sendHandoff(
  t: HandoffTarget,
  ready: { via: "comment" | "dispatch"; tag: string; who: HandoffAuthors },
  m: HandoffMessage,
): Promise<HandoffRecord> {
  const { agent } = t;
  const attempt = m.attempt !== undefined ? { attempt: m.attempt } : {};
  if (ready.via === "comment") {
    const body = `${agent.mention} ${m.ask}\n\n${ready.tag}`;
    // Found again by its tag if the response is lost, but only from an author a hand-off may come from.
    const made = await createCommentOnce(t.agentClient!, t.issueNumber, body, {
      botLogin: (login) => isHandoffAuthor(login, ready.who),
      uniqueText: ready.tag,
    });
    return { via: "comment", commentUrl: made.url, ...attempt };
  }
  const sent = await sendRepositoryDispatch(t.r, agent.dispatchEventType, m.payload);
  if (m.note)
    await createCommentOnce(t.r, t.issueNumber, `${m.note(!sent.confirmed)}\n\n${ready.tag}`, {
      botLogin: ready.who.botLogin,
      uniqueText: ready.tag,
    });
  if (sent.confirmed) return { via: "dispatch", eventType: agent.dispatchEventType, ...attempt };
  return {
    via: "dispatch",
    eventType: agent.dispatchEventType,
    ...attempt,
    unconfirmed: true,
    reason: `repository_dispatch "${agent.dispatchEventType}" is unconfirmed (${sent.detail}): not sent again, to wake the agent at most once`,
  };
}

/**
 * Wakes the agent once for this run (prepareHandoff, then sendHandoff): the one hand-off path of heal:hand-off,
 * verify's retry and the coverage issue.
 */
export async function wakeAgent(w: WakeInput): Promise<HandoffRecord> {
  const ready = await prepareHandoff(w);
  return ready.ready ? sendHandoff(w, ready, w) : ready.record;
}
