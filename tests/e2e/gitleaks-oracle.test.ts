// gitleaks as an independent oracle (issue 5): every text the loop publishes in the test scenarios is
// scanned by gitleaks v8.28 with its default rules (and base64/percent decoding), one scan per channel,
// and must give zero findings. A positive control first shows the oracle can fail: the same secrets,
// unredacted, ARE found by gitleaks.
//
// Scenarios: the unsafe bun sample healed twice against the GitHub double with a bare origin (issue,
// comments, labels, dispatch, job summary, pushed task file and commit messages, reports, the log), and
// the unsafe pytest sample healed in local mode (reports, task file, the log).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { actionsEnv } from "../github/fixtures.ts";
import { envSecret, fakeSecrets, HOSTILE, unsafeBunProject, unsafePytestProject, unsafeValues } from "./unsafe-strings.ts";

const GITLEAKS = Bun.which("gitleaks");
const TASK_BIN = Bun.which("task");
const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");
const PYTHON = "/usr/bin/python3";
const ENV_SECRET = envSecret();

if (!GITLEAKS) throw new Error("gitleaks is not on PATH: go install github.com/zricethezav/gitleaks/v8@v8.28.0 (.ci/run does)");
if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");

interface Finding {
  RuleID: string;
  File: string;
  Secret: string;
  StartLine: number;
}

