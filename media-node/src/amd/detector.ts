/**
 * Answering-machine detection on the callee's audio, 20 ms at a time, with no
 * I/O: the call engine feeds frames and acts on the outcomes. `AmdDetector`
 * picks the engine: the learned model (default) or the Asterisk-style rules,
 * by constructor argument or AMD_ENGINE=model|rules. Both say the same things
 * (outcome.ts): a decision once, and for a machine when playback may start.
 */
import { ModelAmdDetector } from './model-detector.ts';
import { defaultAmdModel, type AmdModelFile } from './model-file.ts';
import type { AmdEngineInstance, AmdOutcome, AnsweredBy } from './outcome.ts';
import type { AmdParameters } from './parameters.ts';
import { RulesAmdDetector } from './rules-detector.ts';
import type { KeywordSpotter } from './keyword-spotter.ts';
import { PocketsphinxSpotter, pocketsphinxInstalled } from './pocketsphinx-spotter.ts';
import { Logger } from '../log/logger.ts';

export type AmdEngine = 'model' | 'rules';

/** AMD_ENGINE from the environment; anything but "rules" is the model. */
export function amdEngineFromEnv(env: NodeJS.ProcessEnv = process.env): AmdEngine {
  const v = env.AMD_ENGINE?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'model') return 'model';
  if (v === 'rules') return 'rules';
  throw new Error(`AMD_ENGINE must be "model" or "rules", not "${env.AMD_ENGINE}"`);
}

/**
 * Read when the module loads, i.e. when the media node (or the CLI) starts: a
 * misspelt AMD_ENGINE stops the process at start-up rather than failing the
 * first call that asks for AMD.
 */
const ENGINE_FROM_ENV = amdEngineFromEnv();
// Likewise a model file that does not load or match the features.
if (ENGINE_FROM_ENV === 'model') defaultAmdModel();

/**
 * AMD_WORDS=on: the voicemail-word rule of round 5 with the committed model
 * (a reported phrase decides MACHINE at P(MACHINE) ≥ 0.5, the tuning split's
 * best setting). Off by default: on the tuning split it did not lower the
 * declared cost (docs/amd-evaluation.md, round 5). A model whose own policy
 * has the rule uses it without this.
 */
export function amdWordsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.AMD_WORDS?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'off') return false;
  if (v === 'on') return true;
  throw new Error(`AMD_WORDS must be "on" or "off", not "${env.AMD_WORDS}"`);
}

export const AMD_WORDS_MACHINE_ABOVE = 0.5;
const WORDS_FROM_ENV = amdWordsFromEnv();
const log = new Logger({ component: 'amd' });
let wordsSaid = false;

/** The model a call runs: the committed one, with the word rule when AMD_WORDS=on asks for it. */
function callModel(): AmdModelFile {
  const model = defaultAmdModel();
  if (!WORDS_FROM_ENV || model.policy.wordMachineAbove !== undefined) return model;
  return { ...model, policy: { ...model.policy, wordMachineAbove: AMD_WORDS_MACHINE_ABOVE } };
}

/**
 * Round 5: a keyword spotter for this call when the model's policy uses the
 * voicemail-word rule and pocketsphinx is installed. Without pocketsphinx
 * the same model runs with the rule off, and the log says so once per
 * process. The committed model has no such rule, so by default no spotter is
 * started.
 */
function spotterForCall(model: AmdModelFile): KeywordSpotter | null {
  const plan = wordsPlan(model, pocketsphinxInstalled);
  if (plan !== 'none' && !wordsSaid) {
    wordsSaid = true;
    if (plan === 'spotter') log.info('answering-machine detection listens for voicemail words (one pocketsphinx process per call until it decides)');
    else log.warn('pocketsphinx is not installed: answering-machine detection runs without the voicemail-word rule (apt-get install pocketsphinx pocketsphinx-en-us)');
  }
  return plan === 'spotter' ? new PocketsphinxSpotter() : null;
}

/**
 * Whether a call gets a spotter: only for a policy with the word rule, and only if the recognizer is there ('missing': the rule stays off).
 * `installed` is asked only when the rule is on, so the default model costs no disk look-up per call.
 */
export function wordsPlan(model: AmdModelFile, installed: () => boolean): 'none' | 'spotter' | 'missing' {
  if (model.policy.wordMachineAbove === undefined) return 'none';
  return installed() ? 'spotter' : 'missing';
}

export class AmdDetector implements AmdEngineInstance {
  readonly engine: AmdEngine;
  readonly #impl: AmdEngineInstance;
  #model: ModelAmdDetector | null = null;

  constructor(params: Partial<AmdParameters> = {}, engine: AmdEngine = ENGINE_FROM_ENV) {
    this.engine = engine;
    if (engine === 'rules') this.#impl = new RulesAmdDetector(params);
    else {
      const model = callModel();
      const detector = new ModelAmdDetector(params, model, spotterForCall(model));
      this.#impl = detector;
      this.#model = detector;
    }
  }

  get decided(): AnsweredBy | null {
    return this.#impl.decided;
  }

  get elapsedMs(): number {
    return this.#impl.elapsedMs;
  }

  /** Feed one 20 ms frame (160 samples of 8 kHz PCM; a lost frame is fed as silence). */
  pushFrame(pcm: Int16Array): AmdOutcome | null {
    const outcome = this.#impl.pushFrame(pcm);
    if (outcome?.kind === 'decision' && this.#model?.wordsClosed) {
      // A recognizer that failed is said, not taken for "no voicemail word" silently.
      void this.#model.wordsClosed.then((e) => e && log.warn('voicemail-word spotter failed', { error: e.message }));
      this.#model = null;
    }
    return outcome;
  }
}
