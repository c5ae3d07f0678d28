/**
 * One leg's RTP (RFC 3550): its own UDP port, symmetric RTP (we answer to
 * where the far end's packets really come from), outgoing 20 ms G.711 frames
 * driven by the shared FrameScheduler with a play queue (or a live source
 * such as a bridged leg, pulled one frame per tick), and the receive path
 * decoded to 8 kHz PCM for listeners (AMD, recording, streaming, bridging)
 * plus RFC 4733 digits.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { decodeG711, encodeG711, silenceByte, type G711Codec } from '../codec/g711.ts';
import { dtmfDigit, parseRtp, parseTelephoneEvent, RTP_HEADER_BYTES, writeRtpHeader } from './packet.ts';
import type { FrameScheduler, ScheduledStream } from './frame-scheduler.ts';

export const SAMPLES_PER_FRAME = 160;

export interface PlayItem {
  pcm: Int16Array;
  onStart?: () => void;
  onFinish?: () => void;
}

/** Audio added to what a leg sends (a stream server's replies): mixes one frame into `frame`, true if it added any. */
export interface FrameMixer {
  mixInto(frame: Int16Array): boolean;
}

export interface RtpCounters {
  sent: number;
  received: number;
  receivedBytes: number;
  lastSendIntervalMs: number | null;
  firstPacketAt: number | null;
}

/** Decoded audio of one received packet, with its RTP timestamp (for a jitter buffer). */
export type AudioListener = (pcm: Int16Array, rtpTimestamp: number) => void;
/** Audio produced on our send clock: the next 20 ms frame, or null for silence. */
export type LiveSource = () => Int16Array | null;

export class RtpStream implements ScheduledStream {
  readonly port: number;
  readonly counters: RtpCounters = { sent: 0, received: 0, receivedBytes: 0, lastSendIntervalMs: null, firstPacketAt: null };
  readonly #socket: Socket;
  readonly #scheduler: FrameScheduler;
  #remote: { host: string; port: number } | null = null;
  #latched = false;
  #codec: G711Codec = 'PCMU';
  #payloadType = 0;
  #telephoneEventPt: number | null = null;
  readonly #ssrc = randomInt(0, 2 ** 32);
  #seq = randomInt(0, 65536);
  #timestamp = randomInt(0, 2 ** 32);
  #first = true;
  #lastSentAt: number | null = null;
  readonly #queue: PlayItem[] = [];
  #offset = 0;
  #started = false;
  #paused = false;
  readonly #packet = new Uint8Array(RTP_HEADER_BYTES + SAMPLES_PER_FRAME);
  readonly #frame = new Int16Array(SAMPLES_PER_FRAME);
  readonly #audioListeners: Array<AudioListener> = [];
  #liveSource: LiveSource | null = null;
  readonly #digitListeners: Array<(digit: string, durationMs: number) => void> = [];
  #frameListener: ((sent: Int16Array | null) => void) | null = null;
  readonly #mixers = new Set<FrameMixer>();
  #lastEventTimestamp: number | null = null;

  private constructor(socket: Socket, port: number, scheduler: FrameScheduler) {
    this.#socket = socket;
    this.port = port;
    this.#scheduler = scheduler;
    socket.on('message', (buf, rinfo) => this.#receive(buf, rinfo.address, rinfo.port));
  }

  static async open(host: string, port: number, scheduler: FrameScheduler): Promise<RtpStream> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    return new RtpStream(socket, port, scheduler);
  }

