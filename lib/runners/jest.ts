// jest: its JSON report with test locations (file and line of each test).
import { escapeRegex, filesOf, namePattern, runnerTestName, shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

const hasConfig = (files: Set<string>) => [...files].some((f) => f.startsWith("jest.config.") && /\.(?:[cm]?[jt]s|json)$/.test(f));

export const jest: RunnerAdapter = {
  name: "jest",
  docs: {
    foundBy: '`test` script says `jest`; `jest` dependency; `jest.config.*`; `"jest"` in package.json',
    runAs: "`node_modules/.bin/jest --json --outputFile=raw/<id>.json --testLocationInResults`",
  },
  reportFormat: "jest-json",
  claimPackage: (p) => {
    if (/\bjest\b/.test(p.testScript)) return "script";
    return "jest" in p.deps || hasConfig(p.folder.files) || p.pkg?.jest !== undefined ? "dependency" : null;
  },
  command: (tree, cwd) => tree.nodeBin(cwd, "jest"),
  plan: (stack, paths) => ({
    argv: [...stack.command, "--json", `--outputFile=${paths.abs("json")}`, "--testLocationInResults"],
    report: paths.rel("json"),
    reportIsStdout: false,
  }),
  rerunOne: (r) =>
    r.file && `${r.prefix}npx jest ${shellQuote(r.file)} -t ${shellQuote(`^${escapeRegex(runnerTestName(r.failure.fullName))}$`)}`,
  targetCommand: (stack, tests) => [...stack.command, ...filesOf(stack.cwd, tests), "-t", namePattern(tests)],
  coverage: (stack, dir) => ({
    commands: [[...stack.command, "--coverage", "--coverageReporters=json", `--coverageDirectory=${dir.abs}`]],
    report: `${dir.rel}/coverage-final.json`,
    format: "istanbul",
    env: {},
  }),
};
