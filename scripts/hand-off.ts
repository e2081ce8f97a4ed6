#!/usr/bin/env bun
// heal:hand-off — wake the agent for the healing issue. An issue or comment made with the default
// GITHUB_TOKEN starts no workflow, so its @claude wakes nothing. This step uses, in order:
//   (a) the agent token (config agent.token_env, default HEAL_AGENT_TOKEN: GitHub App installation token
//       or PAT): a comment `@claude` + task file + issue, written by that identity, which does start workflows;
//   (b) config agent.handoff dispatch|auto: POST /repos/{o}/{r}/dispatches, event_type agent.dispatch_event_type
//       (default heal-agent), client_payload {issue_number, branch, task_path, attempt};
//   (c) neither: a warning saying nothing will wake the agent and how to fix it (README "GitHub set-up").
// Only when sync-issue created the issue or reported changed failures (or found an issue never handed off); never past agent.max_attempts,
// the daily mention budget, or the kill-switch label. Hand-offs are counted only when written by the tool or the
// agent identity (HEAL_AGENT_LOGIN, else GET /user of a personal agent token, else any GitHub App bot).
// A dispatch whose answer is lost is not sent again (it may have started the agent): its note on the issue says
// so, github.json records `unconfirmed: true`, a warning is printed, and the next run does not repeat it.
// Reads:  <reports>/github.json, config, GitHub Actions variables (HEAL_AGENT_LOGIN optional).
// Writes: github.json `handoff`, one line in the job summary.
// Exit:   0 handed off or nothing to do (local mode included), 2 GitHub refused.
// Token:  (a) the agent token needs issues: write; (b) GITHUB_TOKEN needs contents: write; reads need issues: read.
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { listComments } from "../lib/github/comments.ts";
import { getIssue } from "../lib/github/issues.ts";
import { attemptsExhausted, countAttempts, isPaused } from "../lib/budget.ts";
import { countHandoffs, planHandoff, wakeAgent } from "../lib/github/handoff.ts";
import { labelNames } from "../lib/github/labels.ts";
import { readOutcome, writeOutcome, type HandoffRecord } from "../lib/github/outcome.ts";
import { openSession, type GitHubSession } from "../lib/github/session.ts";
import { appendJobSummary } from "../lib/github/summary.ts";

const FLAGS: FlagSpec = {};
const HELP = `bun scripts/hand-off.ts — wake the agent through the agent token or repository_dispatch (task heal:hand-off)`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const session = await openSession(env);
  if (session.kind === "local") {
    log.skip(`wake the agent (${session.config.agent.mention || "no mention"}): ${session.reason}`);
    return 0;
  }
  const record = await handOff(session);
  writeOutcome(session.reportsDir, { handoff: record });
  const summary =
    record.via === "comment"
      ? `Agent woken by a ${session.config.agent.mention} comment from ${session.ctx.agentTokenEnv}'s identity (attempt ${record.attempt}).`
      : record.via === "dispatch" && record.unconfirmed
        ? `⚠️ ${record.reason}: if no agent run started, ask again on the issue.`
        : record.via === "dispatch"
          ? `Agent woken by \`repository_dispatch\` \`${record.eventType}\` (attempt ${record.attempt}).`
          : record.via === "none"
            ? `⚠️ ${record.reason}`
            : null;
  if (summary) appendJobSummary(session.ctx.stepSummaryPath, `${summary}\n`);
  if (record.via === "none") log.warn(record.reason ?? "nothing will wake the agent");
  else if (record.unconfirmed)
    log.warn(`${record.reason}; if no agent run started, ask again on issue #${readOutcome(session.reportsDir).issueNumber}`);
  else if (record.via === "skipped") log.skip(`wake the agent: ${record.reason}`);
  else
    log.info(
      `agent woken via ${record.via}${record.commentUrl ? ` ${record.commentUrl}` : record.eventType ? ` (${record.eventType})` : ""}`,
    );
  process.stdout.write(`${JSON.stringify(record)}\n`);
  return 0;
}

async function handOff(s: GitHubSession): Promise<HandoffRecord> {
  const outcome = readOutcome(s.reportsDir);
  const { agent, labels } = s.config;
  const pending = outcome.action === "unchanged" && outcome.handedOff === false;
  if (!outcome.issueNumber || (outcome.action !== "created" && outcome.action !== "commented" && !pending)) {
    return { via: "skipped", reason: `no new failures to hand off (issue ${outcome.action})` };
  }
  const plan = planHandoff(agent, s.agentClient !== null);
  if (plan.via === "none") return { via: agent.handoff === "token" ? "none" : "skipped", reason: plan.explain };
  const issueNumber = outcome.issueNumber;
  const issue = await getIssue(s.r, issueNumber);
  if (isPaused(issue.labels, s.config)) return { via: "skipped", reason: `issue #${issueNumber} has the ${labels.paused} label` };
  if (labelNames(issue).some((l) => l.toLowerCase() === labels.needsHuman.toLowerCase())) {
    return { via: "skipped", reason: `issue #${issueNumber} is labelled ${labels.needsHuman}` };
  }

  const who = await s.handoffAuthors();
  const comments = await listComments(s.r, issueNumber);
  // sync-issue may not have known the agent's login: an issue it thought pending is checked again here.
  if (pending && countHandoffs(comments, who) > 0) return { via: "skipped", reason: `issue #${issueNumber} was already handed off` };
  const failed = countAttempts(comments, who.botLogin);
  if (attemptsExhausted(failed, agent.maxAttempts)) {
    return { via: "skipped", reason: `the agent already failed ${failed} of ${agent.maxAttempts} attempts on #${issueNumber}` };
  }
  const attempt = failed + 1;
  const taskPath = outcome.taskPath ?? null;
  const taskRef = taskPath
    ? outcome.taskUrl
      ? `[\`${taskPath}\`](${outcome.taskUrl})`
      : `\`${taskPath}\``
    : "the task context named in the issue";
  return wakeAgent({
    r: s.r,
    agentClient: s.agentClient,
    agent,
    issueNumber,
    who,
    comments,
    cap: {
      dailyMentions: s.config.budget.dailyMentions,
      labels: [labels.healing[0] ?? "auto-healing", labels.coverage[0] ?? "auto-healing"],
    },
    run: { id: s.ctx.runId, attempt: s.ctx.runAttempt },
    ask: [
      `Please fix the failing tests of #${issueNumber} (attempt ${attempt} of ${agent.maxAttempts}).`,
      "",
      `Read the task context ${taskRef} first, then the failures in the issue; follow the SOPs it names, keep every previously failing test, and open a pull request that says \`Fixes #${issueNumber}\`.`,
    ].join("\n"),
    // The dispatch leaves no trace on the issue: a short note (no mention) records the attempt for the budget.
    note: `🤖 Handed to the agent through \`repository_dispatch\` \`${agent.dispatchEventType}\` (attempt ${attempt} of ${agent.maxAttempts}).`,
    payload: { issue_number: issueNumber, branch: outcome.branch ?? s.branch ?? null, task_path: taskPath, attempt },
    attempt,
  });
}

runMain(import.meta, main);
