// Round 5's keyword spotting pieces: reading pocketsphinx's timed hits, the
// declared keyword list as pocketsphinx reads it, the 2× upsampler that meets
// the 16 kHz model, (when pocketsphinx is installed) the real process fed as
// a call would feed it, and the voicemail-word rule with a spotter double. The spotter is optional: without pocketsphinx the
// real-process test is skipped, as AMD would fall back to the model without words.
import { describe, expect, it } from 'vitest';
import { KwsOutputReader, type KeywordHit, type KeywordSpotter } from '../../../media-node/src/amd/keyword-spotter.ts';
import { SPOTTER_DELAY_MS, simulatedArrivalMs, wordHeard } from '../../../media-node/src/amd/voicemail-word.ts';
import { PocketsphinxSpotter, pocketsphinxInstalled } from '../../../media-node/src/amd/pocketsphinx-spotter.ts';
import { Upsampler2x } from '../../../media-node/src/amd/upsample-2x.ts';
import { keywordListText, VOICEMAIL_KEYWORDS } from '../../../media-node/src/amd/voicemail-keywords.ts';
import { concat, frames, silence, speech, tone } from './signals.ts';
import { amdWordsFromEnv, wordsPlan } from '../../../media-node/src/amd/detector.ts';
import { replay } from '../../../scripts/amd/policy-search.ts';
import { blockPower, decide, defaultAmdModel, frameRms, goertzelPower, ModelAmdDetector, type AmdOutcome, type DecisionPolicy } from '../../../media-node/src/amd/index.ts';

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

/** A spotter double: records what it was fed; hits are set by the test, as a recognizer would report them. */
class SpotterDouble implements KeywordSpotter {
  hits: KeywordHit[] = [];
  frames = 0;
  closed = false;
  push(): void {
    this.frames++;
  }
  close(): Promise<KeywordHit[]> {
    this.closed = true;
    return Promise.resolve(this.hits);
  }
}

describe('the voicemail-word rule', () => {
  const policy: DecisionPolicy = { evaluateEveryMs: 100, firstDecisionMs: 300, lastDecisionMs: 10000, machineAbove: 0.99, humanBelow: 0.2, humanSilenceMs: 800, finalMachineAbove: 0.6 };
  const input = { tMs: 2000, machineProbability: 0.3, heardVoice: true, silenceMs: 100 };

  it('decides MACHINE on a heard phrase only when the policy has the rule and the trees are not too sure of a person', () => {
    expect(decide(policy, { ...input, wordHeard: true })).toBeNull(); // a model chosen without the rule ignores words
    expect(decide({ ...policy, wordMachineAbove: 0 }, { ...input, wordHeard: true })).toMatchObject({ answeredBy: 'MACHINE', word: true });
    expect(decide({ ...policy, wordMachineAbove: 0.5 }, { ...input, wordHeard: true })).toBeNull();
    expect(decide({ ...policy, wordMachineAbove: 0 }, { ...input, wordHeard: false })).toBeNull();
  });

  it('simulates a hit reaching a live detector once the recognizer has heard its utterance end', () => {
    const hit = { phrase: 'leave a message', startMs: 1000, endMs: 1800 };
    // Speech goes on to 2600 ms, then silence: the utterance ends at 2600 + 500.
    const points = Array.from({ length: 40 }, (_, i) => {
      const tMs = 300 + i * 100;
      return { tMs, silenceMs: tMs <= 2600 ? 0 : tMs - 2600 };
    });
    expect(simulatedArrivalMs(hit, points)).toBe(3100 + SPOTTER_DELAY_MS);
    expect(simulatedArrivalMs(hit, points.slice(0, 25))).toBeNull(); // cut before the silence was long enough
    expect(wordHeard([hit], (h) => simulatedArrivalMs(h, points), 3000)).toBe(false);
    expect(wordHeard([hit], (h) => simulatedArrivalMs(h, points), 3300)).toBe(true);
  });

  it('ModelAmdDetector feeds the spotter until it decides, says voicemail_word on a reported phrase, and lets it go', async () => {
    const model = { ...defaultAmdModel(), policy: { ...defaultAmdModel().policy, wordMachineAbove: 0 } };
    const words = new SpotterDouble();
    const detector = new ModelAmdDetector({}, model, words);
    const pcm = concat(silence(300), speech(1500), silence(3000));
    let outcome: AmdOutcome | null = null;
    let n = 0;
    for (const f of frames(pcm)) {
      n++;
      if (n === 50) words.hits.push({ phrase: 'leave a message', startMs: 500, endMs: 900 }); // reported at 1 s
      outcome = detector.pushFrame(f) ?? outcome;
      if (outcome?.kind === 'decision') break;
    }
    expect(outcome).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE', reason: 'voicemail_word' });
    expect(words.closed).toBe(true);
    expect(words.frames).toBe(n);
    expect(await detector.wordsClosed).toBeNull();
  });
});

describe('AMD_WORDS', () => {
  it('is off unless "on", and a misspelling is refused', () => {
    expect(amdWordsFromEnv({})).toBe(false);
    expect(amdWordsFromEnv({ AMD_WORDS: 'off' })).toBe(false);
    expect(amdWordsFromEnv({ AMD_WORDS: ' On ' })).toBe(true);
    expect(() => amdWordsFromEnv({ AMD_WORDS: 'yes' })).toThrow(/AMD_WORDS/);
  });
});

describe('a call with or without a recognizer', () => {
  it('starts a spotter only for a policy with the word rule, and falls back to the rule off without pocketsphinx', () => {
    const plain = defaultAmdModel();
    const worded = { ...plain, policy: { ...plain.policy, wordMachineAbove: 0.5 } };
    expect(wordsPlan(plain, () => true)).toBe('none');
    expect(wordsPlan(worded, () => true)).toBe('spotter');
    expect(wordsPlan(worded, () => false)).toBe('missing');
    // Without a spotter the worded model decides as the plain one: the rule needs a reported phrase.
    const pcm = concat(silence(300), speech(2500), silence(6000));
    const run = (d: ModelAmdDetector) => {
      for (const f of frames(pcm)) {
        const o = d.pushFrame(f);
        if (o?.kind === 'decision') return o;
      }
      return null;
    };
    expect(run(new ModelAmdDetector({}, worded, null))).toEqual(run(new ModelAmdDetector({}, plain, null)));
  });

  it('replays the rule out of fold: MACHINE at the first decision point after the phrase arrives, only under a policy with the rule', () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ tMs: 300 + i * 100, x: new Float64Array(0), heardVoice: true, silenceMs: i > 20 ? (i - 20) * 100 : 0 }));
    const clip = { label: 'HUMAN' as const, trace: { beepAtMs: null, points }, probabilities: points.map(() => 0.3), wordAtMs: 1450 };
    const policy: DecisionPolicy = { evaluateEveryMs: 100, firstDecisionMs: 300, lastDecisionMs: 5000, machineAbove: 0.99, humanBelow: 0.2, humanSilenceMs: 800, finalMachineAbove: 0.6 };
    expect(replay({ ...policy, wordMachineAbove: 0 }, clip)).toEqual({ answeredBy: 'MACHINE', tMs: 1500 });
    expect(replay(policy, clip)).toEqual({ answeredBy: 'HUMAN', tMs: 5000 });
  });
});
