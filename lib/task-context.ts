// The agent's task context: `<tasks_dir>/fix-<task-id>.yaml`, built with the yaml Document API from
// templates/task.yaml (static parts a maintainer edits) plus the failures. Deterministic: the same
// failures on the same branch give the same bytes (no timestamps, stable order, stable id). Messages and
// stacks keep every value as printed (secrets masked), so the bytes change when those values change; the
// task id, made of fingerprints, does not.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, posix, resolve, sep } from "node:path";
import { isMap, isScalar, parseDocument, Scalar, visit, YAMLMap, YAMLSeq } from "yaml";
import type { HealConfig } from "./config.ts";
import { HealError } from "./errors.ts";
import { redact } from "./redact.ts";
import { renderString, resolveTemplate } from "./render.ts";
import { firstMessageLine, groupRootCauses } from "./root-causes.ts";
import { parseYamlSafeDocument, readYamlFile } from "./safe-yaml.ts";
import { adapterFor } from "./runners/registry.ts";
import { segmentByReport } from "./runners/segment-of.ts";
import { deepestStack, escapeRegex, relToStack, shellQuote } from "./test-selection.ts";
import type { FailureRecord, FailureReport, RunsFile, Stack } from "./types.ts";

const TASK_FILE_MAX_BYTES = 1024 * 1024;
const SOURCE_MAX_BYTES = 2 * 1024 * 1024;
const SOURCE_BEFORE = 5;
const SOURCE_AFTER = 3;
const TEXT_MAX_CHARS = 4000;
/** Keys the tool owns: whatever the template says for them is replaced. */
const TOOL_KEYS = ["id", "auto_generated", "branch", "github_issue", "root_causes", "test_failures"] as const;

/** Lowercase, filename-safe, at most 40 characters: `feature/Login UI` -> `feature-login-ui`. */
export function branchSlug(branch: string): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 40)
    .replace(/[-.]+$/, "");
  return slug || "branch";
}

/** `test-failures-<branch-slug>-<8 hex of the sorted failure ids>`: same failures, same id. */
export function taskIdFor(branch: string, failureIds: string[]): string {
  const digest = createHash("sha256")
    .update([...failureIds].sort().join("\n"))
    .digest("hex")
    .slice(0, 8);
  return `test-failures-${branchSlug(branch)}-${digest}`;
}

export function taskFileName(taskId: string): string {
  return `fix-${taskId}.yaml`;
}

export { shellQuote } from "./test-selection.ts";

/** The stack a failure came from: same framework, the deepest folder that holds its file (of chained segments, the one whose report names it). */
export function stackOf(f: FailureRecord, runs: RunsFile | null | undefined, repoRoot?: string): Stack | undefined {
  // A runner record is named after its stack: "<stack id> (runner exited 1)".
  const stacks = (runs?.runs ?? []).map((r) => r.stack);
  const named = stacks.find((s) => f.file === null && f.fullName.startsWith(`${s.id} (`));
  const deepest = deepestStack(stacks, f.framework, f.file);
  return named ?? (deepest && segmentByReport(deepest, runs?.runs ?? [], f.file, repoRoot));
}

/** A stack's command words as a shell string; an absolute path inside the repo becomes relative to the stack folder. */
function commandText(stack: Stack, words: string[], repoRoot: string | undefined): string {
  return words
    .map((w) => {
      if (!repoRoot || !w.startsWith("/") || posix.relative(repoRoot, w).startsWith("..")) return w;
      return posix.relative(posix.join(repoRoot, stack.cwd), w); // has a "/", so the shell takes it as a path
    })
    .map(shellQuote)
    .join(" ");
}

/**
 * A shell command, run from the repo root, that re-runs just this failure: its runner adapter's
 * (lib/runners/), whose name filters are anchored so similar names do not run too.
 */
export function rerunCommand(f: FailureRecord, stack?: Stack, repoRoot?: string): string | null {
  const cwd = stack?.cwd ?? ".";
  const prefix = cwd === "." ? "" : `cd ${shellQuote(cwd)} && `;
  const adapter = f.framework === "runner" ? undefined : adapterFor(f.framework);
  const own = adapter?.rerunOne({
    failure: f,
    ...(stack ? { stack } : {}),
    cwd,
    prefix,
    file: f.file ? relToStack(cwd, f.file) : null,
    shell: (words) => (stack ? commandText(stack, words, repoRoot) : words.map(shellQuote).join(" ")),
  });
  if (own) return own;
  // A runner that crashed, or a failure no filter can select (no file): the whole stack.
  if (f.framework !== "runner" && !adapter && f.file !== null) return null;
  return stack ? `${prefix}${commandText(stack, stack.command, repoRoot)}` : null;
}

