// The e2e suite's own pure helpers, checked without a stack: the sliding-window
// count behind the CPS assertion, the WAV reader the recording check trusts,
// and the exact-shape matcher (that it really refuses an extra, missing or
// mistyped field).
import { describe, expect, it } from 'vitest';
import { expectedShape, type ShapeContext } from './event-shapes.ts';
import { mostInAnyWindow } from './sip-invites.ts';
import { readPcmWav, toneWav } from './wav-files.ts';

describe('mostInAnyWindow', () => {
  it('counts instants in half-open windows [t, t + 1000)', () => {
    expect(mostInAnyWindow([])).toBe(0);
    expect(mostInAnyWindow([0, 999, 1000])).toBe(2);
    expect(mostInAnyWindow([2000, 0, 1000])).toBe(1);
    expect(mostInAnyWindow(Array.from({ length: 30 }, (_, i) => i * 100))).toBe(10);
    expect(mostInAnyWindow([0, 0, 0, 1500, 1500])).toBe(3);
  });
});

describe('readPcmWav', () => {
  it('reads back a tone it wrote', () => {
    const wav = readPcmWav(toneWav(440, 0.5));
    expect(wav).toMatchObject({ format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, durationS: 0.5 });
    expect(Math.max(...wav.channel[0]!)).toBeGreaterThan(11_000);
  });

  it('walks chunks (a LIST before data) and splits interleaved stereo', () => {
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0);
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(1, 8);
    fmt.writeUInt16LE(2, 10);
    fmt.writeUInt32LE(8000, 12);
    fmt.writeUInt32LE(32000, 16);
    fmt.writeUInt16LE(4, 20);
    fmt.writeUInt16LE(16, 22);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]); // odd size, padded
    const data = Buffer.alloc(8 + 8);
    data.write('data', 0);
    data.writeUInt32LE(8, 4);
    [1, -1, 2, -2].forEach((v, i) => data.writeInt16LE(v, 8 + i * 2));
    const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, data]);
    const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.from(Uint32Array.of(body.length).buffer), body]);
    const wav = readPcmWav(riff);
    expect(wav.channels).toBe(2);
    expect([...wav.channel[0]!]).toEqual([1, 2]);
    expect([...wav.channel[1]!]).toEqual([-1, -2]);
  });

  it('refuses what is not a PCM WAV', () => {
    expect(() => readPcmWav(Buffer.from('not a wav file at all, really'))).toThrow(/RIFF/);
    const cut = toneWav(440, 0.1).subarray(0, 100);
    expect(() => readPcmWav(Buffer.from(cut))).toThrow(/data chunk/);
  });
});

describe('expectedShape', () => {
  const ctx: ShapeContext = { broadcastId: 'b', from: '12012774877', customData: { k: 1 }, amd: true, promptNames: { p1: 'welcome' } };
  const ringing = { broadcast_id: 'b', voice_id: 'bc273d94-cb59-4f66-8eba-e1f96a7e482e', from: '12012774877', to: '918088394833', state: 'ringing', channel_id: 'c', custom_data: { k: 1 }, timestamp: '2026-04-08T15:24:10.746Z' };
  const disconnected = { ...ringing, state: 'disconnected', call_duration: 12.089, disconnect_reason: 'Normal Clearing', disconnect_cause_code: 16, call_answered_by: 'HUMAN' };
  delete (disconnected as Record<string, unknown>).channel_id;
  const play = { broadcast_id: 'b', voice_id: ringing.voice_id, from: ringing.from, to: ringing.to, playstate: 'playfinished', prompt_ref: 'p1', prompt_name: 'welcome', custom_data: { k: 1 }, timestamp: ringing.timestamp };

  it('accepts the spec examples', () => {
    expect(ringing).toStrictEqual(expectedShape(ctx, ringing, false));
    expect(disconnected).toStrictEqual(expectedShape(ctx, disconnected, true));
    expect(play).toStrictEqual(expectedShape(ctx, play, true));
  });

  it('refuses an extra, a missing or a mistyped field', () => {
    expect({ ...ringing, extra: 1 }).not.toStrictEqual(expectedShape(ctx, ringing, false));
    const { custom_data: _dropped, ...bare } = ringing;
    expect(bare).not.toStrictEqual(expectedShape(ctx, bare, false));
    expect({ ...disconnected, disconnect_cause_code: '16' }).not.toStrictEqual(expectedShape(ctx, disconnected, true));
    expect({ ...disconnected, call_duration: 12.0891 }).not.toStrictEqual(expectedShape(ctx, disconnected, true));
    expect({ ...ringing, timestamp: '2026-04-08T15:24:10Z' }).not.toStrictEqual(expectedShape(ctx, ringing, false));
  });

  it('wants call_answered_by exactly when AMD is on and the leg was answered, and prompt_name only for an uploaded prompt', () => {
    expect(disconnected).not.toStrictEqual(expectedShape({ ...ctx, amd: false }, disconnected, true));
    expect(disconnected).not.toStrictEqual(expectedShape(ctx, disconnected, false));
    const ttsPlay = { ...play, prompt_ref: 'tts-ref' };
    expect(ttsPlay).not.toStrictEqual(expectedShape(ctx, ttsPlay, true));
    const { prompt_name: _name, ...unnamed } = play;
    expect(unnamed).not.toStrictEqual(expectedShape(ctx, unnamed, true));
  });
});
