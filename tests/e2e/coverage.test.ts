// `task coverage` as a user runs it: a sample repository with bun and pytest stacks, the real runners with
// coverage on, and the GitHub API double. The exact request log of each run: the first creates the issue,
// an identical second run only reads, better coverage is one PATCH, full coverage comments and closes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { CALC_PY, MATH_JS, PYTHON } from "../coverage/projects.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");
const TASK_BIN = Bun.which("task");

const JS_TEST = (extra = "") =>
  `import { test, expect } from "bun:test";\nimport { add, sign, unused } from "../src/math.js";\ntest("add", () => { expect(add(1, 2)).toBe(3); });\ntest("sign", () => { expect(sign(5)).toBe(1); });\n${extra}`;
const PY_TEST = (extra = "") =>
  `from pkg.calc import add, sign, unused\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_sign():\n    assert sign(5) == 1\n${extra}`;

let gh: GitHubDouble;
let repo: SampleRepo;

beforeAll(async () => {
  gh = await startGitHubDouble();
  repo = createSampleRepo(
    {
      "package.json": JSON.stringify({ name: "widgets", private: true, scripts: { test: "bun test" } }),
      "src/math.js": MATH_JS,
      "tests/math.test.js": JS_TEST(),
      "api/pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n",
      "api/pkg/__init__.py": "",
      "api/pkg/calc.py": CALC_PY,
      "api/tests/test_calc.py": PY_TEST(),
      ".agent/heal/config.yaml": `runner:\n  python: ${PYTHON}\n`,
    },
    { nodeModules: false },
  );
}, 120_000);
afterAll(async () => {
  repo?.cleanup();
  await gh?.close();
});

