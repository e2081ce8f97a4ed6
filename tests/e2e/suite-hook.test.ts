// A describe block whose beforeAll fails, under the real bun and vitest: heal files it as one suite-level record
// (kind error) named by the describe; its re-run command must run the hook again (a name filter of the describe
// alone matches no test, and the hook never runs: bun says "matched 0 tests", vitest skips them and exits 0),
// and verification judges it by the tests under it, so the fix is healed and an unfixed hook is not.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { collectCaseResults, judge, parseTaskFailures } from "../../lib/verify.ts";
import { localEnv, TASKFILE, taskBin } from "../support/local-heal.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

setDefaultTimeout(120_000);
const repos: SampleRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

const hookFile = (imports: string, broken: boolean) =>
  [
    imports,
    `describe("with a failing hook", () => {`,
    `  beforeAll(() => {`,
    broken ? `    throw new Error("db down");` : "    // connected",
    "  });",
    `  test("reads", () => expect(1).toBe(1));`,
    `  test("writes", () => expect(2).toBe(2));`,
    "});",
    `test("with a failing hook elsewhere", () => expect(1).toBe(1));`,
    "",
  ].join("\n");

const cases = {
  bun: {
    files: { "package.json": JSON.stringify({ name: "db", scripts: { test: "bun test" } }) },
    imports: `import { beforeAll, describe, expect, test } from "bun:test";`,
    file: "tests/db.test.ts",
    nodeModules: false,
  },
  vitest: {
    files: { "package.json": JSON.stringify({ name: "db", type: "module", scripts: { test: "vitest run" } }) },
    imports: `import { beforeAll, describe, expect, test } from "vitest";`,
    file: "tests/db.test.js",
    nodeModules: true,
  },
} as const;

for (const [runner, c] of Object.entries(cases)) {
  describe(`${runner}: a describe whose beforeAll fails`, () => {
    test("one error record named by the describe; its re-run reproduces it; the fix is healed, the unfixed hook is not", async () => {
      const repo = createSampleRepo({ ...c.files, [c.file]: hookFile(c.imports, true) }, { nodeModules: c.nodeModules });
      repos.push(repo);
      const heal = spawnSync(taskBin(), ["-x", "-t", TASKFILE, "heal"], { cwd: repo.dir, encoding: "utf8", env: localEnv() });
      expect(heal.status).toBe(1);
      const report = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
      expect(report.failures.map((f) => [f.kind, f.fullName, f.file])).toEqual([["error", "with a failing hook", c.file]]);

      const [taskName] = readdirSync(join(repo.dir, ".agent/tasks"));
      const task = parseTaskFailures(readFileSync(join(repo.dir, ".agent/tasks", taskName!), "utf8"), taskName!)!;
      expect(task.tests.map((t) => t.kind)).toEqual(["error"]);
      // The agent's re-run runs the hook again: red, with its error.
      const rerun = spawnSync("sh", ["-c", task.tests[0]!.rerun!], { cwd: repo.dir, encoding: "utf8", env: localEnv() });
      expect({ code: rerun.status, says: `${rerun.stdout}${rerun.stderr}`.includes("db down") }).toEqual({ code: 1, says: true });

      const judged = () => {
        spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/run-tests.ts")], {
          cwd: repo.dir,
          env: { ...localEnv(), HEAL_REPO: repo.dir },
        });
        const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
        return collectCaseResults(repo.dir, runs).then((results) => judge(task.tests, results));
      };
      const unfixed = await judged();
      expect({ healed: unfixed.healed, status: unfixed.outcomes[0]!.status }).toEqual({ healed: false, status: "failed" });
      repo.write({ [c.file]: hookFile(c.imports, false) });
      const fixed = await judged();
      expect({ healed: fixed.healed, status: fixed.outcomes[0]!.status, newFailures: fixed.newFailures }).toEqual({
        healed: true,
        status: "passed",
        newFailures: [],
      });
    });
  });
}
