// `task doctor` against the GitHub double, on a repository set up with `task setup` and pushed to a bare
// origin: a working set-up is all ✓ and exit 0; each broken piece is one ✗ line with its fix and exit 1;
// no token is exit 2. The request log shows doctor only reads.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble, type Identity } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";

const ACTION = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";
const PAT = "ghp_maintainermaintainermaintainermainta01";
const AGENT = "ghp_agentagentagentagentagentagentagent01";
const READER = "ghp_readerreaderreaderreaderreaderreader01";
const ADMIN = "github_pat_adminadminadminadminadminadmin0001";
const WRITE = { issues: "write", contents: "write", pull_requests: "write", metadata: "read" } as const;
const TOKENS: Record<string, Identity> = {
  [DEFAULT_TOKEN]: { login: "github-actions[bot]", type: "Bot", permissions: { ...WRITE } },
  [PAT]: { login: "maintainer", type: "User", permissions: { ...WRITE } },
  [AGENT]: { login: "heal-agent", type: "User", permissions: { ...WRITE } },
  [READER]: { login: "reader", type: "User", permissions: { issues: "read", contents: "read", pull_requests: "read", metadata: "read" } },
  // A fine-grained PAT of an admin that may list secret and variable names.
  [ADMIN]: { login: "admin", type: "User", permissions: { ...WRITE, secrets: "read", actions_variables: "read" } },
};

let gh: GitHubDouble;
let remote: BareRemote;

async function startDouble(over: Partial<Parameters<typeof startGitHubDouble>[0]> = {}): Promise<void> {
  await gh?.close();
  gh = await startGitHubDouble({ tokens: TOKENS, collaborators: { maintainer: "write", reader: "read", admin: "admin" }, ...over });
}

