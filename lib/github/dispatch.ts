// repository_dispatch: the one event the default GITHUB_TOKEN may send that does start a workflow.
import type { RepoClient } from "./client.ts";

/** GitHub allows at most 10 top-level properties in client_payload. */
export const MAX_CLIENT_PAYLOAD_KEYS = 10;

export async function sendRepositoryDispatch(
  r: RepoClient,
  eventType: string,
  clientPayload: Record<string, string | number | boolean | null>,
): Promise<void> {
  if (Object.keys(clientPayload).length > MAX_CLIENT_PAYLOAD_KEYS) {
    throw new Error(`client_payload has more than ${MAX_CLIENT_PAYLOAD_KEYS} top-level properties`);
  }
  await r.gh.rest.repos.createDispatchEvent({
    owner: r.owner,
    repo: r.repo,
    event_type: eventType,
    client_payload: clientPayload,
  });
}