/** Lines around `line` of a repo file, numbered, the failing line marked with `>`; null when unreadable. */
export function sourceExcerpt(repoRoot: string, file: string | null, line: number | null): string | null {
  if (!file || !line || line < 1) return null;
  const root = resolve(repoRoot);
  const abs = resolve(root, file);
  if (!abs.startsWith(root + sep)) return null; // never read outside the repository
  try {
    const st = statSync(abs);
    if (!st.isFile() || st.size > SOURCE_MAX_BYTES) return null;
    const lines = readFileSync(abs, "utf8").split(/\r?\n/);
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop(); // the final newline ends a line, it starts none
    if (line > lines.length) return null;
    const from = Math.max(1, line - SOURCE_BEFORE);
    const to = Math.min(lines.length, line + SOURCE_AFTER);
    const width = String(to).length;
    const out: string[] = [];
    for (let n = from; n <= to; n++) {
      out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]!.replace(/\t/g, "  ").trimEnd()}`);
    }
    return redact(out.join("\n"));
  } catch {
    return null;
  }
}

const CLIP_TAIL_CHARS = 1000;

/** Head and tail of a long text (the tail holds a stack's outermost frames and a runner's summary). */
function clip(text: string): string {
  if (text.length <= TEXT_MAX_CHARS) return text;
  const head = text.slice(0, TEXT_MAX_CHARS - CLIP_TAIL_CHARS);
  const tail = text.slice(text.length - CLIP_TAIL_CHARS);
  return `${head}\n… (${text.length - head.length - tail.length} characters cut here; the full text is in report.md) …\n${tail}`;
}

/**
 * A string from test output as a YAML scalar that reads back unchanged under YAML 1.2 and 1.1 readers
 * (PyYAML reads a plain `yes` as true): one line -> double-quoted; several -> a `|` block, which shows
 * messages and source as they are; line separators YAML 1.1 treats as breaks -> double-quoted.
 */
function textNode(text: string): Scalar {
  const s = new Scalar((text as string & { toWellFormed(): string }).toWellFormed());
  s.type =
    text.includes("\n") && !/[\u0085\u2028\u2029\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)
      ? Scalar.BLOCK_LITERAL
      : Scalar.QUOTE_DOUBLE;
  return s;
}

const nullableText = (text: string | null) => (text === null ? null : textNode(text));

/** Failures in a stable order, whatever order the reports listed them in. */
export function sortFailures(failures: FailureRecord[]): FailureRecord[] {
  const key = (f: FailureRecord) => [f.file ?? "\uffff", String(f.line ?? 0).padStart(9, "0"), f.fullName, f.id].join("\u0000");
  return [...failures].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface TaskContextInput {
  report: FailureReport;
  config: HealConfig;
  repoRoot: string;
  branch: string;
  runs?: RunsFile | null;
  /** `owner/repo#N` once the issue exists; null in local mode. */
  githubIssue?: string | null;
}

export interface TaskFile {
  /** `test-failures-<slug>-<hex>`; the YAML's `id` is `fix-<taskId>` like its file name. */
  taskId: string;
  /** Repo-relative POSIX path. */
  path: string;
  text: string;
}

/** Builds the task YAML text (does not write it). */
export function buildTaskFile(input: TaskContextInput): TaskFile {
  const { report, config, repoRoot, branch } = input;
  const failures = sortFailures(report.failures);
  const taskId = taskIdFor(
    branch,
    failures.map((f) => f.id),
  );
  const path = posix.join(config.tasksDir, taskFileName(taskId));

  const template = resolveTemplate("task.yaml", repoRoot, config);
  const doc = parseDocument(template.text, { customTags: [], uniqueKeys: true });
  if (doc.errors.length > 0) throw new HealError("TEMPLATE_INVALID", doc.errors[0]!.message.split("\n")[0]!, template.display);
  if (!isMap(doc.contents)) throw new HealError("TEMPLATE_INVALID", "the template must be a YAML mapping", template.display);

  // Liquid only inside string values: the YAML structure comes from the template, never from rendering.
  const liquidContext = {
    branch: redact(branch),
    repository: report.repository ? redact(report.repository) : null,
    coverage_threshold: config.coverage.threshold,
    failure_count: failures.length,
    mention: config.agent.mention,
    task_id: taskId,
    task_path: path,
  };
  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !/\{\{|\{%/.test(node.value)) return;
      node.value = renderString(node.value, liquidContext, template.display, repoRoot);
    },
  });

  const testFailures = failures.map((f) => {
    const m = new YAMLMap();
    const stack = stackOf(f, input.runs, repoRoot);
    m.set("id", f.id);
    m.set("test", textNode(redact(f.fullName)));
    m.set("framework", f.framework);
    m.set("kind", f.kind);
    m.set("file", nullableText(f.file));
    m.set("line", f.line);
    // Values as the runner printed them (secrets masked): volatile ones are normalised only in the fingerprint.
    m.set("message", textNode(clip(redact(f.message ?? "").trimEnd())));
    const source = sourceExcerpt(repoRoot, f.file, f.line);
    if (source) m.set("source", textNode(source));
    if (f.stack?.trim()) m.set("stack", textNode(clip(redact(f.stack).trimEnd())));
    const rerun = rerunCommand(f, stack, repoRoot);
    m.set("rerun", rerun === null ? null : textNode(redact(rerun)));
    return m;
  });
  const seq = new YAMLSeq();
  seq.items = testFailures;
  const rootCauses = new YAMLSeq();
  rootCauses.items = groupRootCauses(failures, { repoRoot }).groups.map((g) => {
    const m = new YAMLMap();
    m.set("message", textNode(clip(firstMessageLine(redact(g.failures[0]!.message ?? "")))));
    m.set("location", textNode(redact(g.location)));
    const tests = new YAMLSeq();
    tests.items = g.failures.map((f) => textNode(redact(f.fullName)));
    m.set("tests", tests);
    return m;
  });
  const values: Record<(typeof TOOL_KEYS)[number], unknown> = {
    id: `fix-${taskId}`,
    auto_generated: true,
    branch: textNode(redact(branch)),
    github_issue: input.githubIssue == null ? null : textNode(input.githubIssue),
    root_causes: rootCauses,
    test_failures: seq,
  };
  const map = doc.contents as YAMLMap;
  for (const k of TOOL_KEYS) {
    const v = values[k];
    if (map.has(k)) map.set(k, v);
    else map.add(doc.createPair(k, v));
  }
  const text = doc.toString({ lineWidth: 0 });
  return { taskId, path, text };
}

