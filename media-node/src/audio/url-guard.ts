/**
 * Refuses audio URLs that would make the node fetch from inside its own
 * network (SSRF): only http(s), and every resolved address must be public
 * unless the operator allows private ones (tests and the local stack do).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AudioError } from './audio-error.ts';

export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return isPrivateAddress(v6.slice(7));
  return v6 === '::1' || v6 === '::' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

export async function assertPublicUrl(url: string, allowPrivate: boolean): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AudioError('bad_url', `not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AudioError('bad_url', `only http(s) audio URLs are fetched: ${url}`);
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new AudioError('fetch_failed', `cannot resolve ${host}`);
  if (addresses.some(isPrivateAddress)) throw new AudioError('forbidden_address', `${host} resolves to a private or loopback address`);
}
