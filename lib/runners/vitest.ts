// vitest: JUnit rather than JSON, since its names are joined with " > " and failures carry `❯ path:line:col`.
import { escapeRegex, filesOf, namePattern, runnerTestName, shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

const hasConfig = (files: Set<string>, base: string) =>
  [...files].some((f) => f.startsWith(`${base}.`) && /\.(?:[cm]?[jt]s|json)$/.test(f));

export const vitest: RunnerAdapter = {
  name: "vitest",
  docs: {
    foundBy: "`test` script says `vitest`; `vitest` dependency; `vitest.config.*`",
    runAs:
      "the `test` script (`npm run test --`, `pnpm`/`yarn`/`bun run test`) when its last command runs vitest (plus `--run` without `run`), else `node_modules/.bin/vitest run`; with `--reporter=default --reporter=junit --outputFile.junit=raw/<id>.xml`",
  },
  reportFormat: "junit",
  claimPackage: (p) => {
    if (/\bvitest\b/.test(p.testScript)) return "script";
    const files = p.folder.files;
    return "vitest" in p.deps || hasConfig(files, "vitest.config") || hasConfig(files, "vitest.workspace") ? "dependency" : null;
  },
  command: (tree, cwd) => [...tree.nodeBin(cwd, "vitest"), "run"],
  plan: (stack, paths) => ({
    argv: [...stack.command, "--reporter=default", "--reporter=junit", `--outputFile.junit=${paths.abs("xml")}`],
    report: paths.rel("xml"),
    reportIsStdout: false,
  }),
  rerunOne: (r) =>
    r.file && `${r.prefix}npx vitest run ${shellQuote(r.file)} -t ${shellQuote(`^${escapeRegex(runnerTestName(r.failure.fullName))}$`)}`,
  targetCommand: (stack, tests) => [...stack.command, ...filesOf(stack.cwd, tests), "-t", namePattern(tests)],
  coverage: (stack, dir) => {
    const run = stack.command.includes("run") || stack.command.includes("--run") ? [] : ["--run"];
    return {
      commands: [
        [
          ...stack.command,
          ...run,
          "--coverage.enabled=true",
          "--coverage.reporter=json",
          `--coverage.reportsDirectory=${dir.abs}`,
          // vitest writes no coverage when a test fails unless told to.
          "--coverage.reportOnFailure=true",
        ],
      ],
      report: `${dir.rel}/coverage-final.json`,
      format: "istanbul",
      env: {},
    };
  },
  coverageHint: (tail) =>
    /@vitest\/coverage-|Cannot find (?:package|module) ['"]@vitest\/coverage/.test(tail)
      ? "the vitest coverage provider is missing: install @vitest/coverage-v8 at vitest's version"
      : null,
};
