/**
 * Expiring signed URLs served by the Worker itself (prompt audio for media
 * nodes now; recordings and exports later): ?expires=<unix s>&sig=<hex HMAC of
 * path + expires>. No storage credentials ever leave the Worker.
 */
import { toHex } from '../media-protocol/signing.ts';
import { constantTimeEqualHex } from '../db/hashing.ts';

const encoder = new TextEncoder();

async function mac(secret: string, path: string, expires: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(`${path}\n${expires}`)));
}

export async function signedUrl(secret: string, baseUrl: string, path: string, ttlSeconds: number, nowMs = Date.now()): Promise<{ url: string; expiresAt: Date }> {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  const url = new URL(path, baseUrl);
  url.searchParams.set('expires', String(expires));
  url.searchParams.set('sig', await mac(secret, url.pathname, expires));
  return { url: url.toString(), expiresAt: new Date(expires * 1000) };
}

export type SignedUrlCheck = { ok: true } | { ok: false; reason: 'missing' | 'expired' | 'bad_signature' };

export async function verifySignedUrl(secret: string, url: URL, nowMs = Date.now()): Promise<SignedUrlCheck> {
  const expires = Number(url.searchParams.get('expires'));
  const sig = url.searchParams.get('sig');
  if (!sig || !Number.isInteger(expires)) return { ok: false, reason: 'missing' };
  if (expires * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return constantTimeEqualHex(sig, await mac(secret, url.pathname, expires)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
