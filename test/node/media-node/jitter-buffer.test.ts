// The bridge's jitter buffer and the ringback source, tested directly: order
// by RTP timestamp, loss in its own slot, duplicates and late packets dropped,
// priming and re-priming, a backlog cut back, timestamp wrap and a new stream.
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../../media-node/src/rtp/jitter-buffer.ts';
import { ringbackSource } from '../../../media-node/src/call/ringback.ts';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';

/** A 20 ms frame whose every sample is `mark`, so a test can see which packet it came from. */
const frame = (mark: number, samples = 160) => new Int16Array(samples).fill(mark);
const marks = (jb: JitterBuffer, n: number) => Array.from({ length: n }, () => jb.pull()?.[0] ?? null);

describe('jitter buffer', () => {
  it('holds 40 ms before playout starts, then hands out one frame per pull, in order', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    jb.push(1000, frame(1));
    expect(jb.pull()).toBeNull(); // 20 ms buffered: not yet
    jb.push(1160, frame(2));
    jb.push(1320, frame(3));
    expect(marks(jb, 3)).toEqual([1, 2, 3]);
    expect(jb.stats).toMatchObject({ received: 3, played: 3, concealed: 0 });
  });

  it('puts reordered packets back in order and drops duplicates and late ones', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    jb.push(0, frame(1));
    jb.push(320, frame(3));
    jb.push(160, frame(2));
    jb.push(160, frame(9)); // duplicate
    expect(marks(jb, 2)).toEqual([1, 2]);
    jb.push(0, frame(8)); // already played: late
    expect(marks(jb, 1)).toEqual([3]);
    expect(jb.stats).toMatchObject({ duplicates: 1, late: 1, played: 3 });
  });

  it('plays silence in a lost packet’s slot, without shifting what follows', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    jb.push(0, frame(1));
    jb.push(320, frame(3)); // 160 lost
    jb.push(480, frame(4));
    expect(marks(jb, 4)).toEqual([1, null, 3, 4]);
    expect(jb.stats.concealed).toBe(1);
  });

  it('re-primes after running dry, and a talkspurt after a pause starts where its audio starts', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    jb.push(0, frame(1));
    jb.push(160, frame(2));
    expect(marks(jb, 3)).toEqual([1, 2, null]);
    expect(jb.stats.underruns).toBe(1);
    jb.push(8000, frame(5)); // one second later (silence suppression on the far end)
    expect(jb.pull()).toBeNull();
    jb.push(8160, frame(6));
    expect(marks(jb, 2)).toEqual([5, 6]);
  });

  it('cuts a backlog past maxMs back to the target, so delay cannot grow', () => {
    const jb = new JitterBuffer({ targetMs: 40, maxMs: 100 });
    for (let i = 0; i < 10; i++) jb.push(i * 160, frame(i));
    expect(jb.depthSamples).toBeLessThanOrEqual(800);
    expect(jb.stats.skippedSamples).toBeGreaterThan(0);
    const next = marks(jb, 2);
    expect(next).toEqual([8, 9]); // the newest 40 ms
  });

  it('follows RTP timestamps across the 2^32 wrap', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    const start = 2 ** 32 - 320;
    for (let i = 0; i < 5; i++) jb.push((start + i * 160) >>> 0, frame(i + 1));
    expect(marks(jb, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(jb.stats.late + jb.stats.resyncs).toBe(0);
  });

  it('starts over when the timestamps jump to another stream', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    jb.push(0, frame(1));
    jb.push(160, frame(2));
    expect(marks(jb, 1)).toEqual([1]);
    jb.push(900_000, frame(7));
    jb.push(900_160, frame(8));
    expect(jb.stats.resyncs).toBe(1);
    expect(marks(jb, 2)).toEqual([7, 8]);
  });

  it('assembles 10 ms packets into 20 ms frames', () => {
    const jb = new JitterBuffer({ targetMs: 40 });
    for (let i = 0; i < 6; i++) jb.push(i * 80, frame(i + 1, 80));
    const first = jb.pull()!;
    expect([first[0], first[79], first[80], first[159]]).toEqual([1, 1, 2, 2]);
    expect(jb.pull()![0]).toBe(3);
  });
});

describe('ringback', () => {
  it('is 425 Hz for 1 s, then 4 s of silence, repeating', () => {
    const next = ringbackSource();
    const frames = Array.from({ length: 500 }, () => next());
    const on = frames.map((f) => f !== null);
    expect(on.slice(0, 50).every(Boolean)).toBe(true);
    expect(on.slice(50, 250).some(Boolean)).toBe(false);
    expect(on.slice(250, 300).every(Boolean)).toBe(true);
    const f = frames[10]!;
    expect(goertzelPower(f, 425) / blockPower(f)).toBeGreaterThan(0.9);
  });
});
