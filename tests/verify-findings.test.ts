// lib/verify.ts for performance and security issues: which benchmarks or advisories a task file lists (only the
// tool's own file of that kind and branch), and the verdict on a fix: perf by lib/perf's comparison, audit by the
// audit's findings and then the whole suite. Results here are built by hand: the rules, not the parsers, are tested
// (the parsers are tested on real tool output in tests/perf and tests/audit; the whole path in tests/e2e/verify-findings).
import { describe, expect, test } from "bun:test";
import { stringify } from "yaml";
import type { Vulnerability } from "../lib/audit/reports.ts";
import { comparePerf } from "../lib/perf/compare.ts";
import type { BenchResult } from "../lib/perf/results.ts";
import { judgeAudit, judgePerf, parseFindingTask, type FindingTask } from "../lib/verify.ts";

const bench = (name: string, samples: number[]): BenchResult => ({
  name,
  format: "go-bench",
  meanNs: samples.reduce((a, b) => a + b, 0) / samples.length,
  sdNs: null,
  n: samples.length,
  samplesNs: samples,
});
const vuln = (pkg: string, id: string): Vulnerability => ({
  id,
  aliases: [],
  package: pkg,
  ecosystem: "npm",
  installed: "2.0.0",
  fixed: "2.1.3",
  vulnerableRange: "<2.1.3",
  severity: "high",
  title: `ReDoS in ${pkg}`,
  url: null,
  paths: [],
  format: "npm",
});

describe("parseFindingTask", () => {
  const group = {
    id: "audit-dev-npm-ms",
    auto_generated: true,
    kind: "audit",
    branch: "dev",
    package: "ms",
    ecosystem: "npm",
    advisories: [{ id: "GHSA-3fx5-fwvr-xrjg" }, { id: "GHSA-w9mr-4mfr-499f" }],
  };
  const want = { kind: "audit" as const, branch: "dev" };

  test("a group's task file: each advisory keyed by ecosystem, package and id", () => {
    expect(parseFindingTask(stringify(group), "t.yaml", want)?.items).toEqual([
      { key: "npm/ms GHSA-3fx5-fwvr-xrjg", name: "ms GHSA-3fx5-fwvr-xrjg" },
      { key: "npm/ms GHSA-w9mr-4mfr-499f", name: "ms GHSA-w9mr-4mfr-499f" },
    ]);
  });

  test("the earlier per-branch file with advisory_groups reads the same", () => {
    const { package: pkg, ecosystem, advisories, ...rest } = group;
    const text = stringify({ ...rest, advisory_groups: [{ package: pkg, ecosystem, advisories }] });
    expect(parseFindingTask(text, "t.yaml", want)?.items.map((i) => i.key)).toEqual([
      "npm/ms GHSA-3fx5-fwvr-xrjg",
      "npm/ms GHSA-w9mr-4mfr-499f",
    ]);
  });

  test("another branch's, another kind's, a person's file or not YAML: null", () => {
    expect(parseFindingTask(stringify({ ...group, branch: "main" }), "t.yaml", want)).toBeNull();
    expect(parseFindingTask(stringify(group), "t.yaml", { kind: "perf", branch: "dev" })).toBeNull();
    expect(parseFindingTask(stringify({ ...group, auto_generated: undefined }), "t.yaml", want)).toBeNull();
    expect(parseFindingTask("key: [unclosed", "t.yaml", want)).toBeNull();
  });

  test("a perf task: its benchmarks and the rule it was filed under", () => {
    const text = stringify({
      auto_generated: true,
      kind: "perf",
      branch: "dev",
      threshold_pct: 15,
      alpha: 0.01,
      regressions: [{ benchmark: "pkg.BenchmarkParse", ratio: 1.4 }],
    });
    expect(parseFindingTask(text, "t.yaml", { kind: "perf", branch: "dev" })).toEqual({
      kind: "perf",
      items: [{ key: "pkg.BenchmarkParse", name: "pkg.BenchmarkParse" }],
      thresholdPct: 15,
      alpha: 0.01,
    });
  });
});

