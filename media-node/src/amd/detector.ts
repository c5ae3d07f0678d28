/**
 * Answering-machine detection on the callee's audio, 20 ms at a time, with no
 * I/O and no cloud service. An energy voice-activity detector with an adaptive
 * noise floor measures initial silence, word count, greeting length and the
 * silence after it (Asterisk's AMD rules); a Goertzel bank spots voicemail
 * beeps. After a MACHINE decision it keeps listening and says when the
 * greeting is over (beep, or long silence) so a message lands on the voicemail
 * whole.
 */
import { DEFAULT_AMD_PARAMETERS, type AmdParameters } from './parameters.ts';
import { blockPower, goertzelPower } from './goertzel.ts';

export type AmdOutcome =
  | { kind: 'decision'; answeredBy: 'HUMAN' | 'MACHINE'; decisionMs: number; reason: string }
  | { kind: 'ready_to_play'; reason: 'beep' | 'greeting_end' | 'timeout'; atMs: number };

const FRAME_MS = 20;
const BEEP_FREQUENCIES = [400, 440, 480, 500, 600, 700, 800, 850, 900, 950, 1000, 1100, 1200, 1400, 1600, 2000];
/** Share of a frame's power in one bin for the frame to count as a pure tone. */
const TONE_PURITY = 0.6;

export class AmdDetector {
  readonly #p: AmdParameters;
  #t = 0;
  #noiseFloor = 0;
  #decided: 'HUMAN' | 'MACHINE' | null = null;
  #readySent = false;
  // speech tracking
  #heardVoice = false;
  #voiceRun = 0;
  #silenceRun = 0;
  #words = 0;
  #inWord = false;
  #firstVoiceAt = -1;
  // beep tracking
  #toneFreq = -1;
  #toneRun = 0;
  #beepHeard = false;

  constructor(params: Partial<AmdParameters> = {}) {
    this.#p = { ...DEFAULT_AMD_PARAMETERS, ...params };
  }

  get decided(): 'HUMAN' | 'MACHINE' | null {
    return this.#decided;
  }

  pushFrame(pcm: Int16Array): AmdOutcome | null {
    this.#t += FRAME_MS;
    const rms = Math.sqrt(blockPower(pcm) / ((pcm.length * pcm.length) / 2) || 0);
    const voiced = this.#isVoice(rms);
    const tone = this.#toneOf(pcm, rms);
    this.#trackSpeech(voiced && tone === -1);
    this.#trackBeep(tone);
    if (this.#decided === null) return this.#decide();
    if (this.#decided === 'MACHINE' && !this.#readySent) return this.#readiness();
    return null;
  }

  #isVoice(rms: number): boolean {
    // The floor follows quiet frames quickly and loud ones slowly, so speech does not raise it.
    if (this.#noiseFloor === 0) this.#noiseFloor = Math.max(rms, 1);
    else if (rms < this.#noiseFloor) this.#noiseFloor = this.#noiseFloor * 0.7 + rms * 0.3;
    else this.#noiseFloor = this.#noiseFloor * 0.995 + rms * 0.005;
    return rms > this.#p.minVoiceRms && rms > this.#noiseFloor * this.#p.voiceToNoiseRatio;
  }

  #toneOf(pcm: Int16Array, rms: number): number {
    if (rms < this.#p.minVoiceRms) return -1;
    const total = blockPower(pcm);
    let best = -1;
    let bestPower = 0;
    for (const f of BEEP_FREQUENCIES) {
      const p = goertzelPower(pcm, f);
      if (p > bestPower) {
        bestPower = p;
        best = f;
      }
    }
    return bestPower / total > TONE_PURITY ? best : -1;
  }

  #trackSpeech(voiced: boolean): void {
    if (voiced) {
      if (!this.#heardVoice) this.#firstVoiceAt = this.#t - FRAME_MS;
      this.#heardVoice = true;
      this.#voiceRun += FRAME_MS;
      if (this.#silenceRun >= this.#p.betweenWordsSilence) this.#inWord = false;
      this.#silenceRun = 0;
      if (!this.#inWord && this.#voiceRun >= this.#p.minWordLength) {
        this.#inWord = true;
        this.#words++;
      }
    } else {
      this.#silenceRun += FRAME_MS;
      if (this.#silenceRun >= this.#p.betweenWordsSilence) this.#voiceRun = 0;
    }
  }

  #trackBeep(tone: number): void {
    if (tone !== -1 && (tone === this.#toneFreq || this.#toneRun === 0)) {
      this.#toneFreq = tone;
      this.#toneRun += FRAME_MS;
    } else {
      if (this.#toneRun >= this.#p.minBeepLength) this.#beepHeard = true;
      this.#toneFreq = tone;
      this.#toneRun = tone === -1 ? 0 : FRAME_MS;
    }
  }

  #decide(): AmdOutcome | null {
    const p = this.#p;
    const decision = (answeredBy: 'HUMAN' | 'MACHINE', reason: string): AmdOutcome => {
      this.#decided = answeredBy;
      return { kind: 'decision', answeredBy, decisionMs: this.#t, reason };
    };
    if (this.#toneRun >= p.minBeepLength || this.#beepHeard) return decision('MACHINE', 'beep');
    if (!this.#heardVoice) {
      if (this.#t >= p.initialSilence) return decision('MACHINE', 'initial_silence');
      return null;
    }
    if (this.#words > p.maximumNumberOfWords) return decision('MACHINE', 'too_many_words');
    const speaking = this.#t - this.#firstVoiceAt - this.#silenceRun;
    if (this.#silenceRun < p.afterGreetingSilence && speaking >= p.greeting) return decision('MACHINE', 'long_greeting');
    if (this.#silenceRun >= p.afterGreetingSilence) return decision('HUMAN', 'silence_after_greeting');
    if (this.#t >= p.totalAnalysisTime) return decision('HUMAN', 'max_analysis_time');
    return null;
  }

  #readiness(): AmdOutcome | null {
    const ready = (reason: 'beep' | 'greeting_end' | 'timeout'): AmdOutcome => {
      this.#readySent = true;
      return { kind: 'ready_to_play', reason, atMs: this.#t };
    };
    // Wait for the beep to finish, not start, so the message is recorded from its first word.
    if (this.#beepHeard && this.#toneRun === 0) return ready('beep');
    if (this.#silenceRun >= this.#p.machineGreetingEndSilence && this.#toneRun === 0) return ready('greeting_end');
    if (this.#t >= this.#p.machineMaxWait) return ready('timeout');
    return null;
  }
}