function isOwnTaskFile(abs: string, branch: string): boolean {
  try {
    const data = readYamlFile(abs, { maxBytes: TASK_FILE_MAX_BYTES }) as Record<string, unknown> | null;
    return !!data && data.auto_generated === true && data.branch === redact(branch);
  } catch {
    return false;
  }
}

/**
 * Auto-generated task files of this branch other than `keep` (repo-relative paths). A file a person wrote
 * or edited to `auto_generated: false` is never touched.
 */
export function staleTaskFiles(repoRoot: string, config: HealConfig, branch: string, keep: string | null): string[] {
  const dir = join(repoRoot, config.tasksDir);
  if (!existsSync(dir)) return [];
  const pattern = new RegExp(`^fix-test-failures-${escapeRegex(branchSlug(branch))}-[0-9a-f]{8}\\.yaml$`);
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .map((name) => posix.join(config.tasksDir, name))
    .filter((rel) => rel !== keep && isOwnTaskFile(join(repoRoot, rel), branch))
    .sort();
}

function linkedIssue(abs: string): string | null {
  if (!existsSync(abs)) return null;
  try {
    const data = readYamlFile(abs, { maxBytes: TASK_FILE_MAX_BYTES }) as Record<string, unknown> | null;
    return data && typeof data.github_issue === "string" && /^[\w.-]+\/[\w.-]+#\d+$/.test(data.github_issue) ? data.github_issue : null;
  } catch {
    return null;
  }
}

export interface WriteTaskResult {
  file: TaskFile | null;
  /** Whether the file's bytes changed (false on a re-run with the same failures). */
  changed: boolean;
  removed: string[];
}

/**
 * Writes the branch's one task file (none when green) and removes its older auto-generated ones.
 * An unchanged file is not rewritten, so its mtime and bytes stay.
 */
export function writeTaskContext(input: TaskContextInput): WriteTaskResult {
  let file = input.report.failures.length > 0 ? buildTaskFile(input) : null;
  if (file && input.githubIssue == null) {
    // Same failures, same file: keep the issue the GitHub step linked it to, so a re-run changes no byte.
    const linked = linkedIssue(join(input.repoRoot, file.path));
    if (linked) file = buildTaskFile({ ...input, githubIssue: linked });
  }
  let changed = false;
  if (file) {
    const abs = join(input.repoRoot, file.path);
    const before = existsSync(abs) ? readFileSync(abs, "utf8") : null;
    if (before !== file.text) {
      mkdirSync(join(input.repoRoot, input.config.tasksDir), { recursive: true });
      writeFileSync(abs, file.text);
      changed = true;
    }
  }
  const removed = staleTaskFiles(input.repoRoot, input.config, input.branch, file?.path ?? null);
  for (const rel of removed) rmSync(join(input.repoRoot, rel), { force: true });
  return { file, changed, removed };
}

/** Sets `github_issue` in an existing task file, keeping every other byte (for the GitHub steps). */
export function setTaskIssue(repoRoot: string, relPath: string, githubIssue: string | null): boolean {
  const abs = join(repoRoot, relPath);
  const text = readFileSync(abs, "utf8");
  const { doc } = parseYamlSafeDocument(text, relPath);
  if (!isMap(doc.contents)) throw new HealError("INPUT_MISSING", "not a task file (no YAML mapping)", relPath);
  const current = doc.get("github_issue");
  if ((isScalar(current) ? current.value : current) === githubIssue) return false;
  doc.set("github_issue", githubIssue === null ? null : textNode(githubIssue));
  const next = doc.toString({ lineWidth: 0 });
  if (next === text) return false;
  writeFileSync(abs, next);
  return true;
}
