// The one GitHub client factory: @octokit/rest with retries, throttling, a per-request timeout,
// GitHub Enterprise via baseUrl, and every failure turned into a HealError a user can act on.
// Every GitHub call in the product is made through a client built here (and lib/github helpers).
import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { HealError } from "../errors.ts";
import { redact } from "../redact.ts";

const HealOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof HealOctokit>;

export interface ClientLog {
  debug: (msg: string) => void;
  info: (msg: string) => void;
  warn: (msg: string) => void;
  error: (msg: string) => void;
}

export interface GitHubClientOptions {
  token: string;
  /** REST root: https://api.github.com, or https://<host>/api/v3 on GitHub Enterprise Server. */
  baseUrl?: string;
  /** Per request, including a slow body; a request that hangs longer is retried, then fails. Default 30 s. */
  timeoutMs?: number;
  log?: Partial<ClientLog>;
  /** Retries of 5xx, resets and timeouts (plugin-retry, backoff (n+1)^2 × retryBaseMs). Default 3. */
  retries?: number;
  /** Base unit of retry backoff and of `retry-after` waits. Default 1000 (tests shrink it). */
  retryBaseMs?: number;
  /** Secondary-limit retries that honour `retry-after`. Default 2. */
  secondaryLimitRetries?: number;
  /** A `retry-after` longer than this fails instead of waiting. Default 120 s. */
  maxRetryAfterSeconds?: number;
  /** Space content-creating requests as GitHub advises (1 s, 3 s for notifications). Default true. */
  pacing?: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const USER_AGENT = "self-healing-tdd-loop";

/** A Bottleneck-shaped group that never waits: used when pacing is off. */
const unpaced = { key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => fn(...args) }) };

export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const secondaryRetries = opts.secondaryLimitRetries ?? 2;
  const maxRetryAfter = opts.maxRetryAfterSeconds ?? 120;
  const quiet = () => {};
  const log: ClientLog = {
    debug: opts.log?.debug ?? quiet,
    info: opts.log?.info ?? quiet,
    warn: opts.log?.warn ?? ((m) => process.stderr.write(`warning: ${redact(m)}\n`)),
    // plugin-request-log reports every failed request here; the HealError thrown says it once, better.
    error: opts.log?.error ?? quiet,
  };

  const timedFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await fetch(input, { ...init, signal });
    } catch (err) {
      // A plain Error (not an AbortError) so @octokit/request wraps it as a retryable 500.
      if (timeout.aborted) throw new Error(`no answer within ${timeoutMs} ms`);
      throw err;
    }
  };

  const pacing = opts.pacing === false ? { write: unpaced, notifications: unpaced } : {};
  const octokit = new HealOctokit({
    auth: opts.token,
    baseUrl: (opts.baseUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: USER_AGENT,
    log,
    request: { fetch: timedFetch },
    retry: { retries: opts.retries ?? 3, retryAfterBaseValue: retryBaseMs },
    throttle: {
      ...(pacing as object),
      retryAfterBaseValue: retryBaseMs,
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        if (retryCount >= secondaryRetries || retryAfter > maxRetryAfter) return false;
        const route = routeOf(resolvedUrl(octokit, options as Parameters<typeof resolvedUrl>[1]));
        log.warn(`secondary rate limit on ${options.method} ${route}: waiting ${retryAfter} s (retry-after)`);
        return true;
      },
      // An exhausted primary limit resets up to an hour later: fail now and name the time (see toHealError).
      onRateLimit: () => false,
    },
  });

  // Registered after the plugins, so it wraps them: it sees the final outcome after retries.
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (err) {
      throw toHealError(err, options.method, resolvedUrl(octokit, options));
    }
  });
  retryBases.set(octokit, retryBaseMs);
  return octokit;
}

const retryBases = new WeakMap<object, number>();

/** The client's backoff unit, for retries done outside the plugins (create-once). */
export function retryBaseOf(gh: GitHubClient): number {
  return retryBases.get(gh) ?? 1000;
}

