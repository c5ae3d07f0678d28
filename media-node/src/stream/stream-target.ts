/**
 * Where a stream may connect, and how it trusts the server. Only absolute
 * wss:// URLs (the Worker already refused anything else; checked again here
 * because the node must not rely on its caller). A host that is, or resolves
 * to, a private, loopback or link-local address is refused unless the node
 * allows private addresses: the audio URLs' SSRF guard and its setting
 * (ALLOW_PRIVATE_AUDIO_URLS), with the check in the DNS lookup the socket
 * connects through, so there is no rebinding gap. Certificates are verified
 * against the system roots plus an optional extra CA (STREAM_EXTRA_CA_FILE).
 */
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { guardedLookup, isPrivateAddress } from '../audio/url-guard.ts';

export class StreamTargetError extends Error {
  constructor(
    readonly code: 'bad_url' | 'forbidden_address',
    message: string,
  ) {
    super(message);
    this.name = 'StreamTargetError';
  }
}

export function checkStreamUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StreamTargetError('bad_url', 'wss_host is not a URL');
  }
  if (parsed.protocol !== 'wss:') throw new StreamTargetError('bad_url', `only wss:// streams are opened, not ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new StreamTargetError('bad_url', 'wss_host with credentials is refused');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) throw new StreamTargetError('forbidden_address', `${host} is a private, loopback or link-local address`);
  return parsed;
}

/**
 * The trust store for every stream of a node, built once: parsing the ~140
 * system roots costs tens of milliseconds, far too much to repeat per stream
 * (200 streams started together would stall the send clock for seconds).
 */
export function streamSecureContext(extraCaPem: string | null): SecureContext {
  return createSecureContext(extraCaPem ? { ca: [...rootCertificates, extraCaPem] } : {});
}

/** The connection options that enforce the address rule and the trust store. */
export function streamConnectOptions(allowPrivate: boolean, secureContext: SecureContext) {
  return { lookup: guardedLookup(allowPrivate) as never, secureContext };
}

/** The URL without its query (which may carry a token), for logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
