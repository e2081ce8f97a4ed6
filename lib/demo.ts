// `task demo`: the main job on an embedded default. The example repository in examples/ is copied to a
// temp folder, made a git repository (branch dev, a local bare origin: no network), healed in local mode
// with the real `task heal` (which must find exactly the seeded failures and exit 1); then a scripted fix
// is committed on an agent branch and verified in local mode with the real `task verify`, which must say
// healed. Every step and the path of every output is reported through `say`/`output` as it happens.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { $ } from "zx";
import { HealError } from "./errors.ts";
import { readJsonFile } from "./json-file.ts";
import { DEFAULT_REPORTS_DIR, REPORT_FILES, TOOLKIT_ROOT } from "./paths.ts";
import { forLogStream } from "./sanitize.ts";
import type { FailureReport } from "./types.ts";

/** The embedded default: the example, its seeded failures, and the agent's scripted fix. */
export const DEMO = {
  example: "examples/invoice",
  branch: "dev",
  agentBranch: "claude/issue-1-demo",
  /** The tests the seeded bug fails (bun's `describe > test` names), and the file that holds them. */
  seededFailures: [
    { fullName: "bulk discount > 10% off at exactly 10 items", file: "tests/invoice.test.ts" },
    { fullName: "totalDue > tax is charged on the discounted subtotal of a bulk order", file: "tests/invoice.test.ts" },
  ],
  fix: {
    file: "src/invoice.ts",
    find: "count > BULK_MIN_ITEMS",
    replace: "count >= BULK_MIN_ITEMS",
    message: "Give the bulk discount from 10 items on, as the rule says (fixes #1)",
  },
} as const;

export interface DemoOptions {
  /** Where the temp repository and its origin go (created when missing). Default: a new folder under the OS temp dir. */
  dir?: string;
  /** go-task's binary: a path, or a name looked up on PATH. Default: `task` on PATH, else ~/go/bin/task. */
  taskBin?: string;
  /** The environment the demo starts from; GitHub and heal variables are removed from it. */
  env?: NodeJS.ProcessEnv;
  /** A step or a line of a step's output (logs). */
  say?: (line: string) => void;
  /** The path of an output, as soon as it is written. */
  output?: (what: string, path: string) => void;
}

export interface DemoFailure {
  fullName: string;
  file: string | null;
  line: number | null;
}

export interface DemoResult {
  /** The healed repository (a git checkout of the example). */
  repo: string;
  /** Its bare origin. */
  origin: string;
  healExitCode: number;
  failures: DemoFailure[];
  /** Absolute paths by name: failures.json, report.md, issue.md, task YAML, verify.json. */
  outputs: Record<string, string>;
  agentCommit: string;
  verifyExitCode: number;
  healed: boolean;
}

const GIT_IDENTITY = { GIT_AUTHOR_NAME: "Demo Developer", GIT_AUTHOR_EMAIL: "developer@example.com" };
const AGENT_IDENTITY = { GIT_AUTHOR_NAME: "Demo Agent", GIT_AUTHOR_EMAIL: "agent@example.com" };

