// Connect on the real stack (wrangler dev + media node + SIPp carrier), driven
// like a client: connect after playfinished, the webhook sequence field for
// field, a destination that hangs up or is busy (the recipient stays and can
// be played to), DELETE during a bridge (both legs end, every port is back),
// and a destination the tenant may not dial.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { AUTH, startClient, type Client } from './client.ts';
import { DEMO } from '../../scripts/seed-local.ts';

const PORTS = { worker: 8977, carrier: 5280, carrierMedia: 6200, mediaSip: 5262, mediaControl: 7270, rtpMin: 26000, rtpMax: 27999 };
const FROM = '12012774877';
const CLI = DEMO.cli.slice(1); // the demo tenant owns it: a connect's `from` passes the compliance gate's CLI check
/** Carrier lines by last digit (test/sipp/carrier.xml). */
const DEST = { person: '971501234580', busy: '971501234581', hangsUp: '971501234586' };

let stack: Stack;
let client: Client;
const stateDir = `${process.cwd()}/.wrangler/e2e-connect-${Date.now()}`;

beforeAll(async () => {
  stack = await startStack({ ports: PORTS, stateDir });
  client = await startClient();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function api(method: string, path: string, body?: unknown) {
  return fetch(`${stack.url}${path}`, { method, headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
}

const label = (e: Record<string, any>) => (e.connectstate ? `connectstate:${e.connectstate}` : e.playstate ? `playstate:${e.playstate}` : e.state);
const tts = (ref: string, text = 'Press one to speak to an agent.') => ({ type: 'tts', text, voice: 'Female', language: 'en-US', prompt_ref: ref });

async function until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(client.events.map(label))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A one-recipient broadcast whose leg has played its message: returns its ids once playfinished arrived. */
async function legAfterPlayfinished(to: string) {
  const res = await api('POST', '/voice/v1/broadcast', {
    name: 'e2e-connect',
    owner_ref: 'e2e',
    from: FROM,
    answering_machine_detection: false,
    recipients: [{ to, play: tts('offer') }],
    custom_data: { suite: 'connect' },
    event_url: client.url,
    call_handler_url: client.url,
  });
  expect(res.status).toBe(200);
  const broadcastId = ((await res.json()) as { broadcast_id: string }).broadcast_id;
  const finished = await until(() => client.events.find((e) => e.broadcast_id === broadcastId && e.playstate === 'playfinished'), 'playfinished');
  return { broadcastId, voiceId: finished.voice_id as string };
}

async function nodeStats() {
  return (await (await fetch(`http://127.0.0.1:${PORTS.mediaControl}/v1/stats`)).json()) as { live_calls: number; rtp_ports_free: number };
}

describe('connect on the real stack', () => {
  it('connect after playfinished: bridged until the destination hangs up, the recipient stays, then DELETE', async () => {
    const { broadcastId, voiceId } = await legAfterPlayfinished('971501234570');
    const res = await api('PUT', `/voice/v1/call/${voiceId}/connect`, { from: CLI, to: DEST.hangsUp });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: broadcastId, voice_id: voiceId, state: 'connecting' });

    await until(() => client.forLeg(voiceId).find((e) => e.connectstate === 'connected'), 'bridged');
    const status = (await (await api('GET', `/voice/v1/broadcast/${broadcastId}`)).json()) as { legs: Record<string, number> };
    expect(status.legs).toMatchObject({ bridged: 1, idle: 0 });
    const ended = await until(() => client.forLeg(voiceId).find((e) => e.connectstate === 'disconnected'), 'the destination hung up');
    // The recipient is still on the line: idle again, and the client hangs up.
    expect(((await (await api('GET', `/voice/v1/broadcast/${broadcastId}`)).json()) as { legs: Record<string, number> }).legs).toMatchObject({ idle: 1, bridged: 0 });
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    const complete = await client.waitForComplete(broadcastId, 30_000);

    const events = client.forLeg(voiceId);
    expect(events.map(label)).toEqual([
      'ringing',
      'connected',
      'playstate:initiated',
      'playstate:playfinished',
      'connectstate:ringing',
      'connectstate:connected',
      'connectstate:disconnected',
      'disconnected',
    ]);
    const common = { broadcast_id: broadcastId, voice_id: voiceId, from: FROM, to: '971501234570', custom_data: { suite: 'connect' } };
    const target = { connect_from: CLI, connect_to: DEST.hangsUp, connect_voice_id: expect.stringMatching(/^[0-9a-f-]{36}$/) };
    const stamp = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(events[4]).toEqual({ ...common, ...target, connectstate: 'ringing', timestamp: stamp });
    expect(events[5]).toEqual({ ...common, ...target, connectstate: 'connected', timestamp: stamp });
    expect(events[6]).toEqual({
      ...common,
      ...target,
      connectstate: 'disconnected',
      call_duration: expect.any(Number),
      disconnect_reason: 'Normal Clearing',
      disconnect_cause_code: 16,
      ended_by: 'destination',
      timestamp: stamp,
    });
    expect(ended.call_duration).toBeGreaterThan(3.5); // the line hangs up 4 s after answering
    expect(ended.call_duration).toBeLessThan(5);
    expect(new Set(events.slice(4, 7).map((e) => e.connect_voice_id)).size).toBe(1);
    expect(events[7]).toMatchObject({ ...common, state: 'disconnected', disconnect_cause_code: 16 });
    expect(complete.broadcast_call_info).toHaveLength(1);
  });

  it('DELETE during a bridge hangs up both legs: the connect ends first, then the leg, and every port is back', async () => {
    const { broadcastId, voiceId } = await legAfterPlayfinished('971501234570');
    expect((await api('PUT', `/voice/v1/call/${voiceId}/connect`, { from: CLI, to: DEST.person })).status).toBe(200);
    await until(() => client.forLeg(voiceId).find((e) => e.connectstate === 'connected'), 'bridged');
    expect((await nodeStats()).live_calls).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    await client.waitForComplete(broadcastId, 30_000);
    const events = client.forLeg(voiceId);
    expect(events.map(label).slice(-3)).toEqual(['connectstate:connected', 'connectstate:disconnected', 'disconnected']);
    expect(events.at(-2)).toMatchObject({ connectstate: 'disconnected', ended_by: 'recipient', disconnect_cause_code: 16 });
    expect(events.at(-2)!.call_duration).toBeGreaterThan(1.4);
    expect(events.at(-1)).toMatchObject({ state: 'disconnected', disconnect_cause_code: 16 });
    const deadline = Date.now() + 5000;
    let s = await nodeStats();
    while ((s.live_calls > 0 || s.rtp_ports_free < 1000) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      s = await nodeStats();
    }
    expect(s).toMatchObject({ live_calls: 0, rtp_ports_free: 1000 }); // 26000–27999: 1000 even ports, both legs' returned
  });

  it('a busy destination: connectstate failed (17), the recipient stays and hears a follow-up', async () => {
    const { broadcastId, voiceId } = await legAfterPlayfinished('971501234570');
    expect((await api('PUT', `/voice/v1/call/${voiceId}/connect`, { from: CLI, to: DEST.busy })).status).toBe(200);
    const failed = await until(() => client.forLeg(voiceId).find((e) => e.connectstate === 'failed'), 'connect failed');
    expect(failed).toMatchObject({ disconnect_cause_code: 17, disconnect_reason: 'User Busy', ended_by: 'destination', connect_to: DEST.busy });
    expect(failed).not.toHaveProperty('call_duration');
    expect((await api('PUT', `/voice/v1/call/${voiceId}/play`, { play: tts('sorry', 'Sorry, all agents are busy.') })).status).toBe(200);
    await until(() => client.forLeg(voiceId).filter((e) => e.playstate === 'playfinished').length === 2, 'the follow-up played');
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    await client.waitForComplete(broadcastId, 30_000);
    expect(client.forLeg(voiceId).map(label)).toEqual([
      'ringing',
      'connected',
      'playstate:initiated',
      'playstate:playfinished',
      'connectstate:failed',
      'playstate:initiated',
      'playstate:playfinished',
      'disconnected',
    ]);
  });

  it('refuses a destination on the DNC list with 403 connect-blocked, and dials nothing', async () => {
    const { broadcastId, voiceId } = await legAfterPlayfinished('971501234570');
    const optedOut = '971501234590';
    expect((await api('POST', '/voice/v1/dnc', { phones: [`+${optedOut}`], reason: 'opt-out' })).status).toBeLessThan(300);
    const res = await api('PUT', `/voice/v1/call/${voiceId}/connect`, { from: CLI, to: optedOut });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ type: 'https://crier.dev/problems/connect-blocked', reason: 'call_blacklisted' });
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    await client.waitForComplete(broadcastId, 30_000);
    expect(client.forLeg(voiceId).some((e) => e.connectstate)).toBe(false);
  });
});
