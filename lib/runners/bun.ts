// bun test: JUnit report plus the console log (a test file that fails to load is only on bun's console).
import { escapeRegex, filesOf, namePattern, nameRegex, runnerTestName, shellQuote } from "../test-selection.ts";
import { type RunnerAdapter, scriptRerun } from "./adapter.ts";

export const bun: RunnerAdapter = {
  name: "bun",
  docs: {
    foundBy: "`test` script says `bun test`; or `bun.lock`/`bunfig.toml` plus `*.test.*`/`*.spec.*` files",
    runAs:
      "the `test` script (`npm run test --`, `pnpm`/`yarn`/`bun run test`) when its last command runs `bun test`, else `bun test`; with `--reporter=junit --reporter-outfile=raw/<id>.xml`",
  },
  reportFormat: "junit",
  claimPackage: (p) => {
    if (/\bbun\s+test\b/.test(p.testScript)) return "script";
    const bunFiles = ["bun.lock", "bun.lockb", "bunfig.toml"].some((f) => p.folder.files.has(f));
    return bunFiles && p.hasTests ? "files" : null;
  },
  command: () => ["bun", "test"],
  plan: (stack, paths) => ({
    argv: [...stack.command, "--reporter=junit", `--reporter-outfile=${paths.abs("xml")}`],
    report: paths.rel("xml"),
    reportIsStdout: false,
    consoleLog: paths.rel("console.txt"),
  }),
  rerunOne: (r) => {
    if (!r.file) return null;
    const name = `^${nameRegex(r.failure)}`;
    return scriptRerun(r, [r.file, "-t", name]) ?? `${r.prefix}bun test ${shellQuote(r.file)} -t ${shellQuote(name)}`;
  },
  // bun reads a bare word as a name filter, not a path: files go as ./paths.
  targetCommand: (stack, tests) => [
    ...stack.command,
    ...filesOf(stack.cwd, tests).map((f) => (f.startsWith("/") || f.startsWith(".") ? f : `./${f}`)),
    "-t",
    namePattern(tests),
  ],
  coverage: (stack, dir) => ({
    commands: [[...stack.command, "--coverage", "--coverage-reporter=lcov", `--coverage-dir=${dir.abs}`]],
    report: `${dir.rel}/lcov.info`,
    format: "lcov",
    env: {},
  }),
};
