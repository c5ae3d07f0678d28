/**
 * HTTP Basic authentication for the /voice/v1 API: Authorization: Basic
 * base64(APP_ID:APP_KEY). The key is checked against its stored SHA-256 in
 * constant time; an unknown APP_ID costs the same comparison, so timing tells
 * nothing about which half was wrong.
 */
import type { MiddlewareHandler } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../../env.ts';
import { database } from '../../db/client.ts';
import { apps, tenants } from '../../db/schema.ts';
import { constantTimeEqualHex, sha256Hex } from '../../db/hashing.ts';
import { Problems } from '../../errors/problem.ts';

export const BASIC_CHALLENGE = 'Basic realm="crier", charset="UTF-8"';
const DUMMY_HASH = '0'.repeat(64);

export function parseBasicCredentials(header: string | undefined): { id: string; key: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { id: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}

export function appAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const creds = parseBasicCredentials(c.req.header('authorization'));
    if (!creds) throw Problems.unauthorized('Send Authorization: Basic base64(APP_ID:APP_KEY).', BASIC_CHALLENGE);
    const row = await database(c.env.DB)
      .select({ id: apps.id, tenantId: apps.tenantId, keyHash: apps.keyHash, webhookSecret: apps.webhookSecret, disabledAt: apps.disabledAt, tenantDisabledAt: tenants.disabledAt })
      .from(apps)
      .innerJoin(tenants, eq(tenants.id, apps.tenantId))
      .where(eq(apps.id, creds.id))
      .get();
    const presented = await sha256Hex(creds.key);
    const matches = constantTimeEqualHex(presented, row?.keyHash ?? DUMMY_HASH);
    if (!row || !matches || row.disabledAt || row.tenantDisabledAt) {
      throw Problems.unauthorized('APP_ID or APP_KEY is not valid.', BASIC_CHALLENGE);
    }
    c.set('principal', { appId: row.id, tenantId: row.tenantId, webhookSecret: row.webhookSecret });
    await next();
  };
}
