#!/usr/bin/env bun
// verify: check an agent's fix for a healing issue (seed step 9), on a pull request or a push to an agent
// branch (`claude/issue-<N>-...`). The issue comes from the branch name, or `Fixes #N` in the body of a pull
// request whose author has write access; it must be the tool's own healing issue (trusted marker).
// The previously failing tests come from the task file the tool committed on the issue's branch, believed
// only when its failure ids are exactly the issue's marker's. They are re-run first (targeted), then the
// whole suite (run-tests). Pass: ✅ on the issue and the pull request, the issue closed (verify.close_on:
// pass) or left to `Fixes #N` (merge). Fail: ❌ with what still fails, and the agent is asked again
// (agent token comment, or repository_dispatch); the failure that reaches agent.max_attempts labels the
// issue needs-human and mentions nobody; past the daily mention cap (budget.daily_mentions, counted like
// heal:hand-off) nobody is asked either. A test that was deleted, renamed or skipped is not healed.
// Kill switch: an issue labelled heal:paused (labels.paused) is left alone. A re-run of the same run and
// attempt does nothing (its marker is already on the issue).
// Reads:  GitHub Actions variables and event, .agent/heal/config.yaml, the task file on origin/<branch>,
//         the repository's tests. Local mode (no token): --task <file> or the one task file in the tree.
// Writes: <reports>/raw-targeted/*, <reports>/raw/*, runs.json, verify.json; comments, label, closed issue.
// Exit:   0 healed or nothing to verify (no linked issue, paused, closed, already verified by this run),
//         1 not healed, 2 the tool could not do its job (no matching task file, GitHub refused).
// Token:  issues: write, pull-requests: write (comments); contents: read (fetch the task file);
//         contents: write for a repository_dispatch retry; the agent token needs issues: write.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import type { HealConfig } from "../lib/config.ts";
import { detectStacks } from "../lib/detect.ts";
import { HealError } from "../lib/errors.ts";
import { createCommentOnce, latestMarker, listComments, type IssueComment } from "../lib/github/comments.ts";
import { sendRepositoryDispatch } from "../lib/github/dispatch.ts";
import { handoffTag, isHandoffAuthor, mentionCapReached, planHandoff } from "../lib/github/handoff.ts";
import { bodyWithMarker, closeIssue, getIssue } from "../lib/github/issues.ts";
import { requireJsonFile } from "../lib/json-file.ts";
import { addLabels, ensureLabels, labelNames } from "../lib/github/labels.ts";
import { openSession, type GitHubSession } from "../lib/github/session.ts";
import { appendJobSummary } from "../lib/github/summary.ts";
import { attemptsExhausted, countAttempts, isPaused } from "../lib/budget.ts";
import { buildMarker, markerData, trustedMarker, type Marker } from "../lib/marker.ts";
import { REPORT_FILES } from "../lib/paths.ts";
import { renderString, resolveTemplate, type TemplateName } from "../lib/render.ts";
import { runnerEnvDeny, runStacks } from "../lib/runners/index.ts";
import { untrusted } from "../lib/sanitize.ts";
import type { RunsFile } from "../lib/types.ts";
import {
  collectCaseResults,
  eventPullRequest,
  findPreviousFailures,
  judge,
  linkedIssue,
  stackFor,
  targetedStack,
  taskFilesInTree,
  verdictContext,
  verdictLines,
  type PreviousTest,
  type Verdict,
} from "../lib/verify.ts";
import { main as runTests } from "./run-tests.ts";

const FLAGS: FlagSpec = {
  issue: { type: "string", describe: "the healing issue number (default: from the branch or the pull request)" },
  task: { type: "string", describe: "local mode: the task file whose failures to verify" },
};
const HELP = `task verify [-- --issue N] [--task .agent/tasks/fix-<id>.yaml]
Re-runs the previously failing tests of a healing issue, then the whole suite, and reports on GitHub.`;
const CUT_NOTICE = "_Cut here: the full result is verify.json in the run's artifacts._";
const VERIFY_FILE = "verify.json";

type Env = Record<string, string | undefined>;
type Result = "pass" | "fail" | "needs-human";

