/**
 * One wss stream of one call leg (docs/media-protocol.md "Streams"): opens a
 * TLS WebSocket to the client's server, says `connected` and `start`, sends
 * the far end's audio as 20 ms μ-law `media` messages on the node's send
 * clock, forwards digits, and plays the server's `media` back into the call
 * (StreamPlayback, mixed into the leg's send path) with `mark` and `clear`.
 * It ends exactly once — stopped (asked to, replaced, call ended, server
 * closed normally) or failed (could not connect, connection lost) — and its
 * failures never reach the call: every socket callback is guarded.
 */
import type { SecureContext } from 'node:tls';
import WebSocket from 'ws';
import type { Logger } from '../log/logger.ts';
import type { FrameScheduler, ScheduledStream } from '../rtp/frame-scheduler.ts';
import type { FrameMixer } from '../rtp/rtp-stream.ts';
import { BoundedSender } from './bounded-sender.ts';
import { FRAME_BYTES, ReceiveFifo } from './receive-fifo.ts';
import { StreamPlayback } from './stream-playback.ts';
import { connectedMessage, dtmfMessage, markMessage, mediaMessage, parseServerMessage, startMessage, stopMessage, type StreamIdentity } from './stream-messages.ts';
import type { StreamStats } from './stream-stats.ts';
import { checkStreamUrl, redactedUrl, streamConnectOptions } from './stream-target.ts';

/** TLS + WebSocket handshake must finish within this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Largest message accepted from a server (about 60 s of μ-law in base64); bigger closes the stream (1009). */
const MAX_SERVER_MESSAGE_BYTES = 640 * 1024;

/** How the node's streams connect and how much they may hold; one per node. */
export interface StreamSettings {
  allowPrivateAddresses: boolean;
  /** The system roots plus any extra CA: streamSecureContext(), built once per node. */
  secureContext: SecureContext;
  /** Media messages are dropped while more than this many bytes wait unsent. */
  sendBufferBytes: number;
  /** Server audio queued beyond this many seconds is refused. */
  maxPlaybackSeconds: number;
  scheduler: FrameScheduler;
  stats: StreamStats;
}

export type StreamEnd = 'stop_requested' | 'replaced' | 'call_ended';

export interface StreamState {
  streamstate: 'started' | 'stopped' | 'failed';
  reason?: string;
  frames_sent?: number;
  frames_dropped?: number;
}

export interface StreamInit {
  streamId: string;
  url: string;
  voiceId: string;
  broadcastId?: string | undefined;
  accountId: string;
  customParameters: unknown;
  log: Logger;
  /** Called once with started (if it opened), then once with stopped or failed. */
  onState(state: StreamState): void;
}

export class CallStream implements ScheduledStream, FrameMixer {
  readonly streamId: string;
  readonly #settings: StreamSettings;
  readonly #init: StreamInit;
  readonly #identity: StreamIdentity;
  readonly #log: Logger;
  readonly #playback: StreamPlayback;
  readonly #fifo = new ReceiveFifo();
  readonly #frame = Buffer.alloc(FRAME_BYTES);
  #state: 'new' | 'connecting' | 'open' | 'ended' = 'new';
  #ws: WebSocket | null = null;
  #sender: BoundedSender | null = null;
  #seq = 0;
  #chunk = 0;
  #error: string | null = null;
  #ignored = 0;
  #lastTickAt: number | null = null;

