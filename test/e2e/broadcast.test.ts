// A client's view of a broadcast on the real stack: for each carrier outcome,
// the exact webhook sequence and bodies (key for key); an uploaded prompt and
// a recording downloaded through its signed URL; follow-up play; DELETE; the
// idle guard; 200 recipients under a CPS limit measured on the wire; a media
// node killed mid-broadcast.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { blockPower, goertzelPower } from '../../media-node/src/amd/goertzel.ts';
import { AUTH, label, startClient, until, type Client } from './client.ts';
import { expectExactShapes, stamp, uuid } from './event-shapes.ts';
import { captureInvites, mostInAnyWindow } from './sip-invites.ts';
import { readPcmWav, toneWav } from './wav-files.ts';

let stack: Stack;
let client: Client;
const stateDir = `${process.cwd()}/.wrangler/e2e-${Date.now()}`;
const PORTS = { worker: 8877, carrier: 5180, carrierMedia: 6100, mediaSip: 5162, mediaControl: 7170, rtpMin: 24000, rtpMax: 25999 };
const FROM = '12012774877';
const CUSTOM = { suite: 'e2e', n: 1 };
const hangUpAfterPlay = new Set<string>();
const followUp = new Map<string, Record<string, unknown>>();
/** Numbers whose legs a test drives itself: the application below leaves them alone. */
const driven = new Set<string>();

