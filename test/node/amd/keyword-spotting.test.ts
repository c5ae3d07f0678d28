// Round 5's keyword spotting pieces: reading pocketsphinx's timed hits, the
// declared keyword list as pocketsphinx reads it, the 2× upsampler that meets
// the 16 kHz model, and (when pocketsphinx is installed) the real process fed
// as a call would feed it. The spotter is optional: without pocketsphinx the
// last test is skipped, as AMD would fall back to the model without words.
import { describe, expect, it } from 'vitest';
import { KwsOutputReader } from '../../../media-node/src/amd/keyword-spotter.ts';
import { PocketsphinxSpotter, pocketsphinxInstalled } from '../../../media-node/src/amd/pocketsphinx-spotter.ts';
import { Upsampler2x } from '../../../media-node/src/amd/upsample-2x.ts';
import { keywordListText, VOICEMAIL_KEYWORDS } from '../../../media-node/src/amd/voicemail-keywords.ts';
import { frames, tone } from './signals.ts';
import { blockPower, frameRms, goertzelPower } from '../../../media-node/src/amd/index.ts';

describe('KwsOutputReader', () => {
  it('takes only the timed lines as hits, in ms, across chunk boundaries', () => {
    const r = new KwsOutputReader();
    const out = [
      ...r.push('leave your message  message  leave a message \nleave your message  1.570 2.320 0.851532\nmess'),
      ...r.push('age  1.980 2.320 0.881690\n'),
      ...r.push('leave a message  11.050 11.810 0.913830'),
      ...r.end(),
    ];
    expect(out).toEqual([
      { phrase: 'leave your message', startMs: 1570, endMs: 2320 },
      { phrase: 'message', startMs: 1980, endMs: 2320 },
      { phrase: 'leave a message', startMs: 11050, endMs: 11810 },
    ]);
  });
});

describe('voicemail keyword list', () => {
  it('writes one phrase a line with its threshold, scaled', () => {
    const text = keywordListText([{ phrase: 'leave a message', exponent: 30 }, { phrase: 'voicemail', exponent: 20 }], 1.5);
    expect(text).toBe('leave a message /1e-45/\nvoicemail /1e-30/\n');
    expect(keywordListText().split('\n').filter(Boolean)).toHaveLength(VOICEMAIL_KEYWORDS.length);
  });
});

describe('Upsampler2x', () => {
  it('keeps a telephone-band tone at its level and adds no image above 4 kHz', () => {
    const up = new Upsampler2x();
    const out = [...frames(tone(1000, 400, 8000))].map((f) => up.push(f));
    const pcm16 = new Int16Array(out.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of out) pcm16.set(f, (at += f.length) - f.length);
    const tail = pcm16.subarray(3200, 3200 + 640); // past the filter's start-up
    const share = (hz: number) => goertzelPower(tail, hz, 16000) / blockPower(tail);
    expect(share(1000)).toBeGreaterThan(0.9); // the tone
    expect(share(7000)).toBeLessThan(0.01); // zero-stuffing's image of it, 8000 − 1000 Hz
    const rms = frameRms(tail);
    expect(rms).toBeGreaterThan((8000 / Math.SQRT2) * 0.9);
    expect(rms).toBeLessThan((8000 / Math.SQRT2) * 1.1);
  });
});

describe.skipIf(!pocketsphinxInstalled())('PocketsphinxSpotter (the real process)', () => {
  it('hears nothing in a tone and exits cleanly when the call ends', async () => {
    const s = new PocketsphinxSpotter();
    for (const f of frames(tone(440, 2000, 3000))) s.push(f);
    expect(await s.close()).toEqual([]);
  });
});
