/**
 * The learned engine's per-frame analysis, shared by the detector and the
 * training script so both see exactly the same numbers: the adaptive VAD, the
 * beep detector (a tone held long enough is a beep, not voice, as in the
 * rules), the frame's spectral shape, and the call features built from them.
 */
import { BeepDetector, type BeepFrame } from './beep.ts';
import { CallFeatures } from './call-features.ts';
import { frameShape } from './frame-features.ts';
import type { AmdParameters } from './parameters.ts';
import { FeatureVad } from './feature-vad.ts';
import { HighPassEnergy } from './high-pass.ts';
import { PitchTracker } from './pitch.ts';
import { ToneBank } from './tone-bank.ts';
import { ToneRunDetector } from './tone-run.ts';

export interface FrontEndFrame {
  voiced: boolean;
  /** The single-tone detector's view (the rules engine's). */
  beep: BeepFrame;
  /** A beep of either kind (single tone, or a dual / two-tone run) is sounding now. */
  beepRunning: boolean;
  /** A beep of either kind has been heard. */
  beepHeard: boolean;
  /** A beep of either kind ended on this frame. */
  beepEnded: boolean;
}

/** Dual / two-tone beeps: two bins hold this share of the energy for this long (see tone-run.ts). */
const TONE_RUN_PURITY = 0.85;
const TONE_RUN_MS = 200;

function peakOf(pcm: Int16Array): number {
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
  return peak;
}

export class AmdFrontEnd {
  readonly features = new CallFeatures();
  /** One scan per frame for both tone detectors. */
  readonly #tones: ToneBank;
  readonly #beep: BeepDetector;
  readonly #toneRun: ToneRunDetector;
  /**
   * The features' voice detector (feature-vad.ts) is more sensitive than the
   * rules' and bridges dips inside words: the rules' detector drops about two
   * thirds of the frames of quiet or noisy speech, which splits one sentence
   * into many "utterances" and hides how long a greeting goes on.
   */
  readonly #featureVad = new FeatureVad();
  readonly #energy = new HighPassEnergy();
  readonly #pitch = new PitchTracker();

  constructor(p: AmdParameters) {
    this.#tones = new ToneBank({ minFrequencyHz: p.beepMinFrequency, maxFrequencyHz: p.beepMaxFrequency, minToneRms: p.minVoiceRms });
    this.#beep = new BeepDetector({
      minFrequencyHz: p.beepMinFrequency,
      maxFrequencyHz: p.beepMaxFrequency,
      minBeepMs: p.minBeepLength,
      tonePurity: p.beepPurity,
      minToneRms: p.minVoiceRms,
      purityOverNoise: true,
    });
    this.#toneRun = new ToneRunDetector({ minFrequencyHz: p.beepMinFrequency, maxFrequencyHz: p.beepMaxFrequency, minRunMs: TONE_RUN_MS, purity: TONE_RUN_PURITY, minToneRms: p.minVoiceRms, purityOverNoise: true });
  }

  push(pcm: Int16Array): FrontEndFrame {
    const scan = this.#tones.analyse(pcm);
    const beep = this.#beep.pushScan(scan);
    const run = this.#toneRun.pushScan(scan);
    const beepRunning = (beep.toneMs > 0 && beep.beepHeard) || run.running;
    const shape = frameShape(pcm);
    const rms = this.#energy.rms(pcm);
    const { loud, voiced } = this.#featureVad.push(rms, beepRunning, peakOf(pcm));
    const pitchHz = this.#pitch.push(pcm, loud && voiced);
    this.features.push({ voiced, loud, rms, noiseFloor: this.#featureVad.noiseFloor, zcr: shape.zcr, tilt: shape.tilt, tonal: beep.toneHz !== null, pitchHz, toneShare: scan.twoToneShare, toneHz: scan.strongestHz });
    return { voiced, beep, beepRunning, beepHeard: beep.beepHeard || run.heard, beepEnded: beep.beepEnded || run.ended };
  }
}
