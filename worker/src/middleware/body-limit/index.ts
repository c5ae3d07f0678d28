/**
 * Reads a request body up to a byte limit, for every route that buffers one
 * (JSON bodies, the media-node API): a declared Content-Length past the limit
 * is refused before reading, and a body without one (chunked) is counted while
 * streaming, so a lying or absent Content-Length cannot get a huge body buffered.
 *
 * Past the limit the reader is released, not cancelled. Cancelling pushes an
 * error back up the stream to whatever is feeding it: behind `wrangler dev`
 * that is the dev proxy's own fetch to the Worker, which can fail before our
 * 413 reaches it and then answers requests with 503 "worker restarted
 * mid-request". Releasing leaves the unread rest to the runtime, which drops
 * it once the 413 is sent (docs/control-plane.md "Request bodies").
 */
import { Problems } from '../../errors/problem.ts';

/** 413 now if the request declares a body over `limitBytes`. */
export function refuseDeclaredOversize(req: Request, limitBytes: number): void {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw Problems.payloadTooLarge(limitBytes);
}

/** The whole body, or 413 as soon as more than `limitBytes` have arrived. */
export async function readLimitedBytes(req: Request, limitBytes: number): Promise<Uint8Array> {
  refuseDeclaredOversize(req, limitBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      reader.releaseLock();
      throw Problems.payloadTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

export async function readLimitedText(req: Request, limitBytes: number): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(req, limitBytes));
}
