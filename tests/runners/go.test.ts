// go test through its adapter: detection from go.mod, and the task file's one-test re-run and
// verification's targeted re-run select the same tests (they used to differ: verify re-ran the whole stack).
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { loadConfig } from "../../lib/config.ts";
import { detectStacks } from "../../lib/detect.ts";
import { parseReport } from "../../lib/parsers/index.ts";
import { goRunPattern } from "../../lib/runners/go.ts";
import { runStack } from "../../lib/runners/index.ts";
import { rerunCommand } from "../../lib/task-context.ts";
import type { CaseStatus } from "../../lib/types.ts";
import { targetedStack } from "../../lib/verify.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real go on a shared 2-core machine (the first build of a package takes seconds).
setDefaultTimeout(180_000);

const repos: SampleRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));
// No network: the local toolchain, no module downloads.
const GO_ENV = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" };

function calcModule(): SampleRepo {
  const repo = createSampleRepo(
    {
      "svc/go.mod": "module example.com/svc\n\ngo 1.19\n",
      "svc/calc/calc.go": "package calc\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Mul(a, b int) int { return a + b }\n",
      "svc/calc/calc_test.go": [
        "package calc",
        "",
        'import "testing"',
        "",
        "func TestAdd(t *testing.T) {",
        '\tt.Run("positive", func(t *testing.T) {',
        "\t\tif Add(1, 2) != 3 {",
        '\t\t\tt.Fatal("1+2")',
        "\t\t}",
        "\t})",
        '\tt.Run("negative", func(t *testing.T) {',
        "\t\tif Add(-1, -2) != -4 {",
        '\t\t\tt.Fatal("-1+-2 is not -4")',
        "\t\t}",
        "\t})",
        "}",
        "",
        "func TestMul(t *testing.T) {",
        "\tif Mul(2, 3) != 6 {",
        '\t\tt.Fatal("2*3")',
        "\t}",
        "}",
        "",
        "func TestAddZero(t *testing.T) {",
        "\tif Add(0, 0) != 0 {",
        '\t\tt.Fatal("0+0")',
        "\t}",
        "}",
        "",
      ].join("\n"),
    },
    { nodeModules: false },
  );
  repos.push(repo);
  return repo;
}

/** Every test of a go -json report with its status. */
async function statuses(path: string): Promise<Record<string, CaseStatus>> {
  const out: Record<string, CaseStatus> = {};
  await parseReport(path, (c) => void (out[c.fullName] = c.status));
  return out;
}

describe("go test", () => {
  test("a go.mod folder is a go stack: go test ./... from that folder", async () => {
    const repo = calcModule();
    const stacks = await detectStacks(repo.dir, await loadConfig(repo.dir));
    expect(stacks).toEqual([{ id: "go-svc", framework: "go", cwd: "svc", command: ["go", "test", "./..."] }]);
  });

  test("the task file re-runs one subtest; verification re-runs exactly the failing tests, not the whole stack", async () => {
    const repo = calcModule();
    const stack = { id: "go-svc", framework: "go" as const, cwd: "svc", command: ["go", "test", "./..."] };
    const failure = {
      id: "x",
      framework: "go" as const,
      fullName: "TestAdd/negative",
      file: "svc/calc/calc_test.go",
      line: 13,
      message: "",
      stack: "",
      kind: "failure" as const,
    };
    const cmd = rerunCommand(failure, stack, repo.dir)!;
    expect(cmd).toBe("cd svc && go test ./calc -run '^TestAdd$/^negative$'");
    const one = spawnSync("sh", ["-c", `${cmd} -v`], { cwd: repo.dir, encoding: "utf8", env: GO_ENV });
    expect(one.status).toBe(1);
    expect(one.stdout.match(/^\s*--- \w+: \S+/gm)!.map((l) => l.trim())).toEqual(["--- FAIL: TestAdd", "--- FAIL: TestAdd/negative"]);

    const previous = [
      { id: "a", framework: "go" as const, fullName: "TestAdd/negative", file: "svc/calc/calc_test.go", line: 13 },
      { id: "b", framework: "go" as const, fullName: "TestMul", file: "svc/calc/calc_test.go", line: 20 },
    ];
    const targeted = targetedStack(stack, previous);
    expect(targeted.command).toEqual(["go", "test", "./...", "-run", "^(?:TestAdd|TestMul)$"]);
    const run = await runStack(targeted, { repoRoot: repo.dir, rawDir: ".agent/reports/raw-targeted", echo: () => {}, env: GO_ENV });
    expect(run.exitCode).toBe(1);
    const seen = await statuses(join(repo.dir, run.reports[0]!));
    // Both previous failures ran (TestAdd whole, its other subtest too); the unrelated TestAddZero did not.
    expect(seen).toMatchObject({ "TestAdd/negative": "failed", TestMul: "failed", "TestAdd/positive": "passed" });
    expect(Object.keys(seen).some((n) => n.startsWith("TestAddZero"))).toBe(false);
  });

  test("-run patterns: one level per subtest depth, anchored and escaped; mixed depths give the top level only", () => {
    expect(goRunPattern(["TestA/x_y"])).toBe("^TestA$/^x_y$");
    expect(goRunPattern(["TestA/x", "TestB/y"])).toBe("^(?:TestA|TestB)$/^(?:x|y)$");
    expect(goRunPattern(["TestA/x", "TestB"])).toBe("^(?:TestA|TestB)$");
    expect(goRunPattern(["example.com/svc/calc > TestA/a.b(1)"])).toBe("^TestA$/^a\\.b\\(1\\)$");
  });
});
