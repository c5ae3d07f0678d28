// What the originate tests share: a dialer tenant whose calls are permitted
// at any hour and who owns a few caller IDs, a stand-in media node holding
// the agent's SIP registration (reported as the node's registrar would), a
// webhook subscription, and the agent leg's node events for an agent_call owner.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { MediaEvent } from '../../../../worker/src/media-protocol/index.ts';
import { call, seedDialerTenant, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { openComplianceStatements, TEST_CLI } from '../../helpers/compliance.ts';
import { box, startNode, waitFor, type Box } from '../../session/harness.ts';
import { change, report } from '../agents/sip-fixtures.ts';
import { subscribe } from '../webhooks/helpers.ts';

/** The tenant's caller IDs: the test CLI (US) and a UAE number, in one group. */
export const UAE_CLI = '+97142000001';
export const DESTINATION = '+971501234567';
export const SIP_USER = 'agent_1001';

export interface Floor {
  t: DialerTenant;
  node: Box;
  nodeId: string;
  /** The stand-in node's boot (its heartbeats' started_at). */
  boot: string;
  hooks: Box;
}

export async function floorWithRegisteredAgent(stops: Array<(drain?: boolean) => void>, options: { register?: boolean } = {}): Promise<Floor> {
  const t = await seedDialerTenant();
  await env.DB.batch(openComplianceStatements(t.tenantId, [TEST_CLI, UAE_CLI]));
  const node = box();
  const nodeId = `node-${node.name}`;
  const started = await startNode(nodeId, node.nodeUrl);
  stops.push(started.stop);
  if (options.register ?? true) await report([change(t, t.agent, SIP_USER)], nodeId, started.startedAt);
  const hooks = box();
  await subscribe(t.admin, hooks, ['*']);
  return { t, node, nodeId, boot: started.startedAt, hooks };
}

export function originate(who: SeededUser, body: Record<string, unknown>): Promise<Response> {
  return call(who, 'POST', '/v1/calls/originate', body);
}

export async function originated(who: SeededUser, body: Record<string, unknown>): Promise<{ call_id: string; status: string; destination: string; compliance: Record<string, unknown> }> {
  const res = await originate(who, body);
  expect(res.status, await res.clone().text()).toBe(202);
  return res.json();
}

export async function commandsOf(node: Box, type: string, n = 1): Promise<Array<Record<string, any>>> {
  return waitFor(async () => {
    const cmds = (await node.commands()).filter((c) => c.type === type);
    return cmds.length >= n ? cmds : null;
  }, 10_000, `${n} ${type} command(s)`);
}

/** Dialer webhooks a box received, as envelopes, in arrival order. */
export async function envelopes(hooks: Box): Promise<Array<Record<string, any>>> {
  return (await hooks.delivered()) as Array<Record<string, any>>;
}

export async function envelopesWhen(hooks: Box, predicate: (all: Array<Record<string, any>>) => boolean, what: string): Promise<Array<Record<string, any>>> {
  return waitFor(async () => {
    const all = await envelopes(hooks);
    return predicate(all) ? all : null;
  }, 10_000, what);
}

export async function callRow(callId: string): Promise<Record<string, any> | null> {
  return env.DB.prepare('SELECT * FROM calls WHERE id = ?').bind(callId).first();
}

export async function agentState(t: DialerTenant): Promise<{ state: string; current_call_id: string | null; calls_today: number }> {
  const res = await call(t.supervisor, 'GET', '/v1/agents/state');
  const body = (await res.json()) as { agents: Array<{ id: string; state: string; current_call_id: string | null; calls_today: number }> };
  return body.agents.find((a) => a.id === t.agent.id)!;
}

/** The agent leg's events as the node reports them: owner agent_call, voice_id = the call id. */
export function agentLeg(callId: string) {
  let seq = 0;
  const owner = { kind: 'agent_call' as const, id: callId };
  const at = () => new Date().toISOString();
  const base = () => ({ voice_id: callId, owner, seq: ++seq, at: at() });
  return {
    ringing: (): MediaEvent => ({ ...base(), type: 'ringing', channel_id: `chan-${callId.slice(0, 8)}` }),
    connected: (): MediaEvent => ({ ...base(), type: 'connected' }),
    connect: (
      connect_id: string,
      connectstate: 'ringing' | 'connected' | 'failed' | 'disconnected',
      end: { cause?: number; reason?: string; sip_status?: number; duration_s?: number; ended_by?: 'destination' | 'recipient' } = {},
    ): MediaEvent => ({ ...base(), type: 'connect', connect_id, connectstate, ...end }),
    disconnected: (cause = 16, reason = 'Normal Clearing', duration_s = 0): MediaEvent => ({ ...base(), type: 'disconnected', cause, reason, duration_s, hangup_by: 'remote' }),
  };
}
