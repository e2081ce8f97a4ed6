// Verification of an agent's fix (seed step 9): which healing issue a run is about, which tests failed
// before (from the task file, checked against the issue's trusted marker), the targeted re-run of just
// those tests, and the verdict over the whole suite. A fix is healed only when every previously failing
// test still runs and passes and nothing else fails: a deleted, renamed or skipped test is not healed.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type { HealConfig } from "./config.ts";
import type { RunnableStack } from "./runners/adapter.ts";
import { git } from "./git.ts";
import { indexRepo, repoRelative, resolveRepoPath } from "./location.ts";
import { fingerprintDigest, type Marker } from "./marker.ts";
import { advisoryKey, type Vulnerability } from "./audit/reports.ts";
import { formatNs } from "./perf/index.ts";
import type { PerfVerdict } from "./perf/compare.ts";
import { parseReport } from "./parsers/index.ts";
import { redact } from "./redact.ts";
import { parseYamlSafe } from "./safe-yaml.ts";
import { codeBlock, limitBody, limitChars, untrusted } from "./sanitize.ts";
import { adapterFor } from "./runners/registry.ts";
import { deepestStack } from "./test-selection.ts";
import { segmentByRerun } from "./runners/segment-of.ts";
import { hookOwner } from "./failures/records.ts";
import { classifyRun, holdsNoTest, missingPackages, repoModules } from "./environment.ts";
import type { CaseStatus, Framework, RunsFile } from "./types.ts";

const TASK_FILE_MAX_BYTES = 1024 * 1024;
/** A failure message in a comment: UTF-8 bytes (about as many characters for ASCII output). */
const MESSAGE_MAX_BYTES = 1500;
const LISTED_MAX = 30;

// ---------- which issue ----------

export type IssueSource = "branch" | "pull-request-body" | "flag";

/** PR authors whose `Fixes #N` is believed: people with write access (a fork's author never is). */
const TRUSTED_ASSOCIATIONS = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);
const CLOSING_KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b/i;

export interface LinkInput {
  /** The branch under test (PR head, or the pushed branch). */
  branch: string | null;
  branchPrefix: string;
  eventName: string | null;
  event: Record<string, unknown> | null;
  forkPullRequest: boolean;
}

/** The healing issue a run verifies: the agent branch's number, else a trusted PR body's closing keyword. */
export function linkedIssue(input: LinkInput): { number: number; source: IssueSource } | null {
  const { branch, branchPrefix } = input;
  if (branch && branch.startsWith(branchPrefix)) {
    const m = /^(\d+)(?:-|$)/.exec(branch.slice(branchPrefix.length));
    if (m) return { number: Number(m[1]), source: "branch" };
  }
  const pr = input.event?.pull_request as { body?: string | null; author_association?: string } | undefined;
  if (
    input.eventName?.startsWith("pull_request") &&
    pr &&
    !input.forkPullRequest &&
    TRUSTED_ASSOCIATIONS.has(pr.author_association ?? "")
  ) {
    const m = CLOSING_KEYWORD.exec(pr.body ?? "");
    if (m) return { number: Number(m[1]), source: "pull-request-body" };
  }
  return null;
}

/** The pull request number of a pull_request event, else null. */
export function eventPullRequest(eventName: string | null, event: Record<string, unknown> | null): number | null {
  if (!eventName?.startsWith("pull_request")) return null;
  const n = (event?.pull_request as { number?: unknown } | undefined)?.number;
  return typeof n === "number" ? n : null;
}

// ---------- which tests failed before ----------

export interface PreviousTest {
  /** The failure's fingerprint when it was filed. */
  id: string;
  framework: Framework;
  fullName: string;
  file: string | null;
  line: number | null;
  /** The task file's kind: error for a suite-level record (a failing hook, a file that did not load). */
  kind?: "failure" | "error";
  /** The task file's re-run command: which of a package's chained runner segments the test belongs to. */
  rerun?: string;
}

