// SIP/RTP behaviours a real carrier produces, against SIPp (test/sipp/wire-lines.xml)
// and checked on the wire with tshark where the wire is the claim: early media on a
// 183, the re-ACK of a retransmitted 200 OK, PCMA negotiation (payload decoded as
// A-law by sox), RTP timestamps/SSRC, symmetric RTP latching, RFC 4733 digits, AMD
// with a callee who hangs up before the decision, and the maximum call duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnectedOf, hangupCommand, labels, originate, startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from './node-against-sipp.ts';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';
import { captureRtpBothWays, type CapturedRtp } from './rtp-capture.ts';
import { decodeWithSox } from './sox-decode.ts';

const SIPP_PORT = 15480;
const SIPP_MEDIA_PORT = 16480;
const RTP_MIN = 34400;
const RTP_MAX = RTP_MIN + 199;
let t: NodeAgainstSipp;

beforeAll(async () => {
  t = await startNodeAgainstSipp({
    sipp: { port: SIPP_PORT, mediaPort: SIPP_MEDIA_PORT, scenario: new URL('../../sipp/wire-lines.xml', import.meta.url).pathname },
    sipPort: 15462,
    rtpMin: RTP_MIN,
    renderer: toneRenderer,
  });
});
afterAll(async () => {
  await t?.close();
});

async function call(to: string, extra: Parameters<typeof originate>[1] = {}) {
  const { voice_id, command } = originate(to, extra);
  expect((await t.worker.send(t.node.controlUrl, [command])).results[0]!.ok).toBe(true);
  return voice_id;
}
const played = (id: string) => labels(t.worker, id).includes('playstate:playfinished');
async function hangUp(id: string) {
  await t.worker.send(t.node.controlUrl, [hangupCommand(id)]);
  await t.worker.waitFor(() => !!disconnectedOf(t.worker, id), 10_000, 'disconnected');
}
/** Share of a block's energy at `hz` (Goertzel), 0..1. */
const tonePurity = (x: Int16Array, hz: number) => goertzelPower(x, hz) / blockPower(x);
const fromNode = (packets: CapturedRtp[]) => packets.filter((p) => p.srcPort >= RTP_MIN && p.srcPort <= RTP_MAX);

/** The RTP header rules of RFC 3550 for one 20 ms G.711 stream: seq +1, timestamp +160, one SSRC, marker on the first packet only. */
function expectWellFormedStream(packets: CapturedRtp[], payloadType: number) {
  expect(packets.length).toBeGreaterThanOrEqual(50);
  expect(new Set(packets.map((p) => p.payloadType))).toEqual(new Set([payloadType]));
  expect(new Set(packets.map((p) => p.ssrc)).size).toBe(1);
  expect(packets[0]!.marker).toBe(true);
  expect(packets.slice(1).filter((p) => p.marker)).toHaveLength(0);
  for (let i = 1; i < packets.length; i++) {
    expect((packets[i]!.seq - packets[i - 1]!.seq + 65536) % 65536).toBe(1);
    expect((packets[i]!.timestamp - packets[i - 1]!.timestamp + 2 ** 32) % 2 ** 32).toBe(160);
    expect(packets[i]!.payload.length).toBe(160);
  }
}

