/**
 * SIP credentials in D1 (sip_credentials): set, read, remove, and the media
 * node's lookup by realm and user name. The unique (tenant_id, sip_user)
 * index is what keeps a sip_user to one person per tenant, so two admins
 * giving the same name at once cannot both succeed.
 */
import type { Env } from '../env.ts';
import type { SipCredentials } from '../media-protocol/registrations.ts';
import { digestHa1s } from './digest-ha1.ts';
import { sipDomain, tenantOfRealm, tenantRealm } from './realm.ts';

/** Who may hold SIP credentials (CONTRACT: the lookup answers found:false for anyone else). */
export const SIP_ROLES = ['agent', 'supervisor'] as const;

export interface StoredCredentials {
  userId: string;
  sipUser: string;
  realm: string;
  updatedAt: string;
}

interface CredentialRow {
  user_id: string;
  sip_user: string;
  realm: string;
  updated_at: string;
}

export async function readCredentials(db: D1Database, tenantId: string, userId: string): Promise<StoredCredentials | null> {
  const row = await db
    .prepare('SELECT user_id, sip_user, realm, updated_at FROM sip_credentials WHERE tenant_id = ? AND user_id = ?')
    .bind(tenantId, userId)
    .first<CredentialRow>();
  return row ? { userId: row.user_id, sipUser: row.sip_user, realm: row.realm, updatedAt: row.updated_at } : null;
}

export type SetOutcome = { ok: true; credentials: StoredCredentials; previousSipUser: string | null } | { ok: false; why: 'sip_user_taken' };

/** Stores the HA1s of `password` for the tenant's realm (never the password); replaces what the user had. */
export async function setCredentials(env: Env, tenantId: string, userId: string, sipUser: string, password: string, by: string): Promise<SetOutcome> {
  const realm = tenantRealm(sipDomain(env), tenantId);
  const { ha1Md5, ha1Sha256 } = await digestHa1s(sipUser, realm, password);
  const previous = await readCredentials(env.DB, tenantId, userId);
  const updatedAt = new Date().toISOString();
  try {
    await env.DB.prepare(
      `INSERT INTO sip_credentials (user_id, tenant_id, sip_user, realm, ha1_md5, ha1_sha256, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET sip_user = excluded.sip_user, realm = excluded.realm, ha1_md5 = excluded.ha1_md5,
         ha1_sha256 = excluded.ha1_sha256, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    )
      .bind(userId, tenantId, sipUser, realm, ha1Md5, ha1Sha256, updatedAt, by)
      .run();
  } catch (err) {
    if (String(err).includes('UNIQUE constraint failed: sip_credentials.tenant_id, sip_credentials.sip_user')) return { ok: false, why: 'sip_user_taken' };
    throw err;
  }
  return { ok: true, credentials: { userId, sipUser, realm, updatedAt }, previousSipUser: previous?.sipUser ?? null };
}

/** Removes the user's credentials; answers whether there were any. */
export async function deleteCredentials(db: D1Database, tenantId: string, userId: string): Promise<boolean> {
  const result = await db.prepare('DELETE FROM sip_credentials WHERE tenant_id = ? AND user_id = ?').bind(tenantId, userId).run();
  return (result.meta.changes ?? 0) > 0;
}

/**
 * The media node's question (POST /internal/media/v1/sip-credentials): the
 * HA1s of `username` in `realm`, or null when the realm is not one of ours,
 * nobody has that name, or its holder is disabled, in a disabled tenant, or
 * no longer an agent or supervisor.
 */
export async function lookupForNode(env: Env, realm: string, username: string): Promise<SipCredentials | null> {
  const r = realm.toLowerCase();
  if (tenantOfRealm(sipDomain(env), r) === null) return null;
  const row = await env.DB.prepare(
    `SELECT s.tenant_id, s.user_id, s.sip_user, s.realm, s.ha1_md5, s.ha1_sha256 FROM sip_credentials s
     JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
     JOIN tenants t ON t.id = s.tenant_id
     WHERE s.realm = ?1 AND s.sip_user = ?2 AND u.disabled_at IS NULL AND t.disabled_at IS NULL AND u.role IN ('agent', 'supervisor')`,
  )
    .bind(r, username)
    .first<{ tenant_id: string; user_id: string; sip_user: string; realm: string; ha1_md5: string; ha1_sha256: string }>();
  if (!row) return null;
  return { found: true, tenant_id: row.tenant_id, agent_id: row.user_id, sip_user: row.sip_user, realm: row.realm, ha1_md5: row.ha1_md5, ha1_sha256: row.ha1_sha256 };
}
