// scripts/test-quality.ts as a black box on a generated repository with real git history: exit codes, stdout,
// test-quality.json, and the issue's lifecycle (open, unchanged, update, close) as the exact request log of the
// GitHub API double.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real python3 and git in child processes on a shared 2-core machine.
setDefaultTimeout(120_000);

const SCRIPT = join(TOOLKIT_ROOT, "scripts/test-quality.ts");
const PY_VAGUE = 'def test_total():\n    """Adds the prices."""\n    assert 1 + 1 == 2\n';
const PY_GOOD = 'def test_total_adds_every_price():\n    """Adds the prices."""\n    assert 1 + 1 == 2\n';
const JS_EMPTY = 'import { expect, test } from "bun:test";\n\ntest("adds the prices of every item", () => {\n  const total = 1 + 2;\n});\n';
const JS_GOOD =
  'import { expect, test } from "bun:test";\n\ntest("adds the prices of every item", () => {\n  expect(1 + 2).toBe(3);\n});\n';

async function run(repo: SampleRepo, args: string[], env: Record<string, string | undefined> = {}) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(GITHUB_|GH_TOKEN|HEAL_)/.test(k)) clean[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const proc = Bun.spawn([process.execPath, SCRIPT, ...args], { cwd: repo.dir, env: clean, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

let repo: SampleRepo;
afterEach(() => repo?.cleanup());

describe("local mode and errors", () => {
  test("prints test-quality.md, writes test-quality.json, and skips GitHub with a [skip] line", async () => {
    repo = createSampleRepo({ "tests/test_cart.py": PY_VAGUE, "src/cart.test.js": JS_EMPTY }, { nodeModules: false });
    const r = await run(repo, []);
    expect(r.code).toBe(0);
    const md = readFileSync(join(repo.dir, ".agent/reports/test-quality.md"), "utf8");
    expect(r.stdout).toBe(md);
    expect(md).toBe(
      [
        "## 🧪 Improve Test Quality",
        "",
        '2 findings in 2 tests (2 test files) break the rules of "Writing Tests That Enable Self-Healing" (`.agent/sops/SOP_WRITING_TESTS.md`): a failing test is all the agent knows of the behaviour it must restore.',
        "",
        "| Rule | Findings | What it asks |",
        "|---|---|---|",
        "| `vague-name` | 1 | a name that says the scenario, in two words or more besides test/should/works (Test Naming Convention) |",
        "| `no-assertion` | 1 | at least one assertion (Good Test: specific assertions) |",
        "",
        "### Findings",
        "",
        "| Where | Rule | Test | Why |",
        "|---|---|---|---|",
        "| `src/cart.test.js:3` | `no-assertion` | adds the prices of every item | the test checks nothing (no assertion in its body) |",
        '| `tests/test_cart.py:1` | `vague-name` | test_total | the name "test_total" does not say what scenario it checks |',
        "",
        "Fix the tests, not the code under test: rename, add the missing assertion or docstring, and delete or re-enable old skips.",
        "",
      ].join("\n"),
    );
    const json = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/test-quality.json"), "utf8"));
    expect(json.findings).toEqual([
      {
        rule: "no-assertion",
        file: "src/cart.test.js",
        line: 3,
        test: "adds the prices of every item",
        detail: "the test checks nothing (no assertion in its body)",
      },
      {
        rule: "vague-name",
        file: "tests/test_cart.py",
        line: 1,
        test: "test_total",
        detail: 'the name "test_total" does not say what scenario it checks',
      },
    ]);
    expect(r.stderr).toBe(
      "test quality: 2 findings in 2 tests (1 JS/TS and 1 Python test files) -> .agent/reports/test-quality.json\n" +
        "[skip] create or update the test-quality issue: no GITHUB_TOKEN or GH_TOKEN (local mode)\n",
    );
  });

  test("a bad --max-skip-age-days is a usage error, exit 2", async () => {
    repo = createSampleRepo({}, { nodeModules: false, git: false });
    const r = await run(repo, ["--max-skip-age-days", "soon"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-skip-age-days "soon" is not a whole number of days');
  });
});

describe("the test-quality issue against the GitHub API double", () => {
  let gh: GitHubDouble;
  beforeAll(async () => {
    gh = await startGitHubDouble();
  });
  afterAll(async () => {
    await gh.close();
  });
  const env = () => ({
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: String(Math.floor(Math.random() * 1e9)),
    HEAL_GITHUB_PACING: "0",
    HEAL_GITHUB_RETRY_BASE_MS: "0",
  });
  const log = () =>
    gh.requests.map(
      (r) =>
        `${r.method} ${r.path}${r.method === "GET" && r.query.labels ? `?labels=${r.query.labels}&creator=${r.query.creator}&state=${r.query.state}` : ""}`,
    );
  const LIST = "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=open";
  const LIST_24H = "GET /repos/acme/widgets/issues?labels=auto-healing&creator=github-actions[bot]&state=all";

  test("opened with the findings and handed to the agent, unchanged findings write nothing, a fix updates it, none left closes it", async () => {
    repo = createSampleRepo({ "tests/test_cart.py": PY_VAGUE, "src/cart.test.js": JS_EMPTY }, { nodeModules: false });
    let r = await run(repo, [], env());
    expect(r.code).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(log()).toEqual([
      LIST,
      "GET /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      "POST /repos/acme/widgets/issues/1/comments",
    ]);
    const issue = gh.state.issues.at(-1)!;
    expect(issue.title).toBe("🧪 Improve Test Quality (2 findings)");
    expect(issue.labels).toEqual(["auto-healing", "test-quality"]);
    expect(issue.body).toContain("| `src/cart.test.js:3` | `no-assertion` | adds the prices of every item |");
    expect(parseMarker(issue.body)).toMatchObject({ kind: "test-quality", branch: "", count: 2, extra: { findings: 2 } });
    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { kind: "test-quality", issue_number: issue.number, branch: "dev" },
        login: "github-actions[bot]",
      },
    ]);
    expect(issue.comments.map((c) => c.body.split("\n")[0])).toEqual([
      "🤖 Handed to the agent through `repository_dispatch` `heal-agent` (kind `test-quality`): the tests listed above to fix.",
    ]);
    expect(r.stderr).toContain(`test-quality issue #${issue.number} created: https://github.com/acme/widgets/issues/${issue.number}`);
    expect(JSON.parse(readFileSync(join(repo.dir, ".agent/reports/test-quality.json"), "utf8")).issue).toEqual({
      action: "created",
      number: issue.number,
      url: `https://github.com/acme/widgets/issues/${issue.number}`,
      handoff: { via: "dispatch", eventType: "heal-agent" },
    });

    // The same findings: one list, no write.
    gh.resetLog();
    r = await run(repo, [], env());
    expect(log()).toEqual([LIST]);
    expect(r.stderr).toContain(`test-quality issue #${issue.number} unchanged`);

    // The JS test gets its assertion: one PATCH (title and body), and the agent is woken again.
    repo.write({ "src/cart.test.js": JS_GOOD });
    repo.git("commit", "-qam", "assert the total");
    gh.resetLog();
    r = await run(repo, [], env());
    expect(log()).toEqual([
      LIST,
      `PATCH /repos/acme/widgets/issues/${issue.number}`,
      `GET /repos/acme/widgets/issues/${issue.number}/comments`,
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      `POST /repos/acme/widgets/issues/${issue.number}/comments`,
    ]);
    expect(Object.keys(gh.requests[1]!.body as object).sort()).toEqual(["body", "title"]);
    expect(issue.title).toBe("🧪 Improve Test Quality (1 finding)");
    expect(issue.body).not.toContain("src/cart.test.js");

    // The last finding fixed: a closing comment carrying the marker, then the close.
    repo.write({ "tests/test_cart.py": PY_GOOD });
    repo.git("commit", "-qam", "name the total test");
    gh.resetLog();
    r = await run(repo, [], env());
    expect(log()).toEqual([
      LIST,
      `POST /repos/acme/widgets/issues/${issue.number}/comments`,
      `PATCH /repos/acme/widgets/issues/${issue.number}`,
    ]);
    expect(issue.state).toBe("closed");
    expect(issue.comments.at(-1)!.body.split("\n")[0]).toBe("✅ No finding left: the 2 tests in 2 test files follow the rules. Closing.");
    expect(r.stderr).toContain(`test-quality issue #${issue.number} closed: no finding left`);

    // Nothing open and nothing found: no write.
    gh.resetLog();
    r = await run(repo, [], env());
    expect(log()).toEqual([LIST]);
    expect(r.stderr).toContain("no test-quality issue needed: no finding");
    expect(gh.violations).toEqual([]);
  });
});

describe("waking the agent for the test-quality issue", () => {
  const AGENT_TOKEN = `ghs_agentapptoken${"0".repeat(30)}`;
  let gh: GitHubDouble;
  beforeAll(async () => {
    gh = await startGitHubDouble({
      tokens: {
        [DEFAULT_TOKEN]: {
          login: "github-actions[bot]",
          type: "Bot",
          permissions: { issues: "write", contents: "write", metadata: "read" },
        },
        [AGENT_TOKEN]: { login: "heal-agent[bot]", type: "Bot", permissions: { issues: "write", metadata: "read" } },
      },
    });
  });
  afterAll(async () => {
    await gh.close();
  });

  test("with the agent token: the agent identity's @claude comment asks to fix the listed tests; no dispatch", async () => {
    repo = createSampleRepo({ "tests/test_cart.py": PY_VAGUE }, { nodeModules: false });
    const r = await run(repo, [], {
      GITHUB_TOKEN: DEFAULT_TOKEN,
      GITHUB_REPOSITORY: gh.repository,
      GITHUB_API_URL: gh.url,
      GITHUB_REF_NAME: "dev",
      GITHUB_RUN_ID: "5001",
      HEAL_GITHUB_PACING: "0",
      HEAL_GITHUB_RETRY_BASE_MS: "0",
      HEAL_AGENT_TOKEN: AGENT_TOKEN,
    });
    expect(r.code).toBe(0);
    expect(gh.requests.map((q) => `${q.method} ${q.path} ${q.login}`).slice(-2)).toEqual([
      "GET /repos/acme/widgets/issues github-actions[bot]",
      "POST /repos/acme/widgets/issues/1/comments heal-agent[bot]",
    ]);
    expect(gh.state.dispatches).toEqual([]);
    expect(gh.issue(1)!.comments[0]!.body).toBe(
      "@claude Please fix the tests test-quality issue #1 lists: give vague tests names that say the scenario, add the missing assertions and docstrings, rename duplicates, and re-enable or delete old skips.\n\n" +
        "Follow `.agent/sops/SOP_WRITING_TESTS.md`. Change tests only; a re-enabled test that fails stays in the pull request as a failing test with a note. " +
        "Open a pull request into `dev` that says `Part of #1`.\n\n<!-- heal:handoff issue=1 run=5001.1 -->",
    );
    expect(r.stderr).toContain("agent woken for the test-quality issue via comment https://github.com/acme/widgets/issues/1#issuecomment-");
    expect(gh.violations).toEqual([]);
  });
});
