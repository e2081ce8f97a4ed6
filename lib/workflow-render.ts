// The two workflows `task setup` installs, rendered from templates/workflows/*.yml with the config's values
// (settings live once, in .agent/heal/config.yaml), and the settings read back from an installed copy so
// `task doctor` can name each one that drifted from the config.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { HealConfig } from "./config.ts";
import { HealError } from "./errors.ts";
import { TOOLKIT_ROOT } from "./paths.ts";

export const LOOP_WORKFLOW = ".github/workflows/self-healing-tdd-loop.yml";
export const AGENT_WORKFLOW = ".github/workflows/claude-agent.yml";
export const WORKFLOW_TEMPLATES: Record<string, string> = {
  [LOOP_WORKFLOW]: "templates/workflows/self-healing-tdd-loop.yml",
  [AGENT_WORKFLOW]: "templates/workflows/claude-agent.yml",
};

/** Minutes a job gets on top of runner.timeout_minutes: checkout, installs, the issue and the upload. */
export const JOB_TIMEOUT_MARGIN = 15;
/** GitHub-hosted runners stop any job after 6 hours. */
const JOB_TIMEOUT_MAX = 360;

const BRANCH = /^[A-Za-z0-9._/-]+$/;
const ACTION = /^(\.\/|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w.-]+)$/;

/** The value of every `__HEAL_*__` placeholder for a config; throws CONFIG_INVALID for a value YAML or an expression cannot carry. */
export function workflowValues(config: HealConfig, action: string): Record<string, string> {
  const bad = (field: string, value: string, why: string) =>
    new HealError("CONFIG_INVALID", `field "${field}" is "${value}": ${why} (it is written into the workflows)`);
  for (const b of config.branches) if (!BRANCH.test(b)) throw bad("branches", b, "use letters, digits, '.', '_', '/' and '-'");
  const prefix = config.agent.branchPrefix;
  if (!BRANCH.test(prefix)) throw bad("agent.branch_prefix", prefix, "use letters, digits, '.', '_', '/' and '-'");
  const mention = config.agent.mention.trim() || "@claude";
  if (!/^@[\w-]+(\/[\w.-]+)?$/.test(mention)) throw bad("agent.mention", mention, "write @ and a name or a team");
  const type = config.agent.dispatchEventType;
  if (!/^[\w.-]+$/.test(type)) throw bad("agent.dispatch_event_type", type, "use letters, digits, '.', '_' and '-'");
  if (!ACTION.test(action)) throw new HealError("USAGE", `action "${action}" is not ./ or owner/repo@ref`);
  const flow = (items: string[]) => `[${items.map((i) => `'${i}'`).join(", ")}]`;
  return {
    __HEAL_BRANCHES__: flow(config.branches),
    __HEAL_PUSH_BRANCHES__: flow([...config.branches, `${prefix}**`]),
    __HEAL_BRANCH_PREFIX__: prefix,
    __HEAL_JOB_TIMEOUT__: String(jobTimeout(config)),
    __HEAL_ON_SCHEDULE__: String(config.workflows.healOnSchedule),
    // The perf job runs only for a config that names benchmark results.
    __HEAL_PERF__: String(config.perf.results.length > 0),
    __HEAL_CRON__: config.workflows.cron,
    __HEAL_ACTION__: action,
    __HEAL_DISPATCH_TYPE__: type,
    __HEAL_MENTION__: mention,
  };
}

export function jobTimeout(config: HealConfig): number {
  return Math.min(JOB_TIMEOUT_MAX, Math.ceil(config.runner.timeoutMinutes) + JOB_TIMEOUT_MARGIN);
}

/** Substitutes the placeholders; a placeholder left over is a toolkit bug, not a user error. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const out = template.replace(/__HEAL_[A-Z_]+?__/g, (name) => {
    const v = values[name];
    if (v === undefined) throw new Error(`workflow template: no value for ${name}`);
    return v;
  });
  return out;
}

/** Both workflows as `task setup` writes them for this config; `action` is what the loop's jobs use (./ in the toolkit). */
export function renderWorkflows(config: HealConfig, action: string): { path: string; content: string }[] {
  const values = workflowValues(config, action);
  return Object.entries(WORKFLOW_TEMPLATES).map(([path, template]) => ({
    path,
    content: renderTemplate(readFileSync(join(TOOLKIT_ROOT, template), "utf8"), values),
  }));
}

/** The config-derived settings of an installed workflow, by name; values are compared as strings. */
export function workflowSettings(path: string, text: string): Record<string, string> {
  let doc: any;
  try {
    doc = parse(text);
  } catch {
    return {};
  }
  const s: Record<string, string> = {};
  const put = (name: string, v: unknown) => {
    if (v !== undefined && v !== null) s[name] = Array.isArray(v) ? v.map(String).join(", ") : String(v);
  };
  const jobs = (doc?.jobs ?? {}) as Record<string, any>;
  if (path === LOOP_WORKFLOW && jobs.loop?.uses) {
    // A caller of the reusable workflow (`task setup --reusable`): the same settings, passed as its inputs.
    const w = jobs.loop.with ?? {};
    put("branches (pull_request)", doc?.on?.pull_request?.branches);
    put("branches (push)", doc?.on?.push?.branches);
    put("workflows.cron", doc?.on?.schedule?.[0]?.cron);
    put("workflows.heal_on_schedule", w["heal-on-schedule"]);
    put("agent.branch_prefix", w["branch-prefix"]);
    put("perf.results (runs perf)", w.perf);
    for (const name of ["heal", "verify", "coverage"]) put(`timeout-minutes (${name})`, w["timeout-minutes"]);
  } else if (path === LOOP_WORKFLOW) {
    put("branches (pull_request)", doc?.on?.pull_request?.branches);
    put("branches (push)", doc?.on?.push?.branches);
    put("workflows.cron", doc?.on?.schedule?.[0]?.cron);
    put("workflows.heal_on_schedule", /\((true|false) \|\| github\.event_name != 'schedule'\)/.exec(String(jobs.heal?.if ?? ""))?.[1]);
    put("agent.branch_prefix", /startsWith\(github\.ref_name, '([^']*)'\)/.exec(String(jobs.verify?.if ?? ""))?.[1]);
    put("perf.results (runs perf)", /^(true|false) &&/.exec(String(jobs.perf?.if ?? ""))?.[1]);
    for (const name of ["heal", "verify", "coverage"]) put(`timeout-minutes (${name})`, jobs[name]?.["timeout-minutes"]);
  } else {
    put("agent.dispatch_event_type", doc?.on?.repository_dispatch?.types);
    const step = (jobs.mentioned?.steps ?? []).find((x: any) => String(x?.uses ?? "").startsWith("anthropics/claude-code-action@"));
    put("agent.mention", step?.with?.trigger_phrase);
    put("agent.branch_prefix", step?.with?.branch_prefix);
  }
  return s;
}

/** Settings that differ between an installed workflow and what setup renders for the config: "name: installed X, config wants Y". */
export function workflowDrift(path: string, installed: string, config: HealConfig, action: string): string[] {
  const expected = renderWorkflows(config, action).find((w) => w.path === path);
  if (!expected) return [];
  const want = workflowSettings(path, expected.content);
  const have = workflowSettings(path, installed);
  return Object.keys(want)
    .filter((k) => have[k] !== want[k])
    .map((k) => `${k}: installed ${have[k] === undefined ? "(missing)" : `[${have[k]}]`}, config wants [${want[k]}]`);
}
