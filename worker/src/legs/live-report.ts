/**
 * An owner's live legs as the tenant's pacer counts them (ringing: placed and
 * not answered; connected: answered and up), and the report that keeps the
 * TenantPacer's concurrent-call figure true for every kind of outbound call.
 * The reporter skips a report equal to the last one it sent.
 */
import type { Env } from '../env.ts';
import type { LiveLegs } from '../durable/tenant-pacer/live-calls.ts';
import { tenantPacer } from '../durable/stubs.ts';

export type { LiveLegs };

export const NO_LIVE_LEGS: LiveLegs = { ringing: 0, connected: 0 };

/** Live legs from each one's answered flag. */
export function liveLegsFrom(answered: Iterable<boolean>): LiveLegs {
  let ringing = 0;
  let connected = 0;
  for (const a of answered) {
    if (a) connected++;
    else ringing++;
  }
  return { ringing, connected };
}

/** One report to the tenant's pacer: this owner's live legs now (absolute, so the newest replaces the last). */
export async function reportLiveLegs(env: Env, tenantId: string, ownerId: string, live: LiveLegs): Promise<void> {
  await tenantPacer(env, tenantId).report(ownerId, live);
}

/** For an owner that reports often (a broadcast): remembers the last report. */
export class LiveReporter {
  #last = '';

  constructor(
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly ownerId: () => string,
  ) {}

  /** Sends the report (always). */
  async report(live: LiveLegs): Promise<void> {
    await reportLiveLegs(this.env, this.tenantId(), this.ownerId(), live);
    this.#last = JSON.stringify(live);
  }

  /** Sends the report only when it differs from the last one sent. */
  async reportIfChanged(live: LiveLegs): Promise<void> {
    if (JSON.stringify(live) !== this.#last) await this.report(live);
  }
}
