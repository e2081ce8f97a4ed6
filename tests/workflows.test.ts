// The shipped workflows (rendered from templates/workflows/ with the config's values) and the composite
// action: actionlint with shellcheck finds nothing, and the security, trigger, token and pinning rules the
// product promises hold (permissions {}, no event data in `run:`, actions pinned by SHA to the Node 24
// releases of the shared notes, no pull_request_target, allowed_bots never '*').
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { defaultConfig, parseConfig } from "../lib/config.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { AGENT_WORKFLOW, LOOP_WORKFLOW, renderWorkflows, workflowDrift } from "../lib/workflow-render.ts";
import { condition } from "./support/actions-runner.ts";
import { healErrorOf } from "./support/heal-error.ts";

const ACTION = "action.yml";
const SHA = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";

// Node 24 releases, full SHAs: the table in the shared notes (github-platform-facts.md), plus actions/cache
// v5.0.5 read from its repository's tag.
const PINS: Record<string, string> = {
  "actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
  "actions/upload-artifact": "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
  "actions/create-github-app-token": "1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1",
  "oven-sh/setup-bun": "0c5077e51419868618aeaa5fe8019c62421857d6 # v2.2.0",
  "go-task/setup-task": "3be4020d41929789a01026e0e427a4321ce0ad44 # v2.0.0",
  "anthropics/claude-code-action": "24dcd50c0568f0fc9e9211213a4fd2d9eb15c4e0 # v1.0.200",
  "actions/cache": "27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5",
};

type Yaml = any;
const read = (rel: string) => readFileSync(join(TOOLKIT_ROOT, rel), "utf8");

// What `task setup` installs for the default config, written where actionlint can read it.
const rendered = mkdtempSync(join(tmpdir(), "heal-rendered-"));
afterAll(() => rmSync(rendered, { recursive: true, force: true }));
const installed: Record<string, string> = {};
for (const w of renderWorkflows(defaultConfig(), SHA)) {
  installed[w.path] = w.content;
  writeFileSync(join(rendered, w.path.split("/").at(-1)!), w.content);
}
const SHIPPED: [string, string][] = [
  [".github/workflows/self-healing-tdd-loop.yml (the toolkit's own)", read(LOOP_WORKFLOW)],
  [`${LOOP_WORKFLOW} (installed)`, installed[LOOP_WORKFLOW]!],
  [`${AGENT_WORKFLOW} (installed)`, installed[AGENT_WORKFLOW]!],
];

/** Every step of every job (workflows) or of the composite action. */
function steps(doc: Yaml): Yaml[] {
  if (doc.runs?.steps) return doc.runs.steps;
  return Object.values(doc.jobs as Record<string, Yaml>).flatMap((j) => j.steps ?? []);
}

function actionlint(args: string[], input?: string) {
  const bin = Bun.which("actionlint");
  // Not a skip: CI installs it (.ci/run), so a missing binary is a broken set-up.
  expect(bin, "actionlint is not on PATH: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12").toBeTruthy();
  return spawnSync(bin!, ["-no-color", "-shellcheck", Bun.which("shellcheck") ?? "shellcheck", ...args], {
    cwd: TOOLKIT_ROOT,
    encoding: "utf8",
    input,
  });
}

