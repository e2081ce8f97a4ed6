// jest: its JSON report with test locations (file and line of each test).
import { escapeRegex, filesOf, namePattern, nameRegex, runnerTestName, shellQuote } from "../test-selection.ts";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../paths.ts";
import { appendEnv, type RunnerAdapter, scriptRerun } from "./adapter.ts";

/** Gives jest its report options in memory (lib/runners/jest-report.cjs), so the tests' argv stays the user's. */
const REPORT_SHIM = join(TOOLKIT_ROOT, "lib/runners/jest-report.cjs");

/** A path as one NODE_OPTIONS word: node splits the variable on spaces and honours double quotes. */
const nodeOptionWord = (path: string) => (/[\s"\\]/.test(path) ? `"${path.replace(/(["\\])/g, "\\$1")}"` : path);

const hasConfig = (files: Set<string>) => [...files].some((f) => f.startsWith("jest.config.") && /\.(?:[cm]?[jt]s|json)$/.test(f));

export const jest: RunnerAdapter = {
  name: "jest",
  docs: {
    foundBy: '`test` script says `jest`; `jest` dependency; `jest.config.*`; `"jest"` in package.json',
    runAs:
      "the `test` script (`npm run test --`, `pnpm`/`yarn`/`bun run test`) when its last command runs jest, else `node_modules/.bin/jest`; its JSON report (`json`, `outputFile=raw/<id>.json`, `testLocationInResults`) set in memory by `NODE_OPTIONS=--require lib/runners/jest-report.cjs` (the tests' `process.argv` stays the user's)",
  },
  reportFormat: "jest-json",
  claimPackage: (p) => {
    if (/\bjest\b/.test(p.testScript)) return "script";
    return "jest" in p.deps || hasConfig(p.folder.files) || p.pkg?.jest !== undefined ? "dependency" : null;
  },
  command: (tree, cwd) => tree.nodeBin(cwd, "jest"),
  plan: (stack, paths, env) => ({
    argv: stack.command,
    report: paths.rel("json"),
    reportIsStdout: false,
    reportSeries: true,
    env: {
      NODE_OPTIONS: appendEnv(env, "NODE_OPTIONS", `--require ${nodeOptionWord(REPORT_SHIM)}`),
      HEAL_JEST_OUTPUT_FILE: paths.abs("json"),
    },
  }),
  rerunOne: (r) => {
    if (!r.file) return null;
    const name = `^${nameRegex(r.failure)}`;
    return scriptRerun(r, [r.file, "-t", name]) ?? `${r.prefix}npx jest ${shellQuote(r.file)} -t ${shellQuote(name)}`;
  },
  targetCommand: (stack, tests) => [...stack.command, ...filesOf(stack.cwd, tests), "-t", namePattern(tests)],
  coverage: (stack, dir) => ({
    commands: [[...stack.command, "--coverage", "--coverageReporters=json", `--coverageDirectory=${dir.abs}`]],
    report: `${dir.rel}/coverage-final.json`,
    format: "istanbul",
    env: {},
  }),
};