  constructor(settings: StreamSettings, init: StreamInit) {
    this.streamId = init.streamId;
    this.#settings = settings;
    this.#init = init;
    this.#log = init.log.child({ stream_id: init.streamId, wss_host: redactedUrl(init.url) });
    this.#identity = { streamSid: init.streamId, callSid: init.voiceId, accountSid: init.accountId, broadcastId: init.broadcastId, customParameters: init.customParameters ?? {} };
    this.#playback = new StreamPlayback(settings.maxPlaybackSeconds * 8000, (name) => this.#control(() => markMessage(this.streamId, ++this.#seq, name)));
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  /** Starts connecting; the outcome arrives through onState. */
  open(): void {
    if (this.#state !== 'new') return;
    let target: URL;
    try {
      target = checkStreamUrl(this.#init.url, this.#settings.allowPrivateAddresses);
    } catch (err) {
      this.#finish('failed', `could not connect: ${(err as Error).message}`);
      return;
    }
    this.#state = 'connecting';
    this.#log.info('stream connecting');
    const ws = new WebSocket(target, {
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_SERVER_MESSAGE_BYTES,
      followRedirects: false,
      ...streamConnectOptions(this.#settings.allowPrivateAddresses, this.#settings.secureContext),
    });
    this.#ws = ws;
    ws.on('open', () => this.#guard(() => this.#onOpen()));
    ws.on('message', (data, isBinary) => this.#guard(() => this.#onMessage(data as Buffer, isBinary)));
    ws.on('error', (err) => {
      this.#error ??= describeError(err);
      if (this.#state !== 'ended') this.#log.warn('stream socket error', { error: describeError(err) });
    });
    ws.on('close', (code) => this.#guard(() => this.#onClose(code)));
  }

  /** The far end's audio (decoded PCM from the RTP receive path). */
  received(pcm: Int16Array): void {
    if (this.#state === 'open') this.#fifo.push(pcm);
  }

  digit(digit: string): void {
    this.#control(() => dtmfMessage(this.streamId, ++this.#seq, digit));
  }

  /** Ends the stream: `stop` and a normal close if it is open, else the attempt is abandoned. */
  stop(reason: StreamEnd): void {
    if (this.#state === 'ended') return;
    const ws = this.#ws;
    if (this.#state === 'open' && ws) {
      this.#control(() => stopMessage(this.#identity, ++this.#seq));
      ws.close(1000, reason === 'call_ended' ? 'call ended' : 'stream stopped');
    } else ws?.terminate();
    this.#finish('stopped', reason);
  }

  /** The send clock's tick: one 20 ms media message (silence if the far end sent nothing). */
  sendFrame(scheduledAt: number, now: number): void {
    if (this.#state !== 'open' || !this.#sender) return;
    const stats = this.#settings.stats;
    stats.ticks.record(this.#lastTickAt === null ? null : now - this.#lastTickAt, now - scheduledAt);
    this.#lastTickAt = now;
    try {
      this.#fifo.takeFrame(this.#frame);
      const chunk = ++this.#chunk;
      const message = mediaMessage(this.streamId, ++this.#seq, chunk, (chunk - 1) * 20, this.#frame.toString('base64'));
      if (this.#sender.media(message)) stats.framesSent++;
      else {
        stats.framesDropped++;
        if (this.#sender.dropped === 1) this.#log.warn('stream server is not keeping up: dropping media frames', { buffered_bytes: this.#ws?.bufferedAmount });
      }
    } catch (err) {
      this.#abort(`send failed: ${(err as Error).message}`);
    }
  }

  /** The server's audio into the frame we are about to send to the far end. */
  mixInto(frame: Int16Array): boolean {
    return this.#state === 'open' && this.#playback.mixInto(frame);
  }

  #onOpen(): void {
    if (this.#state !== 'connecting' || !this.#ws) return;
    this.#state = 'open';
    this.#sender = new BoundedSender(this.#ws, this.#settings.sendBufferBytes);
    this.#sender.control(connectedMessage());
    this.#sender.control(startMessage(this.#identity, ++this.#seq));
    this.#settings.scheduler.add(this);
    this.#settings.stats.opened++;
    this.#settings.stats.live++;
    this.#log.info('stream started');
    this.#init.onState({ streamstate: 'started' });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#state !== 'open') return;
    const parsed = isBinary ? ({ ok: false, why: 'binary frames are not part of the protocol' } as const) : parseServerMessage(data.toString('utf8'));
    if (!parsed.ok) {
      // Not fatal (servers send extra events); logged for the first few so a broken server is visible.
      if (++this.#ignored <= 3) this.#log.warn('stream message ignored', { why: parsed.why, ignored: this.#ignored });
      return;
    }
    const message = parsed.message;
    if (message.event === 'media') {
      const bytes = Buffer.from(message.media.payload, 'base64');
      if (!this.#playback.pushAudio(bytes)) {
        this.#settings.stats.serverAudioDroppedSamples += bytes.length;
        if (this.#playback.droppedSamples === bytes.length) this.#log.warn('stream server sent more audio than the playback queue holds: dropping', { max_s: this.#settings.maxPlaybackSeconds });
      }
    } else if (message.event === 'mark') this.#playback.mark(message.mark.name);
    else this.#playback.clear();
  }

  #onClose(code: number): void {
    if (this.#state === 'ended') return;
    if (this.#state === 'open' && (code === 1000 || code === 1001)) return this.#finish('stopped', 'server_closed');
    const what = this.#state === 'open' ? 'connection lost' : 'could not connect';
    this.#finish('failed', `${what}: ${this.#error ?? `close code ${code}`}`);
  }

  /** Sends a control message if the socket is open; a failure ends the stream, never the call. */
  #control(build: () => string): void {
    if (this.#state !== 'open' || !this.#sender) return;
    try {
      this.#sender.control(build());
    } catch (err) {
      this.#abort(`send failed: ${(err as Error).message}`);
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error('stream handler failed', { error: (err as Error).message, stack: (err as Error).stack });
      this.#abort(`internal error: ${(err as Error).message}`);
    }
  }

  #abort(reason: string): void {
    if (this.#state === 'ended') return;
    this.#ws?.terminate();
    this.#finish('failed', reason);
  }

  #finish(streamstate: 'stopped' | 'failed', reason: string): void {
    if (this.#state === 'ended') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'ended';
    const stats = this.#settings.stats;
    this.#settings.scheduler.remove(this);
    if (wasOpen) stats.live--;
    if (streamstate === 'failed') stats.failed++;
    const sent = this.#sender?.sent ?? 0;
    const dropped = this.#sender?.dropped ?? 0;
    const log = streamstate === 'failed' ? this.#log.warn.bind(this.#log) : this.#log.info.bind(this.#log);
    log(`stream ${streamstate}`, { reason, frames_sent: sent, frames_dropped: dropped, server_audio_dropped_ms: this.#playback.droppedSamples / 8 });
    this.#init.onState({ streamstate, reason, frames_sent: sent, frames_dropped: dropped });
  }
}

/** A socket error as a client can act on it (TLS codes kept: "certificate not trusted" is the usual one). */
function describeError(err: Error & { code?: string }): string {
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}
