// The project's own command: a package whose `test` script runs a known runner in its last segment is run
// as `npm run test --` (pretest and the script's own flags kept), and heal still finds the real failures by
// name, file and line: a pretest build the tests import, and a vitest type test only `--typecheck` runs.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { scriptCommand, scriptRunner, scriptSegments, vitestNeedsRun } from "../../lib/runners/package-script.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
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

/** run-tests then parse-failures, as `task heal` runs them; the stacks run and the failures found. */
function heal(dir: string) {
  const env = cleanEnv(dir);
  const run = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts/run-tests.ts")], { cwd: dir, encoding: "utf8", env, timeout: 110_000 });
  const parse = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts/parse-failures.ts")], { cwd: dir, encoding: "utf8", env, timeout: 60_000 });
  const runs: RunsFile = JSON.parse(readFileSync(join(dir, ".agent/reports/runs.json"), "utf8"));
  const report: FailureReport = JSON.parse(readFileSync(join(dir, ".agent/reports/failures.json"), "utf8"));
  return {
    codes: [run.status, parse.status],
    output: run.stderr,
    stacks: runs.runs.map((r) => ({ stack: r.stack, exitCode: r.exitCode })),
    failures: report.failures.map((f) => ({ fullName: f.fullName, file: f.file, line: f.line, kind: f.kind })),
  };
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
    expect(r.codes).toEqual([0, 0]);
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

  test("`vitest run --typecheck`: the failing type test is found, with its file and line", () => {
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
    expect(r.codes).toEqual([0, 0]);
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
  });
});
