// What must hold after a Worker restart once a campaign is done, whatever the
// restart hit (test/e2e/worker-restart*.test.ts): nothing stuck anywhere, each
// webhook once, the abandons counted where the rows say.
import { expect } from 'vitest';
import { until } from '../dialer-session.ts';
import type { AgentName, CampaignStack } from './campaign-stack.ts';

const FINAL_CONTACT = new Set(['completed', 'failed', 'dnc']);
const FINAL_ROW = new Set(['completed', 'no_answer', 'busy', 'failed', 'voicemail']);

export type Row = ReturnType<CampaignStack['callRows']>[number];

/**
 * What must hold once a campaign is done, whatever the restart hit: every contact final within max_attempts, every
 * calls row ended (one per attempt), each call's webhooks once, the abandons counted where the rows say, one
 * campaign.completed, the dialer empty, nothing on the node, every agent free. Returns the rows and the contacts.
 */
export async function expectNothingStuck(
  cs: CampaignStack,
  id: string,
  contactCount: number,
  maxAttempts: number,
  eventsBeforeKill: Set<string>,
): Promise<{ rows: Row[]; contacts: Map<string, Record<string, any>> }> {
  const { s, hooks, agentIds } = cs;
  expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
  const contacts = await cs.contactsOf(id);
  expect(contacts.size).toBe(contactCount);
  for (const [phone, c] of contacts) {
    expect(FINAL_CONTACT.has(c.status as string), `${phone} ${JSON.stringify(c)}`).toBe(true);
    expect(c.attempts).toBeGreaterThanOrEqual(1);
    expect(c.attempts).toBeLessThanOrEqual(maxAttempts);
  }
  const rows = cs.callRows(id);
  for (const row of rows) {
    expect(FINAL_ROW.has(row.status), JSON.stringify(row)).toBe(true);
    expect(row.ended_at, JSON.stringify(row)).not.toBeNull();
  }
  expect(rows.length).toBe([...contacts.values()].reduce((n, c) => n + (c.attempts as number), 0));

  // Webhooks: each call's initiated and completed once, answered once when it was, abandoned once when its row says
  // so (hooks keeps one per event id, so a redelivery is fine and a second event is not); none raised before the kill lost.
  for (const row of rows) {
    const of = (type: string) => cs.forCampaign(id, type).filter((e) => e.payload.call_id === row.id);
    expect(of('call.initiated'), `call.initiated of ${row.contact_phone}`).toHaveLength(1);
    expect(of('call.completed'), `call.completed of ${row.contact_phone}`).toHaveLength(1);
    expect(of('call.answered'), `call.answered of ${row.contact_phone}`).toHaveLength(row.answered_at ? 1 : 0);
    expect(of('call.abandoned'), `call.abandoned of ${row.contact_phone}`).toHaveLength(row.abandoned_at ? 1 : 0);
    expect(of('call.completed')[0]!.payload.outcome === 'abandoned', `outcome of ${row.contact_phone}`).toBe(row.abandoned_at !== null);
  }
  for (const eventId of eventsBeforeKill) expect(hooks.events.some((e) => e.event_id === eventId)).toBe(true);
  expect(hooks.badSignatures).toBe(0);

  // The campaign's abandon rate: abandoned ÷ live answers, all time.
  const human = rows.filter((r) => r.answered_at !== null && r.answered_by !== 'MACHINE').length;
  const abandoned = rows.filter((r) => r.abandoned_at !== null).length;
  const detail = await s.api('supervisor', 'GET', `/v1/campaigns/${id}`);
  expect(detail.body.status).toBe('completed');
  expect(detail.body.abandon_rate).toBe(human === 0 ? 0 : Math.round((1000 * abandoned) / human) / 10);

  // Nothing left anywhere: the dialer holds no call, the node carries none, the agents are free.
  expect(await cs.dialerView(id)).toMatchObject({ calls_in_flight: 0, calls_waiting: 0, calls_bridged: 0 });
  await until(async () => (await cs.nodeLiveCalls()) === 0, 'no call left on the media node', 20_000);
  await until(async () => {
    const floor = (await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; state: string; current_call_id: string | null }>;
    return Object.values(agentIds).every((agentId) => {
      const a = floor.find((x) => x.id === agentId);
      return a && a.state === 'available' && a.current_call_id === null;
    });
  }, 'every agent available with no current call', 20_000);
  return { rows, contacts };
}

/**
 * A manual call (originate) bridged through a restart, ended by its agent: the call ends once, by the agent,
 * everywhere (its webhook and calls row, no call live, none on the node, the agent free), and late or repeated node
 * events raise nothing more.
 */
export async function expectOriginateEndsOnceByAgent(
  cs: CampaignStack,
  call: { callId: string; who: AgentName; contactPhone: string },
): Promise<void> {
  const { s, hooks } = cs;
  const { callId, who, contactPhone } = call;
  const agentId = cs.agentIds[who]!;
  await cs.phones[who]!.hangup();
  const done = await hooks.waitFor((e) => e.correlation_id === callId && e.event_type === 'call.completed', 'call.completed', 30_000);
  expect(done.payload).toMatchObject({ call_id: callId, agent_id: agentId, campaign_id: null, contact_phone: contactPhone, status: 'completed', ended_by: 'agent' });
  const row = ((await s.api('supervisor', 'GET', `/v1/calls?agent_id=${agentId}`)).body.items as Array<Record<string, any>>).find((c) => c.id === callId);
  expect(row).toMatchObject({ agent_id: agentId, status: 'completed', contact_phone: contactPhone });
  expect(row!.ended_at).not.toBeNull();
  await until(async () => (await s.api('supervisor', 'GET', '/v1/calls/active-count')).body.active_calls === 0 || null, 'no call live', 20_000);
  await until(async () => (await cs.nodeLiveCalls()) === 0, 'no call left on the media node', 20_000);
  await until(async () => {
    const a = ((await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; state: string; current_call_id: string | null }>).find((x) => x.id === agentId)!;
    return a.state === 'available' && a.current_call_id === null;
  }, `${who} available with no current call`, 20_000);
  // Late or repeated node events after the end raise nothing more; each webhook once (hooks keeps one per event id).
  await new Promise((r) => setTimeout(r, 2_000));
  expect(hooks.forCall(callId).map((e) => e.event_type)).toEqual(['call.initiated', 'call.answered', 'call.completed']);
  expect(hooks.badSignatures).toBe(0);
}