/** Runs the demo end to end; throws DEMO_MISMATCH when any step does not give what the example promises. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const say = opts.say ?? (() => {});
  const output = opts.output ?? (() => {});
  const taskBin = findTaskBin(opts.env ?? process.env, opts.taskBin);
  const env = localEnv(opts.env ?? process.env);
  const base = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), "heal-demo-"));
  mkdirSync(base, { recursive: true });
  const repo = join(base, basename(DEMO.example));
  const origin = join(base, "origin.git");
  if (existsSync(repo) || existsSync(origin))
    throw new HealError("USAGE", `already holds a demo (${basename(DEMO.example)}/ or origin.git): pass an empty --dir`, base);
  const taskfile = join(TOOLKIT_ROOT, "Taskfile.yml");
  const git = gitIn(repo, env);

  say(`step 1/4  copy ${DEMO.example} to ${repo}: a git repository on branch ${DEMO.branch}, origin ${origin}`);
  cpSync(join(TOOLKIT_ROOT, DEMO.example), repo, { recursive: true });
  await gitIn(base, env)(["init", "-q", "--bare", "-b", DEMO.branch, origin]);
  await git(["init", "-q", "-b", DEMO.branch]);
  await git(["add", "."]);
  await git(["commit", "-q", "-m", "invoice 1.2.0"], GIT_IDENTITY);
  await git(["remote", "add", "origin", origin]);
  await git(["push", "-q", "-u", "origin", DEMO.branch]);

  const heal = [taskBin, "-x", "-t", taskfile, "heal"];
  say(`step 2/4  ${heal.join(" ")}   (local mode: GITHUB_TOKEN and GH_TOKEN are not set)`);
  const healExitCode = await streamed(heal, repo, env, say);
  const reports = join(repo, DEFAULT_REPORTS_DIR);
  const report = readJsonFile<FailureReport>(join(reports, REPORT_FILES.failures), `${DEFAULT_REPORTS_DIR}/${REPORT_FILES.failures}`);
  const failures: DemoFailure[] = (report?.failures ?? []).map((f) => ({ fullName: f.fullName, file: f.file, line: f.line }));
  const found = failures.map((f) => `${f.fullName} (${f.file ?? "?"}:${f.line ?? "?"})`);
  if (healExitCode !== 1 || !sameFailures(failures)) {
    throw new HealError(
      "DEMO_MISMATCH",
      `heal exited ${healExitCode} and found ${failures.length} failure(s)${found.length ? `: ${found.join("; ")}` : ""}; expected exit 1 and exactly: ${DEMO.seededFailures.map((f) => f.fullName).join("; ")}`,
      join(reports, REPORT_FILES.failures),
    );
  }
  say(`heal exited 1 (tests failed) and found exactly the ${failures.length} seeded failures:`);
  for (const line of found) say(`  ${line}`);
  const issue = readJsonFile<{ taskPath?: string | null }>(
    join(reports, REPORT_FILES.issue),
    `${DEFAULT_REPORTS_DIR}/${REPORT_FILES.issue}`,
  );
  if (!issue?.taskPath) throw new HealError("DEMO_MISMATCH", "heal wrote no task file for the failures", join(reports, REPORT_FILES.issue));
  const outputs: Record<string, string> = {
    "failures.json": join(reports, REPORT_FILES.failures),
    "report.md": join(reports, REPORT_FILES.report),
    "issue.md": join(reports, REPORT_FILES.issueBody),
    "task YAML": join(repo, issue.taskPath),
  };
  for (const [what, path] of Object.entries(outputs)) {
    if (!existsSync(path)) throw new HealError("DEMO_MISMATCH", `heal did not write its ${what}`, path);
    output(what, path);
  }

  say(`step 3/4  the agent's fix on ${DEMO.agentBranch}: ${DEMO.fix.file}: \`${DEMO.fix.find}\` -> \`${DEMO.fix.replace}\``);
  await git(["switch", "-q", "-c", DEMO.agentBranch]);
  applyFix(join(repo, DEMO.fix.file));
  await git(["add", DEMO.fix.file]);
  await git(["commit", "-q", "-m", DEMO.fix.message], AGENT_IDENTITY);
  await git(["push", "-q", "-u", "origin", DEMO.agentBranch]);
  const agentCommit = (await git(["rev-parse", "HEAD"])).trim();
  say(`committed ${agentCommit.slice(0, 7)} "${DEMO.fix.message}" and pushed it to origin ${DEMO.agentBranch}`);

  const verify = [taskBin, "-x", "-t", taskfile, "verify", "--", "--task", issue.taskPath];
  say(`step 4/4  ${verify.join(" ")}   (local mode)`);
  const verifyExitCode = await streamed(verify, repo, env, say);
  outputs["verify.json"] = join(reports, "verify.json");
  const verdict = readJsonFile<{ healed?: boolean }>(outputs["verify.json"], `${DEFAULT_REPORTS_DIR}/verify.json`);
  if (verifyExitCode !== 0 || verdict?.healed !== true) {
    throw new HealError(
      "DEMO_MISMATCH",
      `verify exited ${verifyExitCode} with healed: ${verdict?.healed ?? "(no verdict)"}; expected exit 0 and healed: true`,
      outputs["verify.json"],
    );
  }
  output("verify.json", outputs["verify.json"]);
  return { repo, origin, healExitCode, failures, outputs, agentCommit, verifyExitCode, healed: true };
}

/** The environment of a local run: no token, no Actions variables (they would name another branch), no heal overrides. */
export function localEnv(from: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k)) continue;
    env[k] = v;
  }
  // The steps run on this same bun, whatever PATH says.
  env.PATH = [dirname(process.execPath), env.PATH ?? ""].filter(Boolean).join(":");
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

