/**
 * The learned engine of answering-machine detection (AMD_ENGINE=model, the
 * default): per 20 ms frame the shared front end updates the call features;
 * at each decision point the boosted trees give P(MACHINE) and the policy
 * commits when confident (a beep before that is MACHINE outright). After
 * MACHINE it waits for the greeting's end as MachineEnd says. Same outcomes
 * and per-frame API as the rules engine. Round 5: given a keyword spotter,
 * it feeds it the same frames until it has decided and lets a reported
 * voicemail phrase decide MACHINE (`voicemail_word`) when the model's policy
 * has that rule; the spotter's hits arrive on their own, the detector only
 * reads them at its decision points, so it stays synchronous.
 */
import { AmdFrontEnd } from './front-end.ts';
import { machineProbability } from './gbdt.ts';
import { MachineEnd } from './machine-end.ts';
import { defaultAmdModel, type AmdModelFile } from './model-file.ts';
import { decide, isDecisionPoint } from './model-policy.ts';
import { AMD_FRAME_MS, type AmdDecisionReason, type AmdEngineInstance, type AmdOutcome, type AnsweredBy } from './outcome.ts';
import { DEFAULT_AMD_PARAMETERS, type AmdParameters } from './parameters.ts';
import type { KeywordSpotter } from './keyword-spotter.ts';

export class ModelAmdDetector implements AmdEngineInstance {
  readonly #model: AmdModelFile;
  readonly #front: AmdFrontEnd;
  readonly #end: MachineEnd;
  readonly #x: Float64Array<ArrayBuffer>;
  #t = 0;
  #decided: AnsweredBy | null = null;
  #readySent = false;
  /** P(MACHINE) at the latest decision point (NaN before the first). */
  lastProbability = Number.NaN;

  #words: KeywordSpotter | null;

  constructor(params: Partial<AmdParameters> = {}, model: AmdModelFile = defaultAmdModel(), words: KeywordSpotter | null = null) {
    const p = { ...DEFAULT_AMD_PARAMETERS, ...params };
    this.#model = model;
    this.#words = words;
    this.#front = new AmdFrontEnd(p);
    this.#end = new MachineEnd({ greetingEndSilenceMs: p.machineGreetingEndSilence, maxWaitMs: p.machineMaxWait });
    this.#x = new Float64Array(model.features.length);
  }

  get decided(): AnsweredBy | null {
    return this.#decided;
  }

  get elapsedMs(): number {
    return this.#t;
  }

  pushFrame(pcm: Int16Array): AmdOutcome | null {
    this.#t += AMD_FRAME_MS;
    this.#words?.push(pcm);
    const frame = this.#front.push(pcm);
    const f = this.#front.features;
    const ready = this.#end.push({
      tMs: this.#t,
      voiced: frame.voiced,
      beepRunning: frame.beepRunning,
      beepEnded: frame.beepEnded,
      heardVoice: f.heardVoice,
      silenceMs: f.silenceMs,
    });
    if (this.#decided === null) {
      if (frame.beepHeard) return this.#decision('MACHINE', 'beep');
      const policy = this.#model.policy;
      if (!isDecisionPoint(policy, this.#t)) return null;
      this.lastProbability = machineProbability(this.#model.model, f.snapshot(this.#x));
      const wordHeard = this.#words !== null && this.#words.hits.length > 0;
      const d = decide(policy, { tMs: this.#t, machineProbability: this.lastProbability, heardVoice: f.heardVoice, silenceMs: f.silenceMs, wordHeard });
      return d ? this.#decision(d.answeredBy, d.word ? 'voicemail_word' : d.final ? 'classifier_timeout' : 'classifier') : null;
    }
    if (this.#decided === 'MACHINE' && !this.#readySent && ready) {
      this.#readySent = true;
      return { kind: 'ready_to_play', reason: ready, atMs: this.#t };
    }
    return null;
  }

  #decision(answeredBy: AnsweredBy, reason: AmdDecisionReason): AmdOutcome {
    this.#decided = answeredBy;
    this.#stopListening();
    return { kind: 'decision', answeredBy, decisionMs: this.#t, reason };
  }

  /** The spotter has done its part once the call is decided; a recognizer that failed is the owner's to report (`wordsClosed`). */
  #stopListening(): void {
    if (!this.#words) return;
    this.wordsClosed = this.#words.close().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    this.#words = null;
  }

  /** Once the detector has let its spotter go: null when the recognizer ended cleanly, else its error (never rejects). */
  wordsClosed: Promise<Error | null> | null = null;
}
