/**
 * RateLimiter: one Durable Object per key (a tenant, or a login email), so
 * the count is exact however many Worker instances serve the requests: the
 * object handles one hit at a time and `hit` never awaits.
 *
 * The window lives in memory. An object that receives requests stays
 * resident; if it is evicted after a quiet spell, the requests it forgets
 * are older than the quiet spell, and with a one-minute window those are
 * mostly out of the window anyway.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { SlidingWindowLog, type WindowDecision } from './sliding-window.ts';

export class RateLimiter extends DurableObject<Env> {
  readonly #log = new SlidingWindowLog();

  hit(limit: number, windowMs: number): WindowDecision {
    return this.#log.hit(Date.now(), limit, windowMs);
  }
}
