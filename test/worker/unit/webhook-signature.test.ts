// The webhook signature (webhooks/signature.ts): HMAC-SHA256 in lower-case
// hex over the body's UTF-8 bytes, the RFC 4231 vector and a plain reference
// computation. (node:crypto's createHmac was tried in its place, to save
// WebCrypto's promise per webhook: in workerd it cost 2.5× as much of the
// isolate, docs/webhooks.md "Fourth pass".)
import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../../worker/src/webhooks/signature.ts';

async function reference(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

describe('webhook signature', () => {
  it('is HMAC-SHA256 in lower-case hex (RFC 4231 test case 2)', async () => {
    expect(await signWebhookBody('Jefe', 'what do ya want for nothing?')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('signs the UTF-8 bytes, the same with a cached key as computed afresh', async () => {
    for (const [secret, body] of [
      ['whsec_0123456789abcdef', '{"custom_data":{"name":"أحمد","emoji":"📞"},"to":"971500000000"}'],
      ['whsec_0123456789abcdef', '{}'],
      ['ключ-секрет', ''],
    ] as const) {
      expect(await signWebhookBody(secret, body)).toBe(await reference(secret, body));
    }
  });
});
