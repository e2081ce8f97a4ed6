// Comments on issues and pull requests: list, find the tool's latest trusted marker, post at most once.
import { trustedMarker, type Marker, type MarkerKind } from "../marker.ts";
import { retryBaseOf, type RepoClient } from "./client.ts";
import { createOnce } from "./issues.ts";

export interface IssueComment {
  id: number;
  body: string;
  author: string;
  createdAt: string;
  url: string;
}

/** All comments of an issue or PR, oldest first (paginated: grows with comments, not with failures). */
export async function listComments(r: RepoClient, issueNumber: number): Promise<IssueComment[]> {
  const raw = await r.gh.paginate(r.gh.rest.issues.listComments, {
    owner: r.owner,
    repo: r.repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  return raw.map((c) => ({
    id: c.id,
    body: c.body ?? "",
    author: c.user?.login ?? "",
    createdAt: c.created_at,
    url: c.html_url,
  }));
}

/**
 * The newest trusted marker of `kind` among an issue's own body and its comments (the tool comments
 * with a new marker whenever the failures change, so the newest one is the current state).
 */
export function latestMarker(
  issue: { body?: string | null; user?: { login: string } | null } | { marker: Marker; author: string },
  comments: IssueComment[],
  botLogin: string,
  kind: MarkerKind,
): Marker | null {
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    const m = trustedMarker({ body: c.body, user: { login: c.author } }, botLogin);
    if (m && m.kind === kind) return m;
  }
  const own =
    "marker" in issue ? (issue.author.toLowerCase() === botLogin.toLowerCase() ? issue.marker : null) : trustedMarker(issue, botLogin);
  return own && own.kind === kind ? own : null;
}

/**
 * Posts a comment at most once: when the POST fails without an answer, the comments are listed and one
 * by `botLogin` carrying `uniqueText` (normally the marker) is adopted instead of posting again.
 * `botLogin` may be a test of the author instead (a second identity whose login may not be known).
 */
export async function createCommentOnce(
  r: RepoClient,
  issueNumber: number,
  body: string,
  opts: { botLogin: string | ((login: string) => boolean); uniqueText: string; attempts?: number; backoffMs?: number },
): Promise<{ id: number; url: string; adopted: boolean }> {
  return createOnce(
    async () => {
      const { data } = await r.gh.rest.issues.createComment({
        owner: r.owner,
        repo: r.repo,
        issue_number: issueNumber,
        body,
        request: { retries: 0 },
      });
      return { id: data.id, url: data.html_url };
    },
    async () => {
      const all = await listComments(r, issueNumber);
      const by = opts.botLogin;
      const trusted = typeof by === "function" ? by : (login: string) => login.toLowerCase() === by.toLowerCase();
      const mine = all.filter((c) => trusted(c.author) && c.body.includes(opts.uniqueText));
      const last = mine.at(-1);
      return last ? { id: last.id, url: last.url } : null;
    },
    { backoffMs: retryBaseOf(r.gh), ...opts },
  );
}

/** A plain comment (no lost-response protection): for texts whose duplicate does no harm. */
export async function createComment(r: RepoClient, issueNumber: number, body: string): Promise<{ id: number; url: string }> {
  const { data } = await r.gh.rest.issues.createComment({ owner: r.owner, repo: r.repo, issue_number: issueNumber, body });
  return { id: data.id, url: data.html_url };
}
