// The steps that keep one findings issue per repository (task coverage, task test-quality) share their skeleton
// here: when nothing may be written ([skip] and why), the hand-off inputs of the session, the log lines after the
// sync, and the job summary's issue line.
import { log } from "../cli.ts";
import type { CoverageHandoffInput, CoverageIssueOutcome } from "../coverage/issue.ts";
import type { GitHubSession, LocalSession } from "./session.ts";
import { appendJobSummary, issueSummaryLine } from "./summary.ts";

/** What the step would do with its issue and why it may have to hold back. */
export interface FindingsStep {
  /** What people call the issue: "coverage issue", "test-quality issue". */
  name: string;
  /** Something left to fix (create or update the issue); false: close it. */
  open: boolean;
  /** Why this run must leave the issue as it is although it could write (e.g. unreadable reports), or null. */
  hold: string | null;
}

/** The session to sync the issue with, or null after a `[skip]` line saying why not (local, fork, hold). */
export function findingsSession(session: LocalSession | GitHubSession, step: FindingsStep): GitHubSession | null {
  const what = step.open ? `create or update the ${step.name}` : `close the ${step.name} if one is open`;
  const why =
    session.kind === "local"
      ? session.reason
      : session.ctx.mode === "summary-only"
        ? "pull request from a fork (read-only token): job summary only"
        : step.hold;
  if (why === null) return session as GitHubSession;
  log.skip(`${what}: ${why}`);
  return null;
}

/** The hand-off inputs every findings issue takes from the session (route, cap over the tool's labels, this run). */
export function findingsHandoff(session: GitHubSession): CoverageHandoffInput {
  const { config } = session;
  return {
    agent: config.agent,
    agentClient: session.agentClient,
    who: () => session.handoffAuthors(),
    cap: {
      dailyMentions: config.budget.dailyMentions,
      labels: [config.labels.healing[0] ?? "auto-healing", config.labels.coverage[0] ?? "auto-healing"],
    },
    run: { id: session.ctx.runId, attempt: session.ctx.runAttempt },
    branch: session.branch,
  };
}

/** The log lines after a sync: what happened to the issue (`done`: why it is closed or not needed), then the hand-off. */
export function logFindingsOutcome(
  step: Pick<FindingsStep, "name">,
  outcome: CoverageIssueOutcome,
  v: { closed: string; none: string; pausedLabel: string },
): void {
  const where = outcome.number ? ` #${outcome.number}` : "";
  const said: Record<CoverageIssueOutcome["action"], string> = {
    created: `${step.name}${where} created: ${outcome.url}`,
    updated: `${step.name}${where} updated: ${outcome.url}`,
    unchanged: `${step.name}${where} unchanged`,
    closed: `${step.name}${where} closed: ${v.closed}`,
    none: `no ${step.name} needed: ${v.none}`,
    paused: `${step.name}${where} carries ${v.pausedLabel}: left alone`,
  };
  log.info(said[outcome.action]);
  const h = outcome.handoff;
  if (h?.via === "none" || h?.unconfirmed) log.warn(h.reason ?? "nothing will wake the agent");
  else if (h?.via === "skipped") log.skip(`wake the agent for the ${step.name}: ${h.reason}`);
  else if (h)
    log.info(`agent woken for the ${step.name} via ${h.via}${h.commentUrl ? ` ${h.commentUrl}` : h.eventType ? ` (${h.eventType})` : ""}`);
}

/** The step's Markdown in the job summary, followed by the issue line when the issue was synced. */
export function appendFindingsSummary(
  session: LocalSession | GitHubSession,
  step: Pick<FindingsStep, "name">,
  markdown: string,
  outcome: CoverageIssueOutcome | null,
): void {
  const path = session.kind === "github" ? session.ctx.stepSummaryPath : null;
  if (!outcome) {
    appendJobSummary(path, markdown);
    return;
  }
  const line = issueSummaryLine(session, step.name, { url: outcome.url, number: outcome.number, action: outcome.action });
  appendJobSummary(path, `${markdown}\n${line}\n`);
}
