// The check that a red run is never called green and no failure is lost: seeded generators write sample
// projects whose every test's outcome is known in advance (the ground truth), then the real runners (bun,
// vitest, jest, pytest) run them under `task -x heal`. Names are drawn from a small pool on purpose, so the
// same full name stands in two files, twice in one file, and across describe blocks whose joined names
// collide ("A > B" + "c" against "A" + "B > c"); outcomes mix passes, assertion failures, thrown errors and
// skips. For every sample: heal exits 1 exactly when a test failed, failures.json names each failing test
// (file, name and the failing line) once, and its totals equal the generator's.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FailureReport } from "../../lib/types.ts";
import { mulberry32 } from "../support/prng.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { localEnv, TASK_BIN, TASKFILE } from "../support/local-heal.ts";

setDefaultTimeout(180_000);

type Runner = "bun" | "vitest" | "jest" | "node-test" | "pytest";
type Outcome = "pass" | "fail" | "throw" | "skip";

/** One generated test and what the runner must say about it. */
interface Planned {
  file: string;
  /** As the tool names it: JS `describe > name`, pytest's node id. */
  fullName: string;
  outcome: Outcome;
  /** 1-based line of the statement that fails (fail/throw only). */
  line: number;
}

interface Sample {
  files: Record<string, string>;
  planned: Planned[];
}

// Pools kept small so that collisions are the rule, not the exception.
const JS_NAMES = ["adds numbers", "adds numbers", "handles > and & in names", "works", "returns `0` for []", "ünïcödé 計算"];
const JS_DESCRIBES: string[][] = [[], ["Cart"], ["Cart", "totals"], ["Cart > totals"]];
const JS_FILES = ["tests/cart.test.js", "tests/nested/cart.test.js", "src/__tests__/cart.test.js", "tests/odd dir/odd-name.v2.test.js"];
const PY_FILES = ["tests/test_cart.py", "tests/nested/test_cart.py", "tests/odd_dir/test_odd_v2.py"];
const PY_NAMES = ["test_adds_numbers", "test_works", "test_returns_zero"];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function outcomeOf(rand: () => number): Outcome {
  const r = rand();
  return r < 0.45 ? "pass" : r < 0.7 ? "fail" : r < 0.9 ? "throw" : "skip";
}

/** A JS sample for bun, vitest or jest: each file holds tests in describe blocks, one statement per outcome. */
function jsSample(runner: "bun" | "vitest" | "jest" | "node-test", seed: number, forced: Outcome[]): Sample {
  const rand = mulberry32(seed);
  const files: Record<string, string> = {};
  const planned: Planned[] = [];
  const fileCount = 2 + Math.floor(rand() * 3);
  const chosen = JS_FILES.slice(0, fileCount);
  const esm = runner !== "jest";
  const head =
    runner === "bun"
      ? `import { describe, expect, test } from "bun:test";\n`
      : runner === "vitest"
        ? `import { describe, expect, test } from "vitest";\n`
        : runner === "node-test"
          ? `import { describe, test } from "node:test";\nimport assert from "node:assert/strict";\n`
          : "";
  let forcedAt = 0;
  for (const file of chosen) {
    const lines: string[] = head ? head.trimEnd().split("\n") : [];
    const same = (a: string, b: string) => (runner === "node-test" ? `assert.equal(${a}, ${b})` : `expect(${a}).toBe(${b})`);
    const testCount = 3 + Math.floor(rand() * 5);
    for (let i = 0; i < testCount; i++) {
      const describes = pick(rand, JS_DESCRIBES);
      const name = pick(rand, JS_NAMES);
      const outcome = forcedAt < forced.length ? forced[forcedAt++]! : outcomeOf(rand);
      const open = describes.map((d) => `describe(${JSON.stringify(d)}, () => {`);
      lines.push(...open);
      const call = outcome === "skip" ? "test.skip" : "test";
      lines.push(`${call}(${JSON.stringify(name)}, () => {`);
      const body =
        outcome === "fail"
          ? `  ${same(`${i} + 1`, `${i + 100}`)};`
          : outcome === "throw"
            ? `  throw new Error("broken case ${i} in ${file.replace(/"/g, "")}");`
            : `  ${same(`${i}`, `${i}`)};`;
      lines.push(body);
      const line = lines.length;
      lines.push("});");
      lines.push(...describes.map(() => "});"));
      planned.push({ file, fullName: [...describes, name].join(" > "), outcome, line });
    }
    files[file] = `${lines.join("\n")}\n`;
  }
  files["package.json"] = JSON.stringify(
    runner === "node-test"
      ? { name: "node-oracle", private: true, type: "module", scripts: { test: "node --test" } }
      : esm
        ? { name: `${runner}-oracle`, private: true, type: "module" }
        : { name: "jest-oracle", private: true, jest: { testEnvironment: "node" } },
  );
  if (runner === "bun") files["bunfig.toml"] = "[test]\n";
  if (runner === "vitest") files["vitest.config.js"] = `export default { test: { include: ["**/*.test.js"] } };\n`;
  return { files, planned };
}

