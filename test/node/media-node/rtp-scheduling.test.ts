// The send path's decisions on a simulated clock: which frames the scheduler
// sends after a stall, and what RtpStream puts on the wire when it catches up
// or skips. Packets go over real loopback UDP; nothing here depends on timing.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameScheduler, firstTickToRun, MAX_LAG_MS, type SchedulerClock, type ScheduledStream } from '../../../media-node/src/rtp/frame-scheduler.ts';
import { RtpStream } from '../../../media-node/src/rtp/rtp-stream.ts';
import { EncodedAudio } from '../../../media-node/src/rtp/encoded-audio.ts';
import { encodeG711 } from '../../../media-node/src/codec/g711.ts';
import { parseRtp, type ParsedRtp } from '../../../media-node/src/rtp/packet.ts';

class FakeClock implements SchedulerClock {
  t = 1000;
  now = () => this.t;
  setTimer = () => ({});
  clearTimer = () => undefined;
}

class Recorder implements ScheduledStream {
  readonly due: number[] = [];
  sendFrame(scheduledAt: number): void {
    this.due.push(scheduledAt);
  }
}

function ramp(samples: number, seed = 1): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => ((i * 37 + seed * 1013) % 20000) - 10000);
}

describe('FrameScheduler', () => {
  it('runs ticks from the oldest unsent one, but never older than MAX_LAG_MS', () => {
    expect(firstTickToRun(10, 12)).toBe(10);
    expect(firstTickToRun(10, 10 + MAX_LAG_MS / 2 - 1)).toBe(10);
    expect(firstTickToRun(10, 1000)).toBe(1000 - MAX_LAG_MS / 2 + 1);
  });

  it('spreads streams over the period: ten streams, ten different send times, one frame each per 20 ms', () => {
    const clock = new FakeClock();
    const scheduler = new FrameScheduler(clock);
    const streams = Array.from({ length: 10 }, () => new Recorder());
    for (const s of streams) scheduler.add(s);
    for (const s of streams) s.due.length = 0;
    clock.t += 20;
    scheduler.poll();
    expect(streams.map((s) => s.due.length)).toEqual(Array(10).fill(1));
    expect(new Set(streams.map((s) => s.due[0]! % 20)).size).toBe(10);
  });

  it('after a stall shorter than MAX_LAG_MS, sends every missed frame in order with its own due time', () => {
    const clock = new FakeClock();
    const scheduler = new FrameScheduler(clock);
    const stream = new Recorder();
    scheduler.add(stream);
    const start = stream.due.at(-1) ?? clock.t;
    clock.t += 80;
    scheduler.poll();
    expect(stream.due.slice(-4)).toEqual([start + 20, start + 40, start + 60, start + 80]);
  });

  it('after a long stall, sends only the frames of the last MAX_LAG_MS and skips the rest', () => {
    const clock = new FakeClock();
    const scheduler = new FrameScheduler(clock);
    const stream = new Recorder();
    scheduler.add(stream);
    const before = stream.due.length;
    const start = stream.due.at(-1) ?? clock.t;
    clock.t += 1000;
    scheduler.poll();
    const sent = stream.due.slice(before);
    expect(sent).toHaveLength(MAX_LAG_MS / 20);
    expect(sent.at(-1)).toBe(start + 1000);
    expect(sent[0]).toBe(start + 1000 - MAX_LAG_MS + 20);
  });
});

describe('EncodedAudio', () => {
  it('holds the same bytes as encoding each frame, the last padded with silence, for both codecs', () => {
    const pcm = ramp(8000 * 3 + 70);
    for (const codec of ['PCMU', 'PCMA'] as const) {
      const encoded = EncodedAudio.of(pcm, codec);
      expect(encoded.frames).toBe(151);
      for (const index of [150, 0, 75, 149]) {
        const out = new Uint8Array(172);
        encoded.copyFrame(index, out, 12);
        const frame = new Int16Array(160);
        frame.set(pcm.subarray(index * 160, Math.min(pcm.length, index * 160 + 160)));
        expect(out.subarray(12)).toEqual(encodeG711(codec, frame));
      }
    }
  });

  it('is shared by every leg playing the same audio', () => {
    const pcm = ramp(800);
    expect(EncodedAudio.of(pcm, 'PCMU')).toBe(EncodedAudio.of(pcm, 'PCMU'));
    expect(EncodedAudio.of(pcm, 'PCMA')).not.toBe(EncodedAudio.of(pcm, 'PCMU'));
  });
});

