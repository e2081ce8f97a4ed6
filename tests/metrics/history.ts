// A month of the loop's life seeded into the GitHub double with the tool's own marker code (lib/marker.ts) and the
// marker fields scripts/verify-fix.ts, scripts/sync-issue.ts and lib/coverage/issue.ts write. The expected figures
// are worked out by hand in tests/metrics/metrics.test.ts from the dates below.
import { buildMarker, markerData, type MarkerInput } from "../../lib/marker.ts";
import type { GitHubDouble } from "../support/github-double.ts";

export const BOT = "github-actions[bot]";
export const PERSON = "alice";
export const HEALING_LABELS = ["auto-healing", "bug", "tdd"];
/** 2026-12-04T12:00:00Z: "now" for every report in these tests (SOURCE_DATE_EPOCH). */
export const NOW_EPOCH = "1796385600";
export const SINCE = "2026-11-01";
export const XSS_TITLE = '🔴 Auto-Healing: Test Failures in <script>alert("pwned")</script>';
/** A GitHub token shape inside a test name: redact() must mask it in every output. */
export const LEAKED = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

const marked = (text: string, m: MarkerInput) => `${text}\n\n${buildMarker(markerData(m))}`;
const fp = (s: string) => `fp-${s}`;

export function healingBody(fingerprints: string[], tests: string[], run = "2001"): string {
  return marked(`## 🔴 Test Failures Detected\n\n${tests.map((t) => `**Test**: ${t}\n**File**: src/x.test.ts:1`).join("\n\n")}`, {
    kind: "healing",
    branch: "dev",
    fingerprints: fingerprints.map(fp),
    run: { id: run, attempt: "1" },
  });
}

export function verification(
  issue: number,
  fingerprints: string[],
  o: { result: "pass" | "fail" | "needs-human"; attempt: number; branch?: string },
): string {
  return marked(o.result === "pass" ? "## ✅ Healing Verification Passed" : "## ❌ Healing Verification Failed", {
    kind: "verification",
    branch: o.branch ?? `claude/issue-${issue}-20261101-1000`,
    fingerprints: fingerprints.map(fp),
    run: { id: `30${issue}${o.attempt}`, attempt: "1" },
    extra: {
      issue,
      result: o.result === "pass" ? "pass" : "fail",
      outcome: o.result,
      attempt: o.attempt,
      sha: "0123456789abcdef0123456789abcdef01234567",
    },
  });
}

function healingUpdate(fingerprints: string[]): string {
  return marked(fingerprints.length ? "The failing tests changed." : "✅ All tests pass on `dev`: closing.", {
    kind: "healing",
    branch: "dev",
    fingerprints: fingerprints.map(fp),
    run: { id: "2999", attempt: "1" },
  });
}

function coverageBody(pct: number): string {
  return marked("Files under the 80% threshold:\n\n- src/a.ts", {
    kind: "coverage",
    branch: "",
    fingerprints: ["0a1b2c3d4e5f"],
    extra: { pct, threshold: 80 },
  });
}

/**
 * Issues #1..#8 are healing issues, #9 the coverage issue, #10 a person's issue carrying a copy of the tool's marker.
 * #1 agent fix in 20 min (first attempt)      #2 agent fix in 75 min (second attempt)
 * #3 three failed attempts -> needs-human      #4 closed by a person, no tool post
 * #5 fp-a again 10 days after #1 closed (a recurrence), fixed on a person's branch in 60 min
 * #6 agent fix in 12 min, untrusted title and test names   #7 closed by the tool's green run (no verification)
 * #8 open; fp-b again 30 days + 15 min after #2 closed (outside the window); a forged pass by a person
 */
