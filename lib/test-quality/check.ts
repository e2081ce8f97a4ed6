// task test-quality (scripts/test-quality.ts): check the repository's tests against the SOP's rules, write
// test-quality.json and test-quality.md, and keep the one test-quality issue in step with the findings through
// the coverage issue's machinery (lib/coverage/issue.ts syncFindingsIssue), waking the agent the same way.
import { log } from "../cli.ts";
import { syncFindingsIssue, type CoverageIssueOutcome } from "../coverage/issue.ts";
import { openSession, type GitHubSession, type LocalSession } from "../github/session.ts";
import { appendJobSummary } from "../github/summary.ts";
import { cutNotice, handoffNoteText, renderText } from "../github/texts.ts";
import { untrusted } from "../sanitize.ts";
import { writeTestQualityFile } from "../step-files.ts";
import { analyzeTestQuality, type TestQualitySummary } from "./analyze.ts";
import { renderTestQualityIssue, testQualityMarker, testQualityTemplateContext } from "./issue-text.ts";

export const TEST_QUALITY_FILE = "test-quality.json";

export interface TestQualityRequest {
  /** Overrides test_quality.max_skip_age_days. */
  maxSkipAgeDays?: number;
  /** Unix seconds (tests); default now. */
  now?: number;
}

/** Checks the tests and syncs the issue. Returns test-quality.md (what the script prints). */
export async function checkTestQuality(env: Record<string, string | undefined>, req: TestQualityRequest = {}): Promise<string> {
  const session = await openSession(env);
  const { root, config } = session;
  const summary = await analyzeTestQuality(root, {
    maxSkipAgeDays: req.maxSkipAgeDays ?? config.testQuality.maxSkipAgeDays,
    now: req.now,
    python: config.runner.python ?? "python3",
    ignore: [config.reportsDir],
  });
  const ctx = session.kind === "github" ? session.ctx : null;
  const local = renderTestQualityIssue(
    testQualityTemplateContext(summary, { reportsDir: config.reportsDir, runUrl: ctx?.runUrl }),
    root,
    config,
  );
  writeTestQualityFile(session.reportsDir, summary, local.body);
  for (const e of summary.errors) log.warn(`not read: ${untrusted(e)}`);
  const tests = summary.tests.js + summary.tests.python;
  log.info(
    `test quality: ${summary.findings.length} findings in ${tests} tests (${summary.files.js} JS/TS and ${summary.files.python} Python test files)` +
      ` -> ${config.reportsDir}/${TEST_QUALITY_FILE}`,
  );
  const outcome = await syncIssue(session, summary);
  if (outcome) {
    writeTestQualityFile(session.reportsDir, { ...summary, issue: outcome });
    const link = outcome.url ? ` [#${outcome.number}](${outcome.url})` : "";
    appendJobSummary(ctx?.stepSummaryPath ?? null, `${local.body}\nTest-quality issue:${link} (${outcome.action}).\n`);
  } else {
    appendJobSummary(ctx?.stepSummaryPath ?? null, local.body);
  }
  return local.body;
}

async function syncIssue(session: LocalSession | GitHubSession, summary: TestQualitySummary): Promise<CoverageIssueOutcome | null> {
  const { config } = session;
  const found = summary.findings.length;
  const what = found > 0 ? "create or update the test-quality issue" : "close the test-quality issue if one is open";
  if (session.kind === "local") {
    log.skip(`${what}: ${session.reason}`);
    return null;
  }
  if (session.ctx.mode === "summary-only") {
    log.skip(`${what}: pull request from a fork (read-only token): job summary only`);
    return null;
  }
  if (found === 0 && summary.errors.length > 0) {
    // A file that could not be read may hold findings: "none left" is not known, so nothing is closed.
    log.skip(`${what}: some test files could not be read, so the issue stays as it is`);
    return null;
  }
  // The issue shows only what the findings say (no run link): unchanged findings make no write.
  const issue = renderTestQualityIssue(
    testQualityTemplateContext(summary, { reportsDir: config.reportsDir, runUrl: null }),
    session.root,
    config,
  );
  const texts = { root: session.root, config };
  const tests = summary.tests.js + summary.tests.python;
  const files = summary.files.js + summary.files.python;
  const outcome = await syncFindingsIssue(session.r, {
    marker: testQualityMarker(summary),
    open: found > 0,
    title: issue.title,
    body: issue.body,
    labels: config.labels.coverage,
    botLogin: await session.botLogin(),
    config,
    cutNotice: cutNotice(texts, "coverage", TEST_QUALITY_FILE, config.reportsDir),
    closeText: () => renderText("test-quality-close.md", { test_count: tests, test_file_count: files }, texts),
    handoff: {
      agent: config.agent,
      agentClient: session.agentClient,
      who: () => session.handoffAuthors(),
      cap: {
        dailyMentions: config.budget.dailyMentions,
        labels: [config.labels.healing[0] ?? "auto-healing", config.labels.coverage[0] ?? "auto-healing"],
      },
      run: { id: session.ctx.runId, attempt: session.ctx.runAttempt },
      branch: session.branch,
      ask: (n) =>
        renderText("handoff-test-quality.md", { issue_number: n, branch: session.branch ? `\`${untrusted(session.branch)}\`` : "" }, texts),
      note: (unconfirmed) =>
        handoffNoteText(texts, {
          kind: "test-quality",
          event_type: config.agent.dispatchEventType,
          attempt: null,
          max_attempts: config.agent.maxAttempts,
          unconfirmed,
        }),
    },
  });
  const where = outcome.number ? ` #${outcome.number}` : "";
  const said: Record<CoverageIssueOutcome["action"], string> = {
    created: `test-quality issue${where} created: ${outcome.url}`,
    updated: `test-quality issue${where} updated: ${outcome.url}`,
    unchanged: `test-quality issue${where} unchanged`,
    closed: `test-quality issue${where} closed: no finding left`,
    none: "no test-quality issue needed: no finding",
    paused: `test-quality issue${where} carries ${config.labels.paused}: left alone`,
  };
  log.info(said[outcome.action]);
  const h = outcome.handoff;
  if (h?.via === "none" || h?.unconfirmed) log.warn(h.reason ?? "nothing will wake the agent");
  else if (h?.via === "skipped") log.skip(`wake the agent for the test-quality issue: ${h.reason}`);
  else if (h) log.info(`agent woken for the test-quality issue via ${h.via}${h.commentUrl ? ` ${h.commentUrl}` : ""}`);
  return outcome;
}
