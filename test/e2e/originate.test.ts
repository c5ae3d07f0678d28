// POST /v1/calls/originate on the real stack: wrangler dev + media node (the
// agent's registrar) + SIPp carrier + baresip as the agent's softphone. The
// agent registers with digest, is rung (auto-answer), the destination is
// dialled from their leg and bridged: a 600 Hz tone from the agent must be in
// what the carrier received on the wire, the carrier line's 1 kHz tone in
// baresip's recording. Hang-up from either side ends both with call.completed;
// a busy agent is a 409; a compliance block is a 403 and nothing is dialled.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { DEMO } from '../../scripts/seed-local.ts';
import { startBaresip, type Baresip } from '../peers/baresip.ts';
import { blockPower, goertzelPower } from '../../media-node/src/amd/goertzel.ts';
import { readPcmWav, toneWav } from './wav-files.ts';
import { startDialerHooks, type DialerHooks } from './dialer-hooks.ts';
import { captureRtp } from './rtp-heard.ts';
import { captureInvites } from './sip-invites.ts';
import { until } from './dialer-session.ts';

const PORTS = { worker: 8977, carrier: 5280, carrierMedia: 6200, mediaSip: 5262, mediaControl: 7270, rtpMin: 26000, rtpMax: 27999 };
const AGENT = DEMO.users.find((u) => u.role === 'agent')!;
const SUPERVISOR = DEMO.users.find((u) => u.role === 'supervisor')!;
const ADMIN = DEMO.users.find((u) => u.role === 'admin')!;
const SIP_USER = 'agent_1001';
const SIP_PASSWORD = 'e2e-softphone-secret-7';
const REALM = `${DEMO.tenantId.toLowerCase()}.sip.crier.local`;
/** Carrier lines by last digit (test/sipp/carrier.xml). */
const DEST = { tone: '+971501234588', hangsUp: '+971501234586', person: '+971501234580' };
const AGENT_HZ = 600;
const LINE_HZ = 1000;

let stack: Stack;
let hooks: DialerHooks;
let agent: Baresip;
const tokens: Record<string, string> = {};
const stateDir = `${process.cwd()}/.wrangler/e2e-originate-${Date.now()}`;
const scratch = mkdtempSync(join(tmpdir(), 'crier-originate-'));

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}


const completed = (callId: string) => hooks.waitFor((e) => e.correlation_id === callId && e.event_type === 'call.completed', `call.completed of ${callId}`);
const agentState = async () => (await api('supervisor', 'GET', '/v1/agents/state')).body.agents.find((a: { id: string }) => a.id === AGENT.id) as { state: string; current_call_id: string | null };
const share = (pcm: Int16Array, hz: number) => goertzelPower(pcm, hz) / Math.max(1, blockPower(pcm));
/** 200 ms blocks where `hz` carries most of the power. */
const toneBlocks = (pcm: Int16Array, hz: number) => {
  let n = 0;
  for (let at = 0; at + 1600 <= pcm.length; at += 1600) if (share(pcm.subarray(at, at + 1600), hz) > 0.6) n++;
  return n;
};

