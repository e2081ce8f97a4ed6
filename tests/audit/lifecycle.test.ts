// `bun scripts/audit.ts` as it runs in GitHub Actions against the GitHub double and a bare origin, with the real
// govulncheck (v1.1.4) picked by the repository's go.mod and a local advisory database (GOVULNDB): a vulnerable
// call opens the branch's "🛡️ Security" issue through the healing issue's own steps; a second advisory comments;
// removing both calls closes it and deletes the task file upstream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { actionsEnv, requestLog } from "../github/fixtures.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { runGit } from "../support/sample-repo.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { ADVISORY_ID, govulncheckBin, osvDatabase } from "./govulncheck-db.ts";

let gh: GitHubDouble;
let remote: BareRemote;
let db: string;
const UPPER = { id: "GO-2099-0002", path: "strings", symbol: "ToUpper", aliases: ["CVE-2099-0002"] };
const TASK = ".agent/tasks/fix-audit-dev-go-stdlib.yaml";

beforeAll(async () => {
  gh = await startGitHubDouble();
  remote = createBareRemote({ "go.mod": "module example.com/app\n\ngo 1.21\n", ".gitignore": ".agent/reports/\n" });
  db = osvDatabase(mkdtempSync(join(tmpdir(), "heal-govulndb-")));
});
afterAll(async () => {
  await gh?.close();
  remote?.cleanup();
});

async function audit(runId: string, main: string, reports: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  writeFileSync(join(remote.cloneDir, "main.go"), main);
  const env = actionsEnv(gh, {
    GITHUB_RUN_ID: runId,
    GOVULNDB: `file://${db}`,
    GOFLAGS: "-mod=mod",
    GOTOOLCHAIN: "local",
    PATH: [dirname(process.execPath), dirname(govulncheckBin()), process.env.PATH ?? ""].join(":"),
    TMPDIR: tmpdir(),
  });
  const proc = Bun.spawn([process.execPath, join(TOOLKIT_ROOT, "scripts/audit.ts"), ...reports], {
    cwd: remote.cloneDir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("task audit against GitHub (double), govulncheck for real", () => {
  test("a called vulnerable symbol: one issue with the advisory, the task file pushed, the agent dispatched", async () => {
    const r = await audit("8001", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n');
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("🛡️ Security: 1 vulnerable dependencies in dev");
    expect(issue.labels).toEqual(["auto-healing", "security"]);
    expect(issue.body).toContain("### `stdlib` (Go) — unknown");
    expect(issue.body).toContain(`- [${ADVISORY_ID}](https://pkg.go.dev/vuln/${ADVISORY_ID}) (unknown): Println writes too much in fmt`);
    expect(issue.body).toContain("- Reached through: `example.com/app.main → fmt.Println`");
    expect(issue.body).toContain("fixed in: v99.0.0");
    expect(parseMarker(issue.body)).toMatchObject({ kind: "audit", branch: "dev", count: 1, run: { id: "8001", attempt: "1" } });
    const task = remote.show("dev", TASK);
    expect(task).toContain(`- id: ${ADVISORY_ID}`);
    expect(task).toContain("package: stdlib");
    expect(remote.log()[0]).toBe("chore(heal): task context for #1 [skip ci]");
    expect(gh.state.dispatches).toHaveLength(1);
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
  }, 180_000);

  test("the same audit again: nothing written (only the reads)", async () => {
    gh.resetLog();
    const r = await audit("8002", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n');
    expect(r.code).toBe(1);
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues/1",
    ]);
  }, 180_000);

  test("a second advisory: a comment naming it on the same issue, the task file updated", async () => {
    osvDatabase(db, [
      { id: ADVISORY_ID, path: "fmt", symbol: "Println", aliases: ["CVE-2099-0001"], summary: "Println writes too much in fmt" },
      UPPER,
    ]);
    gh.resetLog();
    const r = await audit(
      "8003",
      'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.ToUpper("hi")) }\n',
    );
    expect(r.code).toBe(1);
    expect(gh.state.issues).toHaveLength(1);
    const update = gh.state.issues[0]!.comments.find((c) => c.body.includes("🔁 The vulnerable dependencies on `dev` changed"))!;
    expect(update.body).toContain("**stdlib**: GO-2099-0002 (unknown): ToUpper in strings is vulnerable");
    expect(remote.show("dev", TASK)).toContain("- id: GO-2099-0002");
    expect(requestLog(gh)[2]).toBe("POST /repos/acme/widgets/issues/1/comments");
  }, 180_000);

  test("clean: the issue is closed with the audit's words and the task file deleted upstream", async () => {
    gh.resetLog();
    const r = await audit("8004", "package main\n\nfunc main() {}\n");
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: "No vulnerable dependency (govulncheck).\n" });
    expect(gh.state.issues[0]!.state).toBe("closed");
    expect(gh.state.issues[0]!.comments.at(-1)!.body).toContain("✅ The audit finds no vulnerable dependency on `dev`");
    expect(existsSync(join(remote.cloneDir, TASK))).toBe(false);
    expect(remote.log()[0]).toBe("chore(heal): tests pass, task context removed (#1 closed) [skip ci]");
    expect(requestLog(gh)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/1/comments",
      "POST /repos/acme/widgets/issues/1/comments",
      "PATCH /repos/acme/widgets/issues/1",
    ]);
  }, 180_000);

  test("reports read instead of run: a new issue after the close; one more vulnerable dependency renames it and comments", async () => {
    gh.resetLog();
    const fixture = (n: string) => join(TOOLKIT_ROOT, "tests/fixtures/audit", n);
    // A person's commit: a run on the tool's own [skip ci] commit opens no issue (lib/budget.ts, as for heal).
    runGit(remote.cloneDir, ["commit", "-q", "--allow-empty", "-m", "add debug"]);
    const first = await audit("8005", "package main\n\nfunc main() {}\n", [fixture("npm-v7.json")]);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 1 });
    expect(gh.state.issues.map((i) => [i.number, i.title, i.state])).toEqual([
      [1, "🛡️ Security: 1 vulnerable dependencies in dev", "closed"],
      [2, "🛡️ Security: 1 vulnerable dependencies in dev", "open"],
    ]);
    gh.resetLog();
    const second = await audit("8006", "package main\n\nfunc main() {}\n", [fixture("npm-v7.json"), fixture("bun-audit.json")]);
    expect(second.code).toBe(1);
    expect(gh.state.issues[1]!.title).toBe("🛡️ Security: 2 vulnerable dependencies in dev");
    expect(
      gh.state.issues[1]!.comments.some((c) =>
        c.body.includes("**ms**: GHSA-3fx5-fwvr-xrjg (high): Regular Expression Denial of Service in ms"),
      ),
    ).toBe(true);
    expect(requestLog(gh).slice(0, 4)).toEqual([
      "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open",
      "GET /repos/acme/widgets/issues/2/comments",
      "POST /repos/acme/widgets/issues/2/comments",
      "PATCH /repos/acme/widgets/issues/2",
    ]);
  }, 180_000);
});