describe('SIP edge cases', () => {
  it('183 with early media, then 180: one ringing event, audio before the answer tolerated, the call proceeds', async () => {
    const id = await call('971501230020', { prompt_ref: 'tone-600' });
    await t.worker.waitFor(() => played(id), 15_000, 'playback after early media');
    expect(labels(t.worker, id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished']);
    expect(t.node.legs.get(id)!.rtp!.counters.received).toBeGreaterThan(50); // the early media and the call's audio reached us
    await hangUp(id);
  });

  it('a retransmitted 200 OK is ACKed again (the trunk only hangs up once it has the re-ACK)', async () => {
    const id = await call('971501230021', { prompt_ref: 'tone-20000' });
    await t.worker.waitFor(() => !!disconnectedOf(t.worker, id), 10_000, 'the trunk’s BYE after the re-ACK');
    expect(disconnectedOf(t.worker, id)).toMatchObject({ cause: 16, hangup_by: 'remote' });
    expect(labels(t.worker, id).filter((l) => l === 'connected')).toHaveLength(1);
  });
});

describe('RTP on the wire (tshark)', () => {
  it('PCMA: a trunk answering only PCMA gets payload type 8 whose payload sox decodes as A-law into our tone; timestamps step 160, one SSRC', async () => {
    const capture = await captureRtpBothWays(RTP_MIN, RTP_MAX);
    const id = await call('971501230022', { prompt_ref: 'tone-1000' });
    await t.worker.waitFor(() => played(id), 15_000, 'PCMA playback');
    await hangUp(id);
    const all = await capture.stop();
    const ours = fromNode(all);
    expectWellFormedStream(ours, 8);
    expect(ours.every((p) => p.dstPort === SIPP_MEDIA_PORT)).toBe(true);
    // The 1 s, 440 Hz prompt is in there: frames whose A-law decoding has energy.
    const wire = Buffer.concat(ours.map((p) => p.payload));
    const asAlaw = decodeWithSox(wire, 'al');
    const loud = asAlaw.filter((_, i) => Math.abs(asAlaw[i]!) > 1000).length;
    expect(loud).toBeGreaterThan(4000);
    const toneStart = asAlaw.findIndex((v) => Math.abs(v) > 1000);
    const tone = asAlaw.subarray(toneStart + 160, toneStart + 160 + 4000);
    expect(tonePurity(tone, 440)).toBeGreaterThan(0.95);
    const rms = Math.sqrt(tone.reduce((s, v) => s + v * v, 0) / tone.length);
    expect(Math.abs(rms - 6000 / Math.SQRT2) / (6000 / Math.SQRT2)).toBeLessThan(0.05);
    // The same bytes read as μ-law are still a 440 Hz wave but five times too loud (the
    // laws' bit layouts differ): only the A-law reading gives back our tone's level.
    const asUlaw = decodeWithSox(wire.subarray(toneStart + 160, toneStart + 160 + 4000), 'ul');
    expect(Math.sqrt(asUlaw.reduce((s, v) => s + v * v, 0) / asUlaw.length)).toBeGreaterThan(2 * rms);
  });

  it('symmetric RTP: the far end sends from another port than its SDP names, and we latch onto it', async () => {
    const capture = await captureRtpBothWays(RTP_MIN, RTP_MAX);
    const id = await call('971501230023', { prompt_ref: 'tone-2000' });
    await t.worker.waitFor(() => played(id), 15_000, 'playback');
    await hangUp(id);
    const packets = await capture.stop();
    const ours = fromNode(packets);
    const theirs = packets.filter((p) => p.dstPort >= RTP_MIN && p.dstPort <= RTP_MAX);
    expect(theirs.length).toBeGreaterThan(20);
    const farPort = theirs[0]!.srcPort;
    expect(farPort).not.toBe(SIPP_MEDIA_PORT + 8);
    expect(new Set(theirs.map((p) => p.srcPort))).toEqual(new Set([farPort]));
    // Before their first packet we send where the SDP said; from one frame after it, only to where it came from.
    const firstTheirs = theirs[0]!.time;
    expect(ours.filter((p) => p.time < firstTheirs).every((p) => p.dstPort === SIPP_MEDIA_PORT + 8)).toBe(true);
    expect(ours.filter((p) => p.time < firstTheirs).length).toBeGreaterThan(5);
    const after = ours.filter((p) => p.time > firstTheirs + 0.02);
    expect(after.length).toBeGreaterThan(50);
    expect(after.every((p) => p.dstPort === farPort)).toBe(true);
    expectWellFormedStream(ours, 0); // the stream itself is unbroken across the switch
  });
});

describe('RFC 4733 digits', () => {
  it('telephone-events from the far end become dtmf events: "1" then "#"', async () => {
    const id = await call('971501230024', { prompt_ref: 'tone-10000' });
    await t.worker.waitFor(() => t.worker.eventsFor(id).filter((e) => e.type === 'dtmf').length >= 2, 15_000, 'two digits');
    const digits = t.worker.eventsFor(id).filter((e) => e.type === 'dtmf') as Array<{ digit: string; duration_ms: number }>;
    expect(digits.map((d) => d.digit)).toEqual(['1', '#']);
    for (const d of digits) expect(d.duration_ms).toBeGreaterThanOrEqual(0);
    await hangUp(id);
  });
});

describe('a sender on UDP port 0', () => {
  it('is never latched onto (it cannot be answered) and does not stop the media clock: the digit is read, playback finishes', async () => {
    const id = await call('971501230027', { prompt_ref: 'tone-1500' });
    await t.worker.waitFor(() => played(id) && t.worker.eventsFor(id).some((e) => e.type === 'dtmf'), 15_000, 'playback and the digit');
    expect(t.worker.eventsFor(id).filter((e) => e.type === 'dtmf').map((e) => (e as { digit: string }).digit)).toEqual(['1']);
    expect(t.node.legs.get(id)!.rtp!.counters.sent).toBeGreaterThanOrEqual(75);
    await hangUp(id);
  });
});

describe('AMD and the end of the call', () => {
  it('a callee who answers and hangs up before the AMD decision is still reported connected (no verdict) before disconnected', async () => {
    const id = await call('971501230025', { amd: true, prompt_ref: 'tone-1000' });
    await t.worker.waitFor(() => !!disconnectedOf(t.worker, id), 10_000, 'the callee’s BYE');
    const events = t.worker.eventsFor(id);
    expect(labels(t.worker, id)).toEqual(['connected', 'disconnected']);
    expect(events[0]).not.toHaveProperty('answered_by');
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    const end = disconnectedOf(t.worker, id)!;
    expect(end).toMatchObject({ cause: 16, hangup_by: 'remote' });
    expect(end.duration_s).toBeGreaterThan(1.3);
    expect(end.duration_s).toBeLessThan(4); // the callee’s BYE at 1.5 s, with room for a loaded machine
    // connected carries the moment of the answer, not of the hang-up.
    expect(Date.parse(end.at) - Date.parse(events[0]!.at)).toBeGreaterThan(1300);
  });

  it('the maximum call duration hangs the call up from the node (cause 16, local)', async () => {
    const id = await call('971501230026', { prompt_ref: 'tone-20000', max_duration_s: 2 });
    await t.worker.waitFor(() => !!disconnectedOf(t.worker, id), 10_000, 'the max-duration hang-up');
    const end = disconnectedOf(t.worker, id)!;
    expect(end).toMatchObject({ cause: 16, reason: 'Normal Clearing', hangup_by: 'local' });
    expect(end.duration_s).toBeGreaterThanOrEqual(2);
    expect(end.duration_s).toBeLessThan(4); // 2 s, not the 20 s prompt: room for a loaded machine only
    expect(labels(t.worker, id)).toEqual(['connected', 'playstate:initiated', 'disconnected']);
  });
});
