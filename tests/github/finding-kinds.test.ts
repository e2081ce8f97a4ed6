// A finding that is not a failing test goes through the healing issue's steps, and every line it prints names its
// own issue: `task perf` a "performance issue", `task audit` a "security issue" (scripts run as black boxes, locally
// and against the GitHub double with a bare origin, as tests/perf/lifecycle.test.ts runs them).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { createBareRemote } from "../support/git-remote.ts";
import { startGitHubDouble } from "../support/github-double.ts";
import { createSampleRepo } from "../support/sample-repo.ts";
import { actionsEnv, requestLog } from "./fixtures.ts";

const LOCAL = { GITHUB_TOKEN: "", GH_TOKEN: "", GITHUB_ACTIONS: "", GITHUB_REF_NAME: "dev" };
const goBench = readFileSync(join(TOOLKIT_ROOT, "tests/fixtures/perf/go-bench-count3.txt"), "utf8");
const slower = goBench.replace(/(\d+\.\d+) ns\/op/g, (_, n) => `${(Number(n) * 1.5).toFixed(3)} ns/op`);

async function script(name: string, cwd: string, env: Record<string, string | undefined>, args: string[]) {
  const proc = Bun.spawn([process.execPath, join(TOOLKIT_ROOT, "scripts", `${name}.ts`), ...args], {
    cwd,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("the finding kinds' own issue names", () => {
  test("task perf in local mode: the [skip] line names the performance issue", async () => {
    const repo = createSampleRepo({ "base.txt": goBench, "cur.txt": slower }, { nodeModules: false });
    cleanups.push(() => repo.cleanup());
    const r = await script("perf", repo.dir, { ...process.env, ...LOCAL }, ["--baseline", "base.txt", "cur.txt"]);
    expect(r.code).toBe(1);
    const skips = r.stderr.split("\n").filter((l) => l.startsWith("[skip]"));
    expect(skips[0]).toBe(
      "[skip] create or update the performance issue for dev (2 regressed benchmarks): no GITHUB_TOKEN or GH_TOKEN (local mode)",
    );
    expect(r.stderr).not.toContain("healing issue");
  }, 60_000);

  test("task audit in local mode: [skip] names the security issue", async () => {
    const repo = createSampleRepo({}, { nodeModules: false });
    cleanups.push(() => repo.cleanup());
    const r = await script("audit", repo.dir, { ...process.env, ...LOCAL }, [join(TOOLKIT_ROOT, "tests/fixtures/audit/pip-audit.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[skip] create or update the security issue for dev (");
    expect(r.stderr).not.toContain("healing issue");
  }, 60_000);

  test("task perf against GitHub (double): the info line and the job summary name the performance issue", async () => {
    const gh = await startGitHubDouble();
    const remote = createBareRemote({ "go.mod": "module example.com/sum\n", ".gitignore": ".agent/reports/\n" });
    cleanups.push(
      () => gh.close(),
      () => remote.cleanup(),
    );
    writeFileSync(join(remote.cloneDir, "base.txt"), goBench);
    writeFileSync(join(remote.cloneDir, "cur.txt"), slower);
    const summary = join(remote.cloneDir, ".agent/reports/summary.md");
    const env = actionsEnv(gh, {
      PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"),
      TMPDIR: tmpdir(),
      GITHUB_STEP_SUMMARY: summary,
    });
    const r = await script("perf", remote.cloneDir, env, ["--baseline", "base.txt", "cur.txt"]);
    expect(r.code).toBe(1);
    expect(gh.violations).toEqual([]);
    expect(r.stderr.split("\n")).toContain("performance issue: created https://github.com/acme/widgets/issues/1");
    expect(r.stderr).not.toContain("healing issue");
    expect(readFileSync(summary, "utf8")).toContain("\nPerformance issue: [#1](https://github.com/acme/widgets/issues/1) (created).\n");
    expect(requestLog(gh)).toContain("POST /repos/acme/widgets/dispatches");
  }, 120_000);
});
