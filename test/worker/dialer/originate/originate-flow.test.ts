// An originated call's life with a stand-in media node: the agent's leg
// answers, the customer is connected from it, either side hangs up and both
// end; call.initiated → call.answered → call.completed with agent_id and
// campaign_id; the calls row, the agent's state and the live count follow.
// Also the agent not answering (customer never dialled), a busy customer,
// and a node lost mid-call.
import { describe, expect, it } from 'vitest';
import { call } from '../../helpers/dialer.ts';
import { postEvents, signedPost, stopNodesAfterEach, waitFor } from '../../session/harness.ts';
import { DESTINATION, UAE_CLI, agentLeg, agentState, callRow, commandsOf, envelopesWhen, floorWithRegisteredAgent, originated } from './fixtures.ts';

const stops = stopNodesAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const callEvents = (all: Array<Record<string, any>>, callId: string) => all.filter((e) => e.correlation_id === callId && e.event_type.startsWith('call.'));
const completedFor = (callId: string) => (all: Array<Record<string, any>>) => callEvents(all, callId).some((e) => e.event_type === 'call.completed');

async function liveCount(t: Awaited<ReturnType<typeof floorWithRegisteredAgent>>['t']) {
  return (await (await call(t.supervisor, 'GET', '/v1/calls/active-count')).json()) as { active_calls: number; ringing: number; connected: number };
}

