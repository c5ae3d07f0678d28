/**
 * The voicemail vocabulary a keyword spotter listens for (AMD round 5),
 * declared from domain knowledge before anything was measured
 * (docs/amd-evaluation.md, "Round 5"), and the pocketsphinx keyword-list
 * text built from it. Multi-word phrases rather than lone short words: a
 * spotter takes any one-syllable word ("tone", "beep", "leave") for many
 * others, and people say "leave" too. `exponent` is the phrase's detection
 * threshold as a power of ten (pocketsphinx's -kws list: longer phrases need
 * lower thresholds); `scale` multiplies every exponent, the one knob tuned.
 */

export interface VoicemailKeyword {
  phrase: string;
  /** Threshold 1e-<exponent> at scale 1. */
  exponent: number;
}

export const VOICEMAIL_KEYWORDS: readonly VoicemailKeyword[] = [
  { phrase: 'leave a message', exponent: 30 },
  { phrase: 'leave your message', exponent: 30 },
  { phrase: 'leave your name', exponent: 30 },
  { phrase: 'please leave', exponent: 20 },
  { phrase: 'after the tone', exponent: 30 },
  { phrase: 'after the beep', exponent: 30 },
  { phrase: 'after the signal', exponent: 30 },
  { phrase: 'voicemail', exponent: 20 },
  { phrase: 'mailbox', exponent: 15 },
  { phrase: 'message', exponent: 15 },
  { phrase: 'you have reached', exponent: 30 },
  { phrase: 'not available', exponent: 25 },
  { phrase: 'unavailable', exponent: 20 },
  { phrase: 'record your', exponent: 20 },
  { phrase: 'call you back', exponent: 30 },
  { phrase: 'get back to you', exponent: 30 },
  { phrase: 'take your call', exponent: 30 },
  { phrase: 'the number you have dialed', exponent: 40 },
  { phrase: 'not in service', exponent: 30 },
  { phrase: 'try again later', exponent: 30 },
];

/** pocketsphinx's -kws file: one "phrase /1e-N/" a line. */
export function keywordListText(keywords: readonly VoicemailKeyword[] = VOICEMAIL_KEYWORDS, scale = 1): string {
  return keywords.map((k) => `${k.phrase} /1e-${Math.round(k.exponent * scale)}/\n`).join('');
}