export interface TaskFailures {
  /** Repo-relative path of the task file. */
  path: string;
  branch: string | null;
  tests: PreviousTest[];
}

/** The failures listed in a task file's text; null when it is not an auto-generated task file. */
export function parseTaskFailures(text: string, path: string): TaskFailures | null {
  let data: unknown;
  try {
    data = parseYamlSafe(text, path);
  } catch {
    return null;
  }
  if (!data || typeof data !== "object" || (data as { auto_generated?: unknown }).auto_generated !== true) return null;
  const raw = (data as { test_failures?: unknown }).test_failures;
  if (!Array.isArray(raw)) return null;
  const tests: PreviousTest[] = [];
  for (const t of raw) {
    if (!t || typeof t !== "object") return null;
    const { id, framework, test, file, line, rerun, kind } = t as Record<string, unknown>;
    if (typeof id !== "string" || typeof framework !== "string" || typeof test !== "string") return null;
    tests.push({
      id,
      framework: framework as Framework,
      fullName: test,
      file: typeof file === "string" ? file : null,
      line: typeof line === "number" ? line : null,
      ...(typeof rerun === "string" ? { rerun } : {}),
      ...(kind === "error" || kind === "failure" ? { kind } : {}),
    });
  }
  const branch = (data as { branch?: unknown }).branch;
  return { path, branch: typeof branch === "string" ? branch : null, tests };
}

/** Whether a task file lists exactly the failures the issue's trusted marker names. */
export function matchesMarker(task: TaskFailures, marker: Pick<Marker, "digest" | "count">): boolean {
  return task.tests.length === marker.count && fingerprintDigest(task.tests.map((t) => t.id)) === marker.digest;
}

function isTaskName(name: string): boolean {
  return /^fix-[A-Za-z0-9._-]+\.ya?ml$/.test(name);
}

/** Auto-generated task files in the working tree. */
export function taskFilesInTree(repoRoot: string, tasksDir: string): TaskFailures[] {
  const dir = join(repoRoot, tasksDir);
  if (!existsSync(dir)) return [];
  const out: TaskFailures[] = [];
  for (const name of readdirSync(dir).filter(isTaskName).sort()) {
    const abs = join(dir, name);
    if (statSync(abs).size > TASK_FILE_MAX_BYTES) continue;
    const parsed = parseTaskFailures(readFileSync(abs, "utf8"), posix.join(tasksDir, name));
    if (parsed) out.push(parsed);
  }
  return out;
}

/** The text of each task file (`fix-*.yaml`) at `origin/<branch>`'s tip (fetched), or [] when it cannot be fetched. */
function taskTextsOnRemote(repoRoot: string, tasksDir: string, branch: string, remote: string): { path: string; text: string }[] {
  if (git(repoRoot, ["fetch", "--quiet", "--no-tags", remote, `refs/heads/${branch}`]).status !== 0) return [];
  const tip = git(repoRoot, ["rev-parse", "FETCH_HEAD^{commit}"]);
  if (tip.status !== 0) return [];
  const listing = git(repoRoot, ["ls-tree", "--name-only", `${tip.stdout}:${tasksDir}`]);
  if (listing.status !== 0) return [];
  const out: { path: string; text: string }[] = [];
  for (const name of listing.stdout.split("\n").filter(isTaskName).sort()) {
    const rel = posix.join(tasksDir, name);
    const shown = git(repoRoot, ["show", `${tip.stdout}:${rel}`]);
    if (shown.status !== 0 || shown.stdout.length > TASK_FILE_MAX_BYTES) continue;
    out.push({ path: rel, text: shown.stdout });
  }
  return out;
}

/** Auto-generated task files at `origin/<branch>`'s tip (fetched), or [] when it cannot be fetched. */
export function taskFilesOnRemote(repoRoot: string, tasksDir: string, branch: string, remote = "origin"): TaskFailures[] {
  return taskTextsOnRemote(repoRoot, tasksDir, branch, remote)
    .map((t) => parseTaskFailures(t.text, t.path))
    .filter((t): t is TaskFailures => t !== null);
}