export async function main(argv: string[], env: Env = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const session = await openSession(env);
  if (session.kind === "local") {
    const task = localTask(session.root, session.config, flags.task as string | undefined);
    const { verdict } = await verifyTests(session.root, session.config, task.tests, env);
    report(session.reportsDir, verdict, { issue: null, attempt: null, result: verdict.healed ? "pass" : "fail" });
    const target = flags.issue ? `#${flags.issue}` : "the healing issue";
    log.skip(`comment on ${target} and ${verdict.healed ? "close it" : "ask the agent again"}: ${session.reason}`);
    return verdict.healed ? 0 : 1;
  }
  return verifyOnGitHub(session, flags.issue as string | undefined, env);
}

async function verifyOnGitHub(s: GitHubSession, issueFlag: string | undefined, env: Env): Promise<ExitCode> {
  const { ctx, config, r } = s;
  if (ctx.forkPullRequest) {
    log.skip("verify a pull request from a fork: its read-only token cannot comment, and its code gets no secrets");
    return 0;
  }
  const link = issueFlag
    ? { number: Number(issueFlag), source: "flag" as const }
    : linkedIssue({
        branch: s.branch,
        branchPrefix: config.agent.branchPrefix,
        eventName: ctx.eventName,
        event: ctx.event,
        forkPullRequest: ctx.forkPullRequest,
      });
  if (!link || !Number.isInteger(link.number) || link.number <= 0) {
    log.skip(`verify: ${s.branch ?? "this run"} names no healing issue (branch ${config.agent.branchPrefix}<N>-... or \`Fixes #N\`)`);
    return 0;
  }
  const n = link.number;
  const botLogin = await s.botLogin();
  const issue = await getIssue(r, n);
  const labels = labelNames(issue);
  const own = trustedMarker(issue, botLogin);
  if (issue.pull_request || !own || own.kind !== "healing" || !labels.includes(config.labels.healing[0] ?? "")) {
    log.skip(`verify #${n}: not a healing issue opened by ${botLogin}`);
    return 0;
  }
  if (isPaused(labels, config)) {
    log.skip(`verify #${n}: it has the ${config.labels.paused} label (kill switch)`);
    return 0;
  }
  if (issue.state === "closed") {
    log.skip(`verify #${n}: the issue is already closed`);
    return 0;
  }
  const comments = await listComments(r, n);
  const run = { id: ctx.runId ?? "local", attempt: ctx.runAttempt };
  const verifications = verificationMarkers(comments, botLogin, n);
  if (verifications.some((m) => m.run?.id === run.id && m.run?.attempt === run.attempt)) {
    log.skip(`verify #${n}: run ${run.id} attempt ${run.attempt} already verified it`);
    return 0;
  }
  const current = latestMarker(issue, comments, botLogin, "healing") ?? own;
  const task = findPreviousFailures(s.root, config, current);
  if (!task) {
    throw new HealError(
      "INPUT_MISSING",
      `no task file on origin/${current.branch} lists the ${current.count} failure(s) of #${n}: run heal on ${current.branch} first`,
      config.tasksDir,
    );
  }
  log.info(`verifying #${n} (${link.source}): ${task.tests.length} previously failing test(s) from ${task.path}`);
  const { verdict, suiteRan } = await verifyTests(s.root, config, task.tests, env);

  // This run's failure counts as an attempt: the one that reaches max_attempts hands over to a person.
  const attempt = countAttempts(comments, botLogin) + 1;
  const result: Result = verdict.healed
    ? "pass"
    : attemptsExhausted(attempt, config.agent.maxAttempts) || labels.includes(config.labels.needsHuman)
      ? "needs-human"
      : "fail";
  const branch = s.branch ?? "(unknown branch)";
  const marker = markerData({
    kind: "verification",
    branch,
    fingerprints: task.tests.map((t) => t.id),
    run,
    // result "fail" for needs-human too: lib/budget.ts counts failed attempts by it.
    extra: { issue: n, result: result === "pass" ? "pass" : "fail", outcome: result, attempt, sha: ctx.sha },
  });
  const pr = eventPullRequest(ctx.eventName, ctx.event) ?? (await openPullRequestFor(s, branch));
  const handoff = result === "fail" ? await retryPlan(s, run, n, comments) : null;
  const context = {
    ...verdictContext(verdict, suiteRan),
    issue_number: n,
    branch: untrusted(branch),
    commit_short: ctx.sha ? ctx.sha.slice(0, 7) : "(unknown)",
    run_url: ctx.runUrl ?? "",
    close_on: config.verify.closeOn,
    attempt,
    max_attempts: config.agent.maxAttempts,
    retry: handoff?.text ?? "",
    label: config.labels.needsHuman,
  };
  const template: TemplateName = (
    result === "pass" ? "verify-pass.md" : result === "fail" ? "verify-fail.md" : "verify-needs-human.md"
  ) as TemplateName;
  const text = render(template, context, s);
  const body = bodyWithMarker(text, marker, CUT_NOTICE);
  const uniqueText = buildMarker(marker);
  const posted = await createCommentOnce(r, n, body, { botLogin, uniqueText });
  if (pr) await createCommentOnce(r, pr, body, { botLogin, uniqueText });

  if (result === "pass" && config.verify.closeOn === "pass") await closeIssue(r, n, "completed");
  if (result === "needs-human" && !labels.includes(config.labels.needsHuman)) {
    await ensureLabels(r, [config.labels.needsHuman]);
    await addLabels(r, n, [config.labels.needsHuman]);
  }
  if (result === "fail" && handoff)
    await handoff.send({ issue: n, branch, base: current.branch, taskPath: task.path, attempt: attempt + 1, commentUrl: posted.url });

  report(s.reportsDir, verdict, { issue: n, attempt, result });
  appendJobSummary(ctx.stepSummaryPath, `${text}\n`);
  log.info(
    `#${n}: ${result === "pass" ? "healed" : result === "fail" ? `not healed, attempt ${attempt} of ${config.agent.maxAttempts}` : `not healed, labelled ${config.labels.needsHuman}`} (${posted.url})`,
  );
  return verdict.healed ? 0 : 1;
}

