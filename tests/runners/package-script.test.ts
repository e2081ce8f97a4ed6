// The project's own command: a package whose `test` script runs a known runner in its last segment is run
// as `npm run test --` (pretest and the script's own flags kept), and heal still finds the real failures by
// name, file and line: a pretest build the tests import, and a vitest type test only `--typecheck` runs. The task
// file's re-run and verification's targeted re-run go through that script too, so its flags and config hold.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { detectStacks } from "../../lib/detect.ts";
import { defaultConfig } from "../../lib/config.ts";
import { parseReport } from "../../lib/parsers/index.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { runStack } from "../../lib/runners/index.ts";
import { rerunCommand } from "../../lib/task-context.ts";
import {
  chainsRunners,
  checksBeforeRunner,
  isCheckCommand,
  runnerSegments,
  scriptCommand,
  scriptRunner,
  scriptSegments,
  segmentCommand,
  segmentsBeforeRunners,
  vitestNeedsRun,
} from "../../lib/runners/package-script.ts";
import { planRootScripts } from "../../lib/prepare.ts";
import type { CaseStatus, FailureReport, RunsFile } from "../../lib/types.ts";
import { targetedStack } from "../../lib/verify.ts";
import { parse } from "yaml";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { lineOf } from "../support/samples.ts";

// Real npm, runners and scripts on a shared 2-core machine.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** Local mode: none of the machine's GitHub or heal variables, nor the user's runner options. */
function cleanEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_|npm_)/.test(k) || k === "CI" || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  return { ...env, HEAL_REPO: dir };
}

/** run-tests, parse-failures and write-report, as `task heal` runs them; the stacks run, the failures found, the task file's re-runs. */
function heal(dir: string) {
  const env = cleanEnv(dir);
  const step = (name: string) =>
    spawnSync("bun", [join(TOOLKIT_ROOT, "scripts", name)], { cwd: dir, encoding: "utf8", env, timeout: 110_000 });
  const run = step("run-tests.ts");
  const parsed = step("parse-failures.ts");
  const written = step("write-report.ts");
  const runs: RunsFile = JSON.parse(readFileSync(join(dir, ".agent/reports/runs.json"), "utf8"));
  const report: FailureReport = JSON.parse(readFileSync(join(dir, ".agent/reports/failures.json"), "utf8"));
  const [taskName] = readdirSync(join(dir, ".agent/tasks"));
  const task = parse(readFileSync(join(dir, ".agent/tasks", taskName!), "utf8")) as { test_failures: { test: string; rerun: string }[] };
  return {
    codes: [run.status, parsed.status, written.status],
    output: run.stderr,
    stacks: runs.runs.map((r) => ({ stack: r.stack, exitCode: r.exitCode })),
    failures: report.failures.map((f) => ({ fullName: f.fullName, file: f.file, line: f.line, kind: f.kind })),
    reruns: task.test_failures.map((f) => [f.test, f.rerun]),
  };
}

