/**
 * Reads a JSON request body with the guarantees every write route needs:
 * 415 for a non-JSON content type, 413 past the size limit (checked while
 * streaming, so a lying Content-Length cannot get a huge body buffered),
 * 400 for malformed JSON. Returns the raw text too, for idempotency hashing.
 */
import type { Context } from 'hono';
import { Problems } from '../../errors/problem.ts';

export interface JsonBody {
  raw: string;
  value: unknown;
}

export async function readJsonBody(c: Context, limitBytes: number): Promise<JsonBody> {
  const type = c.req.header('content-type');
  if (!type || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) throw Problems.unsupportedMediaType(type);
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw Problems.payloadTooLarge(limitBytes);
  const raw = await readLimited(c.req.raw, limitBytes);
  if (raw.trim() === '') throw Problems.malformedJson('The request body is empty.');
  try {
    return { raw, value: JSON.parse(raw) };
  } catch (err) {
    throw Problems.malformedJson(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

async function readLimited(req: Request, limitBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
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
  return new TextDecoder().decode(all);
}
