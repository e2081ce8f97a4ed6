// The tool's own issues: found through the list API by label + creator + trusted marker (never by
// title, never through search, whose index lags), created at most once even when a response is lost.
import { HealError } from "../errors.ts";
import { buildMarker, trustedMarker, type Marker, type MarkerInput, type MarkerKind } from "../marker.ts";
import { limitBody, MAX_BODY_BYTES } from "../sanitize.ts";
import { retryBaseOf, type RepoClient } from "./client.ts";
import { labelNames } from "./labels.ts";

export interface ToolIssue {
  number: number;
  url: string;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  author: string;
  marker: Marker;
  createdAt: string;
  closedAt: string | null;
}

export interface FindIssueQuery {
  kind: MarkerKind;
  /** Only issues whose marker names this branch (healing issues are per branch); omit for any. */
  branch?: string;
  botLogin: string;
  /** The label the list is filtered by (the first of the configured labels, e.g. auto-healing). */
  label: string;
  state?: "open" | "closed" | "all";
}

export interface ListIssuesQuery {
  label: string;
  botLogin: string;
  state?: "open" | "closed" | "all";
  /** ISO time: only issues updated at or after it (GitHub's `since`). */
  since?: string | null;
}

/**
 * The tool's issues with `label`, created by `botLogin` and carrying its trusted marker, oldest first (pull
 * requests left out). Paginated; GitHub's errors as they come (task metrics reports them as they are).
 */
export async function listTrustedIssues(r: RepoClient, q: ListIssuesQuery): Promise<ToolIssue[]> {
  const raw = await r.gh.paginate(r.gh.rest.issues.listForRepo, {
    owner: r.owner,
    repo: r.repo,
    labels: q.label,
    creator: q.botLogin,
    state: q.state ?? "open",
    sort: "created",
    direction: "asc",
    per_page: 100,
    ...(q.since ? { since: q.since } : {}),
  });
  const out: ToolIssue[] = [];
  for (const issue of raw) {
    if (issue.pull_request) continue;
    const marker = trustedMarker(issue, q.botLogin);
    if (!marker) continue;
    out.push(toToolIssue(issue, marker));
  }
  return out;
}

/** listTrustedIssues for a step that is about to file: a failed list stops it (fail closed, never a duplicate). */
export async function listToolIssues(r: RepoClient, q: ListIssuesQuery): Promise<ToolIssue[]> {
  try {
    return await listTrustedIssues(r, q);
  } catch (err) {
    throw listFailed(err);
  }
}

/** The oldest matching issue (duplicates made by hand or by older versions resolve to the first). */
export async function findToolIssue(r: RepoClient, q: FindIssueQuery): Promise<ToolIssue | null> {
  const issues = await listToolIssues(r, q);
  const match = issues.filter((i) => i.marker.kind === q.kind && (q.branch === undefined || i.marker.branch === q.branch));
  match.sort((a, b) => a.number - b.number);
  return match[0] ?? null;
}

export async function getIssue(r: RepoClient, issueNumber: number) {
  const { data } = await r.gh.rest.issues.get({ owner: r.owner, repo: r.repo, issue_number: issueNumber });
  return data;
}

/**
 * Body text followed by the marker, cut so the whole stays within GitHub's 65,536-byte limit, leaving
 * `reserveBytes` free for a line added later (push-task-context's task link).
 */
export function bodyWithMarker(body: string, marker: MarkerInput | Marker, cutNotice: string, reserveBytes = 0): string {
  const tag = buildMarker(marker);
  const budget = MAX_BODY_BYTES - new TextEncoder().encode(tag).length - 2 - reserveBytes;
  return `${limitBody(body.trimEnd(), cutNotice, budget)}\n\n${tag}`;
}

export interface CreateIssueInput {
  title: string;
  /** Already carries the marker (see bodyWithMarker). */
  body: string;
  labels: string[];
}

export interface CreateOnceOptions {
  /** Looks for the issue a lost response may have created; called before every retry. */
  find: () => Promise<ToolIssue | null>;
  /** Attempts in all (first + retries). Default 3. */
  attempts?: number;
  /** Wait before a retry, ms (× attempt number). Default 1000. */
  backoffMs?: number;
}

