// repository_dispatch is never repeated blindly: a 5xx answer (not accepted) is tried again, a lost answer is not.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { HealError } from "../../lib/errors.ts";
import { createGitHubClient, repoClient, type RepoClient } from "../../lib/github/client.ts";
import { sendRepositoryDispatch } from "../../lib/github/dispatch.ts";
import { DEFAULT_TOKEN, startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";

let gh: GitHubDouble;
let r: RepoClient;

beforeEach(async () => {
  gh = await startGitHubDouble();
  r = repoClient(
    createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: gh.url, retryBaseMs: 5, pacing: false, timeoutMs: 400 }),
    gh.repository,
  );
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const PAYLOAD = { issue_number: 1, branch: "dev" };
const posts = () => gh.requests.map((q) => `${q.method} ${q.path} ${q.status}${q.fault ? ` ${q.fault}` : ""}`);

describe("sendRepositoryDispatch", () => {
  test("accepted: one POST, confirmed", async () => {
    expect(await sendRepositoryDispatch(r, "heal-agent", PAYLOAD)).toEqual({ confirmed: true });
    expect(posts()).toEqual(["POST /repos/acme/widgets/dispatches 204"]);
    expect(gh.state.dispatches).toEqual([{ eventType: "heal-agent", clientPayload: PAYLOAD, login: "github-actions[bot]" }]);
  });

  test("the answer is lost (the dispatch was made): not sent again, reported unconfirmed", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "lostResponse" });
    const sent = await sendRepositoryDispatch(r, "heal-agent", PAYLOAD);
    expect(sent.confirmed).toBe(false);
    expect(sent.detail).toStartWith("POST /repos/acme/widgets/dispatches: ");
    expect(posts()).toEqual(["POST /repos/acme/widgets/dispatches 204 lostResponse"]);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("no answer within the timeout: not sent again either", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "hangAfterWrite" });
    const sent = await sendRepositoryDispatch(r, "heal-agent", PAYLOAD);
    expect(sent.confirmed).toBe(false);
    expect(sent.detail).toContain("no answer within 400 ms");
    expect(gh.state.dispatches).toHaveLength(1);
    expect(gh.requests).toHaveLength(1);
  });

  test("a 5xx answer means not accepted: tried again, one dispatch in the end", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "status", status: 502, times: 2 });
    expect(await sendRepositoryDispatch(r, "heal-agent", PAYLOAD)).toEqual({ confirmed: true });
    expect(posts()).toEqual([
      "POST /repos/acme/widgets/dispatches 502 status",
      "POST /repos/acme/widgets/dispatches 502 status",
      "POST /repos/acme/widgets/dispatches 204",
    ]);
    expect(gh.state.dispatches).toHaveLength(1);
  });

  test("5xx on every attempt: GITHUB_UNAVAILABLE after the attempts, nothing dispatched", async () => {
    gh.inject({ method: "POST", path: "/repos/{owner}/{repo}/dispatches", kind: "status", status: 503, times: 10 });
    let err: unknown;
    try {
      await sendRepositoryDispatch(r, "heal-agent", PAYLOAD, { attempts: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HealError);
    expect((err as HealError).code).toBe("GITHUB_UNAVAILABLE");
    expect(gh.requests).toHaveLength(3);
    expect(gh.state.dispatches).toEqual([]);
  });
});
