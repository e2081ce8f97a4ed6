// The one coverage issue: created when files are under the threshold, its title and body replaced while it is
// open (no request when nothing changed), closed with a comment once every file meets the threshold.
// Found like every tool issue: label + creator + trusted marker of kind "coverage" (lib/github/issues.ts).
// Its own @claude mention wakes nothing (filed with GITHUB_TOKEN): when it is created or its body changes, the
// agent is woken like for a healing issue (lib/github/handoff.ts: agent token comment, or repository_dispatch
// with client_payload.kind "coverage"), within the daily mention cap.
import { createHash } from "node:crypto";
import { isPaused } from "../budget.ts";
import type { HealConfig } from "../config.ts";
import type { RepoClient } from "../github/client.ts";
import { createCommentOnce, listComments, type IssueComment } from "../github/comments.ts";
import { wakeAgent, type HandoffAuthors } from "../github/handoff.ts";
import { writeIssueBody, type BodyChange } from "../github/issue-body.ts";
import { closeIssue, findToolIssue } from "../github/issues.ts";
import { ensureLabels } from "../github/labels.ts";
import { coverageCloseText, coverageHandoffText, cutNotice, handoffNoteText, type TextSource } from "../github/texts.ts";
import type { HandoffRecord } from "../step-files.ts";
import { buildMarker, type MarkerInput } from "../marker.ts";
import type { CoverageSummary } from "./summary.ts";

export type CoverageIssueAction = "created" | "updated" | "unchanged" | "closed" | "none" | "paused";

export interface CoverageIssueOutcome {
  action: CoverageIssueAction;
  number: number | null;
  url: string | null;
  /** How the agent was (or was not) woken, when the issue was created or its body changed. */
  handoff?: HandoffRecord;
}

/** What waking the agent for the coverage issue needs (absent: nobody is woken). */
export interface CoverageHandoffInput {
  agent: HealConfig["agent"];
  /** The agent token's client, null when the token is not set. */
  agentClient: RepoClient | null;
  /** Resolved only when a hand-off is due (a personal agent token costs one GET /user). */
  who: () => Promise<HandoffAuthors>;
  /** budget.daily_mentions, and the labels the cap lists (first of labels.healing and labels.coverage). */
  cap: { dailyMentions: number; labels: string[] };
  run: { id: string | null; attempt: string };
  /** The branch the coverage was measured on: the agent starts from it. */
  branch: string | null;
}

export interface CoverageIssueInput {
  summary: CoverageSummary;
  title: string;
  /** Rendered body without the marker. */
  body: string;
  labels: string[];
  botLogin: string;
  /** `labels.paused` is the kill switch: an open coverage issue carrying it is left alone. */
  config: Pick<HealConfig, "labels">;
  /** Overall percentage as shown in the title, for the closing comment. */
  overallPct: string;
  /** Where the closing comment, the cut notice and the hand-off texts are rendered from (templates). */
  texts: TextSource & { config: Pick<HealConfig, "reportsDir"> };
  handoff?: CoverageHandoffInput;
}

/**
 * A findings issue of any kind (coverage, test quality): one per repository, found by its marker's kind, created
 * while there are findings, updated when they change, closed with a comment when none are left, and handed to the
 * agent when created or changed. syncCoverageIssue and task test-quality both go through syncFindingsIssue.
 */
export interface FindingsIssueInput {
  /** Kind, fingerprints and extra fields of the hidden marker (only what the findings say). */
  marker: MarkerInput;
  /** Whether anything is left to fix: false closes an open issue. */
  open: boolean;
  title: string;
  /** Rendered body without the marker. */
  body: string;
  labels: string[];
  botLogin: string;
  config: Pick<HealConfig, "labels">;
  /** The notice ending a body cut to GitHub's size limit. */
  cutNotice: string;
  /** The closing comment, without the marker. */
  closeText: () => string;
  handoff?: FindingsHandoffInput;
}

/** Waking the agent for a findings issue: the route and cap inputs, the ask and the dispatch note. */
export interface FindingsHandoffInput extends CoverageHandoffInput {
  ask: (issueNumber: number) => string;
  note: (unconfirmed: boolean) => string;
}

