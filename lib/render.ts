// Renders the report, the healing issue and task-context strings from templates with liquidjs
// (a template language that cannot run code). A repo overrides any template in .agent/heal/templates/
// or through the config's `templates:`; strict mode makes a typo fail loudly, naming the template file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Liquid } from "liquidjs";
import type { HealConfig } from "./config.ts";
import { HealError } from "./errors.ts";
import { REPORT_FILES, TEMPLATE_OVERRIDE_DIR, TOOLKIT_ROOT } from "./paths.ts";
import { buildMarker, markerData } from "./marker.ts";
import { redact } from "./redact.ts";
import { firstMessageLine, groupRootCauses } from "./root-causes.ts";
import { byteLength, codeBlockFromRaw, inlineCodeFromRaw, limitBody, limitTitle, MAX_BODY_BYTES, untrustedProse } from "./sanitize.ts";
import { shellLine } from "./test-selection.ts";
import type { FailureRecord, FailureReport, RunsFile } from "./types.ts";
import { agentFailures, ENVIRONMENT_LABEL } from "./environment.ts";

/** Every template a repo can override (templates/README.md documents their variables). */
export const TEMPLATE_NAMES = [
  "report.md",
  "issue.md",
  "issue-title.liquid",
  "task.yaml",
  "coverage-issue.md",
  "coverage-issue-title.liquid",
  "verify-pass.md",
  "verify-fail.md",
  "verify-needs-human.md",
  "verify-perf.md",
  "verify-audit.md",
  "handoff.md",
  "handoff-coverage.md",
  "handoff-note.md",
  "retry-request.md",
  "retry-notice.md",
  "issue-update.md",
  "issue-close.md",
  "coverage-close.md",
  "task-link.md",
  "cut-notice.md",
  "perf-issue.md",
  "perf-issue-title.liquid",
  "perf-update.md",
  "perf-close.md",
  "audit-issue.md",
  "audit-issue-title.liquid",
  "audit-update.md",
  "audit-close.md",
  "test-quality-issue.md",
  "test-quality-issue-title.liquid",
  "test-quality-close.md",
  "handoff-test-quality.md",
  "failure-summary.md",
  "issue-summary.md",
  "task-context-summary.md",
  "handoff-summary.md",
  "issue-close-merged.md",
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

const TOOLKIT_TEMPLATES = join(TOOLKIT_ROOT, "templates");
const MESSAGE_LINE_MAX = 300;

export interface ResolvedTemplate {
  /** Absolute path of the file used. */
  path: string;
  /** How errors name it: repo-relative for overrides, `templates/<name>` for the toolkit's. */
  display: string;
  text: string;
}

/** The config's override, else `.agent/heal/templates/<name>`, else the toolkit's `templates/<name>`. */
export function resolveTemplate(name: TemplateName, repoRoot: string, config: Pick<HealConfig, "templates">): ResolvedTemplate {
  const configured = config.templates[name];
  const candidates: { path: string; display: string; required: boolean }[] = [];
  if (configured) candidates.push({ path: join(repoRoot, configured), display: configured, required: true });
  candidates.push({ path: join(repoRoot, TEMPLATE_OVERRIDE_DIR, name), display: `${TEMPLATE_OVERRIDE_DIR}/${name}`, required: false });
  candidates.push({ path: join(TOOLKIT_TEMPLATES, name), display: `templates/${name}`, required: true });
  for (const c of candidates) {
    if (existsSync(c.path)) {
      try {
        return { path: c.path, display: c.display, text: readFileSync(c.path, "utf8") };
      } catch (err) {
        throw new HealError("TEMPLATE_INVALID", `cannot read it: ${(err as Error).message}`, c.display);
      }
    }
    if (c.required) throw new HealError("TEMPLATE_INVALID", "the file does not exist", c.display);
  }
  throw new HealError("TEMPLATE_INVALID", "no template found", `templates/${name}`);
}

function engine(repoRoot: string): Liquid {
  return new Liquid({
    root: [join(repoRoot, TEMPLATE_OVERRIDE_DIR), TOOLKIT_TEMPLATES],
    extname: "",
    strictFilters: true,
    strictVariables: true,
    // Only the data we put in the context is reachable: no prototype walking.
    ownPropertyOnly: true,
    cache: false,
  });
}

function templateError(err: unknown, display: string): HealError {
  const msg = (err as Error).message?.split("\n")[0] ?? String(err);
  return new HealError("TEMPLATE_INVALID", msg, display);
}

/** Renders a liquid string; `display` names it in errors. Used for scalars inside task.yaml too. */
export function renderString(text: string, context: object, display: string, repoRoot = process.cwd()): string {
  const liquid = engine(repoRoot);
  try {
    return liquid.parseAndRenderSync(text, context) as string;
  } catch (err) {
    throw templateError(err, display);
  }
}

/** Renders template `name` for `repoRoot` with `context` (whose untrusted values are already sanitized). */
export function renderTemplate(name: TemplateName, context: object, repoRoot: string, config: Pick<HealConfig, "templates">): string {
  const t = resolveTemplate(name, repoRoot, config);
  return renderString(t.text, context, t.display, repoRoot);
}

// ---------- the context every template gets ----------

export interface TemplateFailure {
  id: string;
  framework: string;
  kind: FailureRecord["kind"];
  test: string;
  file: string | null;
  line: number | null;
  /** `file:line`, `file`, or `(no file)`. */
  location: string;
  /** First non-empty line of the message, at most 300 characters. */
  message_line: string;
  /** message_line, then the assertion's Expected/Received lines, each on its own line as inline code. */
  error: string;
  message: string;
  /** The message as a fenced code block ("" when empty). */
  message_block: string;
  /** The trimmed stack as a fenced code block ("" when empty). */
  stack: string;
  attempts: number;
  /** A shell command re-running just this test, as a fenced `sh` block ("" when none is known). */
  rerun: string;
}

/** Failures that share a root cause: same normalised message at the same innermost repository frame. */
export interface TemplateRootCause {
  /** How many failing tests share it. */
  count: number;
  /** The first member's first message line, as inline code. */
  message: string;
  /** `file:line` of the innermost repository frame. */
  location: string;
  /** The first member's error (as TemplateFailure.error) when it has Expected/Received lines, else "". */
  error: string;
  /** The first member's stack as a fenced code block ("" when empty). */
  stack: string;
  /** Names of the failing tests listed (in the issue: as many as fit). */
  tests: string[];
  /** Members not named in `tests` (0 unless the issue had to be shortened). */
  unlisted: number;
  failures: TemplateFailure[];
}

/** One stack's environment failure (lib/environment.ts): what to install, and what could not run. */
export interface TemplateEnvironment {
  /** The stack's id. */
  stack: string;
  framework: string;
  /** What is wrong and what to install (one line). */
  message: string;
  /** The tests that could not run and the runner's output, as a fenced code block ("" when none). */
  detail: string;
}

export interface TemplateContext {
  repository: string | null;
  branch: string;
  commit: string | null;
  commit_short: string | null;
  run_url: string | null;
  mention: string;
  task_path: string | null;
  task_id: string | null;
  report_path: string;
  reports_dir: string;
  /** Where every failure is listed in full (Markdown): report.md in the run's artifact, or its path. */
  full_list: string;
  coverage_threshold: number;
  labels: string[];
  all_passed: boolean;
  failure_count: number;
  summary: { total: number; passed: number; failed: number; skipped: number; errors: number; flaky: number; environment: number };
  failures: TemplateFailure[];
  /** Stacks that could not start or import their dependencies (kind environment), or null when none: not in `failures`. */
  environment: TemplateEnvironment[] | null;
  /** Groups of at least two failures with one root cause, largest first. */
  root_causes: TemplateRootCause[];
  /** Failures in no group, in failures.json order. */
  other_failures: TemplateFailure[];
  /** Failing tests neither listed nor counted in a listed group's `unlisted` (0 unless the issue was shortened). */
  other_unlisted: number;
  /** Failing tests the issue does not name (0 unless it had to be shortened to GitHub's limit). */
  unlisted_count: number;
  /** True when the issue leaves stack traces out to stay within GitHub's limit. */
  brief: boolean;
  flaky: { test: string; file: string | null; framework: string; attempts: number }[];
  report_errors: string[];
  runs: { stack: string; framework: string; cwd: string; command: string; exit: string; duration_s: string; reports: string }[];
  /** heal:prepare's steps before the runs (runs.json `prepare`), or null when it did not run. */
  prepare: {
    source: string;
    duration_s: string;
    steps: { cwd: string; tool: string; status: string; command: string; duration_s: string; reason: string }[];
  } | null;
}

export interface ContextInput {
  report: FailureReport;
  config: HealConfig;
  branch: string;
  runs?: RunsFile | null;
  taskPath?: string | null;
  taskId?: string | null;
  /** Re-run command of a failure (from task-context.ts), or null. */
  rerun?: (f: FailureRecord) => string | null;
  /** The repository, to map stack frames to its files when grouping root causes (else compared as written). */
  repoRoot?: string | null;
}

/** At most MESSAGE_LINE_MAX code points, ending in `…` when cut. */
function clipLine(line: string): string {
  const chars = [...line];
  return chars.length > MESSAGE_LINE_MAX ? `${chars.slice(0, MESSAGE_LINE_MAX - 1).join("")}…` : line;
}

/** The first non-empty line of raw text, redacted (whole text first, so no cut shows half a token), clipped. */
function firstLine(raw: string): string {
  return clipLine(firstMessageLine(redact(raw)));
}

const EXPECTED_RECEIVED = /^(?:Expected|Received|Actual)\b[^:\n]{0,40}:/i;
const DIFF_HEADER = /^[-+]\s*(?:Expected|Received|Actual)\b/i;
const MAX_ASSERTION_LINES = 6;

/**
 * The assertion's Expected/Received lines after the message's first line: `Expected: 4`, `Received: 3`,
 * a diff header (`- Expected`, `+ Received`) with its first removed and added line, or the line after a
 * first line ending in `:` (node's assert).
 */
export function assertionLines(raw: string): string[] {
  const lines = redact(raw.slice(0, 64 * 1024)).split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first === -1) return [];
  const rest = lines.slice(first + 1, first + 201).map((l) => l.trim());
  const out: string[] = [];
  if (lines[first]!.trim().endsWith(":")) {
    const next = rest.find((l) => l !== "");
    if (next) out.push(next);
  }
  let header = false;
  const took = new Set<string>();
  for (const line of rest) {
    if (out.length >= MAX_ASSERTION_LINES) break;
    if (EXPECTED_RECEIVED.test(line) || DIFF_HEADER.test(line)) {
      header ||= DIFF_HEADER.test(line);
      if (!out.includes(line)) out.push(line);
    } else if (header && /^[-+] /.test(line) && !took.has(line[0]!)) {
      took.add(line[0]!);
      out.push(line);
    }
  }
  return out.map(clipLine);
}

