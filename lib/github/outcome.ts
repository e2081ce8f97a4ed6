// `github.json` in the reports folder: what the GitHub steps did, read by the next step and by finish.
// Each step adds its own fields; none drops another's.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readJsonFile, requireJsonFile } from "../json-file.ts";
import { REPORT_FILES } from "../paths.ts";

export type SyncAction = "created" | "commented" | "unchanged" | "closed" | "skipped";

export interface HandoffRecord {
  /** comment: agent-token comment; dispatch: repository_dispatch; none: nothing could wake the agent. */
  via: "comment" | "dispatch" | "none" | "skipped";
  reason?: string;
  commentUrl?: string;
  eventType?: string;
  attempt?: number;
  /** A dispatch sent whose answer was lost: it may or may not have started the agent, and is not sent again. */
  unconfirmed?: boolean;
}

export interface GitHubOutcome {
  issueNumber: number | null;
  issueUrl: string | null;
  action: SyncAction;
  /** Why the action was `skipped` or `unchanged`, in words. */
  reason?: string;
  branch?: string | null;
  failures?: number;
  /** Repo-relative task-context path named by the issue. */
  taskPath?: string | null;
  /** The commit holding the task file (new or unchanged), set by push-task-context. */
  taskCommit?: string | null;
  taskUrl?: string | null;
  /** Whether push-task-context made a new commit. */
  taskCommitted?: boolean;
  /** Task files push-task-context deleted on the remote branch in a green run. */
  removedTasks?: string[];
  handoff?: HandoffRecord;
  /** Whether the issue already carries a hand-off (set by sync-issue for an existing issue). */
  handedOff?: boolean;
}

export function outcomePath(reportsDir: string): string {
  return join(reportsDir, REPORT_FILES.github);
}

export function readOutcome(reportsDir: string): GitHubOutcome {
  const path = outcomePath(reportsDir);
  return requireJsonFile<GitHubOutcome>(path, path, "run heal:sync-issue first");
}

/** Merges `patch` into github.json (creating it) and returns the result. */
export function writeOutcome(reportsDir: string, patch: Partial<GitHubOutcome>, replace = false): GitHubOutcome {
  const path = outcomePath(reportsDir);
  const before = replace ? null : readJsonFile<GitHubOutcome>(path);
  const next = { ...(before ?? { issueNumber: null, issueUrl: null, action: "skipped" }), ...patch } as GitHubOutcome;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}