/**
 * The marker holds only what the coverage says (no run id, no commit), so an unchanged coverage renders
 * a byte-identical body and the run makes no write. The coverage issue is one per repository: branch "".
 */
export function coverageMarker(summary: CoverageSummary): MarkerInput {
  return {
    kind: "coverage",
    branch: "",
    fingerprints: summary.belowThreshold.map((f) => createHash("sha256").update(f).digest("hex").slice(0, 12)),
    extra: { pct: summary.overall.pct, threshold: summary.threshold },
  };
}

export async function syncCoverageIssue(r: RepoClient, input: CoverageIssueInput): Promise<CoverageIssueOutcome> {
  const h = input.handoff;
  return syncFindingsIssue(r, {
    marker: coverageMarker(input.summary),
    open: input.summary.belowThreshold.length > 0,
    title: input.title,
    body: input.body,
    labels: input.labels,
    botLogin: input.botLogin,
    config: input.config,
    cutNotice: cutNotice(input.texts, "coverage", "coverage.json", input.texts.config.reportsDir),
    closeText: () => coverageCloseText(input.texts, { threshold: input.summary.threshold, overall_pct: input.overallPct }),
    handoff: h && {
      ...h,
      ask: (n) =>
        coverageHandoffText(input.texts, {
          issue_number: n,
          threshold: input.summary.threshold,
          branch: h.branch ? `\`${h.branch}\`` : "",
        }),
      note: (unconfirmed) =>
        handoffNoteText(input.texts, {
          kind: "coverage",
          event_type: h.agent.dispatchEventType,
          attempt: null,
          max_attempts: h.agent.maxAttempts,
          unconfirmed,
        }),
    },
  });
}

export async function syncFindingsIssue(r: RepoClient, input: FindingsIssueInput): Promise<CoverageIssueOutcome> {
  const label = input.labels[0] ?? "auto-healing";
  const kind = input.marker.kind;
  const find = () => findToolIssue(r, { kind, botLogin: input.botLogin, label, state: "open" });
  const open = await find();
  const marker = input.marker;

  if (open && isPaused(open.labels, input.config)) return { action: "paused", number: open.number, url: open.url };

  if (!input.open) {
    if (!open) return { action: "none", number: null, url: null };
    const tag = buildMarker(marker);
    const text = `${input.closeText()}\n\n${tag}`;
    await createCommentOnce(r, open.number, text, { botLogin: input.botLogin, uniqueText: tag });
    await closeIssue(r, open.number, "completed");
    return { action: "closed", number: open.number, url: open.url };
  }

  const text: BodyChange = { kind: "text", text: input.body, marker, cutNotice: input.cutNotice, linkRoom: false };
  if (open) {
    // Title and body in one PATCH, only when either changed.
    const written = await writeIssueBody(r, { issue: open }, text, input.title);
    const done: CoverageIssueOutcome = {
      action: written.action === "unchanged" ? "unchanged" : "updated",
      number: open.number,
      url: open.url,
    };
    if (!written.bodyChanged) return done; // a new title only: the findings are the same
    return withHandoff(r, done, input, await listComments(r, open.number));
  }

  await ensureLabels(r, input.labels);
  const created = await writeIssueBody(r, { create: { title: input.title, labels: input.labels, find } }, text);
  const adopted = created.action === "adopted";
  const done: CoverageIssueOutcome = { action: adopted ? "unchanged" : "created", number: created.number, url: created.url };
  // A new issue has no comments yet; one adopted after a lost response may already carry this run's hand-off.
  return withHandoff(r, done, input, adopted ? await listComments(r, created.number) : []);
}

async function withHandoff(
  r: RepoClient,
  done: CoverageIssueOutcome,
  input: FindingsIssueInput,
  comments: IssueComment[],
): Promise<CoverageIssueOutcome> {
  const h = input.handoff;
  if (!h || done.number === null) return done;
  const n = done.number;
  const handoff = await wakeAgent({
    r,
    agentClient: h.agentClient,
    agent: h.agent,
    issueNumber: n,
    who: await h.who(),
    comments,
    cap: h.cap,
    run: h.run,
    ask: h.ask(n),
    note: h.note,
    payload: { kind: input.marker.kind, issue_number: n, branch: h.branch },
  });
  return { ...done, handoff };
}
