// `bun scripts/verify-fix.ts` on an agent branch linked to a performance or a security issue, as it runs in GitHub
// Actions against the GitHub double and a bare origin. The issue is filed first by the real `task perf` / `task audit`
// scripts; then the agent pushes claude/issue-1-x and verify judges it on the rule that filed the issue: perf by
// lib/perf's comparison of this run's results with the baseline (go -bench text with chosen numbers, as in
// tests/perf/lifecycle.test.ts), audit by the real govulncheck (local advisory database) and then the real `go test`.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { parseMarker } from "../../lib/marker.ts";
import { actionsEnv, requestLog, runStep } from "../github/fixtures.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { ADVISORY_ID, govulncheckBin, osvDatabase } from "../audit/govulncheck-db.ts";

let gh: GitHubDouble;
let remote: BareRemote;

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  remote.cleanup();
});

/** `bun scripts/<script>` in the clone (the double answers from this same process). */
const run = (script: string, args: string[], env: Record<string, string>) =>
  runStep(script.replace(/\.ts$/, ""), remote.cloneDir, env, args);

/** The agent's commit on claude/issue-1-x (the first from dev as the tool left it, task file included), pushed to origin. */
function agentPushes(files: Record<string, string>, message: string): string {
  if (remote.git("branch", "--show-current") !== "claude/issue-1-x") {
    remote.git("fetch", "-q", "origin");
    remote.git("checkout", "-q", "-b", "claude/issue-1-x", "origin/dev");
  }
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(remote.cloneDir, rel), text);
  remote.git("add", "-A");
  remote.git("commit", "-qm", message);
  remote.git("push", "-q", "origin", "claude/issue-1-x");
  return remote.git("rev-parse", "HEAD");
}

const VERIFY_READS = [
  "GET /repos/acme/widgets/issues/1",
  "GET /repos/acme/widgets/issues/1/comments",
  // Again after the check: another run may have verified this commit meanwhile.
  "GET /repos/acme/widgets/issues/1/comments",
  "GET /repos/acme/widgets/pulls?state=open",
];

const lastComment = () => gh.issue(1)!.comments.at(-1)!;
const printed = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

