// The baseline kept by the tool on origin's heal/perf-baseline, with a real bare origin and the GitHub double: the
// default branch's first run writes it, a feature branch 2x slower files its issue against it and a run within the
// threshold closes it; a regressed default branch keeps the old baseline; a refused push is a warning.
// The benchmark outputs are go -bench text with chosen numbers (the parser is tested on real go output in
// results.test.ts): the lifecycle needs regressions of known size.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { baselinePath, defaultBranch } from "../../lib/perf/baseline-branch.ts";
import { CONFIG_FILE, TOOLKIT_ROOT } from "../../lib/paths.ts";
import { actionsEnv, requestLog } from "../github/fixtures.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

let gh: GitHubDouble;
let remote: BareRemote;

/** go test -bench -count 5 output: each benchmark's five ns/op values. */
function goBench(values: Record<string, number[]>): string {
  const lines = ["goos: linux", "goarch: amd64", "pkg: example.com/shop"];
  for (const [name, ns] of Object.entries(values)) for (const v of ns) lines.push(`${name}-2   \t    1000\t      ${v} ns/op`);
  return `${lines.join("\n")}\nPASS\n`;
}
const BASE = { BenchmarkParse: [100, 101, 99, 102, 98], BenchmarkRender: [200, 202, 198, 201, 199] };
const TWICE = { BenchmarkParse: [200, 202, 198, 204, 196], BenchmarkRender: [200, 202, 198, 201, 199] };
const WITHIN = { BenchmarkParse: [103, 98, 104, 101, 100], BenchmarkRender: [206, 204, 200, 199, 203] };
const BASELINE_FILE = ".agent/reports/perf/baseline/bench/go.txt.json";

beforeAll(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote(
    { "go.mod": "module example.com/shop\n", ".gitignore": ".agent/reports/\nbench/\n", [CONFIG_FILE]: "branches: [main, feature]\n" },
    "main",
  );
});
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
});

/** The baseline branch's own commits (it starts from the default branch's history). */
const baselineCommits = () => remote.log("heal/perf-baseline").filter((s) => s.startsWith("chore(heal): perf baseline"));