/** A command run from the repo root as the agent would run it: its exit code and output, colours off. */
function sh(dir: string, command: string) {
  const r = spawnSync("sh", ["-c", command], { cwd: dir, encoding: "utf8", env: { ...cleanEnv(dir), NO_COLOR: "1" }, timeout: 110_000 });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Verification's targeted re-run of these tests in the detected stack: the cases that ran (not skipped) and their status. */
async function targetedRun(dir: string, tests: { fullName: string; file: string }[]) {
  const [stack] = await detectStacks(dir, defaultConfig());
  const targeted = targetedStack(
    stack!,
    tests.map((t) => ({ id: t.fullName, framework: stack!.framework, fullName: t.fullName, file: t.file, line: 1 })),
  );
  const run = await runStack(targeted, { repoRoot: dir, rawDir: ".agent/reports/raw-targeted", env: cleanEnv(dir), echo: () => {} });
  const ran: [string, CaseStatus][] = [];
  await parseReport(join(dir, run.reports[0]!), (c) => void (c.status !== "skipped" && ran.push([c.fullName, c.status])));
  return { command: targeted.command, exitCode: run.exitCode, ran };
}

describe("package script", () => {
  test("segments and the runner of the last one: quotes kept, operators split", () => {
    expect(scriptSegments(`tsc -p . && jest -t 'a && b' | tee out; echo "x y"`)).toEqual([
      ["tsc", "-p", "."],
      ["jest", "-t", "a && b"],
      ["tee", "out"],
      ["echo", "x y"],
    ]);
    expect(scriptRunner("tsc -p . && cross-env NODE_ENV=test ./node_modules/.bin/jest --ci")).toBe("jest");
    expect(scriptRunner("jest && echo done")).toBeNull();
    expect(scriptRunner("bun test --timeout 1000")).toBe("bun");
    expect(scriptRunner("node --test --test-concurrency=1")).toBe("node-test");
    expect(scriptRunner("node --test test/")).toBeNull();
    expect(scriptRunner("vitest --typecheck")).toBe("vitest");
    expect(vitestNeedsRun("vitest --typecheck")).toBe(true);
    expect(vitestNeedsRun("tsc && vitest run --typecheck")).toBe(false);
    expect(["npm", "pnpm", "yarn", "bun"].map((m) => scriptCommand(m as "npm").join(" "))).toEqual([
      "npm run test --",
      "pnpm run test",
      "yarn run test",
      "bun run test",
    ]);
  });

  test("chained runner segments: which run, what runs before the first, each as its own command", () => {
    const script = "tsc -b && rm -rf out/* && vitest run && NODE_ENV=test vitest --config v.server.mjs | tee log";
    expect(runnerSegments(script).map((s) => [s.runner, s.index, s.words.join(" ")])).toEqual([
      ["vitest", 2, "vitest run"],
      ["vitest", 3, "NODE_ENV=test vitest --config v.server.mjs"],
    ]);
    expect(chainsRunners(script)).toBe(true);
    expect(chainsRunners("tsc -b && vitest run")).toBe(false);
    expect(segmentsBeforeRunners(script)).toEqual([
      ["tsc", "-b"],
      ["rm", "-rf", "out/*"],
    ]);
    expect(segmentsBeforeRunners("vitest run && jest")).toEqual([]);
    const bin = (name: string) => (name === "vitest" || name === "cross-env" ? [`../../node_modules/.bin/${name}`] : null);
    expect(segmentCommand(["NODE_ENV=test", "vitest", "--config", "v.server.mjs"], "vitest", bin)).toEqual([
      "env",
      "NODE_ENV=test",
      "../../node_modules/.bin/vitest",
      "--config",
      "v.server.mjs",
      "--run",
    ]);
    expect(segmentCommand(["cross-env", "CI=1", "vitest", "run"], "vitest", bin)).toEqual([
      "../../node_modules/.bin/cross-env",
      "CI=1",
      "vitest",
      "run",
    ]);
    expect(segmentCommand(["npx", "jest", "--ci"], "jest", bin)).toEqual(["npx", "jest", "--ci"]);
  });

  test("chained runner segments: pretest and the segments before the first runner are heal:prepare script steps", async () => {
    const repo = createSampleRepo(
      {
        "package.json": '{"name":"root","private":true,"workspaces":["packages/*"]}\n',
        "package-lock.json": "{}\n",
        "packages/solid/package.json": JSON.stringify({
          name: "solid",
          scripts: { pretest: "node pre.js", test: "tsc -b && NODE_ENV=x node gen.js && vitest run && vitest run --config v.server.mjs" },
        }),
        "packages/solid/a.test.js": "",
        "packages/one/package.json": JSON.stringify({ name: "one", scripts: { pretest: "node pre.js", test: "tsc -b && vitest run" } }),
        "packages/one/a.test.js": "",
      },
      { git: false },
    );
    repos.push(repo);
    const stacks = await detectStacks(repo.dir, defaultConfig());
    expect(stacks.map((s) => [s.id, s.command.join(" ")])).toEqual([
      ["vitest-packages-one", "npm run test --"],
      ["vitest-packages-solid", "../../node_modules/.bin/vitest run"],
      ["vitest-packages-solid-2", "../../node_modules/.bin/vitest run --config v.server.mjs"],
    ]);
    // The one-runner package runs its script, pretest and all: no steps of its own.
    expect(planRootScripts(repo.dir, stacks).map((s) => [s.cwd, s.stacks, s.commands, s.binDir])).toEqual([
      ["packages/solid", ["vitest-packages-solid", "vitest-packages-solid-2"], [["npm", "run", "pretest"]], "node_modules/.bin"],
      ["packages/solid", ["vitest-packages-solid", "vitest-packages-solid-2"], [["tsc", "-b"]], "node_modules/.bin"],
      [
        "packages/solid",
        ["vitest-packages-solid", "vitest-packages-solid-2"],
        [["sh", "-c", "NODE_ENV=x node gen.js"]],
        "node_modules/.bin",
      ],
    ]);
  });

  test("a pretest hook builds what the tests import: heal finds the real failure, not an import error", () => {
    const mathTest = [
      'const { sum } = require("./dist/sum.js");',
      'test("adds two numbers", () => {',
      "  expect(sum(1, 2)).toBe(3); // FAILS-HERE",
      "});",
      "",
    ].join("\n");
    const repo = createSampleRepo({
      "package.json": '{"name":"built","private":true,"scripts":{"pretest":"node build.js","test":"jest --ci"}}\n',
      // The build the tests need: dist/ is made by pretest, never committed.
      "build.js": [
        'const fs = require("node:fs");',
        'fs.mkdirSync("dist", { recursive: true });',
        'fs.copyFileSync("src/sum.js", "dist/sum.js");',
        "",
      ].join("\n"),
      "src/sum.js": "exports.sum = (a, b) => a - b;\n",
      "math.test.js": mathTest,
      ".gitignore": "node_modules\ndist\n.agent/reports/\n",
    });
    repos.push(repo);
    const r = heal(repo.dir);
    expect(r.codes).toEqual([0, 0, 0]);
    expect(r.stacks).toEqual([
      {
        stack: {
          id: "jest",
          framework: "jest",
          cwd: ".",
          command: ["npm", "run", "test", "--"],
          script: { manager: "npm", runner: "jest" },
        },
        exitCode: 1,
      },
    ]);
    expect(r.output).toContain("node build.js");
    expect(r.failures).toEqual([
      { fullName: "adds two numbers", file: "math.test.js", line: lineOf(mathTest, "FAILS-HERE"), kind: "failure" },
    ]);
  });

  test("`vitest run --typecheck`: the failing type test is found, with its file and line, and its re-runs run it alone", async () => {
    const typeTest = [
      'import { expectTypeOf, test } from "vitest";',
      'import { total } from "./cart.ts";',
      "",
      'test("total returns a number", () => {',
      "  expectTypeOf(total).returns.toEqualTypeOf<number>(); // FAILS-HERE",
      "});",
      "",
    ].join("\n");
    const repo = createSampleRepo({
      "package.json": '{"name":"typed","private":true,"type":"module","scripts":{"test":"vitest run --typecheck"}}\n',
      "tsconfig.json":
        '{"compilerOptions":{"strict":true,"module":"esnext","moduleResolution":"bundler","target":"es2022","noEmit":true,"allowImportingTsExtensions":true},"include":["*.ts"]}\n',
      "cart.ts": "export const total = (prices: number[]): string => prices.reduce((a, b) => a + b, 0).toFixed(2);\n",
      "cart.test-d.ts": typeTest,
      "cart.test.ts":
        'import { expect, test } from "vitest";\nimport { total } from "./cart.ts";\ntest("sums", () => { expect(total([1, 2])).toBe("3.00"); });\n',
    });
    repos.push(repo);
    const r = heal(repo.dir);
    expect(r.codes).toEqual([0, 0, 0]);
    expect(r.stacks).toEqual([
      {
        stack: {
          id: "vitest",
          framework: "vitest",
          cwd: ".",
          command: ["npm", "run", "test", "--"],
          script: { manager: "npm", runner: "vitest" },
        },
        exitCode: 1,
      },
    ]);
    expect(r.failures).toEqual([
      { fullName: "total returns a number", file: "cart.test-d.ts", line: lineOf(typeTest, "FAILS-HERE"), kind: "failure" },
    ]);

    // The task file's re-run goes through the script, so `--typecheck` holds: from the root it runs the type test alone.
    // vitest names a type test after its file too (`cart.test-d.ts total returns a number`): the pattern allows that.
    const pattern = String.raw`^(?:cart\.test-d\.ts )?total returns a number$`;
    expect(r.reruns).toEqual([["total returns a number", `npm run test -- cart.test-d.ts -t '${pattern}'`]]);
    const again = sh(repo.dir, r.reruns[0]![1]!);
    expect(again.code).toBe(1);
    expect(again.output).toContain(`> vitest run --typecheck cart.test-d.ts -t ${pattern}`);
    expect(again.output).toMatch(/ FAIL +cart\.test-d\.ts > total returns a number\n/);
    expect(again.output).toMatch(/\n +Tests +1 failed \(1\)\n/);
    expect(again.output).toMatch(/Type Errors +1 failed\n/);
    expect(again.output).not.toContain("cart.test.ts");
    // The bare runner, as the re-run was written before, finds no type test to run at all.
    expect(sh(repo.dir, `npx vitest run cart.test-d.ts -t '${pattern}'`).output).toContain("No test files found");

    // Verification's targeted re-run is the script too, narrowed to the previous failure.
    const targeted = await targetedRun(repo.dir, [{ fullName: "total returns a number", file: "cart.test-d.ts" }]);
    expect(targeted).toEqual({
      command: ["npm", "run", "test", "--", "cart.test-d.ts", "-t", String.raw`^(?:(?:cart\.test-d\.ts )?total returns a number)$`],
      exitCode: 1,
      ran: [["total returns a number", "failed"]],
    });
  });

  for (const manager of ["yarn", "bun"] as const) {
    test(`${manager} as the package manager: the re-run is \`${manager} run test <file> -t …\`, and runs that one test`, async () => {
      const repo = createSampleRepo(
        {
          "package.json": JSON.stringify({
            name: "slugs",
            private: true,
            packageManager: { yarn: "yarn@1.22.22", bun: "bun@1.4.4" }[manager],
            scripts: { test: "bun test" },
          }),
          "src/slug.ts": "export const slug = (s: string) => s.toLowerCase();\n",
          "src/slug.test.ts": [
            'import { expect, test } from "bun:test";',
            'import { slug } from "./slug.ts";',
            'test("lowercases", () => expect(slug("Tea")).toBe("tea"));',
            'test("joins words", () => expect(slug("green tea")).toBe("green-tea"));',
            "",
          ].join("\n"),
        },
        { nodeModules: false, git: false },
      );
      repos.push(repo);
      const [stack] = await detectStacks(repo.dir, defaultConfig());
      expect([stack!.command, stack!.script]).toEqual([[manager, "run", "test"], { manager, runner: "bun" }]);
      const failure = {
        id: "x",
        framework: "bun" as const,
        fullName: "joins words",
        file: "src/slug.test.ts",
        line: 4,
        message: "",
        stack: "",
        kind: "failure" as const,
      };
      const cmd = rerunCommand(failure, stack, repo.dir)!;
      expect(cmd).toBe(`${manager} run test src/slug.test.ts -t '^joins words$'`);
      const again = sh(repo.dir, cmd);
      expect(again.code).toBe(1);
      expect(again.output).toMatch(/ 0 pass\n 1 filtered out\n 1 fail\n/);
    });
  }

  test("`jest --config jest.ci.js`: the config that lives only there finds the tests, in heal and in both re-runs", async () => {
    const priceCheck = [
      'const { price } = require("../src/price.js");',
      "",
      'describe("price", () => {',
      '  test("formats cents", () => expect(price(250)).toBe("2.50"));',
      '  test("rounds half up", () => expect(price(0.5)).toBe("0.01")); // FAILS-HERE',
      "});",
      "",
    ].join("\n");
    const repo = createSampleRepo({
      "package.json": '{"name":"checked","private":true,"scripts":{"test":"jest --config jest.ci.js"}}\n',
      // Tests named *.check.js: jest finds them only with this config, which no default lookup reads.
      "jest.ci.js": 'module.exports = { testMatch: ["**/checks/**/*.check.js"] };\n',
      "src/price.js": "exports.price = (cents) => (Math.floor(cents) / 100).toFixed(2);\n",
      "checks/price.check.js": priceCheck,
      "checks/total.check.js": 'test("adds up", () => expect(1 + 2).toBe(4));\n',
    });
    repos.push(repo);
    const r = heal(repo.dir);
    expect(r.codes).toEqual([0, 0, 0]);
    expect(r.stacks.map((s) => [s.stack.command.join(" "), s.stack.script, s.exitCode])).toEqual([
      ["npm run test --", { manager: "npm", runner: "jest" }, 1],
    ]);
    expect(r.failures).toEqual([
      { fullName: "price > rounds half up", file: "checks/price.check.js", line: lineOf(priceCheck, "FAILS-HERE"), kind: "failure" },
      { fullName: "adds up", file: "checks/total.check.js", line: 1, kind: "failure" },
    ]);
    expect(r.reruns).toEqual([
      ["price > rounds half up", "npm run test -- checks/price.check.js -t '^price rounds half up$'"],
      ["adds up", "npm run test -- checks/total.check.js -t '^adds up$'"],
    ]);
    const again = sh(repo.dir, r.reruns[0]![1]!);
    expect(again.code).toBe(1);
    expect(again.output).toContain("> jest --config jest.ci.js checks/price.check.js -t ^price rounds half up$");
    expect(again.output).toContain("● price › rounds half up");
    expect(again.output).toContain("Tests:       1 failed, 1 skipped, 2 total");
    // Without the script's --config, jest finds no test in that file.
    expect(sh(repo.dir, "npx jest checks/price.check.js -t '^price rounds half up$'").output).toContain("No tests found");

    const targeted = await targetedRun(repo.dir, [{ fullName: "price > rounds half up", file: "checks/price.check.js" }]);
    expect(targeted).toEqual({
      command: ["npm", "run", "test", "--", "checks/price.check.js", "-t", "^(?:price rounds half up)$"],
      exitCode: 1,
      ran: [["price > rounds half up", "failed"]],
    });
  });
});

describe("checks before the runner", () => {
  test("lint, format and a type check that writes nothing are checks; a build (tsc that emits) is not", () => {
    for (const words of [
      ["npm", "run", "lint"],
      ["pnpm", "lint:ci"],
      ["eslint", "."],
      ["node_modules/.bin/biome", "check"],
      ["tsc", "--noEmit", "-p", "."],
      ["yarn", "format:check"],
    ])
      expect([words.join(" "), isCheckCommand(words)]).toEqual([words.join(" "), true]);
    for (const words of [
      ["npm", "run", "build"],
      ["tsc", "-p", "."],
      ["node", "scripts/gen.js"],
      ["npm", "run", "blint"],
    ])
      expect([words.join(" "), isCheckCommand(words)]).toEqual([words.join(" "), false]);
  });

  test("a check before the one runner runs it apart; a build before it does not", () => {
    expect(checksBeforeRunner("npm run lint && vitest run")).toBe(true);
    expect(checksBeforeRunner("tsc --noEmit && jest --ci")).toBe(true);
    expect(checksBeforeRunner("npm run build && vitest run")).toBe(false);
    expect(checksBeforeRunner("vitest run && npm run lint")).toBe(false);
  });
});