async function coverage(): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k) && k !== "CI") env[k] = v;
  Object.assign(env, {
    PATH: [dirname(process.execPath), dirname(TASK_BIN), env.PATH ?? ""].join(":"),
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REF_NAME: "dev",
    GITHUB_EVENT_NAME: "schedule",
    GITHUB_RUN_ID: String(1000 + Math.floor(Math.random() * 1e6)),
    GITHUB_STEP_SUMMARY: join(repo.dir, "step-summary.md"),
    HEAL_GITHUB_PACING: "0",
  });
  const proc = Bun.spawn([TASK_BIN, "-x", "-t", TASKFILE, "coverage"], { cwd: repo.dir, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const log = () => gh.requests.map((r) => `${r.method} ${r.path}`);
const LIST = "GET /repos/acme/widgets/issues";

describe("task coverage against the GitHub double", () => {
  let number = 0;

  test("1. files under 80%: one issue with both files, worst first, their uncovered lines and the agent's mention", async () => {
    const r = await coverage();
    expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(gh.violations).toEqual([]);
    expect(log()).toEqual([
      LIST,
      "GET /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
      // Its @claude was filed with GITHUB_TOKEN and wakes nothing: the mention cap, a dispatch, its note.
      LIST,
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    expect(gh.requests[0]!.query).toMatchObject({ labels: "auto-healing", creator: "github-actions[bot]", state: "open" });
    expect(gh.requests[5]!.query).toMatchObject({ labels: "auto-healing", creator: "github-actions[bot]", state: "all" });
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    number = issue.number;
    expect(gh.state.dispatches).toEqual([
      { eventType: "heal-agent", clientPayload: { kind: "coverage", issue_number: number, branch: "dev" }, login: "github-actions[bot]" },
    ]);
    // bun: src/math.js 5/11; coverage.py: calc.py 6/11, test_calc.py 5/5, __init__.py 0/0 -> 16 of 27 lines.
    expect(issue.title).toBe("📈 Improve Test Coverage (Currently 59.2%)");
    expect(issue.labels).toEqual(["auto-healing", "test-quality"]);
    expect(issue.user.login).toBe("github-actions[bot]");
    const body = issue.body!;
    expect(body).toContain("2 of 4 files are under the 80% line-coverage threshold (16 of 27 lines covered overall).");
    expect(body).toContain(
      "| File | Line coverage | Uncovered lines |\n|---|---|---|\n| `src/math.js` | 45.4% (5/11) | 9-10, 12, 15-17 |\n| `api/pkg/calc.py` | 54.5% (6/11) | 8-10, 14-15 |\n",
    );
    expect(body).toContain("\n@claude Please create comprehensive tests for these files.\n");
    expect(parseMarker(body)).toMatchObject({ kind: "coverage", count: 2, extra: { pct: 59.26, threshold: 80 } });
    expect(r.stderr).toContain(`coverage issue #${number} created: https://github.com/acme/widgets/issues/${number}`);
    expect(readFileSync(join(repo.dir, "step-summary.md"), "utf8")).toContain(
      `Coverage issue: [#${number}](https://github.com/acme/widgets/issues/${number}) (created).`,
    );
    const json = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/coverage.json"), "utf8"));
    expect(json.runs.map((x: { stack: string; exitCode: number; report: string }) => [x.stack, x.exitCode, x.report])).toEqual([
      ["bun", 0, ".agent/reports/raw/coverage/bun/lcov.info"],
      ["pytest-api", 0, ".agent/reports/raw/coverage/pytest-api/coverage.json"],
    ]);
  });

  test("2. the same coverage again: only reads, no write", async () => {
    gh.resetLog();
    const r = await coverage();
    expect(r.code).toBe(0);
    expect(log()).toEqual([LIST]);
    expect(gh.writes()).toEqual([]);
    expect(r.stderr).toContain(`coverage issue #${number} unchanged`);
  });

  test("3. calc.py now meets the threshold: one PATCH of title and body, same issue", async () => {
    repo.write({ "api/tests/test_calc.py": PY_TEST("\n\ndef test_sign_other():\n    assert sign(-3) == -1\n    assert sign(0) == 0\n") });
    gh.resetLog();
    const r = await coverage();
    expect(r.code).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(log()).toEqual([
      LIST,
      `PATCH /repos/acme/widgets/issues/${number}`,
      // The files to test changed: the agent is woken again (within the daily cap).
      `GET /repos/acme/widgets/issues/${number}/comments`,
      LIST,
      "POST /repos/acme/widgets/dispatches",
      `POST /repos/acme/widgets/issues/${number}/comments`,
    ]);
    expect(Object.keys(gh.requests[1]!.body as object).sort()).toEqual(["body", "title"]);
    expect(gh.state.dispatches).toHaveLength(2);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.issue(number)!;
    // calc.py 9/11, test_calc.py 8/8, math.js 5/11 -> 22 of 30.
    expect(issue.title).toBe("📈 Improve Test Coverage (Currently 73.3%)");
    expect(issue.body).toContain("1 of 4 files are under the 80% line-coverage threshold");
    expect(issue.body).not.toContain("calc.py");
    expect(issue.state).toBe("open");
  });

  test("4. every file meets the threshold: a comment, then the issue is closed", async () => {
    repo.write({
      "tests/math.test.js": JS_TEST(
        'test("sign others", () => { expect(sign(-2)).toBe(-1); expect(sign(0)).toBe(0); });\ntest("unused", () => { expect(unused(2)).toBe(5); });\n',
      ),
      "api/tests/test_calc.py": PY_TEST(
        "\n\ndef test_sign_other():\n    assert sign(-3) == -1\n    assert sign(0) == 0\n\n\ndef test_unused():\n    assert unused(2) == 5\n",
      ),
    });
    gh.resetLog();
    const r = await coverage();
    expect(r.code).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(log()).toEqual([LIST, `POST /repos/acme/widgets/issues/${number}/comments`, `PATCH /repos/acme/widgets/issues/${number}`]);
    expect(gh.requests[2]!.body).toEqual({ state: "closed", state_reason: "completed" });
    const issue = gh.issue(number)!;
    expect(issue.state).toBe("closed");
    // Two hand-off notes (created, then changed), then the closing comment.
    expect(issue.comments).toHaveLength(3);
    expect(issue.comments[2]!.body).toStartWith("✅ Every file now meets the 80% line-coverage threshold (overall 100%). Closing.");
    expect(r.stderr).toContain(`coverage issue #${number} closed: every file meets 80%`);
  });

  test("5. still fully covered: reads only, no new issue", async () => {
    gh.resetLog();
    const r = await coverage();
    expect(r.code).toBe(0);
    expect(log()).toEqual([LIST]);
    expect(gh.state.issues).toHaveLength(1);
    expect(r.stderr).toContain("no coverage issue needed: every file meets 80%");
  });
});