/** A pytest sample: classes hold the same method names, parametrized cases fail for some values. */
function pySample(seed: number, forced: Outcome[], green = false): Sample {
  const rand = mulberry32(seed);
  const files: Record<string, string> = { "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n" };
  const planned: Planned[] = [];
  let forcedAt = 0;
  const fileCount = 2 + Math.floor(rand() * 2);
  for (const file of PY_FILES.slice(0, fileCount)) {
    // Same basenames in two folders need packages (pytest's default import mode).
    for (let d = dirname(file); d !== "."; d = dirname(d)) files[`${d}/__init__.py`] = "";
    const lines = ["import pytest", ""];
    const classCount = 1 + Math.floor(rand() * 2);
    for (let c = 0; c < classCount; c++) {
      const cls = `TestCart${c === 0 ? "" : c + 1}`;
      lines.push(`class ${cls}:`);
      for (const name of PY_NAMES) {
        const outcome = forcedAt < forced.length ? forced[forcedAt++]! : outcomeOf(rand);
        const id = `${file}::${cls}::${name}`;
        if (outcome === "skip") lines.push(`    @pytest.mark.skip(reason="later")`);
        lines.push(`    def ${name}(self):`);
        lines.push(
          outcome === "fail"
            ? `        assert ${c} + 1 == ${c + 100}`
            : outcome === "throw"
              ? `        raise ValueError("broken ${cls}.${name}")`
              : `        assert ${c} == ${c}`,
        );
        planned.push({ file, fullName: id, outcome, line: lines.length });
        lines.push("");
      }
    }
    // A parametrized test: the values 2 and 3 fail, on the same line.
    lines.push(`@pytest.mark.parametrize("n", [1, 2, 3])`, "def test_small(n):");
    lines.push(`    assert n < ${green ? 9 : 2}`);
    const line = lines.length;
    for (const n of [1, 2, 3])
      planned.push({ file, fullName: `${file}::test_small[${n}]`, outcome: n < 2 || green ? "pass" : "fail", line });
    files[file] = `${lines.join("\n")}\n`;
  }
  return { files, planned };
}

/**
 * Files that make the runner exit non-zero after every test passed (a teardown that throws, a session hook that
 * sets the exit status): the report is green, the run is not, so heal must be red.
 */
const EXIT_TRAPS: Record<Exclude<Runner, "node-test">, Record<string, string>> = {
  bun: {
    "tests/zz-teardown.test.js": `import { afterAll, test } from "bun:test";\ntest("teardown sets the exit code", () => {});\nafterAll(() => { process.exitCode = 3; });\n`,
  },
  vitest: {
    "vitest.config.js": `export default { test: { include: ["**/*.test.js"], globalSetup: ["./global-setup.js"] } };\n`,
    "global-setup.js": `export default function () {\n  return () => { process.exitCode = 3; };\n}\n`,
  },
  jest: {
    "package.json": JSON.stringify({
      name: "jest-oracle",
      private: true,
      jest: { testEnvironment: "node", globalTeardown: "./teardown.js" },
    }),
    "teardown.js": `module.exports = async () => { throw new Error("teardown lost the database"); };\n`,
  },
  pytest: { "conftest.py": "def pytest_sessionfinish(session, exitstatus):\n    session.exitstatus = 3\n" },
};

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

