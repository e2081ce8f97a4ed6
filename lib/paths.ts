// Where things are: the toolkit's own folder and the target repository's layout.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The toolkit checkout (holds templates/, schemas/, scripts/). */
export const TOOLKIT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The repository being healed. Scripts run with the target repo as their working directory
 * (the Taskfile sets `dir: '{{.USER_WORKING_DIR}}'`); HEAL_REPO overrides it.
 */
export function targetRoot(): string {
  return resolve(process.env.HEAL_REPO ?? process.cwd());
}

/** The config folder inside a target repo: config.yaml and template overrides live here. */
export const CONFIG_DIR = ".agent/heal";
export const CONFIG_FILE = join(CONFIG_DIR, "config.yaml");
export const TEMPLATE_OVERRIDE_DIR = join(CONFIG_DIR, "templates");

/** Defaults, relative to the target repo; the config can move reports and tasks. */
export const DEFAULT_REPORTS_DIR = ".agent/reports";
export const DEFAULT_TASKS_DIR = ".agent/tasks";

/** Files inside the reports folder that steps hand to each other. */
export const REPORT_FILES = {
  raw: "raw",
  runs: "runs.json",
  failures: "failures.json",
  report: "report.md",
  issue: "issue.json",
  issueBody: "issue.md",
  coverage: "coverage.json",
  github: "github.json",
} as const;