describe("task verify on a performance issue", () => {
  /** go test -bench -count 5 output: each benchmark's five ns/op values. */
  function goBench(values: Record<string, number[]>): string {
    const lines = ["goos: linux", "goarch: amd64", "pkg: example.com/shop"];
    for (const [name, ns] of Object.entries(values)) for (const v of ns) lines.push(`${name}-2   \t    1000\t      ${v} ns/op`);
    return `${lines.join("\n")}\nPASS\n`;
  }
  const env = (over: Record<string, string | undefined> = {}) =>
    actionsEnv(gh, { PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(":"), TMPDIR: tmpdir(), ...over });

  beforeEach(async () => {
    gh = await startGitHubDouble();
    remote = createBareRemote({
      "go.mod": "module example.com/shop\n",
      ".gitignore": ".agent/reports/\ncurrent.txt\n",
      "base.txt": goBench({ BenchmarkParse: [100, 101, 99, 102, 98], BenchmarkRender: [200, 202, 198, 201, 199] }),
    });
    // dev regressed BenchmarkParse by 40%: task perf files #1 and pushes its task file.
    writeFileSync(
      join(remote.cloneDir, "current.txt"),
      goBench({ BenchmarkParse: [140, 141, 139, 142, 138], BenchmarkRender: [201, 199, 200, 202, 198] }),
    );
    const filed = await run("perf.ts", ["--baseline", "base.txt", "current.txt"], env({ GITHUB_RUN_ID: "7001" }));
    expect({ code: filed.code, stderr: filed.stderr }).toMatchObject({ code: 1 });
    expect(parseMarker(gh.issue(1)!.body)).toMatchObject({ kind: "perf", branch: "dev", count: 1 });
    gh.resetLog();
  });

  async function verify(sha: string, runId: string, parse: number[]) {
    // The verify job's benchmark step writes this run's results (not committed).
    writeFileSync(join(remote.cloneDir, "current.txt"), goBench({ BenchmarkParse: parse, BenchmarkRender: [200, 201, 199, 202, 198] }));
    return run(
      "verify-fix.ts",
      ["--bench", "current.txt", "--baseline", "base.txt"],
      env({ GITHUB_REF_NAME: "claude/issue-1-x", GITHUB_SHA: sha, GITHUB_RUN_ID: runId }),
    );
  }

  test("a fix that brings the ratio back within the threshold: ✅ on the issue, closed, exit 0", async () => {
    const sha = agentPushes({ "parse.go": "package shop\n\n// Parse caches its table again.\n" }, "perf: cache the table");
    const r = await verify(sha, "7101", [101, 100, 102, 99, 103]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(printed(r.stdout)).toEqual({ issue: 1, attempt: 1, result: "pass", healed: true });
    expect(r.stderr).toContain("verifying #1: 1 regressed benchmark(s) from .agent/tasks/fix-perf-dev.yaml against base.txt");
    expect(r.stderr).toContain("✓ example.com/shop.BenchmarkParse (passed)");
    expect(requestLog(gh)).toEqual([...VERIFY_READS, "POST /repos/acme/widgets/issues/1/comments", "PATCH /repos/acme/widgets/issues/1"]);
    expect(gh.requests.at(-1)!.body).toEqual({ state: "closed", state_reason: "completed" });
    expect(gh.issue(1)!.state).toBe("closed");
    const ok = lastComment();
    expect(ok.body).toStartWith("## ✅ Performance Verification Passed\n");
    expect(ok.body).toContain(
      `The fix on \`claude/issue-1-x\` (commit ${sha.slice(0, 7)}) brings every regressed benchmark back within 10% of its baseline`,
    );
    expect(ok.body).toContain("- example.com/shop.BenchmarkParse: 100 ns → 101 ns (×1.01): 1.0% is within the 10% threshold");
    expect(ok.body).toContain("Closing #1: healed on verification attempt 1.");
    expect(parseMarker(ok.body)).toMatchObject({
      kind: "verification",
      branch: "claude/issue-1-x",
      count: 1,
      digest: parseMarker(gh.issue(1)!.body)!.digest,
      run: { id: "7101", attempt: "1" },
      extra: { issue: 1, result: "pass", outcome: "pass", attempt: 1, sha },
    });
    // task metrics counts the performance issue and its verification like a healing issue's (same markers).
    const out = mkdtempSync(join(tmpdir(), "heal-metrics-"));
    const m = await run("metrics.ts", ["--out", out], env());
    expect({ code: m.code, stderr: m.stderr }).toMatchObject({ code: 0 });
    const figures = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).figures;
    expect(figures).toMatchObject({
      healingIssues: 1,
      verifications: 1,
      passingVerifications: 1,
      fixSuccessRate: 100,
      firstAttemptSuccesses: 1,
      closedIssues: 1,
      outcomes: { agent: 1, "person-fix": 0, "person-closed": 0, "needs-human": 0, open: 0 },
    });
  }, 120_000);

  test("a fix that leaves the benchmark 30% slower: ❌ attempt 1 naming it, the agent asked again, exit 1", async () => {
    const sha = agentPushes({ "parse.go": "package shop\n\n// Parse tries harder.\n" }, "perf: try harder");
    const r = await verify(sha, "7102", [130, 131, 129, 132, 128]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(printed(r.stdout)).toEqual({ issue: 1, attempt: 1, result: "fail", healed: false });
    expect(r.stderr).toContain("✗ example.com/shop.BenchmarkParse (failed)");
    expect(gh.issue(1)!.state).toBe("open");
    const fail = gh.issue(1)!.comments.find((c) => c.body.startsWith("## ❌ Performance Verification Failed (attempt 1 of 3)"))!;
    expect(fail).toBeDefined();
    expect(fail.body).toContain(
      "### Still regressed (1)\n\n- example.com/shop.BenchmarkParse: 100 ns → 130 ns (×1.30): 30.0% slower (mann-whitney-exact p=0.00794 &lt; 0.05)",
    );
    expect(fail.body).not.toContain("Back within the threshold");
    expect(parseMarker(fail.body)).toMatchObject({ kind: "verification", extra: { issue: 1, result: "fail", attempt: 1, sha } });
    // The agent is asked again through the one hand-off path (a repository_dispatch here), attempt 2.
    expect(gh.state.dispatches.at(-1)!.clientPayload).toEqual({
      issue_number: 1,
      branch: "claude/issue-1-x",
      base: "dev",
      task_path: ".agent/tasks/fix-perf-dev.yaml",
      attempt: 2,
    });
    expect(requestLog(gh)).toEqual([
      ...VERIFY_READS,
      // The daily mention cap, counted over the tool's issues before anyone is asked again.
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all",
      "POST /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/dispatches",
    ]);
  }, 120_000);

  test("three fixes that stay slow: the third labels the issue needs-human and asks nobody (the same attempt budget)", async () => {
    for (const [i, runId] of ["7201", "7202", "7203"].entries()) {
      const sha = agentPushes({ "parse.go": `package shop\n\n// attempt ${i + 1}\n` }, `perf: attempt ${i + 1}`);
      const r = await verify(sha, runId, [130, 131, 129, 132, 128]);
      expect(r.code).toBe(1);
      expect(printed(r.stdout)).toEqual({ issue: 1, attempt: i + 1, result: i < 2 ? "fail" : "needs-human", healed: false });
    }
    const last = lastComment();
    expect(last.body).toStartWith("## 🧑‍🔧 Performance Fix Needs a Human (attempt 3 of 3)\n");
    expect(last.body).toContain("The agent will not be asked again: this issue is labelled `needs-human` for a person to take over.");
    expect(parseMarker(last.body)).toMatchObject({ kind: "verification", extra: { result: "fail", outcome: "needs-human", attempt: 3 } });
    expect(gh.issue(1)!.labels).toContain("needs-human");
    expect(gh.issue(1)!.state).toBe("open");
    // Filed once by task perf, asked again after the first two failures only.
    expect(gh.state.dispatches.map((d) => d.clientPayload?.attempt)).toEqual([1, 2, 3]);
  }, 120_000);

  test("local mode (no token): --task names the perf task file; the same rule, [skip] for GitHub, exit 0 then 1", async () => {
    gh.resetLog();
    const local = (parse: number[]) => {
      writeFileSync(join(remote.cloneDir, "current.txt"), goBench({ BenchmarkParse: parse, BenchmarkRender: [200, 201, 199, 202, 198] }));
      const args = ["--task", ".agent/tasks/fix-perf-dev.yaml", "--bench", "current.txt", "--baseline", "base.txt"];
      return run("verify-fix.ts", args, env({ GITHUB_TOKEN: undefined }));
    };
    const ok = await local([101, 100, 102, 99, 103]);
    expect({ code: ok.code, stderr: ok.stderr }).toMatchObject({ code: 0 });
    expect(printed(ok.stdout)).toEqual({ issue: null, attempt: null, result: "pass", healed: true });
    expect(ok.stderr).toContain("[skip] comment on the performance issue and close it: no GITHUB_TOKEN or GH_TOKEN (local mode)");
    const slow = await local([130, 131, 129, 132, 128]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain("✗ example.com/shop.BenchmarkParse (failed)");
    expect(gh.requests).toEqual([]);
  }, 120_000);

  test("no --bench and no perf.results: the tool cannot verify a performance issue and says what to pass, exit 2, nothing written", async () => {
    const sha = agentPushes({ "parse.go": "package shop\n" }, "perf: something");
    const r = await run("verify-fix.ts", [], env({ GITHUB_REF_NAME: "claude/issue-1-x", GITHUB_SHA: sha, GITHUB_RUN_ID: "7103" }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "#1 is a performance issue: pass this run's benchmark results with --bench <file>, or name them in perf.results",
    );
    expect(gh.requests.filter((q) => q.method !== "GET")).toEqual([]);
  }, 120_000);
});

describe("task verify on a security issue (govulncheck for real, then go test)", () => {
  const TOUPPER = { id: "GO-2099-0002", path: "strings", symbol: "ToUpper", aliases: ["CVE-2099-0002"] };
  const PRINTLN = {
    id: ADVISORY_ID,
    path: "fmt",
    symbol: "Println",
    aliases: ["CVE-2099-0001"],
    summary: "Println writes too much in fmt",
  };
  const TEST = [
    "package main",
    "",
    'import "testing"',
    "",
    "func TestGreeting(t *testing.T) {",
    '\tif got := greeting(); got != "HI" {',
    '\t\tt.Fatalf("greeting() = %q, want HI", got)',
    "\t}",
    "}",
    "",
  ].join("\n");
  const program = (imports: string[], greeting: string, main: string) =>
    `package main\n\nimport (\n${imports.map((i) => `\t"${i}"\n`).join("")})\n\nfunc greeting() string { return ${greeting} }\n\nfunc main() { ${main} }\n`;
  let db: string;
  const env = (over: Record<string, string> = {}) =>
    actionsEnv(gh, {
      GOVULNDB: `file://${db}`,
      GOFLAGS: "-mod=mod",
      GOTOOLCHAIN: "local",
      PATH: [dirname(process.execPath), dirname(govulncheckBin()), process.env.PATH ?? ""].join(":"),
      TMPDIR: tmpdir(),
      ...over,
    });

  beforeEach(async () => {
    gh = await startGitHubDouble();
    db = osvDatabase(mkdtempSync(join(tmpdir(), "heal-govulndb-")), [PRINTLN, TOUPPER]);
    remote = createBareRemote({
      "go.mod": "module example.com/app\n\ngo 1.21\n",
      ".gitignore": ".agent/reports/\n",
      "main.go": program(["fmt", "strings"], 'strings.ToUpper("hi")', "fmt.Println(greeting())"),
      "main_test.go": TEST,
    });
    const filed = await run("audit.ts", [], env({ GITHUB_RUN_ID: "8001" }));
    expect({ code: filed.code, stderr: filed.stderr }).toMatchObject({ code: 1 });
    expect(parseMarker(gh.issue(1)!.body)).toMatchObject({ kind: "audit", branch: "dev", count: 2 });
    gh.resetLog();
  });

  const verify = (sha: string, runId: string) =>
    run("verify-fix.ts", [], env({ GITHUB_REF_NAME: "claude/issue-1-x", GITHUB_SHA: sha, GITHUB_RUN_ID: runId }));

  test("a fix that drops both vulnerable calls and keeps the tests green: ✅, closed, exit 0", async () => {
    const sha = agentPushes(
      { "main.go": program(["os"], '"HI"', 'os.Stdout.WriteString(greeting() + "\\n")') },
      "fix: no vulnerable calls",
    );
    const r = await verify(sha, "8101");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(printed(r.stdout)).toEqual({ issue: 1, attempt: 1, result: "pass", healed: true });
    expect(r.stderr).toContain("no advisory of the issue remains: running the whole suite");
    expect(requestLog(gh)).toEqual([...VERIFY_READS, "POST /repos/acme/widgets/issues/1/comments", "PATCH /repos/acme/widgets/issues/1"]);
    expect(gh.issue(1)!.state).toBe("closed");
    const ok = lastComment();
    expect(ok.body).toStartWith("## ✅ Security Verification Passed\n");
    expect(ok.body).toContain(
      `The fix on \`claude/issue-1-x\` (commit ${sha.slice(0, 7)}): govulncheck no longer reports any advisory of #1, and the tests pass: 1 passed, 0 skipped (1 tests).`,
    );
    expect(ok.body).toContain(`### No longer reported (2)\n\n- stdlib ${ADVISORY_ID}\n- stdlib GO-2099-0002`);
    expect(parseMarker(ok.body)).toMatchObject({
      kind: "verification",
      count: 2,
      digest: parseMarker(gh.issue(1)!.body)!.digest,
      extra: { issue: 1, result: "pass", attempt: 1, sha },
    });
  }, 240_000);

  test("a fix that leaves one advisory: ❌ attempt 1 naming it, the tests not run, exit 1", async () => {
    const sha = agentPushes({ "main.go": program(["fmt"], '"HI"', "fmt.Println(greeting())") }, "fix: no ToUpper");
    const r = await verify(sha, "8102");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(printed(r.stdout)).toEqual({ issue: 1, attempt: 1, result: "fail", healed: false });
    expect(r.stderr).not.toContain("running the whole suite");
    const fail = gh.issue(1)!.comments.find((c) => c.body.startsWith("## ❌ Security Verification Failed (attempt 1 of 3)"))!;
    expect(fail).toBeDefined();
    expect(fail.body).toContain("An advisory is still reported, so the tests were not run.");
    // govulncheck names the installed stdlib by the local go's version.
    expect(fail.body).toMatch(
      new RegExp(
        `### Still reported by govulncheck \\(1\\)\n\n- stdlib ${ADVISORY_ID}: unknown, installed v1\\.\\d+\\.\\d+, fixed in v99\\.0\\.0: Println writes too much in fmt\n`,
      ),
    );
    expect(fail.body).toContain("### No longer reported (1)\n\n- stdlib GO-2099-0002");
    expect(gh.issue(1)!.state).toBe("open");
    expect(parseMarker(fail.body)).toMatchObject({ kind: "verification", extra: { issue: 1, result: "fail", attempt: 1, sha } });
  }, 240_000);

  test("a fix that drops the calls but breaks a test is not healed: ❌ with the failing test, exit 1", async () => {
    const sha = agentPushes(
      { "main.go": program(["os"], '"hi"', 'os.Stdout.WriteString(greeting() + "\\n")') },
      "fix: no vulnerable calls, lower case",
    );
    const r = await verify(sha, "8103");
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    const fail = lastComment();
    expect(fail.body).toStartWith("## ❌ Security Verification Failed (attempt 1 of 3)");
    // go test -json names a test's package, not its file.
    expect(fail.body).toContain(
      '### Failing tests (1)\n\n**Test**: TestGreeting\n**File**: example.com/app\n```\nmain_test.go:7: greeting() = "hi", want HI\n```',
    );
    expect(fail.body).toContain("### No longer reported (2)");
    expect(fail.body).not.toContain("Still reported");
  }, 240_000);
});
