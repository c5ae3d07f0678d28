/**
 * HA1 = H(username:realm:password) of HTTP/SIP digest (RFC 7616 §3.4.2),
 * with MD5 and SHA-256, lower-case hex: what the media node needs to check a
 * REGISTER, so the password itself is never stored. workerd's Web Crypto
 * digests MD5 (a Cloudflare extension) as well as SHA-256.
 */
import { toHex } from '../media-protocol/signing.ts';

const encoder = new TextEncoder();

export async function digestHa1(algorithm: 'MD5' | 'SHA-256', sipUser: string, realm: string, password: string): Promise<string> {
  return toHex(await crypto.subtle.digest(algorithm, encoder.encode(`${sipUser}:${realm}:${password}`)));
}

export async function digestHa1s(sipUser: string, realm: string, password: string): Promise<{ ha1Md5: string; ha1Sha256: string }> {
  const [ha1Md5, ha1Sha256] = await Promise.all([digestHa1('MD5', sipUser, realm, password), digestHa1('SHA-256', sipUser, realm, password)]);
  return { ha1Md5, ha1Sha256 };
}
