/**
 * Reading a webhook reply to its end, so the connection goes back to the
 * pool for the next webhook (cancelling the body instead cost a new TCP
 * connection per webhook: docs/webhooks.md "First pass"), without ever
 * holding more than a bound of it: a receiver that answers with more gets its
 * connection closed.
 *
 * The cost is per read, and a receiver's usual answer is a few bytes. One that
 * declares its length is read in one go; one sent chunked (no length, what
 * Node's `writeHead` + `end` does) is read with a BYOB `readAtLeast` sized
 * past the small-reply bound, so a reply that fits ends in one read: getting
 * fewer bytes than asked for means the body ended. The default reader's loop
 * needed two reads per reply (the bytes, then `done`), and was 7–9 % of the
 * isolate in the dialer bench (docs/webhooks.md "Fourth pass").
 */

/** More of a reply than this is not read: the connection is given up instead. */
export const MAX_DRAINED_BYTES = 64 * 1024;
/** A reply up to this size, sent without a length, is read in one read. */
export const SMALL_REPLY_BYTES = 4 * 1024;

/** Reads `res`'s body to its end (at most `maxBytes`; past that the body is cancelled). Resolves to the bytes seen (for tests). */
export async function drainReply(res: Response, maxBytes: number = MAX_DRAINED_BYTES): Promise<number> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared <= maxBytes) return (await res.arrayBuffer()).byteLength;
  const body = res.body;
  if (!body) return 0;
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream (a body made in JavaScript): read it chunk by chunk.
  }
  return byob ? drainByob(byob, maxBytes) : drainDefault(body.getReader(), maxBytes);
}

async function drainByob(reader: ReadableStreamBYOBReader, maxBytes: number): Promise<number> {
  let bytes = 0;
  let buffer = new Uint8Array(SMALL_REPLY_BYTES + 1);
  for (;;) {
    const { done, value } = await reader.readAtLeast(buffer.byteLength, buffer);
    if (done || !value) return bytes;
    bytes += value.byteLength;
    // readAtLeast fills its minimum unless the body ended first.
    if (value.byteLength < buffer.byteLength) return reader.releaseLock(), bytes;
    if (bytes > maxBytes) return await reader.cancel(), bytes;
    buffer = new Uint8Array(value.buffer);
  }
}

async function drainDefault(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<number> {
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
    if (bytes > maxBytes) return await reader.cancel(), bytes;
  }
}