function resolvedUrl(octokit: GitHubClient, options: Parameters<GitHubClient["request"]["endpoint"]["parse"]>[0]): string {
  try {
    return octokit.request.endpoint.parse(options).url;
  } catch {
    return String(options.url);
  }
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Maps an Octokit error to the catalogue: auth, permission (naming it), rate limit (naming the reset), unavailable. */
export function toHealError(err: unknown, method: string, url: string): unknown {
  if (err instanceof HealError) return err;
  const e = (err ?? {}) as RequestErrorLike;
  const status = typeof e.status === "number" ? e.status : undefined;
  const route = `${method} ${routeOf(url)}`;
  const headers = e.response?.headers ?? {};
  // Octokit appends " - <documentation_url>"; the route already says where.
  const message = redact(String(e.message ?? err))
    .split("\n")[0]!
    .replace(/ - https?:\/\/\S+$/, "");
  const answered = e.response !== undefined;
  if (status === 401) return withStatus(new HealError("GITHUB_AUTH", `${route} answered 401 (${message})`), status);
  if ((status === 403 || status === 429) && (headers["x-ratelimit-remaining"] === "0" || /secondary rate/i.test(message))) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : "unknown";
    const kind = /secondary rate/i.test(message) ? "secondary rate limit persisted" : "primary rate limit exhausted";
    return withStatus(new HealError("GITHUB_RATE_LIMIT", `${route}: ${kind}, resets at ${when}`), status);
  }
  if (status === 403) {
    // GitHub names what it wanted in x-accepted-github-permissions ("issues=write"); else infer from the route.
    const accepted = headers["x-accepted-github-permissions"]?.split(";")[0]?.split(",")[0]?.trim();
    const permission = accepted && accepted.includes("=") ? accepted.replace("=", ": ").replace(/_/g, "-") : permissionFor(method, url);
    return withStatus(new HealError("GITHUB_PERMISSION", `${route} answered 403 (${message}); grant \`${permission}\``), status);
  }
  if (status === undefined || status >= 500 || status === 429)
    return Object.assign(withStatus(new HealError("GITHUB_UNAVAILABLE", `${route}: ${message}`), status), { answered });
  return err;
}

function withStatus(err: HealError, status: number | undefined): HealError {
  return Object.assign(err, { status });
}

/**
 * Whether GitHub sent an HTTP answer. A 5xx answer means the request was not carried out; no answer (a reset,
 * a lost response, a timeout: @octokit/request reports them as status 500 without a response) leaves it unknown.
 */
export function wasAnswered(err: unknown): boolean {
  return (err as { answered?: unknown } | null)?.answered !== false;
}

/** The HTTP status behind a HealError or RequestError, when there was one. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}

function routeOf(url: string): string {
  try {
    return new URL(url, "https://api.github.invalid").pathname;
  } catch {
    return url;
  }
}

/** The workflow `permissions:` entry a request needs. */
export function permissionFor(method: string, url: string): string {
  const path = routeOf(url);
  const level = method === "GET" || method === "HEAD" ? "read" : "write";
  if (/\/pulls(\/|$)/.test(path)) return `pull-requests: ${level}`;
  if (/\/(issues|labels)(\/|$)/.test(path)) return `issues: ${level}`;
  if (/\/(dispatches|contents|git)(\/|$)/.test(path)) return `contents: ${level}`;
  if (/\/actions(\/|$)/.test(path)) return `actions: ${level}`;
  return `contents: ${level}`;
}

/** A client bound to one repository: what every lib/github helper takes. */
export interface RepoClient {
  gh: GitHubClient;
  owner: string;
  repo: string;
}

export function repoClient(gh: GitHubClient, repository: string): RepoClient {
  const [owner, repo] = repository.split("/");
  if (!owner || !repo) throw new HealError("USAGE", `repository "${repository}" is not owner/name`);
  return { gh, owner, repo };
}

/** A token that acts as a user (classic or fine-grained PAT, OAuth, user-to-server): GET /user names it. */
export function isPersonalToken(token: string): boolean {
  return /^(ghp_|github_pat_|gho_|ghu_)/.test(token);
}

/**
 * The login the tool's own issues and comments are written by. A configured `bot_login` other than the
 * default wins; a personal token (ghp_, github_pat_, gho_, ghu_) asks GET /user; otherwise Actions' bot.
 */
export async function resolveBotLogin(gh: GitHubClient, token: string, configured?: string | null): Promise<string> {
  const fallback = "github-actions[bot]";
  if (configured && configured !== fallback) return configured;
  if (isPersonalToken(token)) {
    const { data } = await gh.rest.users.getAuthenticated();
    return data.login;
  }
  return configured || fallback;
}
