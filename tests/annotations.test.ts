// Workflow commands the toolkit writes in Actions: escaped and redacted, so test output cannot end one early,
// start another or leak a secret; finish-heal annotates the first 10 failures on their lines.
import { afterEach, describe, expect, test } from "bun:test";
import { annotation, escapeData, escapeProperty, groupStart } from "../lib/annotations.ts";
import { startGitHubDouble, type GitHubDouble } from "./support/github-double.ts";
import { actionsEnv, failure, failureReport, runStep, workdir, type Workdir } from "./github/fixtures.ts";

describe("escaping", () => {
  test("%, CR, LF and :: in a message; : and , in a property", () => {
    expect(escapeData("100% done\r\nnext::error::x")).toBe("100%25 done%0D%0Anext:\uFF1Aerror:\uFF1Ax");
    expect(escapeProperty("a,b:c%")).toBe("a%2Cb%3Ac%25");
    expect(annotation("error", "expected 1\nreceived 2", { file: "tests/a,b.test.ts", line: 6, title: "math > adds: x" })).toBe(
      "::error file=tests/a%2Cb.test.ts,line=6,title=math > adds%3A x::expected 1%0Areceived 2",
    );
    expect(groupStart("bun: bun test\n::endgroup::")).toBe("::group::bun: bun test%0A:\uFF1Aendgroup:\uFF1A");
  });

  test("a token in test output is masked before it reaches the log", () => {
    const token = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    const line = annotation("error", `request failed with ${token}`, { file: "a.ts", line: 1, title: `uses ${token}` });
    expect(line).not.toContain(token);
    expect(line).toStartWith("::error file=a.ts,line=1,title=uses ");
  });

  test("no file: no file or line property", () => {
    expect(annotation("warning", "nothing will wake the agent", { file: null, line: 3 })).toBe("::warning::nothing will wake the agent");
  });
});

describe("finish-heal in Actions", () => {
  let gh: GitHubDouble;
  let w: Workdir;
  afterEach(async () => {
    await gh.close();
    w.cleanup();
  });

  test("one ::error annotation per failure on its file and line, the first 10 only, on stderr; stdout unchanged", async () => {
    gh = await startGitHubDouble();
    w = workdir();
    w.writeReports(failureReport(Array.from({ length: 12 }, (_, i) => failure(i + 1, { message: `expected ${i}\nat line` }))));
    const r = await runStep("finish-heal", w.dir, actionsEnv(gh));
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(10);
    const first = failure(1);
    expect(lines[0]).toBe(`::error file=${first.file},line=${first.line},title=${first.fullName}::expected 0`);
    expect(lines.every((l) => l.startsWith("::error file=tests/math.test.ts,line="))).toBe(true);
    expect(r.stdout).not.toContain("::error");

    const local = await runStep("finish-heal", w.dir, actionsEnv(gh, { GITHUB_ACTIONS: undefined }));
    expect(local.stderr).toBe("");
  });
});
