/**
 * Uploads a finished recording to the Worker (which stores it in R2), signed
 * over the body's SHA-256; retried with backoff so a Worker hiccup does not
 * lose a recording.
 */
import { MediaPaths, signBinary } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';

export async function uploadRecording(workerUrl: string, secret: string, recordingId: string, wav: Buffer, durationMs: number, log: Logger): Promise<boolean> {
  const url = `${workerUrl.replace(/\/+$/, '')}${MediaPaths.recordings}/${recordingId}?duration_ms=${durationMs}`;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'audio/wav', ...(await signBinary(secret, wav)) }, body: wav, signal: AbortSignal.timeout(60_000) });
      if (res.ok) return true;
      if (res.status >= 400 && res.status < 500) {
        log.error('recording refused by the Worker', { recording_id: recordingId, status: res.status, body: (await res.text()).slice(0, 200) });
        return false;
      }
      throw new Error(`Worker answered ${res.status}`);
    } catch (err) {
      log.warn('recording upload failed; retrying', { recording_id: recordingId, attempt, error: (err as Error).message });
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  log.error('recording upload gave up', { recording_id: recordingId });
  return false;
}
