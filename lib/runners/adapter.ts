// The one interface every runner adapter implements (lib/runners/<runner>.ts), and the few helpers
// several adapters share. Everything the toolkit knows about one runner lives in its adapter: how it is
// found, the command with its reporter flags, the report dialect, the re-run of one test for the task
// file, the targeted re-run for verification and the coverage command.
import { accessSync, constants, statSync } from "node:fs";
import type { HealConfig } from "../config.ts";
import type { CoverageFormat } from "../coverage/model.ts";
import type { ReportFormat } from "../parsers/index.ts";
import type { FailureRecord, RunnerName, Stack } from "../types.ts";

/** A stack as run-tests runs it: `report` is set for configured commands that write their own report. */
export interface RunnableStack extends Stack {
  report?: string;
}

/** One folder of the repository (POSIX, repo-relative, "." for the root) with its file names. */
export interface RepoFolder {
  rel: string;
  files: Set<string>;
}

/** What detection sees of the repository, walked once and shared by every adapter. */
export interface RepoTree {
  repoRoot: string;
  config: HealConfig;
  env: NodeJS.ProcessEnv;
  folders: RepoFolder[];
  folder(rel: string): RepoFolder | undefined;
  /** A small text file of a folder ("" when missing or over 1 MB). */
  read(rel: string, name: string): string;
  /** An executable of this name is on the env's PATH. */
  hasCommand(name: string): boolean;
  /** The runner binary installed for `cwd` (its own or a parent's node_modules), relative to cwd, else `npx <name>`. */
  nodeBin(cwd: string, name: string): string[];
}

export interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: unknown;
}

/** A JavaScript package folder (package.json, bunfig.toml or bun.lock). */
export interface PackageFolder {
  folder: RepoFolder;
  pkg: PackageJson | null;
  /** package.json's `test` script, "" when none. */
  testScript: string;
  /** dependencies and devDependencies together. */
  deps: Record<string, string>;
  /** The folder or one below it holds `*.test.*`/`*.spec.*` files. */
  hasTests: boolean;
}

/**
 * How strongly a package folder says it uses a runner: its `test` script names it, it depends on it
 * (or has its config file), or only its files suggest it. The strongest claim wins; a tie goes to the
 * runner listed first in the registry.
 */
export type Claim = "script" | "dependency" | "files";
export const CLAIM_RANK: Record<Claim, number> = { script: 3, dependency: 2, files: 1 };

/** How a stack is run: the full argv, the report it writes, and whether that report is its stdout. */
export interface RunPlan {
  argv: string[];
  /** Repo-relative path of the report the run writes, or null when the runner writes none we know of. */
  report: string | null;
  /** The report is the runner's stdout (terraform/terragrunt -json, go test -json, plain output). */
  reportIsStdout: boolean;
  /**
   * Repo-relative file that keeps the whole console output, when it is a report too: bun prints a test
   * file that fails to load only there (its JUnit report leaves it out, or is not written at all).
   */
  consoleLog?: string;
  /** Environment for the run (reporter options that stay out of the tests' argv), merged over the runner's. */
  env?: Record<string, string>;
  /**
   * At the timeout, SIGINT first (Ctrl-C): pytest then writes its report of the tests that finished and prints
   * where the hung test was; SIGTERM (and SIGKILL) follow if it does not stop.
   */
  interruptOnTimeout?: boolean;
  /**
   * The command may run the runner more than once (a test script that runs `npm run test-tz` and then jest): the
   * first run writes `report`, each later one the next of `<name>.2.<ext>`, `<name>.3.<ext>`, ...
   */
  reportSeries?: boolean;
}

/** Where a run's report goes: `rel` repo-relative (in runs.json), `abs` for the runner's flags. */
export interface ReportPaths {
  rel(ext: string): string;
  abs(ext: string): string;
}

/** How one stack is run with coverage: one or two commands, and the report the last one writes. */
export interface CoveragePlan {
  /** Run in order in the stack's folder; the second one (coverage.py) turns the data into JSON. */
  commands: string[][];
  /** Repo-relative path of the report. */
  report: string;
  format: CoverageFormat;
  /** Environment for the commands (coverage.py's data file). */
  env: Record<string, string>;
}

