// Renders the report, the healing issue and task-context strings from templates with liquidjs
// (a template language that cannot run code). A repo overrides any template in .agent/heal/templates/
// or through the config's `templates:`; strict mode makes a typo fail loudly, naming the template file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Liquid } from "liquidjs";
import type { HealConfig } from "./config.ts";
import { HealError } from "./errors.ts";
import { REPORT_FILES, TEMPLATE_OVERRIDE_DIR, TOOLKIT_ROOT } from "./paths.ts";
import { codeBlock, limitBody, limitTitle, untrusted } from "./sanitize.ts";
import type { FailureRecord, FailureReport, RunsFile } from "./types.ts";

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
  kind: "failure" | "error";
  test: string;
  file: string | null;
  line: number | null;
  /** `file:line`, `file`, or `(no file)`. */
  location: string;
  /** First non-empty line of the message, at most 300 characters. */
  message_line: string;
  message: string;
  /** The message as a fenced code block ("" when empty). */
  message_block: string;
  /** The trimmed stack as a fenced code block ("" when empty). */
  stack: string;
  attempts: number;
  /** A shell command re-running just this test, as a fenced `sh` block ("" when none is known). */
  rerun: string;
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
  coverage_threshold: number;
  labels: string[];
  all_passed: boolean;
  failure_count: number;
  summary: { total: number; passed: number; failed: number; skipped: number; errors: number; flaky: number };
  failures: TemplateFailure[];
  flaky: { test: string; file: string | null; framework: string; attempts: number }[];
  report_errors: string[];
  runs: { stack: string; framework: string; cwd: string; command: string; exit: string; duration_s: string; reports: string }[];
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
}

function firstLine(text: string): string {
  const line =
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  const chars = [...line];
  return chars.length > MESSAGE_LINE_MAX ? `${chars.slice(0, MESSAGE_LINE_MAX - 1).join("")}…` : line;
}

const u = (v: string | null | undefined) => (v == null ? null : untrusted(v));
/** Inline values (names, paths) stay on one line: a newline in a test name must not start Markdown blocks. */
const oneLine = (v: string) => untrusted(v).replace(/\s*[\r\n]+\s*/g, " ");

/** Builds the template context: every value that came from test output goes through untrusted() here. */
export function buildTemplateContext(input: ContextInput): TemplateContext {
  const { report, config } = input;
  const failures = report.failures.map((f): TemplateFailure => {
    const file = f.file == null ? null : oneLine(f.file);
    const message = untrusted(f.message ?? "");
    const rerun = input.rerun?.(f) ?? null;
    return {
      id: f.id,
      framework: f.framework,
      kind: f.kind,
      test: oneLine(f.fullName),
      file,
      line: f.line,
      location: file ? (f.line ? `${file}:${f.line}` : file) : "(no file)",
      message_line: firstLine(message),
      message,
      message_block: message.trim() ? codeBlock(message) : "",
      stack: f.stack?.trim() ? codeBlock(untrusted(f.stack.trimEnd())) : "",
      attempts: f.attempts ?? 1,
      rerun: rerun ? codeBlock(untrusted(rerun), "sh") : "",
    };
  });
  const s = report.summary;
  return {
    repository: u(report.repository),
    branch: oneLine(input.branch),
    commit: u(report.commit),
    commit_short: report.commit ? untrusted(report.commit.slice(0, 7)) : null,
    run_url: u(report.runUrl),
    mention: config.agent.mention,
    task_path: input.taskPath ?? null,
    task_id: input.taskId ?? null,
    report_path: `${config.reportsDir}/${REPORT_FILES.report}`,
    reports_dir: config.reportsDir,
    coverage_threshold: config.coverage.threshold,
    labels: config.labels.healing,
    all_passed: report.failures.length === 0,
    failure_count: report.failures.length,
    summary: { total: s.total, passed: s.passed, failed: s.failed, skipped: s.skipped, errors: s.errors, flaky: s.flaky ?? 0 },
    failures,
    flaky: (report.flaky ?? []).map((f) => ({
      test: oneLine(f.fullName),
      file: f.file == null ? null : oneLine(f.file),
      framework: f.framework,
      attempts: f.attempts,
    })),
    report_errors: (report.reportErrors ?? []).map((e) => untrusted(e)),
    runs: (input.runs?.runs ?? []).map((r) => ({
      stack: untrusted(r.stack.id),
      framework: r.stack.framework,
      cwd: untrusted(r.stack.cwd),
      command: untrusted(r.stack.command.join(" ")),
      exit: r.signal ? `signal ${r.signal}` : String(r.exitCode),
      duration_s: (r.durationMs / 1000).toFixed(1),
      reports: untrusted(r.reports.join(", ") || "none"),
    })),
  };
}

export interface RenderedIssue {
  title: string;
  body: string;
  labels: string[];
}

/** The healing issue exactly as it would be filed: title and body within GitHub's limits. */
export function renderIssue(context: TemplateContext, repoRoot: string, config: HealConfig): RenderedIssue {
  const title = limitTitle(renderTemplate("issue-title.liquid", context, repoRoot, config).trim());
  const raw = renderTemplate("issue.md", context, repoRoot, config).trim();
  const where = context.run_url
    ? `the \`${context.reports_dir}\` artifact of [the workflow run](${context.run_url})`
    : `\`${context.report_path}\``;
  const notice = `> [!NOTE]\n> This issue was cut to GitHub's size limit. Every failure is in ${context.report_path.split("/").pop()}, in ${where}.`;
  return { title, body: limitBody(`${raw}\n`, notice), labels: [...config.labels.healing] };
}

/** report.md for people: every failure with its stack and re-run command. */
export function renderReport(context: TemplateContext, repoRoot: string, config: HealConfig): string {
  return `${renderTemplate("report.md", context, repoRoot, config).trim()}\n`;
}
