/**
 * The server side of SIP digest (RFC 3261 §22.4 with RFC 7616): the
 * WWW-Authenticate challenges a registrar offers (SHA-256 first, then MD5, as
 * RFC 7616 §3.7 asks), parsing an Authorization header, and checking its
 * response against the user's HA1 for that algorithm. Only qop=auth is offered
 * or accepted. Pure: nonces come from NonceIssuer, HA1s from the caller.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** Offered in this order (RFC 7616 §3.7: the preferred algorithm first). */
export const OFFERED_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export function hashHex(algorithm: DigestAlgorithm, value: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(value).digest('hex');
}

/** HA1 = H(username:realm:password): what the Worker stores per algorithm. */
export function ha1Of(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(algorithm, `${username}:${realm}:${password}`);
}

/** One WWW-Authenticate value per offered algorithm, in the order given (preferred first). */
export function challengeHeaders(realm: string, nonce: string, opts: { stale?: boolean; opaque?: string; algorithms?: readonly DigestAlgorithm[] } = {}): string[] {
  return (opts.algorithms ?? OFFERED_ALGORITHMS).map((algorithm) => {
    const parts = [`realm="${realm}"`, `nonce="${nonce}"`, ...(opts.opaque ? [`opaque="${opts.opaque}"`] : []), `algorithm=${algorithm}`, 'qop="auth"'];
    if (opts.stale) parts.push('stale=true');
    return `Digest ${parts.join(', ')}`;
  });
}

export type ParseResult = { ok: true; credentials: DigestCredentials } | { ok: false; reason: string };

/** Parses an Authorization (or Proxy-Authorization) value; anything malformed or unsupported is a reason, not a throw. */
export function parseAuthorization(value: string | undefined): ParseResult {
  if (!value) return { ok: false, reason: 'missing' };
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return { ok: false, reason: 'not digest' };
  const params = new Map<string, string>();
  const re = /\s*([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  const body = m[1]!;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < body.length && (match = re.exec(body)) !== null) {
    const name = match[1]!.toLowerCase();
    if (params.has(name)) return { ok: false, reason: `duplicate ${name}` };
    params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!);
    consumed = re.lastIndex;
  }
  if (consumed < body.trimEnd().length) return { ok: false, reason: 'malformed' };
  for (const required of ['username', 'realm', 'nonce', 'uri', 'response']) if (!params.get(required)) return { ok: false, reason: `no ${required}` };
  const algorithmRaw = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (algorithmRaw !== 'MD5' && algorithmRaw !== 'SHA-256') return { ok: false, reason: `algorithm ${algorithmRaw}` };
  const qop = params.get('qop');
  if (qop !== undefined && qop !== 'auth') return { ok: false, reason: `qop ${qop}` };
  const nc = params.get('nc');
  const cnonce = params.get('cnonce');
  if (qop === 'auth' && (!nc || !/^[0-9a-fA-F]{8}$/.test(nc) || !cnonce)) return { ok: false, reason: 'qop=auth without a valid nc and cnonce' };
  if (params.get('userhash')?.toLowerCase() === 'true') return { ok: false, reason: 'userhash' };
  return {
    ok: true,
    credentials: {
      username: params.get('username')!,
      realm: params.get('realm')!,
      nonce: params.get('nonce')!,
      uri: params.get('uri')!,
      response: params.get('response')!.toLowerCase(),
      algorithm: algorithmRaw,
      ...(qop ? { qop } : {}),
      ...(nc ? { nc: nc.toLowerCase() } : {}),
      ...(cnonce ? { cnonce } : {}),
      ...(params.has('opaque') ? { opaque: params.get('opaque')! } : {}),
    },
  };
}

/** The response the client should have sent (RFC 7616 §3.4.1), from the stored HA1. */
export function expectedResponse(c: Omit<DigestCredentials, 'response'>, method: string, ha1: string): string {
  const ha2 = hashHex(c.algorithm, `${method}:${c.uri}`);
  if (c.qop === 'auth') return hashHex(c.algorithm, `${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:auth:${ha2}`);
  return hashHex(c.algorithm, `${ha1}:${c.nonce}:${ha2}`);
}

/** Constant-time comparison of the response with what the HA1 gives. */
export function responseMatches(c: DigestCredentials, method: string, ha1: string): boolean {
  const want = Buffer.from(expectedResponse(c, method, ha1));
  const got = Buffer.from(c.response);
  return want.length === got.length && timingSafeEqual(want, got);
}