  /** Negotiated media from the answer; frames start flowing on the next scheduler slot. */
  start(remote: { host: string; port: number }, codec: G711Codec, payloadType: number, telephoneEventPt: number | null): void {
    if (!this.#latched) this.#remote = remote;
    this.#codec = codec;
    this.#payloadType = payloadType;
    this.#telephoneEventPt = telephoneEventPt;
    this.#scheduler.add(this);
  }

  /** Appends audio; it plays after what is queued. */
  enqueue(item: PlayItem): void {
    this.#queue.push(item);
  }

  /** Drops everything queued or playing (a new play interrupts); no finish callbacks fire for them. */
  clearQueue(): void {
    this.#queue.length = 0;
    this.#offset = 0;
    this.#started = false;
  }

  get playing(): boolean {
    return this.#queue.length > 0;
  }

  /** Hold: send silence and keep the position, so playback resumes where it stopped. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
  }

  /** Adds a listener for received audio; the returned function removes it. */
  onAudio(listener: AudioListener): () => void {
    this.#audioListeners.push(listener);
    return () => {
      const i = this.#audioListeners.indexOf(listener);
      if (i >= 0) this.#audioListeners.splice(i, 1);
    };
  }

  /**
   * Sends what `source` produces instead of the play queue (which keeps its
   * place); null returns to the queue. The source is pulled on every tick, held
   * or not, so a held bridge does not build up delay; hold still sends silence.
   */
  setLiveSource(source: LiveSource | null): void {
    this.#liveSource = source;
  }

  onDigit(listener: (digit: string, durationMs: number) => void): void {
    this.#digitListeners.push(listener);
  }

  /** Called on every send tick with the PCM we sent (null for silence): the recorder's clock. */
  onFrameSent(listener: ((sent: Int16Array | null) => void) | null): void {
    this.#frameListener = listener;
  }

  /** Mixes another source into every frame we send, after the play queue; paused with it by hold. */
  addMixer(mixer: FrameMixer): void {
    this.#mixers.add(mixer);
  }

  removeMixer(mixer: FrameMixer): void {
    this.#mixers.delete(mixer);
  }

  close(): void {
    this.#liveSource = null;
    this.#scheduler.remove(this);
    this.#socket.close();
    this.#queue.length = 0;
  }

  sendFrame(scheduledAt: number, now: number): void {
    if (!this.#remote) return;
    // A bridge's live source is pulled even while held, so its jitter buffer keeps draining.
    const live = this.#liveSource ? this.#liveSource() : null;
    const item = this.#paused || this.#liveSource ? undefined : this.#queue[0];
    let audible = false;
    if (item) {
      if (!this.#started) {
        this.#started = true;
        item.onStart?.();
      }
      const end = Math.min(this.#offset + SAMPLES_PER_FRAME, item.pcm.length);
      this.#frame.fill(0);
      this.#frame.set(item.pcm.subarray(this.#offset, end));
      this.#offset = end;
      audible = true;
    } else if (live && !this.#paused) {
      this.#frame.set(live);
      audible = true;
    }
    if (!this.#paused && this.#mixers.size > 0) {
      if (!audible) this.#frame.fill(0);
      for (const mixer of this.#mixers) if (mixer.mixInto(this.#frame)) audible = true;
    }
    if (audible) encodeG711(this.#codec, this.#frame, this.#packet.subarray(RTP_HEADER_BYTES));
    else this.#packet.fill(silenceByte(this.#codec), RTP_HEADER_BYTES);
    this.#frameListener?.(audible ? this.#frame : null);
    writeRtpHeader(this.#packet, { payloadType: this.#payloadType, sequence: this.#seq, timestamp: this.#timestamp, ssrc: this.#ssrc, marker: this.#first });
    this.#socket.send(this.#packet, this.#remote.port, this.#remote.host);
    this.#first = false;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + SAMPLES_PER_FRAME) >>> 0;
    const interval = this.#lastSentAt === null ? null : now - this.#lastSentAt;
    this.#lastSentAt = now;
    this.counters.sent++;
    this.counters.lastSendIntervalMs = interval;
    if (this.counters.firstPacketAt === null) this.counters.firstPacketAt = now;
    this.#scheduler.stats.record(interval, now - scheduledAt);
    if (item && this.#offset >= item.pcm.length) {
      this.#queue.shift();
      this.#offset = 0;
      this.#started = false;
      item.onFinish?.();
    }
  }

  #receive(buf: Buffer, host: string, port: number): void {
    this.#scheduler.poll();
    const packet = parseRtp(buf);
    if (!packet) return;
    if (!this.#latched) {
      this.#latched = true;
      this.#remote = { host, port };
    }
    this.counters.received++;
    this.counters.receivedBytes += buf.length;
    if (packet.payloadType === this.#telephoneEventPt) {
      const ev = parseTelephoneEvent(packet.payload);
      // One report per event: RFC 4733 repeats packets with the same timestamp.
      if (ev && packet.timestamp !== this.#lastEventTimestamp) {
        this.#lastEventTimestamp = packet.timestamp;
        const digit = dtmfDigit(ev.event);
        if (digit) for (const l of this.#digitListeners) l(digit, ev.duration / 8);
      }
      return;
    }
    if (packet.payloadType !== 0 && packet.payloadType !== 8) return;
    if (this.#audioListeners.length === 0) return;
    const pcm = decodeG711(packet.payloadType === 0 ? 'PCMU' : 'PCMA', packet.payload);
    for (const l of this.#audioListeners) l(pcm, packet.timestamp);
  }
}