beforeAll(async () => {
  // baresip 1.0 (Debian) gives up on a SHA-256 digest challenge instead of answering the MD5 one after it.
  stack = await startStack({ ports: PORTS, stateDir, workerVars: { WEBHOOK_ALLOW_LOOPBACK: 'true' }, mediaEnv: { REGISTER_DIGEST_ALGORITHMS: 'MD5' } });
  for (const [who, user] of [['agent', AGENT], ['supervisor', SUPERVISOR], ['admin', ADMIN]] as const) {
    const res = await fetch(`${stack.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: DEMO.userPassword }) });
    tokens[who] = ((await res.json()) as { access_token: string }).access_token;
  }
  hooks = await startDialerHooks();
  const sub = await api('admin', 'POST', '/v1/webhooks', { url: hooks.url, event_types: ['*'] });
  expect(sub.status).toBe(201);
  hooks.secret = sub.body.secret;
  expect((await api('supervisor', 'PUT', `/v1/agents/${AGENT.id}/sip-credentials`, { sip_user: SIP_USER, password: SIP_PASSWORD })).status).toBe(200);
  expect((await api('agent', 'POST', '/v1/agents/me/state', { state: 'available' })).status).toBe(200);
  const wav = join(scratch, 'agent-tone.wav');
  writeFileSync(wav, toneWav(AGENT_HZ, 30, 8000, 8000));
  agent = await startBaresip({ user: SIP_USER, password: SIP_PASSWORD, domain: REALM, proxy: `sip:127.0.0.1:${PORTS.mediaSip}`, wav, recordDir: join(scratch, 'agent-recordings') });
  await agent.registered;
  await until(async () => (await api('supervisor', 'GET', '/v1/agents/sip-registered')).body.total_registered === 1, 'the registration to reach the API', 10_000);
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await hooks?.close();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('originate on the real stack', () => {
  it('rings the agent, dials the destination, bridges audio both ways; the agent hangs up and both end', async () => {
    // What the node sent the carrier: from its RTP ports, to anything but baresip's (40000-40999).
    const heard = await captureRtp(`udp src portrange ${PORTS.rtpMin}-${PORTS.rtpMax} and not dst portrange 40000-40999`);
    const res = await api('agent', 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: DEST.tone });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'dialing', destination: DEST.tone, compliance: { allowed: true } });
    const callId = res.body.call_id as string;
    await agent.waitForEvent('CALL_ESTABLISHED', 15_000, true);
    await hooks.waitFor((e) => e.correlation_id === callId && e.event_type === 'call.answered', 'call.answered');
    expect(await agentState()).toMatchObject({ state: 'on_call', current_call_id: callId });
    await new Promise((r) => setTimeout(r, 3000)); // three seconds of conversation
    await agent.hangup();
    const done = await completed(callId);
    const customerHeard = await heard.stop();

    expect(hooks.forCall(callId).map((e) => e.event_type)).toEqual(['call.initiated', 'call.answered', 'call.completed']);
    expect(done.payload).toMatchObject({ call_id: callId, agent_id: AGENT.id, campaign_id: null, contact_phone: DEST.tone, status: 'completed', ended_by: 'agent' });
    expect(done.payload.duration_seconds).toBeGreaterThanOrEqual(2);
    await until(async () => (await agentState()).state === 'available', 'the agent back to available', 10_000);

    // The carrier heard the agent's tone; the agent heard the line's.
    expect(toneBlocks(customerHeard, AGENT_HZ)).toBeGreaterThanOrEqual(10); // ≥ 2 s
    const received = agent.recordings().received.at(-1)!;
    const pcm = readPcmWav(readFileSync(received)).channel[0]!;
    expect(toneBlocks(pcm, LINE_HZ)).toBeGreaterThanOrEqual(10);
    const calls = await api('supervisor', 'GET', `/v1/calls?agent_id=${AGENT.id}`);
    expect(calls.body.items.find((c: { id: string }) => c.id === callId)).toMatchObject({ agent_id: AGENT.id, direction: 'outbound', status: 'completed', contact_phone: DEST.tone });
  });

  it('the destination hangs up: the agent leg is hung up too, call.completed ended_by customer', async () => {
    const closedBefore = agent.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const res = await api('supervisor', 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: DEST.hangsUp });
    expect(res.status).toBe(202);
    const done = await completed(res.body.call_id);
    expect(done.payload).toMatchObject({ status: 'completed', ended_by: 'customer', hangup_cause_code: 16 });
    await until(() => agent.events.filter((e) => e.type === 'CALL_CLOSED').length > closedBefore, 'baresip to see its call closed', 10_000);
    await until(async () => (await agentState()).state === 'available', 'the agent back to available', 10_000);
  });

  it('a busy agent is a 409 and nothing more is dialled', async () => {
    const first = await api('supervisor', 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: DEST.person });
    expect(first.status).toBe(202);
    await hooks.waitFor((e) => e.correlation_id === first.body.call_id && e.event_type === 'call.answered', 'the first call answered');
    const second = await api('supervisor', 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: DEST.tone });
    expect(second.status).toBe(409);
    expect(second.body.type).toMatch(/agent-busy$/);
    await agent.hangup();
    await completed(first.body.call_id);
    await until(async () => (await agentState()).state === 'available', 'the agent back to available', 10_000);
  });

  it('a compliance block is the spec 403: no INVITE to the agent or the carrier', async () => {
    const blocked = '+971501234599';
    expect((await api('supervisor', 'POST', '/v1/dnc', { phones: [blocked] })).status).toBe(201);
    const invites = await captureInvites(PORTS.carrier);
    const incomingBefore = agent.events.filter((e) => e.type === 'CALL_INCOMING').length;
    const res = await api('agent', 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: blocked });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: 'https://engage.broadnet.me/errors/compliance-blocked', status: 403, compliance: { allowed: false, rule: 'dnc_tenant' } });
    await hooks.waitFor((e) => e.event_type === 'call.compliance_blocked' && e.payload.contact_phone === blocked, 'call.compliance_blocked');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await invites.stop()).toEqual([]);
    expect(agent.events.filter((e) => e.type === 'CALL_INCOMING').length).toBe(incomingBefore);
  });
});