/** Inline values (names, paths) stay on one line: a newline in a test name must not start Markdown blocks. */
const oneLine = (v: string) => untrustedProse(redact(v).replace(/\s*[\r\n]+\s*/g, " "));
const cell = (v: string) => v.replace(/\|/g, "\\|");
const prose = (v: string | null | undefined) => (v == null ? null : untrustedProse(v));

/** Builds the template context: every value that came from test output is sanitized here. */
export function buildTemplateContext(input: ContextInput): TemplateContext {
  const { config } = input;
  // Environment records are for people (their own section and label), never in the list of failing tests.
  const environment = input.report.failures.filter((f) => f.kind === "environment");
  const report = environment.length > 0 ? { ...input.report, failures: agentFailures(input.report.failures) } : input.report;
  const mention = config.agent.mention;
  const byRecord = new Map<FailureRecord, TemplateFailure>();
  const failures = report.failures.map((f): TemplateFailure => {
    const file = f.file == null ? null : oneLine(f.file);
    const raw = f.message ?? "";
    const rerun = input.rerun?.(f) ?? null;
    const messageLine = untrustedProse(firstLine(raw));
    const t: TemplateFailure = {
      id: f.id,
      framework: f.framework,
      kind: f.kind,
      test: oneLine(f.fullName),
      file,
      line: f.line,
      location: file ? (f.line ? `${file}:${f.line}` : file) : "(no file)",
      message_line: messageLine,
      error: [messageLine, ...assertionLines(raw).map((l) => inlineCodeFromRaw(l, { mention }))].join("\n"),
      message: untrustedProse(raw),
      message_block: raw.trim() ? codeBlockFromRaw(raw, { mention }) : "",
      stack: f.stack?.trim() ? codeBlockFromRaw(f.stack.trimEnd(), { mention }) : "",
      attempts: f.attempts ?? 1,
      rerun: rerun ? codeBlockFromRaw(rerun, { lang: "sh", mention }) : "",
    };
    byRecord.set(f, t);
    return t;
  });
  const grouping = groupRootCauses(report.failures, { repoRoot: input.repoRoot });
  const rootCauses = grouping.groups.map((g): TemplateRootCause => {
    const members = g.failures.map((f) => byRecord.get(f)!);
    return {
      count: members.length,
      message: inlineCodeFromRaw(clipLine(firstMessageLine(redact(g.failures[0]!.message ?? ""))), { mention }),
      location: oneLine(g.location),
      // The heading already shows the first line: the error adds only Expected/Received lines.
      error: members[0]!.error.includes("\n") ? members[0]!.error : "",
      stack: members[0]!.stack,
      tests: members.map((m) => m.test),
      unlisted: 0,
      failures: members,
    };
  });
  const s = report.summary;
  const reportPath = `${config.reportsDir}/${REPORT_FILES.report}`;
  const runUrl = prose(report.runUrl);
  return {
    repository: prose(report.repository),
    branch: oneLine(input.branch),
    commit: prose(report.commit),
    commit_short: report.commit ? untrustedProse(report.commit.slice(0, 7)) : null,
    run_url: runUrl,
    mention,
    task_path: input.taskPath ?? null,
    task_id: input.taskId ?? null,
    report_path: reportPath,
    reports_dir: config.reportsDir,
    full_list: runUrl
      ? `\`${REPORT_FILES.report}\` in the \`${config.reportsDir}\` artifact of [the workflow run](${runUrl})`
      : `\`${reportPath}\``,
    coverage_threshold: config.coverage.threshold,
    labels: environment.length > 0 ? [...config.labels.healing, ENVIRONMENT_LABEL] : config.labels.healing,
    all_passed: report.failures.length === 0 && environment.length === 0,
    failure_count: report.failures.length,
    summary: {
      total: s.total,
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      errors: s.errors,
      flaky: s.flaky ?? 0,
      environment: s.environment ?? 0,
    },
    failures,
    environment:
      environment.length > 0
        ? environment.map((f) => ({
            stack: oneLine(f.fullName.replace(/ \(environment\)$/, "")),
            framework: f.framework,
            message: untrustedProse(f.message),
            detail: f.stack?.trim() ? codeBlockFromRaw(f.stack.trimEnd(), { mention }) : "",
          }))
        : null,
    root_causes: rootCauses,
    other_failures: grouping.rest.map((f) => byRecord.get(f)!),
    other_unlisted: 0,
    unlisted_count: 0,
    brief: false,
    flaky: (report.flaky ?? []).map((f) => ({
      test: oneLine(f.fullName),
      file: f.file == null ? null : oneLine(f.file),
      framework: f.framework,
      attempts: f.attempts,
    })),
    report_errors: (report.reportErrors ?? []).map((e) => untrustedProse(e)),
    // Table cells: a `|` would end the cell, even inside a code span.
    runs: (input.runs?.runs ?? []).map((r) => ({
      stack: cell(oneLine(r.stack.id)),
      framework: r.stack.framework,
      cwd: cell(oneLine(r.stack.cwd)),
      command: cell(inlineCodeFromRaw(r.stack.command.join(" "), { mention })),
      exit: r.signal ? `signal ${r.signal}` : String(r.exitCode),
      duration_s: (r.durationMs / 1000).toFixed(1),
      reports: cell(oneLine(r.reports.join(", ") || "none")),
    })),
    prepare: input.runs?.prepare
      ? {
          source: input.runs.prepare.source,
          duration_s: (input.runs.prepare.durationMs / 1000).toFixed(1),
          steps: input.runs.prepare.steps.map((p) => ({
            cwd: cell(oneLine(p.cwd)),
            tool: p.tool,
            status: p.status,
            command: cell(inlineCodeFromRaw(shellLine(p.commands) || "(none)", { mention })),
            duration_s: (p.durationMs / 1000).toFixed(1),
            reason: cell(oneLine(p.reason)),
          })),
        }
      : null,
  };
}

