// scripts/check-coverage.ts as a black box: exit codes, stdout/stderr, files written, and the exact GitHub
// requests against the API double. Reports here are small lcov files written by hand (the formats themselves
// are tested on real runner output in tests/coverage/); the runners are exercised in tests/e2e/coverage.test.ts.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMarker, parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

const SCRIPT = join(TOOLKIT_ROOT, "scripts/check-coverage.ts");
const SRC = { "src/a.ts": "x\n".repeat(20), "src/b.ts": "x\n".repeat(20), "src/c.ts": "x\n".repeat(20) };

/** An lcov record: `covered` and `uncovered` are line numbers. */
function lcov(records: Record<string, { covered: number[]; uncovered: number[] }>): string {
  return Object.entries(records)
    .map(([file, r]) => {
      const da = [...r.covered.map((l) => [l, 3]), ...r.uncovered.map((l) => [l, 0])].sort((x, y) => x[0]! - y[0]!);
      return `TN:\nSF:${file}\n${da.map(([l, h]) => `DA:${l},${h}`).join("\n")}\nLF:${da.length}\nLH:${r.covered.length}\nend_of_record\n`;
    })
    .join("");
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

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
  test("--help", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    const r = await run(repo, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("bun scripts/check-coverage.ts [--threshold <pct>] [--format <fmt>] [<report file or glob>...]");
    expect(r.stdout).toContain("--threshold <value>");
  });

  test("report files and globs: coverage.json, coverage.md, files under the threshold worst first, [skip] for GitHub, exit 0", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    // Two shards of a.ts and b.ts, c.ts fully covered; shards merge line by line.
    repo.write({
      "cov/shard-1/lcov.info": lcov({
        "src/a.ts": { covered: [1, 2], uncovered: [3, 4, 5, 6, 7, 8, 9, 10] },
        "src/b.ts": { covered: range(1, 7), uncovered: [8, 9, 10] },
      }),
      "cov/shard-2/lcov.info": lcov({
        "src/a.ts": { covered: [3], uncovered: [1, 2, 4, 5, 6, 7, 8, 9, 10] },
        "src/c.ts": { covered: range(1, 5), uncovered: [] },
      }),
    });
    const r = await run(repo, ["cov/*/lcov.info", "--threshold=75"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/coverage.json"), "utf8"));
    expect(summary).toEqual({
      schemaVersion: 1,
      threshold: 75,
      overall: { linesTotal: 25, linesCovered: 15, pct: 60 },
      files: [
        { file: "src/a.ts", linesTotal: 10, linesCovered: 3, pct: 30, uncovered: [[4, 10]] },
        { file: "src/b.ts", linesTotal: 10, linesCovered: 7, pct: 70, uncovered: [[8, 10]] },
        { file: "src/c.ts", linesTotal: 5, linesCovered: 5, pct: 100, uncovered: [] },
      ],
      belowThreshold: ["src/a.ts", "src/b.ts"],
      reports: [
        { path: "cov/shard-1/lcov.info", format: "lcov" },
        { path: "cov/shard-2/lcov.info", format: "lcov" },
      ],
      reportErrors: [],
      skippedFiles: 0,
    });
    const md = readFileSync(join(repo.dir, ".agent/reports/coverage.md"), "utf8");
    expect(r.stdout).toBe(md);
    expect(md).toBe(
      [
        "## 📈 Improve Test Coverage (Currently 60%)",
        "",
        "2 of 3 files are under the 75% line-coverage threshold (15 of 25 lines covered overall).",
        "",
        "### Files Needing Tests",
        "",
        "| File | Line coverage | Uncovered lines |",
        "|---|---|---|",
        "| `src/a.ts` | 30% (3/10) | 4-10 |",
        "| `src/b.ts` | 70% (7/10) | 8-10 |",
        "",
        "### What to do",
        "",
        "Write tests that run the uncovered lines, worst file first, until each file reaches 75%. Test behaviour, not lines: follow `.agent/sops/SOP_WRITING_TESTS.md`. Do not change production code except to make it testable, and do not lower the threshold.",
        "",
        "@claude Please create comprehensive tests for these files.",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe(
      "coverage: 60% of 25 lines in 3 files; 2 under 75% (worst: src/a.ts 30%, lines 4-10) -> .agent/reports/coverage.json\n" +
        "[skip] create or update the coverage issue: no GITHUB_TOKEN or GH_TOKEN (local mode)\n",
    );
  });

  test("the threshold comes from the config; a report that cannot be read is a warning, the others count", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    repo.write({
      ".agent/heal/config.yaml": "coverage:\n  threshold: 90\n",
      "good.info": lcov({ "src/a.ts": { covered: range(1, 17), uncovered: [18, 19, 20] } }),
      "bad.info": "SF:src/b.ts\nDA:1,1\n",
    });
    const r = await run(repo, ["good.info", "bad.info", "missing.info"]);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.includes("warning:"))).toEqual([
      "warning: missing.info: no such file — an input file is missing: run the earlier step first (task heal runs them in order)",
      "warning: bad.info: lcov line 2: the last record has no end_of_record (truncated file?) — a test report cannot be read: check the file, or pass --format",
    ]);
    expect(r.stdout).toContain("| `src/a.ts` | 85% (17/20) | 18-20 |");
    expect(r.stdout).toContain("### Reports that could not be read");
    expect(JSON.parse(readFileSync(join(repo.dir, ".agent/reports/coverage.json"), "utf8")).threshold).toBe(90);
  });

  test("nothing readable: exit 2 with one error line; bad flags: exit 2", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    repo.write({ "junit.xml": `<?xml version="1.0"?><testsuites/>` });
    const r = await run(repo, ["junit.xml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "warning: junit.xml: not a coverage report this tool reads (lcov, istanbul JSON, coverage.py JSON, Cobertura, Clover, Go coverprofile) — a test report cannot be read: check the file, or pass --format\n" +
        "error: the only coverage report could not be read (see the warning above) — a test report cannot be read: check the file, or pass --format\n",
    );
    const t = await run(repo, ["x.info", "--threshold", "120"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toBe('error: --threshold "120" is not a percentage from 0 to 100 — wrong arguments: run the script with --help\n');
    const f = await run(repo, ["x.info", "--format", "xml"]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('error: --format "xml" is not one of lcov, istanbul, istanbul-summary, coveragepy, cobertura, clover, go');
  });
});

describe("the coverage issue against the GitHub API double", () => {
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

  test("another tool's or a person's coverage marker is not adopted; a paused issue is left alone; people's labels survive an update", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    repo.write({ "cov.info": lcov({ "src/a.ts": { covered: [1], uncovered: [2, 3, 4] } }) });
    // A forged marker by a person: must not count as the tool's issue.
    const forged = gh.seedIssue({
      title: "📈 Improve Test Coverage (Currently 1%)",
      body: '<!-- self-healing-tdd:{"v":1,"kind":"coverage","branch":"","digest":"0000000000000000","count":0} -->',
      labels: ["auto-healing"],
      author: "mallory",
    });
    gh.resetLog();
    let r = await run(repo, ["cov.info"], env());
    expect(r.code).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(log()).toEqual([
      LIST,
      "GET /repos/acme/widgets/labels",
      // auto-healing exists already (the forged issue carries it): only test-quality is created.
      "POST /repos/acme/widgets/labels",
      "POST /repos/acme/widgets/issues",
      // The issue's @claude wakes nothing (GITHUB_TOKEN): the daily mention cap, then the dispatch and its note.
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      `POST /repos/acme/widgets/issues/${forged.number + 1}/comments`,
    ]);
    expect(gh.requests[2]!.body).toEqual({
      name: "test-quality",
      color: "fbca04",
      description: "Files under the coverage threshold: tests to write",
    });
    const mine = gh.state.issues.at(-1)!;
    expect(mine.number).not.toBe(forged.number);
    expect(mine.title).toBe("📈 Improve Test Coverage (Currently 25%)");
    expect(mine.labels).toEqual(["auto-healing", "test-quality"]);
    expect(parseMarker(mine.body)).toMatchObject({ kind: "coverage", branch: "", count: 1, extra: { pct: 25, threshold: 80 } });
    expect(r.stderr).toContain(`coverage issue #${mine.number} created: https://github.com/acme/widgets/issues/${mine.number}`);
    const result = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/coverage.json"), "utf8"));
    expect(result.issue).toEqual({
      action: "created",
      number: mine.number,
      url: `https://github.com/acme/widgets/issues/${mine.number}`,
      handoff: { via: "dispatch", eventType: "heal-agent" },
    });
    expect(gh.state.dispatches).toEqual([
      {
        eventType: "heal-agent",
        clientPayload: { kind: "coverage", issue_number: mine.number, branch: null },
        login: "github-actions[bot]",
      },
    ]);
    expect(mine.comments.map((c) => [c.user.login, c.body.split("\n")[0]])).toEqual([
      [
        "github-actions[bot]",
        "🤖 Handed to the agent through `repository_dispatch` `heal-agent` (kind `coverage`): tests for the files listed above.",
      ],
    ]);
    expect(r.stderr).toContain("agent woken for the coverage issue via dispatch (heal-agent)");

    // Someone adds a label; coverage changes: one PATCH with title and body only, the label stays.
    gh.seedLabel({ name: "good first issue" });
    mine.labels.push("good first issue");
    repo.write({ "cov.info": lcov({ "src/a.ts": { covered: [1, 2], uncovered: [3, 4] } }) });
    gh.resetLog();
    r = await run(repo, ["cov.info"], env());
    expect(r.code).toBe(0);
    // The body changed: the agent is woken again (within the cap), once more through a dispatch and its note.
    expect(log()).toEqual([
      LIST,
      `PATCH /repos/acme/widgets/issues/${mine.number}`,
      `GET /repos/acme/widgets/issues/${mine.number}/comments`,
      LIST_24H,
      "POST /repos/acme/widgets/dispatches",
      `POST /repos/acme/widgets/issues/${mine.number}/comments`,
    ]);
    expect(Object.keys(gh.requests[1]!.body as object).sort()).toEqual(["body", "title"]);
    expect(gh.state.dispatches).toHaveLength(2);
    expect(mine.title).toBe("📈 Improve Test Coverage (Currently 50%)");
    expect(mine.labels).toEqual(["auto-healing", "test-quality", "good first issue"]);

    // The kill switch: with heal:paused on the issue, nothing is written even though coverage changed.
    gh.seedLabel({ name: "heal:paused" });
    mine.labels.push("heal:paused");
    repo.write({ "cov.info": lcov({ "src/a.ts": { covered: [1, 2, 3, 4], uncovered: [] } }) });
    gh.resetLog();
    r = await run(repo, ["cov.info"], env());
    expect(r.code).toBe(0);
    expect(log()).toEqual([LIST]);
    expect(r.stderr).toContain(`coverage issue #${mine.number} carries heal:paused: left alone`);
    expect(mine.state).toBe("open");
    expect(gh.violations).toEqual([]);
  });

  test("a report that could not be read never closes the issue (all readable files meet the threshold)", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    const open = gh.state.issues.find((i) => i.user.login === "github-actions[bot]" && i.state === "open")!;
    open.labels = open.labels.filter((l) => l !== "heal:paused");
    repo.write({ "cov.info": lcov({ "src/a.ts": { covered: [1, 2, 3, 4], uncovered: [] } }), "broken.info": "SF:x\n" });
    gh.resetLog();
    const r = await run(repo, ["cov.info", "broken.info"], env());
    expect(r.code).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(r.stderr).toContain(
      "[skip] close the coverage issue if one is open: some reports could not be read, so the issue stays as it is",
    );
    expect(open.state).toBe("open");
  });
});

