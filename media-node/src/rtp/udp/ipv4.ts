/** IPv4 addresses as unsigned 32-bit numbers, the form the RTP send and receive paths use. */
import { isIPv4 } from 'node:net';

/** The number for a dotted-quad literal, or null for anything else (a name, IPv6). */
export function ipv4ToNumber(address: string): number | null {
  if (!isIPv4(address)) return null;
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function numberToIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}