export interface RenderedIssue {
  title: string;
  body: string;
  labels: string[];
}

/** What the GitHub step adds to the body (its marker and the task link line), so it never has to cut the body. */
export function issueReserveBytes(context: TemplateContext): number {
  const marker = buildMarker(
    markerData({
      kind: "healing",
      branch: context.branch,
      fingerprints: context.failures.map((f) => f.id),
      run: { id: "9".repeat(20), attempt: "999" },
    }),
  );
  return byteLength(marker) + 2 + 1024 + 256;
}

/**
 * How many names each list gets out of `named`: an equal share each (each group, and the other failures as one
 * list), a short list's unused share going to the longer ones; the first lists get the remainder.
 */
export function shareNames(lengths: number[], named: number): number[] {
  const total = lengths.reduce((n, l) => n + l, 0);
  if (named >= total) return [...lengths];
  let lo = 0;
  let hi = Math.max(0, ...lengths);
  // The largest per-list cap t with sum(min(length, t)) <= named.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lengths.reduce((n, l) => n + Math.min(l, mid), 0) <= named) lo = mid;
    else hi = mid - 1;
  }
  const shares = lengths.map((l) => Math.min(l, lo));
  let left = named - shares.reduce((n, x) => n + x, 0);
  for (let i = 0; i < shares.length && left > 0; i++) {
    if (lengths[i]! > shares[i]!) {
      shares[i]!++;
      left--;
    }
  }
  return shares;
}

