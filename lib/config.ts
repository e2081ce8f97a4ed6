// The repository's heal configuration: `.agent/heal/config.yaml` (optional), checked against
// schemas/config.schema.json so a typo fails loudly with the file, line and field, then defaults filled.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject } from "ajv";
import { isMap, isSeq, type Node } from "yaml";
import { HealError } from "./errors.ts";
import { parseYamlSafeDocument, YAML_MAX_ALIASES } from "./safe-yaml.ts";
import { CONFIG_FILE, DEFAULT_REPORTS_DIR, DEFAULT_TASKS_DIR, TOOLKIT_ROOT } from "./paths.ts";
import type { Framework } from "./types.ts";

export const CONFIG_MAX_BYTES = 256 * 1024;

export type HandoffMode = "auto" | "token" | "dispatch" | "none";

/** A stack named in the config (`stacks:`): replaces detection. */
export interface StackConfig {
  id?: string;
  framework: Framework;
  /** Already split into argv. */
  command: string[];
  cwd: string;
  /** A report file the command writes itself (relative to cwd): no reporter flags are added. */
  report?: string;
}

export interface HealConfig {
  agent: {
    mention: string;
    maxAttempts: number;
    handoff: HandoffMode;
    dispatchEventType: string;
    tokenEnv: string;
    branchPrefix: string;
    /** Hand environment failures to the agent too (default false). */
    handoffEnvironment: boolean;
  };
  labels: { healing: string[]; coverage: string[]; needsHuman: string; paused: string };
  branches: string[];
  coverage: { threshold: number };
  /**
   * task perf: a benchmark slower than its baseline by more than `threshold` percent (and beyond noise) regressed;
   * `results`: the benchmark result files read when none are given (non-empty: the loop workflow runs perf);
   * `command`: the argv that writes them, run first (null: they exist already).
   */
  perf: { threshold: number; results: string[]; command: string[] | null };
  /** maxSkipAgeDays: a skipped test older than this (days since its skip line was committed) is reported. */
  testQuality: { maxSkipAgeDays: number };
  reportsDir: string;
  tasksDir: string;
  /** envDeny: variables never passed to the code under test (added to lib/runners RUNNER_ENV_DENY). */
  runner: { python: string | null; timeoutMinutes: number; envDeny: string[] };
  /** null: detect the stacks. */
  stacks: StackConfig[] | null;
  /** heal:prepare: off with `prepare: false`; `commands` (argv + cwd) replace detection. */
  prepare: { enabled: boolean; commands: { command: string[]; cwd: string }[] | null };
  /** Template name -> repo-relative override path. */
  templates: Record<string, string>;
  verify: { closeOn: "pass" | "merge" };
  budget: { dailyIssues: number; dailyMentions: number };
  botLogin: string;
  /** Rendered into the loop workflow by `task setup`. */
  workflows: { healOnSchedule: boolean; cron: string };
  /** Repo-relative path of the file read, or null when the defaults apply. */
  source: string | null;
}

export function defaultConfig(): HealConfig {
  return {
    agent: {
      mention: "@claude",
      maxAttempts: 3,
      handoff: "auto",
      dispatchEventType: "heal-agent",
      tokenEnv: "HEAL_AGENT_TOKEN",
      branchPrefix: "claude/issue-",
      handoffEnvironment: false,
    },
    labels: {
      healing: ["auto-healing", "bug", "tdd"],
      coverage: ["auto-healing", "test-quality"],
      needsHuman: "needs-human",
      paused: "heal:paused",
    },
    branches: ["dev", "prod"],
    coverage: { threshold: 80 },
    perf: { threshold: 10, results: [], command: null },
    testQuality: { maxSkipAgeDays: 30 },
    reportsDir: DEFAULT_REPORTS_DIR,
    tasksDir: DEFAULT_TASKS_DIR,
    runner: { python: null, timeoutMinutes: 30, envDeny: [] },
    stacks: null,
    prepare: { enabled: true, commands: null },
    templates: {},
    verify: { closeOn: "pass" },
    budget: { dailyIssues: 5, dailyMentions: 10 },
    botLogin: "github-actions[bot]",
    workflows: { healOnSchedule: false, cron: "17 */6 * * *" },
    source: null,
  };
}

let validator: ReturnType<Ajv["compile"]> | undefined;
function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(TOOLKIT_ROOT, "schemas/config.schema.json"), "utf8"));
    validator = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(schema);
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

/** Reads, validates and completes the config of `repoRoot`. A missing file means all defaults. */
export async function loadConfig(repoRoot: string): Promise<HealConfig> {
  const abs = join(repoRoot, CONFIG_FILE);
  if (!existsSync(abs)) return defaultConfig();
  return parseConfig(readConfigText(abs), CONFIG_FILE);
}

