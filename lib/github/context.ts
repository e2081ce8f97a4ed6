// Where a run happens, read from GitHub Actions' standard variables. null = local mode (no token or
// no repository): every GitHub step then prints `[skip] <action>` lines and exits 0.
import { existsSync, readFileSync } from "node:fs";
import { isForkPullRequest } from "../budget.ts";
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from "./client.ts";

export interface GitHubContext {
  token: string;
  owner: string;
  repo: string;
  /** "owner/name". */
  repository: string;
  apiUrl: string;
  serverUrl: string;
  sha: string | null;
  refName: string | null;
  headRef: string | null;
  /** The branch the run is about: the PR's head branch, else the pushed ref's name. */
  branch: string | null;
  runId: string | null;
  runAttempt: string;
  runUrl: string | null;
  eventName: string | null;
  /** Who caused the run (GITHUB_TRIGGERING_ACTOR, else GITHUB_ACTOR). */
  actor: string | null;
  /** The pushed head commit's message from the event (push events), else null. */
  headCommitMessage: string | null;
  /** The event payload (GITHUB_EVENT_PATH), or null when absent or unreadable. */
  event: Record<string, unknown> | null;
  stepSummaryPath: string | null;
  /** The second identity whose writes do start workflows (App installation token or PAT), when set. */
  agentToken: string | null;
  agentTokenEnv: string;
  /** A pull request from a fork: read-only token, no secrets -> job summary only. */
  forkPullRequest: boolean;
  mode: "full" | "summary-only";
  /** Client tuning from the environment (HEAL_GITHUB_TIMEOUT_MS, HEAL_GITHUB_RETRY_BASE_MS, HEAL_GITHUB_PACING). */
  clientTuning: Pick<GitHubClientOptions, "timeoutMs" | "retryBaseMs" | "pacing">;
}

type Env = Record<string, string | undefined>;

export interface ContextOptions {
  /** Variable that holds the agent token (config `agent.token_env`). Default HEAL_AGENT_TOKEN. */
  agentTokenEnv?: string;
}

/** Why there is no context (local mode), for the `[skip]` lines; null when there is one. */
export function localModeReason(env: Env = process.env): string | null {
  if (!nonEmpty(env.GITHUB_TOKEN) && !nonEmpty(env.GH_TOKEN)) return "no GITHUB_TOKEN or GH_TOKEN (local mode)";
  if (!/^[^/\s]+\/[^/\s]+$/.test(env.GITHUB_REPOSITORY ?? "")) return "GITHUB_REPOSITORY (owner/name) is not set (local mode)";
  return null;
}

export function githubContext(env: Env = process.env, opts: ContextOptions = {}): GitHubContext | null {
  if (localModeReason(env)) return null;
  const token = (nonEmpty(env.GITHUB_TOKEN) ?? nonEmpty(env.GH_TOKEN))!;
  const repository = env.GITHUB_REPOSITORY!;
  const [owner, repo] = repository.split("/") as [string, string];
  const serverUrl = (nonEmpty(env.GITHUB_SERVER_URL) ?? "https://github.com").replace(/\/+$/, "");
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const eventName = nonEmpty(env.GITHUB_EVENT_NAME) ?? null;
  const runId = nonEmpty(env.GITHUB_RUN_ID) ?? null;
  const runAttempt = nonEmpty(env.GITHUB_RUN_ATTEMPT) ?? "1";
  const headRef = nonEmpty(env.GITHUB_HEAD_REF) ?? null;
  const refName = nonEmpty(env.GITHUB_REF_NAME) ?? null;
  const agentTokenEnv = opts.agentTokenEnv ?? "HEAL_AGENT_TOKEN";
  const forkPullRequest = !!eventName?.startsWith("pull_request") && isForkPullRequest(event);
  const timeout = Number(env.HEAL_GITHUB_TIMEOUT_MS);
  const retryBase = Number(env.HEAL_GITHUB_RETRY_BASE_MS);
  return {
    token,
    owner,
    repo,
    repository,
    apiUrl: (nonEmpty(env.GITHUB_API_URL) ?? "https://api.github.com").replace(/\/+$/, ""),
    serverUrl,
    sha: nonEmpty(env.GITHUB_SHA) ?? null,
    refName,
    headRef,
    branch: headRef ?? refName,
    runId,
    runAttempt,
    runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : null,
    eventName,
    actor: nonEmpty(env.GITHUB_TRIGGERING_ACTOR) ?? nonEmpty(env.GITHUB_ACTOR) ?? null,
    headCommitMessage:
      typeof (event?.head_commit as { message?: unknown } | undefined)?.message === "string"
        ? (event!.head_commit as { message: string }).message
        : null,
    event,
    stepSummaryPath: nonEmpty(env.GITHUB_STEP_SUMMARY) ?? null,
    agentToken: nonEmpty(env[agentTokenEnv]) ?? null,
    agentTokenEnv,
    forkPullRequest,
    mode: forkPullRequest ? "summary-only" : "full",
    clientTuning: {
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
      retryBaseMs: Number.isFinite(retryBase) && retryBase >= 0 && env.HEAL_GITHUB_RETRY_BASE_MS ? retryBase : undefined,
      pacing: env.HEAL_GITHUB_PACING === "0" ? false : undefined,
    },
  };
}

/** The client for the run's own token (GITHUB_TOKEN / GH_TOKEN). */
export function clientFor(ctx: GitHubContext, token: string = ctx.token): GitHubClient {
  return createGitHubClient({ token, baseUrl: ctx.apiUrl, ...ctx.clientTuning });
}

function readEvent(path: string | undefined): Record<string, unknown> | null {
  if (!path || !existsSync(path)) return null;
  try {
    const data = JSON.parse(readFileSync(path, "utf8"));
    return data && typeof data === "object" && !Array.isArray(data) ? data : null;
  } catch {
    return null;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== "" ? v : undefined;
}
