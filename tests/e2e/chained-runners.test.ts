// A `test` script that chains two runner commands (`vitest run && SSR=1 vitest run --config vitest.server.config.mjs`,
// as solidjs/solid's packages/solid does), under the real `task -x heal` in local mode with the real vitest: flags
// appended to the script would reach only the last vitest, and `&&` would stop the second after the first fails. So
// each runner segment is its own stack, run as the segment says (its env prefix kept) with its own report, both run
// whatever the first one did; pretest and the segment before the first runner run first as heal:prepare steps. Every
// failure of both commands is found by exact name, file and line, the totals are the sum of both vitest summaries,
// and each task-file re-run, run from the repo root, re-runs that one test under its own config alone.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { defaultConfig } from "../../lib/config.ts";
import { detectStacks } from "../../lib/detect.ts";
import { parseReport } from "../../lib/parsers/index.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { runStack } from "../../lib/runners/index.ts";
import { parseTaskFailures, stackFor, targetedStack } from "../../lib/verify.ts";
import type { PrepareFile } from "../../lib/prepare.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { localEnv, TASKFILE, taskBin } from "../support/local-heal.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

// Real pnpm, vitest and go-task on a shared 2-core machine.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

const SCRIPT = "node gen.js && vitest run && SSR=1 vitest run --config vitest.server.config.mjs";

/** Client tests (vitest.config.mjs): `broken` makes two of them fail. */
function clientTest(broken: boolean): string {
  return [
    'import { describe, expect, test } from "vitest";',
    'import { render } from "../../src/render.js";',
    'import { version } from "../../gen/version.js";',
    "",
    'describe("render", () => {',
    '  test("wraps in a div", () => expect(render("a")).toBe("<div>a</div>"));',
    `  test("escapes <", () => expect(render("<")).toBe(${broken ? '"<div><</div>"' : '"<div>&lt;</div>"'})); // FAILS-HERE-1`,
    "});",
    'test("reads the generated version", () => expect(version).toBe("1.0.0"));',
    `test("empty", () => expect(render("")).toBe(${broken ? '"<div/>"' : '"<div></div>"'})); // FAILS-HERE-2`,
    "",
  ].join("\n");
}

/** Server tests (vitest.server.config.mjs): `broken` makes one fail; one passes only with the segment's `SSR=1`. */
function serverTest(broken: boolean): string {
  return [
    'import { expect, test } from "vitest";',
    'import { render } from "../../src/render.js";',
    "",
    'test("runs with SSR=1", () => expect(process.env.SSR).toBe("1"));',
    `test("renders to a string", () => expect(render("b")).toBe(${broken ? '"<span>b</span>"' : '"<div>b</div>"'})); // FAILS-HERE`,
    "",
  ].join("\n");
}

function sample(broken: boolean): SampleRepo {
  const repo = createSampleRepo(
    {
      "package.json": '{"name":"solid-like","private":true,"scripts":{"test":"pnpm -r test"},"devDependencies":{"vitest":"4.1.12"}}\n',
      // pnpm 12 installs before a run when node_modules is not its own: here vitest is linked from the toolkit.
      "pnpm-workspace.yaml": 'packages:\n  - "packages/*"\nverifyDepsBeforeRun: false\n',
      "packages/solid/package.json": JSON.stringify({
        name: "solid",
        private: true,
        type: "module",
        scripts: { pretest: "node pre.js", test: SCRIPT },
      }),
      // pretest and the segment before the first vitest write what the client tests import.
      "packages/solid/pre.js": 'import { mkdirSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\n',
      "packages/solid/gen.js":
        'import { writeFileSync } from "node:fs";\nwriteFileSync("gen/version.js", "export const version = \\"1.0.0\\";\\n");\n',
      "packages/solid/vitest.config.mjs": 'export default { test: { include: ["test/client/**/*.test.js"] } };\n',
      "packages/solid/vitest.server.config.mjs": 'export default { test: { include: ["test/server/**/*.test.js"] } };\n',
      "packages/solid/src/render.js": 'export const render = (s) => `<div>${s.replaceAll("<", "&lt;")}</div>`;\n',
      "packages/solid/test/client/render.test.js": clientTest(broken),
      "packages/solid/test/client/more.test.js": 'import { expect, test } from "vitest";\n\ntest("adds", () => expect(1 + 1).toBe(2));\n',
      "packages/solid/test/server/render.test.js": serverTest(broken),
    },
    { nodeModules: false },
  );
  repos.push(repo);
  // Only vitest, linked one by one: should pnpm ever install here, it replaces these links, never the toolkit's folder.
  for (const rel of ["vitest", ".bin/vitest"]) {
    mkdirSync(dirname(join(repo.dir, "node_modules", rel)), { recursive: true });
    symlinkSync(join(TOOLKIT_ROOT, "node_modules", rel), join(repo.dir, "node_modules", rel));
  }
  return repo;
}

