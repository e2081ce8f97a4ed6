// The body of an issue the tool files (healing, performance, security, coverage, test quality) is built and
// written only here. heal:sync-issue and the findings steps write the rendered text followed by the hidden marker;
// heal:push-task-context later sets only the body's task-link line, in place, keeping what people edited elsewhere.
// Every body stays within GitHub's 65,536-byte limit.
import type { Marker, MarkerInput } from "../marker.ts";
import { MARKER_PREFIX } from "../marker.ts";
import { byteLength, MAX_BODY_BYTES } from "../sanitize.ts";
import type { RepoClient } from "./client.ts";
import { bodyWithMarker, createIssueOnce, updateIssue, type ToolIssue } from "./issues.ts";

/** The line the tool owns in a healing issue's body; replaced in place, never duplicated. */
export const LINK_TAG = "<!-- heal:task-link -->";
/** Room left in a new healing issue's body for the task link push-task-context adds (a ~250-byte line). */
export const TASK_LINK_RESERVE = 1024;

/** What a write does to the body. */
export type BodyChange =
  /** The whole body: `text` (cut with `cutNotice` to fit) and the marker; `linkRoom` keeps room for a task link. */
  | { kind: "text"; text: string; marker: MarkerInput | Marker; cutNotice: string; linkRoom: boolean }
  /** Only the task-link line (rendered from task-link.md, without its tag): set where it is, else above the marker. */
  | { kind: "task-link"; link: string };

/** The body `current` becomes after `change`. */
export function issueBody(current: string, change: BodyChange): string {
  if (change.kind === "text") return bodyWithMarker(change.text, change.marker, change.cutNotice, change.linkRoom ? TASK_LINK_RESERVE : 0);
  return withLink(current, change.link);
}

/** Where a body's task link points: the commit and the path, or null without a link. */
export function currentTaskLink(body: string): { sha: string; path: string } | null {
  const line = body.split("\n").find((l) => l.includes(LINK_TAG));
  const m = line && /\/blob\/([0-9a-f]{40})\/(\S+?)\)/.exec(line);
  return m ? { sha: m[1]!, path: decodeURIComponent(m[2]!) } : null;
}

/**
 * The body with the tool's task-link line set: replaced where it is, else placed just above the hidden marker.
 * People's edits elsewhere in the body are kept; a body already at GitHub's limit is returned as it is.
 */
export function withLink(body: string, link: string): string {
  const line = `${link} ${LINK_TAG}`;
  const lines = body.split("\n");
  const at = lines.findIndex((l) => l.includes(LINK_TAG));
  if (at !== -1) {
    lines[at] = line;
    return lines.join("\n");
  }
  const marker = body.lastIndexOf(MARKER_PREFIX);
  const next = marker === -1 ? `${body.trimEnd()}\n\n${line}\n` : `${body.slice(0, marker).trimEnd()}\n\n${line}\n\n${body.slice(marker)}`;
  // A body already at GitHub's limit keeps its text; the link is then only in github.json and the summary.
  return byteLength(next) <= MAX_BODY_BYTES ? next : body;
}

/** A new issue (created at most once: `find` looks for the one a lost response made), or the issue as read. */
export type BodyTarget =
  | { create: { title: string; labels: string[]; find: () => Promise<ToolIssue | null> } }
  | { issue: { number: number; url?: string | null; title: string; body?: string | null } };

export interface BodyWritten {
  number: number;
  url: string | null;
  /** created: POST; adopted: the issue a lost POST made was found; updated: PATCH; unchanged: no request. */
  action: "created" | "adopted" | "updated" | "unchanged";
  /** Whether the body's text differs from before (false for a new title alone). */
  bodyChanged: boolean;
}

/**
 * The only write of an issue body: a POST with the new body, or one PATCH of the body (and `title`, when given)
 * when either differs from the issue as read; nothing when both are the same. Labels are never sent on a PATCH
 * (they would replace people's labels).
 */
export async function writeIssueBody(r: RepoClient, target: BodyTarget, change: BodyChange, title?: string): Promise<BodyWritten> {
  if ("create" in target) {
    const body = issueBody("", change);
    const created = await createIssueOnce(
      r,
      { title: title ?? target.create.title, body, labels: target.create.labels },
      { find: target.create.find },
    );
    return { number: created.number, url: created.url, action: created.adopted ? "adopted" : "created", bodyChanged: true };
  }
  const { issue } = target;
  const current = issue.body ?? "";
  const body = issueBody(current, change);
  const bodyChanged = normalize(body) !== normalize(current);
  const done = { number: issue.number, url: issue.url ?? null, bodyChanged };
  if (!bodyChanged && (title === undefined || title === issue.title)) return { ...done, action: "unchanged" };
  await updateIssue(r, issue.number, { ...(title !== undefined ? { title } : {}), body });
  return { ...done, action: "updated" };
}

/** GitHub may hand a body back with CRLF line ends: compare text, not bytes. */
function normalize(text: string): string {
  return text.replace(/\r\n/g, "\n").trimEnd();
}
