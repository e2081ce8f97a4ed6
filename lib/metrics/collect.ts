// Reads what the tool left in a repository: its issues (label + creator + trusted marker, like every tool look-up),
// the comments on them (one repository-wide, paginated list instead of one list per issue), and the titles of its
// coverage issues over time (`renamed` events). Only posts by the tool's identity count (lib/marker.ts).
// Requests for R repositories with I tool issues, C comments since --since and V coverage issues:
// ceil(I/100) per listed label + ceil(C/100) + V (each at least 1); --org adds ceil(repositories/100).
import type { RepoClient } from "../github/client.ts";
import { listTrustedIssues } from "../github/issues.ts";
import { trustedMarker } from "../marker.ts";
import type { IssueHistory, RepositoryHistory } from "./model.ts";

export interface CollectOptions {
  botLogin: string;
  /** Labels the tool files its issues under (healing and coverage: config labels.healing[0], labels.coverage[0]). */
  labels: string[];
  /** ISO time: only issues created at or after it (and comments updated at or after it). */
  since: string | null;
}

/** The tool's issues in one repository, with their trusted history. */
export async function collectRepository(r: RepoClient, opts: CollectOptions): Promise<RepositoryHistory> {
  const repository = `${r.owner}/${r.repo}`;
  const byNumber = new Map<number, IssueHistory>();
  for (const label of [...new Set(opts.labels)]) {
    for (const issue of await listTrustedIssues(r, { label, botLogin: opts.botLogin, state: "all", since: opts.since })) {
      if (byNumber.has(issue.number)) continue;
      if (opts.since && issue.createdAt < opts.since) continue;
      if (issue.marker.kind === "verification") continue;
      const { author: _author, ...fields } = issue;
      byNumber.set(issue.number, { repository, ...fields, posts: [], renames: [] });
    }
  }
  if (byNumber.size === 0) return { repository, issues: [] };

  const comments = await r.gh.paginate(r.gh.rest.issues.listCommentsForRepo, {
    owner: r.owner,
    repo: r.repo,
    sort: "created",
    direction: "asc",
    per_page: 100,
    ...(opts.since ? { since: opts.since } : {}),
  });
  for (const c of comments) {
    const n = Number(/\/issues\/(\d+)$/.exec(c.issue_url)?.[1]);
    const issue = byNumber.get(n);
    if (!issue) continue;
    const marker = trustedMarker(c, opts.botLogin);
    if (marker) issue.posts.push({ createdAt: c.created_at, marker });
  }

  for (const issue of byNumber.values()) {
    if (issue.marker.kind !== "coverage") continue;
    const events = await r.gh.paginate(r.gh.rest.issues.listEvents, {
      owner: r.owner,
      repo: r.repo,
      issue_number: issue.number,
      per_page: 100,
    });
    for (const e of events) {
      const rename = (e as { rename?: { from: string; to: string } }).rename;
      // A title someone else gave the issue is not the tool's coverage figure.
      if (e.event !== "renamed" || !rename || e.actor?.login.toLowerCase() !== opts.botLogin.toLowerCase()) continue;
      issue.renames.push({ at: e.created_at, from: rename.from, to: rename.to });
    }
  }
  const issues = [...byNumber.values()].sort((a, b) => a.number - b.number);
  for (const i of issues) i.posts.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  return { repository, issues };
}

/**
 * The repositories of an organisation that run the loop: listed (archived ones and those without issues left out),
 * then kept when the tool has at least one issue there (the collection itself tells).
 */
export async function listOrgRepositories(gh: RepoClient["gh"], org: string): Promise<string[]> {
  const repos = await gh.paginate(gh.rest.repos.listForOrg, { org, type: "all", sort: "full_name", per_page: 100 });
  return repos.filter((r) => !r.archived && r.has_issues !== false).map((r) => r.full_name);
}
