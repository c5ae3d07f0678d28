/**
 * One leg's RTP (RFC 3550): its own UDP port, symmetric RTP (we answer to
 * where the far end's packets really come from), outgoing 20 ms G.711 frames
 * driven by the shared FrameScheduler with a play queue (or a live source
 * such as a bridged leg, pulled one frame per tick) and mixers (a wss
 * stream's audio), and the receive path decoded to 8 kHz PCM for listeners
 * (AMD, recording, streaming, bridging) plus RFC 4733 digits.
 * The per-packet work is kept small because it runs 50 times a second per
 * leg: payloads come ready-encoded from EncodedAudio (shared by every leg
 * playing the same audio) unless something is mixed in, incoming packets are
 * vetted without allocating, and audio nobody listens to is not decoded.
 */
import { lookup as dnsLookup } from 'node:dns';
import { randomInt } from 'node:crypto';
import { decodeG711, encodeG711, silenceByte, type G711Codec } from '../codec/g711.ts';
import { dtmfDigit, parseTelephoneEvent, rtpPayloadEnd, rtpPayloadOffset, rtpPayloadType, rtpTimestamp, RTP_HEADER_BYTES, writeRtpHeaderFields } from './packet.ts';
import { FRAME_MS, MAX_LAG_MS, type FrameScheduler, type ScheduledStream } from './frame-scheduler.ts';
import { EncodedAudio, SAMPLES_PER_FRAME } from './encoded-audio.ts';
import { openRtpSocket, type RtpSocket } from './udp/rtp-socket.ts';
import { ipv4ToNumber } from './udp/ipv4.ts';

export { SAMPLES_PER_FRAME };

/**
 * Packets in flight per leg. The dgram fallback may hold on to a buffer after
 * send() returns (a send queued behind a full socket buffer), and catch-up can
 * send up to MAX_LAG_MS / FRAME_MS + 1 frames of one leg in one synchronous
 * run: each gets its own buffer.
 */
const PACKET_RING = 2 ** Math.ceil(Math.log2(MAX_LAG_MS / FRAME_MS + 2));

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
  /** Frames of queued audio (prompts) played on the media clock: sent, or skipped after a stall. A play's length in frames. */
  playedFrames: number;
}

/** Decoded audio of one received packet, with its RTP timestamp (for a jitter buffer). */
export type AudioListener = (pcm: Int16Array, rtpTimestamp: number) => void;
/** Audio produced on our send clock: the next 20 ms frame, or null for silence. */
export type LiveSource = () => Int16Array | null;

export class RtpStream implements ScheduledStream {
  readonly counters: RtpCounters = { sent: 0, received: 0, receivedBytes: 0, lastSendIntervalMs: null, firstPacketAt: null, playedFrames: 0 };
  #socket!: RtpSocket;
  readonly #scheduler: FrameScheduler;
  #remote: { ip: number; port: number } | null = null;
  #latched = false;
  #codec: G711Codec = 'PCMU';
  #payloadType = 0;
  #telephoneEventPt: number | null = null;
  readonly #ssrc = randomInt(0, 2 ** 32);
  #seq = randomInt(0, 65536);
  #timestamp = randomInt(0, 2 ** 32);
  #first = true;
  #lastSentAt: number | null = null;
  #lastScheduledAt: number | null = null;
  readonly #queue: PlayItem[] = [];
  #offset = 0;
  #started = false;
  #paused = false;
  /** The head item's shared encoding (null until it plays). */
  #encoded: EncodedAudio | null = null;
  #encodedFor: PlayItem | null = null;
  readonly #packets = Array.from({ length: PACKET_RING }, () => new Uint8Array(RTP_HEADER_BYTES + SAMPLES_PER_FRAME));
  #nextPacket = 0;
  readonly #frame = new Int16Array(SAMPLES_PER_FRAME);
  readonly #audioListeners: Array<AudioListener> = [];
  #liveSource: LiveSource | null = null;
  readonly #digitListeners: Array<(digit: string, durationMs: number) => void> = [];
  #frameListener: ((sent: Int16Array | null) => void) | null = null;
  readonly #mixers = new Set<FrameMixer>();
  #lastEventTimestamp: number | null = null;
  #closed = false;

