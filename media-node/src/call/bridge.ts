/**
 * Bridges the audio of two live legs both ways. What each side says goes into
 * a small jitter buffer and is pulled, one 20 ms frame per send tick of the
 * other side, as that side's live source: the shared FrameScheduler paces it
 * (no timer per call), and everything that hangs off a leg's send path (the
 * recorder's right channel, hold) sees bridged audio exactly as it sees
 * played audio. Codecs may differ: each side decodes and re-encodes its own.
 */
import { JitterBuffer, type JitterBufferOptions, type JitterStats } from '../rtp/jitter-buffer.ts';
import type { RtpStream } from '../rtp/rtp-stream.ts';

export interface BridgeStats {
  /** The recipient's audio, on its way to the destination. */
  toDestination: JitterStats;
  /** The destination's audio, on its way to the recipient. */
  toRecipient: JitterStats;
}

export class AudioBridge {
  readonly #toDestination: JitterBuffer;
  readonly #toRecipient: JitterBuffer;
  readonly #unsubscribe: Array<() => void>;
  #stopped = false;

  constructor(
    private readonly recipient: RtpStream,
    private readonly destination: RtpStream,
    options: JitterBufferOptions = {},
  ) {
    this.#toDestination = new JitterBuffer(options);
    this.#toRecipient = new JitterBuffer(options);
    this.#unsubscribe = [
      recipient.onAudio((pcm, ts) => this.#toDestination.push(ts, pcm)),
      destination.onAudio((pcm, ts) => this.#toRecipient.push(ts, pcm)),
    ];
    destination.setLiveSource(() => this.#toDestination.pull());
    recipient.setLiveSource(() => this.#toRecipient.pull());
  }

  get stats(): BridgeStats {
    return { toDestination: { ...this.#toDestination.stats }, toRecipient: { ...this.#toRecipient.stats } };
  }

  /** Unwires both sides; each goes back to its own play queue (silence unless something is queued). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const off of this.#unsubscribe) off();
    this.recipient.setLiveSource(null);
    this.destination.setLiveSource(null);
    this.#toDestination.reset();
    this.#toRecipient.reset();
  }
}
