// node --test (node's built-in runner): a spec log on stdout and a JUnit report. node reads options only
// before the first file, so every flag goes right after `--test`.
import { escapeRegex, filesOf, runnerTestName, shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

/** The command with `flags` right after `--test` (before any file the command names). */
function withFlags(command: string[], flags: string[]): string[] {
  const at = command.indexOf("--test");
  return at === -1 ? [...command, ...flags] : [...command.slice(0, at + 1), ...flags, ...command.slice(at + 1)];
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
    argv: withFlags(stack.command, [
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=junit",
      `--test-reporter-destination=${paths.abs("xml")}`,
    ]),
    report: paths.rel("xml"),
    reportIsStdout: false,
  }),
  rerunOne: (r) =>
    r.file && `${r.prefix}node --test --test-name-pattern=${shellQuote(nodeNamePattern([r.failure.fullName]))} ${shellQuote(r.file)}`,
  targetCommand: (stack, tests) => [
    ...withFlags(stack.command, [`--test-name-pattern=${nodeNamePattern(tests.map((t) => t.fullName))}`]),
    ...filesOf(stack.cwd, tests),
  ],
  coverage: (stack, dir) => ({
    commands: [
      withFlags(stack.command, [
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
