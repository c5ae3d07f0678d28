/**
 * Records one leg as stereo 16-bit 8 kHz WAV: the recipient on the left
 * channel, what we sent (played or bridged) on the right. Both channels
 * advance together on the send clock, one 20 ms frame per tick, so the file's
 * length is the recorded time and the two sides stay aligned; received audio
 * waits in a small queue until its tick (silence if none arrived).
 */
import { allocPcm16Wav, WAV_HEADER_BYTES } from '../codec/wav.ts';

export class CallRecorder {
  readonly #left: Int16Array[] = [];
  readonly #right: Int16Array[] = [];
  #pending: Int16Array[] = [];
  #pendingSamples = 0;
  #active = true;

  constructor(readonly recordingId: string) {}

  get active(): boolean {
    return this.#active;
  }

  get durationMs(): number {
    return this.#left.length * 20;
  }

  received(pcm: Int16Array): void {
    if (!this.#active) return;
    this.#pending.push(pcm.slice());
    this.#pendingSamples += pcm.length;
    // A far end sending faster than our clock must not grow memory without bound.
    while (this.#pendingSamples > 8000) this.#pendingSamples -= this.#pending.shift()!.length;
  }

  /** One send tick: `sent` is the frame we sent, or null for silence. */
  tick(sent: Int16Array | null): void {
    if (!this.#active) return;
    this.#right.push(sent ? sent.slice() : new Int16Array(160));
    const left = new Int16Array(160);
    let filled = 0;
    while (filled < 160 && this.#pending.length > 0) {
      const head = this.#pending[0]!;
      const take = Math.min(160 - filled, head.length);
      left.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(take);
      this.#pendingSamples -= take;
    }
    this.#left.push(left);
  }

  /** Stops recording and returns the WAV file. */
  finish(): Buffer {
    this.#active = false;
    const frames = this.#left.length;
    const wav = allocPcm16Wav(2, 8000, frames * 160);
    let offset = WAV_HEADER_BYTES;
    for (let f = 0; f < frames; f++) {
      const l = this.#left[f]!;
      const r = this.#right[f]!;
      for (let i = 0; i < 160; i++) {
        wav.writeInt16LE(l[i]!, offset);
        wav.writeInt16LE(r[i]!, offset + 2);
        offset += 4;
      }
    }
    return wav;
  }
}
