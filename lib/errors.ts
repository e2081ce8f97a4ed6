// One catalogue of the errors a user can act on: code -> what is wrong and what to do.
// lib/ throws HealError; only a script's error boundary (lib/cli.ts) turns it into exit code 2.

export const ERRORS = {
  CONFIG_INVALID: "the config file is not valid: fix the field named, see README 'Configuration'",
  CONFIG_UNREADABLE: "the config file cannot be read: check the path and its YAML syntax",
  TEMPLATE_INVALID: "a template cannot be rendered: fix its syntax or delete the override to use the default",
  REPORT_UNREADABLE: "a test report cannot be read: check the file, or pass --format",
  NO_STACKS: "no test stack found: add one under `stacks:` in .agent/heal/config.yaml",
  INPUT_MISSING: "an input file is missing: run the earlier step first (task heal runs them in order)",
  GITHUB_AUTH: "GitHub refused the token: set GITHUB_TOKEN (or GH_TOKEN) to a valid token",
  GITHUB_PERMISSION: "the token lacks a permission: grant the one named in the workflow's `permissions:`",
  GITHUB_RATE_LIMIT: "GitHub's rate limit is exhausted: wait for the reset time given, or use another token",
  GITHUB_UNAVAILABLE: "GitHub did not answer after retries: re-run the job",
  GITHUB_LIST_FAILED: "existing issues could not be listed, so nothing was created: re-run the job",
  GIT_PUSH_FAILED: "the task context could not be pushed: check `contents: write` and branch protection",
  TOOLCHAIN_INVALID:
    "a version file names no version setup-node or setup-python can install: fix the file named (README 'The composite action')",
  USAGE: "wrong arguments: run the script with --help",
  BENCH_COMMAND_FAILED: "the benchmarks did not run: run perf.command from .agent/heal/config.yaml by hand and fix it",
  DEMO_MISMATCH: "the demo did not go as its example promises: read the step named, and check the toolkit's install (README first command)",
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class HealError extends Error {
  readonly code: ErrorCode;
  /** The file the user should look at or edit, when there is one. */
  readonly file?: string;
  constructor(code: ErrorCode, detail: string, file?: string) {
    super(detail);
    this.name = "HealError";
    this.code = code;
    this.file = file;
  }
  /** One line: `<file>: <detail> (<what to do>)`. */
  oneLine(): string {
    const where = this.file ? `${this.file}: ` : "";
    return `${where}${this.message.split("\n")[0]} — ${ERRORS[this.code]}`;
  }
}
