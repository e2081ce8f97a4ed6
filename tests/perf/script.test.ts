// bun scripts/perf.ts as a black box in local mode (no token): exit codes, stderr, the files it leaves.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { createSampleRepo } from "../support/sample-repo.ts";

const go = readFileSync(join(TOOLKIT_ROOT, "tests/fixtures/perf/go-bench-count3.txt"), "utf8");

function perf(cwd: string, args: string[]) {
  const env = { ...process.env, GITHUB_TOKEN: "", GH_TOKEN: "", GITHUB_ACTIONS: "", GITHUB_REF_NAME: "dev" };
  const r = Bun.spawnSync([process.execPath, join(TOOLKIT_ROOT, "scripts/perf.ts"), ...args], { cwd, env });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("scripts/perf.ts", () => {
  test("a regression: exit 1, the issue text on stdout, the task file written, GitHub skipped", () => {
    const repo = createSampleRepo(
      { "base.txt": go, "cur.txt": go.replace(/(\d+\.\d+) ns\/op/g, (_, n) => `${(Number(n) * 1.5).toFixed(3)} ns/op`) },
      { nodeModules: false },
    );
    try {
      const r = perf(repo.dir, ["--baseline", "base.txt", "cur.txt"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toStartWith("## ⏱️ Performance regression in `dev`");
      expect(r.stdout).toContain("| `example.com/sum.BenchmarkLoop` | 42.7 ns | 64.0 ns | ×1.50 | Welch's t p=");
      expect(r.stderr).toContain(
        "[skip] create or update the performance issue for dev (2 failing): no GITHUB_TOKEN or GH_TOKEN (local mode)",
      );
      const task = readFileSync(join(repo.dir, ".agent/tasks/fix-perf-dev.yaml"), "utf8");
      expect(task).toContain("benchmark: example.com/sum.BenchmarkAlloc");
      expect(JSON.parse(readFileSync(join(repo.dir, ".agent/reports/perf/issue.json"), "utf8")).title).toBe(
        "⏱️ Performance regression in dev",
      );
    } finally {
      repo.cleanup();
    }
  }, 60_000);
  test("no result file, or a file that is no benchmark: exit 2 with the reason", () => {
    const repo = createSampleRepo({ "notes.txt": "hello\n" }, { nodeModules: false });
    try {
      expect(perf(repo.dir, [])).toMatchObject({ code: 2 });
      const r = perf(repo.dir, ["notes.txt"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("not a benchmark result this tool reads");
      expect(existsSync(join(repo.dir, ".agent/tasks"))).toBe(false);
    } finally {
      repo.cleanup();
    }
  }, 60_000);
});