function readConfigText(abs: string): string {
  try {
    const size = statSync(abs).size;
    if (size > CONFIG_MAX_BYTES) {
      throw new HealError("CONFIG_UNREADABLE", `${size} bytes is over the ${CONFIG_MAX_BYTES}-byte limit`, CONFIG_FILE);
    }
    return readFileSync(abs, "utf8");
  } catch (err) {
    if (err instanceof HealError) throw err;
    throw new HealError("CONFIG_UNREADABLE", (err as Error).message, CONFIG_FILE);
  }
}

/** Parses config YAML text; `file` names it in errors. Exported for tests and `doctor`. */
export function parseConfig(text: string, file: string = CONFIG_FILE): HealConfig {
  // Limits, core tags only, no duplicate keys, few aliases: lib/safe-yaml.ts.
  const { doc, lineCounter: lines } = parseYamlSafeDocument(text, file);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_MAX_ALIASES }) ?? {};
  } catch (err) {
    throw new HealError("CONFIG_UNREADABLE", (err as Error).message.split("\n")[0]!, file);
  }
  const errors = validate(data);
  if (errors.length > 0) {
    const first = pickError(errors);
    const where = errorPath(first);
    const node = nodeAt(doc.contents as Node | null, where, first.keyword === "additionalProperties");
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
    throw new HealError("CONFIG_INVALID", `${line ? `line ${line}: ` : ""}${describe(first, where)}`, file);
  }
  return withDefaults(data as RawConfig, file);
}

function pickError(errors: ErrorObject[]): ErrorObject {
  // An unknown field explains more than the oneOf/enum noise it causes elsewhere.
  return (
    errors.find((e) => e.keyword === "additionalProperties") ??
    errors.find((e) => e.keyword === "propertyNames") ??
    errors.find((e) => e.keyword !== "oneOf") ??
    errors[0]!
  );
}

function errorPath(e: ErrorObject): (string | number)[] {
  const parts = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (e.keyword === "additionalProperties") parts.push(String(e.params.additionalProperty));
  if (e.keyword === "propertyNames" && e.params.propertyName) parts.push(String(e.params.propertyName));
  return parts;
}

function dotted(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(top level)";
}

