#!/usr/bin/env bun
// doctor: check that the self-healing loop can work in this repository, one line per check with the fix.
// Checks: token present and valid, repository reachable, issues/contents/pull-requests write (collaborator
// role for a personal token, the repository's permissions for an installation token), labels, default
// branch (repository_dispatch runs only its workflows), the installed workflows, and whether the hand-off
// can start the agent (an agent token that is not the default identity, or a dispatch type the agent
// workflow listens for with allowed_bots github-actions), drift of the installed workflows from the config,
// the agent identity configured (GitHub App minted per job, PAT, or none), the secrets and variables the
// workflows read (names listed where the token may; the model credential), the Claude GitHub App, and the
// protection and rules of each healed branch. A check this token cannot make is `?` with the reason.
// Reads:  GITHUB_TOKEN|GH_TOKEN, GITHUB_REPOSITORY (else the origin remote), GITHUB_API_URL, the agent token
//         (config agent.token_env), .agent/heal/config.yaml, .github/workflows/*.yml. Writes nothing.
// Exit:   0 everything works, 1 problems found (each printed with its fix), 2 could not run (no token,
//         no repository, GitHub unreachable).
// Token:  read access; the checks make only GET requests (listing secret and variable names needs Secrets /
//         Variables read, which GITHUB_TOKEN never has: those checks say so).
import pc from "picocolors";
import { parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { originRepository, runChecks, type Check } from "../lib/doctor.ts";
import { repoClient } from "../lib/github/client.ts";
import { clientFor, githubContext } from "../lib/github/context.ts";
import { targetRoot } from "../lib/paths.ts";

const FLAGS: FlagSpec = {};
const HELP = "task doctor\nChecks token, permissions, labels, default branch, workflows and the agent hand-off; prints each fix.";

type Env = Record<string, string | undefined>;

export function formatCheck(c: Check): string {
  if (c.state === "unchecked") return `${pc.yellow("?")} ${c.name}: ${c.detail}`;
  if (c.state === "warning") return `${pc.yellow("!")} ${c.name}: ${c.detail} — what to do: ${c.fix}`;
  return c.ok ? `${pc.green("✓")} ${c.name}: ${c.detail}` : `${pc.red("✗")} ${c.name}: ${c.detail} — fix: ${c.fix}`;
}

export async function main(argv: string[], env: Env = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const root = targetRoot();
  const config = await loadConfig(root);
  const print = (c: Check) => process.stdout.write(`${formatCheck(c)}\n`);

  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  if (!token) {
    print({
      name: "token",
      ok: false,
      detail: "no GITHUB_TOKEN or GH_TOKEN",
      fix: "`export GH_TOKEN=$(gh auth token)` locally; in Actions pass `token: ${{ github.token }}`",
    });
    return 2;
  }
  const repository = env.GITHUB_REPOSITORY?.trim() || originRepository(root);
  if (!repository) {
    print({
      name: "repository",
      ok: false,
      detail: "GITHUB_REPOSITORY is not set and origin is not a GitHub remote",
      fix: "`export GITHUB_REPOSITORY=<owner>/<name>`",
    });
    return 2;
  }
  const ctx = githubContext({ ...env, GITHUB_REPOSITORY: repository }, { agentTokenEnv: config.agent.tokenEnv })!;
  const gh = clientFor(ctx);
  const checks = await runChecks({ root, config, ctx, gh, r: repoClient(gh, ctx.repository) });
  for (const c of checks) print(c);
  const problems = checks.filter((c) => !c.ok).length;
  process.stderr.write(
    problems === 0 ? "the set-up works\n" : `${problems} problem(s): apply the fixes above, then run task doctor again\n`,
  );
  return problems === 0 ? 0 : 1;
}

runMain(import.meta, main);
