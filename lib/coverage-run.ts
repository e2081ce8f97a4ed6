// Runs each detected stack with coverage on, into `<reports_dir>/raw/coverage/<stack-id>/`, and says which
// report each run wrote. The command is the runner adapter's (lib/runners/); the process is run by runStack
// (timeout, output tail, redaction, clean environment):
// a coverage run is a stack whose command already carries its flags and names the report it writes.
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type { CoverageFormat } from "./coverage/model.ts";
import { adapterFor, type CoveragePlan, type RunnableStack, type RunOptions, runStack } from "./runners/index.ts";

export type { CoveragePlan } from "./runners/index.ts";
export { pytestPython } from "./runners/pytest.ts";

export interface CoverageRun {
  stackId: string;
  framework: RunnableStack["framework"];
  cwd: string;
  /** The commands as run (empty when the stack has no coverage support). */
  commands: string[][];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Repo-relative, when the run wrote it. */
  report: string | null;
  format: CoverageFormat | null;
  /** Why there is no report, for the log and coverage.json. */
  note?: string;
  outputTail: string;
}

/** Folder of a stack's coverage output, repo-relative POSIX. */
export function coverageDir(reportsDir: string, stackId: string): string {
  return posix.join(reportsDir.replace(/\\/g, "/"), "raw", "coverage", stackId);
}

/**
 * The coverage form of a stack's command (its adapter's), or null for runners without line coverage
 * (terraform, terragrunt) and report-only dialects.
 */
export function planCoverage(stack: RunnableStack, repoRoot: string, reportsDir: string): CoveragePlan | null {
  const rel = coverageDir(reportsDir, stack.id);
  return adapterFor(stack.framework)?.coverage(stack, { rel, abs: join(repoRoot, rel) }) ?? null;
}

/** Runs each stack with coverage, one after another. Never throws for a runner problem: see `note`. */
export async function runCoverage(
  stacks: RunnableStack[],
  opts: { repoRoot: string; reportsDir: string } & Pick<RunOptions, "timeoutMs" | "echo" | "env" | "envDeny">,
): Promise<CoverageRun[]> {
  const echo = opts.echo ?? ((s: string) => void process.stderr.write(s));
  const runs: CoverageRun[] = [];
  for (const stack of stacks) {
    const plan = planCoverage(stack, opts.repoRoot, opts.reportsDir);
    const base = { stackId: stack.id, framework: stack.framework, cwd: stack.cwd };
    if (!plan) {
      runs.push({
        ...base,
        commands: [],
        exitCode: null,
        signal: null,
        durationMs: 0,
        report: null,
        format: null,
        note: `${stack.framework} has no line coverage`,
        outputTail: "",
      });
      continue;
    }
    const dir = join(opts.repoRoot, coverageDir(opts.reportsDir, stack.id));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const env = { ...(opts.env ?? process.env), ...plan.env };
    // The report path as runners.ts expects it: relative to the stack's folder.
    const reportFromCwd = posix.relative(stack.cwd === "." ? "" : stack.cwd, plan.report);
    let exitCode: number | null = null;
    let signal: string | null = null;
    let durationMs = 0;
    let tail = "";
    for (const [i, command] of plan.commands.entries()) {
      echo(`\n── ${stack.id} (coverage): ${command.join(" ")} (in ${stack.cwd})\n`);
      const rec = await runStack(
        { id: stack.id, framework: stack.framework, cwd: stack.cwd, command, report: reportFromCwd },
        {
          repoRoot: opts.repoRoot,
          rawDir: posix.join(opts.reportsDir, "raw"),
          timeoutMs: opts.timeoutMs,
          echo,
          env,
          envDeny: opts.envDeny,
        },
      );
      durationMs += rec.durationMs;
      tail = rec.outputTail;
      // The first command's result is the test run's; a later step only matters when it fails.
      if (i === 0) ({ exitCode, signal } = rec);
      else if (rec.exitCode !== 0) {
        exitCode = rec.exitCode;
        signal = rec.signal;
      }
      if (rec.signal) break;
    }
    const wrote = existsSync(join(opts.repoRoot, plan.report)) && statSync(join(opts.repoRoot, plan.report)).size > 0;
    runs.push({
      ...base,
      commands: plan.commands,
      exitCode,
      signal,
      durationMs,
      report: wrote ? plan.report : null,
      format: wrote ? plan.format : null,
      ...(wrote ? {} : { note: missingReportNote(stack, exitCode, signal, tail) }),
      outputTail: tail,
    });
  }
  return runs;
}

function missingReportNote(stack: RunnableStack, exitCode: number | null, signal: string | null, tail: string): string {
  if (signal) return `stopped by ${signal} before writing a coverage report`;
  if (exitCode === 127) return `${stack.command[0]}: command not found`;
  return adapterFor(stack.framework)?.coverageHint?.(tail) ?? `exit code ${exitCode}, no coverage report written (see the output above)`;
}
