/**
 * A small adaptive jitter buffer for relaying one leg's received audio into
 * another leg's send clock (the bridge). Packets are placed by RTP timestamp,
 * so reordered packets play in order, duplicates and late ones are dropped,
 * and a lost packet becomes silence in its own slot instead of shifting what
 * follows. Playout starts once `targetMs` is buffered; an underrun waits for
 * that much again; a backlog past `maxMs` (a far-end clock running fast, a
 * burst after a stall) is cut back to the target so delay cannot grow.
 *
 * Pure: no timers. The consumer pulls one 20 ms frame per send tick.
 */
import { SAMPLES_PER_FRAME } from './rtp-stream.ts';

const SAMPLE_RATE = 8000;
/** A timestamp this far from the playout point is a new stream (SSRC change, restart), not jitter. */
const RESYNC_SAMPLES = SAMPLE_RATE * 2;

export interface JitterBufferOptions {
  /** Audio buffered before playout starts (and after an underrun). */
  targetMs?: number;
  /** Backlog beyond which the oldest audio is skipped. */
  maxMs?: number;
}

export interface JitterStats {
  /** Packets accepted into the buffer. */
  received: number;
  /** Frames handed out with audio in them. */
  played: number;
  /** Frames handed out with part or all of them missing (lost or not yet arrived). */
  concealed: number;
  late: number;
  duplicates: number;
  underruns: number;
  /** Samples skipped to cut a backlog. */
  skippedSamples: number;
  resyncs: number;
}

interface Packet {
  /** Unwrapped RTP timestamp of the first sample. */
  ts: number;
  pcm: Int16Array;
}

export class JitterBuffer {
  readonly stats: JitterStats = { received: 0, played: 0, concealed: 0, late: 0, duplicates: 0, underruns: 0, skippedSamples: 0, resyncs: 0 };
  readonly #targetSamples: number;
  readonly #maxSamples: number;
  /** Sorted by ts; a handful of packets at most. */
  #packets: Packet[] = [];
  #playout: number | null = null;
  #primed = false;
  #lastTs: number | null = null;
  readonly #frame = new Int16Array(SAMPLES_PER_FRAME);

  constructor(options: JitterBufferOptions = {}) {
    this.#targetSamples = Math.round(((options.targetMs ?? 40) * SAMPLE_RATE) / 1000);
    this.#maxSamples = Math.max(this.#targetSamples + SAMPLES_PER_FRAME, Math.round(((options.maxMs ?? 200) * SAMPLE_RATE) / 1000));
  }

  /** Samples buffered ahead of the playout point. */
  get depthSamples(): number {
    if (this.#packets.length === 0 || this.#playout === null) return 0;
    const last = this.#packets[this.#packets.length - 1]!;
    return Math.max(0, last.ts + last.pcm.length - this.#playout);
  }

  /** One received packet: its 32-bit RTP timestamp and decoded PCM. */
  push(rtpTimestamp: number, pcm: Int16Array): void {
    if (pcm.length === 0) return;
    const ts = this.#unwrap(rtpTimestamp >>> 0);
    if (this.#playout !== null && Math.abs(ts - this.#playout) > RESYNC_SAMPLES) {
      this.#packets = [];
      this.#playout = null;
      this.#primed = false;
      this.stats.resyncs++;
    }
    if (this.#playout !== null && ts + pcm.length <= this.#playout) {
      this.stats.late++;
      return;
    }
    let i = this.#packets.length;
    while (i > 0 && this.#packets[i - 1]!.ts > ts) i--;
    if (i > 0 && this.#packets[i - 1]!.ts === ts) {
      this.stats.duplicates++;
      return;
    }
    this.#packets.splice(i, 0, { ts, pcm });
    this.stats.received++;
    if (!this.#primed) {
      // Until playout starts, it starts at the oldest audio we hold.
      this.#playout = this.#packets[0]!.ts;
      if (this.depthSamples >= this.#targetSamples) this.#primed = true;
    } else if (this.depthSamples > this.#maxSamples) {
      const last = this.#packets[this.#packets.length - 1]!;
      const newPlayout = last.ts + last.pcm.length - this.#targetSamples;
      this.stats.skippedSamples += newPlayout - this.#playout!;
      this.#playout = newPlayout;
      this.#dropBefore(newPlayout);
    }
  }

  /**
   * The next 20 ms frame, or null when there is nothing to play (not started,
   * or run dry). The returned array is reused by the next pull: copy it to keep it.
   */
  pull(): Int16Array | null {
    if (!this.#primed || this.#playout === null) return null;
    if (this.depthSamples === 0) {
      this.#primed = false;
      this.stats.underruns++;
      return null;
    }
    const start = this.#playout;
    const end = start + SAMPLES_PER_FRAME;
    this.#frame.fill(0);
    let filled = 0;
    for (const p of this.#packets) {
      if (p.ts >= end) break;
      const from = Math.max(start, p.ts);
      const to = Math.min(end, p.ts + p.pcm.length);
      if (to <= from) continue;
      this.#frame.set(p.pcm.subarray(from - p.ts, to - p.ts), from - start);
      filled += to - from;
    }
    this.#playout = end;
    this.#dropBefore(end);
    if (filled === 0) {
      this.stats.concealed++;
      return null;
    }
    if (filled < SAMPLES_PER_FRAME) this.stats.concealed++;
    this.stats.played++;
    return this.#frame;
  }

  /** Forgets everything buffered (the bridge is torn down or restarted). */
  reset(): void {
    this.#packets = [];
    this.#playout = null;
    this.#primed = false;
    this.#lastTs = null;
  }

  #dropBefore(ts: number): void {
    let n = 0;
    while (n < this.#packets.length && this.#packets[n]!.ts + this.#packets[n]!.pcm.length <= ts) n++;
    if (n > 0) this.#packets.splice(0, n);
  }

  /** RTP timestamps wrap at 2^32; keep a continuous number line relative to the last one seen. */
  #unwrap(ts: number): number {
    if (this.#lastTs === null) {
      this.#lastTs = ts;
      return ts;
    }
    const lastWrapped = this.#lastTs >>> 0;
    let delta = (ts - lastWrapped) >>> 0;
    if (delta >= 2 ** 31) delta -= 2 ** 32;
    const unwrapped = this.#lastTs + delta;
    if (delta > 0) this.#lastTs = unwrapped;
    return unwrapped;
  }
}
