// The shipped workflow and composite action, executed the way GitHub Actions would: `task setup` renders the
// workflow into a sample repository (failing bun tests, a bare origin), then the heal job of a push to dev
// runs step by step through tests/support/actions-runner.ts: `if:` conditions, `${{ }}` from the github /
// vars / secrets / steps / inputs contexts, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files, bash
// with -eo pipefail. The composite action's `run:` steps really run, `bun install --production
// --frozen-lockfile` included, in a copy of the toolkit (its action path). External actions are simulated
// minimally (checkout: the clone is there; setup-bun / setup-task: the binaries on PATH, versions checked;
// setup-node / setup-python: the inputs recorded, the machine's node and python stand in). A pnpm + Python
// repository shows the toolchain step's outputs feeding them, the corepack step (real, pnpm 9.1.0 from the
// registry) and the store cache. Two set-ups: no agent identity (repository_dispatch) and a GitHub App minted
// per job (a comment by its bot).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { runJob, evaluate, type JobRunner } from "../support/actions-runner.ts";

const ACTION = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";
const APP_TOKEN = "ghs_appinstallationtoken00000000000000000001";
const APP_SLUG = "heal-agent-app";
const SERVER = "https://ghe.example.com";
const TASK_BIN = Bun.which("task");

const MATH_TS = "export function add(a: number, b: number): number {\n  return a - b;\n}\n";
const MATH_TEST = `import { expect, test } from "bun:test";
import { add } from "../src/math";

test("adds two numbers", () => {
  expect(add(2, 3)).toBe(5);
});
`;

let toolkit: string;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "heal-actions-run-"));
  // The toolkit as `uses: owner/repo@sha` gets it: its files without tests, bench or node_modules.
  toolkit = join(root, "toolkit");
  const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: TOOLKIT_ROOT, encoding: "utf8" })
    .stdout.split("\n")
    .filter((f) => f && !/^(tests|bench|examples)\//.test(f) && existsSync(join(TOOLKIT_ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(toolkit, f)), { recursive: true });
    cpSync(join(TOOLKIT_ROOT, f), join(toolkit, f));
  }
  expect(existsSync(join(toolkit, "node_modules"))).toBe(false);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  gh: GitHubDouble;
  remote: BareRemote;
  job: JobRunner;
  summary: string;
  cacheKeys: string[];
  uploads: string[];
  /** Inputs of each simulated setup-node / setup-python, in order. */
  setups: string[];
  run: string;
}

const BUN_SAMPLE = {
  "package.json": '{"name":"widgets","private":true,"scripts":{"test":"bun test"}}\n',
  "src/math.ts": MATH_TS,
  "tests/math.test.ts": MATH_TEST,
  ".gitignore": "node_modules\n.agent/reports/\n",
};

