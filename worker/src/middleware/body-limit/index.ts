/**
 * Reads a request body up to a byte limit, for every route that buffers one
 * (JSON bodies, the media-node API): a declared Content-Length past the limit
 * is refused before reading, and a body without one (chunked) is counted while
 * streaming, so a lying or absent Content-Length cannot get a huge body buffered.
 *
 * Past the limit the rest of the body is drained (read and dropped) before
 * the 413 is answered; the stream is never cancelled by us. A cancel pushes an
 * error up the stream to whatever feeds it, and behind `wrangler dev` that is
 * the dev proxy's own fetch to the Worker, which then answers 503 "worker
 * restarted mid-request" (to this request or the next); leaving the body
 * unread, or draining it after the response, stalls that proxy's pipe so a
 * client waiting for its upload to drain never sees the 413. Draining costs
 * reading time, never memory, and is bounded by the platform's own request
 * size limit (100 MB and up on Cloudflare); the connection stays usable
 * (docs/control-plane.md "Request bodies").
 */
import { Problems } from '../../errors/problem.ts';

/** 413 now if the request declares a body over `limitBytes`. */
export function refuseDeclaredOversize(req: Request, limitBytes: number): void {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw Problems.payloadTooLarge(limitBytes);
}

/** The whole body, or 413 once more than `limitBytes` have arrived (and the rest has been drained). */
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
      await drain(reader);
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

/** Reads and drops the rest of a body. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The client went away mid-upload: nothing left to drain.
  }
}

export async function readLimitedText(req: Request, limitBytes: number): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(req, limitBytes));
}
