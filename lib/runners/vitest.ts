// vitest: JUnit rather than JSON, since its names are joined with " > " and failures carry `❯ path:line:col`.
import { anchored, escapeRegex, filesOf, nameRegex, relToStack, runnerTestName, shellQuote } from "../test-selection.ts";
import { type RunnerAdapter, scriptRerun } from "./adapter.ts";

const hasConfig = (files: Set<string>, base: string) =>
  [...files].some((f) => f.startsWith(`${base}.`) && /\.(?:[cm]?[jt]s|json)$/.test(f));

/** vitest's default typecheck.include: type tests (`expectTypeOf`) that `--typecheck` checks with tsc. */
const TYPE_TEST_FILE = /\.(?:test|spec)-d\.[cm]?[jt]sx?$/;

/**
 * One anchored -t pattern for these tests (file relative to the stack folder): vitest matches a type test's
 * name with its file's path before it (`cart.test-d.ts total returns a number`), any other test's without.
 */
function vitestNamePattern(tests: { fullName: string; file: string | null; kind?: string }[]): string {
  return anchored(
    tests.map((t) => {
      const name = escapeRegex(runnerTestName(t.fullName));
      return { name: t.file && TYPE_TEST_FILE.test(t.file) ? `(?:${escapeRegex(t.file)} )?${name}` : name, kind: t.kind };
    }),
  );
}

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
  rerunOne: (r) => {
    if (!r.file) return null;
    const own = nameRegex(r.failure);
    const name = TYPE_TEST_FILE.test(r.file) ? `^(?:${escapeRegex(r.file)} )?${own}` : `^${own}`;
    return scriptRerun(r, [r.file, "-t", name]) ?? `${r.prefix}npx vitest run ${shellQuote(r.file)} -t ${shellQuote(name)}`;
  },
  targetCommand: (stack, tests) => [
    ...stack.command,
    ...filesOf(stack.cwd, tests),
    "-t",
    vitestNamePattern(tests.map((t) => ({ ...t, file: t.file && relToStack(stack.cwd, t.file) }))),
  ],
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