async function healOnPush(opts: {
  vars: Record<string, string>;
  secrets: Record<string, string>;
  refuseDev?: boolean;
  /** The repository's files (default: the bun sample). */
  files?: Record<string, string>;
  /** More environment for every step. */
  env?: (run: string) => Record<string, string>;
}): Promise<Run> {
  if (!TASK_BIN) throw new Error("go-task is not on PATH");
  const gh = await startGitHubDouble({
    tokens: {
      [DEFAULT_TOKEN]: {
        login: "github-actions[bot]",
        type: "Bot",
        permissions: { issues: "write", contents: "write", pull_requests: "write", metadata: "read" },
      },
      [APP_TOKEN]: { login: `${APP_SLUG}[bot]`, type: "Bot", permissions: { issues: "write", metadata: "read" } },
    },
  });
  const remote = createBareRemote(opts.files ?? BUN_SAMPLE);
  // What a user does: task setup, commit, push.
  const setup = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts/setup-repo.ts"), ".", "--action", ACTION], {
    cwd: remote.cloneDir,
    encoding: "utf8",
    env: { ...process.env, HEAL_REPO: "" },
  });
  expect(setup.status).toBe(0);
  remote.git("add", "-A");
  remote.git("commit", "-qm", "ci: self-healing TDD loop");
  remote.git("push", "-q", "origin", "dev");
  // A protected dev: a pre-receive hook refuses every later push to it.
  if (opts.refuseDev) remote.refusePushesTo("dev");

  const run = mkdtempSync(join(root, "run-"));
  const summary = join(run, "step-summary.md");
  writeFileSync(summary, "");
  const sha = remote.git("rev-parse", "HEAD");
  const event = { ref: "refs/heads/dev", after: sha, repository: { full_name: gh.repository, default_branch: "dev" } };
  writeFileSync(join(run, "event.json"), JSON.stringify(event));
  const github = {
    token: DEFAULT_TOKEN,
    event_name: "push",
    event,
    ref: "refs/heads/dev",
    ref_name: "dev",
    head_ref: "",
    sha,
    repository: gh.repository,
    run_id: "7001",
    run_attempt: "1",
    server_url: SERVER,
    api_url: gh.url,
    workspace: remote.cloneDir,
  };
  const env: Record<string, string> = {
    PATH: [dirname(process.execPath), dirname(TASK_BIN), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    HOME: process.env.HOME!,
    TMPDIR: tmpdir(),
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: remote.cloneDir,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_SERVER_URL: SERVER,
    GITHUB_API_URL: gh.url,
    GITHUB_EVENT_NAME: "push",
    GITHUB_EVENT_PATH: join(run, "event.json"),
    GITHUB_REF: "refs/heads/dev",
    GITHUB_REF_NAME: "dev",
    GITHUB_HEAD_REF: "",
    GITHUB_SHA: sha,
    GITHUB_RUN_ID: "7001",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_OS: "Linux",
    RUNNER_TEMP: run,
    NO_COLOR: "1",
    // Tests do not wait GitHub's real pacing and backoff seconds.
    HEAL_GITHUB_PACING: "0",
    HEAL_GITHUB_RETRY_BASE_MS: "20",
    ...opts.env?.(run),
  };
  const cacheKeys: string[] = [];
  const setups: string[] = [];
  const uploads: string[] = [];
  const job = await runJob(join(remote.cloneDir, ".github/workflows/self-healing-tdd-loop.yml"), "heal", {
    workspace: remote.cloneDir,
    env,
    ctx: { github, vars: opts.vars, secrets: opts.secrets, runner: { os: "Linux", temp: run }, env: {} },
    localActions: { [ACTION]: toolkit },
    tempDir: join(run, "files"),
    simulate: (uses, inputs): Record<string, string> => {
      const name = uses.split("@")[0];
      if (name === "actions/checkout") return {}; // the clone is the workspace
      if (name === "actions/create-github-app-token") {
        // What the action does with the App's id and key: an installation token for this repository.
        expect(inputs).toEqual({ "app-id": "123456", "private-key": "-----BEGIN RSA PRIVATE KEY-----", "permission-issues": "write" });
        return { token: APP_TOKEN, "app-slug": APP_SLUG, "installation-id": "99" };
      }
      if (name === "oven-sh/setup-bun") {
        expect(inputs["bun-version"]).toBe(Bun.version);
        return { "bun-version": Bun.version };
      }
      if (name === "go-task/setup-task") {
        expect(spawnSync(TASK_BIN!, ["--version"], { encoding: "utf8" }).stdout.trim()).toContain(inputs.version!);
        return {};
      }
      if (name === "actions/setup-node" || name === "actions/setup-python") {
        // The node and python on PATH stand for what they install; the test checks what they were given.
        setups.push(`${name} ${JSON.stringify(inputs)}`);
        return {};
      }
      if (name === "actions/cache") {
        cacheKeys.push(`${inputs.path} ${inputs.key}`);
        return { "cache-hit": "false" };
      }
      if (name === "actions/upload-artifact") {
        uploads.push(`${inputs.path} ${existsSync(join(remote.cloneDir, inputs.path!)) ? "exists" : "missing"}`);
        return {};
      }
      throw new Error(`no simulator for ${uses}`);
    },
  });
  expect(job).not.toBeNull();
  return { gh, remote, job: job!, summary, cacheKeys, uploads, setups, run };
}