const failing = (p: Planned) => p.outcome === "fail" || p.outcome === "throw";
/** The tool numbers a second test of one identity "name (2)": the base name is what the generator wrote. */
const baseName = (fullName: string) => fullName.replace(/ \(\d+\)$/, "");
const key = (file: string | null, fullName: string, line: number | null) => `${file} :: ${baseName(fullName)} :: ${line}`;

const CASES: { runner: Runner; seed: number; forced: Outcome[] }[] = [];
for (const runner of ["bun", "vitest", "jest", "node-test", "pytest"] as const) {
  // Seed 1 forces a pass and a fail under colliding names at the head of the first file; seed 4 is all green.
  CASES.push({ runner, seed: 1, forced: runner === "pytest" ? ["pass", "fail"] : ["pass", "fail", "pass", "throw"] });
  CASES.push({ runner, seed: 2, forced: [] });
  CASES.push({ runner, seed: 3, forced: [] });
  CASES.push({ runner, seed: 4, forced: Array(40).fill("pass") });
}

describe("a runner that exits non-zero after a green report is a red run", () => {
  for (const runner of ["bun", "vitest", "jest", "pytest"] as const) {
    test(runner, () => {
      if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
      const sample = runner === "pytest" ? pySample(4, Array(40).fill("pass"), true) : jsSample(runner, 4, Array(40).fill("pass"));
      const repo = createSampleRepo({ ...sample.files, ...EXIT_TRAPS[runner] }, { branch: "dev", nodeModules: runner !== "pytest" });
      repos.push(repo);
      const r = spawnSync(TASK_BIN, ["-x", "-t", TASKFILE, "heal"], { cwd: repo.dir, encoding: "utf8", env: localEnv(), timeout: 170_000 });
      const report = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/failures.json"), "utf8")) as FailureReport;
      expect(r.status).toBe(1);
      // No test failed: the one record is the runner's own, naming how it exited.
      expect(report.failures.map((f) => ({ kind: f.kind, exit: /exited \d+|killed by/.test(f.message) }))).toEqual([
        { kind: "error", exit: true },
      ]);
    });
  }
});

describe("a red run is never green, and no failure is lost (real runners, generated projects)", () => {
  for (const { runner, seed, forced } of CASES) {
    test(`${runner}, seed ${seed}`, () => {
      if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
      const sample = runner === "pytest" ? pySample(seed, forced) : jsSample(runner, seed, forced);
      const repo = createSampleRepo(sample.files, { branch: "dev", nodeModules: runner !== "pytest" });
      repos.push(repo);
      const r = spawnSync(TASK_BIN, ["-x", "-t", TASKFILE, "heal"], {
        cwd: repo.dir,
        encoding: "utf8",
        env: localEnv(),
        timeout: 170_000,
      });
      const path = join(repo.dir, ".agent/reports/failures.json");
      expect(existsSync(path)).toBe(true);
      const report = JSON.parse(readFileSync(path, "utf8")) as FailureReport;

      const want = sample.planned.filter(failing);
      // Exit status: 1 exactly when something failed.
      expect({ code: r.status, failing: want.length > 0 }).toEqual({ code: want.length > 0 ? 1 : 0, failing: want.length > 0 });
      // Every failing test once, with its file and failing line; nothing else.
      const got = report.failures.map((f) => key(f.file, f.fullName, f.line)).sort();
      expect(got).toEqual(want.map((p) => key(p.file, p.fullName, p.line)).sort());
      // Distinct records even where names collide.
      expect(new Set(report.failures.map((f) => `${f.file}\n${f.fullName}`)).size).toBe(report.failures.length);
      expect(report.flaky ?? []).toEqual([]);
      // Totals equal the ground truth.
      const { summary } = report;
      expect({
        failing: summary.failed + summary.errors,
        passed: summary.passed,
        skipped: summary.skipped,
      }).toEqual({
        failing: want.length,
        passed: sample.planned.filter((p) => p.outcome === "pass").length,
        skipped: sample.planned.filter((p) => p.outcome === "skip").length,
      });
    });
  }
});
