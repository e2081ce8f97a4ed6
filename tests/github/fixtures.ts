// Shared by the GitHub step tests: failure reports of any size, the pipeline's issue.json, an Actions-like
// environment pointing at the GitHub double, and a way to run a step script as a user's shell would.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureRecord, FailureReport } from "../../lib/types.ts";
import { DEFAULT_TOKEN, type GitHubDouble } from "../support/github-double.ts";

export function fakeFingerprint(i: number): string {
  return createHash("sha256").update(`failure-${i}`).digest("hex").slice(0, 12);
}

export function failure(i: number, over: Partial<FailureRecord> = {}): FailureRecord {
  return {
    id: fakeFingerprint(i),
    framework: "bun",
    fullName: `math > adds case ${i}`,
    file: "tests/math.test.ts",
    line: 10 + i,
    message: `expected ${i + 1} to be ${i}`,
    stack: `at tests/math.test.ts:${10 + i}:5`,
    kind: "failure",
    ...over,
  };
}

export function failureReport(failures: FailureRecord[], branch = "dev"): FailureReport {
  return {
    schemaVersion: 1,
    repository: "acme/widgets",
    branch,
    commit: "0123456789abcdef0123456789abcdef01234567",
    runUrl: null,
    summary: { total: failures.length + 3, passed: 3, failed: failures.length, skipped: 0, errors: 0 },
    failures,
  };
}

export const TASK_PATH = ".agent/tasks/fix-test-failures-dev.yaml";

export function issueJson(report: FailureReport, mention = "@claude") {
  const rows = report.failures.map((f) => `- **${f.fullName}** — \`${f.file}:${f.line}\`: ${f.message}`).join("\n");
  return {
    title: `🔴 Auto-Healing: Test Failures in ${report.branch}`,
    body: `## Test failures on ${report.branch}\n\n${rows}\n\n**Task Context**: See \`${TASK_PATH}\`\n\n${mention} Please fix these test failures and create a PR.\n`,
    labels: ["auto-healing", "bug", "tdd"],
  };
}

export interface Workdir {
  dir: string;
  reports: string;
  writeReports(report: FailureReport, issue?: ReturnType<typeof issueJson>): void;
  githubJson(): Record<string, unknown>;
  cleanup(): void;
}

/** A folder with `.agent/reports/` (no git): enough for sync-issue and hand-off. */
export function workdir(dir = mkdtempSync(join(tmpdir(), "heal-gh-"))): Workdir {
  const reports = join(dir, ".agent/reports");
  mkdirSync(reports, { recursive: true });
  return {
    dir,
    reports,
    writeReports(report, issue = issueJson(report)) {
      writeFileSync(join(reports, "failures.json"), JSON.stringify(report));
      writeFileSync(join(reports, "issue.json"), JSON.stringify(issue));
    },
    githubJson: () => JSON.parse(readFileSync(join(reports, "github.json"), "utf8")),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The variables GitHub Actions sets, pointing at the double; nothing inherited from this machine's GITHUB_*. */
export function actionsEnv(gh: GitHubDouble, over: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: "true",
    GITHUB_TOKEN: DEFAULT_TOKEN,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REF_NAME: "dev",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_RUN_ID: "1001",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_EVENT_NAME: "push",
    // Tests do not wait GitHub's real pacing and backoff seconds.
    HEAL_GITHUB_PACING: "0",
    HEAL_GITHUB_RETRY_BASE_MS: "20",
    HEAL_GITHUB_TIMEOUT_MS: "2000",
    NO_COLOR: "1",
    ...over,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bun scripts/<name>.ts` in `cwd` (async: the double answers from this same process). */
export async function runStep(name: string, cwd: string, env: Record<string, string>, args: string[] = []): Promise<StepResult> {
  const proc = Bun.spawn(["bun", join(TOOLKIT_ROOT, "scripts", `${name}.ts`), ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** `METHOD /path?key=params` lines of the double's log: what the tests compare exactly. */
export function requestLog(gh: GitHubDouble, keys: string[] = ["labels", "creator", "state", "page"]): string[] {
  return gh.requests.map((r) => {
    const q = keys.filter((k) => r.query[k] !== undefined).map((k) => `${k}=${r.query[k]}`);
    return `${r.method} ${r.path}${q.length ? `?${q.join("&")}` : ""}`;
  });
}

/** No lone surrogate: a cut never split a character (String.prototype.isWellFormed, before tsconfig's lib has it). */
export function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
