// `task -x heal` in local mode, as the end-to-end tests run it: go-task from PATH, and an environment without
// a token or repository of the machine running the tests.
import { dirname, join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";

export const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");
export const TASK_BIN = Bun.which("task");

/** The go-task binary, or a thrown error that says how to install it. */
export function taskBin(): string {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  return TASK_BIN;
}

/** Local mode for sure: no token or repository from the machine running the tests. */
export function localEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k) || k === "CI") continue;
    env[k] = v;
  }
  env.PATH = [dirname(process.execPath), TASK_BIN ? dirname(TASK_BIN) : "", env.PATH ?? ""].filter(Boolean).join(":");
  return env;
}
