/**
 * Node-wide counters for wss streams, for GET /v1/stats and the benchmark:
 * how many run, how many failed, media frames sent and dropped (slow server),
 * server audio refused (queue full), and how late each stream's 20 ms tick ran.
 */
import { SendStats } from '../rtp/send-stats.ts';

export class StreamStats {
  readonly ticks = new SendStats();
  live = 0;
  opened = 0;
  failed = 0;
  framesSent = 0;
  framesDropped = 0;
  serverAudioDroppedSamples = 0;

  summary() {
    return {
      live: this.live,
      opened: this.opened,
      failed: this.failed,
      frames_sent: this.framesSent,
      frames_dropped: this.framesDropped,
      server_audio_dropped_ms: this.serverAudioDroppedSamples / 8,
      tick: this.ticks.summary(),
    };
  }
}
