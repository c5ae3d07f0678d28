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
import { EnergyVad } from './vad.ts';

export interface FrontEndFrame {
  voiced: boolean;
  beep: BeepFrame;
  /** A beep is sounding now (it has held long enough to be one). */
  beepRunning: boolean;
}

export class AmdFrontEnd {
  readonly features = new CallFeatures();
  readonly #vad: EnergyVad;
  readonly #beep: BeepDetector;

  constructor(p: AmdParameters) {
    this.#vad = new EnergyVad({ voiceToNoiseRatio: p.voiceToNoiseRatio, minVoiceRms: p.minVoiceRms, noiseWindowMs: p.noiseWindowMs });
    this.#beep = new BeepDetector({
      minFrequencyHz: p.beepMinFrequency,
      maxFrequencyHz: p.beepMaxFrequency,
      minBeepMs: p.minBeepLength,
      tonePurity: p.beepPurity,
      minToneRms: p.minVoiceRms,
    });
  }

  push(pcm: Int16Array): FrontEndFrame {
    const beep = this.#beep.push(pcm);
    const v = this.#vad.classify(pcm);
    const beepRunning = beep.toneMs > 0 && beep.beepHeard;
    const voiced = v.voiced && !beepRunning;
    const shape = frameShape(pcm);
    this.features.push({ voiced, rms: v.rms, noiseFloor: v.noiseFloor, zcr: shape.zcr, tilt: shape.tilt, tonal: beep.toneHz !== null });
    return { voiced, beep, beepRunning };
  }
}