/** Targeted re-run of the previously failing tests, then (when none of them still fails) the whole suite. */
async function verifyTests(
  root: string,
  config: HealConfig,
  tests: PreviousTest[],
  env: Env,
): Promise<{ verdict: Verdict; suiteRan: boolean }> {
  const stacks = await detectStacks(root, config);
  const groups = new Map<string, { stack: (typeof stacks)[number]; tests: PreviousTest[] }>();
  for (const t of tests) {
    const stack = stackFor(t, stacks);
    if (!stack) continue;
    const g = groups.get(stack.id) ?? { stack, tests: [] };
    g.tests.push(t);
    groups.set(stack.id, g);
  }
  const timeoutMs = config.runner.timeoutMinutes * 60_000;
  const targeted = [...groups.values()].map((g) => targetedStack(g.stack, g.tests));
  if (targeted.length > 0) {
    log.info(`re-running the ${tests.length} previously failing test(s) first`);
    const runs = await runStacks(targeted, {
      repoRoot: root,
      rawDir: `${config.reportsDir}/raw-targeted`,
      timeoutMs,
      env: env as NodeJS.ProcessEnv,
      envDeny: runnerEnvDeny(config),
    });
    const first = judge(tests, await collectCaseResults(root, runs));
    if (first.outcomes.some((o) => o.status === "failed")) return { verdict: first, suiteRan: false };
  }
  log.info("running the whole suite");
  const code = await runTests([]);
  if (code !== 0) throw new HealError("NO_STACKS", "the whole suite could not be run");
  const runs = requireJsonFile<RunsFile>(join(root, config.reportsDir, REPORT_FILES.runs), `${config.reportsDir}/${REPORT_FILES.runs}`);
  return { verdict: judge(tests, await collectCaseResults(root, runs)), suiteRan: true };
}

/** Verification markers the tool left on this issue, oldest first. */
function verificationMarkers(comments: IssueComment[], botLogin: string, issue: number): Marker[] {
  return comments
    .map((c) => trustedMarker({ body: c.body, user: { login: c.author } }, botLogin))
    .filter((m): m is Marker => !!m && m.kind === "verification" && m.extra?.issue === issue);
}

async function openPullRequestFor(s: GitHubSession, branch: string): Promise<number | null> {
  const { data } = await s.r.gh.rest.pulls.list({
    owner: s.r.owner,
    repo: s.r.repo,
    head: `${s.r.owner}:${branch}`,
    state: "open",
    per_page: 10,
  });
  return data[0]?.number ?? null;
}

interface RetryInput {
  issue: number;
  branch: string;
  base: string;
  taskPath: string;
  attempt: number;
  commentUrl: string;
}

