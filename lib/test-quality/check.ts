// task test-quality (scripts/test-quality.ts): check the repository's tests against the SOP's rules, write
// test-quality.json and test-quality.md, and keep the one test-quality issue in step with the findings through
// the coverage issue's machinery (lib/coverage/issue.ts syncFindingsIssue), waking the agent the same way.
import { log } from "../cli.ts";
import { syncFindingsIssue, type CoverageIssueOutcome } from "../coverage/issue.ts";
import { openSession, type GitHubSession, type LocalSession } from "../github/session.ts";
import { appendFindingsSummary, findingsHandoff, findingsSession, logFindingsOutcome } from "../github/findings-step.ts";
import { cutNotice, handoffNoteText, renderText } from "../github/texts.ts";
import { untrusted } from "../sanitize.ts";
import { writeTestQualityFile } from "../step-files.ts";
import { analyzeTestQuality, type TestQualitySummary } from "./analyze.ts";
import { renderTestQualityIssue, testQualityMarker, testQualityTemplateContext } from "./issue-text.ts";

export const TEST_QUALITY_FILE = "test-quality.json";
const TEST_QUALITY_STEP = { name: "test-quality issue" };

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
  if (outcome) writeTestQualityFile(session.reportsDir, { ...summary, issue: outcome });
  appendFindingsSummary(session, TEST_QUALITY_STEP, local.body, outcome);
  return local.body;
}

async function syncIssue(session: LocalSession | GitHubSession, summary: TestQualitySummary): Promise<CoverageIssueOutcome | null> {
  const { config } = session;
  const found = summary.findings.length;
  // A file that could not be read may hold findings: "none left" is not known, so nothing is closed.
  const hold = found === 0 && summary.errors.length > 0 ? "some test files could not be read, so the issue stays as it is" : null;
  const github = findingsSession(session, { ...TEST_QUALITY_STEP, open: found > 0, hold });
  if (!github) return null;
  // The issue shows only what the findings say (no run link): unchanged findings make no write.
  const issue = renderTestQualityIssue(
    testQualityTemplateContext(summary, { reportsDir: config.reportsDir, runUrl: null }),
    github.root,
    config,
  );
  const texts = { root: github.root, config };
  const tests = summary.tests.js + summary.tests.python;
  const files = summary.files.js + summary.files.python;
  const outcome = await syncFindingsIssue(github.r, {
    marker: testQualityMarker(summary),
    open: found > 0,
    title: issue.title,
    body: issue.body,
    labels: config.labels.coverage,
    botLogin: await github.botLogin(),
    config,
    cutNotice: cutNotice(texts, "coverage", TEST_QUALITY_FILE, config.reportsDir),
    closeText: () => renderText("test-quality-close.md", { test_count: tests, test_file_count: files }, texts),
    handoff: {
      ...findingsHandoff(github),
      ask: (n) =>
        renderText("handoff-test-quality.md", { issue_number: n, branch: github.branch ? `\`${untrusted(github.branch)}\`` : "" }, texts),
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
  logFindingsOutcome(TEST_QUALITY_STEP, outcome, { closed: "no finding left", none: "no finding", pausedLabel: config.labels.paused });
  return outcome;
}
