// The webhook signature (webhooks/signature.ts), now node:crypto's synchronous
// HMAC: the RFC 4231 vector, and the same bytes as WebCrypto's HMAC-SHA256
// (what it replaced, and what receivers' verifiers compute) for non-ASCII bodies.
import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../../worker/src/webhooks/signature.ts';

async function webCrypto(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

describe('webhook signature', () => {
  it('is HMAC-SHA256 in lower-case hex (RFC 4231 test case 2)', () => {
    expect(signWebhookBody('Jefe', 'what do ya want for nothing?')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('signs the UTF-8 bytes, as WebCrypto did', async () => {
    for (const [secret, body] of [
      ['whsec_0123456789abcdef', '{"custom_data":{"name":"أحمد","emoji":"📞"},"to":"971500000000"}'],
      ['ключ-секрет', ''],
      ['s', '{"a":"\\u0000 \u2028"}'],
    ] as const) {
      expect(signWebhookBody(secret, body)).toBe(await webCrypto(secret, body));
    }
  });
});