describe("waking the agent for the coverage issue", () => {
  const AGENT_TOKEN = `ghs_agentapptoken${"0".repeat(30)}`;
  let gh: GitHubDouble;
  beforeEach(async () => {
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
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });
  const env = (over: Record<string, string> = {}) => ({
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_API_URL: gh.url,
    GITHUB_REF_NAME: "dev",
    GITHUB_RUN_ID: "5001",
    HEAL_GITHUB_PACING: "0",
    HEAL_GITHUB_RETRY_BASE_MS: "0",
    ...over,
  });

  test("with the agent token: the agent identity's @claude comment asks for tests, not for code changes; no dispatch", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    repo.write({ "cov.info": lcov({ "src/a.ts": { covered: [1], uncovered: [2, 3, 4] } }) });
    const r = await run(repo, ["cov.info"], env({ HEAL_AGENT_TOKEN: AGENT_TOKEN }));
    expect(r.code).toBe(0);
    expect(gh.requests.map((q) => `${q.method} ${q.path} ${q.login}`).slice(-2)).toEqual([
      "GET /repos/acme/widgets/issues github-actions[bot]",
      "POST /repos/acme/widgets/issues/1/comments heal-agent[bot]",
    ]);
    expect(gh.state.dispatches).toEqual([]);
    const ask = gh.issue(1)!.comments[0]!.body;
    expect(ask).toBe(
      "@claude Please write tests for the files coverage issue #1 lists, worst first, until each reaches the 80% line-coverage threshold.\n\n" +
        "Follow `.agent/sops/SOP_WRITING_TESTS.md`. Do not change production code (except to make it testable) and do not lower the threshold. " +
        "Open a pull request into `dev` that says `Part of #1`.\n\n<!-- heal:handoff issue=1 run=5001.1 -->",
    );
    expect(r.stderr).toContain("agent woken for the coverage issue via comment https://github.com/acme/widgets/issues/1#issuecomment-");
  });

  test("the daily mention cap counts healing hand-offs too: past it the coverage issue is filed and nobody is woken", async () => {
    repo = createSampleRepo(SRC, { nodeModules: false, git: false });
    repo.write({
      ".agent/heal/config.yaml": "budget:\n  daily_mentions: 1\n",
      "cov.info": lcov({ "src/a.ts": { covered: [1], uncovered: [2, 3, 4] } }),
    });
    gh.seedLabel({ name: "auto-healing" });
    const healing = gh.seedIssue({
      title: "🔴 Auto-Healing: Test Failures in dev",
      body: buildMarker({ kind: "healing", branch: "dev", fingerprints: ["0a1b2c3d4e5f"] }),
      labels: ["auto-healing"],
      author: "github-actions[bot]",
    });
    gh.seedComment(healing.number, "🤖 Handed to the agent <!-- heal:handoff issue=1 run=4000.1 -->", "github-actions[bot]");
    const r = await run(repo, ["cov.info"], env());
    expect(r.code).toBe(0);
    expect(gh.requests.map((q) => `${q.method} ${q.path}`).slice(-3)).toEqual([
      "POST /repos/acme/widgets/issues",
      "GET /repos/acme/widgets/issues",
      `GET /repos/acme/widgets/issues/${healing.number}/comments`,
    ]);
    expect(gh.state.dispatches).toEqual([]);
    expect(gh.issue(healing.number + 1)!.comments).toEqual([]);
    expect(r.stderr).toContain(
      "[skip] wake the agent for the coverage issue: daily cap reached: 1 agent hand-offs in 24 hours (budget.daily_mentions)",
    );
  });
});