beforeEach(async () => {
  gh = undefined as unknown as GitHubDouble;
  await startDouble();
  remote = createBareRemote({ "README.md": "# widgets\n" });
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  remote.cleanup();
});

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(args, {
    cwd: remote.cloneDir,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
const task = (name: string, env: Record<string, string>, extra: string[] = []) =>
  run(["task", "-x", "-t", join(TOOLKIT_ROOT, "Taskfile.yml"), name, ...(extra.length ? ["--", ...extra] : [])], env);
const ghEnv = (over: Record<string, string> = {}) => ({
  GITHUB_TOKEN: DEFAULT_TOKEN,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_API_URL: gh.url,
  HEAL_GITHUB_PACING: "0",
  HEAL_GITHUB_RETRY_BASE_MS: "20",
  ...over,
});
const log = () => gh.requests.map((r) => `${r.method} ${r.path.replace("/repos/acme/widgets", "")} ${r.status} ${r.login}`);

/** What a user does: task setup, commit, push to the default branch. */
async function setUpAndPush(): Promise<void> {
  const s = await task("setup", {}, [".", "--action", ACTION]);
  expect(s.code).toBe(0);
  remote.git("add", "-A");
  remote.git("commit", "-qm", "ci: self-healing TDD loop");
  remote.git("push", "-q", "origin", "dev");
}

const NO_SECRETS =
  "403 listing secrets: this token may not (it needs Secrets: read, or the admin role for a classic PAT; GITHUB_TOKEN never may)";
const NO_VARS =
  "403 listing variables: this token may not (it needs Variables: read, or the admin role for a classic PAT; GITHUB_TOKEN never may)";
const CLAUDE_APP =
  "? Claude GitHub App: not checked: only the App can see its installations (GET /repos/{owner}/{repo}/installation needs its own JWT). The agent step needs it installed on acme/widgets (https://github.com/apps/claude; it exists on github.com only)";
const LABELS_MISSING =
  "labels: 6 of 6 missing (auto-healing, bug, tdd, test-quality, needs-human, heal:paused): heal creates them with issues: write";

describe("task doctor", () => {
  test("task setup, then task doctor with the default token: a working set-up through repository_dispatch", async () => {
    await setUpAndPush();
    const r = await task("doctor", ghEnv());
    expect(r.stdout.split("\n")).toEqual([
      "✓ token: valid, an installation token (GitHub Actions or a GitHub App)",
      `✓ repository: acme/widgets reachable at ${gh.url}`,
      "✓ permission issues: write (from the repository's permissions for this token)",
      "✓ permission contents: write (from the repository's permissions for this token)",
      "✓ permission pull-requests: write (from the repository's permissions for this token)",
      `✓ ${LABELS_MISSING}`,
      "✓ default branch: dev (healed)",
      "✓ workflows: .github/workflows/self-healing-tdd-loop.yml and .github/workflows/claude-agent.yml installed",
      "✓ drift: the workflows carry the config's values (.agent/heal/config.yaml)",
      "✓ hand-off: repository_dispatch heal-agent starts .github/workflows/claude-agent.yml (no HEAL_AGENT_TOKEN set)",
      // GITHUB_TOKEN may not list secret or variable names: doctor says so instead of guessing.
      `? agent identity: could not tell App, PAT or none: ${NO_VARS}; HEAL_AGENT_TOKEN is not set here`,
      `? secrets: not checked: ${NO_SECRETS}. The agent needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (a model credential); the workflows read ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN, HEAL_AGENT_APP_PRIVATE_KEY, HEAL_AGENT_TOKEN`,
      `? variables: not checked: ${NO_VARS}. The workflows read HEAL_AGENT_APP_ID, HEAL_AGENT_LOGIN`,
      CLAUDE_APP,
      "✓ branch dev: takes the task-context push (no protection, no refusing rule)",
      "✓ branch prod: does not exist yet: healed once it does",
      "",
    ]);
    expect(r.stderr).toContain("the set-up works");
    expect(r.code).toBe(0);
    expect(log()).toEqual([
      "GET /user 403 github-actions[bot]",
      "GET  200 github-actions[bot]",
      "GET /labels 200 github-actions[bot]",
      "GET /actions/secrets 403 github-actions[bot]",
      "GET /actions/variables 403 github-actions[bot]",
      "GET /branches/dev 200 github-actions[bot]",
      "GET /rules/branches/dev 200 github-actions[bot]",
      "GET /branches/prod 404 github-actions[bot]",
    ]);
    expect(gh.writes()).toEqual([]);
  }, 60_000);

  test("a maintainer's token and an agent token: roles from the collaborator endpoint, the agent's login to allow", async () => {
    await setUpAndPush();
    for (const name of ["auto-healing", "bug", "tdd", "test-quality", "needs-human", "heal:paused"]) gh.seedLabel({ name });
    const r = await task("doctor", ghEnv({ GITHUB_TOKEN: PAT, HEAL_AGENT_TOKEN: AGENT }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("✓ token: valid, acts as maintainer (personal token)\n");
    expect(r.stdout).toContain("✓ permission issues: write (maintainer has the write role)\n");
    expect(r.stdout).toContain("✓ labels: all 6 exist (auto-healing, bug, tdd, test-quality, needs-human, heal:paused)\n");
    expect(r.stdout).toContain(
      "✓ hand-off: comments by heal-agent (HEAL_AGENT_TOKEN) start the agent workflow; it accepts them when the repository variable HEAL_AGENT_LOGIN is heal-agent (gh variable set HEAL_AGENT_LOGIN --body 'heal-agent')\n",
    );
    expect(log()).toEqual([
      "GET /user 200 maintainer",
      "GET  200 maintainer",
      "GET /collaborators/maintainer/permission 200 maintainer",
      "GET /labels 200 maintainer",
      "GET /user 200 heal-agent",
      "GET /actions/secrets 403 maintainer",
      "GET /actions/variables 403 maintainer",
      "GET /branches/dev 200 maintainer",
      "GET /rules/branches/dev 200 maintainer",
      "GET /branches/prod 404 maintainer",
    ]);
  }, 60_000);

  test("every broken piece is one ✗ line with its exact fix, and exit 1", async () => {
    // Not set up, nothing pushed; the config wants a dispatch type nobody listens for.
    const r0 = await task("doctor", ghEnv({ HEAL_AGENT_TOKEN: DEFAULT_TOKEN }));
    expect(r0.code).toBe(1);
    expect(r0.stdout).toContain(
      "✗ default branch: dev: origin/dev has no .github/workflows/claude-agent.yml, and repository_dispatch runs only workflows on the default branch — fix: merge .github/workflows/claude-agent.yml into dev\n",
    );
    expect(r0.stdout).toContain(
      "✗ workflows: missing .github/workflows/self-healing-tdd-loop.yml and .github/workflows/claude-agent.yml — fix: run `task setup -- .` in the repository, commit and push\n",
    );
    expect(r0.stdout).toContain(
      "✗ hand-off: HEAL_AGENT_TOKEN is the default token: its comments start no workflow — fix: pass HEAL_AGENT_TOKEN a GitHub App token minted in the job (actions/create-github-app-token) or a PAT of another account\n",
    );
    expect(r0.stderr).toContain("3 problem(s): apply the fixes above, then run task doctor again");

    await setUpAndPush();
    writeFileSync(join(remote.cloneDir, ".agent/heal/config.yaml"), "agent:\n  dispatch_event_type: fix-tests\n");
    const r1 = await task("doctor", ghEnv());
    expect(r1.code).toBe(1);
    expect(r1.stdout).toContain(
      "✗ hand-off: .github/workflows/claude-agent.yml does not listen for repository_dispatch type fix-tests (it listens for heal-agent) — fix: set `on.repository_dispatch.types: [fix-tests]` in .github/workflows/claude-agent.yml, or agent.dispatch_event_type: heal-agent in the config\n",
    );

    writeFileSync(join(remote.cloneDir, ".agent/heal/config.yaml"), "agent:\n  handoff: token\n");
    const r2 = await task("doctor", ghEnv());
    expect(r2.stdout).toContain(
      "✗ hand-off: agent.handoff is token but HEAL_AGENT_TOKEN is not set, and issues filed with GITHUB_TOKEN wake nothing — fix: give the agent an identity: a GitHub App whose token the workflow mints per job (variable HEAL_AGENT_APP_ID, secret HEAL_AGENT_APP_PRIVATE_KEY), or a PAT as the secret HEAL_AGENT_TOKEN; or set agent.handoff: dispatch\n",
    );

    writeFileSync(join(remote.cloneDir, ".agent/heal/config.yaml"), "agent:\n  handoff: auto\n");
    const r3 = await task("doctor", ghEnv({ GITHUB_TOKEN: READER }));
    expect(r3.code).toBe(1);
    expect(r3.stdout).toContain(
      "✗ permission issues: missing (reader has the read role): the healing issue, its comments and labels cannot be written — fix: grant `issues: write` in the workflow's job `permissions:` (a personal token needs the write role on acme/widgets)\n",
    );
    expect(r3.stdout).toContain("✗ permission contents: missing");
    expect(r3.stdout).toContain(
      '✗ labels: 6 of 6 missing (auto-healing, bug, tdd, test-quality, needs-human, heal:paused) and the token cannot create them — fix: gh label create "auto-healing" && gh label create "bug"',
    );
    expect(r3.stdout).toContain(
      "✗ hand-off: repository_dispatch needs contents: write, which the token lacks — fix: grant `contents: write` to the heal and verify jobs\n",
    );
    expect(gh.writes()).toEqual([]);
  }, 60_000);

  test("a token that may list names: the App minted per job, the model credential, every secret and variable", async () => {
    await startDouble({
      secrets: ["ANTHROPIC_API_KEY", "HEAL_AGENT_APP_PRIVATE_KEY"],
      variables: { HEAL_AGENT_APP_ID: "123456", HEAL_AGENT_LOGIN: "heal-agent-app[bot]" },
    });
    await setUpAndPush();
    const r = await task("doctor", ghEnv({ GITHUB_TOKEN: ADMIN }));
    const lines = r.stdout.split("\n");
    expect(lines).toContain(
      "✓ agent identity: a GitHub App, its token minted in each job (HEAL_AGENT_APP_ID + HEAL_AGENT_APP_PRIVATE_KEY)",
    );
    expect(lines).toContain("✓ secrets: set: ANTHROPIC_API_KEY, HEAL_AGENT_APP_PRIVATE_KEY; model credential: ANTHROPIC_API_KEY");
    expect(lines).toContain(
      "✓ variables: set: HEAL_AGENT_APP_ID, HEAL_AGENT_LOGIN (of HEAL_AGENT_APP_ID, HEAL_AGENT_LOGIN the workflows read)",
    );
    expect(lines).toContain(CLAUDE_APP);
    expect(r.code).toBe(0);
    expect(log()).toContain("GET /actions/secrets 200 admin");
    expect(log()).toContain("GET /actions/variables 200 admin");
    expect(gh.writes()).toEqual([]);
  }, 60_000);

  test("a PAT without HEAL_AGENT_LOGIN, no model credential, a half-configured App: each a ✗ with its fix", async () => {
    await startDouble({ secrets: ["HEAL_AGENT_TOKEN"], variables: {} });
    await setUpAndPush();
    const r = await task("doctor", ghEnv({ GITHUB_TOKEN: ADMIN }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "✗ agent identity: a static token (secret HEAL_AGENT_TOKEN, a PAT): it works until it expires; a GitHub App token minted per job does not need rotating; variable HEAL_AGENT_LOGIN is missing: the agent workflow ignores its comments — fix: gh variable set HEAL_AGENT_LOGIN --body '<the PAT's login>'\n",
    );
    expect(r.stdout).toContain(
      "✗ secrets: no model credential: neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is a secret, and the agent needs one besides the Claude GitHub App — fix: gh secret set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from `claude setup-token`)\n",
    );

    await startDouble({ secrets: ["CLAUDE_CODE_OAUTH_TOKEN"], variables: { HEAL_AGENT_APP_ID: "1" } });
    const half = await task("doctor", ghEnv({ GITHUB_TOKEN: ADMIN }));
    expect(half.stdout).toContain(
      "✗ agent identity: variable HEAL_AGENT_APP_ID is set but secret HEAL_AGENT_APP_PRIVATE_KEY is not: the token cannot be minted — fix: gh secret set HEAL_AGENT_APP_PRIVATE_KEY < your-app.private-key.pem\n",
    );
    expect(half.stdout).toContain("✓ secrets: set: CLAUDE_CODE_OAUTH_TOKEN; model credential: CLAUDE_CODE_OAUTH_TOKEN\n");
  }, 60_000);

  test("protected healed branches are a warning that names the rules; a config the workflows do not carry is drift", async () => {
    await startDouble({
      branches: { dev: { protected: true, rules: ["pull_request"] }, prod: { rules: ["required_signatures", "deletion"] } },
    });
    await setUpAndPush();
    const r = await task("doctor", ghEnv());
    expect(r.stdout).toContain(
      "! branch dev: classic branch protection; rules: pull_request: the task-context commit pushed with GITHUB_TOKEN is likely refused — what to do: let the GitHub Actions app bypass these rules for this branch, or rely on the task context travelling in the issue and the dispatch payload\n",
    );
    expect(r.stdout).toContain(
      "! branch prod: rules: required_signatures: the task-context commit pushed with GITHUB_TOKEN is likely refused",
    );
    expect(r.code).toBe(0);

    // Settings live once: a config changed without `task setup` is drift, named setting by setting.
    const config = join(remote.cloneDir, ".agent/heal/config.yaml");
    writeFileSync(
      config,
      readFileSync(config, "utf8")
        .replace("branches: [dev, prod]", "branches: [main, prod]")
        .replace("dispatch_event_type: heal-agent", "dispatch_event_type: fix-tests"),
    );
    const drifted = await task("doctor", ghEnv());
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(
      "✗ drift: the installed workflows differ from .agent/heal/config.yaml: self-healing-tdd-loop.yml branches (pull_request): installed [dev, prod], config wants [main, prod]; self-healing-tdd-loop.yml branches (push): installed [dev, prod, claude/issue-**], config wants [main, prod, claude/issue-**]; claude-agent.yml agent.dispatch_event_type: installed [heal-agent], config wants [fix-tests] — fix: run `task setup -- .` (it re-renders workflows you have not edited), commit and merge into the default branch\n",
    );
    expect(drifted.stdout).toContain(
      "! default branch: dev is not in branches (main, prod): its failing tests open no healing issue — what to do: add dev to branches in .agent/heal/config.yaml, then run `task setup -- .`\n",
    );
    const setup = await task("setup", {}, [".", "--action", ACTION]);
    expect(setup.stdout).toContain("[write] .github/workflows/self-healing-tdd-loop.yml (updated: you had not changed it)");
    const healed = await task("doctor", ghEnv());
    expect(healed.stdout).toContain("✓ drift: the workflows carry the config's values (.agent/heal/config.yaml)\n");
  }, 90_000);

  test("a refused token is ✗ and exit 1; no token at all is exit 2", async () => {
    const bad = await task("doctor", ghEnv({ GITHUB_TOKEN: "ghp_notatokennotatokennotatokennotatoken00" }));
    expect(bad.stdout).toBe(
      "✗ token: GitHub refused the token (401 Bad credentials) — fix: set GITHUB_TOKEN (or GH_TOKEN) to a valid token: `export GH_TOKEN=$(gh auth token)`\n",
    );
    expect(bad.code).toBe(1);
    const none = await run(["bun", join(TOOLKIT_ROOT, "scripts/doctor.ts")], { GITHUB_REPOSITORY: gh.repository, GITHUB_API_URL: gh.url });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe(
      "✗ token: no GITHUB_TOKEN or GH_TOKEN — fix: `export GH_TOKEN=$(gh auth token)` locally; in Actions pass `token: ${{ github.token }}`\n",
    );
    gh.violations.length = 0; // the refused token is the point of this test
  }, 60_000);
});
