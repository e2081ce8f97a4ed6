// node --test (node's built-in runner): a spec log on stdout and a JUnit report. node reads options only
// before the first file, so every flag goes right after `--test`.
import { escapeRegex, filesOf, runnerTestName, shellQuote } from "../test-selection.ts";
import type { Stack } from "../types.ts";
import { type RunnerAdapter, scriptRerun } from "./adapter.ts";
import { scriptCommand } from "./package-script.ts";

/**
 * The command with `flags` right after `--test`, or right after the script's own words when the project's
 * `test` script runs it: before any file the command names (verification's targeted re-run appends files).
 */
function withFlags(stack: Pick<Stack, "command" | "script">, flags: string[]): string[] {
  const { command } = stack;
  const test = command.indexOf("--test");
  const at = test !== -1 ? test + 1 : stack.script ? scriptCommand(stack.script.manager).length : command.length;
  return [...command.slice(0, at), ...flags, ...command.slice(at)];
}

/**
 * A --test-name-pattern for these tests: node 20 matches a test's own name, node 22 and later the names
 * of its describe blocks and its own joined by spaces; the pattern accepts either.
 */
function nodeNamePattern(fullNames: string[]): string {
  const names = new Set<string>();
  for (const n of fullNames) {
    names.add(runnerTestName(n));
    names.add(n.split(" > ").pop()!);
  }
  return `^(?:${[...names].map(escapeRegex).join("|")})$`;
}

export const nodeTest: RunnerAdapter = {
  name: "node-test",
  docs: {
    foundBy: "`test` script says `node --test`",
    runAs:
      "the `test` script (`npm run test --`, `pnpm`/`yarn`/`bun run test`) when its last command runs `node --test` naming no files, else `node --test`; with `--test-reporter=junit --test-reporter-destination=raw/<id>.xml` (and spec on the console)",
  },
  reportFormat: "junit",
  claimPackage: (p) => (/\bnode\b[^&|;]*?\s--test\b/.test(p.testScript) ? "script" : null),
  command: () => ["node", "--test"],
  plan: (stack, paths) => ({
    argv: withFlags(stack, [
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=junit",
      `--test-reporter-destination=${paths.abs("xml")}`,
    ]),
    report: paths.rel("xml"),
    reportIsStdout: false,
  }),
  rerunOne: (r) => {
    if (!r.file) return null;
    const pattern = nodeNamePattern([r.failure.fullName]);
    // The script's `node --test` names no files (package-script.ts), so the pattern and file appended follow its flags.
    return (
      scriptRerun(r, [`--test-name-pattern=${pattern}`, r.file]) ??
      `${r.prefix}node --test --test-name-pattern=${shellQuote(pattern)} ${shellQuote(r.file)}`
    );
  },
  targetCommand: (stack, tests) => [
    ...withFlags(stack, [`--test-name-pattern=${nodeNamePattern(tests.map((t) => t.fullName))}`]),
    ...filesOf(stack.cwd, tests),
  ],
  coverage: (stack, dir) => ({
    commands: [
      withFlags(stack, [
        "--experimental-test-coverage",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=lcov",
        `--test-reporter-destination=${dir.abs}/lcov.info`,
      ]),
    ],
    report: `${dir.rel}/lcov.info`,
    format: "lcov",
    env: {},
  }),
};