/**
 * Creates an issue at most once. The POST itself is never retried blindly: when it fails in a way that
 * may have created the issue anyway (5xx, reset, timeout), list again and adopt the issue carrying our
 * marker; only when there is none, try again. Returns the issue and whether it was adopted.
 */
export async function createIssueOnce(
  r: RepoClient,
  input: CreateIssueInput,
  opts: CreateOnceOptions,
): Promise<{ number: number; url: string; adopted: boolean }> {
  return createOnce(
    async () => {
      const { data } = await r.gh.rest.issues.create({
        owner: r.owner,
        repo: r.repo,
        title: input.title,
        body: input.body,
        labels: input.labels,
        request: { retries: 0 },
      });
      return { number: data.number, url: data.html_url };
    },
    async () => {
      const found = await opts.find();
      return found ? { number: found.number, url: found.url } : null;
    },
    { backoffMs: retryBaseOf(r.gh), ...opts },
  );
}

/** Shared by issue and comment creation: retry a create only after looking for its lost result. */
export async function createOnce<T>(
  create: () => Promise<T>,
  find: () => Promise<T | null>,
  opts: { attempts?: number; backoffMs?: number } = {},
): Promise<T & { adopted: boolean }> {
  const attempts = opts.attempts ?? 3;
  const backoff = opts.backoffMs ?? 1000;
  let lastErr: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await Bun.sleep(backoff * (attempt - 1));
      const found = await find();
      if (found) return { ...found, adopted: true };
    }
    try {
      return { ...(await create()), adopted: false };
    } catch (err) {
      // Only "no answer / server error" can hide a create that happened; anything else is final.
      if (!(err instanceof HealError) || err.code !== "GITHUB_UNAVAILABLE") throw err;
      lastErr = err;
    }
  }
  const found = await find();
  if (found) return { ...found, adopted: true };
  throw lastErr;
}

/**
 * Replaces the title and/or the body in one PATCH; labels, state and assignees stay untouched (a PATCH with
 * `labels` would replace people's labels). Nothing given -> no request.
 */
export async function updateIssue(r: RepoClient, issueNumber: number, change: { title?: string; body?: string }): Promise<void> {
  const fields = {
    ...(change.title !== undefined ? { title: change.title } : {}),
    ...(change.body !== undefined ? { body: change.body } : {}),
  };
  if (Object.keys(fields).length === 0) return;
  await r.gh.rest.issues.update({ owner: r.owner, repo: r.repo, issue_number: issueNumber, ...fields });
}

export async function closeIssue(r: RepoClient, issueNumber: number, reason: "completed" | "not_planned" = "completed"): Promise<void> {
  await r.gh.rest.issues.update({ owner: r.owner, repo: r.repo, issue_number: issueNumber, state: "closed", state_reason: reason });
}

export function issueUrl(serverUrl: string, repository: string, issueNumber: number): string {
  return `${serverUrl.replace(/\/+$/, "")}/${repository}/issues/${issueNumber}`;
}

function listFailed(err: unknown): unknown {
  // Auth, permission and rate-limit errors already say what to do; anything else becomes "fail closed".
  if (err instanceof HealError && ["GITHUB_AUTH", "GITHUB_PERMISSION", "GITHUB_RATE_LIMIT"].includes(err.code)) return err;
  const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new HealError("GITHUB_LIST_FAILED", `listing issues failed (${detail})`);
}

interface RawIssue {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  labels: (string | { name?: string | null })[];
  user: { login: string } | null;
  created_at: string;
  closed_at?: string | null;
}

function toToolIssue(issue: RawIssue, marker: Marker): ToolIssue {
  return {
    number: issue.number,
    url: issue.html_url,
    title: issue.title,
    body: issue.body ?? "",
    state: issue.state === "closed" ? "closed" : "open",
    labels: labelNames(issue),
    author: issue.user?.login ?? "",
    marker,
    createdAt: issue.created_at,
    closedAt: issue.closed_at ?? null,
  };
}
