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
        "[skip] create or update the performance issue for dev (2 regressed benchmarks): no GITHUB_TOKEN or GH_TOKEN (local mode)",
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

describe("scripts/perf.ts with the config's perf.command and perf.results (real go test -bench)", () => {
  const config = (command: string) => `perf:\n  results: [bench/go.txt]\n  command: [sh, -c, ${JSON.stringify(command)}]\n`;
  const goFiles = {
    "go.mod": "module example.com/sum\n\ngo 1.21\n",
    "sum_test.go":
      'package sum\n\nimport "testing"\n\nfunc BenchmarkAdd(b *testing.B) {\n\tx := 0\n\tfor i := 0; i < b.N; i++ {\n\t\tx += i\n\t}\n\t_ = x\n}\n',
  };

  test("no file named: perf.command writes the results, perf.results are read; no baseline yet is a [skip], exit 0", () => {
    const repo = createSampleRepo(
      {
        ...goFiles,
        ".agent/heal/config.yaml": config("mkdir -p bench && go test -run '^$' -bench . -benchtime 100x -count 3 . > bench/go.txt"),
      },
      { nodeModules: false },
    );
    try {
      const r = perf(repo.dir, []);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "No baseline: 1 benchmarks recorded, none compared.\n" });
      expect(r.stderr).toContain("perf: running sh -c mkdir -p bench && go test");
      expect(r.stderr).toMatch(/\[skip\] perf: no baseline: cannot fetch origin heal\/perf-baseline: .*; nothing compared/);
      expect(readFileSync(join(repo.dir, "bench/go.txt"), "utf8").match(/^BenchmarkAdd-\d+\s+100\s+[\d.]+ ns\/op$/gm)).toHaveLength(3);
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  test("a failing perf.command: exit 2 naming the config, nothing compared", () => {
    const repo = createSampleRepo(
      { ...goFiles, ".agent/heal/config.yaml": config("echo no benchmarks here >&2; exit 3") },
      { nodeModules: false },
    );
    try {
      const r = perf(repo.dir, []);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("  no benchmarks here");
      expect(r.stderr).toContain(".agent/heal/config.yaml: sh exited 3 — the benchmarks did not run");
      expect(existsSync(join(repo.dir, ".agent/reports/perf"))).toBe(false);
    } finally {
      repo.cleanup();
    }
  }, 60_000);
});
