// What the campaign-area tests share: a CLI group and a campaign made
// through the API, contact uploads, valid numbers in bulk, and calls rows
// written straight into D1 the way a dialer records them.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { call, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { change, report } from '../agents/sip-fixtures.ts';

export interface Campaign {
  id: string;
  name: string;
  status: string;
  cli_group_id: string;
  [field: string]: unknown;
}

export interface UploadResult {
  imported: number;
  duplicates_skipped: number;
  dnc_filtered: number;
  invalid_phones: number;
  total_in_campaign: number;
  invalid: Array<{ index: number; phone: string; reason: string }>;
}

export async function createCliGroup(t: DialerTenant, numbers: string[] = ['+97145550001'], name = `CLI ${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const res = await call(t.admin, 'POST', '/v1/cli-groups', { name, numbers });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function createCampaign(t: DialerTenant, fields: Record<string, unknown> = {}, who: SeededUser = t.supervisor): Promise<Campaign> {
  const cli_group_id = (fields.cli_group_id as string | undefined) ?? (await createCliGroup(t));
  const res = await call(who, 'POST', '/v1/campaigns', { name: 'Q3 Insurance Renewal', dialing_mode: 'progressive', ...fields, cli_group_id });
  expect(res.status).toBe(201);
  return (await res.json()) as Campaign;
}

export async function upload(who: SeededUser, campaignId: string, contacts: unknown[], extra: Record<string, unknown> = {}): Promise<UploadResult> {
  const res = await call(who, 'POST', `/v1/campaigns/${campaignId}/contacts`, { contacts, ...extra });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadResult;
}

/** n distinct valid UAE mobile numbers (+97150…), starting at `from`. */
export function uaeMobiles(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `+97150${String(from + i).padStart(7, '0')}`);
}

/** A calls row as a campaign dialer writes it (and bumps the contact's attempts, as it would). */
export async function recordCall(
  t: DialerTenant,
  campaignId: string,
  contact: { id: string; phone: string },
  outcome: { status: string; answered?: boolean; abandoned?: boolean; answeredBy?: 'HUMAN' | 'MACHINE' },
): Promise<string> {
  const id = uuidv7();
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO calls (id, tenant_id, campaign_id, agent_id, contact_id, contact_phone, from_number, direction, status, answered_by, started_at, answered_at, abandoned_at)
       VALUES (?, ?, ?, ?, ?, ?, '+97145550001', 'outbound', ?, ?, ?, ?, ?)`,
    ).bind(id, t.tenantId, campaignId, t.agent.id, contact.id, contact.phone, outcome.status, outcome.answeredBy ?? null, now, outcome.answered ? now : null, outcome.abandoned ? now : null),
    env.DB.prepare('UPDATE contacts SET attempts = attempts + 1, last_call_at = ? WHERE id = ?').bind(now, contact.id),
  ]);
  return id;
}

export async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

/**
 * Makes `agent` (default t.agent) ready for start: assigned to the campaign,
 * SIP-registered on a (stand-in) node and logged in. `state` break keeps the
 * dialer from dialling (nobody available) for tests about the routes only.
 */
export async function readyAgent(t: DialerTenant, campaignId: string, options: { agent?: SeededUser; state?: string; nodeId?: string; startedAt?: string; sipUser?: string } = {}): Promise<void> {
  const agent = options.agent ?? t.agent;
  const current = (await (await call(t.supervisor, 'GET', `/v1/campaigns/${campaignId}/agents`)).json()) as { agents: Array<{ agent_id: string }> };
  const ids = [...new Set([...current.agents.map((a) => a.agent_id), agent.id])];
  const res = await call(t.supervisor, 'PUT', `/v1/campaigns/${campaignId}/agents`, { agent_ids: ids });
  expect(res.status, await res.clone().text()).toBe(200);
  await report([change(t, agent, options.sipUser ?? `agent_${agent.id.slice(-6).toLowerCase()}`)], options.nodeId ?? 'node-reg-1', options.startedAt);
  const state = await call(t.supervisor, 'POST', `/v1/agents/${agent.id}/state`, { state: options.state ?? 'break' });
  expect(state.status, await state.clone().text()).toBe(200);
}