function describe(e: ErrorObject, path: (string | number)[]): string {
  const field = dotted(path);
  switch (e.keyword) {
    case "additionalProperties": {
      const name = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const near = closest(name, known);
      return `unknown field "${field}"${near ? ` (did you mean "${near}"?)` : ""}`;
    }
    case "enum":
      return `field "${field}" must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "propertyNames":
      return `field "${field}" is not a template name (see templates/README.md for the list)`;
    case "not":
      return `field "${field}" must be a path inside the repository`;
    default:
      return `field "${field}" ${e.message ?? "is not valid"}`;
  }
}

/** The closest known name within edit distance 2, for "did you mean". */
function closest(name: string, known: string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The YAML node at `path` (the key node itself when `wantKey`), for the line number in errors. */
function nodeAt(root: Node | null, path: (string | number)[], wantKey: boolean): Node | undefined {
  let node: Node | null | undefined = root;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) return node;
      if (wantKey && i === path.length - 1) return pair.key as Node;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg] as Node | undefined;
    } else return node;
  }
  return node ?? undefined;
}

interface RawConfig {
  agent?: Partial<
    Record<"mention" | "max_attempts" | "handoff" | "dispatch_event_type" | "token_env" | "branch_prefix" | "handoff_environment", unknown>
  >;
  labels?: { healing?: string[]; coverage?: string[]; needs_human?: string; paused?: string };
  branches?: string[];
  coverage?: { threshold?: number };
  perf?: { threshold?: number; results?: string[]; command?: string | string[] };
  test_quality?: { max_skip_age_days?: number };
  reports_dir?: string;
  tasks_dir?: string;
  runner?: { python?: string; timeout_minutes?: number; env_deny?: string[] };
  stacks?: { id?: string; framework: Framework; command: string | string[]; cwd?: string; report?: string }[];
  prepare?: boolean | { commands?: (string | string[] | { command: string | string[]; cwd?: string })[] };
  templates?: Record<string, string>;
  verify?: { close_on?: "pass" | "merge" };
  budget?: { daily_issues?: number; daily_mentions?: number };
  bot_login?: string;
  workflows?: { heal_on_schedule?: boolean; cron?: string };
}

function withDefaults(raw: RawConfig, file: string): HealConfig {
  const d = defaultConfig();
  const a = raw.agent ?? {};
  return {
    agent: {
      mention: (a.mention as string | undefined) ?? d.agent.mention,
      maxAttempts: (a.max_attempts as number | undefined) ?? d.agent.maxAttempts,
      handoff: (a.handoff as HandoffMode | undefined) ?? d.agent.handoff,
      dispatchEventType: (a.dispatch_event_type as string | undefined) ?? d.agent.dispatchEventType,
      tokenEnv: (a.token_env as string | undefined) ?? d.agent.tokenEnv,
      branchPrefix: (a.branch_prefix as string | undefined) ?? d.agent.branchPrefix,
      handoffEnvironment: (a.handoff_environment as boolean | undefined) ?? d.agent.handoffEnvironment,
    },
    labels: {
      healing: raw.labels?.healing ?? d.labels.healing,
      coverage: raw.labels?.coverage ?? d.labels.coverage,
      needsHuman: raw.labels?.needs_human ?? d.labels.needsHuman,
      paused: raw.labels?.paused ?? d.labels.paused,
    },
    branches: raw.branches ?? d.branches,
    coverage: { threshold: raw.coverage?.threshold ?? d.coverage.threshold },
    perf: {
      threshold: raw.perf?.threshold ?? d.perf.threshold,
      results: raw.perf?.results ?? d.perf.results,
      command: perfCommand(raw.perf?.command, file),
    },
    testQuality: { maxSkipAgeDays: raw.test_quality?.max_skip_age_days ?? d.testQuality.maxSkipAgeDays },
    reportsDir: normalizeDir(raw.reports_dir ?? d.reportsDir),
    tasksDir: normalizeDir(raw.tasks_dir ?? d.tasksDir),
    runner: {
      python: raw.runner?.python ?? d.runner.python,
      timeoutMinutes: raw.runner?.timeout_minutes ?? d.runner.timeoutMinutes,
      envDeny: raw.runner?.env_deny ?? d.runner.envDeny,
    },
    stacks: raw.stacks
      ? raw.stacks.map((s, i) => {
          const command = typeof s.command === "string" ? splitCommand(s.command) : s.command;
          if (command.length === 0 || command[0] === "") {
            throw new HealError("CONFIG_INVALID", `field "stacks[${i}].command" is empty`, file);
          }
          return {
            ...(s.id ? { id: s.id } : {}),
            framework: s.framework,
            command,
            cwd: normalizeDir(s.cwd ?? "."),
            ...(s.report ? { report: s.report } : {}),
          };
        })
      : null,
    prepare: prepareConfig(raw.prepare, file),
    templates: raw.templates ?? {},
    verify: { closeOn: raw.verify?.close_on ?? d.verify.closeOn },
    budget: {
      dailyIssues: raw.budget?.daily_issues ?? d.budget.dailyIssues,
      dailyMentions: raw.budget?.daily_mentions ?? d.budget.dailyMentions,
    },
    botLogin: raw.bot_login ?? d.botLogin,
    workflows: {
      healOnSchedule: raw.workflows?.heal_on_schedule ?? d.workflows.healOnSchedule,
      cron: raw.workflows?.cron ?? d.workflows.cron,
    },
    source: file,
  };
}

function perfCommand(raw: string | string[] | undefined, file: string): string[] | null {
  if (raw === undefined) return null;
  const command = typeof raw === "string" ? splitCommand(raw) : raw;
  if (command.length === 0 || command[0] === "") throw new HealError("CONFIG_INVALID", `field "perf.command" is empty`, file);
  return command;
}

function prepareConfig(raw: RawConfig["prepare"], file: string): HealConfig["prepare"] {
  if (raw === false) return { enabled: false, commands: null };
  if (raw === undefined || raw === true || !raw.commands) return { enabled: true, commands: null };
  return {
    enabled: true,
    commands: raw.commands.map((c, i) => {
      const item = typeof c === "object" && !Array.isArray(c) ? c : { command: c };
      const command = typeof item.command === "string" ? splitCommand(item.command) : item.command;
      if (command.length === 0 || command[0] === "") {
        throw new HealError("CONFIG_INVALID", `field "prepare.commands[${i}]" is empty`, file);
      }
      return { command, cwd: normalizeDir(item.cwd ?? ".") };
    }),
  };
}

function normalizeDir(p: string): string {
  const clean = p
    .replace(/\\/g, "/")
    .replace(/\/+$/, "")
    .replace(/^\.\/(?=.)/, "");
  return clean === "" ? "." : clean;
}

/** Splits a command string on whitespace; single or double quotes group words. No shell features. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: '"' | "'" | null = null;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new HealError("CONFIG_INVALID", `unclosed ${quote} in command "${command}"`, CONFIG_FILE);
  if (has || cur) out.push(cur);
  return out;
}
