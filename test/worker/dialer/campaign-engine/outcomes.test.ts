// What becomes of campaign calls that do not simply reach an agent, with a
// stand-in media node: the abandon path (more live answers than agents), a
// machine (AMD), retries after the delay stopping at max_attempts with one
// campaign.completed, pause, a DNC number re-checked at dial time, and a
// media node lost mid-campaign.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call } from '../../helpers/dialer.ts';
import { stopNodesAfterEach, postEvents, signedPost, waitFor } from '../../session/harness.ts';
import { uaeMobiles } from '../campaigns/fixtures.ts';
import { campaignDialer } from '../../../../worker/src/durable/stubs.ts';
import { agentStates, callRow, campaignDetail, commandsOf, contactOf, customerLeg, engineFloor, envelopesWhen, ofType, sleep, startCampaign } from './fixtures.ts';

const stops = stopNodesAfterEach();

describe('abandon', () => {
  it('power: a second live answer with the only agent taken hears the message, is hung up, call.abandoned, abandoned_at, counted in abandon_rate, retried', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(2), agents: 1, mode: 'power', dialRatio: 2 });
    const [a, b] = await commandsOf(f.node, 'originate', 2);
    const legA = customerLeg(a!.voice_id, f.campaignId);
    const legB = customerLeg(b!.voice_id, f.campaignId);
    await postEvents(f.nodeId, [legA.connected()]);
    const [connect] = await commandsOf(f.node, 'connect', 1);
    expect(connect!.voice_id).toBe(a!.voice_id);
    await postEvents(f.nodeId, [legA.connect(connect!.connect_id, 'connected'), legB.connected()]);

    const [play] = await commandsOf(f.node, 'play', 1);
    expect(play).toMatchObject({ voice_id: b!.voice_id, play: { type: 'tts', text: expect.stringContaining('agents are busy'), prompt_ref: `campaign:${f.campaignId}:abandon` } });
    await postEvents(f.nodeId, [legB.played(play!.play.prompt_ref)]);
    const [hangup] = await commandsOf(f.node, 'hangup', 1);
    expect(hangup).toMatchObject({ voice_id: b!.voice_id });
    await postEvents(f.nodeId, [legB.disconnected(16, 'Normal Clearing', 6)]);

    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.abandoned').length > 0 && ofType(e, 'call.completed').length > 0, 'call.abandoned');
    expect(ofType(all, 'call.abandoned')[0]!.payload).toMatchObject({ call_id: b!.voice_id, campaign_id: f.campaignId, contact_phone: `+${b!.to}`, abandoned_at: expect.any(String) });
    expect(ofType(all, 'call.completed')[0]!.payload).toMatchObject({ call_id: b!.voice_id, outcome: 'abandoned', agent_id: null });
    expect(await callRow(b!.voice_id)).toMatchObject({ abandoned_at: expect.any(String), answered_at: expect.any(String), agent_id: null });
    expect(await contactOf(f.campaignId, `+${b!.to}`)).toMatchObject({ status: 'pending', attempts: 1, disposition: 'abandoned' });
    expect(await campaignDetail(f)).toMatchObject({ abandon_rate: 50, connected: 1, contacted: 2 });
    // The agent is still with the first customer: the abandoned contact is not redialled meanwhile (progressive share of one agent is taken).
    expect((await agentStates(f.t)).get(f.t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: a!.voice_id });
    const live = (await (await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}/dialer`)).json()) as Record<string, any>;
    expect(live).toMatchObject({ status: 'active', calls_bridged: 1, calls_waiting: 0, abandon_rate: { campaign: 0.5, last_24_hours: 0.5, last_30_days: 0.5 } });
  });

  it('a customer whose answer and hang-up arrive in one batch (both while the Worker was down), an agent free: abandoned once, no agent claimed, nothing sent to the node', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1, mode: 'power', dialRatio: 1, maxAttempts: 1 });
    const [a] = await commandsOf(f.node, 'originate', 1);
    const leg = customerLeg(a!.voice_id, f.campaignId);
    await postEvents(f.nodeId, [leg.connected(), leg.disconnected(16, 'Normal Clearing', 4)]);

    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').length > 0, 'call.completed');
    expect(ofType(all, 'call.abandoned').map((e) => e.payload.call_id)).toEqual([a!.voice_id]);
    expect(ofType(all, 'call.completed')[0]!.payload).toMatchObject({ call_id: a!.voice_id, outcome: 'abandoned', agent_id: null });
    expect(await callRow(a!.voice_id)).toMatchObject({ status: 'completed', abandoned_at: expect.any(String), answered_at: expect.any(String), agent_id: null });
    expect(await contactOf(f.campaignId, `+${a!.to}`)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'abandoned' });
    // Nobody was there to bridge: the agent was never taken (no on_call, no agent.state_changed), the node was sent
    // neither a connect to ring the agent nor the abandon message for a leg it no longer has.
    expect(ofType(all, 'agent.state_changed').filter((e) => e.payload.current_call_id === a!.voice_id)).toEqual([]);
    expect((await agentStates(f.t)).get(f.t.agent.id)).toMatchObject({ state: 'available', current_call_id: null });
    expect((await f.node.commands()).filter((c) => c.type === 'connect' || c.type === 'play')).toEqual([]);
  });

  it("a call whose originate answer the object never saw (it died waiting: a Worker restart) is announced by its first node event: call.initiated queued then, once", async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1, mode: 'power', dialRatio: 1, maxAttempts: 1, start: false });
    // The node answers the originate late: meanwhile the stored call is what a restart would leave, not announced.
    await f.node.configure({ commandDelayMs: 1_500 });
    await startCampaign(f);
    const [a] = await commandsOf(f.node, 'originate', 1);
    const stored = () =>
      runInDurableObject(campaignDialer(env, f.campaignId), (_instance, state) => {
        const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM calls WHERE call_id = ?', a!.voice_id).toArray()[0];
        return row ? (JSON.parse(row.data) as Record<string, unknown>) : null;
      });
    expect(await stored()).toMatchObject({ unannounced: true });
    await envelopesWhen(f.hooks, (e) => ofType(e, 'call.initiated').length === 1, 'call.initiated once the node took it');
    expect((await stored())!.unannounced).toBeUndefined();

    // Put the call back in the state a Worker killed before the originate's answer leaves it; its first event announces it.
    await runInDurableObject(campaignDialer(env, f.campaignId), (_instance, state) => {
      const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM calls WHERE call_id = ?', a!.voice_id).toArray()[0]!;
      state.storage.sql.exec('UPDATE calls SET data = ? WHERE call_id = ?', JSON.stringify({ ...JSON.parse(row.data), unannounced: true }), a!.voice_id);
    });
    const leg = customerLeg(a!.voice_id, f.campaignId);
    await postEvents(f.nodeId, [leg.connected(), leg.disconnected(16, 'Normal Clearing', 4)]);
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').length > 0, 'call.completed');
    const initiated = ofType(all, 'call.initiated');
    expect(initiated).toHaveLength(2);
    expect(initiated[1]!.payload).toMatchObject({ call_id: a!.voice_id, campaign_id: f.campaignId, contact_phone: `+${a!.to}` });
    expect(ofType(all, 'call.answered')).toHaveLength(1);
    expect((await stored())!.unannounced).toBeUndefined();
  });

  it('a machine (AMD) is hung up on, never bridged, not abandoned, and retried as machine', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1, settings: { amd: true, machine_action: 'hangup' } });
    const [o] = await commandsOf(f.node, 'originate', 1);
    expect(o).toMatchObject({ amd: true });
    const leg = customerLeg(o!.voice_id, f.campaignId);
    await postEvents(f.nodeId, [leg.connected('MACHINE')]);
    await commandsOf(f.node, 'hangup', 1);
    await postEvents(f.nodeId, [leg.disconnected(16, 'Normal Clearing', 2)]);
    await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').length > 0, 'call.completed');
    expect((await f.node.commands()).filter((c) => c.type === 'connect')).toEqual([]);
    expect(await callRow(o!.voice_id)).toMatchObject({ status: 'voicemail', answered_by: 'MACHINE', abandoned_at: null });
    expect(await contactOf(f.campaignId, `+${o!.to}`)).toMatchObject({ status: 'pending', disposition: 'machine' });
    expect(ofType(await f.hooks.delivered(), 'call.abandoned')).toEqual([]);
  });
});

describe('retries', () => {
  it('busy then no answer: redialled after the delay, failed at max_attempts, campaign completed once', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(1), agents: 1, maxAttempts: 2 });
    const [first] = await commandsOf(f.node, 'originate', 1);
    const phone = `+${first!.to}`;
    await postEvents(f.nodeId, [customerLeg(first!.voice_id, f.campaignId).disconnected(17, 'User Busy')]);
    await waitFor(async () => ((await contactOf(f.campaignId, phone)).status === 'pending' ? true : null), 5000, 'rescheduled');
    const after1 = await contactOf(f.campaignId, phone);
    expect(after1).toMatchObject({ attempts: 1, disposition: 'busy', next_attempt_at: expect.any(String) });

    const [, second] = await commandsOf(f.node, 'originate', 2);
    expect(second!.to).toBe(first!.to);
    expect(Date.parse(after1.next_attempt_at) - Date.parse(after1.last_call_at)).toBeGreaterThanOrEqual(1000);
    await postEvents(f.nodeId, [customerLeg(second!.voice_id, f.campaignId).disconnected(19, 'No Answer')]);
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'campaign.completed').length > 0, 'campaign.completed');
    expect(await contactOf(f.campaignId, phone)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'no_answer' });
    expect(ofType(all, 'call.completed').map((e) => e.payload.status)).toEqual(['busy', 'no_answer']);
    expect(ofType(all, 'campaign.completed')[0]!.payload).toMatchObject({ campaign_id: f.campaignId, status: 'completed', total_contacts: 1, failed: 1, calls: 2 });
    await sleep(1500);
    expect(ofType(await f.hooks.delivered(), 'campaign.completed')).toHaveLength(1);
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toHaveLength(2);
    expect(await campaignDetail(f)).toMatchObject({ status: 'completed', contacted: 1, connected: 0 });
  });
});

describe('pause', () => {
  it('no new dial after pause returns; the call in progress finishes; resume dials again', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(3), agents: 1 });
    const [first] = await commandsOf(f.node, 'originate', 1);
    expect((await call(f.t.supervisor, 'POST', `/v1/campaigns/${f.campaignId}/pause`)).status).toBe(200);
    await postEvents(f.nodeId, [customerLeg(first!.voice_id, f.campaignId).disconnected(17, 'User Busy')]);
    await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').length > 0, 'the call in progress finished');
    await sleep(2500);
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toHaveLength(1);
    await startCampaign(f);
    await commandsOf(f.node, 'originate', 2);
  });
});

describe('compliance at dial time', () => {
  it('a number put on the DNC list after upload is not dialled: call.compliance_blocked, contact dnc', async () => {
    const phones = uaeMobiles(2, 500);
    const f = await engineFloor(stops, { phones, agents: 1, start: false });
    await env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, ?, 'api', ?)").bind(crypto.randomUUID(), f.t.tenantId, phones[0], new Date().toISOString()).run();
    await startCampaign(f);
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.compliance_blocked').length > 0, 'call.compliance_blocked');
    expect(ofType(all, 'call.compliance_blocked')[0]!.payload).toMatchObject({ campaign_id: f.campaignId, contact_phone: phones[0], status: 'blocked', compliance: { allowed: false, rule: 'dnc_tenant' } });
    expect(await contactOf(f.campaignId, phones[0]!)).toMatchObject({ status: 'dnc', attempts: 0 });
    const [o] = await commandsOf(f.node, 'originate', 1);
    expect(`+${o!.to}`).toBe(phones[1]);
    await sleep(1200);
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toHaveLength(1);
  });
});

describe('node lost', () => {
  it('its calls end (41): a bridged one completes and frees the agent, a ringing one is rescheduled; nothing stays dialing', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(2), agents: 2 });
    const [a, b] = await commandsOf(f.node, 'originate', 2);
    const legA = customerLeg(a!.voice_id, f.campaignId);
    await postEvents(f.nodeId, [legA.connected()]);
    const [connect] = await commandsOf(f.node, 'connect', 1);
    await postEvents(f.nodeId, [legA.connect(connect!.connect_id, 'connected')]);
    f.stopNode(false);
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').length >= 2, 'both calls ended', 20_000);
    const byCall = new Map(ofType(all, 'call.completed').map((e) => [e.payload.call_id, e.payload]));
    expect(byCall.get(a!.voice_id)).toMatchObject({ status: 'completed', hangup_cause_code: 41 });
    expect(byCall.get(b!.voice_id)).toMatchObject({ status: 'failed', hangup_cause_code: 41 });
    expect(await contactOf(f.campaignId, `+${a!.to}`)).toMatchObject({ status: 'completed' });
    expect(await contactOf(f.campaignId, `+${b!.to}`)).toMatchObject({ status: 'pending', attempts: 1, disposition: 'failed' });
    await waitFor(async () => ([...(await agentStates(f.t)).values()].every((s) => s.state !== 'on_call') ? true : null), 5000, 'agents released');
  });
});

describe('heartbeat reconciliation', () => {
  it('a live call its node no longer holds ends (41) and is rescheduled; a call the node still holds after it ended is hung up', async () => {
    const f = await engineFloor(stops, { phones: uaeMobiles(2, 700), agents: 2 });
    const [a, b] = await commandsOf(f.node, 'originate', 2);
    const beat = async (voiceIds: string[]) => {
      const res = await signedPost('/internal/media/v1/heartbeat', {
        node_id: f.nodeId,
        control_url: f.node.nodeUrl,
        capacity: 100,
        live_calls: voiceIds.length,
        draining: false,
        started_at: f.nodeStartedAt,
        version: 'test',
        live_legs: [{ owner: { kind: 'campaign', id: f.campaignId }, voice_ids: voiceIds }],
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { hangup_voice_ids?: string[] };
    };
    await sleep(3500); // past the reconciliation grace (MEDIA_RECONCILE_GRACE_S = 3 in tests)
    expect((await beat([b!.voice_id])).hangup_voice_ids ?? []).toEqual([]); // a is missing: ended
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.completed').some((c) => c.payload.call_id === a!.voice_id), 'the missing call ended');
    expect(ofType(all, 'call.completed').find((c) => c.payload.call_id === a!.voice_id)!.payload).toMatchObject({ status: 'failed', hangup_cause_code: 41 });
    expect(await contactOf(f.campaignId, `+${a!.to}`)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await beat([a!.voice_id, b!.voice_id])).hangup_voice_ids).toEqual([a!.voice_id]);
  });
});

describe('calling hours at dial time', () => {
  it("a contact outside its calling window is not dialled: call.compliance_blocked, rescheduled without an attempt; a non-geographic number follows the campaign's zone", async () => {
    const uae = uaeMobiles(1, 800)[0]!;
    const nonGeographic = '+80012345678';
    const f = await engineFloor(stops, { phones: [uae, nonGeographic], agents: 1, start: false });
    // Open only on a weekday that is not today in Dubai (the callee's zone, and the campaign's).
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Dubai', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
    const other = days[(days.indexOf(today) + 3) % 7]!;
    const rule = await call(f.t.admin, 'PUT', '/v1/compliance/rules/AE', { calling_windows: [{ days: [other], start: '09:00', end: '10:00' }], consent_required: false });
    expect(rule.status, await rule.clone().text()).toBe(200);
    await startCampaign(f);
    const all = await envelopesWhen(f.hooks, (e) => ofType(e, 'call.compliance_blocked').length >= 2, 'both blocked');
    for (const e of ofType(all, 'call.compliance_blocked')) expect(e.payload.compliance).toMatchObject({ allowed: false, rule: 'calling_hours' });
    for (const phone of [uae, nonGeographic]) {
      const contact = await contactOf(f.campaignId, phone);
      expect(contact).toMatchObject({ status: 'pending', attempts: 0, disposition: 'outside_calling_hours' });
      expect(Date.parse(contact.next_attempt_at) - Date.now()).toBeGreaterThan(10 * 60_000);
    }
    await sleep(1500);
    expect((await f.node.commands()).filter((c) => c.type === 'originate')).toEqual([]);
  });
});
