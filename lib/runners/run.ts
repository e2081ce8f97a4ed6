// Runs one test stack with the reporter flags its adapter adds, streaming the runner's own console
// output to stderr, and records what happened (exit code, signal, duration, reports, redacted tail).
// The code under test gets an environment without the tokens the toolkit holds (runnerEnvironment).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import type { HealConfig } from "../config.ts";
import { start } from "../process.ts";
import { redact } from "../redact.ts";
import { forLogStream } from "../sanitize.ts";
import type { RunRecord, RunsFile } from "../types.ts";
import type { RunnableStack, RunPlan, RunSteps } from "./adapter.ts";
import { adapterFor } from "./registry.ts";
import { redactFile, redactReportText } from "./report-redaction.ts";

export const TAIL_LINES = 60;
const TAIL_BYTES = 64 * 1024;

/**
 * Variables never passed to the code under test (heal, verify and coverage runs): the job's GitHub
 * tokens, Actions' runtime and OIDC credentials, and the default agent token. In verify that code was
 * written by the agent.
 */
export const RUNNER_ENV_DENY = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "HEAL_AGENT_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
] as const;

/** The names a config adds to RUNNER_ENV_DENY: the agent token it names and `runner.env_deny`. */
export function runnerEnvDeny(config: Pick<HealConfig, "agent" | "runner">): string[] {
  const listed = (config.runner as { envDeny?: string[] }).envDeny ?? [];
  return [config.agent.tokenEnv, ...listed];
}

/** `env` without RUNNER_ENV_DENY and `deny`. */
export function runnerEnvironment(env: NodeJS.ProcessEnv, deny: readonly string[] = []): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of [...RUNNER_ENV_DENY, ...deny]) delete out[name];
  return out;
}

export interface RunOptions {
  repoRoot: string;
  /** Repo-relative folder for raw reports (`<reports_dir>/raw`). */
  rawDir: string;
  /** A run longer than this is stopped (SIGTERM to its process group, then SIGKILL) and recorded with its signal. */
  timeoutMs?: number;
  /** Receives the runner's console output as it comes (default: our stderr). */
  echo?: (chunk: string) => void;
  /** The environment to start from (default: ours); RUNNER_ENV_DENY and `envDeny` are always removed. */
  env?: NodeJS.ProcessEnv;
  /** More variable names kept from the code under test (runnerEnvDeny(config)). */
  envDeny?: readonly string[];
}

/** The flags each runner needs for a machine-readable report that keeps file and line (its adapter's plan). */
export function planRun(stack: RunnableStack, repoRoot: string, rawDir: string, env: NodeJS.ProcessEnv = process.env): RunPlan {
  const rel = (ext: string) => posix.join(rawDir, `${stack.id}.${ext}`);
  if (stack.report) return { argv: stack.command, report: posix.join(stack.cwd, stack.report), reportIsStdout: false };
  const adapter = adapterFor(stack.framework);
  // A report-only dialect named in the config: its plain output is kept as the report.
  if (!adapter) return { argv: stack.command, report: rel("txt"), reportIsStdout: true };
  return adapter.plan(stack, { rel, abs: (ext) => join(repoRoot, rel(ext)) }, env);
}

/** The later reports of a series (`jest.2.json`, `jest.3.json`, ... beside `jest.json`), in order. */
function seriesFiles(first: string): string[] {
  const dir = dirname(first);
  const m = /^(.*)(\.[^.]+)$/.exec(basename(first));
  if (!m || !existsSync(dir)) return [];
  const [, stem, ext] = m;
  return readdirSync(dir)
    .map((f) => ({ f, n: f.startsWith(`${stem}.`) && f.endsWith(ext!) ? Number(f.slice(stem!.length + 1, -ext!.length)) : Number.NaN }))
    .filter((x) => Number.isInteger(x.n) && x.n >= 2)
    .sort((a, b) => a.n - b.n)
    .map((x) => join(dir, x.f));
}

/** Keeps the last TAIL_BYTES of output; `text()` gives the last TAIL_LINES, colour codes stripped, redacted. */
class OutputTail {
  private buf = "";
  private cut = false;
  push(text: string) {
    this.buf += text;
    if (this.buf.length > TAIL_BYTES * 2) {
      this.buf = this.buf.slice(-TAIL_BYTES);
      this.cut = true;
    }
  }
  text(): string {
    let lines = this.buf
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
      .replace(/\r\n?/g, "\n")
      .split("\n");
    if (this.cut) lines = lines.slice(1); // the first line may be a fragment (of a secret, too)
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
    return redact(lines.slice(-TAIL_LINES).join("\n"));
  }
}