describe("the heal job of the shipped workflow, step by step, on a push to dev", () => {
  let run: Run;
  afterAll(async () => {
    await run?.gh.close();
    run?.remote.cleanup();
  });

  beforeAll(async () => {
    run = await healOnPush({ vars: {}, secrets: {} });
  }, 240_000);

  test("every step in order: the App token step skipped without HEAL_AGENT_APP_ID, the composite's run: steps, the upload always", () => {
    expect(run.job.records.map((r) => `${r.kind} ${r.name}${r.exitCode !== undefined ? ` -> ${r.exitCode}` : ""}`)).toEqual([
      "uses actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 -> 0",
      "skipped Mint the agent's App token",
      "run Check the inputs -> 0",
      "uses Install bun -> 0",
      "uses Install go-task -> 0",
      "run Locate the bun cache -> 0",
      "uses Keep the bun cache -> 0",
      "run Install the toolkit's dependencies (no dev dependencies) -> 0",
      "run Read the project's toolchain -> 0",
      "skipped Set up Node.js as the project names it",
      "skipped Set up the project's package manager (corepack)",
      "skipped Set up Python as the project names it",
      "skipped Locate the package store",
      "skipped Keep the package store",
      "skipped Keep the pip cache",
      "run Run task heal -> 1",
      "uses Heal -> 1",
      "uses Upload the reports -> 0",
    ]);
    expect(run.uploads).toEqual([".agent/reports/ exists"]);
  });

  test("runtime dependencies only, the cache keyed on the toolkit's lockfile through GITHUB_OUTPUT", () => {
    expect(existsSync(join(toolkit, "node_modules/yaml"))).toBe(true);
    expect(existsSync(join(toolkit, "node_modules/typescript"))).toBe(false);
    expect(existsSync(join(toolkit, "node_modules/vitest"))).toBe(false);
    const lockHash = new Bun.CryptoHasher("sha256").update(readFileSync(join(toolkit, "bun.lock"))).digest("hex");
    const cacheDir = spawnSync("bun", ["pm", "cache"], { cwd: toolkit, encoding: "utf8" }).stdout.trim();
    expect(run.cacheKeys).toEqual([`${cacheDir} heal-bun-Linux-${lockHash}`]);
    // The repository names no version and has no lockfile: nothing of its own is set up or cached.
    expect(run.setups).toEqual([]);
  });

  test("the task step got the inputs as env: the job's token, no agent token", () => {
    const step = run.job.records.find((r) => r.name === "Run task heal")!;
    expect(step.env!.HEAL_TASK).toBe("heal");
    expect(step.env!.GITHUB_TOKEN).toBe(DEFAULT_TOKEN);
    expect(step.env!.HEAL_AGENT_TOKEN).toBe("");
    expect(step.env!.GITHUB_ACTION_PATH).toBe(toolkit);
    expect(step.exitCode, step.stderr).toBe(1); // the tests fail: exit 1, not 2
  });

  test("a red run ends with heal's own summary: go-task's `Failed to run task` line and its `::error title=Task` annotation are dropped", () => {
    const step = run.job.records.find((r) => r.name === "Run task heal")!;
    const out = step.stdout!.trimEnd().split("\n");
    expect(out.at(-1)).toMatch(/^heal: 🔴 1 failing test \(/);
    expect(step.stdout).not.toContain("Failed to run task");
    expect(step.stdout).not.toContain("::error title=Task");
    expect(step.stderr).not.toContain("Failed to run task");
    // The tool's own annotation for the failing test stays.
    expect(step.stderr).toContain("::error file=tests/math.test.ts");
  });

  test("the healing issue is filed and the agent woken by repository_dispatch", () => {
    const { gh } = run;
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0]!;
    expect(issue.title).toBe("🔴 Auto-Healing: Test Failures in dev");
    expect(issue.body).toContain("adds two numbers");
    expect(gh.state.dispatches).toHaveLength(1);
    expect(gh.state.dispatches[0]).toMatchObject({
      eventType: "heal-agent",
      clientPayload: { issue_number: 1, branch: "dev" },
      login: "github-actions[bot]",
    });
    // GitHub Enterprise Server: links are built from GITHUB_SERVER_URL, never github.com.
    expect(issue.body).toContain(`${SERVER}/acme/widgets/`);
    expect(issue.body).not.toContain("https://github.com/");
    // (The issue's own link is the html_url GitHub answers with: the double's is github.com.)
    expect(readFileSync(run.summary, "utf8")).toContain(`Task context: [\``);
    expect(readFileSync(run.summary, "utf8")).toContain(`](${SERVER}/acme/widgets/blob/`);
  });
});

