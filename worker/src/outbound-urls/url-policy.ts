/**
 * The one policy for every outbound URL a tenant gives us: broadcast
 * event_url / call_handler_url, play URLs, stream wss_host, dialer webhook
 * subscriptions. Crier fetches (or has a media node fetch) these URLs, so a
 * URL must never aim it at the network it runs in: loopback, private
 * (10/8, 172.16/12, 192.168/16, 100.64/10), link-local (169.254/16 — cloud
 * metadata lives there — and fe80::/10), unique-local (fc00::/7), 0.0.0.0,
 * multicast, `.local` / `.internal` names (metadata.google.internal) and
 * single-label hosts are refused, as are credentials and fragments.
 *
 * Which schemes are allowed is the caller's: the broadcast API takes http(s)
 * (its spec does), dialer webhooks https only, streams wss only.
 *
 * Local development and the test suite receive on 127.0.0.1: with the
 * development setting WEBHOOK_ALLOW_LOOPBACK=true (it covers every URL kind,
 * not only webhooks; never set in production) a loopback host (127.0.0.0/8,
 * ::1, localhost) is allowed, over http as well for https-only kinds.
 * Private ranges stay refused. docs/control-plane.md "Outbound URLs".
 */

export const MAX_URL_LENGTH = 2048;

export function allowsLoopback(setting: string | undefined): boolean {
  return setting === 'true' || setting === '1';
}

export interface UrlRules {
  /** Accepted schemes with their colon ("https:"); the first is named in the refusal. */
  schemes: readonly string[];
  /** The development setting: loopback hosts allowed (allowsLoopback(env.WEBHOOK_ALLOW_LOOPBACK)). */
  allowLoopback: boolean;
  /** Schemes a loopback host may also use when allowed (a local http receiver for an https-only kind). */
  loopbackSchemes?: readonly string[];
}

/** Why `raw` is not an acceptable outbound URL under `rules`, or null when it is. */
export function outboundUrlProblem(raw: string, rules: UrlRules): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  const allowed = rules.schemes.includes(url.protocol);
  const mustUse = `must use ${rules.schemes.map((s) => s.replace(/:$/, '')).join(' or ')}`;
  if (!allowed && !(rules.loopbackSchemes ?? []).includes(url.protocol)) return mustUse;
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  const host = hostOf(url);
  if (isLoopbackHost(host)) return rules.allowLoopback ? null : 'must not point at a loopback address';
  if (!allowed) return rules.allowLoopback ? `${mustUse} (${url.protocol.replace(/:$/, '')} is allowed for loopback hosts only)` : mustUse;
  if (isPrivateAddress(host)) return 'must not point at a private or link-local address';
  if (!host.includes('.') && !host.includes(':')) return 'must name a public host';
  return null;
}

/** A dialer webhook subscription's URL: https (http too for an allowed loopback receiver). */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  return outboundUrlProblem(raw, { schemes: ['https:'], allowLoopback, loopbackSchemes: ['http:'] });
}

/** A broadcast API URL Crier or a media node fetches: event_url, call_handler_url, play url. */
export function broadcastUrlProblem(raw: string, allowLoopback: boolean): string | null {
  return outboundUrlProblem(raw, { schemes: ['https:', 'http:'], allowLoopback });
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