/**
 * The previously failing tests of a healing issue. Read from the issue's own branch on the remote, where
 * the tool committed the task file, not from the agent's branch, which the agent could have edited; and
 * only a task file whose failure ids are exactly the set in the issue's trusted marker is believed.
 */
export function findPreviousFailures(repoRoot: string, config: Pick<HealConfig, "tasksDir">, marker: Marker): TaskFailures | null {
  for (const candidate of taskFilesOnRemote(repoRoot, config.tasksDir, marker.branch)) {
    if (matchesMarker(candidate, marker)) return candidate;
  }
  return null;
}

// ---------- which findings (perf, audit) were filed ----------

/** One benchmark or advisory a perf or audit issue was filed for. */
export interface FindingItem {
  /** Its record key (lib/finding-report.ts): the benchmark's name, or `<ecosystem>/<package> <advisory id>`. */
  key: string;
  /** What the comments show: the benchmark, or `<package> <advisory id>`. */
  name: string;
}

export interface FindingTask {
  kind: "perf" | "audit";
  /** The task files that list the items (repo-relative, sorted); the first is the one a retry names. */
  paths: string[];
  items: FindingItem[];
  /** perf: the rule the issue was filed under (percent and alpha), when its task file says. */
  thresholdPct: number | null;
  alpha: number | null;
}

/** The items of one perf or audit task file's text; null when it is not the tool's task file of that kind and branch. */
export function parseFindingTask(
  text: string,
  path: string,
  want: { kind: "perf" | "audit"; branch: string },
): Omit<FindingTask, "paths"> | null {
  let data: Record<string, unknown>;
  try {
    data = parseYamlSafe(text, path) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!data || typeof data !== "object" || data.auto_generated !== true || data.kind !== want.kind || data.branch !== want.branch)
    return null;
  const items: FindingItem[] = [];
  const list = (v: unknown): Record<string, unknown>[] =>
    Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object") : [];
  if (want.kind === "perf") {
    for (const r of list(data.regressions)) if (typeof r.benchmark === "string") items.push({ key: r.benchmark, name: r.benchmark });
  } else {
    // A task file per advisory group (one package), or the earlier one per branch listing every group.
    for (const g of data.advisory_groups === undefined ? [data] : list(data.advisory_groups)) {
      if (typeof g.package !== "string" || typeof g.ecosystem !== "string") continue;
      for (const a of list(g.advisories)) {
        if (typeof a.id !== "string") continue;
        items.push({ key: advisoryKey({ ecosystem: g.ecosystem, package: g.package, id: a.id }), name: `${g.package} ${a.id}` });
      }
    }
  }
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return { kind: want.kind, items, thresholdPct: num(data.threshold_pct), alpha: num(data.alpha) };
}

/**
 * The benchmarks or advisories of a perf or audit issue: read from the issue's own branch on the remote (every
 * task file of that kind and branch: one per advisory group for audits), believed only when their ids are
 * exactly the set in the issue's trusted marker. `idOf` is the pipeline's fingerprint of a record key.
 */
export function findFindingTask(
  repoRoot: string,
  config: Pick<HealConfig, "tasksDir">,
  marker: Marker,
  idOf: (kind: "perf" | "audit", key: string) => string,
): FindingTask | null {
  const kind = marker.kind;
  if (kind !== "perf" && kind !== "audit") return null;
  const paths: string[] = [];
  const items = new Map<string, FindingItem>();
  let rule: Pick<FindingTask, "thresholdPct" | "alpha"> = { thresholdPct: null, alpha: null };
  for (const t of taskTextsOnRemote(repoRoot, config.tasksDir, marker.branch, "origin")) {
    const parsed = parseFindingTask(t.text, t.path, { kind, branch: marker.branch });
    if (!parsed || parsed.items.length === 0) continue;
    paths.push(t.path);
    for (const item of parsed.items) items.set(idOf(kind, item.key), item);
    if (parsed.thresholdPct !== null) rule = { thresholdPct: parsed.thresholdPct, alpha: parsed.alpha };
  }
  if (items.size !== marker.count || fingerprintDigest(items.keys()) !== marker.digest) return null;
  return { kind, paths, items: [...items.values()], ...rule };
}

