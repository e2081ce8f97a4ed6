// The client factory against the double's faults: retries, timeouts, rate limits, auth and permission errors.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { HealError } from "../../lib/errors.ts";
import { createGitHubClient, permissionFor, repoClient, resolveBotLogin, type GitHubClient } from "../../lib/github/client.ts";
import { createCommentOnce } from "../../lib/github/comments.ts";
import { ensureLabels, labelSpec, removeLabel, addLabels } from "../../lib/github/labels.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

let gh: GitHubDouble;
let client: GitHubClient;
const fast = { retryBaseMs: 5, pacing: false, timeoutMs: 500 } as const;

beforeEach(async () => {
  gh = await startGitHubDouble();
  client = createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, ...fast });
});
afterEach(async () => {
  await gh.close();
});

async function failure(p: Promise<unknown>): Promise<HealError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HealError) return e;
    throw e;
  }
  throw new Error("expected a HealError");
}

const get = () => client.rest.issues.listForRepo({ owner: "acme", repo: "widgets" });

describe("createGitHubClient", () => {
  test("a 5xx burst shorter than the retries is invisible: 3 failures, then the answer", async () => {
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "status", status: 503, times: 3 });
    const { data } = await get();
    expect(data).toEqual([]);
    expect(gh.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });

  test("a 5xx that outlasts the retries: GITHUB_UNAVAILABLE after 1 + 3 requests", async () => {
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "status", status: 502, times: 99 });
    const err = await failure(get());
    expect(err.code).toBe("GITHUB_UNAVAILABLE");
    expect(err.oneLine()).toStartWith("GET /repos/acme/widgets/issues: Server Error — GitHub did not answer after retries");
    expect(gh.requests).toHaveLength(4);
  });

  test("a hung connection times out (timeoutMs) and is retried; a reset too", async () => {
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "hang" });
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "reset" });
    const started = Date.now();
    const { data } = await get();
    expect(data).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(gh.faults.map((f) => f.kind)).toEqual(["hang", "reset"]);
    expect(gh.requests).toHaveLength(3);
  });

  test("secondary rate limit: waits retry-after, then succeeds", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "secondaryRateLimit", retryAfter: 1 });
    // retry-after: 1 (second) with a 300 ms unit: the wait must be at least 300 ms.
    const patient = createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, ...fast, retryBaseMs: 300 });
    const started = Date.now();
    await ensureLabels(repoClient(patient, gh.repository), ["bug"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(gh.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "POST 403", "POST 201"]);
    expect(gh.state.labels.map((l) => l.name)).toEqual(["bug"]);
  });

  test("secondary rate limit that persists: GITHUB_RATE_LIMIT after the bounded retries (1 + 2)", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/labels", kind: "secondaryRateLimit", retryAfter: 1, times: 9 });
    const err = await failure(ensureLabels(repoClient(client, gh.repository), ["bug"]));
    expect(err.code).toBe("GITHUB_RATE_LIMIT");
    expect(err.message).toContain("secondary rate limit persisted");
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(3);
  });

  test("primary limit exhausted: fails at once naming the reset time, no sleeping", async () => {
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "primaryRateLimit", resetInSeconds: 1800 });
    const started = Date.now();
    const err = await failure(get());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe("GITHUB_RATE_LIMIT");
    expect(err.message).toMatch(
      /^GET \/repos\/acme\/widgets\/issues: primary rate limit exhausted, resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/,
    );
    const reset = Date.parse(err.message.split("resets at ")[1]!);
    expect(Math.abs(reset - (Date.now() + 1800_000))).toBeLessThan(5000);
    expect(gh.requests).toHaveLength(1);
  });

  test("401: GITHUB_AUTH, not retried", async () => {
    gh.inject({ path: "/repos/{owner}/{repo}/issues", kind: "unauthorized" });
    const err = await failure(get());
    expect(err.code).toBe("GITHUB_AUTH");
    expect(err.oneLine()).toBe(
      "GET /repos/acme/widgets/issues answered 401 (Bad credentials) — GitHub refused the token: set GITHUB_TOKEN (or GH_TOKEN) to a valid token",
    );
    expect(gh.requests).toHaveLength(1);
  });

  test("403 without the permission: GITHUB_PERMISSION naming it (from GitHub's header, else from the route)", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "forbidden", permission: "contents=write" });
    const err = await failure(client.rest.repos.createDispatchEvent({ owner: "acme", repo: "widgets", event_type: "heal-agent" }));
    expect(err.code).toBe("GITHUB_PERMISSION");
    expect(err.message).toBe(
      "POST /repos/acme/widgets/dispatches answered 403 (Resource not accessible by integration); grant `contents: write`",
    );
    expect(permissionFor("POST", "https://api.github.com/repos/a/b/issues/3/comments")).toBe("issues: write");
    expect(permissionFor("GET", "https://api.github.com/repos/a/b/pulls/3")).toBe("pull-requests: read");
    expect(permissionFor("POST", "/repos/a/b/dispatches")).toBe("contents: write");
  });

  test("GitHub Enterprise: baseUrl with /api/v3 is used as given", async () => {
    const seen: string[] = [];
    const ghe = createGitHubClient({ token: "t", baseUrl: "https://ghe.example.com/api/v3/", ...fast, retries: 0 });
    ghe.hook.before("request", (o) => {
      seen.push(ghe.request.endpoint.parse(o).url);
      throw new HealError("USAGE", "stop before the network");
    });
    await failure(ghe.rest.issues.get({ owner: "a", repo: "b", issue_number: 1 }));
    expect(seen).toEqual(["https://ghe.example.com/api/v3/repos/a/b/issues/1"]);
  });

  test("a lost comment response is adopted, not posted twice", async () => {
    const r = repoClient(client, gh.repository);
    gh.seedIssue({ title: "t", body: "b", author: "github-actions[bot]" });
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/issues/{issue_number}/comments", kind: "lostResponse" });
    const made = await createCommentOnce(r, 1, "hello <!-- unique-1 -->", {
      botLogin: "github-actions[bot]",
      uniqueText: "<!-- unique-1 -->",
    });
    expect(made.adopted).toBe(true);
    expect(gh.issue(1)!.comments).toHaveLength(1);
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      "POST /repos/acme/widgets/issues/1/comments",
      "GET /repos/acme/widgets/issues/1/comments",
    ]);
  });

  test("labels: names cut to 50, descriptions to 100; add and remove one by one, never PATCH", async () => {
    const long = "x".repeat(60);
    expect(labelSpec(long).name).toHaveLength(50);
    expect(labelSpec("auto-healing").description.length).toBeLessThanOrEqual(100);
    const r = repoClient(client, gh.repository);
    gh.seedIssue({ title: "t", labels: [], author: "someone" });
    gh.seedLabel({ name: "mine" });
    gh.issue(1)!.labels.push("mine");
    await ensureLabels(r, ["needs-human"]);
    await addLabels(r, 1, ["needs-human"]);
    await removeLabel(r, 1, "needs-human");
    await removeLabel(r, 1, "not-there");
    expect(gh.issue(1)!.labels).toEqual(["mine"]);
    expect(gh.requests.map((q) => q.method)).not.toContain("PATCH");
    expect(gh.violations).toEqual([]);
  });

  test("bot login: Actions' bot by default, GET /user for a personal token, the config when it names another", async () => {
    const pat = `ghp_${"a".repeat(36)}`;
    const double = await startGitHubDouble({ tokens: { [pat]: { login: "release-bot", type: "User", permissions: { issues: "write" } } } });
    const patClient = createGitHubClient({ token: pat, baseUrl: double.url, ...fast });
    expect(await resolveBotLogin(patClient, pat, "github-actions[bot]")).toBe("release-bot");
    expect(double.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /user"]);
    expect(await resolveBotLogin(client, DEFAULT_TOKEN, "github-actions[bot]")).toBe("github-actions[bot]");
    expect(await resolveBotLogin(client, DEFAULT_TOKEN, "my-app[bot]")).toBe("my-app[bot]");
    expect(gh.requests).toEqual([]);
    await double.close();
  });
});
