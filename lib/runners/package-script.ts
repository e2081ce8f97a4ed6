// The project's own `test` script as heal's command: `npm run test --` and its kin run pretest/posttest and
// whatever the script sets up, and the reporter flags appended reach the runner when the script's last
// segment runs it. Pure: no file or process access.
import type { PackageManager, RunnerName } from "../types.ts";

/** The words of a shell command split into segments on `&&`, `||`, `;` and `|` (quotes respected). */
export function scriptSegments(script: string): string[][] {
  const segments: string[][] = [[]];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  const endWord = () => {
    if (inWord) segments[segments.length - 1]!.push(word);
    word = "";
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) endWord();
    else if (ch === "&" || ch === "|" || ch === ";") {
      endWord();
      if ((ch === "&" || ch === "|") && script[i + 1] === ch) i++;
      segments.push([]);
    } else {
      word += ch;
      inWord = true;
    }
  }
  endWord();
  return segments.filter((s) => s.length > 0);
}

/** The JavaScript runner a segment runs (an env prefix, cross-env or npx before it is fine), or null. */
export function segmentRunner(words: string[]): RunnerName | null {
  const names = words.map((w) => w.split("/").pop()!);
  const at = (name: string) => names.indexOf(name);
  if (at("bun") !== -1 && names[at("bun") + 1] === "test") return "bun";
  if (at("vitest") !== -1) return "vitest";
  if (at("jest") !== -1) return "jest";
  if (at("node") !== -1 && names.slice(at("node") + 1).includes("--test")) return "node-test";
  return null;
}

/**
 * The runner the script's last segment runs, when flags appended to the script reach it: node reads options
 * only before the first file, so a `node --test` naming files does not qualify.
 */
export function scriptRunner(script: string): RunnerName | null {
  const last = scriptSegments(script).at(-1);
  if (!last) return null;
  const runner = segmentRunner(last);
  if (runner === "node-test") {
    const after = last.slice(last.findIndex((w) => w.split("/").pop() === "node") + 1);
    if (after.some((w) => !w.startsWith("-"))) return null;
  }
  return runner;
}

/** Each segment of the script that runs a known runner, in order, with its index among all segments. */
export function runnerSegments(script: string): { words: string[]; runner: RunnerName; index: number }[] {
  return scriptSegments(script).flatMap((words, index) => {
    const runner = segmentRunner(words);
    return runner ? [{ words, runner, index }] : [];
  });
}

/**
 * The segments before the script's first runner segment (`tsc -b && vitest run && vitest run -c x` -> [["tsc",
 * "-b"]]): what a script with several runner segments runs before its runners, as heal:prepare steps.
 */
export function segmentsBeforeRunners(script: string): string[][] {
  const segments = scriptSegments(script);
  const at = segments.findIndex((s) => segmentRunner(s) !== null);
  return at === -1 ? [] : segments.slice(0, at);
}

/**
 * A check a test script runs before its tests (lint, format, a type check that writes nothing): the tests do not
 * need what it makes, so its failure must not stop them or hide their failures. A build (`tsc` that emits) is not.
 */
const CHECK_WORD =
  /^(?:eslint|biome|prettier|stylelint|oxlint|xo|dprint|vue-tsc)$|^(?:[\w-]+:)*(?:lint|typecheck|type-check|check-types|format|fmt)(?::[\w-]+)*$/;

export function isCheckCommand(words: string[]): boolean {
  const names = words.map((w) => w.replace(/^.*\//, ""));
  return names.some((w) => CHECK_WORD.test(w)) || (names.includes("tsc") && names.includes("--noEmit"));
}

/** A script with a check before its one runner (`npm run lint && vitest run`): run apart, as chained runners are. */
export function checksBeforeRunner(script: string): boolean {
  return segmentsBeforeRunners(script).some(isCheckCommand);
}

/** Flags appended to a script reach only its last runner: with more than one, each runs as its own stack. */
export function chainsRunners(script: string): boolean {
  return runnerSegments(script).length > 1;
}

/**
 * One runner segment as a command of its own, run in the package folder as the script would run it: leading
 * `NAME=value` words through `env`, the program from node_modules/.bin (`bin` resolves it, null: left as
 * written), `--run` for a vitest that would watch.
 */
export function segmentCommand(words: string[], runner: RunnerName, bin: (name: string) => string[] | null): string[] {
  const assigns = words.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w));
  const env = assigns > 0 ? ["env", ...words.slice(0, assigns)] : [];
  const [program, ...rest] = words.slice(Math.max(assigns, 0));
  const command = [...env, ...(bin(program!) ?? [program!]), ...rest];
  const at = rest.findIndex((w) => w.split("/").pop() === "vitest");
  const vitestArgs = program!.split("/").pop() === "vitest" ? rest : rest.slice(at + 1);
  const watches = runner === "vitest" && !vitestArgs.some((w) => w === "run" || w === "--run");
  return watches ? [...command, "--run"] : command;
}

/** The command that runs a package's `test` script with pretest/posttest; words appended reach the script. */
export function scriptCommand(manager: PackageManager): string[] {
  return manager === "npm" ? ["npm", "run", "test", "--"] : [manager, "run", "test"];
}

/** vitest without `run` watches in a terminal: heal's command adds `--run`. */
export function vitestNeedsRun(script: string): boolean {
  const last = scriptSegments(script).at(-1) ?? [];
  const at = last.findIndex((w) => w.split("/").pop() === "vitest");
  return !last.slice(at + 1).some((w) => w === "run" || w === "--run");
}

/** `packageManager` of a package.json ("pnpm@9.1.0" -> pnpm), or null. */
export function packageManagerOf(field: unknown): PackageManager | null {
  const name = typeof field === "string" ? field.split("@")[0] : "";
  return name === "npm" || name === "pnpm" || name === "yarn" || name === "bun" ? name : null;
}
