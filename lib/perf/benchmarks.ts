// perf.command: the config's benchmarks, run before their results are read (task perf, and verify of a perf issue).
import { log } from "../cli.ts";
import type { HealConfig } from "../config.ts";
import { HealError } from "../errors.ts";
import { runSync } from "../process.ts";
import { runnerEnvDeny, runnerEnvironment } from "../runners/run.ts";

/** Runs perf.command (the config's benchmarks) in the repository, without the tool's tokens, its output on stderr. */
export function runBenchmarks(root: string, config: HealConfig, env: Record<string, string | undefined>): void {
  const argv = config.perf.command!;
  log.info(`perf: running ${argv.join(" ")}`);
  const r = runSync(argv, {
    cwd: root,
    env: runnerEnvironment(env, runnerEnvDeny(config)),
    timeoutMs: config.runner.timeoutMinutes * 60_000,
  });
  for (const line of `${r.stdout}${r.stderr}`.split("\n").filter(Boolean).slice(-40)) log.info(`  ${line}`);
  if (r.exitCode !== 0)
    throw new HealError("BENCH_COMMAND_FAILED", `${argv[0]} exited ${r.exitCode ?? r.signal ?? "abnormally"}`, config.source ?? undefined);
}