// ---------- the targeted re-run ----------

/** The stack a previous failure belongs to: same framework, the deepest folder holding its file (of chained segments, the one its re-run names). */
export function stackFor(test: PreviousTest, stacks: RunnableStack[]): RunnableStack | undefined {
  const deepest = deepestStack(stacks, test.framework, test.file);
  return deepest && segmentByRerun(deepest, stacks, test.rerun);
}

/**
 * One stack narrowed to the previously failing tests by its runner adapter (lib/runners/): their files and
 * exact names, pytest node ids, go `-run` patterns; terraform and crashed runners run whole.
 */
export function targetedStack(stack: RunnableStack, tests: PreviousTest[]): RunnableStack {
  if (stack.report) return stack; // a configured command that writes its own report takes no filters
  const command = adapterFor(stack.framework)?.targetCommand(stack, tests);
  return command ? { ...stack, id: `${stack.id}-targeted`, command } : stack;
}

// ---------- what the runs say ----------

export interface CaseResult {
  framework: Framework;
  fullName: string;
  file: string | null;
  status: CaseStatus;
  message: string;
}

export interface RunResults {
  cases: CaseResult[];
  /** Runs that wrote no readable report: each one line. */
  problems: string[];
  /** Set-up problems (lib/environment.ts: cannot start, no runner, a missing package): never the agent's. */
  environment?: string[];
  /** Failing cases that only lacked a package: judged as environment, not as the agent's failures. */
  environmentCases?: CaseResult[];
}

/** Every test case of every report of `runs`, its file mapped to the repository (parsers and location). */
export async function collectCaseResults(repoRoot: string, runs: RunsFile): Promise<RunResults> {
  const index = indexRepo(repoRoot, { fresh: true });
  const cases: CaseResult[] = [];
  const problems: string[] = [];
  const environment: string[] = [];
  const environmentCases: CaseResult[] = [];
  const isRepo = repoModules(repoRoot);
  for (const run of runs.runs) {
    if (run.reports.length === 0) {
      const how = run.signal ? `stopped by ${run.signal}` : `exit ${run.exitCode}`;
      const problem = classifyRun(run, { noReport: true, isRepo, repoRoot });
      if (problem) environment.push(`${run.stack.id}: ${problem.message}`);
      else problems.push(`${run.stack.id}: \`${run.argv.join(" ")}\` wrote no report (${how})`);
      continue;
    }
    // A failing case (or an unreadable report) accounts for a non-zero exit; without one the exit is a problem.
    let explained = false;
    for (const report of run.reports) {
      try {
        await parseReport(join(repoRoot, report), (c) => {
          const file = c.file ? (resolveRepoPath(c.file, index, { cwd: run.stack.cwd }) ?? repoRelative(c.file, repoRoot)) : null;
          // The stack that ran names the runner (a JUnit report says only "junit"); a suite that failed to
          // load is named by its file, as collectFailures names it.
          // bun's failing describe-level hook is named by its describe, as heal's record is.
          const fullName = c.file && c.fullName === c.file && file ? file : hookOwner(c.fullName);
          const result = { framework: run.stack.framework, fullName, file, status: c.status, message: c.message ?? "" };
          if (c.status === "failed" || c.status === "error") explained = true;
          const missing =
            c.status === "failed" || c.status === "error"
              ? missingPackages(`${result.message}\n${c.stack ?? ""}`, run.stack.framework, isRepo)
              : [];
          // A file the runner fails only for holding no test is the maintainer's set-up, as heal files it.
          if ((c.status === "failed" || c.status === "error") && holdsNoTest(result)) {
            environmentCases.push(result);
            environment.push(`${run.stack.id}: ${fullName} holds no test (${run.stack.framework} fails such a file)`);
          } else if (missing.length === 0) cases.push(result);
          else {
            environmentCases.push(result);
            environment.push(`${run.stack.id}: cannot import ${missing.join(", ")} (${fullName})`);
          }
        });
      } catch (err) {
        problems.push(`${report}: ${(err as Error).message.split("\n")[0]}`);
        explained = true;
      }
    }
    // As heal's runner record: a run that exits non-zero (a coverage threshold, an error outside any test) or is
    // stopped, while its report lists no failing test, is red; its passing tests never make the fix healed.
    // A stopped run (the timeout) is one even beside failing tests: the tests after the hung one never ran.
    if (run.signal !== null) problems.push(`${run.stack.id}: \`${run.argv.join(" ")}\` was stopped by ${run.signal} before it finished`);
    else if (!explained && run.exitCode !== 0)
      problems.push(
        `${run.stack.id}: \`${run.argv.join(" ")}\` exited ${run.exitCode}, but its report lists no failing test: read its output`,
      );
  }
  return { cases, problems, environment: [...new Set(environment)], environmentCases };
}

