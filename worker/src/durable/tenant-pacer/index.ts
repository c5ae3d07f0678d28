/**
 * TenantPacer: one Durable Object per tenant that every dialer of the tenant
 * (each BroadcastSession, later each CampaignDialer) asks before dialing, so
 * the tenant's calls-per-second and concurrent-call limits hold across all of
 * its broadcasts at once. Owners report their live legs as absolute numbers,
 * so a lost report heals with the next one instead of leaking capacity.
 * Because every live leg of the tenant is reported here, it is also where
 * GET /v1/calls/active-count reads the live (ringing / connected) counts.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { decideDials, PACING_WINDOW_MS, WINDOW_MS, type PacingDecision } from './pacing.ts';
import { ownerAfterReport, sumLive, withTotal, type LiveCalls, type LiveLegs, type OwnerLive } from './live-calls.ts';

export interface AcquireRequest {
  ownerId: string;
  /** The owner's live legs right now (dialing or answered). */
  liveNow: number;
  wanted: number;
  callsPerSecond: number;
  maxConcurrent: number;
}

/** An owner silent this long is presumed gone and stops counting against concurrency. */
const OWNER_STALE_MS = 30 * 60_000;

export class TenantPacer extends DurableObject<Env> {
  #recent: number[] = [];
  #owners = new Map<string, OwnerLive>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#recent = (await ctx.storage.get<number[]>('recent')) ?? [];
      this.#owners = new Map(Object.entries((await ctx.storage.get<Record<string, OwnerLive>>('owners')) ?? {}));
    });
  }

  async acquire(req: AcquireRequest): Promise<PacingDecision> {
    const now = Date.now();
    this.#owners.set(req.ownerId, withTotal(this.#owners.get(req.ownerId), req.liveNow, now));
    const decision = decideDials({
      nowMs: now,
      recentDialsMs: this.#recent,
      callsPerSecond: req.callsPerSecond,
      maxConcurrent: req.maxConcurrent,
      liveLegs: this.#tenantLive(now),
      wanted: req.wanted,
    });
    this.#recent = this.#recent.filter((t) => t > now - PACING_WINDOW_MS);
    for (let i = 0; i < decision.granted; i++) this.#recent.push(now);
    const owner = this.#owners.get(req.ownerId)!;
    owner.live += decision.granted;
    await this.#persist();
    return decision;
  }

  /** Gives back grants that could not be used (no media node had room). */
  async refund(ownerId: string, count: number): Promise<void> {
    for (let i = 0; i < count && this.#recent.length > 0; i++) this.#recent.pop();
    const owner = this.#owners.get(ownerId);
    if (owner) this.#owners.set(ownerId, withTotal(owner, owner.live - count, owner.seenMs));
    await this.#persist();
  }

  /** An owner's live legs now: a total, or (BroadcastSession) split into ringing and connected for active-count. */
  async report(ownerId: string, live: number | LiveLegs): Promise<void> {
    const owner = ownerAfterReport(this.#owners.get(ownerId), live, Date.now());
    if (owner.live === 0) this.#owners.delete(ownerId);
    else this.#owners.set(ownerId, owner);
    await this.#persist();
  }

  /** The tenant's live calls across all its owners (GET /v1/calls/active-count). */
  async liveCalls(): Promise<LiveCalls> {
    const now = Date.now();
    this.#tenantLive(now); // drops owners gone silent, as pacing does
    return sumLive(this.#owners.values(), new Date(now));
  }

  async snapshot(): Promise<{ live: number; recentDials: number }> {
    const now = Date.now();
    return { live: this.#tenantLive(now), recentDials: this.#recent.filter((t) => t > now - WINDOW_MS).length };
  }

  #tenantLive(now: number): number {
    let sum = 0;
    for (const [id, o] of this.#owners) {
      if (now - o.seenMs > OWNER_STALE_MS) this.#owners.delete(id);
      else sum += o.live;
    }
    return sum;
  }

  async #persist(): Promise<void> {
    await this.ctx.storage.put({ recent: this.#recent, owners: Object.fromEntries(this.#owners) });
  }
}
