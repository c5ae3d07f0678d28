/**
 * Middleware for the internal media-node API: checks the HMAC signature and
 * replay window of the raw body, then hands the verified text on. Nothing
 * unsigned reaches a Durable Object.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyMessage } from '../media-protocol/index.ts';
import { ProblemError } from '../errors/problem.ts';

const MAX_BODY = 4 * 1024 * 1024;

export type NodeEnv = AppEnv & { Variables: { verifiedBody: string } };

export function verifyNode(): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const body = await c.req.text();
    if (body.length > MAX_BODY) throw new ProblemError({ status: 413, slug: 'payload-too-large', title: 'Payload too large', detail: `Body over ${MAX_BODY} bytes.` });
    const outcome = await verifyMessage(c.env.MEDIA_SHARED_SECRET, body, c.req.header(TIMESTAMP_HEADER), c.req.header(SIGNATURE_HEADER));
    if (!outcome.ok) {
      throw new ProblemError({ status: 401, slug: 'bad-node-signature', title: 'Unauthorized media node', detail: `Signature check failed: ${outcome.reason}.` });
    }
    c.set('verifiedBody', body);
    await next();
  };
}

export function verifiedJson(c: Context<NodeEnv>): unknown {
  try {
    return JSON.parse(c.get('verifiedBody'));
  } catch {
    throw new ProblemError({ status: 400, slug: 'malformed-json', title: 'Malformed JSON', detail: 'The body is not valid JSON.' });
  }
}
