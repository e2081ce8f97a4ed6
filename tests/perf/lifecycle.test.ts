// `bun scripts/perf.ts` as it runs in GitHub Actions against the GitHub double and a bare origin: a regression opens
// the branch's "⏱️ Performance regression" issue through the healing issue's own steps (marker kind perf, task file
// pushed, agent dispatched); a changed set comments; back within the threshold closes it and deletes the task file.
// The benchmark outputs are go -bench text with chosen numbers (the parser is tested on real go output in
// results.test.ts): a lifecycle needs regressions of known size.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
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

beforeAll(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({ "go.mod": "module example.com/shop\n", ".gitignore": ".agent/reports/\nbench/\n" });
  writeFileSync(join(remote.cloneDir, "base.txt"), goBench(BASE));
});
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
});

async function perf(runId: string, current: Record<string, number[]>): Promise<{ code: number; stdout: string; stderr: string }> {
  writeFileSync(join(remote.cloneDir, "current.txt"), goBench(current));
  const env = actionsEnv(gh, {
    GITHUB_RUN_ID: runId,
    PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"),
    TMPDIR: tmpdir(),
  });
  const proc = Bun.spawn([process.execPath, join(TOOLKIT_ROOT, "scripts/perf.ts"), "--baseline", "base.txt", "current.txt"], {
    cwd: remote.cloneDir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const TASK = ".agent/tasks/fix-perf-dev.yaml";

describe("task perf against GitHub (double)", () => {
  test("a 40% regression with separated samples: one issue, the task file pushed, the agent dispatched", async () => {
    const r = await perf("7001", { BenchmarkParse: [140, 141, 139, 142, 138], BenchmarkRender: [201, 199, 200, 202, 198] });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("⏱️ Performance regression in dev");
    expect(issue.labels).toEqual(["auto-healing", "performance"]);
    expect(issue.body).toContain("| `example.com/shop.BenchmarkParse` | 100 ns | 140 ns | ×1.40 | Mann-Whitney U p=0.0079 | 5 vs 5 |");
    expect(issue.body).not.toContain("BenchmarkRender");
    expect(parseMarker(issue.body)).toMatchObject({ kind: "perf", branch: "dev", count: 1, run: { id: "7001", attempt: "1" } });
    expect(remote.log()[0]).toBe("chore(heal): task context for #1 [skip ci]");
    const task = remote.show("dev", TASK);
    expect(task).toContain("benchmark: example.com/shop.BenchmarkParse");
    expect(task).toContain("ratio: 1.4");
    expect(task).toMatch(/^github_issue: "?acme\/widgets#1"?$/m);
    expect(issue.body).toContain(`/acme/widgets/blob/${remote.head()}/${TASK}`);
    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { issue_number: 1, branch: "dev", task_path: TASK, attempt: 1 },
        login: "github-actions[bot]",
      },
    ]);
    // The same requests, in the same order, as the healing issue's first run (tests/e2e/heal-github.test.ts).
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "GET /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
      "GET /repos/acme/widgets/issues/1",
      "PATCH /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
  }, 120_000);

  test("the set changes (Render regresses too): a comment on the same issue, the task file updated", async () => {
    gh.resetLog();
    const r = await perf("7002", { BenchmarkParse: [140, 141, 139, 142, 138], BenchmarkRender: [300, 302, 298, 301, 299] });
    expect(r.code).toBe(1);
    expect(gh.state.issues).toHaveLength(1);
    const comments = gh.state.issues[0]!.comments;
    expect(comments.at(-2)?.body ?? "").toContain("example.com/shop.BenchmarkRender");
    expect(remote.show("dev", TASK)).toContain("benchmark: example.com/shop.BenchmarkRender");
    expect(remote.show("dev", TASK)).toMatch(/^github_issue: "?acme\/widgets#1"?$/m);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues/1",
      "PATCH /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1",
      "GET /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
  }, 120_000);

  test("back within the threshold (3% within noise): the issue is closed and the task file deleted upstream", async () => {
    gh.resetLog();
    const r = await perf("7003", { BenchmarkParse: [103, 98, 104, 101, 100], BenchmarkRender: [206, 204, 200, 199, 203] });
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: "No regression beyond 10% in 2 benchmarks.\n" });
    expect(gh.state.issues[0]!.state).toBe("closed");
    expect(gh.state.issues[0]!.comments.at(-1)!.body).toContain("✅ Every benchmark on `dev` is back within the threshold");
    expect(existsSync(join(remote.cloneDir, TASK))).toBe(false);
    expect(remote.log()[0]).toBe("chore(heal): tests pass, task context removed (#1 closed) [skip ci]");
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/issues/1/comments",
      "PATCH /repos/acme/widgets/issues/1",
    ]);
  }, 120_000);
});
