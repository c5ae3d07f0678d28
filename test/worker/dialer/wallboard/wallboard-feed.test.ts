// GET /v1/wallboard/feed: a WebSocket opened with ?access_token= receives the
// tenant's agent.state_changed events as they happen (no webhook subscription
// needed); an agent's socket sees only their own; no token, no socket. And
// GET /v1/agents/me, the desk's view of the agent.
import { describe, expect, it } from 'vitest';
import { call, seedDialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { addUser, setMyState } from '../agents/fixtures.ts';
import { change, giveCredentials, report } from '../agents/sip-fixtures.ts';

interface FeedMessage {
  type: string;
  payload?: Record<string, unknown>;
}

/** Opens the feed as `who` and collects what arrives; resolves once feed.ready came. */
async function openFeed(who: SeededUser) {
  const res = await call(null, 'GET', `/v1/wallboard/feed?access_token=${who.token}`, undefined, { upgrade: 'websocket' });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: FeedMessage[] = [];
  let wake: (() => void) | null = null;
  ws.addEventListener('message', (m) => {
    messages.push(JSON.parse(m.data as string) as FeedMessage);
    wake?.();
  });
  ws.accept();
  const next = async (predicate: (m: FeedMessage) => boolean): Promise<FeedMessage> => {
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      await new Promise<void>((r) => (wake = r));
    }
  };
  await next((m) => m.type === 'feed.ready');
  return { ws, messages, next };
}

describe('GET /v1/wallboard/feed', () => {
  it("pushes agent.state_changed to a supervisor's socket, and an agent's socket only their own", async () => {
    const t = await seedDialerTenant();
    const other = await addUser(t, { fullName: 'Omar Other', role: 'agent' });
    const board = await openFeed(t.supervisor);
    const mine = await openFeed(t.agent);

    await setMyState(other, 'available');
    await setMyState(t.agent, 'break');

    const seen = await board.next((m) => m.type === 'agent.state_changed' && m.payload?.['agent_id'] === t.agent.id);
    expect(seen.payload).toMatchObject({ state: 'break', full_name: 'Layla Ahmed' });
    await board.next((m) => m.type === 'agent.state_changed' && m.payload?.['agent_id'] === other.id);
    await mine.next((m) => m.type === 'agent.state_changed' && m.payload?.['state'] === 'break');
    // Events reach each socket in order: the other agent's came first, and never to this agent.
    expect(mine.messages.filter((m) => m.type === 'agent.state_changed').map((m) => m.payload?.['agent_id'])).toEqual([t.agent.id]);
    board.ws.close(1000);
    mine.ws.close(1000);
  });

  it('tells open wallboards when a softphone registers or unregisters (agent.sip_registration), so the floor is re-read without a reload', async () => {
    const t = await seedDialerTenant();
    await giveCredentials(t, t.agent, 'agent_2001');
    const board = await openFeed(t.supervisor);
    const mine = await openFeed(t.agent);

    await report([change(t, t.agent, 'agent_2001')], 'node-feed-1');
    const registered = await board.next((m) => m.type === 'agent.sip_registration');
    expect(registered.payload).toEqual({ agent_id: t.agent.id, node_id: 'node-feed-1', sip_user: 'agent_2001', state: 'registered', reason: 'register', user_agent: 'SIP.js/0.21.2' });
    await mine.next((m) => m.type === 'agent.sip_registration');

    await report([change(t, t.agent, 'agent_2001', { state: 'unregistered' })], 'node-feed-1');
    await board.next((m) => m.type === 'agent.sip_registration' && m.payload?.['state'] === 'unregistered');
    board.ws.close(1000);
    mine.ws.close(1000);
  });

  it('refuses without a valid token, and a plain GET', async () => {
    const t = await seedDialerTenant();
    expect((await call(null, 'GET', '/v1/wallboard/feed?access_token=nope', undefined, { upgrade: 'websocket' })).status).toBe(401);
    expect((await call(t.supervisor, 'GET', '/v1/wallboard/feed')).status).toBe(426);
  });
});

describe('GET /v1/agents/me', () => {
  it("answers the agent's own state, registration and current call; refuses a supervisor", async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'training');
    const res = await call(t.agent, 'GET', '/v1/agents/me');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agent_id: t.agent.id, full_name: 'Layla Ahmed', state: 'training', sip_registered: false, current_call: null });
    expect((await call(t.supervisor, 'GET', '/v1/agents/me')).status).toBe(403);
  });
});