describe("judgePerf", () => {
  const task: FindingTask = {
    kind: "perf",
    paths: [".agent/tasks/fix-perf-dev.yaml"],
    items: [
      { key: "BenchmarkParse", name: "BenchmarkParse" },
      { key: "BenchmarkRender", name: "BenchmarkRender" },
    ],
    thresholdPct: 10,
    alpha: null,
  };
  const base = [bench("BenchmarkParse", [100, 101, 99, 102, 98]), bench("BenchmarkRender", [200, 202, 198, 201, 199])];

  test("both back within the threshold: healed", () => {
    const now = [bench("BenchmarkParse", [101, 100, 102, 99, 103]), bench("BenchmarkRender", [199, 201, 200, 202, 198])];
    const v = judgePerf(task, comparePerf(base, now, { thresholdPct: 10 }));
    expect(v.healed).toBe(true);
    expect(v.outcomes.map((o) => [o.test.fullName, o.status])).toEqual([
      ["BenchmarkParse", "passed"],
      ["BenchmarkRender", "passed"],
    ]);
  });

  test("one still 30% slower beyond noise: not healed, named with its ratio and test", () => {
    const now = [bench("BenchmarkParse", [130, 131, 129, 132, 128]), bench("BenchmarkRender", [199, 201, 200, 202, 198])];
    const v = judgePerf(task, comparePerf(base, now, { thresholdPct: 10 }));
    expect(v.healed).toBe(false);
    expect(v.outcomes[0]).toMatchObject({
      status: "failed",
      message: "100 ns → 130 ns (×1.30): 30.0% slower (mann-whitney-exact p=0.00794 < 0.05)",
    });
    expect(v.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0 });
  });

  test("a benchmark with no result in this run did not run: not healed", () => {
    const v = judgePerf(task, comparePerf(base, [bench("BenchmarkParse", [101, 100, 102, 99, 103])], { thresholdPct: 10 }));
    expect(v.healed).toBe(false);
    expect(v.outcomes.map((o) => o.status)).toEqual(["passed", "missing"]);
  });
});

describe("judgeAudit", () => {
  const task: FindingTask = {
    kind: "audit",
    paths: [".agent/tasks/fix-audit-dev-npm-ms.yaml", ".agent/tasks/fix-audit-dev-npm-debug.yaml"],
    items: [
      { key: "npm/ms GHSA-1", name: "ms GHSA-1" },
      { key: "npm/debug GHSA-2", name: "debug GHSA-2" },
    ],
    thresholdPct: null,
    alpha: null,
  };
  const green = {
    cases: [{ framework: "bun" as const, fullName: "adds", file: "a.test.ts", status: "passed" as const, message: "" }],
    problems: [],
  };

  test("an advisory still reported: not healed, named with its versions; the suite did not run", () => {
    const v = judgeAudit(task, [vuln("debug", "GHSA-2"), vuln("ms", "GHSA-9")], null);
    expect(v.healed).toBe(false);
    expect(v.outcomes.map((o) => [o.test.fullName, o.status, o.message])).toEqual([
      ["ms GHSA-1", "passed", ""],
      ["debug GHSA-2", "failed", "high, installed 2.0.0, fixed in 2.1.3: ReDoS in debug"],
    ]);
  });

  test("none reported and the suite green: healed; the same with a failing test: not healed, the test named", () => {
    expect(judgeAudit(task, [vuln("ms", "GHSA-9")], green).healed).toBe(true);
    const red = {
      ...green,
      cases: [...green.cases, { ...green.cases[0]!, fullName: "subtracts", status: "failed" as const, message: "boom" }],
    };
    const v = judgeAudit(task, [], red);
    expect(v.healed).toBe(false);
    expect(v.newFailures.map((c) => c.fullName)).toEqual(["subtracts"]);
    expect(v.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0 });
  });

  test("a run that wrote no report: not healed", () => {
    expect(judgeAudit(task, [], { cases: [], problems: ["go: `go test ./... -json` wrote no report (exit 1)"] }).healed).toBe(false);
  });
});
