/** Asks the Worker for an agent's digest HA1s: signed POST /internal/media/v1/sip-credentials (CONTRACT-AGENTS). */
import { MediaPaths, SipCredentialsResponseSchema, type SipCredentialsRequest, type SipCredentialsResponse } from '../../../worker/src/media-protocol/index.ts';
import { postSignedJson } from './signed-post.ts';

export function sipCredentialsLookup(workerUrl: string, secret: string, nodeId: string) {
  return async (realm: string, username: string): Promise<SipCredentialsResponse> => {
    const body = JSON.stringify({ node_id: nodeId, realm, username } satisfies SipCredentialsRequest);
    const res = await postSignedJson(workerUrl, MediaPaths.sipCredentials, secret, body, 3_000);
    if (!res.ok) throw new Error(`Worker answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return SipCredentialsResponseSchema.parse(await res.json());
  };
}
