/**
 * The platform operator's routes (/v1/platform/*): tenants and national DNC
 * registries, things above any one tenant. Bearer PLATFORM_ADMIN_TOKEN,
 * compared in constant time. Unset (or shorter than 32 characters) means the
 * operator API is switched off and its routes answer 404, as if absent.
 */
import type { MiddlewareHandler } from 'hono';
import type { DialerEnv } from '../../env.ts';
import { Problems } from '../../errors/problem.ts';
import { constantTimeEqualHex, sha256Hex } from '../../db/hashing.ts';

const MIN_TOKEN_LENGTH = 32;

export function platformAuth(): MiddlewareHandler<DialerEnv> {
  return async (c, next) => {
    const configured = c.env.PLATFORM_ADMIN_TOKEN;
    if (!configured || configured.length < MIN_TOKEN_LENGTH) throw Problems.notFound('This route');
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!presented) throw Problems.unauthorizedBearer('Send Authorization: Bearer <PLATFORM_ADMIN_TOKEN>.', 'invalid_request');
    // Hash both so the comparison is over equal lengths whatever was sent.
    if (!constantTimeEqualHex(await sha256Hex(presented), await sha256Hex(configured))) throw Problems.unauthorizedBearer('The platform token is not valid.');
    await next();
  };
}
