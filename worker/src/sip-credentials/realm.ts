/**
 * A tenant's SIP domain, which is also its digest realm (CONTRACT-AGENTS):
 * `<tenant_id lower-cased>.<SIP_DOMAIN>`. An agent's AOR is
 * `sip:<sip_user>@<realm>`.
 */
import type { Env } from '../env.ts';

export const DEFAULT_SIP_DOMAIN = 'sip.crier.local';

export function sipDomain(env: Pick<Env, 'SIP_DOMAIN'>): string {
  return (env.SIP_DOMAIN || DEFAULT_SIP_DOMAIN).toLowerCase();
}

export function tenantRealm(domain: string, tenantId: string): string {
  return `${tenantId.toLowerCase()}.${domain}`;
}

/** The tenant id a realm names (lower-cased), or null when it is not `<one label>.<domain>`. */
export function tenantOfRealm(domain: string, realm: string): string | null {
  const r = realm.toLowerCase();
  const suffix = `.${domain}`;
  if (!r.endsWith(suffix)) return null;
  const label = r.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.') ? label : null;
}
