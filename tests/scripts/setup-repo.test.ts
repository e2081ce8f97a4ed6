// `task setup -- <path>`: installs the workflows, SOPs and config, records their hashes, and never
// overwrites a file someone changed. Black-box: the real script (and once through the real Taskfile).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { NEXT_STEPS, renderCaller, sha256 } from "../../lib/setup.ts";
import { parseConfig } from "../../lib/config.ts";
import { LOOP_WORKFLOW, renderWorkflows, workflowDrift } from "../../lib/workflow-render.ts";
import { createBareRemote } from "../support/git-remote.ts";

const SCRIPT = join(TOOLKIT_ROOT, "scripts/setup-repo.ts");
const FILES = [
  ".github/workflows/self-healing-tdd-loop.yml",
  ".github/workflows/claude-agent.yml",
  ".agent/sops/SOP_TDD_WORKFLOW.md",
  ".agent/sops/SOP_DEBUGGING.md",
  ".agent/sops/SOP_WRITING_TESTS.md",
  ".agent/heal/config.yaml",
];
const ACTION = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";

let repo: SampleRepo;
afterEach(() => repo?.cleanup());

function setup(args: string[], cwd = TOOLKIT_ROOT) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: "utf8", env: { ...process.env, HEAL_REPO: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const read = (rel: string) => readFileSync(join(repo.dir, rel), "utf8");

describe("setup-repo", () => {
  test("a fresh repository gets every file, pinned to the toolkit's action, and a manifest of hashes", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    const r = setup([repo.dir, "--action", ACTION]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(FILES.map((f) => `[write] ${f}\n`).join(""));
    expect(r.stderr).toContain("6 written, 0 up to date, 0 kept as you changed them; manifest: .agent/heal/installed.json");
    // The next steps say App AND model credential, and never to store an installation token.
    for (const line of NEXT_STEPS) expect(r.stderr).toContain(line);
    expect(r.stderr).toContain("install the Claude GitHub App");
    expect(r.stderr).toContain("AND add a model credential: secret ANTHROPIC_API_KEY, or CLAUDE_CODE_OAUTH_TOKEN");
    expect(r.stderr).not.toMatch(/installation token/i);

    const loop = parse(read(FILES[0]!));
    for (const job of ["heal", "verify", "coverage"]) {
      expect(loop.jobs[job].steps.some((s: { uses?: string }) => s.uses === ACTION)).toBe(true);
    }
    expect(read(FILES[0]!)).not.toMatch(/^\s*uses: \.\/\s*$/m);
    // No origin: the seed config heals dev and prod, and the workflows say so.
    expect(read(".agent/heal/config.yaml")).toBe(readFileSync(join(TOOLKIT_ROOT, "templates/config.yaml"), "utf8"));
    const rendered = renderWorkflows(parseConfig(read(".agent/heal/config.yaml")), ACTION);
    expect(read(FILES[0]!)).toBe(rendered[0]!.content);
    expect(read(FILES[1]!)).toBe(rendered[1]!.content);
    expect(loop.on.push.branches).toEqual(["dev", "prod", "claude/issue-**"]);
    expect(read(".agent/sops/SOP_DEBUGGING.md")).toBe(readFileSync(join(TOOLKIT_ROOT, "templates/sops/SOP_DEBUGGING.md"), "utf8"));
    const manifest = JSON.parse(read(".agent/heal/installed.json"));
    expect(manifest.action).toBe(ACTION);
    expect(Object.keys(manifest.files)).toEqual(FILES);
    for (const f of FILES) expect(manifest.files[f]).toBe(sha256(read(f)));

    // What it installed is itself clean for actionlint.
    const lint = spawnSync(Bun.which("actionlint")!, ["-no-color", "-shellcheck", Bun.which("shellcheck")!, FILES[0]!, FILES[1]!], {
      cwd: repo.dir,
      encoding: "utf8",
    });
    expect(lint.stdout).toBe("");
    expect(lint.status).toBe(0);
  });

  test("a second run changes nothing; a file you edited is kept and reported; an untouched one is updated", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    expect(setup([repo.dir, "--action", ACTION]).code).toBe(0);
    const again = setup([repo.dir, "--action", ACTION]);
    expect(again.stdout).toBe(FILES.map((f) => `[skip] ${f} (up to date)\n`).join(""));

    const mine = read(".agent/heal/config.yaml").replace("threshold: 80", "threshold: 90");
    expect(mine).toContain("threshold: 90");
    writeFileSync(join(repo.dir, ".agent/heal/config.yaml"), mine);
    const before = JSON.parse(read(".agent/heal/installed.json"));
    const newer = "acme/self-healing-tdd-loop@v2";
    const r = setup([repo.dir, "--action", newer]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "[write] .github/workflows/self-healing-tdd-loop.yml (updated: you had not changed it)",
      "[skip] .github/workflows/claude-agent.yml (up to date)",
      "[skip] .agent/sops/SOP_TDD_WORKFLOW.md (up to date)",
      "[skip] .agent/sops/SOP_DEBUGGING.md (up to date)",
      "[skip] .agent/sops/SOP_WRITING_TESTS.md (up to date)",
      "[skip] .agent/heal/config.yaml (changed by you: kept; compare with the toolkit's version and merge by hand)",
      "",
    ]);
    expect(read(".agent/heal/config.yaml")).toBe(mine);
    expect(read(FILES[0]!)).toContain(`uses: ${newer}`);
    const after = JSON.parse(read(".agent/heal/installed.json"));
    // The kept file keeps the hash of what setup installed, so it stays "changed by you".
    expect(after.files[".agent/heal/config.yaml"]).toBe(before.files[".agent/heal/config.yaml"]);
    expect(setup([repo.dir, "--action", newer]).stdout).toContain("[skip] .agent/heal/config.yaml (changed by you: kept;");
  });

  test("files that were there before setup are never overwritten", () => {
    repo = createSampleRepo({ ".agent/sops/SOP_DEBUGGING.md": "# Our own debugging guide\n" }, { nodeModules: false });
    const r = setup([repo.dir, "--action", ACTION]);
    expect(r.stdout).toContain("[skip] .agent/sops/SOP_DEBUGGING.md (changed by you: kept;");
    expect(read(".agent/sops/SOP_DEBUGGING.md")).toBe("# Our own debugging guide\n");
    expect(JSON.parse(read(".agent/heal/installed.json")).files[".agent/sops/SOP_DEBUGGING.md"]).toBeUndefined();
  });

  test("the agent workflow listens for the dispatch type an existing config names", () => {
    repo = createSampleRepo({ ".agent/heal/config.yaml": "agent:\n  dispatch_event_type: fix-tests\n" }, { nodeModules: false });
    expect(setup([repo.dir, "--action", ACTION]).code).toBe(0);
    expect(parse(read(".github/workflows/claude-agent.yml")).on.repository_dispatch.types).toEqual(["fix-tests"]);
  });

  test("a repository whose trunk is main: the new config heals main, dev and prod, and so do the workflows", () => {
    const remote = createBareRemote({ "README.md": "# widgets\n" }, "main");
    try {
      const r = setup([remote.cloneDir, "--action", ACTION]);
      expect(r.code).toBe(0);
      const config = readFileSync(join(remote.cloneDir, ".agent/heal/config.yaml"), "utf8");
      expect(config).toContain("\nbranches: [main, dev, prod]\n");
      expect(parseConfig(config).branches).toEqual(["main", "dev", "prod"]);
      const loop = parse(readFileSync(join(remote.cloneDir, FILES[0]!), "utf8"));
      expect(loop.on.push.branches).toEqual(["main", "dev", "prod", "claude/issue-**"]);
      expect(loop.on.pull_request.branches).toEqual(["main", "dev", "prod"]);
    } finally {
      remote.cleanup();
    }
  });

  test("a changed config re-renders the untouched workflows on the next run (settings live once)", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    expect(setup([repo.dir, "--action", ACTION, "--default-branch", "trunk"]).code).toBe(0);
    expect(read(".agent/heal/config.yaml")).toContain("\nbranches: [trunk, dev, prod]\n");
    const config = read(".agent/heal/config.yaml")
      .replace("branch_prefix: claude/issue-", "branch_prefix: bot/fix-")
      .replace("dispatch_event_type: heal-agent", "dispatch_event_type: fix-tests")
      .replace('mention: "@claude"', 'mention: "@helper"')
      .replace(
        "# runner:\n#   python: /usr/bin/python3     # interpreter for pytest (default: the first that imports pytest)\n#   timeout_minutes: 30",
        "runner:\n  timeout_minutes: 20",
      );
    expect(config).toContain("runner:\n  timeout_minutes: 20");
    writeFileSync(join(repo.dir, ".agent/heal/config.yaml"), config);
    const r = setup([repo.dir, "--action", ACTION]);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      "[write] .github/workflows/self-healing-tdd-loop.yml (updated: you had not changed it)",
      "[write] .github/workflows/claude-agent.yml (updated: you had not changed it)",
    ]);
    const loop = parse(read(FILES[0]!));
    expect(loop.on.push.branches).toEqual(["trunk", "dev", "prod", "bot/fix-**"]);
    expect(loop.jobs.heal["timeout-minutes"]).toBe(35);
    const agent = parse(read(FILES[1]!));
    expect(agent.on.repository_dispatch.types).toEqual(["fix-tests"]);
    expect(agent.jobs.mentioned.steps.at(-1).with.trigger_phrase).toBe("@helper");
    expect(agent.jobs.mentioned.steps.at(-1).with.branch_prefix).toBe("bot/fix-");
  });

  test("--render-to writes the two workflows for the default config (what task lint:workflows lints)", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    const r = setup(["--render-to", join(repo.dir, "out")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo.dir, "out/self-healing-tdd-loop.yml"), "utf8")).toBe(
      readFileSync(join(TOOLKIT_ROOT, ".github/workflows/self-healing-tdd-loop.yml"), "utf8"),
    );
    expect(readFileSync(join(repo.dir, "out/claude-agent.yml"), "utf8")).not.toContain("__HEAL_");
  });

  test("--dry-run writes nothing", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    const r = setup([repo.dir, "--action", ACTION, "--dry-run"]);
    expect(r.stdout.split("\n")[0]).toBe("(dry run) [write] .github/workflows/self-healing-tdd-loop.yml");
    for (const f of [...FILES, ".agent/heal/installed.json"]) expect(existsSync(join(repo.dir, f))).toBe(false);
  });

  test("a path that is not a folder, or a bad action ref, is exit 2 with one line", () => {
    const r = setup(["/nonexistent/repo", "--action", ACTION]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/nonexistent/repo is not a folder");
    const bad = setup(["/tmp", "--action", "not a ref"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--action "not a ref" is not owner/repo@ref');
  });

  test("`task setup -- <path>` works from another folder with a relative path", () => {
    repo = createSampleRepo({ "README.md": "# widgets\n" }, { nodeModules: false });
    const r = spawnSync("task", ["-x", "-t", join(TOOLKIT_ROOT, "Taskfile.yml"), "setup", "--", ".", "--action", ACTION], {
      cwd: repo.dir,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("[write] .agent/heal/config.yaml");
    expect(existsSync(join(repo.dir, ".agent/heal/installed.json"))).toBe(true);
  });

  test(".gitignore gets the reports folder once; a line that already ignores it (or .agent/) is left alone", () => {
    repo = createSampleRepo({ ".gitignore": "node_modules" }, { nodeModules: false, git: false });
    const first = setup([repo.dir, "--action", ACTION]);
    expect(first.code).toBe(0);
    expect(read(".gitignore")).toBe("node_modules\n.agent/reports/\n");
    expect(first.stderr).toContain(".gitignore: added the reports folder");
    const again = setup([repo.dir, "--action", ACTION]);
    expect(read(".gitignore")).toBe("node_modules\n.agent/reports/\n");
    expect(again.stderr).toContain(".gitignore: already ignores the reports folder");
    writeFileSync(join(repo.dir, ".gitignore"), "/.agent/\n");
    setup([repo.dir, "--action", ACTION]);
    expect(read(".gitignore")).toBe("/.agent/\n");
  });
});

describe("setup-repo --reusable", () => {
  test("writes a caller of the toolkit's reusable workflow (about ten lines) carrying the config's values; actionlint checks it against the reusable workflow", () => {
    repo = createSampleRepo(
      { "README.md": "# widgets\n", ".agent/heal/config.yaml": "branches: [main, release]\n" },
      { nodeModules: false },
    );
    const r = setup([repo.dir, "--action", ACTION, "--reusable"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      FILES.filter((f) => !f.endsWith("config.yaml"))
        .map((f) => `[write] ${f}\n`)
        .join("") + "[skip] .agent/heal/config.yaml (changed by you: kept; compare with the toolkit's version and merge by hand)\n",
    );
    const caller = read(".github/workflows/self-healing-tdd-loop.yml");
    const lines = caller.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(lines.length).toBeLessThanOrEqual(14);
    const doc = parse(caller);
    expect(doc.on.push.branches).toEqual(["main", "release", "claude/issue-**"]);
    expect(doc.jobs.loop.uses).toBe(
      "acme/self-healing-tdd-loop/.github/workflows/heal-reusable.yml@0123456789abcdef0123456789abcdef01234567",
    );
    expect(doc.jobs.loop.with).toEqual({
      "toolkit-repository": "acme/self-healing-tdd-loop",
      "toolkit-ref": "0123456789abcdef0123456789abcdef01234567",
      branches: '["main","release"]',
      "branch-prefix": "claude/issue-",
      "heal-on-schedule": false,
      perf: false,
      "timeout-minutes": 45,
      "agent-app-id": "${{ vars.HEAL_AGENT_APP_ID }}",
      "agent-login": "${{ vars.HEAL_AGENT_LOGIN }}",
    });
    expect(Object.keys(doc.jobs.loop.secrets)).toEqual(["agent-token", "agent-app-private-key"]);

    // The same caller naming the reusable workflow by path, in a project holding it: actionlint then checks
    // every input and secret the caller passes against the workflow_call declaration.
    const local = createSampleRepo(
      { ".github/workflows/heal-reusable.yml": readFileSync(join(TOOLKIT_ROOT, ".github/workflows/heal-reusable.yml"), "utf8") },
      { nodeModules: false },
    );
    try {
      const rendered = setup(["--reusable", "--render-to", join(local.dir, ".github/workflows"), "--action", "./"]);
      expect(rendered.code).toBe(0);
      expect(parse(readFileSync(join(local.dir, ".github/workflows/self-healing-tdd-loop.yml"), "utf8")).jobs.loop.uses).toBe(
        "./.github/workflows/heal-reusable.yml",
      );
      const bin = Bun.which("actionlint");
      expect(bin, "actionlint is not on PATH: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12").toBeTruthy();
      const lint = spawnSync(bin!, ["-no-color", "-shellcheck", Bun.which("shellcheck") ?? "shellcheck"], {
        cwd: local.dir,
        encoding: "utf8",
      });
      expect(lint.stdout + lint.stderr).toBe("");
      expect(lint.status).toBe(0);
      // A caller passing an input the reusable workflow does not declare is an error there.
      const path = join(local.dir, ".github/workflows/self-healing-tdd-loop.yml");
      writeFileSync(path, readFileSync(path, "utf8").replace("branch-prefix:", "branch-prefixes:"));
      const bad = spawnSync(bin!, ["-no-color"], { cwd: local.dir, encoding: "utf8" });
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('input "branch-prefixes" is not defined');
    } finally {
      local.cleanup();
    }
  });

  test("task doctor reads a caller's settings from its inputs: no drift for the config it was written with, a changed one is named", () => {
    const config = parseConfig("branches: [main]\n");
    const caller = renderCaller(config, ACTION).content;
    expect(workflowDrift(LOOP_WORKFLOW, caller, config, ACTION)).toEqual([]);
    const changed = parseConfig("branches: [main]\nagent:\n  branch_prefix: bot/fix-\nrunner:\n  timeout_minutes: 10\n");
    expect(workflowDrift(LOOP_WORKFLOW, caller, changed, ACTION)).toEqual([
      "branches (push): installed [main, claude/issue-**], config wants [main, bot/fix-**]",
      "agent.branch_prefix: installed [claude/issue-], config wants [bot/fix-]",
      "timeout-minutes (heal): installed [45], config wants [25]",
      "timeout-minutes (verify): installed [45], config wants [25]",
      "timeout-minutes (coverage): installed [45], config wants [25]",
    ]);
  });

  test("the reusable workflow: permissions {} on top, each job its own, actions pinned by full SHA, no expression inside run:", () => {
    const doc = parse(readFileSync(join(TOOLKIT_ROOT, ".github/workflows/heal-reusable.yml"), "utf8"));
    expect(Object.keys(doc.on)).toEqual(["workflow_call"]);
    expect(Object.keys(doc.on.workflow_call.secrets)).toEqual(["agent-token", "agent-app-private-key"]);
    expect(doc.permissions).toEqual({});
    expect(Object.keys(doc.jobs)).toEqual(["heal", "verify", "coverage", "test-quality", "perf", "audit"]);
    for (const job of Object.values(doc.jobs) as any[]) {
      expect(job.permissions.issues).toBe("write");
      for (const step of job.steps) {
        if (step.uses) expect(step.uses).toMatch(/^(\.\/\.heal-toolkit|[\w-]+\/[\w-]+@[0-9a-f]{40})$/);
        if (step.run) expect(step.run).not.toContain("${{");
      }
    }
  });
});
