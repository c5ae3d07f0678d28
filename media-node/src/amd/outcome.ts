/**
 * What an AMD engine says, whichever engine it is: the decision (once) and,
 * for a machine, when the message may start (once). The call engine and the
 * CLI depend on these types only.
 */
export type AnsweredBy = 'HUMAN' | 'MACHINE';

export type AmdDecisionReason =
  | 'beep'
  | 'initial_silence'
  | 'too_many_words'
  | 'long_greeting'
  | 'long_word'
  | 'silence_after_greeting'
  | 'max_analysis_time'
  /** The learned classifier was confident at one of its decision points. */
  | 'classifier'
  /** The classifier's last decision point: its more likely class, confident or not. */
  | 'classifier_timeout'
  /** Round 5: the keyword spotter reported a voicemail phrase (learned engine with a spotter). */
  | 'voicemail_word';

export type ReadyReason = 'beep' | 'greeting_end' | 'timeout';

export type AmdOutcome =
  | { kind: 'decision'; answeredBy: AnsweredBy; decisionMs: number; reason: AmdDecisionReason }
  | { kind: 'ready_to_play'; reason: ReadyReason; atMs: number };

/** The detector works on 20 ms of 8 kHz mono: what one G.711 RTP packet carries. */
export const AMD_FRAME_SAMPLES = 160;
export const AMD_FRAME_MS = 20;

/** What every engine offers the call engine: one 20 ms frame in, at most one outcome out. */
export interface AmdEngineInstance {
  readonly decided: AnsweredBy | null;
  readonly elapsedMs: number;
  pushFrame(pcm: Int16Array): AmdOutcome | null;
}