// ---------- the verdict ----------

export interface TestOutcome {
  test: PreviousTest;
  /** environment: it could not run for a set-up problem (a missing package), which is not the agent's. */
  status: "passed" | "failed" | "skipped" | "missing" | "environment";
  message: string;
}

export interface Verdict {
  healed: boolean;
  outcomes: TestOutcome[];
  /** Failing cases that were not failing before. */
  newFailures: CaseResult[];
  problems: string[];
  /** Set-up problems: the fix cannot be judged until they are installed; never counted as the agent's. */
  environment?: string[];
  summary: { total: number; passed: number; failed: number; skipped: number };
}

/** heal's record of a run that failed outside its tests (lib/failures/records.ts runnerRecord). */
const RUNNER_RECORD = /^\S+ \(runner (?:exited -?\d+|killed by [A-Z0-9]+)\)$/;

/** pytest's per-folder fixture module: it holds no test, so a fixed one leaves no case behind. */
const isConftest = (file: string | null) => file !== null && /(?:^|\/)conftest\.py$/.test(file);

function sameTest(t: PreviousTest, c: CaseResult): boolean {
  return c.framework === t.framework && c.fullName === t.fullName && (!t.file || !c.file || c.file === t.file);
}

const failed = (s: CaseStatus) => s === "failed" || s === "error";

/**
 * Healed only when each previously failing test ran and passed (a failure in any shard or retry counts),
 * no other test fails, and every run wrote a report.
 */
