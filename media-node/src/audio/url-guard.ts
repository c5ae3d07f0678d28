/**
 * SSRF guard for audio URLs: the node must not be tricked into fetching from
 * its own network (cloud metadata at 169.254.169.254, the control API on
 * 127.0.0.1, private services). Only http(s); IP literals are checked before
 * any connection; host names are checked on every address DNS returns, by a
 * `lookup` hook the HTTP client connects through, so the address checked is
 * the address used (no DNS-rebinding gap between check and connect).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { AudioError } from './audio-error.ts';

function ipv4Parts(address: string): number[] {
  return address.split('.').map(Number);
}

/** Loopback, private, link-local, CGNAT, unspecified, benchmark, multicast or reserved: not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const [a, b] = ipv4Parts(address) as [number, number];
    return (
      a === 0 || // "this network", 0.0.0.0 reaches localhost on Linux
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
      (a === 169 && b === 254) || // link-local, cloud metadata
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0) || // IETF protocol assignments
      (a === 198 && (b === 18 || b === 19)) || // benchmarking
      a >= 224 // multicast, reserved, broadcast
    );
  }
  if (family === 6) {
    const v6 = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
    if (mapped) return isPrivateAddress(mapped[1]!);
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (hexMapped) {
      const hi = parseInt(hexMapped[1]!, 16);
      const lo = parseInt(hexMapped[2]!, 16);
      return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return (
      v6 === '::' ||
      v6 === '::1' ||
      /^f[cd]/.test(v6) || // unique local
      /^fe[89ab]/.test(v6) || // link-local
      /^ff/.test(v6) || // multicast
      v6.startsWith('64:ff9b:') || // NAT64 can reach private IPv4
      v6.startsWith('2001:db8:') // documentation
    );
  }
  return true; // not an IP at all: never treat as public
}

/** Parses and checks scheme; checks an IP-literal host at once. Returns the URL for the client. */
export function checkAudioUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AudioError('bad_url', `not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AudioError('bad_url', `only http(s) audio URLs are fetched, not ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new AudioError('bad_url', 'audio URLs with credentials are refused');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) throw new AudioError('forbidden_address', `${host} is a private, loopback or link-local address`);
  return parsed;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves every address of the host and fails
 * the connection if any is private, so a name pointing at both a public and
 * a private address cannot be used to reach the private one.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) {
        const e = new AudioError('forbidden_address', `${hostname} resolves to ${bad.address}, a private, loopback or link-local address`) as AudioError & NodeJS.ErrnoException;
        return callback(e, []);
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`cannot resolve ${hostname}`), { code: 'ENOTFOUND' }), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
