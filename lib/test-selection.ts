// How one failing test is selected on a runner's command line: shared by the task file's re-run
// commands (lib/task-context.ts) and verification's targeted re-run (lib/verify.ts).
import { posix } from "node:path";
import type { Framework } from "./types.ts";

/** Escapes a test name for a runner's `-t`/`-run` regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The name bun, vitest and jest match `-t` against: describe blocks joined by spaces. */
export function runnerTestName(fullName: string): string {
  return fullName.split(" > ").join(" ");
}

/** A repo-relative path as seen from a stack's folder. */
export function relToStack(cwd: string, file: string): string {
  return cwd === "." ? file : posix.relative(cwd, file);
}

/**
 * What pytest can select: the node id (relative to the stack folder, pytest's rootdir); a module that failed
 * to collect is named `tests/test_x.py::tests.test_x`, which pytest cannot select, so its file instead.
 */
export function pytestSelector(fullName: string, file: string | null, cwd: string): string {
  const [path, ...rest] = fullName.split("::");
  const last = (rest.at(-1) ?? "").split("[")[0]!;
  if (rest.length > 0 && !last.includes(".")) return fullName;
  return file ? relToStack(cwd, file) : path!;
}

/** The stack a test belongs to: same framework, the deepest folder that holds its file. */
export function deepestStack<S extends { framework: Framework; cwd: string }>(
  stacks: S[],
  framework: Framework,
  file: string | null,
): S | undefined {
  const same = stacks.filter((s) => s.framework === framework);
  const holding = same.filter((s) => s.cwd === "." || (file ?? "").startsWith(`${s.cwd}/`));
  return holding.sort((a, b) => b.cwd.length - a.cwd.length)[0] ?? same[0];
}
