// verify (scripts/verify-fix.ts): check an agent's fix for a healing issue. Which issue (branch or a trusted
// `Fixes #N`), which tests failed before (the task file on the issue's branch, believed only when it matches the
// issue's trusted marker), the targeted re-run then the whole suite (lib/verify.ts judges), and what is said on
// GitHub: ✅/❌ from templates/verify-*.md, the issue closed or labelled needs-human, and the agent asked again
// through the one hand-off path (lib/github/handoff.ts: prepareHandoff before the ❌ comment, sendHandoff after).
import { readdirSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { collectAudit } from "../audit/index.ts";
import { attemptsExhausted, countAttempts, isPaused } from "../budget.ts";
import { log, type ExitCode } from "../cli.ts";
import type { HealConfig } from "../config.ts";
import { detectStacks, type RunnableStack } from "../detect.ts";
import { HealError } from "../errors.ts";
import { findingId } from "../finding-report.ts";
import { buildMarker, markerData, trustedMarker, type Marker } from "../marker.ts";
import { REPORT_FILES } from "../paths.ts";
import { comparePerf, readBaseline } from "../perf/compare.ts";
import { BASELINE_BRANCH, fetchBaseline } from "../perf/baseline-branch.ts";
import { readBenchFile, type BenchResult } from "../perf/results.ts";
import type { TemplateName } from "../render.ts";
import { runnerEnvDeny, runStacks } from "../runners/index.ts";
import { parseYamlSafe } from "../safe-yaml.ts";
import { inlineCode, untrusted } from "../sanitize.ts";
import type { RunsFile } from "../types.ts";
import { writeRunsFile, writeVerifyFile, type VerifyResult } from "../step-files.ts";
import {
  blockedByEnvironment,
  collectCaseResults,
  eventPullRequest,
  findFindingTask,
  findingVerdictContext,
  findPreviousFailures,
  judge,
  judgeAudit,
  judgePerf,
  parseFindingTask,
  linkedIssue,
  stackFor,
  targetedStack,
  taskFilesInTree,
  verdictContext,
  verdictLines,
  type FindingTask,
  type PreviousTest,
  type Verdict,
} from "../verify.ts";
import { createCommentOnce, latestMarker, listComments, type IssueComment } from "./comments.ts";
import { prepareHandoff, sendHandoff, type PreparedHandoff } from "./handoff.ts";
import { handoffTarget } from "./healing-issue.ts";
import { bodyWithMarker, closeIssue, getIssue } from "./issues.ts";
import { addLabels, ensureLabels, labelNames } from "./labels.ts";
import { openSession, type GitHubSession } from "./session.ts";
import { appendJobSummary } from "./summary.ts";
import { cutNotice, renderText, retryNoticeText, retryRequestText } from "./texts.ts";
import { runBenchmarks } from "../perf/benchmarks.ts";

/** What verify prints on stdout (null: nothing to verify), and its exit code. */
export interface VerifyOutcome {
  code: ExitCode;
  printed: { issue: number | null; attempt: number | null; result: VerifyResult; healed: boolean } | null;
}

type Result = VerifyResult;

/** What `task verify` is told: the issue and, for a performance or security issue, the inputs its check reads. */
export interface VerifyOptions {
  issue?: string;
  /** Local mode: the task file whose failures (a perf or audit task file: benchmarks, advisories) to verify. */
  task?: string;
  /** Performance issue: this run's benchmark result files (the files `task perf` reads). */
  bench?: string[];
  /** Performance issue: the baseline file as `task perf --baseline` names it (default: origin's baseline branch). */
  baseline?: string;
  /** Security issue: audit reports to read instead of running the audits (as `task audit <report>...`). */
  auditReports?: string[];
}

/** Verifies the fix on this run's branch (GitHub) or the local task file (local mode). */
export async function verifyFix(env: Env, opts: VerifyOptions): Promise<VerifyOutcome> {
  const session = await openSession(env);
  if (session.kind === "local") {
    // A perf or audit task file named with --task gets that kind's check; any other, its previously failing tests.
    const finding = opts.task ? localFindingTask(session.root, opts.task) : null;
    const what = finding?.paths[0] ?? "";
    const { verdict } = !finding
      ? await verifyTests(session.root, session.config, localTask(session.root, session.config, opts.task).tests, env)
      : finding.kind === "perf"
        ? await checkPerf(session, finding, what, opts, env)
        : await checkAudit(session, finding, what, opts, env);
    const printed = report(session.reportsDir, verdict, { issue: null, attempt: null, result: verdict.healed ? "pass" : "fail" });
    const kind = !finding ? "healing" : finding.kind === "perf" ? "performance" : "security";
    const target = opts.issue ? `#${opts.issue}` : `the ${kind} issue`;
    log.skip(`comment on ${target} and ${verdict.healed ? "close it" : "ask the agent again"}: ${session.reason}`);
    return { code: verdict.healed ? 0 : 1, printed };
  }
  return verifyOnGitHub(session, opts, env);
}

type Env = Record<string, string | undefined>;

async function verifyOnGitHub(s: GitHubSession, opts: VerifyOptions, env: Env): Promise<VerifyOutcome> {
  const issueFlag = opts.issue;
  const skipped: VerifyOutcome = { code: 0, printed: null };
  const { ctx, config, r } = s;
  if (ctx.forkPullRequest) {
    log.skip("verify a pull request from a fork: its read-only token cannot comment, and its code gets no secrets");
    return skipped;
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
    return skipped;
  }
  const n = link.number;
  const botLogin = await s.botLogin();
  const issue = await getIssue(r, n);
  const labels = labelNames(issue);
  const own = trustedMarker(issue, botLogin);
  // A performance or security issue is verified on the rule that filed it; other kinds (coverage, ...) are not.
  if (issue.pull_request || !own || !VERIFIED_KINDS.has(own.kind) || !labels.includes(config.labels.healing[0] ?? "")) {
    log.skip(`verify #${n}: not a healing issue opened by ${botLogin}`);
    return skipped;
  }
  if (isPaused(labels, config)) {
    log.skip(`verify #${n}: it has the ${config.labels.paused} label (kill switch)`);
    return skipped;
  }
  if (issue.state === "closed") {
    log.skip(`verify #${n}: the issue is already closed`);
    return skipped;
  }
  const comments = await listComments(r, n);
  if (ctx.eventName === "pull_request" && (ctx.event as { action?: unknown } | null)?.action === "closed") {
    return closeOnMerge(s, n, comments, botLogin);
  }
  const run = { id: ctx.runId ?? "local", attempt: ctx.runAttempt };
  const verifications = verificationMarkers(comments, botLogin, n);
  if (verifications.some((m) => m.run?.id === run.id && m.run?.attempt === run.attempt)) {
    log.skip(`verify #${n}: run ${run.id} attempt ${run.attempt} already verified it`);
    return skipped;
  }
  // The agent's push and its pull request start two runs for one commit: the commit is verified once.
  const head = headSha(ctx);
  if (head && verifications.some((m) => m.extra?.sha === head)) {
    log.skip(`verify #${n}: commit ${head.slice(0, 12)} is already verified`);
    return skipped;
  }
  const current = latestMarker(issue, comments, botLogin, own.kind) ?? own;
  const check =
    current.kind === "perf"
      ? await checkPerf(s, findingTask(s, n, current, "regressed benchmark(s)", "task perf"), `#${n}`, opts, env)
      : current.kind === "audit"
        ? await checkAudit(s, findingTask(s, n, current, "advisories", "task audit"), `#${n}`, opts, env)
        : await checkTests(s, n, current, link.source, env);
  const { verdict, suiteRan, task } = check;

  // This run's failure counts as an attempt: the one that reaches max_attempts hands over to a person.
  // Set-up problems alone (lib/environment.ts) are not the agent's: no attempt counted, nobody asked again.
  const setUp = blockedByEnvironment(verdict);
  // Checked again after the tests: the other run for this commit may have finished meanwhile.
  const latest = head ? await listComments(r, n) : comments;
  if (head && verificationMarkers(latest, botLogin, n).some((m) => m.extra?.sha === head)) {
    log.skip(`verify #${n}: commit ${head.slice(0, 12)} was verified by another run meanwhile`);
    return {
      code: verdict.healed ? 0 : 1,
      printed: report(s.reportsDir, verdict, { issue: n, attempt: null, result: verdict.healed ? "pass" : "fail" }),
    };
  }
  const attempt = failedCommits(verificationMarkers(latest, botLogin, n), countAttempts(latest, botLogin)) + (setUp ? 0 : 1);
  const result: Result = verdict.healed
    ? "pass"
    : !setUp && (attemptsExhausted(attempt, config.agent.maxAttempts) || labels.includes(config.labels.needsHuman))
      ? "needs-human"
      : "fail";
  const branch = s.branch ?? "(unknown branch)";
  const marker = markerData({
    kind: "verification",
    branch,
    fingerprints: check.ids,
    run,
    // result "fail" for needs-human too: lib/budget.ts counts failed attempts by it.
    extra: { issue: n, result: result === "pass" ? "pass" : setUp ? "environment" : "fail", outcome: result, attempt, sha: head },
  });
  const pr = eventPullRequest(ctx.eventName, ctx.event) ?? (await openPullRequestFor(s, branch));
  // Decided before the ❌ comment, which says how the agent is asked again (and carries a dispatch's tag).
  const handoff = result === "fail" && !setUp ? await prepareHandoff(handoffTarget(s, n, () => s.handoffAuthors(), comments)) : null;
  const context = {
    ...check.context,
    result,
    issue_number: n,
    branch: untrusted(branch),
    commit_short: ctx.sha ? ctx.sha.slice(0, 7) : "(unknown)",
    run_url: ctx.runUrl ?? "",
    close_on: config.verify.closeOn,
    attempt,
    max_attempts: config.agent.maxAttempts,
    retry: handoff ? retryNotice(s, n, handoff) : "",
    label: config.labels.needsHuman,
  };
  const template = check.template(result);
  const text = renderText(template, context, s);
  const body = bodyWithMarker(text, marker, cutNotice(s, "verification", REPORT_FILES.verify));
  const uniqueText = buildMarker(marker);
  const posted = await createCommentOnce(r, n, body, { botLogin, uniqueText });
  if (pr) await createCommentOnce(r, pr, body, { botLogin, uniqueText });

  if (result === "pass" && config.verify.closeOn === "pass") await closeIssue(r, n, "completed");
  if (result === "needs-human" && !labels.includes(config.labels.needsHuman)) {
    await ensureLabels(r, [config.labels.needsHuman]);
    await addLabels(r, n, [config.labels.needsHuman]);
  }
  if (handoff?.ready) {
    const sent = await sendHandoff(handoffTarget(s, n, handoff.who, comments), handoff, {
      ask: retryRequestText(s, {
        branch: untrusted(branch),
        verification_url: posted.url,
        attempt: attempt + 1,
        max_attempts: config.agent.maxAttempts,
        task_path: task.path,
      }),
      // The ❌ comment already carries a dispatch's tag: no separate note.
      note: null,
      payload: { issue_number: n, branch, base: current.branch, task_path: task.path, attempt: attempt + 1 },
    });
    // Not sent again: a second dispatch could start a second agent run.
    if (sent.unconfirmed) log.warn(`#${n}: ${sent.reason}; if no agent run started, ask again on the issue`);
  }

  const printed = report(s.reportsDir, verdict, { issue: n, attempt, result });
  appendJobSummary(ctx.stepSummaryPath, `${text}\n`);
  log.info(
    `#${n}: ${result === "pass" ? "healed" : setUp ? "not verified: set-up problems (environment), not counted as an attempt" : result === "fail" ? `not healed, attempt ${attempt} of ${config.agent.maxAttempts}` : `not healed, labelled ${config.labels.needsHuman}`} (${posted.url})`,
  );
  return { code: verdict.healed ? 0 : 1, printed };
}

const VERIFIED_KINDS = new Set(["healing", "perf", "audit"]);

/** What one kind's check found, and how its comment is written; everything after it is the same for every kind. */
interface Check {
  verdict: Verdict;
  suiteRan: boolean;
  /** The ids of what the issue was filed for (the verification marker's fingerprints). */
  ids: string[];
  /** The task file a retry names. */
  task: { path: string };
  /** The comment's kind-specific variables, and its template for a result. */
  context: Record<string, unknown>;
  template(result: Result): TemplateName;
}

/** A healing issue: its previously failing tests re-run first, then the whole suite. */
async function checkTests(s: GitHubSession, n: number, current: Marker, source: string, env: Env): Promise<Check> {
  const task = findPreviousFailures(s.root, s.config, current);
  if (!task) {
    throw new HealError(
      "INPUT_MISSING",
      `no task file on origin/${current.branch} lists the ${current.count} failure(s) of #${n}: run heal on ${current.branch} first`,
      s.config.tasksDir,
    );
  }
  log.info(`verifying #${n} (${source}): ${task.tests.length} previously failing test(s) from ${task.path}`);
  const { verdict, suiteRan } = await verifyTests(s.root, s.config, task.tests, env);
  return {
    verdict,
    suiteRan,
    ids: task.tests.map((t) => t.id),
    task,
    context: verdictContext(verdict, suiteRan),
    template: (result) => (result === "pass" ? "verify-pass.md" : result === "fail" ? "verify-fail.md" : "verify-needs-human.md"),
  };
}

/** Where a check runs: the repository, its config and reports folder (a GitHub or a local session). */
type Place = Pick<GitHubSession, "root" | "config" | "reportsDir">;

/** The benchmarks or advisories of a performance or security issue, from the tool's task files on the issue's branch. */
function findingTask(s: GitHubSession, n: number, current: Marker, what: string, command: string): FindingTask {
  const task = findFindingTask(s.root, s.config, current, findingId);
  if (!task) {
    throw new HealError(
      "INPUT_MISSING",
      `no task file on origin/${current.branch} lists the ${current.count} ${what} of #${n}: run ${command} on ${current.branch} first`,
      s.config.tasksDir,
    );
  }
  return task;
}

/**
 * A performance issue: this run's benchmark results compared with the baseline by lib/perf's rule, at the
 * threshold the issue was filed under. Healed when none of the issue's benchmarks is a regression any more.
 */
async function checkPerf(s: Place, task: FindingTask, what: string, opts: VerifyOptions, env: Env): Promise<Check> {
  // The inputs task perf takes: the files named, else the config's perf.results after its perf.command.
  const named = opts.bench ?? [];
  const files = named.length > 0 ? named : s.config.perf.results;
  if (files.length === 0) {
    throw new HealError(
      "USAGE",
      `${what} is a performance issue: pass this run's benchmark results with --bench <file>, or name them in perf.results`,
    );
  }
  if (named.length === 0 && s.config.perf.command) runBenchmarks(s.root, s.config, env);
  const results = files.flatMap((p) => readBenchFile(resolve(s.root, p)).results);
  const baseline = perfBaseline(s.root, s.reportsDir, files, opts.baseline);
  const threshold = task.thresholdPct ?? s.config.perf.threshold;
  log.info(`verifying ${what}: ${task.items.length} regressed benchmark(s) from ${task.paths.join(", ")} against ${baseline.from}`);
  const comparison = comparePerf(baseline.results, results, { thresholdPct: threshold, alpha: task.alpha ?? undefined });
  const verdict = judgePerf(task, comparison);
  return {
    verdict,
    suiteRan: false,
    ids: task.items.map((i) => findingId("perf", i.key)),
    task: { path: task.paths[0]! },
    context: { ...findingVerdictContext(verdict, false), threshold },
    template: () => "verify-perf.md",
  };
}

/** The baseline `task perf` compares with: the --baseline file, else the tool's baseline branch on origin (fetched). */
function perfBaseline(
  root: string,
  reportsDir: string,
  files: string[],
  flag: string | undefined,
): { results: BenchResult[]; from: string } {
  if (flag) return { results: readBaseline(resolve(root, flag)).results, from: flag };
  const read = fetchBaseline(root, reportsDir, files);
  if (!read.baseline) throw new HealError("INPUT_MISSING", `no perf baseline to compare with: ${read.why}`);
  return { results: read.baseline.results, from: `origin/${BASELINE_BRANCH} (${read.files.join(", ")})` };
}

/**
 * A security issue: the audit again (its tools, or the reports given), then, when none of the issue's advisories
 * remains, the whole suite: healed when no advisory of the issue is reported and the tests pass.
 */
async function checkAudit(s: Place, task: FindingTask, what: string, opts: VerifyOptions, env: Env): Promise<Check> {
  log.info(`verifying ${what}: ${task.items.length} advisories from ${task.paths.join(", ")}`);
  const audit = collectAudit(s.root, env, opts.auditReports ?? []);
  let verdict = judgeAudit(task, audit.vulnerabilities, null);
  const remaining = verdict.outcomes.some((o) => o.status !== "passed");
  if (!remaining) {
    log.info("no advisory of the issue remains: running the whole suite");
    const runs = await runWholeSuite(s.root, s.config, await detectStacks(s.root, s.config), env);
    verdict = judgeAudit(task, audit.vulnerabilities, await collectCaseResults(s.root, runs));
  }
  return {
    verdict,
    suiteRan: !remaining,
    ids: task.items.map((i) => findingId("audit", i.key)),
    task: { path: task.paths[0]! },
    context: { ...findingVerdictContext(verdict, !remaining), tools: untrusted([...new Set(audit.sources)].join(", ")) },
    template: () => "verify-audit.md",
  };
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
      rawDir: `${config.reportsDir}/${REPORT_FILES.rawTargeted}`,
      timeoutMs,
      env: env as NodeJS.ProcessEnv,
      envDeny: runnerEnvDeny(config),
    });
    const first = judge(tests, await collectCaseResults(root, runs));
    if (first.outcomes.some((o) => o.status === "failed")) return { verdict: first, suiteRan: false };
  }
  log.info("running the whole suite");
  const runs = await runWholeSuite(root, config, stacks, env);
  return { verdict: judge(tests, await collectCaseResults(root, runs)), suiteRan: true };
}

