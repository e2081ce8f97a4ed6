// Labels: make sure the tool's labels exist (with colour and description), and add/remove them on an
// issue one by one. Never PATCH an issue's `labels`: that replaces the whole set and drops people's labels.
import { MAX_LABEL_CHARS } from "../sanitize.ts";
import { statusOf, type RepoClient } from "./client.ts";

export const MAX_LABEL_DESCRIPTION_CHARS = 100;

export interface LabelSpec {
  name: string;
  /** 6 hex digits, no `#`. */
  color: string;
  description: string;
}

/** Colours and descriptions for the labels the tool uses by default; other names get a neutral grey. */
const KNOWN: Record<string, Omit<LabelSpec, "name">> = {
  "auto-healing": { color: "d93f0b", description: "Opened by the self-healing TDD loop: failing tests handed to the agent" },
  bug: { color: "d73a4a", description: "Something isn't working" },
  tdd: { color: "5319e7", description: "Test-driven: a failing test defines the fix" },
  "test-quality": { color: "fbca04", description: "Files under the coverage threshold: tests to write" },
  "needs-human": { color: "b60205", description: "The agent ran out of attempts: a person has to take over" },
  "heal:paused": { color: "cccccc", description: "Kill switch: the self-healing loop leaves this issue alone" },
};

export function labelSpec(name: string): LabelSpec {
  const known = KNOWN[name];
  const spec = { name, color: known?.color ?? "ededed", description: known?.description ?? "Used by the self-healing TDD loop" };
  return {
    name: [...spec.name].slice(0, MAX_LABEL_CHARS).join(""),
    color: spec.color,
    description: [...spec.description].slice(0, MAX_LABEL_DESCRIPTION_CHARS).join(""),
  };
}

/**
 * Creates the labels that do not exist yet. One paginated list (1 request for up to 100 labels), then
 * one create per missing label; a label someone created meanwhile (422 already_exists) counts as there.
 * Returns the names it created.
 */
export async function ensureLabels(r: RepoClient, names: string[]): Promise<string[]> {
  const wanted = [...new Set(names.map((n) => labelSpec(n).name))];
  if (wanted.length === 0) return [];
  const existing = await r.gh.paginate(r.gh.rest.issues.listLabelsForRepo, { owner: r.owner, repo: r.repo, per_page: 100 });
  const have = new Set(existing.map((l) => l.name.toLowerCase()));
  const created: string[] = [];
  for (const name of wanted) {
    if (have.has(name.toLowerCase())) continue;
    const spec = labelSpec(name);
    try {
      await r.gh.rest.issues.createLabel({ owner: r.owner, repo: r.repo, ...spec });
      created.push(name);
    } catch (err) {
      if (statusOf(err) !== 422) throw err;
    }
  }
  return created;
}

export async function addLabels(r: RepoClient, issueNumber: number, labels: string[]): Promise<void> {
  if (labels.length === 0) return;
  await r.gh.rest.issues.addLabels({ owner: r.owner, repo: r.repo, issue_number: issueNumber, labels });
}

/** Removes one label from an issue; a label that is not on it (404) is fine. */
export async function removeLabel(r: RepoClient, issueNumber: number, name: string): Promise<void> {
  try {
    await r.gh.rest.issues.removeLabel({ owner: r.owner, repo: r.repo, issue_number: issueNumber, name });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/** Label names of an issue as the REST API returns them (strings or objects). */
export function labelNames(issue: { labels?: (string | { name?: string | null })[] }): string[] {
  return (issue.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
}
