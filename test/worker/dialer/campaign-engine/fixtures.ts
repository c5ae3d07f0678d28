// What the campaign engine tests share: a tenant whose calls are permitted
// at any hour, a stand-in media node, agents assigned, registered on it and
// available, a campaign with contacts and short retry delays, a webhook box,
// and the customer leg's node events for a `campaign` owner.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { MediaEvent } from '../../../../worker/src/media-protocol/index.ts';
import { call, seedDialerTenant, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { openComplianceStatements } from '../../helpers/compliance.ts';
import { box, startNode, waitFor, type Box } from '../../session/harness.ts';
import { subscribe } from '../webhooks/helpers.ts';
import { addUser } from '../agents/fixtures.ts';
import { createCampaign, createCliGroup, readyAgent, upload } from '../campaigns/fixtures.ts';

export const CAMPAIGN_CLI = '+97142000001';

export interface EngineFloor {
  t: DialerTenant;
  node: Box;
  nodeId: string;
  nodeStartedAt: string;
  stopNode: (drain?: boolean) => void;
  hooks: Box;
  agents: SeededUser[];
  campaignId: string;
}

export interface FloorOptions {
  agents?: number;
  mode?: 'preview' | 'progressive' | 'power' | 'predictive';
  phones: string[];
  maxAttempts?: number;
  dialRatio?: number;
  settings?: Record<string, unknown>;
  /** Agents' state after registering (available by default). */
  agentState?: string;
  start?: boolean;
}

export async function engineFloor(stops: Array<(drain?: boolean) => void>, o: FloorOptions): Promise<EngineFloor> {
  const t = await seedDialerTenant();
  await env.DB.batch(openComplianceStatements(t.tenantId, []));
  const node = box();
  const nodeId = `node-${node.name}`;
  const started = await startNode(nodeId, node.nodeUrl);
  stops.push(started.stop);
  const hooks = box();
  await subscribe(t.admin, hooks, ['*']);
  const group = await createCliGroup(t, [CAMPAIGN_CLI]);
  const c = await createCampaign(t, { cli_group_id: group, dialing_mode: o.mode ?? 'progressive', max_attempts: o.maxAttempts ?? 3, retry_delay_minutes: 1, dial_ratio: o.dialRatio ?? 1.5 });
  const settings = await call(t.supervisor, 'PUT', `/v1/campaigns/${c.id}/dialer-settings`, { retry_delay_seconds: 1, ...o.settings });
  expect(settings.status, await settings.clone().text()).toBe(200);
  await upload(t.supervisor, c.id, o.phones.map((phone) => ({ phone, first_name: 'Test' })));
  const agents = [t.agent];
  for (let i = 1; i < (o.agents ?? 1); i++) agents.push(await addUser(t, { role: 'agent', fullName: `Agent ${i}` }));
  for (const agent of agents) await readyAgent(t, c.id, { agent, state: o.agentState ?? 'available', nodeId, startedAt: started.startedAt });
  const floor = { t, node, nodeId, nodeStartedAt: started.startedAt, stopNode: started.stop, hooks, agents, campaignId: c.id };
  if (o.start ?? true) await startCampaign(floor);
  return floor;
}

export async function startCampaign(f: EngineFloor): Promise<void> {
  const res = await call(f.t.supervisor, 'POST', `/v1/campaigns/${f.campaignId}/start`);
  expect(res.status, await res.clone().text()).toBe(200);
}

export async function commandsOf(node: Box, type: string, n = 1, timeoutMs = 10_000): Promise<Array<Record<string, any>>> {
  return waitFor(async () => {
    const cmds = (await node.commands()).filter((c) => c.type === type);
    return cmds.length >= n ? cmds : null;
  }, timeoutMs, `${n} ${type} command(s)`);
}

export async function envelopesWhen(hooks: Box, predicate: (all: Array<Record<string, any>>) => boolean, what: string, timeoutMs = 15_000): Promise<Array<Record<string, any>>> {
  return waitFor(async () => {
    const all = (await hooks.delivered()) as Array<Record<string, any>>;
    return predicate(all) ? all : null;
  }, timeoutMs, what);
}

export const ofType = (all: Array<Record<string, any>>, type: string) => all.filter((e) => e.event_type === type);

export async function contactOf(campaignId: string, phone: string): Promise<Record<string, any>> {
  return (await env.DB.prepare('SELECT * FROM contacts WHERE campaign_id = ? AND phone = ?').bind(campaignId, phone).first())!;
}

export async function callRow(callId: string): Promise<Record<string, any> | null> {
  return env.DB.prepare('SELECT * FROM calls WHERE id = ?').bind(callId).first();
}

export async function agentStates(t: DialerTenant): Promise<Map<string, { state: string; current_call_id: string | null }>> {
  const body = (await (await call(t.supervisor, 'GET', '/v1/agents/state')).json()) as { agents: Array<{ id: string; state: string; current_call_id: string | null }> };
  return new Map(body.agents.map((a) => [a.id, a]));
}

export async function campaignDetail(f: EngineFloor): Promise<Record<string, any>> {
  return (await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}`)).json();
}

/** The customer leg's events as the node reports them: owner campaign, voice_id = the call id. */
export function customerLeg(callId: string, campaignId: string) {
  let seq = 0;
  const owner = { kind: 'campaign' as const, id: campaignId };
  const base = () => ({ voice_id: callId, owner, seq: ++seq, at: new Date().toISOString() });
  return {
    ringing: (): MediaEvent => ({ ...base(), type: 'ringing', channel_id: `chan-${callId.slice(0, 8)}` }),
    connected: (answered_by?: 'HUMAN' | 'MACHINE'): MediaEvent => ({ ...base(), type: 'connected', ...(answered_by ? { answered_by } : {}) }),
    connect: (
      connect_id: string,
      connectstate: 'ringing' | 'connected' | 'failed' | 'disconnected',
      end: { cause?: number; reason?: string; duration_s?: number; ended_by?: 'destination' | 'recipient' } = {},
    ): MediaEvent => ({ ...base(), type: 'connect', connect_id, connectstate, ...end }),
    played: (prompt_ref: string): MediaEvent => ({ ...base(), type: 'playstate', playstate: 'playfinished', prompt_ref }),
    disconnected: (cause = 16, reason = 'Normal Clearing', duration_s = 0): MediaEvent => ({ ...base(), type: 'disconnected', cause, reason, duration_s, hangup_by: 'remote' }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