/** `task -x heal`, then what it wrote, and each vitest's own summary line (`Tests  2 failed | 3 passed (5)`). */
function heal(dir: string) {
  const r = spawnSync(taskBin(), ["-x", "-t", TASKFILE, "heal"], { cwd: dir, encoding: "utf8", env: localEnv(), timeout: 110_000 });
  const read = (rel: string) => readFileSync(join(dir, rel), "utf8");
  const runs = JSON.parse(read(".agent/reports/runs.json")) as RunsFile;
  const report = JSON.parse(read(".agent/reports/failures.json")) as FailureReport;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its summary
  const plain = r.stderr.replace(/\x1b\[[0-9;]*m/g, "");
  const summaries = [...plain.matchAll(/^\s*Tests\s+(?:(\d+) failed \| )?(\d+) passed \((\d+)\)/gm)].map((m) => ({
    failed: Number(m[1] ?? 0),
    passed: Number(m[2]),
    total: Number(m[3]),
  }));
  const tasks = existsTasks(dir);
  return {
    code: r.status,
    stderr: r.stderr,
    summaries,
    prepare: JSON.parse(read(".agent/reports/prepare.json")) as PrepareFile,
    runs: runs.runs.map((run) => [run.stack.id, run.stack.cwd, run.stack.command.join(" "), run.reports, run.exitCode]),
    failures: report.failures.map((f) => [f.fullName, f.file, f.line, f.kind]),
    summary: report.summary,
    taskPath: tasks[0] ? `.agent/tasks/${tasks[0]}` : null,
    task: tasks[0] ? (parse(read(`.agent/tasks/${tasks[0]}`)) as { test_failures: { test: string; file: string; rerun: string }[] }) : null,
  };
}

function existsTasks(dir: string): string[] {
  try {
    return readdirSync(join(dir, ".agent/tasks"));
  } catch {
    return [];
  }
}

/** A task file's re-run command, run from the repo root as the agent would; its exit code and output. */
function rerun(dir: string, command: string) {
  const r = spawnSync("sh", ["-c", command], { cwd: dir, encoding: "utf8", env: { ...localEnv(), NO_COLOR: "1" }, timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const BIN = "../../node_modules/.bin/vitest";
const RUNS = (clientCode: number, serverCode: number) => [
  ["vitest-packages-solid", "packages/solid", `${BIN} run`, [".agent/reports/raw/vitest-packages-solid.xml"], clientCode],
  [
    "vitest-packages-solid-2",
    "packages/solid",
    `env SSR=1 ${BIN} run --config vitest.server.config.mjs`,
    [".agent/reports/raw/vitest-packages-solid-2.xml"],
    serverCode,
  ],
];

describe("a test script chaining two vitest commands", () => {
  test("red: every failure of both commands, totals of both summaries, a re-run per test under its own config", async () => {
    const repo = sample(true);
    const run = heal(repo.dir);
    expect(run.code).toBe(1);
    // pretest, then the segment before the first vitest, in the package folder, before any stack ran.
    expect(run.prepare.steps.map((s) => [s.cwd, s.tool, s.commands, s.status])).toEqual([
      ["packages/solid", "script", [["pnpm", "run", "pretest"]], "ran"],
      ["packages/solid", "script", [["node", "gen.js"]], "ran"],
    ]);
    // Both commands ran, the second although the first failed; each with its own report.
    expect(run.runs).toEqual(RUNS(1, 1));
    const client = readFileSync(join(repo.dir, "packages/solid/test/client/render.test.js"), "utf8");
    const server = readFileSync(join(repo.dir, "packages/solid/test/server/render.test.js"), "utf8");
    expect(run.failures).toEqual([
      ["render > escapes <", "packages/solid/test/client/render.test.js", lineOf(client, "FAILS-HERE-1"), "failure"],
      ["empty", "packages/solid/test/client/render.test.js", lineOf(client, "FAILS-HERE-2"), "failure"],
      ["renders to a string", "packages/solid/test/server/render.test.js", lineOf(server, "FAILS-HERE"), "failure"],
    ]);
    // vitest's own two summaries, and heal's totals as their sum.
    expect(run.summaries).toEqual([
      { failed: 2, passed: 3, total: 5 },
      { failed: 1, passed: 1, total: 2 },
    ]);
    expect(run.summary).toMatchObject({ total: 7, passed: 4, failed: 3, errors: 0 });

    expect(run.task!.test_failures.map((f) => [f.file, f.rerun])).toEqual([
      ["packages/solid/test/client/render.test.js", `cd packages/solid && ${BIN} run test/client/render.test.js -t '^render escapes <$'`],
      ["packages/solid/test/client/render.test.js", `cd packages/solid && ${BIN} run test/client/render.test.js -t '^empty$'`],
      [
        "packages/solid/test/server/render.test.js",
        `cd packages/solid && env SSR=1 ${BIN} run --config vitest.server.config.mjs test/server/render.test.js -t '^renders to a string$'`,
      ],
    ]);
    for (const f of run.task!.test_failures) {
      const again = rerun(repo.dir, f.rerun);
      expect(again.code).toBe(1);
      expect(again.output).toMatch(/Tests +1 failed \| \d+ skipped/);
      expect(again.output).toContain(f.test.split(" > ").pop()!);
      // Only that test's file under its own config: never the other config's suite.
      const other = f.file.includes("/client/") ? "test/server/" : "test/client/";
      expect(again.output).not.toContain(other);
      expect(again.output).toContain("Test Files  1 failed (1)");
    }

    // report.md names the same re-run per test as the task file.
    const reportMd = readFileSync(join(repo.dir, ".agent/reports/report.md"), "utf8");
    for (const f of run.task!.test_failures) expect(reportMd).toContain(f.rerun);

    // verify's targeted re-run: the task file says which segment each test is of; only that test runs, and fails.
    const previous = parseTaskFailures(readFileSync(join(repo.dir, run.taskPath!), "utf8"), run.taskPath!)!;
    const stacks = await detectStacks(repo.dir, defaultConfig());
    const targeted = [];
    for (const t of previous.tests) {
      const stack = targetedStack(stackFor(t, stacks)!, [t]);
      const ran = await runStack(stack, { repoRoot: repo.dir, rawDir: ".agent/reports/raw-targeted", env: localEnv(), echo: () => {} });
      const cases: [string, string][] = [];
      await parseReport(join(repo.dir, ran.reports[0]!), (c) => void (c.status !== "skipped" && cases.push([c.fullName, c.status])));
      targeted.push([stack.id, stack.command.join(" "), ran.exitCode, cases]);
    }
    expect(targeted).toEqual([
      [
        "vitest-packages-solid-targeted",
        `${BIN} run test/client/render.test.js -t ^(?:render escapes <)$`,
        1,
        [["render > escapes <", "failed"]],
      ],
      ["vitest-packages-solid-targeted", `${BIN} run test/client/render.test.js -t ^(?:empty)$`, 1, [["empty", "failed"]]],
      [
        "vitest-packages-solid-2-targeted",
        `env SSR=1 ${BIN} run --config vitest.server.config.mjs test/server/render.test.js -t ^(?:renders to a string)$`,
        1,
        [["renders to a string", "failed"]],
      ],
    ]);
  });

  test("green: both commands counted, exit 0", () => {
    const repo = sample(false);
    const run = heal(repo.dir);
    expect(run.code).toBe(0);
    expect(run.runs).toEqual(RUNS(0, 0));
    expect(run.failures).toEqual([]);
    expect(run.summaries).toEqual([
      { failed: 0, passed: 5, total: 5 },
      { failed: 0, passed: 2, total: 2 },
    ]);
    expect(run.summary).toMatchObject({ total: 7, passed: 7, failed: 0, errors: 0 });
    expect(run.task).toBeNull();
  });
});
