/**
 * Webhook signing: X-Crier-Signature: sha256=<hex HMAC-SHA256(app webhook secret, raw body)>,
 * the same construction as the dialer spec's X-BroadNet-Signature, so one
 * verification function serves both APIs (docs/webhooks.md).
 */
import { createHmac } from 'node:crypto';

export const EVENT_ID_HEADER = 'X-Crier-Event-Id';
export const SIGNATURE_HEADER = 'X-Crier-Signature';
export const ATTEMPT_HEADER = 'X-Crier-Delivery-Attempt';

/**
 * `sha256=<hex>` of the body under the secret. node:crypto's HMAC (native in
 * workerd with nodejs_compat) is synchronous: WebCrypto's `subtle.sign` cost
 * a promise and a wait per webhook on the senders' thread, and its bytes a
 * hex loop in JavaScript (docs/webhooks.md "Fourth pass"). Same bytes out.
 */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