/**
 * Every stack as heal:run-tests runs it: the raw reports of an earlier run removed first (files only), then
 * runs.json written, so the artifact shows this run.
 */
async function runWholeSuite(root: string, config: HealConfig, stacks: RunnableStack[], env: Env): Promise<RunsFile> {
  if (stacks.length === 0) throw new HealError("NO_STACKS", `nothing to run in ${root}`, config.source ?? undefined);
  const rawDir = `${config.reportsDir}/${REPORT_FILES.raw}`;
  mkdirSync(join(root, rawDir), { recursive: true });
  for (const e of readdirSync(join(root, rawDir), { withFileTypes: true })) {
    if (e.isFile() && /\.(?:xml|json|txt)$/.test(e.name)) rmSync(join(root, rawDir, e.name), { force: true });
  }
  const runs = await runStacks(stacks, {
    repoRoot: root,
    rawDir,
    timeoutMs: config.runner.timeoutMinutes * 60_000,
    env: env as NodeJS.ProcessEnv,
    envDeny: runnerEnvDeny(config),
  });
  writeRunsFile(join(root, config.reportsDir), runs);
  for (const r of runs.runs) {
    const status = r.signal ? `stopped by ${r.signal}` : `exit ${r.exitCode}`;
    log.info(
      `${r.stack.id}: ${status} in ${(r.durationMs / 1000).toFixed(1)}s, ${r.reports.length > 0 ? r.reports.join(", ") : "no report written"}`,
    );
  }
  return runs;
}

