/**
 * Which URLs a dialer webhook subscription may point at. Signed events carry
 * call data, so: https only, no credentials in the URL (they would show in
 * every listing), no fragment, and never a loopback, private or link-local
 * address (Workers cannot reach those in production anyway; refusing them
 * up front gives a clear error instead of five silent failures).
 *
 * Local development and the test suite receive on 127.0.0.1: with
 * WEBHOOK_ALLOW_LOOPBACK=true, http and https to a loopback host
 * (127.0.0.0/8, ::1, localhost) are allowed. Private ranges stay refused.
 */

export const MAX_URL_LENGTH = 2048;

export function allowsLoopback(setting: string | undefined): boolean {
  return setting === 'true' || setting === '1';
}

/** Why `raw` is not an acceptable webhook URL, or null when it is. */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  const host = hostOf(url);
  const loopback = isLoopbackHost(host);
  if (loopback) return allowLoopback ? null : 'must not point at a loopback address';
  if (url.protocol === 'http:') return allowLoopback ? 'must use https (http is allowed for loopback hosts only)' : 'must use https';
  if (isPrivateAddress(host)) return 'must not point at a private or link-local address';
  if (!host.includes('.') && !host.includes(':')) return 'must name a public host';
  return null;
}

/** The hostname without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = ipv4Of(host);
  return v4 !== null && v4[0] === 127;
}

function isPrivateAddress(host: string): boolean {
  const v4 = ipv4Of(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return a === 0 || a === 10 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  if (!host.includes(':')) return host.endsWith('.local') || host.endsWith('.internal');
  if (host === '::') return true;
  // IPv4-mapped (::ffff:10.0.0.1, which the URL parser writes as ::ffff:a00:1): judge the IPv4 part.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    const dotted = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    return isLoopbackHost(dotted) || isPrivateAddress(dotted);
  }
  const first = parseInt(host.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

function ipv4Of(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}