/** go-task as an absolute path: `hint` (a path, or a name on PATH), else `task` on PATH, else ~/go/bin/task. */
export function findTaskBin(env: NodeJS.ProcessEnv, hint?: string): string {
  if (hint?.includes("/")) return resolve(hint);
  const onPath = Bun.which(hint || "task", { PATH: env.PATH ?? "" });
  if (onPath) return onPath;
  const goBin = join(env.HOME ?? "", "go", "bin", "task");
  if (existsSync(goBin)) return goBin;
  throw new HealError("USAGE", "go-task is not installed: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
}

function gitIn(cwd: string, env: NodeJS.ProcessEnv) {
  // The user's global hooks or commit signing must not change what the demo commits.
  const quietConfig = ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"];
  return async (args: string[], identity: Record<string, string> = {}): Promise<string> => {
    const who = { GIT_COMMITTER_NAME: "Demo Developer", GIT_COMMITTER_EMAIL: "developer@example.com", ...identity };
    const r = await $({ cwd, env: { ...env, ...who }, quiet: true, nothrow: true })`git ${quietConfig} ${args}`;
    if (r.exitCode !== 0) throw new HealError("DEMO_MISMATCH", `git ${args[0]} failed: ${r.stderr.trim().split("\n")[0] ?? ""}`, cwd);
    return r.stdout;
  };
}

/** Runs a step with its output passed to `say` line by line (redacted, indented); returns its exit code. */
async function streamed(cmd: string[], cwd: string, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<number> {
  const sink = (text: string) => say(`  │ ${text.replace(/\r?\n$/, "")}`.trimEnd());
  const out = forLogStream(sink);
  const err = forLogStream(sink);
  const p = $({ cwd, env, quiet: true, nothrow: true })`${cmd}`;
  p.stdout.on("data", (d: Buffer) => out.write(d.toString()));
  p.stderr.on("data", (d: Buffer) => err.write(d.toString()));
  const r = await p;
  out.end();
  err.end();
  return r.exitCode ?? 2;
}

function sameFailures(found: DemoFailure[]): boolean {
  const key = (f: { fullName: string; file: string | null }) => `${f.file}\u0000${f.fullName}`;
  const want = DEMO.seededFailures.map(key).sort();
  const got = found.map(key).sort();
  return got.length === want.length && got.every((k, i) => k === want[i]);
}

/** The agent's scripted fix: exactly one occurrence of the seeded bug is replaced. */
function applyFix(path: string): void {
  const text = readFileSync(path, "utf8");
  const at = text.indexOf(DEMO.fix.find);
  if (at === -1 || text.indexOf(DEMO.fix.find, at + 1) !== -1) {
    throw new HealError("DEMO_MISMATCH", `the seeded bug \`${DEMO.fix.find}\` is not in the file exactly once`, path);
  }
  writeFileSync(path, text.replace(DEMO.fix.find, DEMO.fix.replace));
}