async function perf(branch: string, current: Record<string, number[]>, args: string[] = []) {
  remote.git("checkout", "-q", branch);
  Bun.spawnSync(["mkdir", "-p", join(remote.cloneDir, "bench")]);
  writeFileSync(join(remote.cloneDir, "bench/go.txt"), goBench(current));
  const env = actionsEnv(gh, {
    GITHUB_REF_NAME: branch,
    GITHUB_SHA: remote.git("rev-parse", "HEAD"),
    PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"),
    TMPDIR: tmpdir(),
  });
  const proc = Bun.spawn([process.execPath, join(TOOLKIT_ROOT, "scripts/perf.ts"), ...args, "bench/go.txt"], {
    cwd: remote.cloneDir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("task perf: the baseline on heal/perf-baseline", () => {
  test("a feature branch before any baseline: one [skip] line, exit 0, nothing filed", async () => {
    remote.git("checkout", "-q", "-b", "feature");
    remote.git("checkout", "-q", "main");
    const r = await perf("feature", TWICE);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "No baseline: 2 benchmarks recorded, none compared.\n" });
    expect(r.stderr).toContain(
      "[skip] perf: no baseline: origin has no heal/perf-baseline yet (the default branch's first run writes it); nothing compared",
    );
    expect(gh.requests).toEqual([]);
    expect(remote.head("heal/perf-baseline")).toBeNull();
  }, 120_000);

  test("the default branch's first run commits the baseline onto heal/perf-baseline [skip ci]", async () => {
    const sha = remote.git("rev-parse", "main");
    const r = await perf("main", BASE);
    expect(r.code).toBe(0);
    expect(remote.log("heal/perf-baseline")[0]).toBe(`chore(heal): perf baseline of bench/go.txt at ${sha.slice(0, 12)} [skip ci]`);
    // Built on the default branch's commit, the one file added.
    expect(remote.git("rev-parse", "origin/heal/perf-baseline^")).toBe(sha);
    expect(remote.git("diff", "--name-only", sha, "origin/heal/perf-baseline")).toBe(BASELINE_FILE);
    const stored = JSON.parse(remote.show("heal/perf-baseline", BASELINE_FILE) ?? "null");
    expect(stored).toMatchObject({ kind: "perf-baseline", version: 1, branch: "main", commit: sha });
    expect(stored.results.map((b: { name: string; samplesNs: number[] }) => [b.name, b.samplesNs])).toEqual([
      ["example.com/shop.BenchmarkParse", BASE.BenchmarkParse],
      ["example.com/shop.BenchmarkRender", BASE.BenchmarkRender],
    ]);
    expect(r.stderr).toContain(`perf: baseline ${BASELINE_FILE} committed to heal/perf-baseline`);
    expect(remote.log("main")).toEqual(["initial commit"]);
    // The token went to that fetch and push alone (lib/git.ts authEnv): nothing persisted in .git/config.
    expect(() => remote.git("config", "--get-regexp", "^http\\..*extraheader$")).toThrow();
    expect(gh.requests).toEqual([]);
  }, 120_000);

  test("a feature branch 2x slower: its issue is filed against the fetched baseline", async () => {
    const r = await perf("feature", TWICE);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(r.stderr).toContain(`perf: baseline from origin/heal/perf-baseline: ${BASELINE_FILE}`);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("⏱️ Performance regression in feature");
    expect(issue.body).toContain("| `example.com/shop.BenchmarkParse` | 100 ns | 200 ns | ×2.00 | Mann-Whitney U p=0.0079 | 5 vs 5 |");
    expect(issue.body).not.toContain("BenchmarkRender");
    expect(remote.show("feature", ".agent/tasks/fix-perf-feature.yaml")).toContain("benchmark: example.com/shop.BenchmarkParse");
    // Only the default branch writes the baseline.
    expect(baselineCommits()).toHaveLength(1);
  }, 120_000);

  test("the feature branch back within the threshold: the issue is closed", async () => {
    gh.resetLog();
    const r = await perf("feature", WITHIN);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "No regression beyond 10% in 2 benchmarks.\n" });
    expect(gh.state.issues[0]!.state).toBe("closed");
    expect(requestLog(gh).at(-1)).toBe("PATCH /repos/acme/widgets/issues/1");
    expect(remote.show("feature", ".agent/tasks/fix-perf-feature.yaml")).toBeNull();
    expect(baselineCommits()).toHaveLength(1);
  }, 120_000);

  test("a regressed default branch keeps the last good baseline; --update-baseline stores it", async () => {
    const r = await perf("main", TWICE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "[skip] perf: heal/perf-baseline not updated: 1 benchmark regressed (--update-baseline stores this run anyway)",
    );
    expect(baselineCommits()).toHaveLength(1);
    const accepted = await perf("main", TWICE, ["--update-baseline"]);
    expect(accepted.code).toBe(1);
    expect(baselineCommits()).toHaveLength(2);
    const stored = JSON.parse(remote.show("heal/perf-baseline", BASELINE_FILE) ?? "null");
    expect(stored.results[0].samplesNs).toEqual(TWICE.BenchmarkParse);
  }, 120_000);

  test("a refused push of the baseline is a warning, exit 0, the old baseline stays", async () => {
    remote.refusePushesTo("heal/perf-baseline");
    const before = remote.head("heal/perf-baseline");
    const r = await perf("main", TWICE);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `::warning::the push of the perf baseline ${BASELINE_FILE} to heal/perf-baseline was refused (remote: error: GH006: Protected branch update failed for refs/heads/heal/perf-baseline.); the old baseline stays`,
    );
    expect(remote.head("heal/perf-baseline")).toBe(before);
  }, 120_000);
});

describe("where the baseline lives and which branch keeps it", () => {
  test("one file per result file under <reports>/perf/baseline, named by its repo-relative path", () => {
    const root = "/work/repo";
    expect(baselinePath(root, `${root}/.agent/reports`, "bench/go.txt")).toBe(".agent/reports/perf/baseline/bench/go.txt.json");
    expect(baselinePath(root, `${root}/out`, `${root}/web/bench result.json`)).toBe("out/perf/baseline/web/bench_result.json.json");
    // Outside the repository: its name alone, never a path that climbs out.
    expect(baselinePath(root, `${root}/.agent/reports`, "/tmp/x/../hyperfine.json")).toBe(
      ".agent/reports/perf/baseline/hyperfine.json.json",
    );
    expect(baselinePath(root, `${root}/.agent/reports`, "../other/go.txt")).toBe(".agent/reports/perf/baseline/go.txt.json");
  });

  test("the default branch: the event's repository.default_branch, else origin's HEAD", () => {
    expect(defaultBranch(remote.cloneDir, { repository: { default_branch: "trunk" } })).toBe("trunk");
    expect(defaultBranch(remote.cloneDir, null)).toBe("main");
    expect(defaultBranch(remote.cloneDir, { repository: {} })).toBe("main");
  });
});
