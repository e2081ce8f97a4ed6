// `task doctor` against the GitHub double, on a repository set up with `task setup` and pushed to a bare
// origin: a working set-up is all ✓ and exit 0; each broken piece is one ✗ line with its fix and exit 1;
// no token is exit 2. The request log shows doctor only reads.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble, type Identity } from "../support/github-double.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";

const ACTION = "acme/self-healing-tdd-loop@0123456789abcdef0123456789abcdef01234567";
const PAT = "ghp_maintainermaintainermaintainermainta01";
const AGENT = "ghp_agentagentagentagentagentagentagent01";
const READER = "ghp_readerreaderreaderreaderreaderreader01";
const WRITE = { issues: "write", contents: "write", pull_requests: "write", metadata: "read" } as const;
const TOKENS: Record<string, Identity> = {
  [DEFAULT_TOKEN]: { login: "github-actions[bot]", type: "Bot", permissions: { ...WRITE } },
  [PAT]: { login: "maintainer", type: "User", permissions: { ...WRITE } },
  [AGENT]: { login: "heal-agent", type: "User", permissions: { ...WRITE } },
  [READER]: { login: "reader", type: "User", permissions: { issues: "read", contents: "read", pull_requests: "read", metadata: "read" } },
};

let gh: GitHubDouble;
let remote: BareRemote;

beforeEach(async () => {
  gh = await startGitHubDouble({ tokens: TOKENS, collaborators: { maintainer: "write", reader: "read" } });
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
      "✓ hand-off: repository_dispatch heal-agent starts .github/workflows/claude-agent.yml (no HEAL_AGENT_TOKEN set)",
      "",
    ]);
    expect(r.stderr).toContain("the set-up works");
    expect(r.code).toBe(0);
    expect(log()).toEqual(["GET /user 403 github-actions[bot]", "GET  200 github-actions[bot]", "GET /labels 200 github-actions[bot]"]);
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
      "✗ hand-off: HEAL_AGENT_TOKEN is the default token: its comments start no workflow — fix: set HEAL_AGENT_TOKEN to a GitHub App installation token or a PAT of another account\n",
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
      "✗ hand-off: agent.handoff is token but HEAL_AGENT_TOKEN is not set, and issues filed with GITHUB_TOKEN wake nothing — fix: add the secret HEAL_AGENT_TOKEN (GitHub App installation token or PAT), or set agent.handoff: dispatch\n",
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