const work = mkdtempSync(join(tmpdir(), "gitleaks-oracle-"));
afterAll(() => {
  if (process.env.HEAL_KEEP_SAMPLES) console.log(`gitleaks scan folders kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** Markdown without its fenced code blocks and inline code spans: where GitHub links mentions. */
function outsideCode(markdown: string): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence === null && m && !(m[1]![0] === "`" && m[2]!.includes("`"))) fence = m[1]!;
    else if (fence !== null && m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && m[2]!.trim() === "") fence = null;
    else if (fence === null) kept.push(line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, ""));
  }
  return kept.join("\n");
}

/** Runs `gitleaks dir` on a folder with the default rules; returns the findings of its JSON report. */
function gitleaks(dir: string): Finding[] {
  const report = join(work, `${relative(work, dir).replace(/[/\\]/g, "_") || "root"}.gitleaks.json`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GITLEAKS_"))) as Record<string, string>;
  const r = Bun.spawnSync(
    [
      GITLEAKS!,
      "dir",
      dir,
      "--no-banner",
      "--no-color",
      "--log-level",
      "error",
      "--max-decode-depth",
      "2",
      "--report-format",
      "json",
      "--report-path",
      report,
      "--exit-code",
      "0",
    ],
    { env, cwd: work },
  );
  if (r.exitCode !== 0) throw new Error(`gitleaks failed (${r.exitCode}): ${r.stderr.toString()}`);
  return JSON.parse(readFileSync(report, "utf8")) as Finding[];
}

/** Writes texts into a fresh folder (one file per text) for one scan. */
function folder(name: string, texts: Map<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  let i = 0;
  for (const [label, text] of texts) {
    const safe = label.replace(/[^A-Za-z0-9._-]+/g, "_").slice(-80);
    writeFileSync(join(dir, `${String(i++).padStart(3, "0")}-${safe}.txt`), text);
  }
  return dir;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const describeFinding = (f: Finding) => `${relative(work, f.File)}:${f.StartLine} ${f.RuleID} ${f.Secret.slice(0, 8)}…`;

const figures = { scans: 0, textsScanned: 0, bytesScanned: 0, findings: 0, controlSecrets: 0, controlFound: 0 };
afterAll(() => console.log(`gitleaks figures: ${JSON.stringify(figures)}`));

function scan(name: string, texts: Map<string, string>): Finding[] {
  figures.scans++;
  figures.textsScanned += texts.size;
  for (const t of texts.values()) figures.bytesScanned += Buffer.byteLength(t);
  const findings = gitleaks(folder(name, texts));
  figures.findings += findings.length;
  return findings;
}

describe("positive control: the oracle can fail", () => {
  test("every fake secret gitleaks has a rule for is found when published unredacted", () => {
    const control = fakeSecrets().filter((s) => s.gitleaks);
    const texts = new Map(control.map((s, i) => [`control-${i}-${s.kind}`, `published text\n${s.text}\nend\n`]));
    const findings = gitleaks(folder("control", texts));
    const found = new Set(findings.map((f) => Number(/(\d{3})-/.exec(f.File.split("/").pop()!)![1])));
    const missed = control.filter((_, i) => !found.has(i)).map((s) => s.kind);
    figures.controlSecrets = control.length;
    figures.controlFound = found.size;
    expect(missed).toEqual([]);
    expect(control.length).toBeGreaterThanOrEqual(15);
  });

  test("a secret hidden in base64 is found too (decoding is on)", () => {
    const gh = fakeSecrets()[0]!.secret;
    const findings = gitleaks(folder("control-b64", new Map([["b64", `blob ${Buffer.from(`token=${gh}`).toString("base64")}\n`]])));
    expect(findings.map((f) => f.RuleID)).toContain("github-pat");
  });
});

// ---------- scenario 1: GitHub mode (double + bare origin), bun ----------

describe("GitHub mode: issue, comments, job summary, pushed task file, reports and log", () => {
  let gh: GitHubDouble;
  let remote: BareRemote;
  let summaryFile: string;
  const logs = new Map<string, string>();

  beforeAll(async () => {
    gh = await startGitHubDouble();
    const files = unsafeBunProject(unsafeValues());
    remote = createBareRemote({ ...files, ".gitignore": "node_modules\n.agent/reports/\n" });
    Bun.spawnSync(["ln", "-s", join(TOOLKIT_ROOT, "node_modules"), join(remote.cloneDir, "node_modules")]);
    summaryFile = join(remote.cloneDir, "..", "step-summary.md");
    const run = async (runId: string) => {
      const env = actionsEnv(gh, {
        GITHUB_RUN_ID: runId,
        GITHUB_STEP_SUMMARY: summaryFile,
        PATH: [dirname(process.execPath), dirname(TASK_BIN!), process.env.PATH ?? ""].join(":"),
        TMPDIR: tmpdir(),
        [ENV_SECRET.name]: ENV_SECRET.value,
      });
      const proc = Bun.spawn([TASK_BIN!, "-x", "-t", TASKFILE, "heal"], { cwd: remote.cloneDir, env, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      logs.set(`run-${runId}-stdout`, stdout);
      logs.set(`run-${runId}-stderr`, stderr);
      return code;
    };
    // On a wrong exit code the step's own message says why (stderr's last lines).
    const tail = (runId: string) => (logs.get(`run-${runId}-stderr`) ?? "").split("\n").slice(-8).join("\n");
    expect({ code: await run("7001"), stderr: tail("7001") }).toMatchObject({ code: 1 });
    // The failures change (one test now passes): the second run comments on the issue.
    const hostile = Object.keys(files).find((f) => f.includes("@claude Fixes"))!;
    remote.git("rm", "-q", hostile);
    remote.git("-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qm", "drop one failing test");
    remote.git("push", "-q", "origin", "dev");
    expect({ code: await run("7002"), stderr: tail("7002") }).toMatchObject({ code: 1 });
  }, 600_000);

  afterAll(async () => {
    await gh?.close();
    remote?.cleanup();
  });

  test("the scenario published what it should (an issue, a comment, a task file, a summary)", () => {
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues.length).toBe(1);
    expect(gh.state.issues[0]!.comments.length).toBeGreaterThanOrEqual(1);
    expect(remote.log().some((s) => s.includes("[skip ci]"))).toBe(true);
    expect(existsSync(summaryFile)).toBe(true);
  });

  test("GitHub: every request body sent (issues, comments, labels, dispatches) has zero gitleaks findings", () => {
    const texts = new Map<string, string>();
    gh.requests.forEach((r, i) => {
      if (r.body !== undefined && r.body !== null) texts.set(`request-${i}-${r.method}-${r.path}`, JSON.stringify(r.body, null, 2));
    });
    for (const issue of gh.state.issues) {
      texts.set(`issue-${issue.number}-title`, issue.title);
      texts.set(`issue-${issue.number}-body`, issue.body ?? "");
      issue.comments.forEach((c, i) => texts.set(`issue-${issue.number}-comment-${i}`, c.body));
    }
    expect(texts.size).toBeGreaterThan(5);
    expect(scan("github", texts).map(describeFinding)).toEqual([]);
  }, 60_000);

  test("GitHub: no live mention but the agent's hand-off, no closing keyword or reference, one marker per post", () => {
    const posts = gh.state.issues.flatMap((i) => [
      { where: `issue ${i.number}`, body: i.body ?? "", title: i.title },
      ...i.comments.map((c, k) => ({ where: `comment ${k}`, body: c.body, title: "" })),
    ]);
    const problems: string[] = [];
    for (const p of posts) {
      // GitHub notifies no one from code, where `@name` shows as printed: only prose may not mention.
      const mentions = [...outsideCode(p.body).matchAll(/(^|[^\w`])@([A-Za-z0-9][A-Za-z0-9-]*)/g)].map((m) => m[2]);
      if (mentions.some((m) => m !== "claude")) problems.push(`${p.where}: mentions ${mentions.join(",")}`);
      // The agent is named once at most per post, by the tool's own text (the hostile names say "@claude please fix").
      if (p.body.includes(HOSTILE.agentMention) || p.body.toLowerCase().split("@claude").length > 2)
        problems.push(`${p.where}: extra @claude`);
      if (/\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\b:?\s+(#\d|[\w.-]+\/[\w.-]+#\d|https?:\/\/\S+\/(issues|pull)\/\d)/i.test(p.body))
        problems.push(`${p.where}: closing keyword`);
      const markers = p.body.split("<!-- self-healing-tdd").length - 1;
      if (markers > 1) problems.push(`${p.where}: ${markers} markers`);
      if (/@claude/i.test(p.title) || /#\d/.test(p.title)) problems.push(`${p.where}: title ${p.title}`);
      if (/<img|<details open|<b>/.test(p.body.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1\s*$/gm, ""))) problems.push(`${p.where}: raw HTML`);
    }
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  });

  test("git: every pushed version of the task file and every commit message have zero findings", () => {
    const texts = new Map<string, string>();
    const github = JSON.parse(readFileSync(join(remote.cloneDir, ".agent/reports/github.json"), "utf8")) as { taskPath: string };
    texts.set("task-file-on-origin", remote.show("dev", github.taskPath) ?? "");
    // Every version ever pushed, not only the last: history is published too.
    texts.set("history", remote.git("log", "-p", "--format=commit %H%n%B", "origin/dev", "--", ".agent"));
    texts.set("commit-messages", remote.git("log", "--format=%B", "origin/dev"));
    expect(texts.get("task-file-on-origin")!.length).toBeGreaterThan(1000);
    expect(scan("git", texts).map(describeFinding)).toEqual([]);
  });

  test("the job summary has zero findings", () => {
    expect(scan("summary", new Map([["step-summary", readFileSync(summaryFile, "utf8")]])).map(describeFinding)).toEqual([]);
  });

  test("the artifact (.agent/reports/, as the workflow uploads it) has zero findings", () => {
    const dir = join(remote.cloneDir, ".agent/reports");
    const texts = new Map(filesUnder(dir).map((f) => [relative(remote.cloneDir, f), readFileSync(f, "utf8")]));
    expect(texts.has(".agent/reports/failures.json")).toBe(true);
    expect(scan("artifact-github", texts).map(describeFinding)).toEqual([]);
  }, 180_000);

  test("the log (stdout and stderr of both runs) has zero findings", () => {
    expect(scan("log-github", logs).map(describeFinding)).toEqual([]);
  }, 180_000);
});