const PNPM_LOCK =
  "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .: {}\n";

describe("a pnpm + Python repository: the toolchain it names feeds setup-node, corepack, setup-python and the store cache", () => {
  let run: Run;
  afterAll(async () => {
    await run?.gh.close();
    run?.remote.cleanup();
  });

  beforeAll(async () => {
    run = await healOnPush({
      vars: {},
      secrets: {},
      files: {
        ...BUN_SAMPLE,
        "package.json": '{"name":"widgets","private":true,"packageManager":"pnpm@9.1.0","scripts":{"test":"bun test"}}\n',
        "pnpm-lock.yaml": PNPM_LOCK,
        ".nvmrc": "20\n",
        ".python-version": "3.11\n",
        "tests/test_sum.py": "def test_sum():\n    assert 1 + 1 == 2\n",
        ".gitignore": "node_modules\n.agent/reports/\n__pycache__\n",
      },
      env: (dir) => ({
        // Everything corepack, pnpm and pip keep goes in this run's folder, as on a fresh runner.
        COREPACK_HOME: join(dir, "corepack-home"),
        XDG_DATA_HOME: join(dir, "data"),
        PIP_CACHE_DIR: join(dir, "pip-cache"),
        // This machine's npm mirror serves packages without registry signatures; GitHub's runners reach npmjs.org.
        COREPACK_INTEGRITY_KEYS: "0",
        // corepack downloads pnpm itself (node's fetch): the machine's own CA for its way to the registry.
        ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      }),
    });
  }, 240_000);

  test("the toolchain step's outputs: .nvmrc, pnpm@9.1.0 through corepack, .python-version, the store's key", () => {
    const toolchain = run.job.records.find((r) => r.name === "Read the project's toolchain")!;
    expect(toolchain.exitCode, toolchain.stderr).toBe(0);
    expect(toolchain.outputs).toMatchObject({
      "node-version-file": ".nvmrc",
      "node-version": "",
      "package-manager": "pnpm",
      "package-manager-version": "9.1.0",
      corepack: "true",
      "python-version-file": ".python-version",
      "python-version": "",
      "python-store-key": "", // nothing for pip to install: no pip cache
    });
    expect(toolchain.outputs["node-store-key"]).toMatch(/^heal-store-pnpm-Linux-[0-9a-f]{64}$/);
  });

  test("setup-node and setup-python get the files, corepack's pnpm 9.1.0 is on PATH, pnpm's store is cached on that key", () => {
    const corepack = run.job.records.find((r) => r.name === "Set up the project's package manager (corepack)")!;
    expect(corepack.exitCode, corepack.stderr).toBe(0);
    const names = run.job.records.map((r) => `${r.kind} ${r.name}${r.exitCode !== undefined ? ` -> ${r.exitCode}` : ""}`);
    expect(names.slice(names.indexOf("run Read the project's toolchain -> 0"), -2)).toEqual([
      "run Read the project's toolchain -> 0",
      "uses Set up Node.js as the project names it -> 0",
      "run Set up the project's package manager (corepack) -> 0",
      "uses Set up Python as the project names it -> 0",
      "run Locate the package store -> 0",
      "uses Keep the package store -> 0",
      "skipped Keep the pip cache",
      "run Run task heal -> 1",
    ]);
    expect(run.setups).toEqual([
      'actions/setup-node {"node-version-file":".nvmrc","node-version":"","package-manager-cache":"false"}',
      'actions/setup-python {"python-version-file":".python-version","python-version":""}',
    ]);
    expect(corepack.stdout!.trim().split("\n").at(-1)).toBe("9.1.0");
    const key = run.job.records.find((r) => r.name === "Read the project's toolchain")!.outputs["node-store-key"];
    expect(run.cacheKeys.at(-1)).toBe(`${join(run.run, "data")}/pnpm/store/v3 ${key}`);
  });

  test("heal:prepare installed with that pnpm, and heal ran the project's own command through it", () => {
    const heal = run.job.records.find((r) => r.name === "Run task heal")!;
    expect(heal.env!.PATH.split(":")[0]).toBe(join(run.run, "heal-corepack/bin"));
    expect(`${heal.stdout}${heal.stderr}`).toContain("pnpm run test");
    const prepared = JSON.parse(readFileSync(join(run.remote.cloneDir, ".agent/reports/prepare.json"), "utf8"));
    expect(
      prepared.steps.map(
        (s: { tool: string; status: string; commands: string[][] }) => `${s.tool} ${s.status} ${s.commands.map((c) => c.join(" "))}`,
      ),
    ).toEqual(["pnpm ran pnpm install --frozen-lockfile"]);
    expect(run.gh.state.issues).toHaveLength(1);
    expect(run.gh.state.issues[0]!.body).toContain("adds two numbers");
    expect(run.gh.state.issues[0]!.body).not.toContain("test_sum");
  });
});

