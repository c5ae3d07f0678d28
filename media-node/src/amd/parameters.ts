/**
 * AMD tuning: every threshold the detector uses, with Asterisk amd.conf names
 * (camel-cased, milliseconds) where Asterisk has one. The defaults were tuned
 * on the generated fixture set (test/fixtures/amd); README.md beside this file
 * explains each and where it differs from Asterisk.
 */
export interface AmdParameters {
  /** Silence from answer longer than this, before any speech → MACHINE (people answer and speak). Asterisk initial_silence. */
  initialSilence: number;
  /** Speech (from the first word, pauses under afterGreetingSilence included) longer than this → MACHINE. Asterisk greeting. */
  greeting: number;
  /** Silence this long after a short utterance → HUMAN (a person said "hello?" and waits). Asterisk after_greeting_silence. */
  afterGreetingSilence: number;
  /** Speech spanning longer than this is a "long utterance" (not in Asterisk; see README). */
  shortUtterance: number;
  /** Silence needed after a long utterance before HUMAN: a sentence followed by a short pause is often a greeting that goes on. */
  afterLongUtteranceSilence: number;
  /** No rule fired by now → HUMAN (better the message reaches a person than dead air). Asterisk total_analysis_time. */
  totalAnalysisTime: number;
  /** A burst of voice shorter than this is not a word (a click, a breath). Asterisk min_word_length. */
  minWordLength: number;
  /** Silence at least this long separates two words. Asterisk between_words_silence. */
  betweenWordsSilence: number;
  /** More words than this → MACHINE. Asterisk maximum_number_of_words. */
  maximumNumberOfWords: number;
  /** One unbroken burst of voice longer than this → MACHINE (music, a tone-like greeting). Asterisk maximum_word_length. */
  maximumWordLength: number;
  /** Voice when frame RMS exceeds the adaptive noise floor × this ratio. Replaces Asterisk's fixed silence_threshold. */
  voiceToNoiseRatio: number;
  /** …and exceeds this absolute RMS (16-bit units), so near-digital silence is never voice. */
  minVoiceRms: number;
  /** The noise floor is the quietest frame of this trailing window. */
  noiseWindowMs: number;
  /** A beep is one tone held at least this long (any beep before the decision → MACHINE). */
  minBeepLength: number;
  /** Share of a frame's energy one Goertzel bin must hold for the frame to count as tonal. */
  beepPurity: number;
  /** Beep scan range (Hz). */
  beepMinFrequency: number;
  beepMaxFrequency: number;
  /** After MACHINE: silence this long means the greeting has ended and the message can start. */
  machineGreetingEndSilence: number;
  /** After MACHINE: ready_to_play (reason timeout) no later than this after answer, beep or not. */
  machineMaxWait: number;
}

export const DEFAULT_AMD_PARAMETERS: Readonly<AmdParameters> = Object.freeze({
  initialSilence: 2500,
  greeting: 2000,
  afterGreetingSilence: 700,
  shortUtterance: 1000,
  afterLongUtteranceSilence: 1100,
  totalAnalysisTime: 5000,
  minWordLength: 100,
  betweenWordsSilence: 50,
  maximumNumberOfWords: 4,
  maximumWordLength: 5000,
  voiceToNoiseRatio: 3,
  minVoiceRms: 200,
  noiseWindowMs: 2000,
  minBeepLength: 160,
  beepPurity: 0.8,
  beepMinFrequency: 350,
  beepMaxFrequency: 2100,
  machineGreetingEndSilence: 1500,
  machineMaxWait: 20_000,
});