/**
 * A closed pull request (verify.close_on: merge): merged, and its head has a passing verification, the tool
 * closes the issue itself (`Fixes #N` closes only on the default branch; a squash merge leaves no trace in
 * the branch's history). Nothing runs.
 */
async function closeOnMerge(s: GitHubSession, n: number, comments: IssueComment[], botLogin: string): Promise<VerifyOutcome> {
  const skipped: VerifyOutcome = { code: 0, printed: null };
  const pr = (s.ctx.event?.pull_request ?? {}) as { merged?: unknown; number?: unknown; base?: { ref?: unknown } };
  if (pr.merged !== true) {
    log.skip(`verify #${n}: the pull request was closed without merging`);
    return skipped;
  }
  if (s.config.verify.closeOn !== "merge") {
    log.skip(`verify #${n}: the pull request is merged; verify.close_on is pass, so the verification closed it`);
    return skipped;
  }
  const head = headSha(s.ctx);
  if (!head || !verificationMarkers(comments, botLogin, n).some((m) => m.extra?.result === "pass" && m.extra?.sha === head)) {
    log.skip(`verify #${n}: the merged head ${head?.slice(0, 12) ?? "(unknown)"} has no passing verification`);
    return skipped;
  }
  const into = typeof pr.base?.ref === "string" ? ` into ${inlineCode(untrusted(pr.base.ref))}` : "";
  const text = `✅ The verified fix (\`${head.slice(0, 12)}\`) is merged${into}. Closing this healing issue (verify.close_on: merge).`;
  const marker = markerData({
    kind: "verification",
    branch: s.branch ?? "",
    fingerprints: [],
    extra: { issue: n, result: "merged", sha: head },
  });
  await createCommentOnce(s.r, n, bodyWithMarker(text, marker, ""), { botLogin, uniqueText: buildMarker(marker) });
  await closeIssue(s.r, n, "completed");
  log.info(`#${n}: closed, its verified fix ${head.slice(0, 12)} is merged`);
  return skipped;
}