/** Runs one stack; never throws for a runner problem: a crash is a RunRecord with its exit code and tail. */
export async function runStack(stack: RunnableStack, opts: RunOptions): Promise<RunRecord> {
  const env = runnerEnvironment(opts.env ?? process.env, opts.envDeny);
  // Test output is untrusted: secrets are masked and workflow commands broken before it reaches the log,
  // whole lines at a time so a token split across chunks is still masked.
  const logStream = forLogStream(opts.echo ?? ((s: string) => void process.stderr.write(s)));
  const echo = (s: string) => logStream.write(s);
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const tail = new OutputTail();
  const plan = planRun(stack, opts.repoRoot, opts.rawDir, env);
  const cwd = join(opts.repoRoot, stack.cwd);
  const reportAbs = plan.report ? join(opts.repoRoot, plan.report) : null;
  mkdirSync(join(opts.repoRoot, opts.rawDir), { recursive: true });
  // An earlier run's report must never pass for this run's (a configured report is inside the repo: schema).
  if (reportAbs) rmSync(reportAbs, { force: true });
  if (reportAbs && plan.reportSeries) for (const f of seriesFiles(reportAbs)) rmSync(f, { force: true });
  const consoleAbs = plan.consoleLog ? join(opts.repoRoot, plan.consoleLog) : null;
  const consoleFd = consoleAbs ? openSync(consoleAbs, "w") : null;
  const consoleStream = consoleFd === null ? null : forLogStream((s) => void writeSync(consoleFd, s));
  const seen = (s: string) => {
    tail.push(s);
    consoleStream?.write(s);
  };
  const steps: RunSteps = {
    echo,
    exec: (argv, captureStdout) =>
      start(argv, {
        cwd,
        env: plan.env ? { ...env, ...plan.env } : env,
        timeoutMs,
        captureStdout,
        interruptFirst: plan.interruptOnTimeout,
        onTimeout: () => {
          const msg = `\n[heal] stopped after ${Math.round(timeoutMs / 1000)}s (runner.timeout_minutes)\n`;
          tail.push(msg);
          echo(msg);
        },
        onStdout: (s) => {
          if (!captureStdout) echo(s);
          seen(s);
        },
        onStderr: (s) => {
          echo(s);
          seen(s);
        },
      }),
  };

  const started = performance.now();
  let result: { exitCode: number | null; signal: string | null; stdout: string };
  const own = stack.report ? undefined : adapterFor(stack.framework)?.execute;
  if (!existsSync(cwd)) {
    const msg = `${stack.cwd}: folder not found`;
    tail.push(msg);
    echo(`${msg}\n`);
    result = { exitCode: 127, signal: null, stdout: "" };
  } else if (own) {
    result = await own(stack, plan, steps);
  } else {
    result = await steps.exec(plan.argv, plan.reportIsStdout);
  }
  const durationMs = Math.round(performance.now() - started);
  logStream.end();
  consoleStream?.end();
  if (consoleFd !== null) closeSync(consoleFd);

  // Raw reports are uploaded as an artifact: they are redacted like everything else that leaves the run.
  if (plan.reportIsStdout && reportAbs && result.stdout.trim() !== "") writeFileSync(reportAbs, redactReportText(result.stdout));
  const wrote = reportAbs !== null && existsSync(reportAbs) && statSync(reportAbs).isFile();
  if (wrote && !plan.reportIsStdout) redactFile(reportAbs!);
  const series = wrote && plan.reportSeries ? seriesFiles(reportAbs!) : [];
  for (const f of series) redactFile(f);
  return {
    stack,
    argv: plan.argv,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs,
    reports: [
      ...(wrote && plan.report ? [plan.report] : []),
      ...series.map((f) => posix.join(posix.dirname(plan.report!), basename(f))),
      ...(plan.consoleLog && statSync(join(opts.repoRoot, plan.consoleLog)).size > 0 ? [plan.consoleLog] : []),
    ],
    outputTail: tail.text(),
  };
}

/** Runs the stacks one after another (their console output would interleave otherwise). */
export async function runStacks(stacks: RunnableStack[], opts: RunOptions): Promise<RunsFile> {
  const runs: RunRecord[] = [];
  for (const stack of stacks) {
    (opts.echo ?? ((s: string) => void process.stderr.write(s)))(`\n── ${stack.id}: ${stack.command.join(" ")} (in ${stack.cwd})\n`);
    runs.push(await runStack(stack, opts));
  }
  return { schemaVersion: 1, runs };
}
