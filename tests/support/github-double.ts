// A stateful GitHub REST API double on 127.0.0.1 for ONE repository, checked against GitHub's OpenAPI description.
//
// Usage:
//   const gh = await startGitHubDouble();               // acme/widgets, token DEFAULT_TOKEN = github-actions[bot]
//   env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: DEFAULT_TOKEN, GITHUB_REPOSITORY: gh.repository }
//   gh.seedLabel({ name: "bug" }); gh.seedIssue({ title, body, labels: ["bug"], author: "github-actions[bot]" });
//   gh.seedIssue({ title: "Fix", body: "Fixes #1", author: "claude[bot]", pull: { head: "claude/issue-1-x" } });
//   ... run the script (async spawn or in-process: the double answers from this process's event loop) ...
//   expect(gh.violations).toEqual([]);                  // every request was one real GitHub accepts
//   expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([...]);  // exact request log (+ query, body, login)
//   expect(gh.writes()).toEqual([]);                    // an unchanged re-run writes nothing
//   expect(gh.state.issues).toHaveLength(1);            // issues with comments, labels, authors; state.dispatches
//   gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/issues", kind: "lostResponse" });  // fault injection
//   await gh.close();
// Options: owner, repo, defaultBranch, tokens {token -> {login, type, permissions, rateLimit, scopes}},
// collaborators {login -> role}, contentCreationPerMinute (80).
//
// Every request is matched to a documented operation (unknown -> 404 + violation), its path/query parameters and
// JSON body validated (invalid -> 422/400 like GitHub + violation; unknown fields GitHub would silently ignore are
// a violation too), and GitHub's own limits applied (body 65,536 UTF-8 bytes, title 256, label name 50,
// description 100, colour hex, ~80 issues/comments a minute). Missing permissions get GitHub's 403 with
// `x-accepted-github-permissions`; each identity has a real core quota with x-ratelimit-* headers. Every response
// the double sends is validated against the schema documented for its status (a mismatch is a violation: the
// double must answer like GitHub).
// Fault rules: {method?, path: exact | "{template}" | RegExp, kind, times=1, skip=0, armedBy?}. Kinds: status
// (500/502/503), lostResponse (write done, socket destroyed), hangAfterWrite (write done, no answer ever), hang,
// reset, secondaryRateLimit (403/429 + retry-after), primaryRateLimit (403, remaining 0, reset ahead),
// unauthorized (401), forbidden (403 + permission), delay. `faults` lists each one delivered; handles count hits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { sharedValidator, type OpenApiValidator, type Operation } from "./openapi-validator.ts";

/** The labels GitHub gives a new repository (`default: true` in its label responses). */
export const GITHUB_DEFAULT_LABELS = [
  "bug",
  "documentation",
  "duplicate",
  "enhancement",
  "good first issue",
  "help wanted",
  "invalid",
  "question",
  "wontfix",
];

export const DEFAULT_TOKEN = "ghs_testtoken0000000000000000000000000000";

export type Permission = "read" | "write" | "admin";
export interface Identity {
  login: string;
  type: "Bot" | "User";
  /** GitHub App style permissions: issues, contents, pull_requests, metadata, actions... */
  permissions?: Record<string, Permission>;
  /** Requests per hour (GITHUB_TOKEN: 1000, users: 5000). */
  rateLimit?: number;
  /** Classic PAT scopes, sent back in `x-oauth-scopes` like GitHub does (omit for App/Actions tokens). */
  scopes?: string[];
}

export interface DoubleOptions {
  owner?: string;
  repo?: string;
  tokens?: Record<string, Identity>;
  defaultBranch?: string;
  /** Repository role per login for GET /collaborators/{u}/permission. */
  collaborators?: Record<string, "admin" | "maintain" | "write" | "triage" | "read">;
  /**
   * GitHub's secondary limit on content creation (issues, comments): about 80 per minute. Going over gets the
   * secondary-limit 403 and a violation (the tool must pace its writes). Default 80.
   */
  contentCreationPerMinute?: number;
  /** Names of the repository's Actions secrets (GET .../actions/secrets; values are never readable). */
  secrets?: string[];
  /** The repository's Actions variables, name -> value (GET .../actions/variables). */
  variables?: Record<string, string>;
  /** Branches GET .../branches/{branch} and .../rules/branches/{branch} answer for: classic protection and rule types. */
  branches?: Record<string, { protected?: boolean; rules?: ("pull_request" | "required_signatures" | "non_fast_forward" | "deletion")[] }>;
}

export interface LoggedRequest {
  method: string;
  /** Path without host or query. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** Login of the token's identity; null when no or an unknown token was sent. */
  login: string | null;
  /** The operation the spec documents for it (`issues/create`), or null. */
  operationId: string | null;
  /** Set when a fault was injected for this request. */
  fault?: FaultKind;
}

export interface Violation {
  method: string;
  path: string;
  reason: string;
}

export interface UserRef {
  login: string;
  type: "Bot" | "User";
  id: number;
}

export interface CommentState {
  id: number;
  issueNumber: number;
  body: string;
  user: UserRef;
  createdAt: string;
  updatedAt: string;
}

