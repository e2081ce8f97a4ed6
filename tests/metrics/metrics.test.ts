// Black-box: `bun scripts/metrics.ts` (task metrics) against the GitHub double seeded with a month of the loop's
// history (tests/metrics/history.ts). Figures are asserted exactly, worked out by hand from the seeded dates.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import Ajv from "ajv";
import { markerData, buildMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { MetricsReport } from "../../lib/metrics/model.ts";
import type { RunsFile } from "../../lib/types.ts";
import { actionsEnv, runStep, workdir, type Workdir } from "../github/fixtures.ts";
import { createSampleRepo } from "../support/sample-repo.ts";
import { DEFAULT_TOKEN, startGitHubDouble, startGitHubOrgDouble, type GitHubDouble, type OrgDouble } from "../support/github-double.ts";
import { BOT, healingBody, HEALING_LABELS, LEAKED, NOW_EPOCH, SINCE, seedHistory, verification, XSS_TITLE } from "./history.ts";

setDefaultTimeout(120_000);
/** A request timeout is not what these tests check: a loaded machine must not turn one slow answer into a retry. */
const SLOW_MACHINE_TIMEOUT = "30000";
/** Everything the dashboard may contain: no script, link, image, frame or object that could run or fetch. */
const DASHBOARD_TAGS =
  "html head meta title style body h1 h2 p section div figure figcaption svg line text rect polyline circle table thead tbody tr th td a code ul li br".split(
    " ",
  );
const schema = JSON.parse(readFileSync(join(TOOLKIT_ROOT, "schemas/metrics.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true }).compile(schema);
const KEYS = ["labels", "creator", "state", "sort", "direction", "per_page", "since", "page", "type"];
const log = (requests: { method: string; path: string; query: Record<string, string> }[]) =>
  requests.map((r) => {
    const q = KEYS.filter((k) => r.query[k] !== undefined).map((k) => `${k}=${r.query[k]}`);
    return `${r.method} ${r.path}${q.length ? `?${q.join("&")}` : ""}`;
  });
const LIST = (repo: string, page = "") =>
  `GET /repos/${repo}/issues?labels=auto-healing&creator=github-actions[bot]&state=all&sort=created&direction=asc&per_page=100&since=2026-11-01T00:00:00Z${page}`;
const COMMENTS = (repo: string, page = "") =>
  `GET /repos/${repo}/issues/comments?sort=created&direction=asc&per_page=100&since=2026-11-01T00:00:00Z${page}`;

let gh: GitHubDouble | null = null;
let org: OrgDouble | null = null;
let w: Workdir;
afterEach(async () => {
  expect(gh?.violations ?? []).toEqual([]);
  expect(org?.violations ?? []).toEqual([]);
  await gh?.close();
  await org?.close();
  gh = null;
  org = null;
  w?.cleanup();
});

async function metrics(url: string, args: string[], env: Record<string, string> = {}) {
  w = workdir();
  const base = gh
    ? actionsEnv(gh)
    : { PATH: process.env.PATH!, HOME: process.env.HOME!, GITHUB_TOKEN: DEFAULT_TOKEN, HEAL_GITHUB_PACING: "0" };
  const r = await runStep(
    "metrics",
    w.dir,
    { ...base, GITHUB_API_URL: url, SOURCE_DATE_EPOCH: NOW_EPOCH, HEAL_GITHUB_TIMEOUT_MS: SLOW_MACHINE_TIMEOUT, ...env },
    ["--since", SINCE, "--out", "out", ...args],
  );
  const read = (f: string) => readFileSync(join(w.dir, "out", f), "utf8");
  return { ...r, read, report: () => JSON.parse(read("metrics.json")) as MetricsReport };
}

describe("task metrics on a seeded month", () => {
  test("exact figures, targets, weeks, slowest and recurrent failures, from 3 requests", async () => {
    gh = await startGitHubDouble();
    seedHistory(gh);
    const r = await metrics(gh.url, []);
    expect(r.stderr).toBe(
      [
        "metrics: 1 repository, 8 healing issues, 1 of 5 targets met, 3 GitHub requests",
        "wrote out/metrics.json",
        "wrote out/metrics.md",
        "wrote out/dashboard.html",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(0);
    expect(log(gh.requests)).toEqual([
      LIST("acme/widgets"),
      COMMENTS("acme/widgets"),
      "GET /repos/acme/widgets/issues/9/events?per_page=100",
    ]);
    const m = r.report();
    expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
    expect(m.generatedAt).toBe("2026-12-04T12:00:00Z");
    expect(m.figures).toEqual({
      healingIssues: 8,
      openIssues: 2,
      endedIssues: 7,
      // #1 20, #2 75, #5 60, #6 12 minutes
      timeToFixMinutes: { count: 4, median: 40, p90: 75, mean: 41.75 },
      // #1 pass; #2 fail, pass; #3 fail x3; #5 pass; #6 pass (the pass a person pasted on #8 does not count)
      verifications: 8,
      passingVerifications: 4,
      fixSuccessRate: 50,
      issuesVerified: 5,
      firstAttemptSuccesses: 3,
      firstAttemptSuccessRate: 60,
      attemptsPerIssue: { mean: 1.6, max: 3 },
      // #1 recurred (#5, 10 days later); #2's fp-b came back 30 days + 15 min later: outside the window
      closedIssues: 6,
      recurredIssues: 1,
      recurrenceRate: 16.7,
      humanIntervention: { needsHuman: 1, closedByPerson: 1, fixedByPerson: 2, total: 4, rate: 57.1 },
      outcomes: { agent: 3, "person-fix": 2, "person-closed": 1, "needs-human": 1, open: 1 },
      coveragePct: 81.2,
    });
    expect(m.targets.map((t) => [t.id, t.value, t.met])).toEqual([
      ["time_to_fix", 40, false],
      ["fix_success", 50, false],
      ["coverage", 81.2, true],
      ["recurrence", 16.7, false],
      ["human_intervention", 57.1, false],
    ]);
    expect(
      m.weekly.map((x) => [
        x.week,
        x.opened,
        x.healedByAgent,
        x.verifications,
        x.passingVerifications,
        x.medianTimeToFixMinutes,
        x.humanInterventions,
        x.coveragePct,
      ]),
    ).toEqual([
      ["2026-10-26", 0, 0, 0, 0, null, 0, 62],
      ["2026-11-02", 2, 2, 3, 2, 47.5, 0, 70],
      ["2026-11-09", 3, 0, 4, 1, 60, 3, 76.5],
      ["2026-11-16", 1, 1, 1, 1, 12, 0, 76.5],
      ["2026-11-23", 1, 0, 0, 0, null, 1, 81.2],
      ["2026-11-30", 1, 0, 0, 0, null, 0, 81.2],
    ]);
    expect(m.slowest.map((s) => [s.number, s.minutes, s.attempts, s.tests])).toEqual([
      [2, 75, 2, ["rounds tax"]],
      [5, 60, 1, ["adds totals"]],
      [1, 20, 1, ["adds totals"]],
      [6, 12, 1, ["renders <img src=x onerror=alert(1)>", "uses token [REDACTED:github-token]"]],
    ]);
    expect(m.recurrent).toEqual([
      { fingerprint: "fp-a", issues: 2, refs: ["acme/widgets#1", "acme/widgets#5"], latestTitle: "🔴 Auto-Healing: Test Failures in dev" },
      { fingerprint: "fp-b", issues: 2, refs: ["acme/widgets#2", "acme/widgets#8"], latestTitle: "🔴 Auto-Healing: Test Failures in dev" },
    ]);
    // Titles the tool gave the coverage issue, then its closing marker; the person's "99%" rename is not a figure.
    expect(m.coverage).toEqual({
      threshold: 80,
      points: [
        { repository: "acme/widgets", at: "2026-11-01T06:00:00Z", pct: 62 },
        { repository: "acme/widgets", at: "2026-11-08T06:00:00Z", pct: 70 },
        { repository: "acme/widgets", at: "2026-11-15T06:00:00Z", pct: 76.5 },
        { repository: "acme/widgets", at: "2026-11-29T06:00:00Z", pct: 81.2 },
      ],
    });
    expect(m.agent).toEqual({
      reported: false,
      note: "Not reported: neither the tool's issues, comments and markers nor runs.json record the agent's cost or run time.",
    });
    expect(m.testRuns).toBeNull();
    expect(m.requests).toBe(3);
    // stdout is metrics.md, for the job summary
    expect(r.stdout).toBe(r.read("metrics.md"));
    expect(r.stdout).toContain("| Time to fix (median) | < 30 min | 40 min | ❌ not met |");
    expect(r.stdout).toContain("| Test coverage | > 80% | 81.2% | ✅ met |");
    expect(r.stdout).toContain("| 2026-11-09 | 3 | 0 | 1/4 | 60 min | 3 | 76.5% |");
    expect(r.stdout).toContain(`- Agent cost and run time: ${m.agent.note}`);
  });

  test("an untrusted title and test names: escaped in the dashboard and metrics.md, a token in them redacted everywhere", async () => {
    gh = await startGitHubDouble();
    seedHistory(gh);
    const r = await metrics(gh.url, []);
    expect(r.code).toBe(0);
    const page = r.read("dashboard.html");
    const md = r.read("metrics.md");
    expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(page).toContain("in &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;</td>");
    expect(page).toContain("renders &lt;img src=x onerror=alert(1)&gt;<br>uses token [REDACTED:github-token]");
    expect(md).toContain(
      'in &lt;script&gt;alert("pwned")&lt;/script&gt; | renders &lt;img src=x onerror=alert(1)&gt;<br>uses token [REDACTED:github-token] |',
    );
    for (const text of [page, md, r.read("metrics.json"), r.stdout, r.stderr]) expect(text).not.toContain(LEAKED);
    expect(JSON.stringify(r.report())).toContain(JSON.stringify(XSS_TITLE).slice(1, -1));
    // Self-contained: nothing is fetched when it is opened.
    const tags = [...page.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)];
    expect([...new Set(tags.map((t) => t[1]!.toLowerCase()))].filter((t) => !DASHBOARD_TAGS.includes(t))).toEqual([]);
    const urls = tags.flatMap((t) => [...t[2]!.matchAll(/\b(\w[\w-]*)="([^"]*:\/\/[^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`));
    expect(
      urls.filter((u) => u !== "xmlns=http://www.w3.org/2000/svg" && !/^href=https:\/\/github\.com\/acme\/widgets\/issues\/\d+$/.test(u)),
    ).toEqual([]);
    expect(page).not.toMatch(/url\(|@import/);
  });

  test("pagination: 250 issues and 300 comments are read 100 at a time (3 + 3 pages), every issue counted", async () => {
    gh = await startGitHubDouble();
    for (const name of HEALING_LABELS) gh.seedLabel({ name });
    for (let n = 1; n <= 250; n++) {
      const at = new Date(Date.parse("2026-11-02T00:00:00Z") + n * 3_600_000).toISOString().replace(/\.000Z$/, "Z");
      const passAt = new Date(Date.parse(at) + (n % 50) * 60_000).toISOString().replace(/\.000Z$/, "Z");
      gh.seedIssue({ title: `🔴 run ${n}`, body: healingBody([`p${n}`], [`t${n}`]), labels: HEALING_LABELS, author: BOT, createdAt: at });
      if (n % 5 !== 0) gh.seedComment(n, verification(n, [`p${n}`], { result: "pass", attempt: 1 }), BOT, passAt);
    }
    for (let n = 1; n <= 100; n++) gh.seedComment(n, "a person's note", "alice", "2026-12-01T00:00:00Z");
    const r = await metrics(gh.url, []);
    expect(r.code).toBe(0);
    expect(log(gh.requests)).toEqual([
      LIST("acme/widgets"),
      LIST("acme/widgets", "&page=2"),
      LIST("acme/widgets", "&page=3"),
      COMMENTS("acme/widgets"),
      COMMENTS("acme/widgets", "&page=2"),
      COMMENTS("acme/widgets", "&page=3"),
    ]);
    const m = r.report();
    expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
    expect(m.figures.healingIssues).toBe(250);
    expect(m.figures.verifications).toBe(200);
    expect(m.figures.timeToFixMinutes.count).toBe(200);
    // minutes n % 50 for n not divisible by 5: 1..49 without multiples of 5 (40 values), five times each -> p90 44, max 49
    expect(m.figures.timeToFixMinutes.p90).toBe(44);
    expect(m.slowest[0]!.minutes).toBe(49);
  });

  test("1,000 issues with 3,000 comments take 40 requests, well within GITHUB_TOKEN's 1,000 an hour", async () => {
    gh = await startGitHubDouble();
    for (const name of HEALING_LABELS) gh.seedLabel({ name });
    for (let n = 1; n <= 1000; n++) {
      const at = new Date(Date.parse("2026-11-02T00:00:00Z") + n * 600_000).toISOString().replace(/\.000Z$/, "Z");
      gh.seedIssue({ title: `🔴 run ${n}`, body: healingBody([`p${n}`], [`t${n}`]), labels: HEALING_LABELS, author: BOT, createdAt: at });
      gh.seedComment(n, verification(n, [`p${n}`], { result: "fail", attempt: 1 }), BOT, at);
      gh.seedComment(n, verification(n, [`p${n}`], { result: "pass", attempt: 2 }), BOT, at);
      gh.seedComment(n, "thanks!", "alice", at);
    }
    const r = await metrics(gh.url, []);
    expect(r.code).toBe(0);
    expect(gh.requests.length).toBe(10 + 30);
    expect(r.report().requests).toBe(40);
    expect(r.report().figures.verifications).toBe(2000);
    expect(r.report().figures.firstAttemptSuccessRate).toBe(0);
    // Every issue healed by the agent at once: time to fix 0 and no human intervention meet their targets.
    expect(r.stderr).toContain("1 repository, 1000 healing issues, 2 of 5 targets met, 40 GitHub requests");
  });
});

describe("task metrics --org and --repo", () => {
  test("--org lists the organisation's repositories and aggregates the two that run the loop", async () => {
    org = await startGitHubOrgDouble({ repos: ["widgets", "gadgets", "docs"] });
    seedHistory(org.repos.widgets!);
    const g = org.repos.gadgets!;
    for (const name of HEALING_LABELS) g.seedLabel({ name });
    g.seedIssue({
      title: "🔴 gadgets",
      body: healingBody(["a"], ["same id, other repo"]),
      labels: HEALING_LABELS,
      author: BOT,
      createdAt: "2026-11-04T10:00:00Z",
    });
    g.seedComment(1, verification(1, ["a"], { result: "pass", attempt: 1 }), BOT, "2026-11-04T10:10:00Z");
    // docs has an issue by a person only: it does not run the loop
    org.repos.docs!.seedIssue({ title: "typo", body: "fix the typo", author: "alice", createdAt: "2026-11-04T10:00:00Z" });
    const r = await metrics(org.url, ["--org", "acme"], { GITHUB_REPOSITORY: "" });
    expect(r.stderr.split("\n")[0]).toBe("metrics: 2 repositories, 9 healing issues, 2 of 5 targets met, 7 GitHub requests");
    expect(r.code).toBe(0);
    expect(log(org.requests)).toEqual([
      "GET /orgs/acme/repos?sort=full_name&per_page=100&type=all",
      LIST("acme/widgets"),
      COMMENTS("acme/widgets"),
      "GET /repos/acme/widgets/issues/9/events?per_page=100",
      LIST("acme/gadgets"),
      COMMENTS("acme/gadgets"),
      LIST("acme/docs"),
    ]);
    const m = r.report();
    expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
    expect(
      m.repositories.map((x) => [
        x.repository,
        x.healingIssues,
        x.coverageIssues,
        x.fixSuccessRate,
        x.medianTimeToFixMinutes,
        x.coveragePct,
      ]),
    ).toEqual([
      ["acme/widgets", 8, 1, 50, 40, 81.2],
      ["acme/gadgets", 1, 0, 100, 10, null],
    ]);
    // 9 verifications, 5 passing; times 10, 12, 20, 60, 75 -> median 20
    expect([m.figures.verifications, m.figures.passingVerifications, m.figures.fixSuccessRate, m.figures.timeToFixMinutes.median]).toEqual([
      9, 5, 55.6, 20,
    ]);
    // fp-a in gadgets is another test than fp-a in widgets: not a recurrence, not the same failure
    expect(m.figures.recurredIssues).toBe(1);
    expect(m.recurrent[0]).toEqual({
      fingerprint: "fp-a",
      issues: 3,
      refs: ["acme/widgets#1", "acme/widgets#5", "acme/gadgets#1"],
      latestTitle: "🔴 gadgets",
    });
    expect(r.read("metrics.md")).toContain("| acme/gadgets | 1 | 0 | 100% | 10 min | no data |");
  });

  test("--repo is repeatable; a repository the tool never used is still reported (empty)", async () => {
    org = await startGitHubOrgDouble({ repos: ["widgets", "docs"] });
    seedHistory(org.repos.widgets!);
    const r = await metrics(org.url, ["--repo", "acme/widgets", "--repo", "acme/docs"]);
    expect(r.code).toBe(0);
    expect(log(org.requests)).toEqual([
      LIST("acme/widgets"),
      COMMENTS("acme/widgets"),
      "GET /repos/acme/widgets/issues/9/events?per_page=100",
      LIST("acme/docs"),
    ]);
    expect(r.report().repositories.map((x) => [x.repository, x.healingIssues])).toEqual([
      ["acme/widgets", 8],
      ["acme/docs", 0],
    ]);
  });
});

describe("task metrics: runs.json and errors", () => {
  test("--runs adds test-run figures from a runs.json that heal:run-tests wrote on a real bun project", async () => {
    const repo = createSampleRepo({
      "package.json": '{"name":"s","scripts":{"test":"bun test"}}',
      "tests/a.test.ts": 'import { test, expect } from "bun:test";\ntest("fails", () => { expect(1).toBe(2); });\n',
    });
    try {
      const run = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/run-tests.ts")], {
        cwd: repo.dir,
        encoding: "utf8",
        env: { ...process.env, HEAL_REPO: "" },
      });
      expect(run.status).toBe(0);
      const runs = JSON.parse(readFileSync(join(repo.dir, ".agent/reports/runs.json"), "utf8")) as RunsFile;
      gh = await startGitHubDouble();
      w = workdir();
      mkdirSync(join(w.dir, "artifacts/a"), { recursive: true });
      copyFileSync(join(repo.dir, ".agent/reports/runs.json"), join(w.dir, "artifacts/a/runs.json"));
      const r = await runStep(
        "metrics",
        w.dir,
        { ...actionsEnv(gh), SOURCE_DATE_EPOCH: NOW_EPOCH, HEAL_GITHUB_TIMEOUT_MS: SLOW_MACHINE_TIMEOUT },
        ["--since", SINCE, "--out", "out", "--runs", "artifacts/*/runs.json"],
      );
      expect(r.stderr).toContain("metrics: 1 repository, 0 healing issues, 0 of 5 targets met, 1 GitHub requests");
      expect(r.code).toBe(0);
      const m = JSON.parse(readFileSync(join(w.dir, "out/metrics.json"), "utf8")) as MetricsReport;
      expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
      const ms = runs.runs[0]!.durationMs;
      expect(m.testRuns).toEqual({
        files: 1,
        runs: 1,
        redRuns: 1,
        durationMs: { median: ms, p90: ms, total: ms },
        stacks: [{ id: "bun", runs: 1, redRuns: 1, medianMs: ms }],
      });
      expect(m.targets.every((t) => t.met === null)).toBe(true);
      expect(readFileSync(join(w.dir, "out/metrics.md"), "utf8")).toContain(
        `- Test runs (runs.json): 1 runs in 1 files, 1 red; duration median ${ms} ms, p90 ${ms} ms`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test("no token, a bad --since, a --runs glob that matches nothing: exit 2 with one line", async () => {
    gh = await startGitHubDouble();
    const noToken = await metrics(gh.url, [], { GITHUB_TOKEN: "" });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe(
      "error: task metrics reads GitHub: set GITHUB_TOKEN or GH_TOKEN — GitHub refused the token: set GITHUB_TOKEN (or GH_TOKEN) to a valid token\n",
    );
    w.cleanup();
    const badSince = await metrics(gh.url, ["--since", "last week"]);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toBe(
      "error: --since last week is not a date (YYYY-MM-DD or an ISO time) — wrong arguments: run the script with --help\n",
    );
    w.cleanup();
    const noRuns = await metrics(gh.url, ["--runs", "nothing/*.json"]);
    expect(noRuns.code).toBe(2);
    expect(noRuns.stderr).toContain("error: nothing/*.json: --runs nothing/*.json matches no file");
    expect(gh.requests.length).toBe(1);
  });

  test("a token without issues: read: exit 2 with one line naming the permission, nothing written", async () => {
    gh = await startGitHubDouble();
    seedHistory(gh);
    gh.inject({ method: "GET", path: "/repos/{owner}/{repo}/issues/comments", kind: "forbidden", permission: "issues=read" });
    const r = await metrics(gh.url, []);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: GET /repos/acme/widgets/issues/comments answered 403 (Resource not accessible by integration); grant `issues: read` — the token lacks a permission: grant the one named in the workflow's `permissions:`\n",
    );
    expect(log(gh.requests)).toEqual([LIST("acme/widgets"), COMMENTS("acme/widgets")]);
    expect(existsSync(join(w.dir, "out"))).toBe(false);
  });

  test("a person's copy of the tool's marker on their own issue, and a forged pass comment, change nothing", async () => {
    gh = await startGitHubDouble();
    for (const name of HEALING_LABELS) gh.seedLabel({ name });
    gh.seedIssue({
      title: "🔴 mine",
      body: healingBody(["x"], ["t"]),
      labels: HEALING_LABELS,
      author: BOT,
      createdAt: "2026-11-04T10:00:00Z",
    });
    const forged = buildMarker(
      markerData({
        kind: "verification",
        branch: "claude/issue-1-x",
        fingerprints: ["fp-x"],
        extra: { issue: 1, result: "pass", outcome: "pass", attempt: 1 },
      }),
    );
    gh.seedComment(1, `looks healed\n\n${forged}`, "mallory", "2026-11-04T10:01:00Z");
    const r = await metrics(gh.url, []);
    expect(r.code).toBe(0);
    const m = r.report();
    expect([m.figures.verifications, m.figures.timeToFixMinutes.count, m.figures.outcomes.open]).toEqual([0, 0, 1]);
  });
});
