/**
 * Message authentication for both directions of the protocol:
 *   X-Crier-Timestamp: <unix milliseconds>
 *   X-Crier-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 * Requests outside the replay window are refused. Web Crypto only, so the same
 * code runs in workerd and Node 20.
 */

export const TIMESTAMP_HEADER = 'x-crier-timestamp';
export const SIGNATURE_HEADER = 'x-crier-signature';
export const REPLAY_WINDOW_MS = 60_000;

const encoder = new TextEncoder();
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keyCache.set(secret, key);
  }
  return key;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const b of view) out += b.toString(16).padStart(2, '0');
  return out;
}

function fromHex(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function signMessage(secret: string, body: string, timestampMs = Date.now()): Promise<Record<string, string>> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${timestampMs}.${body}`));
  return { [TIMESTAMP_HEADER]: String(timestampMs), [SIGNATURE_HEADER]: `v1=${toHex(mac)}` };
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/**
 * What can be judged from the headers alone: present, well formed, inside the
 * replay window. Receivers check this before reading a body, so an unsigned or
 * stale request costs nothing however large its body.
 */
export function checkSignatureHeaders(timestampHeader: string | null | undefined, signatureHeader: string | null | undefined, nowMs = Date.now()): VerifyOutcome {
  if (!timestampHeader || !signatureHeader || !signatureHeader.startsWith('v1=')) return { ok: false, reason: 'missing' };
  const ts = Number(timestampHeader);
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > REPLAY_WINDOW_MS) return { ok: false, reason: 'stale' };
  return { ok: true };
}

/** crypto.subtle.verify compares in constant time. */
export async function verifyMessage(
  secret: string,
  body: string,
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  nowMs = Date.now(),
): Promise<VerifyOutcome> {
  const headers = checkSignatureHeaders(timestampHeader, signatureHeader, nowMs);
  if (!headers.ok) return headers;
  const mac = fromHex(signatureHeader!.slice(3));
  if (!mac) return { ok: false, reason: 'bad_signature' };
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), mac, encoder.encode(`${timestampHeader}.${body}`));
  return valid ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

/**
 * Binary bodies (recordings) are signed over their SHA-256 instead of the raw
 * text: X-Crier-Content-SHA256 carries the hex digest and the MAC covers
 * timestamp + "." + digest. The receiver recomputes the digest over what arrived.
 */
export const CONTENT_SHA256_HEADER = 'x-crier-content-sha256';

export async function sha256HexOf(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

export async function signBinary(secret: string, body: ArrayBuffer | Uint8Array, timestampMs = Date.now()): Promise<Record<string, string>> {
  const digest = await sha256HexOf(body);
  return { ...(await signMessage(secret, digest, timestampMs)), [CONTENT_SHA256_HEADER]: digest };
}

/**
 * The MAC of a binary message checked from its headers alone (it covers the
 * declared digest, not the bytes): the receiver then streams the body and
 * refuses it if its SHA-256 is not the declared one.
 */
export async function verifyDigestHeaders(
  secret: string,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined; digest: string | null | undefined },
  nowMs = Date.now(),
): Promise<VerifyOutcome> {
  if (!headers.digest) return { ok: false, reason: 'missing' };
  if (!/^[0-9a-f]{64}$/.test(headers.digest)) return { ok: false, reason: 'bad_signature' };
  return verifyMessage(secret, headers.digest, headers.timestamp, headers.signature, nowMs);
}

export async function verifyBinary(
  secret: string,
  body: ArrayBuffer,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined; digest: string | null | undefined },
  nowMs = Date.now(),
): Promise<VerifyOutcome> {
  const digest = await sha256HexOf(body);
  if (!headers.digest || headers.digest !== digest) return { ok: false, reason: 'bad_signature' };
  return verifyMessage(secret, digest, headers.timestamp, headers.signature, nowMs);
}
