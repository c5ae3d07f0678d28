/**
 * Webhook signing: X-Crier-Signature: sha256=<hex HMAC-SHA256(app webhook secret, raw body)>,
 * the same construction as the dialer spec's X-BroadNet-Signature, so one
 * verification function serves both APIs (docs/webhooks.md).
 */
import { toHex } from '../media-protocol/signing.ts';

export const EVENT_ID_HEADER = 'X-Crier-Event-Id';
export const SIGNATURE_HEADER = 'X-Crier-Signature';
export const ATTEMPT_HEADER = 'X-Crier-Delivery-Attempt';

const encoder = new TextEncoder();

const keys = new Map<string, Promise<CryptoKey>>();

export async function signWebhookBody(secret: string, body: string): Promise<string> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return `sha256=${toHex(await crypto.subtle.sign('HMAC', await key, encoder.encode(body)))}`;
}
