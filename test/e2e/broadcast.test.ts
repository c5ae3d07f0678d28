// A client's view of a broadcast on the real stack: for each carrier outcome,
// the exact webhook sequence and fields; follow-up play; DELETE; the idle
// guard; 200 recipients under a CPS limit; a media node killed mid-broadcast.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { AUTH, label, startClient, type Client } from './client.ts';

let stack: Stack;
let client: Client;
const stateDir = `${process.cwd()}/.wrangler/e2e-${Date.now()}`;
const hangUpAfterPlay = new Set<string>();
const followUp = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  stack = await startStack({
    ports: { worker: 8877, carrier: 5180, carrierMedia: 6100, mediaSip: 5162, mediaControl: 7170, rtpMin: 24000, rtpMax: 25999 },
    stateDir,
    workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: '4', NO_MEDIA_NODE_WAIT_S: '6' },
  });
  client = await startClient();
  // The application: after playfinished, play the queued follow-up once, else hang up.
  client.onEvent((e) => {
    if (e.playstate !== 'playfinished' || !hangUpAfterPlay.has(e.broadcast_id)) return;
    const next = followUp.get(e.voice_id);
    if (next) {
      followUp.delete(e.voice_id);
      void api('PUT', `/voice/v1/call/${e.voice_id}/play`, next);
    } else void api('DELETE', `/voice/v1/call/${e.voice_id}`);
  });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function api(method: string, path: string, body?: unknown) {
  return fetch(`${stack.url}${path}`, { method, headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
}

async function broadcast(recipients: Array<{ to: string; play: Record<string, unknown> }>, extra: Record<string, unknown> = {}, autoHangup = true) {
  const res = await api('POST', '/voice/v1/broadcast', {
    name: 'e2e',
    owner_ref: 'e2e',
    from: '12012774877',
    answering_machine_detection: true,
    recipients,
    custom_data: { suite: 'e2e', n: 1 },
    event_url: client.url,
    call_handler_url: client.url,
    ring_timeout: 5,
    ...extra,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { broadcast_id: string };
  if (autoHangup) hangUpAfterPlay.add(body.broadcast_id);
  return body.broadcast_id;
}

const tts = (ref: string, text = 'Hello, this is a short reminder.') => ({ type: 'tts', text, voice: 'Female', language: 'en-US', prompt_ref: ref });
const legOf = (broadcastId: string, to: string) => client.events.find((e) => e.broadcast_id === broadcastId && e.to === to && e.voice_id)?.voice_id as string;

describe('every carrier outcome, as the client sees it', () => {
  it('delivers the documented events, fields and Q.850 causes per leg, and one complete', async () => {
    const long = 'This message is long enough that the person hangs up before it ends, which is what this number does after four seconds.';
    const recipients = [
      { to: '971501234500', play: tts('human') },
      { to: '971501234505', play: tts('machine') },
      { to: '971501234501', play: tts('busy') },
      { to: '971501234502', play: tts('noanswer') },
      { to: '971501234503', play: tts('decline') },
      { to: '971501234504', play: tts('unavailable') },
      { to: '971501234506', play: tts('hangsup', long) },
    ];
    const id = await broadcast(recipients);
    const complete = await client.waitForComplete(id);
    const seq = (to: string) => client.forLeg(legOf(id, to)).map(label);
    expect(seq('971501234500')).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    expect(seq('971501234505')).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    expect(seq('971501234501')).toEqual(['disconnected']);
    expect(seq('971501234502')).toEqual(['ringing', 'disconnected']);
    expect(seq('971501234503')).toEqual(['disconnected']);
    expect(seq('971501234504')).toEqual(['disconnected']);
    expect(seq('971501234506')).toEqual(['ringing', 'connected', 'playstate:initiated', 'disconnected']);

    const last = (to: string) => client.forLeg(legOf(id, to)).at(-1)!;
    expect(last('971501234500')).toMatchObject({ disconnect_cause_code: 16, disconnect_reason: 'Normal Clearing', call_answered_by: 'HUMAN' });
    expect(last('971501234505')).toMatchObject({ disconnect_cause_code: 16, call_answered_by: 'MACHINE' });
    expect(last('971501234501')).toMatchObject({ disconnect_cause_code: 17, disconnect_reason: 'User Busy', call_duration: 0 });
    expect(last('971501234502')).toMatchObject({ disconnect_cause_code: 19, disconnect_reason: 'No Answer from User' });
    expect(last('971501234503')).toMatchObject({ disconnect_cause_code: 21, disconnect_reason: 'Call Rejected' });
    expect(last('971501234504')).toMatchObject({ disconnect_cause_code: 18, disconnect_reason: 'No User Responding' });
    expect(last('971501234506')).toMatchObject({ disconnect_cause_code: 16, call_answered_by: 'HUMAN' });
    expect(last('971501234501')).not.toHaveProperty('call_answered_by');

    // Field for field: every per-leg event carries the common fields; custom_data verbatim.
    for (const e of client.events.filter((x) => x.broadcast_id === id && x.voice_id)) {
      expect(e).toMatchObject({ broadcast_id: id, from: '12012774877', custom_data: { suite: 'e2e', n: 1 } });
      expect(e.voice_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      if (e.state === 'ringing') expect(typeof e.channel_id).toBe('string');
      if (e.state === 'connected') expect(e.call_answered_by).toMatch(/^(HUMAN|MACHINE)$/);
      if (e.playstate) expect(e.prompt_ref).toBeTruthy();
      if (e.state === 'disconnected') expect(typeof e.call_duration).toBe('number');
    }
    expect(client.completes(id)).toHaveLength(1);
    expect(complete.broadcast_call_info).toHaveLength(7);
    expect(complete.custom_data).toEqual({ suite: 'e2e', n: 1 });
    const states = Object.fromEntries(complete.broadcast_call_info.map((i: any) => [i.to, i.callState]));
    expect(states).toMatchObject({ '971501234500': 'Call Answered', '971501234501': 'Busy', '971501234502': 'No Answer', '971501234503': 'Rejected', '971501234505': 'Call Answered' });
    // Nothing arrives after the complete event.
    const completeIndex = client.events.indexOf(complete);
    expect(client.events.slice(completeIndex + 1).filter((e) => e.broadcast_id === id)).toHaveLength(0);
  });

  it('omits call_answered_by when AMD is off', async () => {
    const id = await broadcast([{ to: '971501234510', play: tts('noamd') }], { answering_machine_detection: false });
    await client.waitForComplete(id);
    const events = client.forLeg(legOf(id, '971501234510'));
    expect(events.map(label)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    for (const e of events) expect(e).not.toHaveProperty('call_answered_by');
  });
});

describe('per-call controls on real calls', () => {
  it('PUT play after playfinished plays a follow-up with its own playstate events; DELETE ends with 16', async () => {
    const id = await broadcast([{ to: '971501234520', play: tts('first') }], { answering_machine_detection: false });
    const voiceId = await new Promise<string>((resolve) => {
      const check = setInterval(() => {
        const v = legOf(id, '971501234520');
        if (v) {
          clearInterval(check);
          resolve(v);
        }
      }, 50);
    });
    followUp.set(voiceId, { play: tts('second', 'Thank you. Goodbye.') });
    await client.waitForComplete(id);
    const events = client.forLeg(voiceId);
    expect(events.map((e) => (e.playstate ? `${e.playstate}:${e.prompt_ref}` : e.state))).toEqual([
      'ringing',
      'connected',
      'initiated:first',
      'playfinished:first',
      'initiated:second',
      'playfinished:second',
      'disconnected',
    ]);
    expect(events.at(-1)).toMatchObject({ disconnect_cause_code: 16 });
    const again = await api('DELETE', `/voice/v1/call/${voiceId}`);
    expect(again.status).toBe(200); // idempotent for the client that hung up
  });

  it('the idle guard hangs up a leg nobody acts on', async () => {
    const id = await broadcast([{ to: '971501234530', play: tts('idle', 'Hi.') }], { answering_machine_detection: false, idle_timeout: 5 }, false);
    const started = Date.now();
    await client.waitForComplete(id);
    const events = client.forLeg(legOf(id, '971501234530'));
    expect(events.map(label)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    expect(events.at(-1)).toMatchObject({ disconnect_cause_code: 16 });
    expect(Date.now() - started).toBeGreaterThan(5000);
  });
});

describe('scale and failure', () => {
  it('200 recipients complete under the CPS limit with no leg left open and every webhook once', async () => {
    const settings = await api('PATCH', '/voice/v1/account/settings', { calls_per_second: 25, max_concurrent_calls: 500 });
    expect(settings.status).toBe(200);
    const recipients = Array.from({ length: 200 }, (_, i) => ({ to: `9715012${String(40000 + i * 10 + [0, 1, 3, 7, 8, 9][i % 6]!).padStart(5, '0')}`, play: tts('bulk', 'Hi.') }));
    const id = await broadcast(recipients, { answering_machine_detection: false });
    const complete = await client.waitForComplete(id, 120_000);
    expect(complete.broadcast_call_info).toHaveLength(200);
    const legs = new Set(client.events.filter((e) => e.broadcast_id === id && e.voice_id).map((e) => e.voice_id));
    expect(legs.size).toBe(200);
    for (const v of legs) expect(client.forLeg(v).filter((e) => e.state === 'disconnected')).toHaveLength(1);
    // Calls leave at most 25 per second: ringing/first-event times per leg, any one-second window.
    const firsts = [...legs].map((v) => Date.parse(client.forLeg(v)[0]!.timestamp)).sort((a, b) => a - b);
    let worst = 0;
    for (let lo = 0, hi = 0; hi < firsts.length; hi++) {
      while (firsts[hi]! - firsts[lo]! >= 1000) lo++;
      worst = Math.max(worst, hi - lo + 1);
    }
    console.log(`200-recipient broadcast: most calls started in any one second = ${worst} (limit 25), duplicates seen by the client = ${client.duplicates}`);
    expect(worst).toBeLessThanOrEqual(27); // first events trail the dial by carrier jitter of a few ms
    expect(client.badSignatures).toBe(0);
    const status = (await (await api('GET', `/voice/v1/broadcast/${id}`)).json()) as { legs: Record<string, number>; webhooks: { pending: number } };
    expect((status.legs.disconnected ?? 0) + (status.legs.failed ?? 0)).toBe(200);
    expect(status.webhooks.pending).toBe(0);
  }, 180_000);

  it('a media node killed mid-broadcast still ends every leg and sends the complete event', async () => {
    await api('PATCH', '/voice/v1/account/settings', { calls_per_second: 4 });
    const long = 'This is a long announcement that keeps the line busy for a while so that the node can be killed in the middle of it.';
    const recipients = Array.from({ length: 16 }, (_, i) => ({ to: `97150123${4600 + i * 10}`, play: tts('kill', long) }));
    const id = await broadcast(recipients, { answering_machine_detection: false }, false);
    while (client.events.filter((e) => e.broadcast_id === id && e.state === 'connected').length < 3) await new Promise((r) => setTimeout(r, 100));
    process.kill(-stack.media.child.pid!, 'SIGKILL');
    const complete = await client.waitForComplete(id, 60_000);
    expect(complete.broadcast_call_info).toHaveLength(16);
    const causes = complete.broadcast_call_info.map((i: any) => i.disconnectReasonCode);
    expect(causes).toContain(41); // live legs on the dead node
    for (const v of new Set(client.events.filter((e) => e.broadcast_id === id && e.voice_id).map((e) => e.voice_id))) {
      expect(client.forLeg(v).filter((e) => e.state === 'disconnected')).toHaveLength(1);
    }
    console.log(`node killed: causes ${JSON.stringify(causes)}`);
  }, 120_000);
});
