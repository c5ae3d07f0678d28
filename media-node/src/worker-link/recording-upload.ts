/**
 * Uploads finished recordings to the Worker (which stores them in R2), signed
 * over the body's SHA-256; retried with backoff so a Worker hiccup does not
 * lose a recording. Keeps the uploads in flight so shutdown can wait for them
 * (bounded) instead of exiting with a recording still in memory.
 */
import { MediaPaths, signBinary } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';

export interface RecordingUploaderOptions {
  workerUrl: string;
  secret: string;
  /** Attempts before giving up (5xx, network errors); a 4xx is final at once. */
  attempts?: number;
  /** First retry delay; doubled each time. */
  backoffMs?: number;
}

export class RecordingUploader {
  readonly #inFlight = new Set<Promise<boolean>>();

  constructor(private readonly options: RecordingUploaderOptions) {}

  /** Uploads in progress (retries included). */
  get pending(): number {
    return this.#inFlight.size;
  }

  /** Starts an upload; `log` is the leg's logger, so every line carries its voice_id. */
  upload(recordingId: string, wav: Buffer, durationMs: number, log: Logger): Promise<boolean> {
    const upload = this.#upload(recordingId, wav, durationMs, log)
      .catch((err: unknown) => {
        log.error('recording upload crashed', { recording_id: recordingId, error: (err as Error).message });
        return false;
      })
      .finally(() => this.#inFlight.delete(upload));
    this.#inFlight.add(upload);
    return upload;
  }

  /** Resolves true once every upload in flight has ended, false if `timeoutMs` passed first. */
  async drained(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const all = (async () => {
      // An upload may start while we wait (a leg ending late): wait for those too.
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      return true as const;
    })();
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #upload(recordingId: string, wav: Buffer, durationMs: number, log: Logger): Promise<boolean> {
    const { workerUrl, secret, attempts = 5, backoffMs = 1000 } = this.options;
    const url = `${workerUrl.replace(/\/+$/, '')}${MediaPaths.recordings}/${recordingId}?duration_ms=${durationMs}`;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'audio/wav', ...(await signBinary(secret, wav)) }, body: wav, signal: AbortSignal.timeout(60_000) });
        if (res.ok) {
          log.info('recording uploaded', { recording_id: recordingId, bytes: wav.length, attempt });
          return true;
        }
        if (res.status >= 400 && res.status < 500) {
          log.error('recording refused by the Worker', { recording_id: recordingId, status: res.status, body: (await res.text()).slice(0, 200) });
          return false;
        }
        throw new Error(`Worker answered ${res.status}`);
      } catch (err) {
        if (attempt === attempts) break;
        log.warn('recording upload failed; retrying', { recording_id: recordingId, attempt, error: (err as Error).message });
        await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
      }
    }
    log.error('recording upload gave up', { recording_id: recordingId, attempts });
    return false;
  }
}