  private constructor(scheduler: FrameScheduler) {
    this.#scheduler = scheduler;
  }

  static async open(host: string, port: number, scheduler: FrameScheduler): Promise<RtpStream> {
    const stream = new RtpStream(scheduler);
    stream.#socket = await openRtpSocket(host, port, (packet, fromIp, fromPort) => stream.#receive(packet, fromIp, fromPort));
    return stream;
  }

  /** The SSRC this stream sends with (a mediasoup PlainTransport producer must declare it). */
  get ssrc(): number {
    return this.#ssrc;
  }

  get port(): number {
    return this.#socket.port;
  }

  /** Negotiated media from the answer; frames start flowing on the next scheduler slot. */
  start(remote: { host: string; port: number }, codec: G711Codec, payloadType: number, telephoneEventPt: number | null): void {
    const ip = ipv4ToNumber(remote.host);
    if (ip !== null) {
      if (!this.#latched) this.#remote = { ip, port: remote.port };
    } else {
      // An SDP address given as a name (rare): resolve it once. Frames wait for it; if it does not resolve they
      // wait for the far end's first packet to latch onto, as for any far end behind NAT.
      dnsLookup(remote.host, { family: 4 }, (err, address) => {
        const resolved = err ? null : ipv4ToNumber(address);
        if (resolved !== null && !this.#latched && !this.#closed) this.#remote = { ip: resolved, port: remote.port };
      });
    }
    this.#codec = codec;
    this.#payloadType = payloadType;
    this.#telephoneEventPt = telephoneEventPt;
    this.#scheduler.add(this);
  }

  /**
   * Appends audio; it plays after what is queued. A call's first audio goes out
   * at once instead of waiting 0–20 ms for the leg's scheduler slot (the
   * answer-to-audio budget); its next frame then comes on the slot, 0–20 ms
   * later, which the far end's jitter buffer absorbs as an early packet. The
   * slot itself is not moved: every other stream keeps its place in the period.
   */
  enqueue(item: PlayItem): void {
    this.#queue.push(item);
    if (this.counters.sent === 0 && this.#remote && !this.#paused && !this.#liveSource && this.#scheduler.has(this)) {
      const now = this.#scheduler.now();
      this.sendFrame(now, now);
    }
  }

  /** Drops everything queued or playing (a new play interrupts); no finish callbacks fire for them. */
  clearQueue(): void {
    this.#queue.length = 0;
    this.#offset = 0;
    this.#started = false;
    this.#encodedFor = null;
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
    if (this.#closed) return;
    this.#closed = true;
    this.#liveSource = null;
    this.#scheduler.remove(this);
    this.#socket.close();
    this.#queue.length = 0;
  }

  sendFrame(scheduledAt: number, now: number): void {
    if (!this.#remote) return;
    // Frames the scheduler skipped after a long stall: keep the RTP timestamp and
    // the playback position on the wall clock, as if they had been lost on the way.
    const missed = this.#lastScheduledAt === null ? 0 : Math.round((scheduledAt - this.#lastScheduledAt) / FRAME_MS) - 1;
    this.#lastScheduledAt = scheduledAt;
    if (missed > 0) {
      for (let i = 0; i < missed; i++) this.#skipFrame();
      this.#scheduler.stats.recordSkipped(missed);
    }
    const packet = this.#packets[this.#nextPacket]!;
    this.#nextPacket = (this.#nextPacket + 1) & (PACKET_RING - 1);
    // A bridge's live source is pulled even while held, so its jitter buffer keeps draining.
    const live = this.#liveSource ? this.#liveSource() : null;
    const item = this.#paused || this.#liveSource ? undefined : this.#queue[0];
    // Mixing needs the frame as PCM, so the shared pre-encoded payload is not used then.
    const mixing = !this.#paused && this.#mixers.size > 0;
    let audible = false;
    if (item) {
      if (!this.#started) {
        this.#started = true;
        item.onStart?.();
      }
      if (this.#encodedFor !== item) {
        this.#encoded = EncodedAudio.of(item.pcm, this.#codec);
        this.#encodedFor = item;
      }
      this.#encoded!.copyFrame(this.#offset / SAMPLES_PER_FRAME, packet, RTP_HEADER_BYTES);
      const end = Math.min(this.#offset + SAMPLES_PER_FRAME, item.pcm.length);
      if (mixing || this.#frameListener) {
        this.#frame.fill(0);
        this.#frame.set(item.pcm.subarray(this.#offset, end));
      }
      this.#offset = end;
      this.counters.playedFrames++;
      audible = true;
    } else if (live && !this.#paused) {
      this.#frame.set(live);
      audible = true;
    }
    if (mixing) {
      if (!audible) this.#frame.fill(0);
      for (const mixer of this.#mixers) if (mixer.mixInto(this.#frame)) audible = true;
    }
    if (audible && (mixing || !item)) encodeG711(this.#codec, this.#frame, packet.subarray(RTP_HEADER_BYTES));
    else if (!audible) packet.fill(silenceByte(this.#codec), RTP_HEADER_BYTES);
    this.#frameListener?.(audible ? this.#frame : null);
    writeRtpHeaderFields(packet, this.#payloadType, this.#seq, this.#timestamp, this.#ssrc, this.#first);
    if (!this.#socket.send(packet, this.#remote.ip, this.#remote.port)) this.#scheduler.stats.recordSendFailure();
    this.#first = false;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + SAMPLES_PER_FRAME) >>> 0;
    const interval = this.#lastSentAt === null ? null : now - this.#lastSentAt;
    this.#lastSentAt = now;
    this.counters.sent++;
    this.counters.lastSendIntervalMs = interval;
    if (this.counters.firstPacketAt === null) this.counters.firstPacketAt = now;
    this.#scheduler.stats.record(interval, now - scheduledAt);
    if (item && this.#offset >= item.pcm.length) this.#finishItem(item);
  }

  /** One frame's time passes unsent: playback, timestamp and the recorder's clock move on. */
  #skipFrame(): void {
    this.#liveSource?.();
    const item = this.#paused || this.#liveSource ? undefined : this.#queue[0];
    if (item) {
      if (!this.#started) {
        this.#started = true;
        item.onStart?.();
      }
      this.#offset = Math.min(this.#offset + SAMPLES_PER_FRAME, item.pcm.length);
      this.counters.playedFrames++;
    }
    this.#frameListener?.(null);
    this.#timestamp = (this.#timestamp + SAMPLES_PER_FRAME) >>> 0;
    if (item && this.#offset >= item.pcm.length) this.#finishItem(item);
  }

  #finishItem(item: PlayItem): void {
    this.#queue.shift();
    this.#offset = 0;
    this.#started = false;
    item.onFinish?.();
  }

  /** `buf` is only valid during the call (the native ring is reused): what is kept is decoded or parsed into new values. */
  #receive(buf: Uint8Array, ip: number, port: number): void {
    this.#scheduler.poll();
    const offset = rtpPayloadOffset(buf);
    if (offset < 0) return;
    // Port 0 cannot be answered (a sender that never set it, e.g. a raw-socket replayer): keep the SDP's address.
    if (!this.#latched && port !== 0) {
      this.#latched = true;
      this.#remote = { ip, port };
    }
    this.counters.received++;
    this.counters.receivedBytes += buf.length;
    const payloadType = rtpPayloadType(buf);
    if (payloadType === this.#telephoneEventPt) {
      const ev = parseTelephoneEvent(buf.subarray(offset, rtpPayloadEnd(buf)));
      const timestamp = rtpTimestamp(buf);
      // One report per event: RFC 4733 repeats packets with the same timestamp.
      if (ev && timestamp !== this.#lastEventTimestamp) {
        this.#lastEventTimestamp = timestamp;
        const digit = dtmfDigit(ev.event);
        if (digit) for (const l of this.#digitListeners) l(digit, ev.duration / 8);
      }
      return;
    }
    if (payloadType !== 0 && payloadType !== 8) return;
    if (this.#audioListeners.length === 0) return;
    const pcm = decodeG711(payloadType === 0 ? 'PCMU' : 'PCMA', buf.subarray(offset, rtpPayloadEnd(buf)));
    const timestamp = rtpTimestamp(buf);
    for (const l of this.#audioListeners) l(pcm, timestamp);
  }
}
