import { describe, expect, test } from "bun:test";
import { createGitHubClient, repoClient } from "../../lib/github/client.ts";
import { bodyWithMarker, createOnce, issueUrl, updateIssue } from "../../lib/github/issues.ts";
import { DEFAULT_TOKEN, startGitHubDouble } from "../support/github-double.ts";
import { HealError } from "../../lib/errors.ts";
import { parseMarker } from "../../lib/marker.ts";
import { MAX_BODY_BYTES } from "../../lib/sanitize.ts";

const marker = {
  kind: "healing" as const,
  branch: "dev",
  fingerprints: Array.from({ length: 900 }, (_, i) => i.toString(16).padStart(12, "0")),
};

describe("bodyWithMarker", () => {
  test("a body over GitHub's limit is cut with the notice; the marker stays whole at the end", () => {
    const body = `${"é".repeat(40_000)}\n`;
    const out = bodyWithMarker(body, marker, "_cut: see failures.json_");
    expect(new TextEncoder().encode(out).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(out).toContain("_cut: see failures.json_");
    expect(parseMarker(out)!.count).toBe(900);
    expect(out.endsWith(" -->")).toBe(true);
  });

  test("a body within the limit is kept as it is", () => {
    const out = bodyWithMarker("hello\n\n", marker, "cut");
    expect(out.startsWith("hello\n\n<!-- self-healing-tdd:")).toBe(true);
  });
});

describe("createOnce", () => {
  const unavailable = () => new HealError("GITHUB_UNAVAILABLE", "502");

  test("a create that fails without an answer is looked for before it is tried again", async () => {
    const calls: string[] = [];
    let made = false;
    const result = await createOnce(
      async () => {
        calls.push("create");
        made = true;
        throw unavailable();
      },
      async () => {
        calls.push("find");
        return made ? { id: 7 } : null;
      },
      { backoffMs: 1 },
    );
    expect(result).toEqual({ id: 7, adopted: true });
    expect(calls).toEqual(["create", "find"]);
  });

  test("errors that cannot hide a create (422, permission) are final at once", async () => {
    let creates = 0;
    const err = await createOnce(
      async () => {
        creates++;
        throw new HealError("GITHUB_PERMISSION", "403");
      },
      async () => null,
      { backoffMs: 1 },
    ).catch((e) => e);
    expect(err.code).toBe("GITHUB_PERMISSION");
    expect(creates).toBe(1);
  });

  test("bounded: after the attempts and a last look, the error stands", async () => {
    let creates = 0;
    const err = await createOnce(
      async () => {
        creates++;
        throw unavailable();
      },
      async () => null,
      { attempts: 3, backoffMs: 1 },
    ).catch((e) => e);
    expect(err.code).toBe("GITHUB_UNAVAILABLE");
    expect(creates).toBe(3);
  });

  test("issueUrl", () => {
    expect(issueUrl("https://ghe.corp/", "a/b", 4)).toBe("https://ghe.corp/a/b/issues/4");
  });
});

describe("updateIssue", () => {
  test("title and/or body in one PATCH, nothing else sent (labels survive); nothing to change -> no request", async () => {
    const gh = await startGitHubDouble();
    try {
      const r = repoClient(createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, pacing: false }), gh.repository);
      gh.seedLabel({ name: "good first issue" });
      gh.seedIssue({ title: "old", body: "old body", labels: ["good first issue"], author: "github-actions[bot]" });
      await updateIssue(r, 1, { title: "new", body: "new body" });
      await updateIssue(r, 1, { body: "newer body" });
      await updateIssue(r, 1, {});
      expect(gh.requests.map((q) => [q.method, q.path, q.body])).toEqual([
        ["PATCH", "/repos/acme/widgets/issues/1", { title: "new", body: "new body" }],
        ["PATCH", "/repos/acme/widgets/issues/1", { body: "newer body" }],
      ]);
      expect(gh.issue(1)).toMatchObject({ title: "new", body: "newer body", labels: ["good first issue"], state: "open" });
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});