/**
 * The context with at most `named` failing tests named, shared fairly between the groups and the other
 * failures. A group that gets no name is left out; its tests count in `other_unlisted`.
 */
function shortened(context: TemplateContext, named: number): TemplateContext {
  const shares = shareNames([...context.root_causes.map((g) => g.tests.length), context.other_failures.length], named);
  const root_causes: TemplateRootCause[] = [];
  let dropped = 0;
  context.root_causes.forEach((g, i) => {
    const take = shares[i]!;
    if (take === 0) dropped += g.count;
    else root_causes.push({ ...g, tests: g.tests.slice(0, take), unlisted: g.count - take });
  });
  const take = shares[shares.length - 1]!;
  return {
    ...context,
    brief: true,
    root_causes,
    other_failures: context.other_failures.slice(0, take),
    other_unlisted: context.other_failures.length - take + dropped,
    unlisted_count: context.failure_count - Math.min(named, context.failure_count),
  };
}

/**
 * The healing issue exactly as it would be filed: title and body within GitHub's limits. A body that
 * would not fit leaves out stack traces, then names as many failing tests as fit (shared between groups and
 * the other failures; groups first) and
 * says where the full list is; limitBody is the last guard. `maxBytes` defaults to GitHub's limit
 * less what the GitHub step adds (issueReserveBytes).
 */
