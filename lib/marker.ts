// The hidden marker the tool leaves in its own issues and comments, and the rules for trusting one.
// A marker is an HTML comment GitHub does not render: `<!-- self-healing-tdd:{json} -->`.
// Anyone who can comment can paste a marker, so a marker only counts when the post's author is the
// tool's own identity (config `bot_login`, default `github-actions[bot]`, or GET /user's login with a PAT).
import { createHash } from "node:crypto";

export const MARKER_PREFIX = "<!-- self-healing-tdd:";
const MARKER_SUFFIX = " -->";
/** Past this many fingerprints the marker keeps only the digest, so it never crowds a 65,536-byte body. */
export const MAX_MARKER_FINGERPRINTS = 1000;

/** healing, perf and audit are the three finding kinds one branch issue each tracks (lib/github/healing-issue.ts). */
export type MarkerKind = "healing" | "perf" | "audit" | "coverage" | "verification" | "test-quality";

export interface Marker {
  v: 1;
  kind: MarkerKind;
  branch: string;
  /** sha256 (first 16 hex) of the sorted fingerprint set: equal digests = same failures. */
  digest: string;
  /** Sorted, unique; absent when there were more than MAX_MARKER_FINGERPRINTS. */
  fingerprints?: string[];
  count: number;
  run?: { id: string; attempt: string };
  /** Free, kind-specific fields (coverage percentage, verification attempt, ...): JSON scalars only. */
  extra?: Record<string, string | number | boolean | null>;
}

export interface MarkerInput {
  kind: MarkerKind;
  branch: string;
  fingerprints: Iterable<string>;
  run?: { id: string; attempt: string } | null;
  extra?: Marker["extra"];
}

export function fingerprintDigest(fingerprints: Iterable<string>): string {
  const sorted = [...new Set(fingerprints)].sort();
  return createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 16);
}

export function markerData(input: MarkerInput): Marker {
  const sorted = [...new Set(input.fingerprints)].sort();
  const marker: Marker = {
    v: 1,
    kind: input.kind,
    branch: input.branch,
    digest: fingerprintDigest(sorted),
    count: sorted.length,
  };
  if (sorted.length <= MAX_MARKER_FINGERPRINTS) marker.fingerprints = sorted;
  if (input.run) marker.run = { id: String(input.run.id), attempt: String(input.run.attempt) };
  if (input.extra) marker.extra = input.extra;
  return marker;
}

/** The comment text. `<`, `>` and `&` are JSON-escaped so no value can close the comment early. */
export function buildMarker(input: MarkerInput | Marker): string {
  const data = "v" in input ? input : markerData(input);
  const json = JSON.stringify(data).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
  return `${MARKER_PREFIX}${json}${MARKER_SUFFIX}`;
}

const KINDS = new Set<MarkerKind>(["healing", "perf", "audit", "coverage", "verification", "test-quality"]);
const FINGERPRINT = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The last well-formed marker in a text, or null. A hand-edited or truncated body degrades to null
 * (the caller then treats the post as carrying no state), never to an exception.
 */
export function parseMarker(text: string | null | undefined): Marker | null {
  if (!text) return null;
  let from = text.length;
  while (from >= 0) {
    const start = text.lastIndexOf(MARKER_PREFIX, from);
    if (start === -1) return null;
    const end = text.indexOf(MARKER_SUFFIX, start + MARKER_PREFIX.length);
    if (end !== -1) {
      const parsed = validate(text.slice(start + MARKER_PREFIX.length, end));
      if (parsed) return parsed;
    }
    from = start - 1;
  }
  return null;
}

function validate(json: string): Marker | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const m = raw as Record<string, unknown>;
  if (m.v !== 1 || !KINDS.has(m.kind as MarkerKind) || typeof m.branch !== "string") return null;
  if (typeof m.digest !== "string" || !/^[0-9a-f]{16}$/.test(m.digest)) return null;
  if (typeof m.count !== "number" || !Number.isInteger(m.count) || m.count < 0) return null;
  const out: Marker = { v: 1, kind: m.kind as MarkerKind, branch: m.branch, digest: m.digest, count: m.count };
  if (m.fingerprints !== undefined) {
    if (!Array.isArray(m.fingerprints) || !m.fingerprints.every((f) => typeof f === "string" && FINGERPRINT.test(f))) return null;
    out.fingerprints = m.fingerprints as string[];
  }
  if (m.run !== undefined) {
    const run = m.run as Record<string, unknown> | null;
    if (!run || typeof run.id !== "string" || typeof run.attempt !== "string") return null;
    out.run = { id: run.id, attempt: run.attempt };
  }
  if (m.extra !== undefined) {
    if (!m.extra || typeof m.extra !== "object" || Array.isArray(m.extra)) return null;
    const extra: NonNullable<Marker["extra"]> = {};
    for (const [k, val] of Object.entries(m.extra)) {
      if (val !== null && !["string", "number", "boolean"].includes(typeof val)) return null;
      extra[k] = val as string | number | boolean | null;
    }
    out.extra = extra;
  }
  return out;
}

/** Anything with a body and an author: an issue or a comment as the REST API returns it. */
export interface AuthoredPost {
  body?: string | null;
  user?: { login: string } | null;
}

/** The marker of a post, only when the post was written by the tool's own identity. */
export function trustedMarker(post: AuthoredPost, botLogin: string): Marker | null {
  if (!post.user || post.user.login.toLowerCase() !== botLogin.toLowerCase()) return null;
  return parseMarker(post.body);
}

/** What changed between two fingerprint sets (`before` null = unknown earlier state). */
export function diffFingerprints(before: Marker | null, now: Iterable<string>): { added: string[]; fixed: string[]; changed: boolean } {
  const current = [...new Set(now)].sort();
  if (!before) return { added: current, fixed: [], changed: true };
  if (before.digest === fingerprintDigest(current)) return { added: [], fixed: [], changed: false };
  if (!before.fingerprints) return { added: current, fixed: [], changed: true };
  const old = new Set(before.fingerprints);
  const cur = new Set(current);
  return {
    added: current.filter((f) => !old.has(f)),
    fixed: before.fingerprints.filter((f) => !cur.has(f)),
    changed: true,
  };
}
