// How tests are selected on a runner's command line, shared by the runner adapters (lib/runners/):
// regex escaping, the names bun/vitest/jest/node match, shell quoting, paths seen from a stack's folder
// and the deepest-stack rule used by the task file's re-run commands and verification's targeted re-run.
import { posix } from "node:path";
import type { Framework } from "./types.ts";

/** Escapes a test name for a runner's `-t`/`-run` regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The name bun, vitest, jest and node match a name filter against: describe blocks joined by spaces. */
export function runnerTestName(fullName: string): string {
  // "name (2)": the second test of one name in one file (lib/failures): the runner knows it by the name alone.
  return fullName
    .replace(/ \([2-9]\d*\)$| \(1\d+\)$/, "")
    .split(" > ")
    .join(" ");
}

/**
 * One anchored pattern for a test's runner name. A suite-level error (a describe block whose beforeAll
 * failed) is matched with the tests under it, whose names it begins ("with a hook adds"): its hook runs only
 * when one of them does.
 */
export function nameRegex(t: { fullName: string; kind?: string }): string {
  return `${escapeRegex(runnerTestName(t.fullName))}${nameEnd(t.kind)}`;
}

/** Where a name pattern ends: the name itself, or (a suite-level error) any name it begins. */
const nameEnd = (kind: string | undefined) => (kind === "error" ? "(?: |$)" : "$");

/** One anchored pattern matching exactly these tests' runner names (a suite-level error: its tests too). */
export function namePattern(tests: { fullName: string; kind?: string }[]): string {
  return anchored(tests.map((t) => ({ name: escapeRegex(runnerTestName(t.fullName)), kind: t.kind })));
}

/** `^(?:a|b)$` of escaped names; a suite-level error's also matches the names it begins. */
export function anchored(names: { name: string; kind?: string }[]): string {
  if (!names.some((n) => n.kind === "error")) return `^(?:${[...new Set(names.map((n) => n.name))].join("|")})$`;
  return `^(?:${[...new Set(names.map((n) => `${n.name}${nameEnd(n.kind)}`))].join("|")})`;
}

/** POSIX single-quoting for a shell word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Commands as one shell line joined by `&&`, each word quoted as a shell reads it back (`'hatch>=1.18.0'`). */
export function shellLine(commands: string[][]): string {
  return commands.map((c) => c.map(shellQuote).join(" ")).join(" && ");
}

/** A repo-relative path as seen from a stack's folder. */
export function relToStack(cwd: string, file: string): string {
  return cwd === "." ? file : posix.relative(cwd, file);
}

/** The distinct files of these tests, relative to the stack folder. */
export function filesOf(cwd: string, tests: { file: string | null }[]): string[] {
  return [...new Set(tests.map((t) => t.file).filter((f): f is string => !!f))].map((f) => relToStack(cwd, f));
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