// ---------- scenario 2: local mode, pytest ----------

describe("local mode: pytest reports, task file and log", () => {
  let repo: SampleRepo;
  const logs = new Map<string, string>();

  beforeAll(() => {
    repo = createSampleRepo(unsafePytestProject(unsafeValues()), { branch: "dev", nodeModules: false });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k) && k !== "CI") env[k] = v;
    }
    env.PATH = [dirname(process.execPath), dirname(TASK_BIN!), dirname(PYTHON), env.PATH ?? ""].join(":");
    env[ENV_SECRET.name] = ENV_SECRET.value;
    const r = Bun.spawnSync([TASK_BIN!, "-x", "-t", TASKFILE, "heal"], { cwd: repo.dir, env, maxBuffer: 256 * 1024 * 1024 });
    expect(r.exitCode).toBe(1);
    logs.set("stdout", r.stdout.toString());
    logs.set("stderr", r.stderr.toString());
  }, 300_000);

  afterAll(() => repo?.cleanup());

  test("reports, issue rendering and the task file have zero findings", () => {
    const files = [...filesUnder(join(repo.dir, ".agent/reports")), ...filesUnder(join(repo.dir, ".agent/tasks"))];
    const texts = new Map(files.map((f) => [relative(repo.dir, f), readFileSync(f, "utf8")]));
    for (const f of ["failures.json", "report.md", "issue.md", "issue.json"]) expect(texts.has(`.agent/reports/${f}`)).toBe(true);
    expect(scan("artifact-local", texts).map(describeFinding)).toEqual([]);
  }, 180_000);

  test("the log has zero findings", () => {
    expect(scan("log-local", logs).map(describeFinding)).toEqual([]);
  }, 180_000);
});
