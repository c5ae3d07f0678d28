/**
 * Records one leg as stereo 16-bit 8 kHz WAV: the recipient on the left
 * channel, what we sent (played or bridged) on the right. Both channels
 * advance together on the send clock, one 20 ms frame per tick, so the file's
 * length is the recorded time and the two sides stay aligned; received audio
 * waits in a small queue until its tick (silence if none arrived).
 */
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
    const samples = frames * 160;
    const wav = Buffer.alloc(44 + samples * 4);
    wav.write('RIFF', 0);
    wav.writeUInt32LE(36 + samples * 4, 4);
    wav.write('WAVE', 8);
    wav.write('fmt ', 12);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20); // PCM
    wav.writeUInt16LE(2, 22); // stereo
    wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(8000 * 4, 28);
    wav.writeUInt16LE(4, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36);
    wav.writeUInt32LE(samples * 4, 40);
    let offset = 44;
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