describe('RtpStream on a simulated clock', () => {
  const opened: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const o of opened.splice(0)) o.close();
  });

  async function peer(): Promise<{ socket: Socket; port: number; packets: ParsedRtp[]; waitFor(n: number): Promise<void> }> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    opened.push(socket);
    const packets: ParsedRtp[] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (buf) => {
      packets.push(parseRtp(Uint8Array.from(buf))!);
      for (const w of waiters.splice(0)) w();
    });
    return {
      socket,
      port: socket.address().port,
      packets,
      async waitFor(n) {
        while (packets.length < n) await new Promise<void>((r) => waiters.push(r));
      },
    };
  }

  async function streamTo(port: number, clock: FakeClock) {
    const scheduler = new FrameScheduler(clock);
    const stream = await RtpStream.open('127.0.0.1', 0, scheduler);
    opened.push(stream);
    return { scheduler, stream, start: () => stream.start({ host: '127.0.0.1', port }, 'PCMU', 0, 101) };
  }

  it('sends the prompt frame by frame with consecutive sequence numbers and timestamps, marker on the first', async () => {
    const far = await peer();
    const clock = new FakeClock();
    const { stream, start } = await streamTo(far.port, clock);
    const pcm = ramp(160 * 4 + 40);
    const events: string[] = [];
    stream.enqueue({ pcm, onStart: () => events.push('start'), onFinish: () => events.push('finish') });
    start();
    for (let i = 0; i < 6; i++) {
      clock.t += 20;
      stream.sendFrame(clock.t, clock.t); // as the scheduler would on each tick
    }
    await far.waitFor(6);
    const p = far.packets.slice(0, 6);
    expect(p.map((x) => x.marker)).toEqual([true, false, false, false, false, false]);
    expect(p.map((x) => (x.sequence - p[0]!.sequence) & 0xffff)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(p.map((x) => (x.timestamp - p[0]!.timestamp) >>> 0)).toEqual([0, 160, 320, 480, 640, 800]);
    for (let f = 0; f < 5; f++) {
      const frame = new Int16Array(160);
      frame.set(pcm.subarray(f * 160, Math.min(pcm.length, f * 160 + 160)));
      expect(p[f]!.payload).toEqual(encodeG711('PCMU', frame));
    }
    expect(p[5]!.payload).toEqual(new Uint8Array(160).fill(0xff)); // silence after the prompt
    expect(events).toEqual(['start', 'finish']);
    expect(stream.playing).toBe(false);
  });

  it('after frames were skipped, keeps the RTP timestamp and the playback position on the clock; the sequence stays contiguous', async () => {
    const far = await peer();
    const clock = new FakeClock();
    const { scheduler, stream, start } = await streamTo(far.port, clock);
    const pcm = ramp(160 * 20);
    const ticks: Array<Int16Array | null> = [];
    stream.enqueue({ pcm });
    stream.onFrameSent((sent) => ticks.push(sent ? sent.slice() : null));
    start();
    const sentAtStart = stream.counters.sent;
    const due = (k: number) => 1000 + 20 * k;
    stream.sendFrame(due(1), due(1));
    stream.sendFrame(due(5), due(5)); // three frames (k = 2, 3, 4) skipped
    await far.waitFor(sentAtStart + 2);
    const [a, b] = far.packets.slice(-2);
    expect((b!.sequence - a!.sequence) & 0xffff).toBe(1);
    expect((b!.timestamp - a!.timestamp) >>> 0).toBe(4 * 160);
    const frameOf = (k: number) => encodeG711('PCMU', pcm.subarray(k * 160, k * 160 + 160));
    const played = sentAtStart; // frames of the prompt already played when the test took over
    expect(a!.payload).toEqual(frameOf(played));
    expect(b!.payload).toEqual(frameOf(played + 4));
    expect(scheduler.stats.skipped).toBe(3);
    expect(stream.counters.sent).toBe(sentAtStart + 2);
    // The recorder's clock still ticks once per 20 ms: silence for the skipped frames.
    expect(ticks.slice(-5).map((t) => (t ? 'audio' : 'skipped'))).toEqual(['audio', 'skipped', 'skipped', 'skipped', 'audio']);
  });

  it('sends a call’s first audio the moment it is queued, then carries on from its slot with contiguous numbering', async () => {
    const far = await peer();
    const clock = new FakeClock();
    const { scheduler, stream, start } = await streamTo(far.port, clock);
    clock.t = 1003; // past the stream's slot (0, the first of ten 2 ms slots): it would wait 17 ms for its turn
    start();
    expect(stream.counters.sent).toBe(0);
    const pcm = ramp(160 * 3);
    stream.enqueue({ pcm });
    expect(stream.counters.sent).toBe(1); // no tick ran: sent on enqueue
    expect(stream.counters.firstPacketAt).toBe(1003);
    stream.sendFrame(1020, 1020); // the leg's slot comes round 17 ms later: no frame counted as skipped
    stream.sendFrame(1040, 1040);
    await far.waitFor(3);
    expect(far.packets.map((p) => p.marker)).toEqual([true, false, false]);
    expect(far.packets.map((p) => (p.sequence - far.packets[0]!.sequence) & 0xffff)).toEqual([0, 1, 2]);
    expect(far.packets.map((p) => (p.timestamp - far.packets[0]!.timestamp) >>> 0)).toEqual([0, 160, 320]);
    for (let f = 0; f < 3; f++) expect(far.packets[f]!.payload).toEqual(encodeG711('PCMU', pcm.subarray(f * 160, f * 160 + 160)));
    expect(scheduler.stats.skipped).toBe(0);
  });

  it('later audio waits for the slot: only a call’s very first frame is sent early', async () => {
    const far = await peer();
    const clock = new FakeClock();
    const { stream, start } = await streamTo(far.port, clock);
    clock.t = 1003;
    start();
    stream.sendFrame(1020, 1020); // silence went out first (audio not ready at the answer)
    stream.enqueue({ pcm: ramp(160) });
    expect(stream.counters.sent).toBe(1);
    stream.sendFrame(1040, 1040);
    await far.waitFor(2);
    expect(far.packets[1]!.payload).toEqual(encodeG711('PCMU', ramp(160)));
  });

  it('sends each of several frames of one catch-up run intact, though dgram sends them only after the run', async () => {
    const far = await peer();
    const clock = new FakeClock();
    const { stream, start } = await streamTo(far.port, clock);
    const pcm = ramp(160 * 10);
    stream.enqueue({ pcm });
    start();
    const before = stream.counters.sent;
    for (let k = 1; k <= 5; k++) stream.sendFrame(1000 + 20 * k, 1000 + 20 * k); // one synchronous run
    await far.waitFor(before + 5);
    const run = far.packets.slice(-5);
    expect(new Set(run.map((p) => p.sequence)).size).toBe(5);
    for (let i = 0; i < 5; i++) expect(run[i]!.payload).toEqual(encodeG711('PCMU', pcm.subarray((before + i) * 160, (before + i) * 160 + 160)));
  });
});