export interface LabelState {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface PullState {
  head: string;
  base: string;
  headSha: string;
  merged: boolean;
  draft: boolean;
}

export interface IssueState {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | "duplicate" | null;
  /** Label names, in the order they were added. */
  labels: string[];
  user: UserRef;
  comments: CommentState[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: UserRef | null;
  locked: boolean;
  /** Issue events (`renamed` on a title change), oldest first: GET .../issues/{n}/events. */
  events?: IssueEventState[];
  /** Present when this number is a pull request (issues and pulls share numbers, like on GitHub). */
  pull?: PullState;
}

export interface IssueEventState {
  id: number;
  event: "renamed";
  actor: UserRef;
  createdAt: string;
  rename: { from: string; to: string };
}

export interface DispatchState {
  eventType: string;
  clientPayload: Record<string, unknown> | undefined;
  login: string;
}

export interface DoubleState {
  issues: IssueState[];
  labels: LabelState[];
  dispatches: DispatchState[];
}

export type FaultKind =
  | "status"
  | "lostResponse"
  | "hangAfterWrite"
  | "hang"
  | "reset"
  | "secondaryRateLimit"
  | "primaryRateLimit"
  | "unauthorized"
  | "forbidden"
  | "delay";

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** Exact path (`/repos/acme/widgets/issues`), spec template (`/repos/{owner}/{repo}/issues`) or RegExp on the path. */
  path: string | RegExp;
  kind: FaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Matching requests let through untouched before the fault starts (default 0). */
  skip?: number;
  /** The rule fires only on requests that come after one matching this (e.g. "every list after the create"). */
  armedBy?: { method?: string; path: string | RegExp };
  /** kind "status": 500, 502 or 503 (default 502). kind "secondaryRateLimit": 403 or 429 (default 403). */
  status?: number;
  /** secondaryRateLimit: seconds in `retry-after` (default 1). */
  retryAfter?: number;
  /** primaryRateLimit: seconds until x-ratelimit-reset (default 3600). */
  resetInSeconds?: number;
  /** forbidden: the permission GitHub names in x-accepted-github-permissions (default "issues=write"). */
  permission?: string;
  /** delay: answer normally after this many milliseconds. */
  ms?: number;
}

export interface FaultHandle {
  readonly rule: FaultRule;
  /** Requests that received this fault so far. */
  readonly hits: number;
  /** Requests still to be hit. */
  readonly remaining: number;
}

export interface DeliveredFault {
  kind: FaultKind;
  method: string;
  path: string;
}

export interface SeedIssue {
  title: string;
  body?: string | null;
  labels?: string[];
  /** Login of the author; must be a known identity or any login (type "User" unless it ends with [bot]). */
  author?: string;
  state?: "open" | "closed";
  stateReason?: IssueState["stateReason"];
  comments?: { body: string; author?: string; createdAt?: string }[];
  pull?: Partial<PullState> & { head: string };
  /** ISO time (seconds) instead of the double's clock: for histories spread over weeks. */
  createdAt?: string;
  /** With state "closed": when, and by whom (default: the author, at createdAt). */
  closedAt?: string;
  closedBy?: string;
  /** Earlier titles, oldest first, each with the time it was renamed away from (recorded as `renamed` events). */
  renamed?: { to: string; at: string; by?: string }[];
}

export interface GitHubDouble {
  /** Base URL for GITHUB_API_URL (no trailing slash). */
  url: string;
  owner: string;
  repo: string;
  /** `owner/repo` for GITHUB_REPOSITORY. */
  repository: string;
  /** Every request, in order. */
  requests: LoggedRequest[];
  /** Requests real GitHub would reject, unknown endpoints, and responses unlike GitHub's. Tests assert it is empty. */
  violations: Violation[];
  /** Each injected fault actually delivered. */
  faults: DeliveredFault[];
  state: DoubleState;
  /** Non-GET requests (writes) in order. */
  writes(): LoggedRequest[];
  seedIssue(issue: SeedIssue): IssueState;
  seedComment(issueNumber: number, body: string, author?: string, createdAt?: string): CommentState;
  seedLabel(label: { name: string; color?: string; description?: string | null }): LabelState;
  issue(number: number): IssueState | undefined;
  inject(rule: FaultRule): FaultHandle;
  /** Drops every injected rule that has not fired yet. */
  clearFaults(): void;
  /** Clears the request log, violations and delivered faults (state stays). */
  resetLog(): void;
  /** Sets the remaining core quota of an identity (primary rate limit tests). */
  setRateRemaining(login: string, remaining: number): void;
  close(): Promise<void>;
}

const DEFAULT_IDENTITY: Identity = {
  login: "github-actions[bot]",
  type: "Bot",
  permissions: { issues: "write", contents: "write", pull_requests: "write", metadata: "read", actions: "read" },
  rateLimit: 1000,
};

/** Permission each implemented operation needs (GitHub App permission names). */
const NEEDS: Record<string, [string, Permission] | null> = {
  "repos/get": ["metadata", "read"],
  "issues/list-for-repo": ["issues", "read"],
  "issues/get": ["issues", "read"],
  "issues/create": ["issues", "write"],
  "issues/update": ["issues", "write"],
  "issues/list-comments": ["issues", "read"],
  "issues/list-comments-for-repo": ["issues", "read"],
  "issues/list-events": ["issues", "read"],
  "issues/get-comment": ["issues", "read"],
  "issues/create-comment": ["issues", "write"],
  "issues/update-comment": ["issues", "write"],
  "issues/get-label": ["issues", "read"],
  "issues/create-label": ["issues", "write"],
  "issues/update-label": ["issues", "write"],
  "issues/delete-label": ["issues", "write"],
  "issues/list-labels-for-repo": ["issues", "read"],
  "issues/list-labels-on-issue": ["issues", "read"],
  "issues/add-labels": ["issues", "write"],
  "issues/remove-label": ["issues", "write"],
  "repos/create-dispatch-event": ["contents", "write"],
  "pulls/get": ["pull_requests", "read"],
  "pulls/list": ["pull_requests", "read"],
  "repos/get-collaborator-permission-level": ["metadata", "read"],
  "rate-limit/get": null,
  "users/get-authenticated": null,
  "actions/list-repo-secrets": ["secrets", "read"],
  "actions/list-repo-variables": ["actions_variables", "read"],
  "repos/get-branch": ["contents", "read"],
  "repos/get-branch-rules": ["metadata", "read"],
};

const RANK: Record<Permission, number> = { read: 1, write: 2, admin: 3 };

/** Messages real GitHub sends. */
const MESSAGES = {
  notFound: "Not Found",
  badCredentials: "Bad credentials",
  requiresAuth: "Requires authentication",
  integration: "Resource not accessible by integration",
  pat: "Resource not accessible by personal access token",
  secondary:
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID",
  serverError: "Server Error",
};

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class ApiError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

export async function startGitHubDouble(opts: DoubleOptions = {}): Promise<GitHubDouble> {
  const owner = opts.owner ?? "acme";
  const repo = opts.repo ?? "widgets";
  const tokens: Record<string, Identity> = opts.tokens ?? { [DEFAULT_TOKEN]: DEFAULT_IDENTITY };
  const defaultBranch = opts.defaultBranch ?? "dev";
  const validator: OpenApiValidator = sharedValidator();
  const repoId = 1296269;
  const webBase = "https://github.com";

  const state: DoubleState = { issues: [], labels: [], dispatches: [] };
  const requests: LoggedRequest[] = [];
  const violations: Violation[] = [];
  const faults: DeliveredFault[] = [];
  const rules: { rule: FaultRule; hits: number; remaining: number; skip: number; armed: boolean }[] = [];
  const hung = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const quota = new Map<string, { used: number; limit: number; reset: number }>();
  const created = new Map<string, number[]>();
  let nextId = 1000;
  let clock = Math.floor(Date.now() / 1000);
  let requestSeq = 0;

  // Each write advances the clock one second, so sorting by created/updated time is deterministic.
  const tick = () => new Date(++clock * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  let url = "";
  const apiRepo = () => `${url}/repos/${owner}/${repo}`;

  const userIds = new Map<string, number>();
  const userRef = (login: string): UserRef => {
    const known = Object.values(tokens).find((i) => i.login === login);
    if (!userIds.has(login)) userIds.set(login, login === "github-actions[bot]" ? 41898282 : 5000 + userIds.size);
    return { login, type: known?.type ?? (login.endsWith("[bot]") ? "Bot" : "User"), id: userIds.get(login)! };
  };
  const userJson = (u: UserRef) => ({
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString("base64"),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: "",
    url: `${url}/users/${encodeURIComponent(u.login)}`,
    html_url: `${webBase}/${encodeURIComponent(u.login.replace(/\[bot\]$/, ""))}`,
    followers_url: `${url}/users/${encodeURIComponent(u.login)}/followers`,
    following_url: `${url}/users/${encodeURIComponent(u.login)}/following{/other_user}`,
    gists_url: `${url}/users/${encodeURIComponent(u.login)}/gists{/gist_id}`,
    starred_url: `${url}/users/${encodeURIComponent(u.login)}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/users/${encodeURIComponent(u.login)}/subscriptions`,
    organizations_url: `${url}/users/${encodeURIComponent(u.login)}/orgs`,
    repos_url: `${url}/users/${encodeURIComponent(u.login)}/repos`,
    events_url: `${url}/users/${encodeURIComponent(u.login)}/events{/privacy}`,
    received_events_url: `${url}/users/${encodeURIComponent(u.login)}/received_events`,
    type: u.type,
    user_view_type: "public",
    site_admin: false,
  });
  const labelJson = (l: LabelState) => ({
    id: l.id,
    node_id: Buffer.from(`010:Label${l.id}`).toString("base64"),
    url: `${apiRepo()}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: GITHUB_DEFAULT_LABELS.includes(l.name),
    description: l.description,
  });
  const findLabel = (name: string) => state.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  const reactions = (u: string) => ({
    url: `${u}/reactions`,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  });
  const association = (u: UserRef) =>
    u.type === "Bot" ? "NONE" : opts.collaborators?.[u.login] ? "COLLABORATOR" : u.login === owner ? "OWNER" : "NONE";
  const issueJson = (i: IssueState) => {
    const self = `${apiRepo()}/issues/${i.number}`;
    const json: Record<string, unknown> = {
      url: self,
      repository_url: apiRepo(),
      labels_url: `${self}/labels{/name}`,
      comments_url: `${self}/comments`,
      events_url: `${self}/events`,
      html_url: `${webBase}/${owner}/${repo}/${i.pull ? "pull" : "issues"}/${i.number}`,
      id: 100000 + i.number,
      node_id: Buffer.from(`05:Issue${100000 + i.number}`).toString("base64"),
      number: i.number,
      title: i.title,
      user: userJson(i.user),
      labels: i.labels.map((n) => labelJson(findLabel(n)!)),
      state: i.state,
      locked: i.locked,
      assignee: i.assignees[0] ? userJson(userRef(i.assignees[0])) : null,
      assignees: i.assignees.map((a) => userJson(userRef(a))),
      milestone: null,
      comments: i.comments.length,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      author_association: association(i.user),
      active_lock_reason: null,
      body: i.body,
      closed_by: i.closedBy ? userJson(i.closedBy) : null,
      reactions: reactions(self),
      timeline_url: `${self}/timeline`,
      performed_via_github_app: null,
      state_reason: i.stateReason,
    };
    if (i.pull) {
      json.draft = i.pull.draft;
      json.pull_request = {
        url: `${apiRepo()}/pulls/${i.number}`,
        html_url: `${webBase}/${owner}/${repo}/pull/${i.number}`,
        diff_url: `${webBase}/${owner}/${repo}/pull/${i.number}.diff`,
        patch_url: `${webBase}/${owner}/${repo}/pull/${i.number}.patch`,
        merged_at: i.pull.merged ? i.closedAt : null,
      };
    }
    return json;
  };
  const commentJson = (c: CommentState) => ({
    url: `${apiRepo()}/issues/comments/${c.id}`,
    html_url: `${webBase}/${owner}/${repo}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${apiRepo()}/issues/${c.issueNumber}`,
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString("base64"),
    user: userJson(c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: association(c.user),
    body: c.body,
    reactions: reactions(`${apiRepo()}/issues/comments/${c.id}`),
    performed_via_github_app: null,
  });
  const eventJson = (e: IssueEventState) => ({
    id: e.id,
    node_id: Buffer.from(`018:IssueEvent${e.id}`).toString("base64"),
    url: `${apiRepo()}/issues/events/${e.id}`,
    actor: userJson(e.actor),
    event: e.event,
    commit_id: null,
    commit_url: null,
    created_at: e.createdAt,
    performed_via_github_app: null,
    rename: e.rename,
  });
  const example = (name: string) => structuredClone(validator.spec.components.examples[name].value);
  const repoJson = (identity: Identity | null) => {
    const r = example("full-repository-default-response");
    const base = `${url}/repos/${owner}/${repo}`;
    for (const [k, v] of Object.entries<unknown>(r)) {
      if (typeof v === "string" && v.startsWith("https://api.github.com/repos/octocat/Hello-World")) {
        r[k] = v.replace("https://api.github.com/repos/octocat/Hello-World", base);
      }
    }
    Object.assign(r, {
      id: repoId,
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: userJson({ login: owner, type: "User", id: 1 }),
      html_url: `${webBase}/${owner}/${repo}`,
      url: base,
      clone_url: `${webBase}/${owner}/${repo}.git`,
      git_url: `git://github.com/${owner}/${repo}.git`,
      ssh_url: `git@github.com:${owner}/${repo}.git`,
      default_branch: defaultBranch,
      language: "TypeScript",
      has_issues: true,
      open_issues_count: state.issues.filter((i) => i.state === "open").length,
      permissions: {
        admin: identity?.permissions?.administration === "write",
        maintain: false,
        push: RANK[identity?.permissions?.contents ?? "read"] >= 2,
        triage: RANK[identity?.permissions?.issues ?? "read"] >= 2,
        pull: true,
      },
    });
    delete r.organization;
    delete r.parent;
    delete r.source;
    delete r.template_repository;
    return r;
  };
  const pullJson = (i: IssueState, simple: boolean) => {
    const p = simple ? example("pull-request-simple-items")[0] : example("pull-request");
    const self = `${apiRepo()}/pulls/${i.number}`;
    const repoMini = (x: Record<string, unknown>) => ({
      ...x,
      id: repoId,
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: userJson({ login: owner, type: "User", id: 1 }),
    });
    Object.assign(p, {
      url: self,
      id: 200000 + i.number,
      node_id: Buffer.from(`011:PullRequest${200000 + i.number}`).toString("base64"),
      html_url: `${webBase}/${owner}/${repo}/pull/${i.number}`,
      diff_url: `${webBase}/${owner}/${repo}/pull/${i.number}.diff`,
      patch_url: `${webBase}/${owner}/${repo}/pull/${i.number}.patch`,
      issue_url: `${apiRepo()}/issues/${i.number}`,
      commits_url: `${self}/commits`,
      review_comments_url: `${self}/comments`,
      comments_url: `${apiRepo()}/issues/${i.number}/comments`,
      statuses_url: `${apiRepo()}/statuses/${i.pull!.headSha}`,
      number: i.number,
      state: i.state,
      locked: i.locked,
      title: i.title,
      user: userJson(i.user),
      body: i.body,
      labels: i.labels.map((n) => labelJson(findLabel(n)!)),
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      merged_at: i.pull!.merged ? i.closedAt : null,
      draft: i.pull!.draft,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      milestone: null,
      author_association: association(i.user),
      head: {
        ...p.head,
        label: `${owner}:${i.pull!.head}`,
        ref: i.pull!.head,
        sha: i.pull!.headSha,
        user: userJson({ login: owner, type: "User", id: 1 }),
        repo: repoMini(p.head.repo),
      },
      base: {
        ...p.base,
        label: `${owner}:${i.pull!.base}`,
        ref: i.pull!.base,
        user: userJson({ login: owner, type: "User", id: 1 }),
        repo: repoMini(p.base.repo),
      },
    });
    if (!simple)
      Object.assign(p, { merged: i.pull!.merged, merged_by: null, mergeable: true, mergeable_state: "clean", comments: i.comments.length });
    return p;
  };

  const identityFor = (req: IncomingMessage): { identity: Identity | null; sent: boolean } => {
    const auth = req.headers.authorization;
    if (!auth) return { identity: null, sent: false };
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    return { identity: (m && tokens[m[1]!]) || null, sent: true };
  };
  const quotaFor = (identity: Identity) => {
    let q = quota.get(identity.login);
    const now = Math.floor(Date.now() / 1000);
    if (!q || q.reset <= now) {
      q = { used: 0, limit: identity.rateLimit ?? (identity.type === "Bot" ? 1000 : 5000), reset: now + 3600 };
      quota.set(identity.login, q);
    }
    return q;
  };
  const secondaryLimitBody = (status: number) => ({
    message: `${MESSAGES.secondary} D0B1:${requestSeq + 1}.`,
    documentation_url:
      "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    status: String(status),
  });
  const rateHeaders = (identity: Identity | null): Record<string, string> => {
    if (!identity)
      return {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "59",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-used": "1",
        "x-ratelimit-resource": "core",
      };
    const q = quotaFor(identity);
    return {
      "x-ratelimit-limit": String(q.limit),
      "x-ratelimit-remaining": String(Math.max(0, q.limit - q.used)),
      "x-ratelimit-reset": String(q.reset),
      "x-ratelimit-used": String(q.used),
      "x-ratelimit-resource": "core",
    };
  };
  const error = (status: number, message: string, op: Operation | undefined, extra: Record<string, unknown> = {}): ApiError =>
    new ApiError({
      status,
      body: { message, ...extra, documentation_url: op?.docsUrl ?? "https://docs.github.com/rest", status: String(status) },
    });
  const validationFailed = (op: Operation, errors: Record<string, unknown>[]): ApiError => error(422, "Validation Failed", op, { errors });

  /** GitHub's own limits that the OpenAPI description does not state. */
  const checkText = (op: Operation, resource: string, field: string, value: unknown, max: number, bytes = false) => {
    if (typeof value !== "string") return;
    const length = bytes ? Math.max(utf8Bytes(value), [...value].length) : [...value].length;
    if (length > max)
      throw validationFailed(op, [{ resource, code: "custom", field, message: `${field} is too long (maximum is ${max} characters)` }]);
  };
  const checkLabelFields = (op: Operation, name: unknown, color?: unknown, description?: unknown) => {
    if (typeof name === "string" && name.trim() === "")
      throw validationFailed(op, [{ resource: "Label", code: "missing_field", field: "name" }]);
    checkText(op, "Label", "name", name, 50);
    checkText(op, "Label", "description", description, 100);
    if (color !== undefined && color !== null && !/^[0-9a-fA-F]{6}$/.test(String(color)))
      throw validationFailed(op, [{ resource: "Label", code: "invalid", field: "color", value: String(color) }]);
  };
  const ensureLabel = (op: Operation, name: string): LabelState => {
    const existing = findLabel(name);
    if (existing) return existing;
    checkLabelFields(op, name);
    // GitHub creates unknown labels named on an issue, with the default colour.
    const created: LabelState = { id: nextId++, name, color: "ededed", description: null };
    state.labels.push(created);
    return created;
  };
  const labelNames = (raw: unknown): string[] => {
    const list = Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : ((raw as { labels?: unknown })?.labels ?? []);
    return (Array.isArray(list) ? list : [list]).map((l: unknown) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)));
  };
  const getIssue = (op: Operation, n: string | undefined): IssueState => {
    const issue = state.issues.find((i) => i.number === Number(n));
    if (!issue) throw error(404, MESSAGES.notFound, op);
    return issue;
  };
  const paginate = <T>(items: T[], query: Record<string, string>, path: string): { page: T[]; link?: string } => {
    const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
    const pageNo = Math.max(Number(query.page ?? 1) || 1, 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    // Real GitHub writes /repositories/{id}/... in link headers; the /repos/{owner}/{repo} form keeps the log readable.
    const at = (p: number) => {
      const q = new URLSearchParams({ ...query, page: String(p) });
      return `<${url}${path}?${q}>`;
    };
    const parts: string[] = [];
    if (pageNo > 1) parts.push(`${at(pageNo - 1)}; rel="prev"`);
    if (pageNo < last) parts.push(`${at(pageNo + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (pageNo > 1) parts.push(`${at(1)}; rel="first"`);
    return { page, link: parts.length ? parts.join(", ") : undefined };
  };
  const list = (items: unknown[], query: Record<string, string>, path: string): Reply => {
    const { page, link } = paginate(items, query, path);
    return { status: 200, body: page, headers: link ? { link } : {} };
  };
  const sortIssues = (items: IssueState[], query: Record<string, string>) => {
    const key = query.sort ?? "created";
    const dir = (query.direction ?? "desc") === "asc" ? 1 : -1;
    const value = (i: IssueState) =>
      key === "updated" ? i.updatedAt : key === "comments" ? String(i.comments.length).padStart(9, "0") : i.createdAt;
    return [...items].sort((a, b) => (value(a) < value(b) ? -dir : value(a) > value(b) ? dir : (a.number - b.number) * dir));
  };

  const handle = (op: Operation, req: { path: string; query: Record<string, string>; body: any; identity: Identity }): Reply => {
    const { query, body, identity } = req;
    const p = op.pathParams;
    const me = userRef(identity.login);
    switch (op.operationId) {
      case "repos/get":
        return { status: 200, body: repoJson(identity) };
      case "rate-limit/get": {
        const h = rateHeaders(identity);
        const core = {
          limit: Number(h["x-ratelimit-limit"]),
          remaining: Number(h["x-ratelimit-remaining"]),
          reset: Number(h["x-ratelimit-reset"]),
          used: Number(h["x-ratelimit-used"]),
        };
        const other = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
        return {
          status: 200,
          body: {
            resources: { core, search: other(30), graphql: other(5000), integration_manifest: other(5000), code_search: other(10) },
            rate: core,
          },
        };
      }
      case "users/get-authenticated": {
        if (identity.type === "Bot") throw error(403, MESSAGES.integration, op);
        const u = example("private-user-response-with-public-profile-information");
        const ref = userRef(identity.login);
        return { status: 200, body: { ...u, ...userJson(ref), name: identity.login } };
      }
      case "issues/list-for-repo": {
        let items = state.issues.filter((i) => (query.state ?? "open") === "all" || i.state === (query.state ?? "open"));
        if (query.labels) {
          const wanted = query.labels
            .split(",")
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean);
          items = items.filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
        }
        if (query.creator) items = items.filter((i) => i.user.login.toLowerCase() === query.creator!.toLowerCase());
        if (query.assignee && query.assignee !== "*")
          items = items.filter((i) => (query.assignee === "none" ? i.assignees.length === 0 : i.assignees.includes(query.assignee!)));
        if (query.since) items = items.filter((i) => i.updatedAt >= query.since!);
        return list(sortIssues(items, query).map(issueJson), query, req.path);
      }
      case "issues/get":
        return { status: 200, body: issueJson(getIssue(op, p.issue_number)) };
      case "issues/create": {
        if (typeof body.title === "string" && body.title.trim() === "")
          throw validationFailed(op, [{ resource: "Issue", code: "missing_field", field: "title" }]);
        checkText(op, "Issue", "title", body.title, 256);
        checkText(op, "Issue", "body", body.body, 65536, true);
        const labels = body.labels ? labelNames(body.labels).map((n) => ensureLabel(op, n).name) : [];
        const now = tick();
        const issue: IssueState = {
          number: state.issues.length + 1,
          title: String(body.title),
          body: body.body ?? null,
          state: "open",
          stateReason: null,
          labels: [...new Set(labels)],
          user: me,
          comments: [],
          assignees: body.assignees ?? (body.assignee ? [body.assignee] : []),
          createdAt: now,
          updatedAt: now,
          closedAt: null,
          closedBy: null,
          locked: false,
        };
        state.issues.push(issue);
        return { status: 201, body: issueJson(issue), headers: { location: `${apiRepo()}/issues/${issue.number}` } };
      }
      case "issues/update": {
        const issue = getIssue(op, p.issue_number);
        if (body.title !== undefined && body.title !== null && String(body.title).trim() === "")
          throw validationFailed(op, [{ resource: "Issue", code: "missing_field", field: "title" }]);
        checkText(op, "Issue", "title", body.title, 256);
        checkText(op, "Issue", "body", body.body, 65536, true);
        if (body.labels !== undefined) labelNames(body.labels).forEach((n) => ensureLabel(op, n));
        if (body.title !== undefined && body.title !== null && String(body.title) !== issue.title) {
          (issue.events ??= []).push({
            id: nextId++,
            event: "renamed",
            actor: me,
            createdAt: tick(),
            rename: { from: issue.title, to: String(body.title) },
          });
          issue.title = String(body.title);
        }
        if (body.body !== undefined) issue.body = body.body;
        if (body.labels !== undefined) issue.labels = [...new Set(labelNames(body.labels).map((n) => findLabel(n)!.name))];
        if (body.assignees !== undefined) issue.assignees = body.assignees;
        const now = tick();
        if (body.state && body.state !== issue.state) {
          issue.state = body.state;
          if (body.state === "closed") {
            issue.closedAt = now;
            issue.closedBy = me;
            issue.stateReason = body.state_reason ?? "completed";
          } else {
            issue.closedAt = null;
            issue.stateReason = "reopened";
          }
        } else if (body.state_reason !== undefined && issue.state === "closed" && body.state_reason !== "reopened") {
          issue.stateReason = body.state_reason;
        }
        issue.updatedAt = now;
        return { status: 200, body: issueJson(issue) };
      }
      case "issues/list-comments": {
        const issue = getIssue(op, p.issue_number);
        const items = issue.comments.filter((c) => !query.since || c.updatedAt >= query.since);
        return list(items.map(commentJson), query, req.path);
      }
      case "issues/list-comments-for-repo": {
        let items = state.issues.flatMap((i) => i.comments).filter((c) => !query.since || c.updatedAt >= query.since);
        const key = query.sort === "updated" ? "updatedAt" : "createdAt";
        const dir = (query.direction ?? "asc") === "desc" ? -1 : 1;
        items = [...items].sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : (a.id - b.id) * dir));
        return list(items.map(commentJson), query, req.path);
      }
      case "issues/list-events": {
        const issue = getIssue(op, p.issue_number);
        return list((issue.events ?? []).map(eventJson), query, req.path);
      }
      case "issues/get-comment":
      case "issues/update-comment": {
        const comment = state.issues.flatMap((i) => i.comments).find((c) => c.id === Number(p.comment_id));
        if (!comment) throw error(404, MESSAGES.notFound, op);
        if (op.operationId === "issues/update-comment") {
          if (String(body.body).trim() === "")
            throw validationFailed(op, [{ resource: "IssueComment", code: "missing_field", field: "body" }]);
          checkText(op, "IssueComment", "body", body.body, 65536, true);
          comment.body = body.body;
          comment.updatedAt = tick();
        }
        return { status: 200, body: commentJson(comment) };
      }
      case "issues/create-comment": {
        const issue = getIssue(op, p.issue_number);
        if (String(body.body).trim() === "")
          throw validationFailed(op, [{ resource: "IssueComment", code: "missing_field", field: "body" }]);
        checkText(op, "IssueComment", "body", body.body, 65536, true);
        if (issue.locked) throw error(403, "Unable to create comment because issue is locked.", op);
        const now = tick();
        const comment: CommentState = {
          id: nextId++,
          issueNumber: issue.number,
          body: body.body,
          user: me,
          createdAt: now,
          updatedAt: now,
        };
        issue.comments.push(comment);
        issue.updatedAt = now;
        return { status: 201, body: commentJson(comment), headers: { location: `${apiRepo()}/issues/comments/${comment.id}` } };
      }
      case "issues/get-label": {
        const label = findLabel(p.name!);
        if (!label) throw error(404, MESSAGES.notFound, op);
        return { status: 200, body: labelJson(label) };
      }
      case "issues/create-label": {
        checkLabelFields(op, body.name, body.color, body.description);
        if (findLabel(body.name)) throw validationFailed(op, [{ resource: "Label", code: "already_exists", field: "name" }]);
        const label: LabelState = { id: nextId++, name: body.name, color: body.color ?? "ededed", description: body.description ?? null };
        state.labels.push(label);
        return { status: 201, body: labelJson(label), headers: { location: `${apiRepo()}/labels/${encodeURIComponent(label.name)}` } };
      }
      case "issues/update-label": {
        const label = findLabel(p.name!);
        if (!label) throw error(404, MESSAGES.notFound, op);
        checkLabelFields(op, body.new_name, body.color, body.description);
        if (body.new_name !== undefined && body.new_name.toLowerCase() !== label.name.toLowerCase() && findLabel(body.new_name)) {
          throw validationFailed(op, [{ resource: "Label", code: "already_exists", field: "name" }]);
        }
        if (body.new_name !== undefined) {
          for (const i of state.issues) i.labels = i.labels.map((n) => (n === label.name ? body.new_name : n));
          label.name = body.new_name;
        }
        if (body.color !== undefined) label.color = String(body.color).replace(/^#/, "");
        if (body.description !== undefined) label.description = body.description;
        return { status: 200, body: labelJson(label) };
      }
      case "issues/delete-label": {
        const label = findLabel(p.name!);
        if (!label) throw error(404, MESSAGES.notFound, op);
        state.labels.splice(state.labels.indexOf(label), 1);
        for (const i of state.issues) i.labels = i.labels.filter((n) => n !== label.name);
        return { status: 204 };
      }
      case "issues/list-labels-for-repo":
        return list(state.labels.map(labelJson), query, req.path);
      case "issues/list-labels-on-issue":
        return list(
          getIssue(op, p.issue_number).labels.map((n) => labelJson(findLabel(n)!)),
          query,
          req.path,
        );
      case "issues/add-labels": {
        const issue = getIssue(op, p.issue_number);
        const names = labelNames(body);
        if (names.length === 0) throw validationFailed(op, [{ resource: "Label", code: "missing_field", field: "labels" }]);
        for (const n of names) {
          const label = ensureLabel(op, n);
          if (!issue.labels.includes(label.name)) issue.labels.push(label.name);
        }
        issue.updatedAt = tick();
        return { status: 200, body: issue.labels.map((n) => labelJson(findLabel(n)!)) };
      }
      case "issues/remove-label": {
        const issue = getIssue(op, p.issue_number);
        const idx = issue.labels.findIndex((l) => l.toLowerCase() === p.name!.toLowerCase());
        if (idx === -1) throw error(404, "Label does not exist", op);
        issue.labels.splice(idx, 1);
        issue.updatedAt = tick();
        return { status: 200, body: issue.labels.map((n) => labelJson(findLabel(n)!)) };
      }
      case "repos/create-dispatch-event": {
        if (body.client_payload !== undefined && JSON.stringify(body.client_payload).length >= 65536) {
          throw validationFailed(op, [
            { resource: "Repository", code: "custom", field: "client_payload", message: "client_payload is too large" },
          ]);
        }
        state.dispatches.push({ eventType: body.event_type, clientPayload: body.client_payload, login: identity.login });
        return { status: 204 };
      }
      case "pulls/get": {
        const issue = state.issues.find((i) => i.number === Number(p.pull_number) && i.pull);
        if (!issue) throw error(404, MESSAGES.notFound, op);
        return { status: 200, body: pullJson(issue, false) };
      }
      case "pulls/list": {
        const wanted = query.state ?? "open";
        let items = state.issues.filter((i) => i.pull && (wanted === "all" || i.state === wanted));
        if (query.head) {
          const [headOwner, headRef] = query.head.includes(":") ? query.head.split(":", 2) : [owner, query.head];
          items = items.filter((i) => headOwner!.toLowerCase() === owner.toLowerCase() && i.pull!.head === headRef);
        }
        if (query.base) items = items.filter((i) => i.pull!.base === query.base);
        return list(
          sortIssues(items, {
            sort: query.sort === "popularity" || query.sort === "long-running" ? "created" : (query.sort ?? "created"),
            direction: query.direction ?? "desc",
          }).map((i) => pullJson(i, true)),
          query,
          req.path,
        );
      }
      case "repos/get-collaborator-permission-level": {
        const login = p.username!;
        const role = opts.collaborators?.[login] ?? (login.toLowerCase() === owner.toLowerCase() ? "admin" : undefined);
        const permission =
          role === "admin"
            ? "admin"
            : role === "maintain" || role === "write"
              ? "write"
              : role === "triage" || role === "read"
                ? "read"
                : "none";
        const u = userRef(login);
        return {
          status: 200,
          body: {
            permission,
            role_name: role ?? "none",
            user: {
              ...userJson(u),
              role_name: role ?? "none",
              permissions: {
                admin: permission === "admin",
                maintain: role === "maintain",
                push: permission === "write" || permission === "admin",
                triage: role === "triage",
                pull: permission !== "none",
              },
            },
          },
        };
      }
      case "actions/list-repo-secrets": {
        const names = [...(opts.secrets ?? [])].sort();
        const at = "2026-01-01T00:00:00Z";
        return {
          status: 200,
          body: { total_count: names.length, secrets: names.map((name) => ({ name, created_at: at, updated_at: at })) },
        };
      }
      case "actions/list-repo-variables": {
        const vars = Object.entries(opts.variables ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
        const at = "2026-01-01T00:00:00Z";
        return {
          status: 200,
          body: { total_count: vars.length, variables: vars.map(([name, value]) => ({ name, value, created_at: at, updated_at: at })) },
        };
      }
      case "repos/get-branch": {
        const name = p.branch!;
        const b = opts.branches?.[name] ?? (name === defaultBranch ? {} : undefined);
        if (!b) throw error(404, "Branch not found", op);
        const body = example("branch-get");
        body.name = name;
        body.protected = b.protected ?? false;
        body._links = { self: `${apiRepo()}/branches/${name}`, html: `${webBase}/${owner}/${repo}/tree/${name}` };
        body.protection_url = `${apiRepo()}/branches/${name}/protection`;
        return { status: 200, body };
      }
      case "repos/get-branch-rules": {
        const rules = opts.branches?.[p.branch!]?.rules ?? [];
        const source = { ruleset_source_type: "Repository", ruleset_source: `${owner}/${repo}`, ruleset_id: 42 };
        const body = rules.map((type) =>
          type === "pull_request"
            ? {
                type,
                parameters: {
                  dismiss_stale_reviews_on_push: false,
                  require_code_owner_review: false,
                  require_last_push_approval: false,
                  required_approving_review_count: 1,
                  required_review_thread_resolution: false,
                },
                ...source,
              }
            : { type, ...source },
        );
        return list(body, query, req.path);
      }
      default:
        throw new ApiError({
          status: 404,
          body: { message: MESSAGES.notFound, documentation_url: op.docsUrl, status: "404" },
          headers: { "x-double-not-implemented": op.operationId },
        });
    }
  };

  const matchesRule = (rule: FaultRule, method: string, path: string, op: Operation | undefined) => {
    if (rule.method && rule.method.toUpperCase() !== method) return false;
    if (rule.path instanceof RegExp) return rule.path.test(path);
    if (rule.path.includes("{")) return op?.template === rule.path;
    return rule.path === path;
  };

  const send = (res: ServerResponse, reply: Reply, identity: Identity | null) => {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": `D0B1:${(++requestSeq).toString(16).toUpperCase()}`,
      ...rateHeaders(identity),
      ...(identity?.scopes ? { "x-oauth-scopes": identity.scopes.join(", ") } : {}),
      ...reply.headers,
    };
    if (reply.body === undefined) {
      delete headers["content-type"];
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    headers["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(reply.status, headers);
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // A bug in the double must fail the test loudly, never leave the client hanging.
      onRequest(req, res, Buffer.concat(chunks).toString("utf8")).catch((err: unknown) => {
        violations.push({
          method: req.method ?? "?",
          path: req.url ?? "?",
          reason: `the double crashed: ${err instanceof Error ? err.stack : String(err)}`,
        });
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify({ message: "double crashed", documentation_url: "https://docs.github.com/rest", status: "500" }));
        }
      });
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const onRequest = async (req: IncomingMessage, res: ServerResponse, rawBody: string) => {
    const method = (req.method ?? "GET").toUpperCase();
    const parsed = new URL(req.url ?? "/", "http://double.invalid");
    let path: string;
    try {
      path = decodeURIComponent(parsed.pathname).replace(/\/+$/, "") || "/";
    } catch {
      path = parsed.pathname;
    }
    const rawPath = parsed.pathname.replace(/\/+$/, "") || "/";
    const query = Object.fromEntries(parsed.searchParams);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const { identity, sent } = identityFor(req);
    const op = validator.match(method, rawPath);
    const entry: LoggedRequest = {
      method,
      path,
      query,
      body,
      status: 0,
      login: identity?.login ?? null,
      operationId: op?.operationId ?? null,
    };
    requests.push(entry);
    const violate = (reason: string) => violations.push({ method, path, reason });

    let ruleState = rules.find((r) => r.armed && r.remaining > 0 && matchesRule(r.rule, method, path, op));
    for (const r of rules) if (!r.armed && matchesRule({ kind: r.rule.kind, ...r.rule.armedBy! }, method, path, op)) r.armed = true;
    if (ruleState && ruleState.skip > 0) {
      ruleState.skip--;
      ruleState = undefined;
    }
    const rule = ruleState?.rule;
    if (ruleState) {
      ruleState.remaining--;
      ruleState.hits++;
      entry.fault = rule!.kind;
      faults.push({ kind: rule!.kind, method, path });
    }
    const reply = (r: Reply) => {
      entry.status = r.status;
      send(res, r, identity);
    };

    switch (rule?.kind) {
      case "reset":
        entry.status = -1;
        req.socket.destroy();
        return;
      case "hang":
        entry.status = -1;
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      case "status": {
        const status = rule.status ?? 502;
        return reply({
          status,
          body:
            status === 503
              ? { message: "Service Unavailable", documentation_url: "https://docs.github.com/rest", status: "503" }
              : { message: MESSAGES.serverError, documentation_url: "https://docs.github.com/rest", status: String(status) },
        });
      }
      case "secondaryRateLimit":
        return reply({
          status: rule.status ?? 403,
          headers: { "retry-after": String(rule.retryAfter ?? 1) },
          body: secondaryLimitBody(rule.status ?? 403),
        });
      case "primaryRateLimit": {
        const reset = Math.floor(Date.now() / 1000) + (rule.resetInSeconds ?? 3600);
        entry.status = 403;
        const who = identity?.type === "Bot" ? "installation ID 12345678" : `user ID ${identity ? userRef(identity.login).id : 0}`;
        send(
          res,
          {
            status: 403,
            headers: {
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset": String(reset),
              "x-ratelimit-used": String(identity ? quotaFor(identity).limit : 60),
            },
            body: {
              message: `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID D0B1:${requestSeq + 1}.`,
              documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
              status: "403",
            },
          },
          identity,
        );
        return;
      }
      case "unauthorized":
        return reply({
          status: 401,
          body: { message: MESSAGES.badCredentials, documentation_url: "https://docs.github.com/rest", status: "401" },
        });
      case "forbidden":
        return reply({
          status: 403,
          headers: { "x-accepted-github-permissions": rule.permission ?? "issues=write" },
          body: {
            message: identity?.type === "User" ? MESSAGES.pat : MESSAGES.integration,
            documentation_url: op?.docsUrl ?? "https://docs.github.com/rest",
            status: "403",
          },
        });
      case "delay":
        await new Promise((r) => setTimeout(r, rule.ms ?? 1000));
        break;
    }

    let result: Reply;
    try {
      result = answer(method, path, rawPath, query, rawBody, body, op, identity, sent, violate);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      result = e.reply;
    }
    const unanswered = rule?.kind === "lostResponse" || rule?.kind === "hangAfterWrite";
    if (op && !unanswered) {
      const check = validator.checkResponse(op, result.status, result.body);
      if (!check.documented && result.status < 400)
        violate(`double sent ${result.status}, which the spec does not document for ${op.operationId}`);
      for (const problem of check.problems.slice(0, 5)) violate(`double's ${result.status} response is unlike GitHub's: ${problem}`);
    }
    if (rule?.kind === "lostResponse") {
      entry.status = result.status;
      req.socket.destroy();
      return;
    }
    if (rule?.kind === "hangAfterWrite") {
      entry.status = result.status;
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    reply(result);
  };

  const answer = (
    method: string,
    path: string,
    rawPath: string,
    query: Record<string, string>,
    rawBody: string,
    body: unknown,
    op: Operation | undefined,
    identity: Identity | null,
    sent: boolean,
    violate: (reason: string) => void,
  ): Reply => {
    if (!op) {
      violate("no such endpoint in GitHub's REST API");
      return { status: 404, body: { message: MESSAGES.notFound, documentation_url: "https://docs.github.com/rest", status: "404" } };
    }
    if (!identity) {
      violate(sent ? "unknown token" : "no token sent");
      return {
        status: 401,
        body: {
          message: sent ? MESSAGES.badCredentials : MESSAGES.requiresAuth,
          documentation_url: "https://docs.github.com/rest",
          status: "401",
        },
      };
    }
    const q = quotaFor(identity);
    if (op.operationId !== "rate-limit/get") {
      if (q.used >= q.limit) {
        return {
          status: 403,
          headers: { "x-ratelimit-remaining": "0" },
          body: {
            message: `API rate limit exceeded for ${identity.type === "Bot" ? "installation ID 12345678" : `user ID ${userRef(identity.login).id}`}.`,
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            status: "403",
          },
        };
      }
      q.used++;
    }
    const { owner: o, repo: r } = op.pathParams;
    if (o !== undefined && (o.toLowerCase() !== owner.toLowerCase() || r?.toLowerCase() !== repo.toLowerCase())) {
      violate(`repository ${o}/${r} is not the double's ${owner}/${repo}`);
      return { status: 404, body: { message: MESSAGES.notFound, documentation_url: op.docsUrl, status: "404" } };
    }
    const check = validator.checkRequest(op, query, method === "GET" || method === "DELETE" ? rawBody || undefined : rawBody);
    for (const u of check.unknown) violate(`${u} is not in GitHub's API for ${op.operationId} (GitHub ignores it silently)`);
    if (!check.ok) {
      for (const problem of check.problems) violate(`GitHub rejects this: ${problem}`);
      return { status: check.status!, body: { message: check.message, documentation_url: op.docsUrl, status: String(check.status) } };
    }
    if (op.operationId === "issues/create" || op.operationId === "issues/create-comment") {
      const now = Date.now();
      const recent = (created.get(identity.login) ?? []).filter((t) => t > now - 60_000);
      const limit = opts.contentCreationPerMinute ?? 80;
      if (recent.length >= limit) {
        violate(`more than ${limit} issues/comments created within a minute: GitHub's secondary rate limit (pace the writes)`);
        return { status: 403, headers: { "retry-after": "60" }, body: secondaryLimitBody(403) };
      }
      recent.push(now);
      created.set(identity.login, recent);
    }
    const need = NEEDS[op.operationId];
    if (need === undefined) {
      violate(`${op.operationId} is documented but not implemented in the double`);
      return { status: 404, body: { message: MESSAGES.notFound, documentation_url: op.docsUrl, status: "404" } };
    }
    if (need) {
      const [perm, level] = need;
      const have = identity.permissions?.[perm];
      if (!have || RANK[have] < RANK[level]) {
        return {
          status: 403,
          headers: { "x-accepted-github-permissions": `${perm}=${level}` },
          body: { message: identity.type === "User" ? MESSAGES.pat : MESSAGES.integration, documentation_url: op.docsUrl, status: "403" },
        };
      }
    }
    try {
      return handle(op, { path, query, body: body ?? {}, identity });
    } catch (e) {
      if (e instanceof ApiError) {
        // A state conflict (a label someone else created first) is GitHub's normal answer, not a malformed request.
        const conflict = JSON.stringify(e.reply.body).includes('"already_exists"');
        if (e.reply.status === 422 && !conflict) violate(`GitHub rejects this: ${JSON.stringify(e.reply.body)}`);
        return e.reply;
      }
      throw e;
    }
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("double: no TCP address");
  url = `http://127.0.0.1:${address.port}`;

  const seedIssue = (s: SeedIssue): IssueState => {
    const now = s.createdAt ?? tick();
    const author = userRef(s.author ?? DEFAULT_IDENTITY.login);
    for (const n of s.labels ?? []) if (!findLabel(n)) state.labels.push({ id: nextId++, name: n, color: "ededed", description: null });
    const closed = (s.state ?? "open") === "closed";
    const issue: IssueState = {
      number: state.issues.length + 1,
      title: s.title,
      body: s.body ?? null,
      state: s.state ?? "open",
      stateReason: s.stateReason ?? (closed ? "completed" : null),
      labels: (s.labels ?? []).map((n) => findLabel(n)!.name),
      user: author,
      comments: [],
      assignees: [],
      createdAt: now,
      updatedAt: now,
      closedAt: closed ? (s.closedAt ?? now) : null,
      closedBy: closed ? (s.closedBy ? userRef(s.closedBy) : author) : null,
      locked: false,
      pull: s.pull
        ? { base: defaultBranch, headSha: "6dcb09b5b57875f334f61aebed695e2e4193db5e", merged: false, draft: false, ...s.pull }
        : undefined,
    };
    // Earlier titles: the first `from` is the title it was created with, the last `to` the current one.
    if (s.renamed?.length) {
      const titles = [s.title, ...s.renamed.map((r) => r.to)];
      issue.title = titles.at(-1)!;
      issue.events = s.renamed.map((r, k) => ({
        id: nextId++,
        event: "renamed" as const,
        actor: userRef(r.by ?? author.login),
        createdAt: r.at,
        rename: { from: titles[k]!, to: r.to },
      }));
    }
    state.issues.push(issue);
    for (const c of s.comments ?? []) seedComment(issue.number, c.body, c.author, c.createdAt);
    if (s.createdAt) issue.updatedAt = [issue.updatedAt, issue.closedAt ?? "", ...issue.comments.map((c) => c.updatedAt)].sort().at(-1)!;
    return issue;
  };
  const seedComment = (issueNumber: number, body: string, author?: string, createdAt?: string): CommentState => {
    const issue = state.issues.find((i) => i.number === issueNumber);
    if (!issue) throw new Error(`double: no issue #${issueNumber} to comment on`);
    const now = createdAt ?? tick();
    const comment: CommentState = {
      id: nextId++,
      issueNumber,
      body,
      user: userRef(author ?? DEFAULT_IDENTITY.login),
      createdAt: now,
      updatedAt: now,
    };
    issue.comments.push(comment);
    if (now > issue.updatedAt) issue.updatedAt = now;
    return comment;
  };

  return {
    url,
    owner,
    repo,
    repository: `${owner}/${repo}`,
    requests,
    violations,
    faults,
    state,
    writes: () => requests.filter((r) => r.method !== "GET" && r.method !== "HEAD"),
    seedIssue,
    seedComment,
    seedLabel: (l) => {
      if (findLabel(l.name)) throw new Error(`double: label ${l.name} exists`);
      const label: LabelState = { id: nextId++, name: l.name, color: l.color ?? "ededed", description: l.description ?? null };
      state.labels.push(label);
      return label;
    },
    issue: (n) => state.issues.find((i) => i.number === n),
    inject: (rule) => {
      const entry = { rule, hits: 0, remaining: rule.times ?? 1, skip: rule.skip ?? 0, armed: !rule.armedBy };
      rules.push(entry);
      return {
        rule,
        get hits() {
          return entry.hits;
        },
        get remaining() {
          return entry.remaining;
        },
      };
    },
    clearFaults: () => {
      rules.length = 0;
    },
    resetLog: () => {
      requests.length = 0;
      violations.length = 0;
      faults.length = 0;
    },
    setRateRemaining: (login, remaining) => {
      const identity = Object.values(tokens).find((i) => i.login === login);
      if (!identity) throw new Error(`double: no identity ${login}`);
      const q = quotaFor(identity);
      q.used = q.limit - remaining;
    },
    close: async () => {
      for (const res of hung) res.socket?.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface OrgDouble {
  /** Base URL for GITHUB_API_URL: /orgs/{owner}/repos here, /repos/{owner}/{name}/... forwarded to that repository's double. */
  url: string;
  owner: string;
  /** One single-repository double per name, sharing the tokens. */
  repos: Record<string, GitHubDouble>;
  /** Every request through the front, in order (the repository doubles keep their own logs too). */
  requests: LoggedRequest[];
  /** The front's own violations plus every repository double's. */
  readonly violations: Violation[];
  close(): Promise<void>;
}

/**
 * Several repositories of one organisation behind one URL: GET /orgs/{owner}/repos lists them (validated against
 * the spec like every answer), and each /repos/{owner}/{name}/... request is forwarded to that name's double.
 */
export async function startGitHubOrgDouble(opts: {
  owner?: string;
  repos: string[];
  tokens?: Record<string, Identity>;
}): Promise<OrgDouble> {
  const owner = opts.owner ?? "acme";
  const tokens = opts.tokens ?? { [DEFAULT_TOKEN]: DEFAULT_IDENTITY };
  const repos: Record<string, GitHubDouble> = {};
  for (const name of opts.repos) repos[name] = await startGitHubDouble({ owner, repo: name, tokens });
  const validator = sharedValidator();
  const requests: LoggedRequest[] = [];
  const own: Violation[] = [];
  let url = "";
  const repoItem = (name: string, k: number) => {
    const r = structuredClone(validator.spec.components.examples["minimal-repository-items"].value[0]);
    const api = `${url}/repos/${owner}/${name}`;
    for (const [key, v] of Object.entries<unknown>(r))
      if (typeof v === "string" && v.startsWith("https://api.github.com/repos/octocat/Hello-World"))
        r[key] = v.replace("https://api.github.com/repos/octocat/Hello-World", api);
    Object.assign(r, {
      id: 1296269 + k,
      name,
      full_name: `${owner}/${name}`,
      html_url: `https://github.com/${owner}/${name}`,
      url: api,
      archived: false,
      has_issues: true,
    });
    r.owner = { ...r.owner, login: owner, url: `${url}/users/${owner}` };
    return r;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = (req.method ?? "GET").toUpperCase();
      const parsed = new URL(req.url ?? "/", "http://double.invalid");
      const path = parsed.pathname.replace(/\/+$/, "");
      const query = Object.fromEntries(parsed.searchParams);
      const entry: LoggedRequest = { method, path, query, body: undefined, status: 0, login: null, operationId: null };
      requests.push(entry);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        entry.status = status;
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(JSON.stringify(body));
      };
      const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
      const target = m && m[1]!.toLowerCase() === owner.toLowerCase() ? repos[m[2]!] : undefined;
      if (target) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(k)) headers[k] = v;
        fetch(`${target.url}${parsed.pathname}${parsed.search}`, {
          method,
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        })
          .then(async (answer) => {
            const inner = target.requests.at(-1);
            entry.login = inner?.login ?? null;
            entry.operationId = inner?.operationId ?? null;
            const out: Record<string, string> = {};
            answer.headers.forEach((v, k) => {
              if (k !== "content-length" && k !== "content-encoding") out[k] = k === "link" ? v.split(target.url).join(url) : v;
            });
            entry.status = answer.status;
            res.writeHead(answer.status, out);
            res.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch((err: unknown) => {
            own.push({ method, path, reason: `the org front could not forward: ${String(err)}` });
            reply(502, { message: "Server Error", documentation_url: "https://docs.github.com/rest", status: "502" });
          });
        return;
      }
      const op = validator.match(method, parsed.pathname);
      entry.operationId = op?.operationId ?? null;
      const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      const identity = auth ? tokens[auth[1]!] : undefined;
      entry.login = identity?.login ?? null;
      if (!identity) {
        own.push({ method, path, reason: "unknown or no token" });
        return reply(401, { message: MESSAGES.badCredentials, documentation_url: "https://docs.github.com/rest", status: "401" });
      }
      if (op?.operationId !== "repos/list-for-org" || op.pathParams.org?.toLowerCase() !== owner.toLowerCase()) {
        own.push({
          method,
          path,
          reason: op ? `${op.operationId} is not implemented by the org front` : "no such endpoint in GitHub's REST API",
        });
        return reply(404, { message: MESSAGES.notFound, documentation_url: "https://docs.github.com/rest", status: "404" });
      }
      const check = validator.checkRequest(op, query, undefined);
      for (const u of check.unknown) own.push({ method, path, reason: `${u} is not in GitHub's API for ${op.operationId}` });
      if (!check.ok) {
        for (const problem of check.problems) own.push({ method, path, reason: `GitHub rejects this: ${problem}` });
        return reply(check.status!, { message: check.message, documentation_url: op.docsUrl, status: String(check.status) });
      }
      const items = opts.repos.map(repoItem);
      const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
      const pageNo = Math.max(Number(query.page ?? 1) || 1, 1);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
      const result = validator.checkResponse(op, 200, page);
      for (const problem of result.problems.slice(0, 5))
        own.push({ method, path, reason: `front's 200 response is unlike GitHub's: ${problem}` });
      const link =
        pageNo < last ? `<${url}${parsed.pathname}?${new URLSearchParams({ ...query, page: String(pageNo + 1) })}>; rel="next"` : undefined;
      reply(200, page, link ? { link } : {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("org double: no TCP address");
  url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    owner,
    repos,
    requests,
    get violations() {
      return [...own, ...Object.values(repos).flatMap((d) => d.violations)];
    },
    close: async () => {
      await Promise.all(Object.values(repos).map((d) => d.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
