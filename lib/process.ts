// Every process the toolkit starts (runners, git, package managers, terraform) goes through zx's `$`:
// argv words quoted by zx and exec'd by bash (no shell syntax of ours), nothrow, quiet, stdin closed,
// output streamed as it comes, and a timeout that kills the whole process group (zx's kill).
import { spawnSync as nodeSpawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { $, type ProcessPromise } from "zx";

export interface ProcessResult {
  /** null when a signal ended the process. */
  exitCode: number | null;
  signal: string | null;
  /** Empty unless captured (`captureStdout`, or always for `runSync`). */
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Past this, the process group gets SIGTERM, then SIGKILL after `killGraceMs`. 0 or absent: no limit. */
  timeoutMs?: number;
  /** Default 10 s: a runner gets time to write its report and stop its workers. */
  killGraceMs?: number;
  /** At the timeout SIGINT first, then SIGTERM after `killGraceMs`, then SIGKILL after as long again. */
  interruptFirst?: boolean;
  /** Called once when the timeout fires, before the group is signalled. */
  onTimeout?: () => void;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Keep stdout in the result (a report on stdout); otherwise it is only streamed, never held. */
  captureStdout?: boolean;
  /** Keep stderr in the result. */
  captureStderr?: boolean;
}

/** An array that keeps nothing: zx stores every chunk of output, which a long runner log must not cost. */
const discard = (): string[] => Object.assign([] as string[], { push: () => 0 });

/**
 * The program `argv[0]` names, or null when there is none: a name with a slash is a path from `cwd`,
 * any other is looked up on the env's PATH; `bun` falls back to the running interpreter.
 */
export function resolveProgram(name: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name.includes("/")) {
    const abs = isAbsolute(name) ? name : join(cwd, name);
    return existsSync(abs) ? name : null;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return name;
    } catch {
      /* not in this folder */
    }
  }
  return name === "bun" ? process.execPath : null;
}

function notFound(name: string): ProcessResult {
  return { exitCode: 127, signal: null, stdout: "", stderr: `${name}: command not found\n` };
}

/** Starts `argv` in its own process group; resolves when it ends (never rejects for the process's sake). */
export async function start(argv: string[], opts: StartOptions): Promise<ProcessResult> {
  const env = opts.env ?? process.env;
  const program = resolveProgram(argv[0]!, opts.cwd, env);
  if (!program) {
    const r = notFound(argv[0]!);
    opts.onStderr?.(r.stderr);
    return r;
  }
  const p: ProcessPromise = $({
    cwd: opts.cwd,
    env,
    quiet: true,
    nothrow: true,
    verbose: false,
    // Own process group, so a timeout stops the runner's workers too; `exec` makes the runner the leader.
    detached: true,
    prefix: "exec ",
    postfix: "",
    stdio: ["ignore", "pipe", "pipe"],
    store: { stdout: opts.captureStdout ? [] : discard(), stderr: opts.captureStderr ? [] : discard(), stdall: discard() },
  })`${[program, ...argv.slice(1)]}`;
  const out = new StringDecoder("utf8");
  const err = new StringDecoder("utf8");
  p.stdout?.on("data", (b: Buffer) => opts.onStdout?.(out.write(b)));
  p.stderr?.on("data", (b: Buffer) => opts.onStderr?.(err.write(b)));

  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const kill = (signal: NodeJS.Signals) => {
    if (p.stage !== "running" || !p.pid) return;
    // The group first, in one signal: zx's kill signals children one by one first, and a shell whose child
    // died that way exits 143 before its own signal arrives (recorded as an exit code, not a timeout).
    try {
      process.kill(-p.pid, signal);
    } catch {
      /* already gone */
    }
    // zx's kill: descendants that left the group (setsid) too. Not for SIGINT: a second Ctrl-C while pytest
    // writes its report of the first breaks that report.
    if (signal !== "SIGINT") p.kill(signal).catch(() => undefined);
  };
  const timer =
    opts.timeoutMs && opts.timeoutMs > 0
      ? setTimeout(() => {
          opts.onTimeout?.();
          timedOut = true;
          const grace = opts.killGraceMs ?? 10_000;
          const terminate = () => {
            kill("SIGTERM");
            graceTimer = setTimeout(() => kill("SIGKILL"), grace);
          };
          if (opts.interruptFirst) {
            kill("SIGINT");
            graceTimer = setTimeout(terminate, grace);
          } else terminate();
        }, opts.timeoutMs)
      : undefined;
  try {
    const o = await p;
    const restOut = out.end();
    const restErr = err.end();
    if (restOut) opts.onStdout?.(restOut);
    if (restErr) opts.onStderr?.(restErr);
    const spawnError = o.cause as NodeJS.ErrnoException | null;
    if (spawnError && o.exitCode === null && !o.signal) {
      const msg = `${argv[0]}: ${spawnError.code === "ENOENT" ? "command not found" : spawnError.message}\n`;
      opts.onStderr?.(msg);
      return { exitCode: spawnError.code === "ENOENT" ? 127 : 126, signal: null, stdout: "", stderr: msg };
    }
    return {
      // A runner that stopped on the SIGINT by itself (pytest exits 2) was still stopped: the signal is the record.
      exitCode: timedOut && !o.signal ? null : o.exitCode,
      signal: o.signal ?? (timedOut ? "SIGINT" : null),
      stdout: opts.captureStdout ? o.stdout : "",
      stderr: opts.captureStderr ? o.stderr : "",
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
  }
}

export interface RunSyncOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Largest stdout/stderr kept (git show of a big file). Default 64 MB. */
  maxBuffer?: number;
}

/** Runs `argv` to completion (git plumbing, probes): both outputs captured. Never throws for the process's sake. */
export function runSync(argv: string[], opts: RunSyncOptions): ProcessResult {
  const env = opts.env ?? process.env;
  const program = resolveProgram(argv[0]!, opts.cwd, env);
  if (!program) return notFound(argv[0]!);
  const limits = { maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024, ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}) };
  const o = $({
    sync: true,
    cwd: opts.cwd,
    env,
    quiet: true,
    nothrow: true,
    verbose: false,
    prefix: "exec ",
    postfix: "",
    stdio: ["ignore", "pipe", "pipe"],
    // zx's own hook for the spawn: node's default 1 MB buffer would cut a large `git show`.
    spawnSync: ((cmd: string, args: readonly string[], o: object) =>
      nodeSpawnSync(cmd, args, { ...o, ...limits })) as unknown as typeof nodeSpawnSync,
  })`${[program, ...argv.slice(1)]}`;
  return { exitCode: o.exitCode, signal: o.signal, stdout: o.stdout, stderr: o.stderr };
}
