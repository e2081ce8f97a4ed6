// repository_dispatch: the one event the default GITHUB_TOKEN may send that does start a workflow.
// Each accepted dispatch starts one agent run, so the POST is never repeated blindly: a 5xx answer means
// GitHub did not accept it (tried again, up to `attempts`), but no answer at all (a lost response, a reset,
// a timeout) may hide a dispatch that was accepted, and repeating it could wake the agent twice.
import { HealError } from "../errors.ts";
import { retryBaseOf, wasAnswered, type RepoClient } from "./client.ts";

/** GitHub allows at most 10 top-level properties in client_payload. */
export const MAX_CLIENT_PAYLOAD_KEYS = 10;

export interface DispatchResult {
  /** false: the request went out but no answer came back: GitHub may or may not have accepted it. */
  confirmed: boolean;
  /** Why it is unconfirmed, in one line. */
  detail?: string;
}

export async function sendRepositoryDispatch(
  r: RepoClient,
  eventType: string,
  clientPayload: Record<string, string | number | boolean | null>,
  opts: { attempts?: number; backoffMs?: number } = {},
): Promise<DispatchResult> {
  if (Object.keys(clientPayload).length > MAX_CLIENT_PAYLOAD_KEYS) {
    throw new Error(`client_payload has more than ${MAX_CLIENT_PAYLOAD_KEYS} top-level properties`);
  }
  const attempts = opts.attempts ?? 4; // as many as the client's default (1 + 3 retries)
  const backoff = opts.backoffMs ?? retryBaseOf(r.gh);
  for (let attempt = 1; ; attempt++) {
    try {
      await r.gh.rest.repos.createDispatchEvent({
        owner: r.owner,
        repo: r.repo,
        event_type: eventType,
        client_payload: clientPayload,
        // Our own loop below retries only answered 5xx; the client's would also repeat a lost response.
        request: { retries: 0 },
      });
      return { confirmed: true };
    } catch (err) {
      if (!(err instanceof HealError) || err.code !== "GITHUB_UNAVAILABLE") throw err;
      if (!wasAnswered(err)) return { confirmed: false, detail: err.message };
      if (attempt >= attempts) throw err;
      await Bun.sleep(backoff * attempt * attempt);
    }
  }
}
