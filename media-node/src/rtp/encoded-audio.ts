/**
 * G.711 payloads of a rendered PCM buffer, encoded once and shared by every
 * leg playing it. The renderer hands the same read-only Int16Array to all
 * recipients of a message, so 1,000 legs playing one prompt encode it once
 * instead of 1,000 times, and the send path only copies 160 ready bytes.
 * Encoding is lazy, a second of audio at a time as playback reaches it, so a
 * long file never blocks the event loop on enqueue.
 */
import { encodeG711, silenceByte, type G711Codec } from '../codec/g711.ts';

export const SAMPLES_PER_FRAME = 160;
/** Frames encoded per step: one second, about 0.1 ms of work. */
const CHUNK_FRAMES = 50;

export class EncodedAudio {
  /** Number of 20 ms frames; the last is padded with silence. */
  readonly frames: number;
  readonly #pcm: Int16Array;
  readonly #codec: G711Codec;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  #encodedFrames = 0;

  private constructor(pcm: Int16Array, codec: G711Codec) {
    this.#pcm = pcm;
    this.#codec = codec;
    this.frames = Math.ceil(pcm.length / SAMPLES_PER_FRAME);
    // Padding past the last sample is encoded silence, the code a zero sample encodes to.
    this.#bytes = new Uint8Array(this.frames * SAMPLES_PER_FRAME).fill(silenceByte(codec));
  }

  static readonly #cache: Record<G711Codec, WeakMap<Int16Array, EncodedAudio>> = { PCMU: new WeakMap(), PCMA: new WeakMap() };

  /** The shared encoding of `pcm` (which must not change afterwards) in `codec`. */
  static of(pcm: Int16Array, codec: G711Codec): EncodedAudio {
    const cache = EncodedAudio.#cache[codec];
    let encoded = cache.get(pcm);
    if (!encoded) {
      encoded = new EncodedAudio(pcm, codec);
      cache.set(pcm, encoded);
    }
    return encoded;
  }

  /** Writes frame `index`'s 160 payload bytes into `out` at `at`. */
  copyFrame(index: number, out: Uint8Array, at: number): void {
    if (index >= this.#encodedFrames) this.#encodeThrough(index);
    const bytes = this.#bytes;
    const from = index * SAMPLES_PER_FRAME;
    for (let i = 0; i < SAMPLES_PER_FRAME; i++) out[at + i] = bytes[from + i]!;
  }

  #encodeThrough(index: number): void {
    const end = Math.min(this.frames, Math.max(index + 1, this.#encodedFrames + CHUNK_FRAMES));
    const from = this.#encodedFrames * SAMPLES_PER_FRAME;
    const to = Math.min(end * SAMPLES_PER_FRAME, this.#pcm.length);
    encodeG711(this.#codec, this.#pcm.subarray(from, to), this.#bytes.subarray(from, to));
    this.#encodedFrames = end;
  }
}
