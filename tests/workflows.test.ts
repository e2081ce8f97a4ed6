// The shipped workflows and the composite action: actionlint finds nothing, and the security and
// trigger rules the product promises hold (permissions {}, no event data in `run:`, pinned tools,
// no pull_request_target, allowed_bots never '*').
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../lib/paths.ts";

const LOOP = ".github/workflows/self-healing-tdd-loop.yml";
const AGENT = "templates/workflows/claude-agent.yml";
const ACTION = "action.yml";
const WORKFLOWS = [LOOP, AGENT];

type Yaml = any;
const load = (rel: string): Yaml => parse(readFileSync(join(TOOLKIT_ROOT, rel), "utf8"));

/** Every step of every job (workflows) or of the composite action. */
function steps(doc: Yaml): Yaml[] {
  if (doc.runs?.steps) return doc.runs.steps;
  return Object.values(doc.jobs as Record<string, Yaml>).flatMap((j) => j.steps ?? []);
}

describe("actionlint", () => {
  test("reports nothing on every shipped workflow", () => {
    const bin = Bun.which("actionlint");
    // Not a skip: CI installs it (.ci/run), so a missing binary is a broken set-up.
    expect(bin, "actionlint is not on PATH: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12").toBeTruthy();
    const r = spawnSync(bin!, ["-no-color", ...WORKFLOWS], { cwd: TOOLKIT_ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("is not a rubber stamp: it flags event data inside run:", () => {
    const bad = `on: pull_request
permissions: {}
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.pull_request.title }}"
`;
    const r = spawnSync(Bun.which("actionlint")!, ["-no-color", "-"], { input: bad, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("potentially untrusted");
  });
});

describe.each(WORKFLOWS)("%s", (rel) => {
  const doc = load(rel);
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

  test("never uses pull_request_target and puts no expression inside run:", () => {
    expect(Object.keys(doc.on)).not.toContain("pull_request_target");
    expect(readFileSync(join(TOOLKIT_ROOT, rel), "utf8")).not.toContain("pull_request_target:");
    for (const step of steps(doc)) if (step.run) expect(step.run, step.name).not.toContain("${{");
  });

  test("pins third-party actions", () => {
    for (const step of steps(doc)) {
      if (!step.uses || step.uses.startsWith("./")) continue;
      if (step.uses.startsWith("anthropics/claude-code-action@")) continue; // a template the adopter pins
      expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });
});

describe(LOOP, () => {
  const doc = load(LOOP);
  const text = readFileSync(join(TOOLKIT_ROOT, LOOP), "utf8");

  test("runs on pushes and pull requests to dev and prod, every 6 hours, and by hand", () => {
    expect(doc.on.push.branches).toEqual(["dev", "prod", "claude/issue-**"]);
    expect(doc.on.pull_request.branches).toEqual(["dev", "prod"]);
    expect(doc.on.schedule).toEqual([{ cron: "17 */6 * * *" }]);
    expect("workflow_dispatch" in doc.on).toBe(true);
  });

  test("has one concurrency group per branch or pull request", () => {
    expect(doc.concurrency.group).toBe("self-healing-tdd-${{ github.event.pull_request.number || github.ref }}");
  });

  test("each job runs its Taskfile target through the action and uploads the reports even on failure", () => {
    expect(Object.keys(doc.jobs)).toEqual(["heal", "verify", "coverage"]);
    for (const [name, job] of Object.entries(doc.jobs as Record<string, Yaml>)) {
      const run = job.steps.find((s: Yaml) => s.uses === "./");
      expect(run.with.task).toBe(name);
      expect(run.with.token).toBe("${{ github.token }}");
      expect(run.with["agent-token"]).toBe("${{ secrets.HEAL_AGENT_TOKEN }}");
      const upload = job.steps.find((s: Yaml) => String(s.uses).startsWith("actions/upload-artifact@"));
      expect(upload.if).toBe("always()");
      expect(upload.with.path).toBe(".agent/reports/");
    }
  });

  test("verifies only agent branches and this repository's pull requests; heals everything else", () => {
    expect(doc.jobs.heal.if).toBe("!startsWith(github.head_ref || github.ref_name, 'claude/issue-')");
    expect(doc.jobs.verify.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(doc.jobs.verify.if).toContain("startsWith(github.ref_name, 'claude/issue-')");
    expect(doc.jobs.coverage.if).toBe("github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'");
    expect(doc.jobs.coverage.steps[0].with["persist-credentials"]).toBe(false);
  });

  test("asks for write access only where a step writes", () => {
    expect(doc.jobs.heal.permissions).toEqual({ contents: "write", issues: "write" });
    expect(doc.jobs.verify.permissions).toEqual({ contents: "write", issues: "write", "pull-requests": "write" });
    expect(doc.jobs.coverage.permissions).toEqual({ contents: "write", issues: "write" });
    expect(text).not.toContain("secrets.GITHUB_TOKEN");
  });
});

describe(ACTION, () => {
  const doc = load(ACTION);
  const runs = steps(doc).map((s: Yaml) => String(s.run ?? ""));

  test("is a composite action with its five inputs", () => {
    expect(doc.runs.using).toBe("composite");
    expect(Object.keys(doc.inputs)).toEqual(["task", "token", "agent-token", "agent-login", "config"]);
    expect(doc.inputs.task.required).toBe(true);
    expect(doc.inputs.token.default).toBe("${{ github.token }}");
  });

  test("installs pinned bun and go-task and runs `task -x <task>` from the toolkit's Taskfile", () => {
    const bun = steps(doc).find((s: Yaml) => String(s.uses).startsWith("oven-sh/setup-bun@"));
    expect(bun.with["bun-version"]).toBe("1.4.4");
    expect(runs.join("\n")).toContain("go install github.com/go-task/task/v3/cmd/task@v3.54.0");
    expect(runs.join("\n")).toContain("bun install --frozen-lockfile");
    expect(runs.at(-1)).toBe('task -x -t "$GITHUB_ACTION_PATH/Taskfile.yml" "$HEAL_TASK"');
    const last = steps(doc).at(-1);
    expect(last.env).toEqual({
      HEAL_TASK: "${{ inputs.task }}",
      GITHUB_TOKEN: "${{ inputs.token }}",
      HEAL_AGENT_TOKEN: "${{ inputs.agent-token }}",
      HEAL_AGENT_LOGIN: "${{ inputs.agent-login }}",
    });
    for (const r of runs) expect(r).not.toContain("${{");
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

  test("rejects an unknown task before installing anything", () => {
    const check = steps(doc)[0];
    const r = spawnSync("bash", ["-c", check.run], {
      env: { ...process.env, HEAL_TASK: "deploy", HEAL_CONFIG: ".agent/heal/config.yaml" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("input 'task' must be heal, verify or coverage\n");
  });
});

describe(AGENT, () => {
  const doc = load(AGENT);
  const claudeSteps = steps(doc).filter((s: Yaml) => String(s.uses).startsWith("anthropics/claude-code-action@"));

  test("answers both hand-offs: the dispatch event type from the default config and agent comments", () => {
    expect(doc.on.repository_dispatch.types).toEqual(["heal-agent"]);
    expect(doc.on.issue_comment.types).toEqual(["created"]);
    expect(doc.jobs.dispatched.if).toBe("github.event_name == 'repository_dispatch'");
    expect(doc.jobs.mentioned.if).toContain("github.event.comment.user.login == vars.HEAL_AGENT_LOGIN");
  });

  test("allows exactly the actor that triggers each job, never '*'", () => {
    expect(claudeSteps).toHaveLength(3);
    for (const s of claudeSteps) {
      expect(s.with.allowed_bots).toBeString();
      expect(s.with.allowed_bots).not.toContain("*");
    }
    expect(doc.jobs.dispatched.steps.at(-1).with.allowed_bots).toBe("github-actions");
    expect(doc.jobs.mentioned.steps.at(-1).with.allowed_bots).toBe("${{ vars.HEAL_AGENT_LOGIN }}");
  });

  test("points the agent at the task file, the SOPs and the branch the verifier watches", () => {
    const prompt = doc.jobs.dispatched.steps.at(-1).with.prompt as string;
    expect(prompt).toContain("${{ github.event.client_payload.task_path }}");
    expect(prompt).toContain(".agent/sops/SOP_TDD_WORKFLOW.md");
    expect(prompt).toContain("claude/issue-${{ github.event.client_payload.issue_number }}-fix");
    // A retry carries the agent's branch and the base its pull request goes into.
    expect(prompt).toContain("${{ github.event.client_payload.base || github.event.client_payload.branch }}");
    const args = doc.jobs.mentioned.steps.at(-1).with.claude_args as string;
    expect(args).toContain(".agent/sops/SOP_TDD_WORKFLOW.md");
    expect(args).toContain(".agent/tasks/");
  });

  test("a dispatch of kind coverage gets the write-tests prompt, any other the fix-the-code prompt", () => {
    const [coverage, healing] = doc.jobs.dispatched.steps.slice(-2);
    expect(coverage.if).toBe("github.event.client_payload.kind == 'coverage'");
    expect(healing.if).toBe("github.event.client_payload.kind != 'coverage'");
    const tests = coverage.with.prompt as string;
    expect(tests).toContain("Coverage issue #${{ github.event.client_payload.issue_number }}");
    expect(tests).toContain("Write tests for the files listed; don't change production code");
    expect(tests).toContain(".agent/sops/SOP_WRITING_TESTS.md");
    expect(tests).toContain("claude/issue-${{ github.event.client_payload.issue_number }}-tests");
    expect(tests).toContain("`Part of #${{ github.event.client_payload.issue_number }}`");
    expect(tests).not.toContain("Fixes #");
    expect(tests).not.toContain("task_path");
    expect(coverage.with.claude_args).toContain("Bash(gh issue view:*)");
    const fix = healing.with.prompt as string;
    expect(fix).toContain("Healing issue #${{ github.event.client_payload.issue_number }}");
    expect(fix).toContain("`Fixes #${{ github.event.client_payload.issue_number }}`");
    // A comment hand-off carries no kind: the appended prompt tells the two kinds of issue apart.
    const args = doc.jobs.mentioned.steps.at(-1).with.claude_args as string;
    expect(args).toContain(
      "A coverage issue (titled Improve Test Coverage, listing Files Needing Tests): write tests for the files it lists, do not change production code",
    );
    expect(args).toContain("fix the code, not the tests");
  });

  test("never pushes with the default token (its pushes would start no verification)", () => {
    for (const s of claudeSteps) expect(s.with.github_token).toBeUndefined();
  });
});