/** The commit a run verifies: a pull request's head (GITHUB_SHA is its merge commit there), else GITHUB_SHA. */
function headSha(ctx: GitHubSession["ctx"]): string | null {
  const pr = ctx.event?.pull_request as { head?: { sha?: unknown } } | undefined;
  const sha = pr?.head?.sha;
  return typeof sha === "string" && /^[0-9a-f]{40}$/i.test(sha) ? sha.toLowerCase() : ctx.sha;
}

/**
 * Failed attempts so far, one per commit: failed verifications of the same commit (two runs that raced past
 * both checks) count once. `comments` is the plain count, used when no marker names a commit.
 */
function failedCommits(markers: Marker[], counted: number): number {
  const failed = markers.filter((m) => m.extra?.result === "fail" || m.extra?.result === "needs-human");
  const shas = new Set(failed.map((m, i) => (typeof m.extra?.sha === "string" ? m.extra.sha : `#${i}`)));
  return Math.min(counted, shas.size);
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

/** The failed verification's line on how the agent is asked again (with a dispatch's tag), or why not. */
function retryNotice(s: GitHubSession, issue: number, h: PreparedHandoff): string {
  const event_type = s.config.agent.dispatchEventType;
  if (h.ready) {
    const line = retryNoticeText(s, { via: h.via, reason: "", event_type });
    // Each retry leaves the hand-off tag so the budget counts it: a dispatch's in this comment, a comment's in itself.
    return h.via === "dispatch" ? `${line}\n\n${h.tag}` : line;
  }
  if (h.blocked === "cap") log.warn(`#${issue}: the agent is not asked again (${h.record.reason})`);
  return retryNoticeText(s, { via: h.blocked === "cap" ? "cap" : "none", reason: h.record.reason ?? "", event_type });
}

/** Local mode: the perf or audit task file `flag` names (its own kind and branch), or null for any other file. */
function localFindingTask(root: string, flag: string): FindingTask | null {
  const rel = flag.replace(/^\.\//, "");
  let head: { kind?: unknown; branch?: unknown } | null;
  let text: string;
  try {
    text = readFileSync(join(root, rel), "utf8");
    head = parseYamlSafe(text, rel) as typeof head;
  } catch {
    return null; // localTask says what is wrong with it
  }
  const kind = head?.kind;
  if ((kind !== "perf" && kind !== "audit") || typeof head?.branch !== "string") return null;
  const parsed = parseFindingTask(text, rel, { kind, branch: head.branch });
  return parsed && parsed.items.length > 0 ? { ...parsed, paths: [rel] } : null;
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

function report(
  reportsDir: string,
  verdict: Verdict,
  meta: { issue: number | null; attempt: number | null; result: Result },
): NonNullable<VerifyOutcome["printed"]> {
  writeVerifyFile(reportsDir, { ...meta, ...verdict });
  for (const line of verdictLines(verdict)) log.info(line);
  return { ...meta, healed: verdict.healed };
}
