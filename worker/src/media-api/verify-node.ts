/**
 * Middleware for the internal media-node API: checks the signature headers and
 * size before reading anything (an unsigned, stale or oversized request is
 * refused without its body being read), then reads the body within the limit
 * and checks the HMAC and replay window over it, and hands the verified text
 * on. Nothing unsigned reaches a Durable Object.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, checkSignatureHeaders, verifyMessage, type VerifyOutcome } from '../media-protocol/index.ts';
import { ProblemError } from '../errors/problem.ts';
import { readLimitedText, refuseDeclaredOversize } from '../middleware/body-limit/index.ts';

/** Heartbeats and event batches are small; a full batch of events is well under this. */
export const MAX_NODE_MESSAGE_BYTES = 4 * 1024 * 1024;

export type NodeEnv = AppEnv & { Variables: { verifiedBody: string } };

export function badNodeSignature(outcome: Extract<VerifyOutcome, { ok: false }>): ProblemError {
  return new ProblemError({ status: 401, slug: 'bad-node-signature', title: 'Unauthorized media node', detail: `Signature check failed: ${outcome.reason}.` });
}

export function verifyNode(): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const timestamp = c.req.header(TIMESTAMP_HEADER);
    const signature = c.req.header(SIGNATURE_HEADER);
    const headers = checkSignatureHeaders(timestamp, signature);
    if (!headers.ok) throw badNodeSignature(headers);
    refuseDeclaredOversize(c.req.raw, MAX_NODE_MESSAGE_BYTES);
    const body = await readLimitedText(c.req.raw, MAX_NODE_MESSAGE_BYTES);
    const outcome = await verifyMessage(c.env.MEDIA_SHARED_SECRET, body, timestamp, signature);
    if (!outcome.ok) throw badNodeSignature(outcome);
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
