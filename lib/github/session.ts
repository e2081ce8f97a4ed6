// What every GitHub step starts from: config, Actions context, the client, the tool's identity.
import { join, resolve } from "node:path";
import { loadConfig, type HealConfig } from "../config.ts";
import { currentBranch } from "../git.ts";
import { clientFor, githubContext, localModeReason, type GitHubContext } from "./context.ts";
import { isPersonalToken, repoClient, resolveBotLogin, type GitHubClient, type RepoClient } from "./client.ts";
import type { HandoffAuthors } from "./handoff.ts";

type Env = Record<string, string | undefined>;

export interface LocalSession {
  kind: "local";
  root: string;
  config: HealConfig;
  reportsDir: string;
  /** Why GitHub is not used (printed in the `[skip]` lines). */
  reason: string;
  branch: string | null;
}

export interface GitHubSession {
  kind: "github";
  root: string;
  config: HealConfig;
  reportsDir: string;
  ctx: GitHubContext;
  gh: GitHubClient;
  r: RepoClient;
  /** The branch the run is about (context, else the checkout). */
  branch: string | null;
  /** The tool's own login (resolved lazily: a PAT costs one GET /user). */
  botLogin(): Promise<string>;
  /** The agent token's client (config agent.token_env), null when the token is not set. */
  agentClient: RepoClient | null;
  /**
   * The agent identity's login: HEAL_AGENT_LOGIN, else GET /user when the agent token is a personal token
   * (one request, once); null when unknown (a GitHub App installation token cannot ask).
   */
  agentLogin(): Promise<string | null>;
  /** Who may write a hand-off on the tool's issues (lib/github/handoff.ts). */
  handoffAuthors(): Promise<HandoffAuthors>;
}

export async function openSession(env: Env = process.env): Promise<LocalSession | GitHubSession> {
  const root = resolve(env.HEAL_REPO ?? process.cwd());
  const config = await loadConfig(root);
  const reportsDir = join(root, config.reportsDir);
  const ctx = githubContext(env, { agentTokenEnv: config.agent.tokenEnv });
  if (!ctx) {
    return { kind: "local", root, config, reportsDir, reason: localModeReason(env) ?? "local mode", branch: currentBranch(root, env) };
  }
  const gh = clientFor(ctx);
  let login: Promise<string> | null = null;
  const agentClient = ctx.agentToken ? repoClient(clientFor(ctx, ctx.agentToken), ctx.repository) : null;
  let agent: Promise<string | null> | null = null;
  const agentLogin = () => (agent ??= resolveAgentLogin(env, ctx.agentToken, agentClient));
  const botLogin = () => (login ??= resolveBotLogin(gh, ctx.token, config.botLogin));
  return {
    kind: "github",
    root,
    config,
    reportsDir,
    ctx,
    gh,
    r: repoClient(gh, ctx.repository),
    branch: ctx.branch ?? currentBranch(root, env),
    botLogin,
    agentClient,
    agentLogin,
    handoffAuthors: async () => ({ botLogin: await botLogin(), agentLogin: await agentLogin() }),
  };
}

async function resolveAgentLogin(env: Env, token: string | null, client: RepoClient | null): Promise<string | null> {
  const named = env.HEAL_AGENT_LOGIN?.trim();
  if (named) return named;
  if (!token || !client || !isPersonalToken(token)) return null;
  const { data } = await client.gh.rest.users.getAuthenticated();
  return data.login;
}

/** Whether failures on `branch` open healing issues (config `branches`, `*` matches any run of characters). */
export function isHealedBranch(branch: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    if (!p.includes("*")) return p === branch;
    const re = new RegExp(
      `^${p
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    return re.test(branch);
  });
}
