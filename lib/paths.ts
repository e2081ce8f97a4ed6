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

/** Every file and folder the steps write inside the reports folder (lib/step-files.ts reads and writes the JSON ones). */
export const REPORT_FILES = {
  /** heal:prepare: what was installed (lib/prepare.ts). */
  prepare: "prepare.json",
  /** heal:run-tests: the runners' raw reports; coverage runs write into raw/coverage. */
  raw: "raw",
  rawCoverage: "raw/coverage",
  runs: "runs.json",
  failures: "failures.json",
  report: "report.md",
  issue: "issue.json",
  issueBody: "issue.md",
  github: "github.json",
  /** verify: the targeted re-run's raw reports, then the verdict. */
  rawTargeted: "raw-targeted",
  verify: "verify.json",
  coverage: "coverage.json",
  coverageMarkdown: "coverage.md",
  /** task test-quality: the findings and the issue body. */
  testQuality: "test-quality.json",
  testQualityMarkdown: "test-quality.md",
  /** task metrics' default output folder (metrics.json, metrics.md, dashboard.html). */
  metrics: "metrics",
} as const;
