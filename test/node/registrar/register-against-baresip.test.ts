// Agent registration against a real softphone: baresip REGISTERs with digest to an in-process media
// node (fake Worker answering sip-credentials), the change reaches the Worker, a wrong password is
// refused (403) with nothing reported, a graceful exit unregisters (Expires: 0), and a softphone that
// vanishes without unregistering is reported `expired` once its short binding lapses (reports retried
// while the Worker answers 503). A refresh while the Worker is down keeps the binding (the credentials
// it registered with answer for it), and reaches the Worker once it is back; a Worker that took the
// node for lost gets every binding reported again when it asks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeAgainstSipp, type NodeAgainstSipp } from '../media-node/node-against-sipp.ts';
import { startBaresip, type Baresip } from '../../peers/baresip.ts';
import { waitUntil } from '../wait-until.ts';

const SIP_PORT = 15762;
const REALM = 'tenant1.sip.crier.local';
const proxy = `sip:127.0.0.1:${SIP_PORT}`;

let h: NodeAgainstSipp;
const phones: Baresip[] = [];

async function phone(user: string, password: string, extra: { regint?: number } = {}): Promise<Baresip> {
  const b = await startBaresip({ user, password, domain: REALM, proxy, ...extra });
  phones.push(b);
  return b;
}


beforeAll(async () => {
  h = await startNodeAgainstSipp({
    sipp: { port: 15780 },
    sipPort: SIP_PORT,
    rtpMin: 27000,
    rtpPorts: 20,
    // Short bindings so expiry happens within the test; the production minimum is 60 s.
    // baresip 1.0 (libre 1.x) gives up on a SHA-256 challenge instead of taking the MD5 one after it.
    env: { REGISTER_MIN_EXPIRES_S: '2', REGISTER_DEFAULT_EXPIRES_S: '60', REGISTER_DIGEST_ALGORITHMS: 'MD5' },
  });
  h.worker.addSipUser({ realm: REALM, sipUser: 'agent_1001', password: 'right-password-1', tenantId: 'TENANT1', agentId: 'agent-a' });
  h.worker.addSipUser({ realm: REALM, sipUser: 'agent_1002', password: 'right-password-2', tenantId: 'TENANT1', agentId: 'agent-b' });
  h.worker.addSipUser({ realm: REALM, sipUser: 'agent_1003', password: 'right-password-3', tenantId: 'TENANT1', agentId: 'agent-c' });
});

afterAll(async () => {
  for (const p of phones) await p.kill();
  await h?.close();
});

describe('agent registration with baresip', () => {
  it('registers with digest, the Worker hears of it, and a graceful exit unregisters', async () => {
    const b = await phone('agent_1001', 'right-password-1');
    await b.registered;
    await waitUntil('registration report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1001'));
    const reg = h.worker.registrations.find((r) => r.sip_user === 'agent_1001')!;
    expect(reg).toMatchObject({ tenant_id: 'TENANT1', agent_id: 'agent-a', realm: REALM, state: 'registered', reason: 'register' });
    expect(reg.contact).toMatch(/^sip:agent_1001.*@127\.0\.0\.1:\d+/);
    expect(reg.user_agent).toMatch(/^baresip/);
    expect(Date.parse(reg.expires_at) - Date.parse(reg.registered_at)).toBe(60_000);
    expect(h.worker.credentialLookups).toContainEqual({ node_id: `test-node-${SIP_PORT}`, realm: REALM, username: 'agent_1001' });
    const binding = h.node.registrar.binding(REALM, 'agent_1001')!;
    expect(binding.source.host).toBe('127.0.0.1');
    await waitUntil('heartbeat with sip_bindings', () => h.worker.heartbeats.some((beat) => beat.sip_bindings === 1));

    await b.stop();
    await waitUntil('unregister report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1001' && r.reason === 'unregister'));
    expect(h.worker.registrations.filter((r) => r.sip_user === 'agent_1001').at(-1)).toMatchObject({ state: 'unregistered', reason: 'unregister', registered_at: reg.registered_at });
    expect(h.node.registrar.binding(REALM, 'agent_1001')).toBeUndefined();
  });

  it('refuses a wrong password with 403 and reports nothing', async () => {
    const b = await phone('agent_1002', 'wrong-password');
    await expect(b.registered).rejects.toThrow(/403 Forbidden/);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.worker.registrations.filter((r) => r.sip_user === 'agent_1002')).toEqual([]);
    expect(h.node.registrar.binding(REALM, 'agent_1002')).toBeUndefined();
    await b.kill();
  });

  it('a binding not refreshed expires and is reported expired', async () => {
    h.worker.failRegistrationsNext(2); // the Worker unreachable for a moment: the report is retried, not lost
    const b = await phone('agent_1003', 'right-password-3', { regint: 3 });
    await b.registered;
    await waitUntil('registration report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1003' && r.state === 'registered'));
    await b.kill(); // no unregister: a crashed softphone
    await waitUntil('expiry report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1003' && r.reason === 'expired'), 10_000);
    const expired = h.worker.registrations.filter((r) => r.sip_user === 'agent_1003').at(-1)!;
    expect(expired.state).toBe('unregistered');
    expect(h.node.registrar.binding(REALM, 'agent_1003')).toBeUndefined();
  });

  it('a refresh while the Worker is down is accepted from the credentials the agent registered with: the binding never lapses, and the Worker hears of it once back', async () => {
    // The refresh (90 % of 36 s) comes after the node's 30 s credential cache: it needs the Worker, which is gone.
    const b = await phone('agent_1002', 'right-password-2', { regint: 36 });
    await b.registered;
    await waitUntil('registration report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1002' && r.reason === 'register'));
    const first = h.node.registrar.binding(REALM, 'agent_1002')!;
    await h.worker.goAway();
    try {
      // Past the refresh and past the first binding's expiry, with the Worker still down.
      await waitUntil('the refresh, taken while the Worker is down', () => (h.node.registrar.binding(REALM, 'agent_1002')?.expiresAt.getTime() ?? 0) > first.expiresAt.getTime(), 45_000);
      await new Promise((r) => setTimeout(r, Math.max(0, first.expiresAt.getTime() - Date.now() + 500)));
      expect(h.node.registrar.binding(REALM, 'agent_1002')).toBeDefined();
    } finally {
      await h.worker.comeBack();
    }
    await waitUntil('the refresh reported once the Worker is back', () => h.worker.registrations.some((r) => r.sip_user === 'agent_1002' && r.reason === 'refresh'), 15_000);
    expect(h.worker.registrations.filter((r) => r.sip_user === 'agent_1002').map((r) => r.reason)).not.toContain('expired');

    // The Worker took the node for lost (its bindings dropped): asked, the node reports the binding it holds again.
    const before = h.worker.registrations.length;
    h.worker.askRegistrationsOnNextBeat();
    await waitUntil('the binding reported again', () => h.worker.registrations.slice(before).some((r) => r.sip_user === 'agent_1002' && r.state === 'registered'), 10_000);
    expect(h.worker.registrations.slice(before).find((r) => r.sip_user === 'agent_1002')).toMatchObject({ reason: 'refresh', registered_at: first.registeredAt.toISOString(), agent_id: 'agent-b' });
    await b.stop();
  }, 90_000);
});