describe('an originated call', () => {
  it('agent answers → customer dialled from their leg → bridged → customer hangs up → agent leg hung up → completed', async () => {
    const { t, node, nodeId, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const leg = agentLeg(callId);
    expect(await liveCount(t)).toMatchObject({ active_calls: 1, ringing: 1, connected: 0 });

    await postEvents(nodeId, [leg.ringing(), leg.connected()]);
    const [connect] = await commandsOf(node, 'connect');
    expect(connect).toMatchObject({ command_id: `${connect!.connect_id}:connect`, voice_id: callId, from: UAE_CLI.slice(1), to: DESTINATION.slice(1) });
    const connectId = connect!.connect_id as string;

    await postEvents(nodeId, [leg.connect(connectId, 'ringing'), leg.connect(connectId, 'connected')]);
    expect(await callRow(callId)).toMatchObject({ status: 'in_progress', answered_at: expect.any(String) });
    expect(await agentState(t)).toMatchObject({ state: 'on_call', current_call_id: callId });
    expect(await liveCount(t)).toMatchObject({ active_calls: 1, ringing: 0, connected: 1 });

    await postEvents(nodeId, [leg.connect(connectId, 'disconnected', { cause: 16, reason: 'Normal Clearing', duration_s: 42.4, ended_by: 'destination' })]);
    const [hangup] = await commandsOf(node, 'hangup');
    expect(hangup).toMatchObject({ voice_id: callId, cause: 16 });
    expect(await callRow(callId)).toMatchObject({ status: 'in_progress' }); // over only when the agent's leg is gone
    await postEvents(nodeId, [leg.disconnected(16, 'Normal Clearing', 45)]);

    const all = await envelopesWhen(hooks, completedFor(callId), 'call.completed');
    const events = callEvents(all, callId);
    expect(events.map((e) => e.event_type)).toEqual(['call.initiated', 'call.answered', 'call.completed']);
    for (const e of events) expect(e.payload).toMatchObject({ call_id: callId, agent_id: t.agent.id, campaign_id: null, contact_phone: DESTINATION, direction: 'outbound' });
    expect(events[0]!.payload).toMatchObject({ status: 'dialing' });
    expect(events[1]!.payload).toMatchObject({ status: 'connected', answered_at: expect.any(String) });
    expect(events[2]!.payload).toMatchObject({ status: 'completed', duration_seconds: 42, hangup_cause_code: 16, ended_by: 'customer', disposition: null, recording_id: null });

    expect(await callRow(callId)).toMatchObject({ status: 'completed', cause_code: 16, duration_seconds: 42.4, ended_at: expect.any(String), agent_id: t.agent.id });
    await waitFor(async () => ((await agentState(t)).state !== 'on_call' ? true : null), 5000, 'the agent released');
    expect(await agentState(t)).toMatchObject({ state: 'offline', current_call_id: null, calls_today: 1 }); // back to where they were; the call counts
    await waitFor(async () => ((await liveCount(t)).active_calls === 0 ? true : null), 5000, 'no live call');
    const stateEvents = all.filter((e) => e.event_type === 'agent.state_changed').map((e) => [e.payload.state, e.payload.current_call_id]);
    expect(stateEvents).toEqual([
      ['on_call', callId],
      ['offline', null],
    ]);
  });

  it('the agent hangs up during the bridge: the node ends the customer; completed, ended_by agent, no hangup sent', async () => {
    const { t, node, nodeId, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const leg = agentLeg(callId);
    await postEvents(nodeId, [leg.connected()]);
    const connectId = (await commandsOf(node, 'connect'))[0]!.connect_id as string;
    await postEvents(nodeId, [
      leg.connect(connectId, 'connected'),
      leg.connect(connectId, 'disconnected', { cause: 16, reason: 'Normal Clearing', duration_s: 7, ended_by: 'recipient' }),
      leg.disconnected(16, 'Normal Clearing', 9),
    ]);
    const completed = callEvents(await envelopesWhen(hooks, completedFor(callId), 'call.completed'), callId).at(-1)!;
    expect(completed.payload).toMatchObject({ status: 'completed', duration_seconds: 7, ended_by: 'agent' });
    await sleep(200);
    expect((await node.commands()).filter((c) => c.type === 'hangup')).toEqual([]);
  });

  it('the agent does not answer: the customer is never dialled; completed with status failed and the agent leg cause', async () => {
    const { t, node, nodeId, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const leg = agentLeg(callId);
    await postEvents(nodeId, [leg.ringing(), leg.disconnected(19, 'No Answer from User', 0)]);
    const events = callEvents(await envelopesWhen(hooks, completedFor(callId), 'call.completed'), callId);
    expect(events.map((e) => e.event_type)).toEqual(['call.initiated', 'call.completed']);
    expect(events[1]!.payload).toMatchObject({ status: 'failed', duration_seconds: 0, hangup_cause_code: 19, ended_by: 'agent', answered_at: null });
    expect((await node.commands()).map((c) => c.type)).toEqual(['originate']);
    expect(await callRow(callId)).toMatchObject({ status: 'failed', cause_code: 19, answered_at: null });
    await waitFor(async () => ((await agentState(t)).state !== 'on_call' ? true : null), 5000, 'the agent released');
  });

  it('a busy customer: the agent leg is hung up; completed with status busy', async () => {
    const { t, node, nodeId, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const leg = agentLeg(callId);
    await postEvents(nodeId, [leg.connected()]);
    const connectId = (await commandsOf(node, 'connect'))[0]!.connect_id as string;
    await postEvents(nodeId, [leg.connect(connectId, 'failed', { cause: 17, reason: 'User Busy', sip_status: 486, ended_by: 'destination' })]);
    await commandsOf(node, 'hangup');
    await postEvents(nodeId, [leg.disconnected(16, 'Normal Clearing', 3)]);
    const events = callEvents(await envelopesWhen(hooks, completedFor(callId), 'call.completed'), callId);
    expect(events.map((e) => e.event_type)).toEqual(['call.initiated', 'call.completed']);
    expect(events[1]!.payload).toMatchObject({ status: 'busy', hangup_cause_code: 17, ended_by: 'customer' });
    expect(await callRow(callId)).toMatchObject({ status: 'busy', cause_code: 17 });
  });

  it('events are applied in seq order: a gap is retried, a repeat is a duplicate', async () => {
    const { t, nodeId } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    const leg = agentLeg(callId);
    const ringing = leg.ringing();
    const connected = leg.connected();
    expect((await postEvents(nodeId, [connected])).map((r) => r.status)).toEqual(['retry']);
    expect((await postEvents(nodeId, [ringing, connected, ringing])).map((r) => r.status)).toEqual(['applied', 'applied', 'duplicate']);
  });

  it('reconciled with the node\'s heartbeats: a call the node no longer holds ends (41); an ended call it still holds is hung up', async () => {
    const { t, nodeId, node, boot, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    await postEvents(nodeId, [agentLeg(callId).connected()]);
    const beat = async (voiceIds: string[]) => {
      const fleet = (await (await signedPost('/internal/media/v1/heartbeat', { node_id: nodeId, control_url: node.nodeUrl, capacity: 100, live_calls: voiceIds.length, draining: false, started_at: boot, version: 'test', live_legs: [{ owner: { kind: 'agent_call', id: callId }, voice_ids: voiceIds }] })).json()) as { hangup_voice_ids?: string[] };
      return fleet.hangup_voice_ids ?? [];
    };
    expect(await beat([callId])).toEqual([]); // held and live: nothing to do
    await sleep(3200); // past the reconcile grace for a call just placed
    await beat([]);
    const completed = callEvents(await envelopesWhen(hooks, completedFor(callId), 'call.completed'), callId).at(-1)!;
    expect(completed.payload).toMatchObject({ status: 'failed', hangup_cause_code: 41, ended_by: 'platform' });
    expect(await beat([callId])).toEqual([callId]);
  });

  it('the node is lost mid-call: completed (cause 41), the agent released', async () => {
    const { t, nodeId, hooks } = await floorWithRegisteredAgent(stops);
    const { call_id: callId } = await originated(t.supervisor, { agent_id: t.agent.id, destination: DESTINATION });
    await postEvents(nodeId, [agentLeg(callId).connected()]);
    stops.splice(0).forEach((stop) => stop(false)); // the node falls silent
    const events = callEvents(await envelopesWhen(hooks, completedFor(callId), 'call.completed'), callId);
    expect(events.at(-1)!.payload).toMatchObject({ status: 'failed', hangup_cause_code: 41, ended_by: 'platform' });
    await waitFor(async () => ((await agentState(t)).state !== 'on_call' ? true : null), 5000, 'the agent released');
  });
});
