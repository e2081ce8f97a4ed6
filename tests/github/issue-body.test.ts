// The issue body is built and written in one place (lib/github/issue-body.ts): sync-issue files it with POST,
// push-task-context sets its task-link line with a PATCH of the body alone, people's edits elsewhere are kept, and
// the body stays within GitHub's 65,536 bytes. Asserted on the GitHub double's request log.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../lib/config.ts";
import { createGitHubClient, repoClient } from "../../lib/github/client.ts";
import { currentTaskLink, LINK_TAG, withLink, writeIssueBody } from "../../lib/github/issue-body.ts";
import { taskLinkText } from "../../lib/github/texts.ts";
import { parseMarker } from "../../lib/marker.ts";
import { MAX_BODY_BYTES } from "../../lib/sanitize.ts";
import { createBareRemote, type BareRemote } from "../support/git-remote.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { actionsEnv, failure, failureReport, issueJson, runStep, TASK_PATH, workdir } from "./fixtures.ts";

const src = { root: mkdtempSync(join(tmpdir(), "heal-link-")), config: defaultConfig() };
const link = (sha: string, path = "a.yaml") => taskLinkText(src, { path, url: `https://x/blob/${sha}/${path}` });
const marker = { kind: "coverage" as const, branch: "", fingerprints: ["aaaaaaaaaaaa"] };

let gh: GitHubDouble | undefined;
let remote: BareRemote | undefined;
afterEach(async () => {
  expect(gh?.violations ?? []).toEqual([]);
  await gh?.close();
  remote?.cleanup();
  gh = undefined;
  remote = undefined;
});

/** Which requests carried a body, as `METHOD path [fields]`. */
const bodyWrites = (g: GitHubDouble) =>
  g.writes().map(
    (w) =>
      `${w.method} ${w.path} ${Object.keys((w.body ?? {}) as object)
        .sort()
        .join(",")}`,
  );

describe("withLink", () => {
  test("the task-link.md line placed above the marker, replaced in place, never duplicated; a full body is left alone", () => {
    const body = "text\n\n<!-- self-healing-tdd:{} -->";
    const once = withLink(body, link("1"));
    expect(once).toBe(
      "text\n\n**Task context file:** [`a.yaml`](https://x/blob/1/a.yaml) <!-- heal:task-link -->\n\n<!-- self-healing-tdd:{} -->",
    );
    const twice = withLink(once, link("2"));
    expect(twice).toBe(once.replace("blob/1", "blob/2"));
    const full = "x".repeat(65_530);
    expect(withLink(full, link("1"))).toBe(full);
  });

  test("currentTaskLink reads the commit and path back from the line", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(currentTaskLink(withLink("text", link(sha, ".agent/tasks/fix-a.yaml")))).toEqual({ sha, path: ".agent/tasks/fix-a.yaml" });
    expect(currentTaskLink("text without a link")).toBeNull();
  });
});

describe("writeIssueBody against the GitHub double", () => {
  test("a new title alone: one PATCH with title and body; the same text and title: no request", async () => {
    gh = await startGitHubDouble();
    const r = repoClient(createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, pacing: false }), gh.repository);
    const text = { kind: "text" as const, text: "## Coverage\n\nlow", marker, cutNotice: "cut", linkRoom: false };
    const created = await writeIssueBody(r, { create: { title: "Coverage 50%", labels: [], find: async () => null } }, text);
    expect(created).toEqual({ number: 1, url: "https://github.com/acme/widgets/issues/1", action: "created", bodyChanged: true });
    const issue = () => ({ number: 1, title: gh!.issue(1)!.title, body: gh!.issue(1)!.body });
    expect(await writeIssueBody(r, { issue: issue() }, text, "Coverage 50%")).toMatchObject({ action: "unchanged", bodyChanged: false });
    expect(await writeIssueBody(r, { issue: issue() }, text, "Coverage 51%")).toMatchObject({ action: "updated", bodyChanged: false });
    expect(bodyWrites(gh)).toEqual(["POST /repos/acme/widgets/issues body,labels,title", "PATCH /repos/acme/widgets/issues/1 body,title"]);
  });

  test("heal's two steps: sync-issue POSTs the body, push-task-context PATCHes the body alone; a person's edit is kept", async () => {
    gh = await startGitHubDouble();
    remote = createBareRemote({ "README.md": "# widgets\n", ".gitignore": ".agent/reports/\n" });
    const w = workdir(remote.cloneDir);
    const report = failureReport([failure(1)]);
    // A body far over GitHub's limit: cut on filing, with room kept for the link.
    const issue = issueJson(report);
    w.writeReports(report, { ...issue, body: `${issue.body}\n${"lots of output\n".repeat(6000)}` });
    const env = actionsEnv(gh);
    expect((await runStep("sync-issue", w.dir, env)).code).toBe(0);
    const filed = gh.issue(1)!.body!;
    expect(Buffer.byteLength(filed)).toBeLessThanOrEqual(MAX_BODY_BYTES - 1024);
    expect(parseMarker(filed)).toMatchObject({ kind: "healing", branch: "dev" });

    // Someone adds a note to the issue before the task file is pushed.
    gh.issue(1)!.body = `Seen on staging too. — a person\n\n${filed}`;
    mkdirSync(join(remote.cloneDir, ".agent/tasks"), { recursive: true });
    writeFileSync(join(remote.cloneDir, TASK_PATH), "failures: []\n");
    expect((await runStep("push-task-context", w.dir, env)).code).toBe(0);
    const linked = gh.issue(1)!.body!;
    expect(linked).toStartWith("Seen on staging too. — a person\n\n");
    expect(linked.split("\n").filter((l) => l.includes(LINK_TAG))).toEqual([
      `**Task context file:** [\`${TASK_PATH}\`](https://github.com/acme/widgets/blob/${remote.head()}/${TASK_PATH}) ${LINK_TAG}`,
    ]);
    expect(Buffer.byteLength(linked)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(parseMarker(linked)).toEqual(parseMarker(filed));
    expect(bodyWrites(gh).filter((l) => l.includes("body"))).toEqual([
      "POST /repos/acme/widgets/issues body,labels,title",
      "PATCH /repos/acme/widgets/issues/1 body",
    ]);
  }, 60_000);
});