export function renderIssue(
  context: TemplateContext,
  repoRoot: string,
  config: HealConfig,
  opts: { maxBytes?: number } = {},
): RenderedIssue {
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES - issueReserveBytes(context);
  const title = limitTitle(renderTemplate("issue-title.liquid", context, repoRoot, config).trim());
  const render = (ctx: TemplateContext) => `${renderTemplate("issue.md", ctx, repoRoot, config).trim()}\n`;
  const fits = (text: string) => byteLength(redact(text)) <= maxBytes;
  // Lower bounds of the rendered size, to skip renders that cannot fit (thousands of failures).
  const named = [...context.root_causes.flatMap((g) => g.tests), ...context.other_failures.map((f) => f.test)];
  let upTo = 0;
  for (let bytes = 0; upTo < named.length; upTo++) {
    bytes += byteLength(named[upTo]!) + 3;
    if (bytes > maxBytes) break;
  }
  const stackBytes = context.failures.reduce((n, f) => n + f.stack.length, 0);
  let raw = upTo === named.length && stackBytes <= maxBytes ? render(context) : null;
  if (raw === null || !fits(raw)) {
    const total = context.failure_count;
    raw = upTo === named.length ? render(shortened(context, total)) : null;
    if (raw === null || !fits(raw)) {
      // The largest number of named tests that fits (rendered size grows with it).
      let lo = 0;
      let hi = Math.min(total - 1, upTo);
      let best = render(shortened(context, 0));
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const candidate = render(shortened(context, mid));
        if (fits(candidate)) {
          best = candidate;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      raw = best;
    }
  }
  const where = context.run_url
    ? `the \`${context.reports_dir}\` artifact of [the workflow run](${context.run_url})`
    : `\`${context.report_path}\``;
  const file = context.report_path.split("/").pop();
  const notice = renderTemplate("cut-notice.md", { kind: "issue", file, where }, repoRoot, config).trim();
  return { title, body: limitBody(raw, notice, maxBytes), labels: [...context.labels] };
}

/** report.md for people: every failure with its stack and re-run command. */
export function renderReport(context: TemplateContext, repoRoot: string, config: HealConfig): string {
  return `${renderTemplate("report.md", context, repoRoot, config).trim()}\n`;
}
