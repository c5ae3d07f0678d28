/**
 * AMD tuning, modelled on Asterisk's amd.conf (same names, milliseconds).
 * Defaults were tuned on the generated fixture set (test/fixtures/amd).
 */
export interface AmdParameters {
  /** Silence before any speech longer than this → MACHINE (humans answer and speak). */
  initialSilence: number;
  /** Speech longer than this from the first word → MACHINE (a greeting, not "hello?"). */
  greeting: number;
  /** Silence after speech this long → HUMAN (a person said hello and waits). */
  afterGreetingSilence: number;
  /** Give up and call it HUMAN after this long (the message plays; better than dead air). */
  totalAnalysisTime: number;
  /** A burst of speech shorter than this is not a word (clicks, breath). */
  minWordLength: number;
  /** Silence shorter than this does not separate two words. */
  betweenWordsSilence: number;
  /** More words than this → MACHINE. */
  maximumNumberOfWords: number;
  /** Voice when frame energy exceeds noise floor × this ratio (and the absolute minimum). */
  voiceToNoiseRatio: number;
  /** Absolute minimum RMS (16-bit) for speech, whatever the noise floor. */
  minVoiceRms: number;
  /** A beep is a single tone holding this long. */
  minBeepLength: number;
  /** After MACHINE: silence this long means the greeting has ended and the message can start. */
  machineGreetingEndSilence: number;
  /** After MACHINE: never wait longer than this for the greeting end or beep. */
  machineMaxWait: number;
}

export const DEFAULT_AMD_PARAMETERS: AmdParameters = {
  initialSilence: 2500,
  greeting: 2200,
  afterGreetingSilence: 650,
  totalAnalysisTime: 5000,
  minWordLength: 100,
  betweenWordsSilence: 50,
  maximumNumberOfWords: 4,
  voiceToNoiseRatio: 3.0,
  minVoiceRms: 300,
  minBeepLength: 160,
  machineGreetingEndSilence: 1500,
  machineMaxWait: 20_000,
};