describe("actionlint with shellcheck", () => {
  test("shellcheck is installed (Debian's package; .ci/run installs it)", () => {
    expect(Bun.which("shellcheck"), "apt-get install shellcheck").toBeTruthy();
  });

  test("reports nothing on the toolkit's workflow and on both workflows as setup renders them", () => {
    const r = actionlint([
      join(TOOLKIT_ROOT, LOOP_WORKFLOW),
      join(rendered, "self-healing-tdd-loop.yml"),
      join(rendered, "claude-agent.yml"),
    ]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("reports nothing for a non-default config either (other branches, prefix, mention, schedule, timeout, perf)", () => {
    const config = parseConfig(
      "branches: [main, release/2.x]\nperf:\n  results: [bench/go.txt]\nagent:\n  mention: '@helper'\n  branch_prefix: bot/fix-\n  dispatch_event_type: fix-tests\nrunner:\n  timeout_minutes: 50\nworkflows:\n  heal_on_schedule: true\n  cron: '5 4 * * 1'\n",
    );
    const dir = mkdtempSync(join(tmpdir(), "heal-rendered-other-"));
    try {
      for (const w of renderWorkflows(config, SHA)) writeFileSync(join(dir, w.path.split("/").at(-1)!), w.content);
      const r = actionlint([join(dir, "self-healing-tdd-loop.yml"), join(dir, "claude-agent.yml")]);
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("is not a rubber stamp: it flags event data inside run:, and shellcheck's findings", () => {
    const bad = `on: pull_request
permissions: {}
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: cp $FROM /tmp
`;
    const r = actionlint(["-"], bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("potentially untrusted");
    expect(r.stdout).toContain("SC2086");
  });

  test("every run: step of the composite action passes shellcheck (actionlint does not read actions)", () => {
    for (const step of steps(parse(read(ACTION)))) {
      if (!step.run) continue;
      const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: step.run, encoding: "utf8" });
      expect(r.stdout, step.name).toBe("");
      expect(r.status).toBe(0);
    }
  });
});

describe.each(SHIPPED)("%s", (_name, text) => {
  const doc = parse(text);
  const jobs = Object.entries(doc.jobs as Record<string, Yaml>);

  test("grants nothing at the top and the least per job, with a timeout", () => {
    expect(doc.permissions).toEqual({});
    for (const [name, job] of jobs) {
      expect(job.permissions, `${name}.permissions`).toBeObject();
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect(["contents", "issues", "pull-requests", "id-token"], `${name}: ${scope}`).toContain(scope);
        expect(["read", "write"]).toContain(level);
      }
      expect(job["timeout-minutes"], `${name}.timeout-minutes`).toBeGreaterThan(0);
      expect(job["timeout-minutes"]).toBeLessThanOrEqual(60);
    }
  });

  test("never uses pull_request_target, puts no expression inside run:, and leaves no placeholder", () => {
    expect(Object.keys(doc.on)).not.toContain("pull_request_target");
    expect(text).not.toContain("pull_request_target:");
    expect(text).not.toMatch(/__HEAL_[A-Z_]+__/);
    for (const step of steps(doc)) if (step.run) expect(step.run, step.name).not.toContain("${{");
  });

  test("pins every external action by full SHA to its Node 24 release, the version in a comment", () => {
    for (const line of text.split("\n")) {
      const m = /^\s*(?:-\s+)?uses:\s+([\w.-]+\/[\w.-]+)@(.*)$/.exec(line);
      if (!m || `${m[1]}@${m[2]}` === SHA) continue;
      expect(PINS[m[1]!], `${m[1]} is not in the pinned table`).toBeDefined();
      expect(m[2]).toBe(PINS[m[1]!]!);
    }
  });

  test("no URL of github.com: GitHub Enterprise Server takes its URLs from the runner", () => {
    for (const step of steps(doc)) expect(JSON.stringify(step)).not.toMatch(/https?:\/\/(api\.)?github\.com/);
  });
});

describe(LOOP_WORKFLOW, () => {
  const doc = parse(installed[LOOP_WORKFLOW]!);

  test("the toolkit's own workflow is the template rendered with the default config and the local action", () => {
    expect(read(LOOP_WORKFLOW)).toBe(renderWorkflows(defaultConfig(), "./").find((w) => w.path === LOOP_WORKFLOW)!.content);
  });

  test("heals pushes and pull requests to the config's branches; the schedule runs coverage, and heal only when asked", () => {
    expect(doc.on.push.branches).toEqual(["dev", "prod", "claude/issue-**"]);
    expect(doc.on.pull_request.branches).toEqual(["dev", "prod"]);
    expect(doc.on.schedule).toEqual([{ cron: "17 */6 * * *" }]);
    expect("workflow_dispatch" in doc.on).toBe(true);
    expect(doc.jobs.heal.if).toBe(
      "(false || github.event_name != 'schedule') && github.event.action != 'closed' && !startsWith(github.head_ref || github.ref_name, 'claude/issue-')",
    );
    expect(doc.jobs.coverage.if).toBe("github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'");
  });

  test("which jobs each event runs, with the conditions read as GitHub reads them", () => {
    const jobsFor = (github: Record<string, unknown>, d: Yaml = doc) =>
      Object.keys(d.jobs).filter((j) => condition(d.jobs[j].if, { github: { head_ref: "", ...github } }, { failed: false }));
    const own = { pull_request: { head: { repo: { full_name: "acme/widgets" } } } };
    const fork = { pull_request: { head: { repo: { full_name: "mallory/widgets" } } } };
    expect(jobsFor({ event_name: "push", ref_name: "dev", repository: "acme/widgets" })).toEqual(["heal"]);
    expect(jobsFor({ event_name: "push", ref_name: "claude/issue-4-fix", repository: "acme/widgets" })).toEqual(["verify"]);
    expect(
      jobsFor({ event_name: "pull_request", ref_name: "9/merge", head_ref: "feature", repository: "acme/widgets", event: own }),
    ).toEqual(["heal", "verify"]);
    // The agent's pull request is verified, never healed; a fork's is healed (summary only) and never verified.
    expect(
      jobsFor({ event_name: "pull_request", ref_name: "9/merge", head_ref: "claude/issue-4-fix", repository: "acme/widgets", event: own }),
    ).toEqual(["verify"]);
    expect(
      jobsFor({ event_name: "pull_request", ref_name: "9/merge", head_ref: "feature", repository: "acme/widgets", event: fork }),
    ).toEqual(["heal"]);
    expect(jobsFor({ event_name: "schedule", ref_name: "dev", repository: "acme/widgets" })).toEqual(["coverage", "audit"]);
    expect(jobsFor({ event_name: "workflow_dispatch", ref_name: "dev", repository: "acme/widgets" })).toEqual([
      "heal",
      "coverage",
      "audit",
    ]);
    const optIn = parse(renderWorkflows(parseConfig("workflows:\n  heal_on_schedule: true\n"), SHA)[0]!.content);
    expect(jobsFor({ event_name: "schedule", ref_name: "dev", repository: "acme/widgets" }, optIn)).toEqual(["heal", "coverage", "audit"]);
  });

  test("audit: the schedule, a manual run, and a push to the default branch whose commits touch a lockfile", () => {
    const jobsFor = (github: Record<string, unknown>) =>
      Object.keys(doc.jobs).filter((j) => condition(doc.jobs[j].if, { github: { head_ref: "", ...github } }, { failed: false }));
    // A push event's commits as GitHub sends them: each with its added, modified and removed files.
    const push = (ref: string, files: string[]) => ({
      event_name: "push",
      ref_name: ref,
      repository: "acme/widgets",
      event: {
        repository: { default_branch: "dev" },
        commits: [
          { id: "a1", message: "chore: bump", added: [], modified: ["README.md"], removed: [] },
          { id: "b2", message: "deps", added: [], modified: files, removed: [] },
        ],
      },
    });
    expect(jobsFor(push("dev", ["package-lock.json"]))).toEqual(["heal", "audit"]);
    expect(jobsFor(push("dev", ["services/api/go.sum"]))).toEqual(["heal", "audit"]);
    expect(jobsFor(push("dev", ["src/app.ts"]))).toEqual(["heal"]);
    // Another branch's lockfile waits for the default branch (and the schedule).
    expect(jobsFor(push("prod", ["yarn.lock"]))).toEqual(["heal"]);
  });

  test("perf: only when the config names benchmark results; the branches' pushes and pull requests, never the agent's", () => {
    expect(doc.jobs.perf.if).toStartWith("false && ");
    const config = parseConfig("perf:\n  results: [bench/go.txt]\n  command: [sh, -c, 'go test -bench . > bench/go.txt']\n");
    const withPerf = parse(renderWorkflows(config, SHA).find((w) => w.path === LOOP_WORKFLOW)!.content);
    const jobsFor = (github: Record<string, unknown>) =>
      Object.keys(withPerf.jobs).filter((j) => condition(withPerf.jobs[j].if, { github: { head_ref: "", ...github } }, { failed: false }));
    const own = { pull_request: { head: { repo: { full_name: "acme/widgets" } } } };
    expect(jobsFor({ event_name: "push", ref_name: "dev", repository: "acme/widgets" })).toEqual(["heal", "perf"]);
    expect(
      jobsFor({ event_name: "pull_request", ref_name: "9/merge", head_ref: "feature", repository: "acme/widgets", event: own }),
    ).toEqual(["heal", "verify", "perf"]);
    expect(jobsFor({ event_name: "push", ref_name: "claude/issue-4-fix", repository: "acme/widgets" })).toEqual(["verify"]);
    expect(
      jobsFor({
        event_name: "pull_request",
        ref_name: "9/merge",
        head_ref: "feature",
        repository: "acme/widgets",
        event: { ...own, action: "closed" },
      }),
    ).toEqual(["verify"]);
    expect(jobsFor({ event_name: "schedule", ref_name: "dev", repository: "acme/widgets" })).toEqual(["coverage", "audit"]);
    expect(workflowDrift(LOOP_WORKFLOW, installed[LOOP_WORKFLOW]!, config, SHA)).toEqual([
      "perf.results (runs perf): installed [false], config wants [true]",
    ]);
  });

  test("job timeouts are runner.timeout_minutes plus 15 minutes for installs and the issue", () => {
    for (const job of ["heal", "verify", "coverage", "perf", "audit"]) expect(doc.jobs[job]["timeout-minutes"]).toBe(45);
  });

  test("one run per branch or pull request, and one verification at a time per head branch", () => {
    expect(doc.concurrency.group).toBe("self-healing-tdd-${{ github.event.pull_request.number || github.ref }}");
    // The agent's push (ref claude/issue-1-x) and its pull request (head_ref claude/issue-1-x) share it.
    expect(doc.jobs.verify.concurrency).toEqual({
      group: "self-healing-tdd-verify-${{ github.head_ref || github.ref_name }}",
      "cancel-in-progress": false,
    });
  });

  test("each job mints the agent's App token when HEAL_AGENT_APP_ID is set, else passes the PAT secret", () => {
    expect(Object.keys(doc.jobs)).toEqual(["heal", "verify", "coverage", "perf", "audit"]);
    for (const [name, job] of Object.entries(doc.jobs as Record<string, Yaml>)) {
      const mint = job.steps.find((s: Yaml) => String(s.uses).startsWith("actions/create-github-app-token@"));
      expect(mint.id).toBe("agent-app");
      expect(mint.if).toBe("vars.HEAL_AGENT_APP_ID != ''");
      expect(mint.with).toEqual({
        "app-id": "${{ vars.HEAL_AGENT_APP_ID }}",
        "private-key": "${{ secrets.HEAL_AGENT_APP_PRIVATE_KEY }}",
        "permission-issues": "write",
      });
      const run = job.steps.find((s: Yaml) => s.uses === SHA);
      expect(job.steps.indexOf(mint)).toBeLessThan(job.steps.indexOf(run));
      expect(run.with.task).toBe(name);
      expect(run.with.token).toBe("${{ github.token }}");
      expect(run.with["agent-token"]).toBe("${{ steps.agent-app.outputs.token || secrets.HEAL_AGENT_TOKEN }}");
      expect(run.with["agent-login"]).toBe(
        "${{ steps.agent-app.outputs.app-slug && format('{0}[bot]', steps.agent-app.outputs.app-slug) || vars.HEAL_AGENT_LOGIN }}",
      );
      const upload = job.steps.find((s: Yaml) => String(s.uses).startsWith("actions/upload-artifact@"));
      expect(upload.if).toBe("always()");
      expect(upload.with.path).toBe(".agent/reports/");
    }
  });

  test("verifies only agent branches and this repository's pull requests", () => {
    expect(doc.jobs.verify.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(doc.jobs.verify.if).toContain("startsWith(github.ref_name, 'claude/issue-')");
    expect(doc.jobs.coverage.steps[0].with["persist-credentials"]).toBe(false);
  });

  test("asks for write access only where a step writes", () => {
    expect(doc.jobs.heal.permissions).toEqual({ contents: "write", issues: "write" });
    expect(doc.jobs.verify.permissions).toEqual({ contents: "write", issues: "write", "pull-requests": "write" });
    expect(doc.jobs.coverage.permissions).toEqual({ contents: "write", issues: "write" });
    expect(doc.jobs.perf.permissions).toEqual({ contents: "write", issues: "write" });
    expect(doc.jobs.audit.permissions).toEqual({ contents: "write", issues: "write" });
    expect(installed[LOOP_WORKFLOW]).not.toContain("secrets.GITHUB_TOKEN");
  });

  test("the config's values are what setup renders, and drift names each setting", () => {
    const config = parseConfig(
      "branches: [main, dev]\nagent:\n  branch_prefix: bot/fix-\nrunner:\n  timeout_minutes: 12.5\nworkflows:\n  heal_on_schedule: true\n  cron: '5 4 * * 1'\n",
    );
    const loop = renderWorkflows(config, SHA).find((w) => w.path === LOOP_WORKFLOW)!.content;
    const d = parse(loop);
    expect(d.on.push.branches).toEqual(["main", "dev", "bot/fix-**"]);
    expect(d.on.pull_request.branches).toEqual(["main", "dev"]);
    expect(d.on.schedule).toEqual([{ cron: "5 4 * * 1" }]);
    expect(d.jobs.heal.if).toBe(
      "(true || github.event_name != 'schedule') && github.event.action != 'closed' && !startsWith(github.head_ref || github.ref_name, 'bot/fix-')",
    );
    expect(d.jobs.verify["timeout-minutes"]).toBe(28);
    expect(workflowDrift(LOOP_WORKFLOW, loop, config, SHA)).toEqual([]);
    expect(workflowDrift(LOOP_WORKFLOW, installed[LOOP_WORKFLOW]!, config, SHA)).toEqual([
      "branches (pull_request): installed [dev, prod], config wants [main, dev]",
      "branches (push): installed [dev, prod, claude/issue-**], config wants [main, dev, bot/fix-**]",
      "workflows.cron: installed [17 */6 * * *], config wants [5 4 * * 1]",
      "workflows.heal_on_schedule: installed [false], config wants [true]",
      "agent.branch_prefix: installed [claude/issue-], config wants [bot/fix-]",
      "timeout-minutes (heal): installed [45], config wants [28]",
      "timeout-minutes (verify): installed [45], config wants [28]",
      "timeout-minutes (coverage): installed [45], config wants [28]",
    ]);
  });

  test("a value YAML or an expression cannot carry is CONFIG_INVALID, naming the field", () => {
    const err = healErrorOf(() => renderWorkflows(parseConfig("branches: [\"dev', 'x\"]\n"), SHA));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain(`field "branches" is "dev', 'x"`);
    expect(healErrorOf(() => renderWorkflows(parseConfig("agent:\n  branch_prefix: \"x' || 'y\"\n"), SHA)).message).toContain(
      `field "agent.branch_prefix" is "x' || 'y": use letters`,
    );
  });
});

describe(ACTION, () => {
  const doc = parse(read(ACTION));
  const runs = steps(doc).map((s: Yaml) => String(s.run ?? ""));

  test("is a composite action with its five inputs", () => {
    expect(doc.runs.using).toBe("composite");
    expect(Object.keys(doc.inputs)).toEqual(["task", "token", "agent-token", "agent-login", "config"]);
    expect(doc.inputs.task.required).toBe(true);
    expect(doc.inputs.token.default).toBe("${{ github.token }}");
  });

  test("installs pinned bun and go-task, runtime dependencies only with the bun cache kept, and runs `task -x <task>`", () => {
    const uses = (prefix: string) => steps(doc).find((s: Yaml) => String(s.uses).startsWith(prefix));
    expect(uses("oven-sh/setup-bun@").with["bun-version"]).toBe("1.4.4");
    expect(uses("go-task/setup-task@").with.version).toBe("3.54.0");
    expect(runs.join("\n")).not.toContain("go install");
    expect(steps(doc).some((s: Yaml) => String(s.uses).startsWith("actions/setup-go@"))).toBe(false);
    expect(runs).toContain("bun install --production --frozen-lockfile");
    const cache = uses("actions/cache@");
    expect(cache.with).toEqual({ path: "${{ steps.bun-cache.outputs.dir }}", key: "${{ steps.bun-cache.outputs.key }}" });
    // The task runs with -x; on exit 1 only go-task's own two lines are filtered (tests/e2e/actions-run.test.ts).
    expect(runs.at(-1)).toStartWith('status=0\ntask -x -t "$GITHUB_ACTION_PATH/Taskfile.yml" "$HEAL_TASK" \\\n');
    expect(runs.at(-1)).toEndWith('wait\nexit "$status"\n');
    expect(steps(doc).at(-1).env).toEqual({
      HEAL_TASK: "${{ inputs.task }}",
      GITHUB_TOKEN: "${{ inputs.token }}",
      HEAL_AGENT_TOKEN: "${{ inputs.agent-token }}",
      HEAL_AGENT_LOGIN: "${{ inputs.agent-login }}",
    });
    for (const r of runs) expect(r).not.toContain("${{");
  });

  test("every package the toolkit's scripts import at run time is a dependency, not a dev dependency", () => {
    const pkg = JSON.parse(read("package.json"));
    const imported = new Set<string>();
    const files = spawnSync("git", ["ls-files", "lib", "scripts"], { cwd: TOOLKIT_ROOT, encoding: "utf8" }).stdout.split("\n");
    for (const f of files.filter((x) => x.endsWith(".ts"))) {
      for (const m of read(f).matchAll(/^import[^"']*["']([^"'.][^"']*)["']/gm)) {
        const spec = m[1]!;
        if (spec.startsWith("node:") || spec.startsWith("bun")) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });

  test("puts a config from another path in place for the run, and never over an existing one", () => {
    const check = steps(doc)[0];
    const dir = mkdtempSync(join(tmpdir(), "heal-action-"));
    try {
      writeFileSync(join(dir, "heal.yaml"), "branches: [main]\n");
      const run = () =>
        spawnSync("bash", ["-c", check.run], {
          cwd: dir,
          env: { ...process.env, HEAL_TASK: "heal", HEAL_CONFIG: "heal.yaml" },
          encoding: "utf8",
        });
      expect(run().status).toBe(0);
      expect(readFileSync(join(dir, ".agent/heal/config.yaml"), "utf8")).toBe("branches: [main]\n");
      const again = run();
      expect(again.status).toBe(2);
      expect(again.stderr).toBe("input 'config' names another file but .agent/heal/config.yaml exists: keep one of them\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("rejects an unknown task before installing anything; accepts the loop workflow's perf and audit", () => {
    const check = steps(doc)[0];
    const run = (task: string) =>
      spawnSync("bash", ["-c", check.run], {
        env: { ...process.env, HEAL_TASK: task, HEAL_CONFIG: ".agent/heal/config.yaml" },
        encoding: "utf8",
      });
    const r = run("deploy");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("input 'task' must be heal, verify, coverage, test-quality, perf or audit\n");
    for (const task of ["perf", "audit"]) expect({ task, ...run(task) }).toMatchObject({ task, status: 0, stderr: "" });
  });
});

describe(AGENT_WORKFLOW, () => {
  const doc = parse(installed[AGENT_WORKFLOW]!);
  const claudeSteps = steps(doc).filter((s: Yaml) => String(s.uses).startsWith("anthropics/claude-code-action@"));
  const tools = (s: Yaml) => /--allowedTools "([^"]*)"/.exec(String(s.with.claude_args))![1]!.split(",");

  test("answers both hand-offs: the dispatch event type from the config and agent comments", () => {
    expect(doc.on.repository_dispatch.types).toEqual(["heal-agent"]);
    expect(doc.on.issue_comment.types).toEqual(["created"]);
    expect(doc.jobs.dispatched.if).toBe("github.event_name == 'repository_dispatch'");
    expect(doc.jobs.mentioned.if).toContain("contains(github.event.comment.body, '@claude')");
    expect(doc.jobs.mentioned.if).toContain("github.event.comment.user.login == vars.HEAL_AGENT_LOGIN");
  });

  test("allows exactly the actor that triggers each job, never '*'", () => {
    expect(claudeSteps).toHaveLength(4);
    for (const s of claudeSteps) {
      expect(s.with.allowed_bots).toBeString();
      expect(s.with.allowed_bots).not.toContain("*");
    }
    expect(doc.jobs.dispatched.steps.at(-1).with.allowed_bots).toBe("github-actions");
    expect(doc.jobs.mentioned.steps.at(-1).with.allowed_bots).toBe("${{ vars.HEAL_AGENT_LOGIN }}");
  });

  test("the agent gets the Claude App (OIDC, no github_token) and a model credential: API key or OAuth token", () => {
    for (const s of claudeSteps) {
      expect(s.with.github_token).toBeUndefined();
      expect(s.with.anthropic_api_key).toBe("${{ secrets.ANTHROPIC_API_KEY }}");
      expect(s.with.claude_code_oauth_token).toBe("${{ secrets.CLAUDE_CODE_OAUTH_TOKEN }}");
    }
    for (const job of ["dispatched", "mentioned"]) expect(doc.jobs[job].permissions["id-token"]).toBe("write");
  });

  test("the retry prompt's instruction can be carried out: every agent step may run `gh issue view`", () => {
    const fix = doc.jobs.dispatched.steps.at(-1);
    expect(fix.with.prompt).toContain(
      "read the verifier's last comment on the issue\n(`gh issue view ${{ github.event.client_payload.issue_number }} --comments`",
    );
    for (const s of claudeSteps) expect(tools(s)).toContain("Bash(gh issue view:*)");
    expect(doc.jobs.mentioned.steps.at(-1).with.claude_args).toContain("gh issue view <issue number> --comments");
  });

  test("points the agent at the task file, the SOPs and the branch the verifier watches", () => {
    const prompt = doc.jobs.dispatched.steps.at(-1).with.prompt as string;
    expect(prompt).toContain("${{ github.event.client_payload.task_path }}");
    expect(prompt).toContain(".agent/sops/SOP_TDD_WORKFLOW.md");
    expect(prompt).toContain("claude/issue-${{ github.event.client_payload.issue_number }}-fix");
    expect(prompt).toContain("${{ github.event.client_payload.base || github.event.client_payload.branch }}");
    const mention = doc.jobs.mentioned.steps.at(-1).with;
    expect(mention.trigger_phrase).toBe("@claude");
    expect(mention.branch_prefix).toBe("claude/issue-");
    expect(mention.branch_name_template).toBe("{{prefix}}{{entityNumber}}-{{timestamp}}");
    expect(mention.claude_args).toContain(".agent/sops/SOP_TDD_WORKFLOW.md");
    expect(mention.claude_args).toContain(".agent/tasks/");
  });

  test("a dispatch of kind coverage gets the write-tests prompt, any other the fix-the-code prompt", () => {
    const [coverage, healing] = doc.jobs.dispatched.steps.slice(-2);
    expect(coverage.if).toBe("github.event.client_payload.kind == 'coverage'");
    expect(healing.if).toBe("github.event.client_payload.kind != 'coverage' && github.event.client_payload.kind != 'test-quality'");
    const quality = doc.jobs.dispatched.steps.at(-3);
    expect(quality.if).toBe("github.event.client_payload.kind == 'test-quality'");
    expect(quality.with.prompt).toContain("Test-quality issue #${{ github.event.client_payload.issue_number }}");
    expect(quality.with.prompt).toContain("Change only the tests listed; don't change production code.");
    const tests = coverage.with.prompt as string;
    expect(tests).toContain("Coverage issue #${{ github.event.client_payload.issue_number }}");
    expect(tests).toContain("Write tests for the files listed; don't change production code");
    expect(tests).toContain("claude/issue-${{ github.event.client_payload.issue_number }}-tests");
    expect(tests).toContain("`Part of #${{ github.event.client_payload.issue_number }}`");
    expect(tests).not.toContain("Fixes #");
    const fix = healing.with.prompt as string;
    expect(fix).toContain("Healing issue #${{ github.event.client_payload.issue_number }}");
    expect(fix).toContain("`Fixes #${{ github.event.client_payload.issue_number }}`");
    const args = doc.jobs.mentioned.steps.at(-1).with.claude_args as string;
    expect(args).toContain("A coverage issue (titled Improve Test Coverage, listing Files Needing Tests)");
    expect(args).toContain("fix the code, not the tests");
  });

  test("renders the config's dispatch type, mention and branch prefix everywhere they appear", () => {
    const config = parseConfig("agent:\n  mention: '@helper'\n  branch_prefix: bot/fix-\n  dispatch_event_type: fix-tests\n");
    const text = renderWorkflows(config, SHA).find((w) => w.path === AGENT_WORKFLOW)!.content;
    const d = parse(text);
    expect(d.on.repository_dispatch.types).toEqual(["fix-tests"]);
    expect(d.jobs.mentioned.if).toContain("contains(github.event.comment.body, '@helper')");
    expect(d.jobs.mentioned.steps.at(-1).with.trigger_phrase).toBe("@helper");
    expect(d.jobs.mentioned.steps.at(-1).with.branch_prefix).toBe("bot/fix-");
    expect(d.jobs.dispatched.steps.at(-1).with.prompt).toContain("bot/fix-${{ github.event.client_payload.issue_number }}-fix");
    expect(text).not.toContain("claude/issue-");
    expect(text).not.toContain("@claude");
    expect(workflowDrift(AGENT_WORKFLOW, installed[AGENT_WORKFLOW]!, config, SHA)).toEqual([
      "agent.dispatch_event_type: installed [heal-agent], config wants [fix-tests]",
      "agent.mention: installed [@claude], config wants [@helper]",
      "agent.branch_prefix: installed [claude/issue-], config wants [bot/fix-]",
    ]);
  });
});