beforeAll(async () => {
  stack = await startStack({
    ports: PORTS,
    stateDir,
    workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: '4', NO_MEDIA_NODE_WAIT_S: '6' },
  });
  client = await startClient();
  // The application: after playfinished, play the queued follow-up once, else hang up.
  client.onEvent((e) => {
    if (e.playstate !== 'playfinished' || !hangUpAfterPlay.has(e.broadcast_id) || driven.has(e.to)) return;
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
    from: FROM,
    answering_machine_detection: true,
    recipients,
    custom_data: CUSTOM,
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

/** Low enough that the pacer, not the 2-core machine, sets the dial rate: the limit is really tested. */
const CPS = 10;
const PROMPT = 'e2e_tone_prompt';
const PROMPT_HZ = 440;
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

    // Key for key, typed per the spec: every event of the broadcast, the complete one included.
    expectExactShapes({ broadcastId: id, from: FROM, customData: CUSTOM, amd: true }, client.events.filter((e) => e.broadcast_id === id));
    const legIds = new Set(recipients.map((r) => legOf(id, r.to)));
    expect(new Set(complete.broadcast_call_info.map((i: any) => i.voice_id))).toEqual(legIds);
    expect(complete.blacklistednumber).toStrictEqual({ call_blacklisted: [], country_not_allowed: [] });
    expect(client.completes(id)).toHaveLength(1);
    expect(complete.broadcast_call_info).toHaveLength(7);
    expect(complete.custom_data).toEqual(CUSTOM);
    const states = Object.fromEntries(complete.broadcast_call_info.map((i: any) => [i.to, i.callState]));
    expect(states).toMatchObject({ '971501234500': 'Call Answered', '971501234501': 'Busy', '971501234502': 'No Answer', '971501234503': 'Rejected', '971501234505': 'Call Answered' });
    // Nothing arrives after the complete event.
    const completeIndex = client.events.indexOf(complete);
    expect(client.events.slice(completeIndex + 1).filter((e) => e.broadcast_id === id)).toHaveLength(0);
  });

  it('without AMD: no call_answered_by; an uploaded prompt plays with prompt_name; a recording downloads as stereo WAV holding it', async () => {
    // A 4 s 440 Hz prompt, uploaded like a client would, played to the carrier's 1 kHz tone line:
    // the recording must hold the line's tone on the left and the prompt on the right.
    const form = new FormData();
    form.set('prompt_name', PROMPT);
    form.set('file', new Blob([toneWav(PROMPT_HZ, 4)], { type: 'audio/wav' }), 'tone.wav');
    const uploaded = await fetch(`${stack.url}/voice/v1/prompts`, { method: 'POST', headers: { authorization: AUTH }, body: form });
    expect(uploaded.status).toBe(201);
    const toneLine = '971501234518';
    driven.add(toneLine);
    const recipients = [
      { to: '971501234510', play: tts('noamd') },
      { to: toneLine, play: { type: 'file', prompt_name: PROMPT, prompt_ref: 'tone' } },
    ];
    const id = await broadcast(recipients, { answering_machine_detection: false });

    // The recorded leg, driven by the test: record from the answer until the prompt finished, then hang up.
    const voiceId = (await until(() => client.events.find((e) => e.broadcast_id === id && e.to === toneLine && e.state === 'connected'), 'the tone line to answer')).voice_id as string;
    const startSent = Date.now();
    const started = await api('PUT', `/voice/v1/call/${voiceId}/recording`, { start: true, recording_name: 'e2e-call' });
    const startAcked = Date.now();
    expect(started.status).toBe(200);
    expect(await started.json()).toStrictEqual({ broadcast_id: id, voice_id: voiceId, recording_name: 'e2e-call', state: 'recording_started', timestamp: stamp() });
    const finished = await until(() => client.forLeg(voiceId).find((e) => e.playstate === 'playfinished'), 'the prompt to finish');
    const stopSent = Date.now();
    const stopped = await api('PUT', `/voice/v1/call/${voiceId}/recording`, { stop: true });
    const stopAcked = Date.now();
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toStrictEqual({ broadcast_id: id, voice_id: voiceId, state: 'recording_stopped', timestamp: stamp() });
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    await client.waitForComplete(id);

    // Webhooks: the documented sequence, key for key; prompt_name on the prompt's playstate events only.
    for (const to of [recipients[0]!.to, toneLine]) {
      expect(client.forLeg(legOf(id, to)).map(label)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    }
    expectExactShapes({ broadcastId: id, from: FROM, customData: CUSTOM, amd: false, promptNames: { tone: PROMPT } }, client.events.filter((e) => e.broadcast_id === id));
    expect(client.forLeg(voiceId).filter((e) => e.playstate).map((e) => [e.playstate, e.prompt_ref, e.prompt_name])).toEqual([
      ['initiated', 'tone', PROMPT],
      ['playfinished', 'tone', PROMPT],
    ]);
    for (const e of client.events.filter((x) => x.broadcast_id === id)) expect(e).not.toHaveProperty('call_answered_by');
    for (const i of client.completes(id)[0]!.broadcast_call_info) expect(i).not.toHaveProperty('call_answered_by');

    // The recording: listed once stored (the node uploads it after the stop), with the call's ids.
    const listed = await until(async () => {
      const page = (await (await api('GET', `/voice/v1/recordings?call_id=${voiceId}`)).json()) as { items: Array<Record<string, any>> };
      return page.items.length === 1 && page.items[0]!.status === 'stored' && page.items[0]!;
    }, 'the recording to be stored', 20_000);
    expect(listed).toStrictEqual({
      id: uuid(),
      call_id: voiceId,
      broadcast_id: id,
      recording_name: 'e2e-call',
      status: 'stored',
      format: 'wav',
      duration_seconds: expect.any(Number),
      size_bytes: expect.any(Number),
      recorded_at: stamp(),
      stored_at: stamp(),
    });
    const link = await api('GET', `/voice/v1/recordings/${listed.id}/url`);
    expect(link.status).toBe(200);
    const linkBody = (await link.json()) as { url: string };
    expect(linkBody).toStrictEqual({ id: listed.id, url: expect.stringContaining(`/recordings/${listed.id}.wav?`), expires_at: stamp(), format: 'wav', duration_seconds: listed.duration_seconds });
    const { url } = linkBody;
    const tampered = new URL(url);
    const sig = tampered.searchParams.get('sig')!;
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const download = await fetch(url); // the signed URL needs no credentials
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(listed.size_bytes);

    // ffprobe (not our parser) says what the file is.
    const dir = mkdtempSync(join(tmpdir(), 'crier-rec-'));
    try {
      writeFileSync(join(dir, 'rec.wav'), bytes);
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,channels,sample_rate', '-of', 'json', join(dir, 'rec.wav')], { encoding: 'utf8' })) as { streams: Array<Record<string, unknown>> };
      expect(probe.streams).toEqual([{ codec_name: 'pcm_s16le', channels: 2, sample_rate: '8000' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const wav = readPcmWav(bytes);
    expect(wav.durationS).toBeCloseTo(listed.duration_seconds, 3);
    // It spans the time between the start and stop requests: no more than from the first sent to
    // the last answered (one 20 ms frame of rounding), and short of the other way round by at most
    // 200 ms (command delivery on a loaded machine).
    expect(wav.durationS).toBeLessThanOrEqual((stopAcked - startSent) / 1000 + 0.02);
    expect(wav.durationS).toBeGreaterThanOrEqual((stopSent - startAcked) / 1000 - 0.2);
    expect(wav.durationS).toBeLessThanOrEqual(client.forLeg(voiceId).at(-1)!.call_duration);

    // Left: the recipient (the line's 1 kHz tone); right: what we played (the 440 Hz prompt) until it finished.
    const share = (pcm: Int16Array, hz: number) => goertzelPower(pcm, hz) / Math.max(1, blockPower(pcm));
    const blocks = (ch: Int16Array, fromS: number, toS: number) => {
      const out: Int16Array[] = [];
      for (let at = Math.round(fromS * 8000); at + 1600 <= Math.round(toS * 8000); at += 1600) out.push(ch.subarray(at, at + 1600));
      return out;
    };
    const promptEndS = (Date.parse(finished.timestamp) - startAcked) / 1000;
    expect(promptEndS).toBeGreaterThan(1); // at least a second of the prompt was recorded
    const [left, right] = wav.channel as [Int16Array, Int16Array];
    const played = blocks(right, 0.1, promptEndS - 0.2);
    const heard = blocks(left, 0.3, wav.durationS - 0.1);
    const mostly = (xs: Int16Array[], ok: (b: Int16Array) => boolean) => xs.filter(ok).length / xs.length;
    console.log(`recording: ${wav.durationS.toFixed(3)} s (requests ${((stopSent - startAcked) / 1000).toFixed(3)}–${((stopAcked - startSent) / 1000).toFixed(3)} s), prompt ${promptEndS.toFixed(2)} s of it`);
    expect(mostly(played, (b) => share(b, PROMPT_HZ) > 0.8 && share(b, 1000) < 0.05)).toBeGreaterThanOrEqual(0.9);
    expect(mostly(heard, (b) => share(b, 1000) > 0.8 && share(b, PROMPT_HZ) < 0.05)).toBeGreaterThanOrEqual(0.9);
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
    const settings = await api('PATCH', '/voice/v1/account/settings', { calls_per_second: CPS, max_concurrent_calls: 500 });
    expect(settings.status).toBe(200);
    const recipients = Array.from({ length: 200 }, (_, i) => ({ to: `9715012${String(40000 + i * 10 + [0, 1, 3, 7, 8, 9][i % 6]!).padStart(5, '0')}`, play: tts('bulk', 'Hi.') }));
    const wire = await captureInvites(PORTS.carrier);
    const id = await broadcast(recipients, { answering_machine_detection: false });
    const complete = await client.waitForComplete(id, 120_000);
    const invites = await wire.stop();
    expect(complete.broadcast_call_info).toHaveLength(200);
    const legs = new Set(client.events.filter((e) => e.broadcast_id === id && e.voice_id).map((e) => e.voice_id));
    expect(legs.size).toBe(200);
    for (const v of legs) expect(client.forLeg(v).filter((e) => e.state === 'disconnected')).toHaveLength(1);

    // Every number dialled exactly once, and never more than CPS INVITEs in any 1000 ms on the wire.
    expect(invites.map((i) => i.number).sort()).toEqual(recipients.map((r) => r.to).sort());
    const wireMs = invites.map((i) => i.atMs);
    const worst = mostInAnyWindow(wireMs, 1000);
    const tightest = Math.min(...wireMs.slice(CPS).map((t, i) => t - wireMs[i]!)); // CPS + 1 consecutive INVITEs
    const spanS = (wireMs.at(-1)! - wireMs[0]!) / 1000;
    console.log(`200-recipient broadcast at ${CPS} CPS: most INVITEs on the wire in any 1000 ms = ${worst} (tightest ${CPS + 1} span ${tightest.toFixed(0)} ms), 200 sent over ${spanS.toFixed(1)} s; redeliveries ${client.duplicatesFor(id)}`);
    expect(worst).toBeLessThanOrEqual(CPS);

    // Every webhook once: no event id twice, and no (leg, kind) twice under different ids.
    expect(client.duplicatesFor(id)).toBe(0);
    expect(client.repeatedKinds(id)).toEqual({});
    expect(client.completes(id)).toHaveLength(1);
    expect(client.badSignatures).toBe(0);
    const status = (await (await api('GET', `/voice/v1/broadcast/${id}`)).json()) as { state: string; legs: Record<string, number>; webhooks: Record<string, number> };
    expect((status.legs.disconnected ?? 0) + (status.legs.failed ?? 0)).toBe(200);
    expect(status.webhooks).toMatchObject({ pending: 0, failed: 0 });

    // No leg left open on the media node: no live call, every RTP port back (24000–25999: 1000 even ports).
    const stats = await until(async () => {
      const s = (await (await fetch(`http://127.0.0.1:${PORTS.mediaControl}/v1/stats`)).json()) as { live_calls: number; rtp_ports_free: number };
      return s.live_calls === 0 && s.rtp_ports_free === 1000 && s;
    }, 'the media node to have no live call and every port free', 10_000);
    expect(stats).toMatchObject({ live_calls: 0, rtp_ports_free: 1000 });
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