export function judge(previous: PreviousTest[], results: RunResults): Verdict {
  const outcomes: TestOutcome[] = previous.map((test) => {
    // A runner that crashed or exited non-zero before ("jest (runner exited 1)", whatever its framework) is
    // healed when every run now writes its report and exits 0 or names its failing tests.
    if (test.framework === "runner" || RUNNER_RECORD.test(test.fullName)) {
      return results.problems.length === 0
        ? { test, status: "passed", message: "" }
        : { test, status: "failed", message: results.problems.join("\n") };
    }
    // A file that could not load (named by its file) is judged by what its file holds now: its tests must run
    // and pass. A conftest.py holds none: it is fixed when it loads, i.e. when no error names it any more.
    const fileLevel = test.file !== null && test.fullName === test.file;
    const seen = results.cases.filter((c) => sameTest(test, c) || (fileLevel && c.file === test.file));
    if (fileLevel && seen.length === 0 && isConftest(test.file) && results.problems.length === 0)
      return { test, status: "passed", message: "" };
    // A describe block whose hook failed is judged by the tests under it, when it is not named itself any more.
    if (seen.length === 0 && test.kind === "error")
      seen.push(
        ...results.cases.filter(
          (c) =>
            c.fullName.startsWith(`${test.fullName} > `) &&
            c.framework === test.framework &&
            (!test.file || !c.file || c.file === test.file),
        ),
      );
    // A test that lacked a package, or whose file could not load one (named by its file).
    const blocked = (results.environmentCases ?? []).find(
      (c) => sameTest(test, c) || (c.file !== null && c.fullName === c.file && c.file === test.file),
    );
    if (blocked && seen.length === 0) return { test, status: "environment", message: blocked.message };
    const bad = seen.find((c) => failed(c.status));
    if (bad) return { test, status: "failed", message: bad.message };
    if (seen.some((c) => c.status === "passed")) return { test, status: "passed", message: "" };
    if (seen.length > 0) return { test, status: "skipped", message: "" };
    return { test, status: "missing", message: "" };
  });
  const keys = new Set<string>();
  const newFailures = results.cases.filter((c) => {
    if (!failed(c.status) || previous.some((t) => sameTest(t, c))) return false;
    const key = `${c.framework}|${c.file ?? ""}|${c.fullName}`;
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
  const summary = {
    total: results.cases.length,
    passed: results.cases.filter((c) => c.status === "passed").length,
    failed: results.cases.filter((c) => failed(c.status)).length,
    skipped: results.cases.filter((c) => c.status === "skipped").length,
  };
  const environment = results.environment ?? [];
  const healed =
    outcomes.every((o) => o.status === "passed") &&
    newFailures.length === 0 &&
    results.problems.length === 0 &&
    environment.length === 0 &&
    previous.length > 0;
  return { healed, outcomes, newFailures, problems: results.problems, environment, summary };
}

// ---------- the verdict on a finding (perf, audit) ----------

const findingTest = (kind: "perf" | "audit", item: FindingItem): PreviousTest => ({
  id: item.key,
  framework: kind,
  fullName: item.name,
  file: null,
  line: null,
});

/**
 * perf: each benchmark of the issue judged by lib/perf's own rule on this run's results (the rule that filed it).
 * Healed when none of them is a regression any more; one with no result now did not run, which is not healed.
 */
export function judgePerf(task: FindingTask, comparison: PerfVerdict): Verdict {
  const outcomes: TestOutcome[] = task.items.map((item) => {
    const test = findingTest("perf", item);
    const c = comparison.compared.find((x) => x.name === item.key);
    if (!c) return { test, status: "missing", message: "" };
    const message = `${formatNs(c.baselineNs)} → ${formatNs(c.currentNs)} (×${c.ratio.toFixed(2)}): ${c.reason}`;
    return { test, status: c.regression ? "failed" : "passed", message };
  });
  const regressed = comparison.regressions.length;
  return {
    healed: outcomes.length > 0 && outcomes.every((o) => o.status === "passed"),
    outcomes,
    newFailures: [],
    problems: [],
    environment: [],
    summary: { total: comparison.compared.length, passed: comparison.compared.length - regressed, failed: regressed, skipped: 0 },
  };
}

/**
 * audit: each advisory of the issue is fixed when the audit no longer reports it for that package; then the whole
 * suite (`suite`, null when it did not run) must pass as judge() asks of any fix: no failing test, every run read.
 */
export function judgeAudit(task: FindingTask, reported: Vulnerability[], suite: RunResults | null): Verdict {
  const now = new Map(reported.map((v) => [advisoryKey(v), v]));
  const outcomes: TestOutcome[] = task.items.map((item) => {
    const test = findingTest("audit", item);
    const v = now.get(item.key);
    if (!v) return { test, status: "passed", message: "" };
    const message = `${v.severity}, installed ${v.installed ?? "unknown"}, fixed in ${v.fixed ?? "none known"}: ${v.title}`;
    return { test, status: "failed", message };
  });
  const tests = suite ? judge([], suite) : null;
  const advisoriesGone = outcomes.length > 0 && outcomes.every((o) => o.status === "passed");
  return {
    healed:
      advisoriesGone &&
      tests !== null &&
      tests.newFailures.length === 0 &&
      tests.problems.length === 0 &&
      (tests.environment ?? []).length === 0,
    outcomes,
    newFailures: tests?.newFailures ?? [],
    problems: tests?.problems ?? [],
    environment: tests?.environment ?? [],
    summary: tests?.summary ?? { total: 0, passed: 0, failed: 0, skipped: 0 },
  };
}

/** The template variables of a finding's verdict (verify-perf.md, verify-audit.md); every untrusted string sanitized here. */
export function findingVerdictContext(verdict: Verdict, suiteRan: boolean) {
  const item = (o: TestOutcome) => ({
    name: untrusted(o.test.fullName),
    // One line: a reason or an advisory's title, never a code block.
    detail: untrusted(limitChars(o.message.split("\n")[0] ?? "", 300)).replace(/`/g, "'"),
  });
  const of = (status: TestOutcome["status"]) => listed(verdict.outcomes.filter((o) => o.status === status)).map(item);
  const tests = verdictContext(verdict, suiteRan);
  return {
    fixed: of("passed"),
    still_failing: of("failed"),
    missing: of("missing"),
    new_failures: tests.new_failures,
    problems: tests.problems,
    environment: tests.environment,
    summary: verdict.summary,
    suite_ran: suiteRan,
  };
}

// ---------- what the comments say ----------

function location(file: string | null, line: number | null): string {
  return file ? untrusted(`${file}${line ? `:${line}` : ""}`) : "(no file)";
}

function messageBlock(message: string): string {
  // limitBody redacts, then cuts on a code point, grapheme and mask boundary (never half a token).
  const cut = limitBody(redact(message).trim(), "… (cut)", MESSAGE_MAX_BYTES).trim();
  return cut ? codeBlock(untrusted(cut)) : "";
}

function listed<T>(items: T[]): T[] {
  return items.slice(0, LISTED_MAX);
}

/**
 * Not healed only for set-up problems (lib/environment.ts): every previously failing test passed or could not
 * run for one, nothing else fails, no other run is broken. Such a verification is not the agent's attempt.
 */
export function blockedByEnvironment(verdict: Verdict): boolean {
  return (
    !verdict.healed &&
    (verdict.environment?.length ?? 0) > 0 &&
    verdict.newFailures.length === 0 &&
    verdict.problems.length === 0 &&
    verdict.outcomes.every((o) => o.status === "passed" || o.status === "environment")
  );
}

/** The template variables of a verdict; every untrusted string is sanitized here. */
export function verdictContext(verdict: Verdict, suiteRan: boolean) {
  const of = (status: TestOutcome["status"]) => verdict.outcomes.filter((o) => o.status === status);
  const item = (o: TestOutcome) => ({
    name: untrusted(o.test.fullName),
    location: location(o.test.file, o.test.line),
    message: messageBlock(o.message),
  });
  return {
    tests: listed(of("passed")).map(item),
    still_failing: listed(of("failed")).map(item),
    missing: listed(of("missing")).map(item),
    skipped: listed(of("skipped")).map(item),
    new_failures: listed(verdict.newFailures).map((c) => ({
      name: untrusted(c.fullName),
      location: location(c.file, null),
      message: messageBlock(c.message),
    })),
    problems: listed(verdict.problems).map((p) => untrusted(p)),
    environment: listed(verdict.environment ?? []).map((e) => untrusted(e)),
    summary: verdict.summary,
    suite_ran: suiteRan,
  };
}

/** One line per previously failing test for the console: `✓ name`, `✗ name (missing)`. */
export function verdictLines(verdict: Verdict): string[] {
  const lines = verdict.outcomes.map((o) => `${o.status === "passed" ? "✓" : "✗"} ${o.test.fullName} (${o.status})`);
  for (const c of verdict.newFailures) lines.push(`✗ ${c.fullName} (new failure)`);
  for (const p of verdict.problems) lines.push(`✗ ${p}`);
  for (const e of verdict.environment ?? []) lines.push(`! ${e} (environment: not the agent's)`);
  return lines;
}