describe("with the agent's GitHub App (HEAL_AGENT_APP_ID + HEAL_AGENT_APP_PRIVATE_KEY)", () => {
  let run: Run;
  afterAll(async () => {
    await run?.gh.close();
    run?.remote.cleanup();
  });

  test("the token minted in the job reaches heal; the App's bot comments the mention that wakes the agent", async () => {
    run = await healOnPush({
      vars: { HEAL_AGENT_APP_ID: "123456" },
      secrets: {
        HEAL_AGENT_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
        HEAL_AGENT_TOKEN: "ghp_staticpatnotusedwhenappisset0000000001",
      },
    });
    expect(run.job.records[1]).toMatchObject({ kind: "uses", name: "Mint the agent's App token" });
    const step = run.job.records.find((r) => r.name === "Run task heal")!;
    expect(step.env!.HEAL_AGENT_TOKEN).toBe(APP_TOKEN);
    expect(step.env!.HEAL_AGENT_LOGIN).toBe(`${APP_SLUG}[bot]`);
    const { gh } = run;
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    expect(gh.state.dispatches).toEqual([]);
    const mentions = gh.state.issues[0]!.comments.filter((c) => c.user.login === `${APP_SLUG}[bot]`);
    expect(mentions).toHaveLength(1);
    expect(mentions[0]!.body).toContain("@claude");
    expect(gh.requests.some((r) => r.method === "POST" && r.login === `${APP_SLUG}[bot]`)).toBe(true);
  }, 240_000);
});

describe("when dev refuses pushes (pre-receive hook, as a protected branch or ruleset does)", () => {
  let run: Run;
  afterAll(async () => {
    await run?.gh.close();
    run?.remote.cleanup();
  });

  test("the issue is filed, heal/tasks/dev holds the task file, the agent is woken, the heal step exits 1 with a warning", async () => {
    run = await healOnPush({ vars: {}, secrets: {}, refuseDev: true });
    const step = run.job.records.find((r) => r.name === "Run task heal")!;
    expect(step.exitCode, step.stderr).toBe(1);
    expect(step.stderr).toMatch(
      /^::warning::the push of \.agent\/tasks\/fix-[^ ]+\.yaml to dev was refused \(.*GH006.*\); it is on heal\/tasks\/dev instead$/m,
    );
    const { gh, remote } = run;
    expect(gh.violations).toEqual([]);
    expect(gh.state.issues).toHaveLength(1);
    expect(remote.log()).toEqual(["ci: self-healing TDD loop", "initial commit"]);
    const dispatch = gh.state.dispatches[0]!;
    expect(gh.state.dispatches).toHaveLength(1);
    const payload = dispatch.clientPayload!;
    const taskPath = payload.task_path as string;
    expect(payload).toMatchObject({ issue_number: 1, branch: "dev", task_branch: "heal/tasks/dev" });
    expect(remote.show("heal/tasks/dev", taskPath)).toBe(payload.task_yaml as string);
    expect(gh.state.issues[0]!.body).toContain(`${SERVER}/acme/widgets/blob/${remote.head("heal/tasks/dev")}/${taskPath}`);
  }, 240_000);
});

