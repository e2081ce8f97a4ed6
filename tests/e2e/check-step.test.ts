// A test script that runs a check before its tests (`npm run lint && vitest run`, as jaredwray/cacheable's packages
// do), under the real `task -x heal` in local mode with the real vitest: heal:prepare runs the lint as a step of its
// own. When it fails, the tests still ran and their failures stay the agent's (they were swallowed as "ran without
// what it sets up" before); the lint itself is one environment record with its output, so a package whose tests pass
// but whose lint fails is never green.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FailureReport } from "../../lib/types.ts";
import { localEnv, TASKFILE, taskBin } from "../support/local-heal.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

setDefaultTimeout(120_000);
const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** A package whose lint reports src/ms.js:3 and exits 1, and whose vitest tests pass or fail as asked. */
function lintedPackage(testFails: boolean): SampleRepo {
  const repo = createSampleRepo(
    {
      "package.json": JSON.stringify({
        name: "utils",
        type: "module",
        scripts: { lint: "node lint.js", test: "npm run lint && vitest run" },
      }),
      "lint.js": 'console.error("src/ms.js:3:5 lint/correctness/noUnreachable: this code is unreachable");\nprocess.exit(1);\n',
      "src/ms.js": "export function ms(n) {\n  return n * 1000;\n  console.log(n);\n}\n",
      "test/ms.test.js": `import { expect, test } from "vitest";\nimport { ms } from "../src/ms.js";\ntest("ms", () => expect(ms(1)).toBe(${testFails ? 1 : 1000}));\n`,
    },
    { nodeModules: true },
  );
  repos.push(repo);
  return repo;
}

function heal(repo: SampleRepo): { code: number | null; report: FailureReport } {
  const r = spawnSync(taskBin(), ["-x", "-t", TASKFILE, "heal"], { cwd: repo.dir, encoding: "utf8", env: localEnv() });
  return { code: r.status, report: JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport };
}

describe("a failed check before the tests (npm run lint && vitest run)", () => {
  test("the test's failure stays the agent's; the lint is one environment record with its output", () => {
    const { code, report } = heal(lintedPackage(true));
    expect(code).toBe(1);
    expect(report.failures.map((f) => [f.kind, f.fullName, f.file, f.line])).toEqual([
      ["failure", "ms", "test/ms.test.js", 3],
      ["environment", "vitest (environment)", null, null],
    ]);
    const lint = report.failures[1]!;
    expect(lint.message).toBe(
      "`npm run lint`, a check the test script runs before the tests (heal:prepare ran it in .), exited 1: fix what it reports (below); the tests ran anyway, and their own failures stand",
    );
    expect(lint.stack).toContain("src/ms.js:3:5 lint/correctness/noUnreachable");
  });

  test("tests that pass beside a failing lint are not green: exit 1 on the lint's record alone", () => {
    const { code, report } = heal(lintedPackage(false));
    expect(code).toBe(1);
    expect(report.failures.map((f) => [f.kind, f.fullName])).toEqual([["environment", "vitest (environment)"]]);
    expect(report.summary).toMatchObject({ passed: 1, failed: 0, errors: 0, environment: 1 });
  });
});
