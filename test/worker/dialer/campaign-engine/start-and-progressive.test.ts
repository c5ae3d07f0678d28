// The CampaignDialer with a stand-in media node: start's refusals (agents
// assigned, logged in, registered), progressive dialling one line per
// available agent and never more, the customer leg answered and bridged to
// an agent with `connect` (agent target), the call's events, row and
// contact, and the agent released when it ends.
import { describe, expect, it } from 'vitest';
import { call, dialerProblem } from '../../helpers/dialer.ts';
import { stopNodesAfterEach, postEvents, waitFor } from '../../session/harness.ts';
import { uaeMobiles } from '../campaigns/fixtures.ts';
import { readyAgent } from '../campaigns/fixtures.ts';
import { CAMPAIGN_CLI, agentStates, callRow, commandsOf, contactOf, customerLeg, engineFloor, envelopesWhen, ofType, sleep } from './fixtures.ts';

const stops = stopNodesAfterEach();
const PROBLEM = 'https://engage.broadnet.me/errors/';

describe('start', () => {
  it('409 campaign-no-agents-assigned, then campaign-no-agents-ready until an assigned agent is logged in and registered', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1, start: false, agentState: 'offline' });
    const start = () => call(f.t.supervisor, 'POST', `/v1/campaigns/${f.campaignId}/start`);
    expect((await dialerProblem(await start(), 409)).type).toBe(`${PROBLEM}campaign-no-agents-ready`); // registered, offline
    await call(f.t.supervisor, 'PUT', `/v1/campaigns/${f.campaignId}/agents`, { agent_ids: [] });
    expect((await dialerProblem(await start(), 409)).type).toBe(`${PROBLEM}campaign-no-agents-assigned`);
    await readyAgent(f.t, f.campaignId, { state: 'break', nodeId: f.nodeId, startedAt: f.nodeStartedAt });
    expect((await start()).status).toBe(200);
    const agents = (await (await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}/agents`)).json()) as Record<string, any>;
    expect(agents).toMatchObject({ total: 1, ready: 1, agents: [{ agent_id: f.t.agent.id, state: 'break', sip_registered: true, ready: true }] });
    // On break: logged in but not available, so nothing is dialled.
    await sleep(1500);
    expect(await f.node.commands()).toEqual([]);
  });

  it('PUT agents refuses ids that are not enabled agents of the tenant, naming each', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), start: false });
    const res = await call(f.t.supervisor, 'PUT', `/v1/campaigns/${f.campaignId}/agents`, { agent_ids: [f.t.agent.id, f.t.supervisor.id, 'nobody'] });
    const problem = await dialerProblem(res, 400);
    expect(JSON.stringify(problem)).toContain('/agent_ids/1');
    expect(JSON.stringify(problem)).toContain('/agent_ids/2');
    expect((await dialerProblem(await call(f.t.agent, 'PUT', `/v1/campaigns/${f.campaignId}/agents`, { agent_ids: [] }), 403)).status).toBe(403);
  });
});

describe('progressive', () => {
  it('dials one line per available agent and never more', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(5), agents: 2 });
    const originates = await commandsOf(f.node, 'originate', 2);
    await sleep(2500); // several ticks: still two
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toHaveLength(2);
    for (const o of originates) {
      expect(o).toMatchObject({ owner: { kind: 'campaign', id: f.campaignId }, from: CAMPAIGN_CLI.slice(1), amd: false, ring_timeout_s: 20 });
      expect(o.target).toBeUndefined();
      const row = await callRow(o.voice_id);
      expect(row).toMatchObject({ campaign_id: f.campaignId, status: 'in_progress', contact_phone: `+${o.to}`, agent_id: null });
      expect(await contactOf(f.campaignId, `+${o.to}`)).toMatchObject({ status: 'dialing', attempts: 1, id: row!.contact_id });
    }
  });

  it('a live answer is bridged to an available agent with connect (agent target); the end releases them and completes the contact', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1 });
    const [o] = await commandsOf(f.node, 'originate', 1);
    const callId = o!.voice_id as string;
    const leg = customerLeg(callId, f.campaignId);
    await postEvents(f.nodeId, [leg.ringing(), leg.connected()]);
    const [connect] = await commandsOf(f.node, 'connect', 1);
    expect(connect).toMatchObject({ voice_id: callId, target: { kind: 'agent', sip_user: expect.any(String) } });
    expect((await agentStates(f.t)).get(f.t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: callId });
    await postEvents(f.nodeId, [leg.connect(connect!.connect_id, 'ringing'), leg.connect(connect!.connect_id, 'connected')]);
    expect(await contactOf(f.campaignId, `+${o!.to}`)).toMatchObject({ status: 'connected' });
    await postEvents(f.nodeId, [leg.connect(connect!.connect_id, 'disconnected', { cause: 16, duration_s: 30, ended_by: 'recipient' }), leg.disconnected(16, 'Normal Clearing', 31)]);

    const all = await envelopesWhen(f.hooks, (a) => ofType(a, 'campaign.completed').length > 0, 'campaign.completed');
    const events = all.filter((e) => e.correlation_id === callId).map((e) => e.event_type);
    expect(events).toEqual(['call.initiated', 'call.answered', 'call.completed']);
    const completed = ofType(all, 'call.completed')[0]!;
    expect(completed.payload).toMatchObject({ call_id: callId, agent_id: f.t.agent.id, campaign_id: f.campaignId, contact_phone: `+${o!.to}`, status: 'completed', outcome: 'completed' });
    expect(await callRow(callId)).toMatchObject({ status: 'completed', agent_id: f.t.agent.id, answered_at: expect.any(String), abandoned_at: null });
    expect(await contactOf(f.campaignId, `+${o!.to}`)).toMatchObject({ status: 'completed', attempts: 1, last_call_at: expect.any(String) });
    await waitFor(async () => ((await agentStates(f.t)).get(f.t.agent.id)!.state === 'available' ? true : null), 5000, 'agent released');
    expect(ofType(all, 'campaign.completed')).toHaveLength(1);
    const detail = (await (await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}`)).json()) as Record<string, any>;
    expect(detail).toMatchObject({ status: 'completed', contacted: 1, connected: 1, abandon_rate: 0 });
    await sleep(1500);
    expect(ofType(await f.hooks.delivered(), 'campaign.completed')).toHaveLength(1);
  });
});

describe('predictive', () => {
  it('dials like progressive while it has no figures yet (warm-up), and shows why in the live view', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(6, 300), agents: 2, mode: 'predictive' });
    await commandsOf(f.node, 'originate', 2);
    await sleep(2000);
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toHaveLength(2);
    const live = (await (await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}/dialer`)).json()) as Record<string, any>;
    expect(live).toMatchObject({ status: 'active', calls_in_flight: 2, calls_waiting: 0, calls_bridged: 0 });
    expect(live.reason).toMatch(/warm-up|progressive/i);
  });
});