describe("set-up B: the agent workflow's comment job, as Actions runs it", () => {
  /** The rendered claude-agent.yml's `mentioned` job for an @claude comment by the agent's App on issue 1. */
  async function mentioned(issueBody: string) {
    const dir = mkdtempSync(join(root, "agent-"));
    const render = spawnSync("bun", [join(TOOLKIT_ROOT, "scripts/setup-repo.ts"), "--render-to", dir, "--action", ACTION], {
      encoding: "utf8",
      env: { ...process.env, HEAL_REPO: "" },
    });
    expect(render.status).toBe(0);
    const login = `${APP_SLUG}[bot]`;
    const event = {
      comment: { body: "@claude Please fix the failing tests of #1", user: { login }, author_association: "NONE" },
      issue: { number: 1, body: issueBody },
    };
    const used: Record<string, Record<string, string>> = {};
    const job = await runJob(join(dir, "claude-agent.yml"), "mentioned", {
      workspace: dir,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: process.env.HOME!, GITHUB_ACTIONS: "true" },
      ctx: {
        github: { event_name: "issue_comment", event, repository: "acme/widgets" },
        vars: { HEAL_AGENT_LOGIN: login },
        secrets: { ANTHROPIC_API_KEY: "sk-ant-test" },
        runner: { os: "Linux", temp: dir },
        env: {},
      },
      localActions: {},
      tempDir: join(dir, "files"),
      simulate: (uses, inputs) => {
        used[uses.split("@")[0]!] = inputs;
        return {};
      },
    });
    return { job, used };
  }

  test("the failing branch from the issue's marker: checked out, and the action's base_branch; the agent may open the pull request", async () => {
    const { job, used } = await mentioned(
      'failures\n\n<!-- self-healing-tdd:{"v":1,"kind":"healing","branch":"dev","digest":"0123456789abcdef","count":1} -->',
    );
    expect(job).not.toBeNull();
    expect(used["actions/checkout"]).toMatchObject({ ref: "dev", "fetch-depth": "0" });
    const agent = used["anthropics/claude-code-action"]!;
    expect(agent.base_branch).toBe("dev");
    expect(agent.claude_args).toContain("Bash(gh pr create:*)");
    expect(agent.claude_args).toContain("gh pr create --base");
  });

  test("a branch name git refuses, or no marker: no base_branch (the action's default), nothing injected", async () => {
    for (const body of ['<!-- self-healing-tdd:{"branch":"dev..x; rm -rf /"} -->', "a person's issue"]) {
      const { used } = await mentioned(body);
      expect(used["actions/checkout"]!.ref).toBe("");
      expect(used["anthropics/claude-code-action"]!.base_branch).toBe("");
    }
  });
});

describe("the expression evaluator the runner uses (so the conditions above are read as GitHub reads them)", () => {
  const ctx = {
    github: { event_name: "schedule", ref_name: "claude/issue-3-x", head_ref: "", event: { pull_request: null } },
    steps: { "agent-app": { outputs: { "app-slug": "bot" } } },
    vars: {},
  };
  test("|| and && return operands, strings compare without case, format() fills its holes", () => {
    expect(evaluate("github.head_ref || github.ref_name", ctx)).toBe("claude/issue-3-x");
    expect(evaluate("steps.agent-app.outputs.app-slug && format('{0}[bot]', steps.agent-app.outputs.app-slug) || vars.X", ctx)).toBe(
      "bot[bot]",
    );
    expect(evaluate("vars.HEAL_AGENT_APP_ID != ''", ctx)).toBe(false);
    expect(evaluate("github.event_name == 'SCHEDULE'", ctx)).toBe(true);
    expect(evaluate("(false || github.event_name != 'schedule') && !startsWith(github.ref_name, 'claude/issue-')", ctx)).toBe(false);
  });
});
