/**
 * The far end's audio on its way to a stream server. Decoded PCM from the RTP
 * receive path goes in as μ-law (so a PCMA call streams μ-law too), and one
 * 160-byte (20 ms) frame comes out per tick of the node's send clock, topped
 * up with μ-law silence when less arrived. The server therefore gets exactly
 * 50 frames a second whose media time keeps step with the call, even when the
 * far end sends nothing. Holds at most one second: a far end running faster
 * than our clock loses its oldest audio rather than adding latency for ever.
 */
import { encodeG711 } from '../codec/g711.ts';

export const FRAME_BYTES = 160;
const MULAW_SILENCE = 0xff;

export class ReceiveFifo {
  readonly #ring: Uint8Array;
  readonly #scratch = new Uint8Array(FRAME_BYTES);
  #read = 0;
  #size = 0;
  /** Bytes dropped because the far end ran ahead of the send clock. */
  overrun = 0;

  constructor(capacityBytes = 8000) {
    this.#ring = new Uint8Array(capacityBytes);
  }

  get size(): number {
    return this.#size;
  }

  push(pcm: Int16Array): void {
    for (let i = 0; i < pcm.length; i += FRAME_BYTES) {
      const part = pcm.subarray(i, Math.min(pcm.length, i + FRAME_BYTES));
      this.#write(encodeG711('PCMU', part, this.#scratch.subarray(0, part.length)));
    }
  }

  /** Fills `out` (160 bytes) with the next frame; returns how many bytes were real audio. */
  takeFrame(out: Uint8Array): number {
    const n = Math.min(out.length, this.#size);
    const cap = this.#ring.length;
    const first = Math.min(n, cap - this.#read);
    out.set(this.#ring.subarray(this.#read, this.#read + first), 0);
    if (n > first) out.set(this.#ring.subarray(0, n - first), first);
    if (n < out.length) out.fill(MULAW_SILENCE, n);
    this.#read = (this.#read + n) % cap;
    this.#size -= n;
    return n;
  }

  #write(bytes: Uint8Array): void {
    const cap = this.#ring.length;
    const excess = this.#size + bytes.length - cap;
    if (excess > 0) {
      this.#read = (this.#read + excess) % cap;
      this.#size -= excess;
      this.overrun += excess;
    }
    const at = (this.#read + this.#size) % cap;
    const first = Math.min(bytes.length, cap - at);
    this.#ring.set(bytes.subarray(0, first), at);
    if (bytes.length > first) this.#ring.set(bytes.subarray(first), 0);
    this.#size += bytes.length;
  }
}
