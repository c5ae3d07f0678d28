/**
 * The rules engine of answering-machine detection (AMD_ENGINE=rules, and the
 * baseline the bench prints): Asterisk app_amd's rules on an adaptive VAD,
 * 20 ms at a time, no I/O, and the "greeting is over" decision that gates
 * playback for machines.
 *
 *   1. decision (once): HUMAN or MACHINE, with the rule that fired.
 *   2. for MACHINE, ready_to_play (once): the beep ended, the greeting fell
 *      silent, or the bounded wait ran out — so a voicemail message is
 *      recorded from its first word.
 */
import { BeepDetector } from './beep.ts';
import { DEFAULT_AMD_PARAMETERS, type AmdParameters } from './parameters.ts';
import { AMD_FRAME_MS as FRAME_MS, type AmdDecisionReason, type AmdEngineInstance, type AmdOutcome, type AnsweredBy } from './outcome.ts';
import { EnergyVad } from './vad.ts';

export class RulesAmdDetector implements AmdEngineInstance {
  readonly #p: AmdParameters;
  readonly #vad: EnergyVad;
  readonly #beep: BeepDetector;
  #t = 0;
  #decided: AnsweredBy | null = null;
  #readySent = false;
  #heardVoice = false;
  #firstVoiceAt = -1;
  #lastVoiceAt = -1;
  #consecutiveVoiceMs = 0;
  #silenceMs = 0;
  #words = 0;
  #inWord = false;
  #beepRunning = false;
  #beepEnded = false;

  constructor(params: Partial<AmdParameters> = {}) {
    this.#p = { ...DEFAULT_AMD_PARAMETERS, ...params };
    this.#vad = new EnergyVad({ voiceToNoiseRatio: this.#p.voiceToNoiseRatio, minVoiceRms: this.#p.minVoiceRms, noiseWindowMs: this.#p.noiseWindowMs });
    this.#beep = new BeepDetector({
      minFrequencyHz: this.#p.beepMinFrequency,
      maxFrequencyHz: this.#p.beepMaxFrequency,
      minBeepMs: this.#p.minBeepLength,
      tonePurity: this.#p.beepPurity,
      minToneRms: this.#p.minVoiceRms,
    });
  }

  get decided(): AnsweredBy | null {
    return this.#decided;
  }

  /** Milliseconds of audio seen so far. */
  get elapsedMs(): number {
    return this.#t;
  }

  /** Feed one 20 ms frame (160 samples; other lengths are analysed but still count as 20 ms). */
  pushFrame(pcm: Int16Array): AmdOutcome | null {
    this.#t += FRAME_MS;
    const beep = this.#beep.push(pcm);
    const voice = this.#vad.classify(pcm);
    this.#beepRunning = beep.toneMs > 0 && beep.beepHeard;
    if (beep.beepEnded) this.#beepEnded = true;
    // Vowels often look tonal for a frame or two, so a tonal frame is still
    // speech; only once it has held as long as a beep does it stop being voice.
    this.#trackSpeech(voice.voiced && !this.#beepRunning);
    if (this.#decided === null) return this.#decide(beep.beepHeard);
    if (this.#decided === 'MACHINE' && !this.#readySent) return this.#readiness();
    return null;
  }

  #trackSpeech(voiced: boolean): void {
    if (!voiced) {
      this.#silenceMs += FRAME_MS;
      this.#consecutiveVoiceMs = 0;
      if (this.#silenceMs >= this.#p.betweenWordsSilence) this.#inWord = false;
      return;
    }
    if (!this.#heardVoice) this.#firstVoiceAt = this.#t - FRAME_MS;
    this.#heardVoice = true;
    this.#lastVoiceAt = this.#t;
    this.#silenceMs = 0;
    this.#consecutiveVoiceMs += FRAME_MS;
    if (!this.#inWord && this.#consecutiveVoiceMs >= this.#p.minWordLength) {
      this.#inWord = true;
      this.#words++;
    }
  }

  #decide(beepHeard: boolean): AmdOutcome | null {
    const p = this.#p;
    if (beepHeard) return this.#decision('MACHINE', 'beep');
    if (this.#consecutiveVoiceMs >= p.maximumWordLength) return this.#decision('MACHINE', 'long_word');
    if (this.#words > p.maximumNumberOfWords) return this.#decision('MACHINE', 'too_many_words');
    if (this.#heardVoice) {
      // Span from the first voice to the latest: pauses shorter than the after-greeting silence are part of the greeting.
      const span = this.#lastVoiceAt - this.#firstVoiceAt;
      if (span >= p.greeting) return this.#decision('MACHINE', 'long_greeting');
      const needed = span > p.shortUtterance ? p.afterLongUtteranceSilence : p.afterGreetingSilence;
      if (this.#silenceMs >= needed) return this.#decision('HUMAN', 'silence_after_greeting');
    }
    if (!this.#heardVoice && this.#t >= p.initialSilence) return this.#decision('MACHINE', 'initial_silence');
    if (this.#t >= p.totalAnalysisTime) return this.#decision('HUMAN', 'max_analysis_time');
    return null;
  }

  #decision(answeredBy: AnsweredBy, reason: AmdDecisionReason): AmdOutcome {
    this.#decided = answeredBy;
    return { kind: 'decision', answeredBy, decisionMs: this.#t, reason };
  }

  #readiness(): AmdOutcome | null {
    // The beep has ended (not merely started): a message begun now is recorded from its first word.
    if (this.#beepEnded) return this.#ready('beep');
    // A greeting that fell silent. Silence before any voice (initial_silence) does not count:
    // the greeting may not have started yet.
    if (this.#heardVoice && !this.#beepRunning && this.#silenceMs >= this.#p.machineGreetingEndSilence) return this.#ready('greeting_end');
    if (this.#t >= this.#p.machineMaxWait) return this.#ready('timeout');
    return null;
  }

  #ready(reason: 'beep' | 'greeting_end' | 'timeout'): AmdOutcome {
    this.#readySent = true;
    return { kind: 'ready_to_play', reason, atMs: this.#t };
  }
}