/** A failure to re-run alone, as the task file shows it. */
export interface RerunRequest {
  failure: FailureRecord;
  /** The stack it came from, when runs.json names one. */
  stack?: Stack;
  /** The stack's folder ("." when unknown). */
  cwd: string;
  /** `cd <cwd> && ` (or "" at the root): commands run from the repo root. */
  prefix: string;
  /** The failure's file relative to the stack folder, or null. */
  file: string | null;
  /** Command words as a shell string (absolute paths inside the repo made relative to the stack folder). */
  shell(words: string[]): string;
}

/** A previously failing test that verification re-runs. */
export interface TargetTest {
  fullName: string;
  file: string | null;
  /** error: a describe block whose hook failed (or a file): the pattern selects the tests under it too. */
  kind?: "failure" | "error";
}

/** Echo, exec and the output tail of one run: what an adapter with its own run steps (terraform) gets. */
export interface RunSteps {
  exec(argv: string[], captureStdout: boolean): Promise<{ exitCode: number | null; signal: string | null; stdout: string }>;
  echo(text: string): void;
}

export interface RunnerAdapter {
  name: RunnerName;
  /** The README's stack table: how it is found, and how it is run. */
  docs: { foundBy: string; runAs: string };
  /** The format of the report `plan` names (lib/parsers). */
  reportFormat: ReportFormat;
  /** JavaScript runners: how strongly a package folder claims this runner (null: not at all). */
  claimPackage?(p: PackageFolder): Claim | null;
  /** Other runners: the folders to run in (the registry keeps the order given). */
  findFolders?(tree: RepoTree): string[];
  /** The runner's own command for a found folder, without reporter flags. */
  command(tree: RepoTree, cwd: string): string[];
  /**
   * The command with the reporter options that give a machine-readable report with file and line; `env` is
   * the run's environment (an option passed in a variable is appended to the user's own).
   */
  plan(stack: RunnableStack, paths: ReportPaths, env: NodeJS.ProcessEnv): RunPlan;
  /** Run steps of its own (terraform: init when validation needs it); default: one exec of `plan.argv`. */
  execute?(
    stack: RunnableStack,
    plan: RunPlan,
    steps: RunSteps,
  ): Promise<{ exitCode: number | null; signal: string | null; stdout: string }>;
  /** A shell command, from the repo root, that re-runs this one failure; null: the whole stack re-runs. */
  rerunOne(r: RerunRequest): string | null;
  /** The stack's command narrowed to these tests; null: the whole stack runs. */
  targetCommand(stack: RunnableStack, tests: TargetTest[]): string[] | null;
  /** The coverage form of the stack's command, or null when the runner has no line coverage. */
  coverage(stack: RunnableStack, dir: { rel: string; abs: string }): CoveragePlan | null;
  /** Why a coverage run wrote no report, when the output says (a missing plugin). */
  coverageHint?(tail: string): string | null;
}

/**
 * The task file's re-run through the project's own `test` script when the stack runs it (its flags, config and
 * pretest hold), or through the script's own runner segment when it chains several, with the selection appended;
 * null when the stack runs the bare runner.
 */
export function scriptRerun(r: RerunRequest, selection: string[]): string | null {
  return r.stack?.script || r.stack?.segment ? `${r.prefix}${r.shell([...r.stack.command, ...selection])}` : null;
}

/**
 * `value` appended to the variable `name` of `env` (space-separated), so options the user set there stay:
 * PYTEST_ADDOPTS, NODE_OPTIONS.
 */
export function appendEnv(env: NodeJS.ProcessEnv, name: string, value: string): string {
  const before = env[name]?.trim();
  return before ? `${before} ${value}` : value;
}

/**
 * Keeps the outermost folders: a run in a parent folder already covers its subfolders. Folders in `apart`
 * (workspace packages run by their own scripts) are kept under a parent too.
 */
export function outermost(dirs: string[], apart: ReadonlySet<string> = new Set()): string[] {
  const under = (child: string, parent: string) => parent === "." || child === parent || child.startsWith(`${parent}/`);
  const sorted = [...new Set(dirs)].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const d of sorted) if (!kept.some((k) => under(d, k) && !(apart.has(d) && d !== k))) kept.push(d);
  return kept.sort();
}

/** A file this process may execute (a runner binary, an interpreter). */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
