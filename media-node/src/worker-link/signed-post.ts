/**
 * The one way the node POSTs JSON to the Worker's internal API: the body signed with
 * the shared secret (X-Crier-Timestamp + X-Crier-Signature, docs/media-protocol.md) and
 * a deadline, so no caller can forget either. Callers judge the answer themselves.
 */
import { signMessage } from '../../../worker/src/media-protocol/index.ts';

export async function postSignedJson(workerUrl: string, path: string, secret: string, body: string, timeoutMs: number): Promise<Response> {
  return fetch(workerUrl.replace(/\/+$/, '') + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await signMessage(secret, body)) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}