/**
 * How the agent is asked again: the route planHandoff picks for heal:hand-off too, within the same daily mention
 * cap. Each retry leaves the hand-off tag (in the agent's comment, or in the ❌ comment for a dispatch) so the
 * budget counts it.
 */
async function retryPlan(
  s: GitHubSession,
  run: { id: string; attempt: string },
  issue: number,
  comments: IssueComment[],
): Promise<{ text: string; send: (i: RetryInput) => Promise<void> }> {
  const { agent, budget, labels } = s.config;
  const plan = planHandoff(agent, s.agentClient !== null);
  if (plan.via === "none") return { text: `The agent is not asked again: ${plan.explain}.`, send: async () => {} };
  const who = await s.handoffAuthors();
  const capLabels = [labels.healing[0] ?? "auto-healing", labels.coverage[0] ?? "auto-healing"];
  if (await mentionCapReached(s.r, { issueNumber: issue, comments, who, labels: capLabels, cap: budget.dailyMentions })) {
    const why = `daily cap reached: ${budget.dailyMentions} agent hand-offs in 24 hours (budget.daily_mentions)`;
    log.warn(`#${issue}: the agent is not asked again (${why})`);
    return {
      text: `The agent is not asked again today: ${why}. Ask it again in a comment, or wait for the next verification.`,
      send: async () => {},
    };
  }
  const tag = handoffTag(issue, run.id, run.attempt);
  if (plan.via === "comment") {
    return {
      text: "The agent is asked for another attempt below.",
      send: async (i) => {
        const body = [
          `${agent.mention} The fix on \`${untrusted(i.branch)}\` did not pass verification: ${i.commentUrl}`,
          "",
          `Please try again (attempt ${i.attempt} of ${agent.maxAttempts}): read what still fails, fix the code rather than the tests, and push to the same branch. The task context is \`${i.taskPath}\`.`,
          "",
          tag,
        ].join("\n");
        // Written by the agent's identity; found again by its tag (from a trusted author) if the response is lost.
        await createCommentOnce(s.agentClient!, i.issue, body, { botLogin: (login) => isHandoffAuthor(login, who), uniqueText: tag });
      },
    };
  }
  return {
    text: `The agent is asked for another attempt through \`repository_dispatch\` \`${agent.dispatchEventType}\`.\n\n${tag}`,
    send: async (i) => {
      const sent = await sendRepositoryDispatch(s.r, agent.dispatchEventType, {
        issue_number: i.issue,
        branch: i.branch,
        base: i.base,
        task_path: i.taskPath,
        attempt: i.attempt,
      });
      // Not sent again: a second dispatch could start a second agent run. The ❌ comment already carries the tag.
      if (!sent.confirmed)
        log.warn(
          `repository_dispatch "${agent.dispatchEventType}" for #${i.issue} is unconfirmed (${sent.detail}): not sent again; if no agent run started, ask again on the issue`,
        );
    },
  };
}

function render(name: TemplateName, context: object, s: { root: string; config: HealConfig }): string {
  const t = resolveTemplate(name, s.root, s.config);
  return renderString(t.text, context, t.display, s.root).trim();
}

function localTask(root: string, config: HealConfig, flag: string | undefined) {
  const all = taskFilesInTree(root, config.tasksDir);
  if (flag) {
    const found = all.find((t) => t.path === flag.replace(/^\.\//, ""));
    if (!found) throw new HealError("INPUT_MISSING", `${flag} is not an auto-generated task file under ${config.tasksDir}`, flag);
    return found;
  }
  if (all.length === 1) return all[0]!;
  throw new HealError(
    "USAGE",
    all.length === 0
      ? `no task file under ${config.tasksDir}: run task heal first, or pass --task`
      : `${all.length} task files under ${config.tasksDir}: pass --task with one of ${all.map((t) => t.path).join(", ")}`,
  );
}

function report(reportsDir: string, verdict: Verdict, meta: { issue: number | null; attempt: number | null; result: Result }): void {
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(join(reportsDir, VERIFY_FILE), `${JSON.stringify({ ...meta, ...verdict }, null, 2)}\n`);
  for (const line of verdictLines(verdict)) log.info(line);
  process.stdout.write(`${JSON.stringify({ ...meta, healed: verdict.healed })}\n`);
}

runMain(import.meta, main);
