// Runs each detected stack with coverage on, into `<reports_dir>/raw/coverage/<stack-id>/`, and says which
// report each run wrote. The process itself is run by lib/runners.ts (timeout, output tail, redaction):
// a coverage run is a stack whose command already carries its flags and names the report it writes.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import type { RunnableStack } from "./detect.ts";
import type { CoverageFormat } from "./coverage/model.ts";
import { runStack, type RunOptions } from "./runners.ts";

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
 * The coverage form of a stack's command, or null for frameworks without line coverage (terraform,
 * terragrunt, report-only dialects). `absDir` is where the report goes (absolute).
 */
export function planCoverage(stack: RunnableStack, repoRoot: string, reportsDir: string): CoveragePlan | null {
  const rel = coverageDir(reportsDir, stack.id);
  const abs = join(repoRoot, rel);
  const cmd = stack.command;
  switch (stack.framework) {
    case "bun":
      return {
        commands: [[...cmd, "--coverage", "--coverage-reporter=lcov", `--coverage-dir=${abs}`]],
        report: posix.join(rel, "lcov.info"),
        format: "lcov",
        env: {},
      };
    case "vitest": {
      // reportOnFailure: vitest writes no coverage when a test fails unless told to.
      const run = cmd.includes("run") || cmd.includes("--run") ? [] : ["--run"];
      return {
        commands: [
          [
            ...cmd,
            ...run,
            "--coverage.enabled=true",
            "--coverage.reporter=json",
            `--coverage.reportsDirectory=${abs}`,
            "--coverage.reportOnFailure=true",
          ],
        ],
        report: posix.join(rel, "coverage-final.json"),
        format: "istanbul",
        env: {},
      };
    }
    case "jest":
      return {
        commands: [[...cmd, "--coverage", "--coverageReporters=json", `--coverageDirectory=${abs}`]],
        report: posix.join(rel, "coverage-final.json"),
        format: "istanbul",
        env: {},
      };
    case "pytest": {
      const python = pytestPython(cmd);
      if (!python) return null;
      const dataFile = join(abs, ".coverage");
      const jsonFile = join(abs, "coverage.json");
      return {
        commands: [
          // --source=. : only the project's own files (Debian's dist-packages is not "third party" to coverage.py 6).
          [...python.interpreter, "-m", "coverage", "run", "--source=.", "-m", "pytest", ...python.args],
          [...python.interpreter, "-m", "coverage", "json", "-q", "-o", jsonFile],
        ],
        report: posix.join(rel, "coverage.json"),
        format: "coveragepy",
        env: { COVERAGE_FILE: dataFile },
      };
    }
    case "go": {
      const at = cmd.indexOf("test");
      if (at === -1) return null;
      const out = join(abs, "coverage.out");
      const rest = cmd.slice(at + 1).filter((a) => a !== "-json");
      return {
        commands: [[...cmd.slice(0, at + 1), `-coverprofile=${out}`, ...rest]],
        report: posix.join(rel, "coverage.out"),
        format: "go",
        env: {},
      };
    }
    default:
      return null;
  }
}

/**
 * Splits a pytest command into the interpreter that runs pytest and pytest's own arguments:
 * `python -m pytest -x` -> ([python], [-x]); `pytest -x` -> (the script's shebang interpreter, [-x]);
 * `uv run pytest` -> ([uv, run, python], []).
 */
export function pytestPython(cmd: string[]): { interpreter: string[]; args: string[] } | null {
  const m = cmd.findIndex((a, i) => a === "-m" && cmd[i + 1] === "pytest");
  if (m > 0) return { interpreter: cmd.slice(0, m), args: cmd.slice(m + 2) };
  const p = cmd.findIndex((a) => basename(a) === "pytest" || basename(a) === "py.test");
  if (p === -1) return null;
  if (p > 0) return { interpreter: [...cmd.slice(0, p), "python"], args: cmd.slice(p + 1) };
  return { interpreter: [shebangInterpreter(cmd[0]!) ?? "python3"], args: cmd.slice(1) };
}

/** The interpreter a console script (`pytest`) runs under, read from its `#!` line. */
function shebangInterpreter(script: string): string | null {
  const path = script.includes("/") ? script : Bun.which(script);
  if (!path || !existsSync(path)) return null;
  try {
    if (statSync(path).size > 1024 * 1024) return null;
    const first = readFileSync(path, "utf8").split("\n", 1)[0] ?? "";
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return null;
    // `#!/usr/bin/env python3`
    return basename(m[1]!) === "env" && m[2] ? m[2] : m[1]!;
  } catch {
    return null;
  }
}

/** Runs each stack with coverage, one after another. Never throws for a runner problem: see `note`. */
export async function runCoverage(
  stacks: RunnableStack[],
  opts: { repoRoot: string; reportsDir: string } & Pick<RunOptions, "timeoutMs" | "echo" | "env">,
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
        { repoRoot: opts.repoRoot, rawDir: posix.join(opts.reportsDir, "raw"), timeoutMs: opts.timeoutMs, echo, env },
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
  if (stack.framework === "pytest" && /No module named coverage/.test(tail))
    return "coverage.py is not installed for this interpreter: pip install coverage (or set runner.python)";
  if (stack.framework === "vitest" && /@vitest\/coverage-|Cannot find (?:package|module) ['"]@vitest\/coverage/.test(tail))
    return "the vitest coverage provider is missing: install @vitest/coverage-v8 at vitest's version";
  return `exit code ${exitCode}, no coverage report written (see the output above)`;
}
