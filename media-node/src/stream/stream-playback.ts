/**
 * Audio a stream's server sends back, waiting to be played into the call:
 * μ-law chunks and the marks between them, in arrival order. The leg's send
 * path pulls one 20 ms frame per tick (mixInto), so hold pauses it, prompts
 * mix with it and the recorder hears it. A mark is echoed once every sample
 * queued before it has been sent; `clear` drops the queued audio and echoes the
 * marks still waiting. Bounded: audio beyond `maxSamples` queued is refused and
 * counted, so a server sending faster than real time cannot grow memory.
 */
import { decodeG711 } from '../codec/g711.ts';
import type { FrameMixer } from '../rtp/rtp-stream.ts';

type Entry = { kind: 'audio'; bytes: Uint8Array; offset: number } | { kind: 'mark'; name: string };

export class StreamPlayback implements FrameMixer {
  readonly #entries: Entry[] = [];
  readonly #scratch = new Int16Array(160);
  #queuedSamples = 0;
  /** Samples refused because the queue was full. */
  droppedSamples = 0;

  constructor(
    private readonly maxSamples: number,
    /** Called when a mark has been reached (or cleared); must not throw. */
    private readonly onMark: (name: string) => void,
  ) {}

  get queuedSamples(): number {
    return this.#queuedSamples;
  }

  /** Queues μ-law audio; false (and counted) if the queue is full. */
  pushAudio(bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    if (this.#queuedSamples + bytes.length > this.maxSamples) {
      this.droppedSamples += bytes.length;
      return false;
    }
    this.#entries.push({ kind: 'audio', bytes, offset: 0 });
    this.#queuedSamples += bytes.length;
    return true;
  }

  /** A mark with nothing queued before it is reached at once. */
  mark(name: string): void {
    if (this.#entries.length === 0) this.onMark(name);
    else this.#entries.push({ kind: 'mark', name });
  }

  /** Drops the queued audio; marks still waiting are echoed, in order. */
  clear(): void {
    const marks = this.#entries.filter((e): e is Extract<Entry, { kind: 'mark' }> => e.kind === 'mark');
    this.#entries.length = 0;
    this.#queuedSamples = 0;
    for (const m of marks) this.onMark(m.name);
  }

  /** Adds up to one frame of queued audio into `frame` (saturating); true if any was added. */
  mixInto(frame: Int16Array): boolean {
    let filled = 0;
    const reached: string[] = [];
    while (this.#entries.length > 0) {
      const head = this.#entries[0]!;
      if (head.kind === 'mark') {
        reached.push(head.name);
        this.#entries.shift();
        continue;
      }
      if (filled === frame.length) break;
      const take = Math.min(frame.length - filled, head.bytes.length - head.offset);
      const pcm = decodeG711('PCMU', head.bytes.subarray(head.offset, head.offset + take), this.#scratch);
      for (let i = 0; i < take; i++) {
        const v = frame[filled + i]! + pcm[i]!;
        frame[filled + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      filled += take;
      head.offset += take;
      this.#queuedSamples -= take;
      if (head.offset === head.bytes.length) this.#entries.shift();
    }
    for (const name of reached) this.onMark(name);
    return filled > 0;
  }
}
