// The dialer API's 2,000 requests per minute per tenant, exact under
// concurrency (one Durable Object per tenant), and the sliding window itself.
import { describe, expect, it } from 'vitest';
import { SlidingWindowLog } from '../../../worker/src/durable/rate-limiter/sliding-window.ts';
import { env } from 'cloudflare:test';
import { call, dialerProblem, PLATFORM_TOKEN, seedDialerTenant } from '../helpers/dialer.ts';

describe('sliding window log', () => {
  it('never lets more than the limit into any window-long interval', () => {
    const log = new SlidingWindowLog();
    let allowed = 0;
    for (let t = 0; t < 1000; t++) if (log.hit(t, 10, 100).allowed) allowed++;
    // 1000 ms of time, a 100 ms window holding at most 10: exactly 10 per window.
    expect(allowed).toBe(100);
    // At 950 the window (850, 950] holds the ten admitted at 900..909: refused until 900 ages out.
    expect(log.hit(950, 10, 100)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 50 });
  });

  it('counts remaining down and frees capacity as requests age out', () => {
    const log = new SlidingWindowLog();
    expect(log.hit(0, 3, 1000).remaining).toBe(2);
    expect(log.hit(10, 3, 1000).remaining).toBe(1);
    expect(log.hit(20, 3, 1000).remaining).toBe(0);
    expect(log.hit(30, 3, 1000)).toMatchObject({ allowed: false, retryAfterMs: 970 });
    expect(log.hit(1000, 3, 1000).allowed).toBe(true);
  });
});

describe('per-tenant limit', () => {
  it('admits exactly 2,000 of 2,100 concurrent hits in one Durable Object', async () => {
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`exactness-${crypto.randomUUID()}`));
    const decisions = await Promise.all(Array.from({ length: 2100 }, () => limiter.hit(2000, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(2000);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(100);
    for (const d of refused) expect(d.retryAfterMs).toBeGreaterThan(0);
  });

  it('answers 2,000 by default and counts down in the headers', async () => {
    const t = await seedDialerTenant();
    const first = await call(t.agent, 'GET', '/v1/tenant');
    expect(first.headers.get('x-ratelimit-limit')).toBe('2000');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1999');
    const second = await call(t.supervisor, 'GET', '/v1/tenant');
    expect(second.headers.get('x-ratelimit-remaining')).toBe('1998');
  });

  it('over HTTP at the edge: the limit-th concurrent request passes, the next gets 429 with Retry-After; other tenants unaffected', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    // The operator sets this tenant's limit low so the edge is reached in a few hundred requests.
    expect((await call(PLATFORM_TOKEN, 'PATCH', `/v1/platform/tenants/${t.tenantId}`, { rate_limit_per_minute: 150 })).status).toBe(200);
    const responses = await Promise.all(Array.from({ length: 160 }, (_, i) => call(i % 2 ? t.agent : t.admin, 'GET', '/v1/tenant')));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const limited = responses.find((r) => r.status === 429)!;
    const p = await dialerProblem(limited, 429);
    expect(p.type).toBe('https://engage.broadnet.me/errors/rate-limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    for (const r of responses) if (r !== limited) await r.body?.cancel();
    expect((await call(other.agent, 'GET', '/v1/tenant')).status).toBe(200);
  });
});
