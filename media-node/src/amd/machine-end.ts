/**
 * For a call decided MACHINE: when the message may start, so the voicemail
 * records it whole and it is not spoken over the greeting. The beep that
 * starts a recording follows the greeting, so a tone heard before any voice
 * (special information tones before a carrier announcement, a ring-back)
 * does not count; then the greeting falling silent; then a bounded wait.
 */
import type { ReadyReason } from './outcome.ts';

export interface MachineEndOptions {
  greetingEndSilenceMs: number;
  maxWaitMs: number;
}

export interface MachineEndFrame {
  tMs: number;
  voiced: boolean;
  beepRunning: boolean;
  beepEnded: boolean;
  heardVoice: boolean;
  silenceMs: number;
}

export class MachineEnd {
  readonly #o: MachineEndOptions;
  #voiceBeforeBeep = false;
  #beepAfterVoiceEnded = false;

  constructor(options: MachineEndOptions) {
    this.#o = options;
  }

  /** Feed every frame from the answer on (also before the decision); returns the reason once it is time. */
  push(f: MachineEndFrame): ReadyReason | null {
    if (f.voiced) this.#voiceBeforeBeep = true;
    if (f.beepEnded && this.#voiceBeforeBeep) this.#beepAfterVoiceEnded = true;
    if (this.#beepAfterVoiceEnded) return 'beep';
    if (f.heardVoice && !f.beepRunning && f.silenceMs >= this.#o.greetingEndSilenceMs) return 'greeting_end';
    if (f.tMs >= this.#o.maxWaitMs) return 'timeout';
    return null;
  }
}
