/**
 * The dialer API's per-tenant rate limit (2,000 requests per minute, spec
 * "Errors & Status Codes"): 429 with Retry-After past it. Runs after jwt-auth,
 * so the tenant is known; every response carries X-RateLimit-Limit and
 * X-RateLimit-Remaining so clients can pace themselves.
 */
import type { MiddlewareHandler } from 'hono';
import type { DialerEnv, Env } from '../../env.ts';
import { Problems } from '../../errors/problem.ts';
import { rateLimiter } from '../../durable/stubs.ts';

export const DEFAULT_REQUESTS_PER_MINUTE = 2_000;
const WINDOW_MS = 60_000;

/** The tenant's own limit if the operator set one, else the deployment's, else the spec's 2,000. */
export function requestsPerMinute(env: Env, tenantLimit: number | null = null): number {
  if (tenantLimit !== null && tenantLimit > 0) return tenantLimit;
  const configured = Number(env.RATE_LIMIT_PER_MINUTE);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_REQUESTS_PER_MINUTE;
}

export function tenantRateLimit(): MiddlewareHandler<DialerEnv> {
  return async (c, next) => {
    const user = c.get('user');
    const limit = requestsPerMinute(c.env, user.tenantRequestsPerMinute);
    const limiter = rateLimiter(c.env, `tenant:${user.tenantId}`);
    const decision = await limiter.hit(limit, WINDOW_MS);
    if (!decision.allowed) throw Problems.rateLimited(limit, Math.ceil(decision.retryAfterMs / 1000));
    await next();
    c.res.headers.set('x-ratelimit-limit', String(limit));
    c.res.headers.set('x-ratelimit-remaining', String(decision.remaining));
  };
}
