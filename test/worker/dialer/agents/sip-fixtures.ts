// What the SIP registration tests share: signed node → Worker requests,
// setting an agent's credentials through the API, and registration reports
// shaped exactly as CONTRACT-AGENTS §2 (what the media node's registrar sends).
import { expect } from 'vitest';
import type { RegistrationChange } from '../../../../worker/src/media-protocol/index.ts';
import { tenantRealm } from '../../../../worker/src/sip-credentials/realm.ts';
import { call, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { signedPost } from '../../session/harness.ts';

export { signedPost };

export const SIP_PASSWORD = 'softphone-secret-0042';

export const realmOf = (t: DialerTenant) => tenantRealm('sip.crier.local', t.tenantId);

export async function giveCredentials(t: DialerTenant, agent: SeededUser, sipUser: string, password = SIP_PASSWORD): Promise<void> {
  const res = await call(t.supervisor, 'PUT', `/v1/agents/${agent.id}/sip-credentials`, { sip_user: sipUser, password });
  expect(res.status, await res.clone().text()).toBe(200);
}

export interface Registration {
  nodeId?: string;
  startedAt?: string;
  state?: 'registered' | 'unregistered';
  reason?: RegistrationChange['reason'];
  expiresInMs?: number;
  registeredAt?: string;
  userAgent?: string;
  contact?: string;
}

export function change(t: DialerTenant, agent: SeededUser, sipUser: string, r: Registration = {}): RegistrationChange {
  const state = r.state ?? 'registered';
  return {
    tenant_id: t.tenantId,
    agent_id: agent.id,
    sip_user: sipUser,
    realm: realmOf(t),
    state,
    contact: r.contact ?? `sip:${sipUser}@192.0.2.10:5060`,
    user_agent: r.userAgent ?? 'SIP.js/0.21.2',
    registered_at: r.registeredAt ?? '2026-06-12T08:02:44.000Z',
    expires_at: new Date(Date.now() + (r.expiresInMs ?? (state === 'registered' ? 300_000 : 0))).toISOString(),
    reason: r.reason ?? (state === 'registered' ? 'register' : 'unregister'),
  };
}

export const NODE = 'node-reg-1';
export const BOOT = '2026-06-12T08:00:00.000Z';

export async function report(changes: RegistrationChange[], nodeId = NODE, startedAt = BOOT): Promise<void> {
  const res = await signedPost('/internal/media/v1/registrations', { node_id: nodeId, started_at: startedAt, changes });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
}

export interface SipRegisteredBody {
  registered: Array<{ agent_id: string; sip_user: string; registered_at: string; user_agent: string }>;
  total_registered: number;
  total_agents: number;
}

export async function sipRegistered(who: SeededUser): Promise<SipRegisteredBody> {
  const res = await call(who, 'GET', '/v1/agents/sip-registered');
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as SipRegisteredBody;
}
