// GET /v1/calls/active-count from the live state (the TenantPacer fed by the
// BroadcastSession's reports, split into ringing and connected), and a real
// broadcast's legs in GET /v1/calls and count-today, driven through the
// session harness (signed node events against the Worker).
import { describe, expect, it } from 'vitest';
import { call, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { addBroadcastApp } from '../../helpers/tenant.ts';
import { box, legScript, postEvents, recipients, startBroadcast, startNode, stopNodesAfterEach, waitFor, type SeededTenant } from '../../session/harness.ts';

const stops = stopNodesAfterEach();

const withApp = (t: DialerTenant): Promise<SeededTenant> => addBroadcastApp(t.tenantId);

async function activeCount(who: DialerTenant['agent']) {
  const res = await call(who, 'GET', '/v1/calls/active-count');
  expect(res.status).toBe(200);
  return (await res.json()) as { active_calls: number; ringing: number; connected: number; as_of: string };
}

describe('active-count and broadcast legs', () => {
  it('counts live legs as ringing until answered, connected after, gone when ended; the legs land in the history', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const hooks = box();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const { broadcastId } = await startBroadcast(await withApp(t), hooks, recipients(3));
    const cmds = await waitFor(async () => {
      const c = await node.commands();
      return c.length === 3 ? c : null;
    }, 10_000, 'three originates');
    const [a, b, c] = cmds.map((cmd) => legScript(cmd.voice_id as string, broadcastId));

    // Dialled, no answer yet: all three ringing.
    expect(await activeCount(t.agent)).toMatchObject({ active_calls: 3, ringing: 3, connected: 0 });
    await postEvents(nodeId, [a!.ringing(), b!.ringing(), b!.connected()]);
    const afterAnswer = await activeCount(t.agent);
    expect(afterAnswer).toMatchObject({ active_calls: 3, ringing: 2, connected: 1 });
    expect(Math.abs(Date.parse(afterAnswer.as_of) - Date.now())).toBeLessThan(10_000);
    await postEvents(nodeId, [b!.play('initiated')]); // playing is still connected
    expect(await activeCount(t.supervisor)).toMatchObject({ active_calls: 3, ringing: 2, connected: 1 });
    await postEvents(nodeId, [a!.disconnected(19, 'No Answer', 0), c!.connected('MACHINE')]);
    expect(await activeCount(t.admin)).toMatchObject({ active_calls: 2, ringing: 0, connected: 2 });
    expect(await activeCount(other.agent)).toMatchObject({ active_calls: 0, ringing: 0, connected: 0 });

    // While live, the legs are in the history as in_progress.
    const live = (await (await call(t.supervisor, 'GET', `/v1/calls?broadcast_id=${broadcastId}&status=in_progress`)).json()) as { total: number };
    expect(live.total).toBe(2);

    await postEvents(nodeId, [b!.play('playfinished'), b!.disconnected(16, 'Normal Clearing', 4), c!.disconnected(16, 'Normal Clearing', 2)]);
    expect(await activeCount(t.agent)).toMatchObject({ active_calls: 0, ringing: 0, connected: 0 });

    // The finished legs, with the call-outcome statuses, in /v1/calls and today's counts.
    const history = await waitFor(async () => {
      const page = (await (await call(t.supervisor, 'GET', `/v1/calls?broadcast_id=${broadcastId}`)).json()) as { items: Array<Record<string, unknown>> };
      return page.items.every((i) => i.status !== 'in_progress') ? page.items : null;
    }, 10_000, 'legs finished in D1');
    const byId = new Map(history.map((i) => [i.id, i]));
    expect(byId.get(cmds[0]!.voice_id)).toMatchObject({ status: 'no_answer', campaign_id: null, agent_id: null, talk_time_seconds: 0, answered_at: null });
    expect(byId.get(cmds[1]!.voice_id)).toMatchObject({ status: 'completed', contact_phone: expect.stringMatching(/^\+97150/), talk_time_seconds: expect.any(Number) });
    expect(byId.get(cmds[2]!.voice_id)).toMatchObject({ status: 'voicemail' });
    const today = (await (await call(t.agent, 'GET', '/v1/calls/count-today')).json()) as Record<string, number>;
    expect(today).toMatchObject({ total_calls: 3, connected: 1, no_answer: 1, voicemail: 1 });
  });
});