export function seedHistory(gh: GitHubDouble): void {
  for (const name of [...HEALING_LABELS, "needs-human", "test-quality"]) gh.seedLabel({ name });
  const healing = (
    n: number,
    created: string,
    fps: string[],
    tests: string[],
    o: { title?: string; closedAt?: string; closedBy?: string; labels?: string[] } = {},
  ) => {
    const issue = gh.seedIssue({
      title: o.title ?? "🔴 Auto-Healing: Test Failures in dev",
      body: healingBody(fps, tests),
      labels: [...HEALING_LABELS, ...(o.labels ?? [])],
      author: BOT,
      createdAt: created,
      ...(o.closedAt ? { state: "closed" as const, closedAt: o.closedAt, closedBy: o.closedBy ?? BOT } : {}),
    });
    if (issue.number !== n) throw new Error(`seeded #${issue.number}, expected #${n}`);
    return n;
  };
  const say = (n: number, at: string, body: string, author = BOT) => gh.seedComment(n, body, author, at);

  healing(1, "2026-11-02T10:00:00Z", ["a"], ["adds totals"], { closedAt: "2026-11-02T10:20:05Z" });
  healing(2, "2026-11-03T09:00:00Z", ["b"], ["rounds tax"], { closedAt: "2026-11-03T10:15:05Z" });
  healing(3, "2026-11-10T08:00:00Z", ["c"], ["parses dates"], { labels: ["needs-human"] });
  healing(4, "2026-11-11T12:00:00Z", ["d"], ["sorts rows"], { closedAt: "2026-11-11T15:00:00Z", closedBy: PERSON });
  healing(5, "2026-11-12T12:00:00Z", ["a"], ["adds totals"], { closedAt: "2026-11-12T13:00:05Z" });
  healing(6, "2026-11-20T07:00:00Z", ["e", "f"], ["renders <img src=x onerror=alert(1)>", `uses token ${LEAKED}`], {
    title: XSS_TITLE,
    closedAt: "2026-11-20T07:12:05Z",
  });
  healing(7, "2026-11-25T10:00:00Z", ["g"], ["reads config"], { closedAt: "2026-11-25T11:00:05Z" });
  healing(8, "2026-12-03T10:30:00Z", ["b", "h"], ["rounds tax", "formats money"]);
  gh.seedIssue({
    title: "📈 Improve Test Coverage (Currently 62%)",
    body: coverageBody(76.5),
    labels: ["auto-healing", "test-quality"],
    author: BOT,
    createdAt: "2026-11-01T06:00:00Z",
    state: "closed",
    closedAt: "2026-11-29T06:00:05Z",
    closedBy: BOT,
    renamed: [
      { to: "📈 Improve Test Coverage (Currently 70%)", at: "2026-11-08T06:00:00Z" },
      { to: "📈 Improve Test Coverage (Currently 76.5%)", at: "2026-11-15T06:00:00Z" },
      // A person's rename is not the tool's figure.
      { to: "Coverage is fine (Currently 99%)", at: "2026-11-16T06:00:00Z", by: PERSON },
    ],
  });
  gh.seedIssue({
    title: "copied marker",
    body: healingBody(["a"], ["adds totals"]),
    labels: HEALING_LABELS,
    author: PERSON,
    createdAt: "2026-11-05T10:00:00Z",
  });

  say(1, "2026-11-02T10:20:00Z", verification(1, ["a"], { result: "pass", attempt: 1 }));
  say(2, "2026-11-03T09:30:00Z", verification(2, ["b"], { result: "fail", attempt: 1 }));
  say(2, "2026-11-03T10:15:00Z", verification(2, ["b"], { result: "pass", attempt: 2 }));
  say(3, "2026-11-10T08:30:00Z", verification(3, ["c"], { result: "fail", attempt: 1 }));
  say(3, "2026-11-10T09:30:00Z", verification(3, ["c"], { result: "fail", attempt: 2 }));
  say(3, "2026-11-10T10:30:00Z", verification(3, ["c"], { result: "needs-human", attempt: 3 }));
  say(4, "2026-11-11T14:00:00Z", "I fixed this by hand.", PERSON);
  say(5, "2026-11-12T13:00:00Z", verification(5, ["a"], { result: "pass", attempt: 1, branch: "fix/alice-totals" }));
  say(6, "2026-11-20T07:10:00Z", healingUpdate(["e"]));
  say(6, "2026-11-20T07:12:00Z", verification(6, ["e"], { result: "pass", attempt: 1 }));
  say(7, "2026-11-25T11:00:00Z", healingUpdate([]));
  say(8, "2026-12-03T11:00:00Z", verification(8, ["b", "h"], { result: "pass", attempt: 1 }), PERSON);
  say(
    9,
    "2026-11-29T06:00:00Z",
    marked("✅ Every file now meets the 80% line-coverage threshold (overall 81.2%). Closing.", {
      kind: "coverage",
      branch: "",
      fingerprints: [],
      extra: { pct: 81.2, threshold: 80 },
    }),
  );
}
