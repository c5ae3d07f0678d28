/**
 * HTTP Digest for SIP (RFC 2617 / RFC 3261 §22): parse a challenge and compute
 * the Authorization / Proxy-Authorization value. MD5, with or without qop=auth.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm?: string;
  qop?: string;
}

export function parseChallenge(value: string): DigestChallenge | null {
  if (!/^Digest\s/i.test(value)) return null;
  const params: Record<string, string> = {};
  for (const m of value.slice(7).matchAll(/([a-zA-Z]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  if (!params.realm || !params.nonce) return null;
  return { realm: params.realm, nonce: params.nonce, opaque: params.opaque, algorithm: params.algorithm, qop: params.qop };
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function digestAuthorization(opts: {
  challenge: DigestChallenge;
  method: string;
  uri: string;
  username: string;
  password: string;
  nc?: number;
  cnonce?: string;
}): string {
  const { challenge: ch } = opts;
  if (ch.algorithm && ch.algorithm.toUpperCase() !== 'MD5') throw new Error(`unsupported digest algorithm ${ch.algorithm}`);
  const ha1 = md5(`${opts.username}:${ch.realm}:${opts.password}`);
  const ha2 = md5(`${opts.method}:${opts.uri}`);
  const useQop = ch.qop?.split(',').map((q) => q.trim()).includes('auth');
  const parts = [`username="${opts.username}"`, `realm="${ch.realm}"`, `nonce="${ch.nonce}"`, `uri="${opts.uri}"`];
  if (useQop) {
    const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
    const cnonce = opts.cnonce ?? randomBytes(8).toString('hex');
    parts.push(`response="${md5(`${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  } else {
    parts.push(`response="${md5(`${ha1}:${ch.nonce}:${ha2}`)}"`);
  }
  parts.push('algorithm=MD5');
  if (ch.opaque !== undefined) parts.push(`opaque="${ch.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}
