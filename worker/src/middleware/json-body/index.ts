/**
 * Reads a JSON request body with the guarantees every write route needs:
 * 415 for a non-JSON content type, 413 past the size limit (body-limit:
 * checked while streaming, so a lying Content-Length cannot get a huge body buffered),
 * 400 for malformed JSON. Returns the raw text too, for idempotency hashing.
 */
import type { Context } from 'hono';
import { Problems } from '../../errors/problem.ts';
import { readLimitedText } from '../body-limit/index.ts';

export interface JsonBody {
  raw: string;
  value: unknown;
}

export async function readJsonBody(c: Context, limitBytes: number): Promise<JsonBody> {
  const type = c.req.header('content-type');
  if (!type || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) throw Problems.unsupportedMediaType(type);
  const raw = await readLimitedText(c.req.raw, limitBytes);
  if (raw.trim() === '') throw Problems.malformedJson('The request body is empty.');
  try {
    return { raw, value: JSON.parse(raw) };
  } catch (err) {
    throw Problems.malformedJson(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}
