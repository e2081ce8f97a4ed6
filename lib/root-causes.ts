// Groups failures that share a root cause: the same normalised message (volatile values normalised as the
// fingerprint does, lib/fingerprint.ts errorKind) raised at the same innermost frame in the repository (a repo
// file, never node_modules or site-packages). The issue lists the groups first; the task YAML carries them.
import { errorKind } from "./fingerprint.ts";
import { type Frame, indexRepo, isForeignFrame, parseFrames, type RepoIndex, resolveRepoPath } from "./location.ts";
import type { FailureRecord } from "./types.ts";

/** Fewer failures than this with one cause are listed one by one, not as a group. */
export const MIN_GROUP_SIZE = 2;

export interface RootCause {
  /** The first non-empty line of the first member's message, as the runner printed it (not redacted yet). */
  message: string;
  /** `file:line` of the innermost repository frame (repo-relative when the repository is known). */
  location: string;
  /** Members, in the order they were given. */
  failures: FailureRecord[];
}

export interface RootCauseGroups {
  /** Largest first, then by location. */
  groups: RootCause[];
  /** Failures that share their cause with no other failure, in the order they were given. */
  rest: FailureRecord[];
}

/** The first non-empty line, trimmed. */
export function firstMessageLine(message: string | null | undefined): string {
  const text = (message ?? "").slice(0, 64 * 1024);
  return (text.split("\n").find((l) => l.trim() !== "") ?? "").trim();
}

function repoFrame(frame: Frame, index: RepoIndex | null): string | null {
  if (isForeignFrame(frame.path)) return null;
  if (!index) return frame.path.replace(/^file:\/\//, "").replace(/^\.\//, "");
  return resolveRepoPath(frame.path, index);
}

/**
 * `file:line` of the innermost frame in a repository file: from the stack, else from the message (Python
 * tracebacks can sit there), else the record's own file and line; null when none is known.
 */
export function innermostRepoFrame(f: FailureRecord, index: RepoIndex | null): string | null {
  for (const text of [f.stack, f.message]) {
    // pytest closes a doctest's traceback with the example's line (`pkg/m.py:6: UnexpectedException`): where it
    // raised is the traceback's own innermost frame, as for a test that raises the same.
    for (const frame of parseFrames((text ?? "").replace(/^\S+:\d+: UnexpectedException\s*$/m, ""))) {
      const file = repoFrame(frame, index);
      if (file) return `${file}:${frame.line}`;
    }
  }
  return f.file && f.line ? `${f.file}:${f.line}` : null;
}

/**
 * Splits failures into root-cause groups (at least MIN_GROUP_SIZE members) and the rest. With `repoRoot`,
 * frame paths (absolute CI paths included) are mapped to repo files; without it they are compared as written.
 */
export function groupRootCauses(failures: FailureRecord[], opts: { repoRoot?: string | null } = {}): RootCauseGroups {
  const index = opts.repoRoot ? indexRepo(opts.repoRoot) : null;
  const byKey = new Map<string, { location: string; members: FailureRecord[] }>();
  const keyOf = new Map<FailureRecord, string>();
  for (const f of failures) {
    const location = innermostRepoFrame(f, index);
    if (location === null) continue;
    // Not the kind: a test file that fails to load (an error) and tests that fail (failures) can share one bug.
    const key = `${errorKind(f.message)}\u0000${location}`;
    keyOf.set(f, key);
    const entry = byKey.get(key);
    if (entry) entry.members.push(f);
    else byKey.set(key, { location, members: [f] });
  }
  const groups: RootCause[] = [];
  const grouped = new Set<string>();
  for (const [key, { location, members }] of byKey) {
    if (members.length < MIN_GROUP_SIZE) continue;
    grouped.add(key);
    groups.push({ message: firstMessageLine(members[0]!.message), location, failures: members });
  }
  groups.sort((a, b) => b.failures.length - a.failures.length || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  const rest = failures.filter((f) => !grouped.has(keyOf.get(f) ?? ""));
  return { groups, rest };
}
