// Preview mode with a stand-in node: nothing is dialled by itself; an
// assigned agent is offered one contact (with its custom fields), the same
// offer until they decide; accept takes the agent and dials the customer on
// their node, whose answer is connected to them at once; skip gives the
// contact back for later without counting an attempt.
import { describe, expect, it } from 'vitest';
import { call, dialerProblem } from '../../helpers/dialer.ts';
import { stopNodesAfterEach, postEvents } from '../../session/harness.ts';
import { uaeMobiles } from '../campaigns/fixtures.ts';
import { agentStates, commandsOf, contactOf, customerLeg, engineFloor, sleep } from './fixtures.ts';

const stops = stopNodesAfterEach();

describe('preview', () => {
  it('offers, accepts (dial on accept, agent connected on answer) and skips', async () => {
    const phones = uaeMobiles(2, 900);
    const f = await engineFloor(stops, { phones, agents: 1, mode: 'preview' });
    await sleep(1500);
    expect(await f.node.commands()).toEqual([]); // never dials by itself

    const next = async () => (await (await call(f.t.agent, 'GET', `/v1/campaigns/${f.campaignId}/preview/next`)).json()) as { offer: Record<string, any> | null };
    const first = (await next()).offer!;
    expect(first).toMatchObject({ phone: phones[0], first_name: 'Test', attempts: 0, offered_at: expect.any(String) });
    expect((await next()).offer!.contact_id).toBe(first.contact_id); // held until decided
    await dialerProblem(await call(f.t.supervisor, 'GET', `/v1/campaigns/${f.campaignId}/preview/next`), 403); // not assigned

    const accepted = await call(f.t.agent, 'POST', `/v1/campaigns/${f.campaignId}/preview/${first.contact_id}/accept`);
    expect(accepted.status, await accepted.clone().text()).toBe(202);
    const { call_id: callId } = (await accepted.json()) as { call_id: string };
    const [o] = await commandsOf(f.node, 'originate', 1);
    expect(o).toMatchObject({ voice_id: callId, to: phones[0]!.slice(1) });
    expect((await agentStates(f.t)).get(f.t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: callId });
    await postEvents(f.nodeId, [customerLeg(callId, f.campaignId).connected()]);
    const [connect] = await commandsOf(f.node, 'connect', 1);
    expect(connect).toMatchObject({ voice_id: callId, target: { kind: 'agent' } });

    const second = (await next()).offer!;
    expect(second.phone).toBe(phones[1]);
    expect((await call(f.t.agent, 'POST', `/v1/campaigns/${f.campaignId}/preview/${second.contact_id}/skip`)).status).toBe(204);
    expect(await contactOf(f.campaignId, phones[1]!)).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: expect.any(String) });
    expect((await call(f.t.agent, 'POST', `/v1/campaigns/${f.campaignId}/preview/${second.contact_id}/accept`)).status).toBe(404);
  });
});
