/**
 * The end of a broadcast: once every leg is final, broadcastcall_complete is
 * queued exactly once (its body built only when it leaves: every leg's
 * summary and the numbers filtered at acceptance); once it has left (or been
 * dead-lettered) the broadcast is closed for good and its D1 row completed.
 */
import { eq } from 'drizzle-orm';
import { database } from '../../db/client.ts';
import { broadcasts } from '../../db/schema.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';
import type { RecipientInput } from './contract.ts';
import type { LegRow } from './leg-store.ts';
import { reportLive } from './leg-end.ts';
import { COMPLETE_KEY } from './outbox.ts';
import * as payloads from './webhook-payloads.ts';
import type { SessionParts } from './session-parts.ts';

/** Once every leg is final, enqueue broadcastcall_complete exactly once. */
export async function maybeComplete(s: SessionParts, now: number): Promise<void> {
  if (s.legs.phase() !== 'running' || s.legs.meta('complete_enqueued')) return;
  if (s.legs.count('disconnected') + s.legs.count('failed') < s.legs.total()) return;
  s.legs.setMeta('complete_enqueued', new Date(now).toISOString());
  s.legs.setMeta('completed_at', new Date(now).toISOString());
  s.outbox.enqueue(COMPLETE_KEY, null, now);
  await reportLive(s);
}

/** After the complete event has left (or been dead-lettered), the broadcast is closed for good. */
export async function finishIfSettled(s: SessionParts): Promise<void> {
  if (s.legs.phase() !== 'running' || !s.legs.meta('complete_enqueued') || !s.outbox.isSettled(COMPLETE_KEY)) return;
  s.legs.setMeta('phase', 'complete');
  await database(s.env.DB)
    .update(broadcasts)
    .set({ status: 'completed', completedAt: s.legs.meta('completed_at') })
    .where(eq(broadcasts.id, s.init().broadcastId));
}

/** The broadcastcall_complete body, read from storage as it leaves (too large to store). */
export function completeBody(s: SessionParts): Record<string, unknown> {
  const sql = s.legs.sql;
  const filtered = { blacklisted: [] as RecipientInput[], countryNotAllowed: [] as RecipientInput[] };
  for (const row of sql.exec<{ bucket: string; recipient: string }>('SELECT bucket, recipient FROM filtered ORDER BY idx')) {
    (row.bucket === 'blacklisted' ? filtered.blacklisted : filtered.countryNotAllowed).push(JSON.parse(row.recipient) as RecipientInput);
  }
  function* summaries(): Generator<payloads.LegSummary> {
    for (const leg of sql.exec<LegRow>('SELECT * FROM legs WHERE voice_id IS NOT NULL ORDER BY idx')) {
      yield {
        voiceId: leg.voice_id!,
        to: leg.to_number,
        durationS: leg.duration ?? 0,
        answered: leg.answered_at !== null,
        answeredBy: (leg.answered_by as 'HUMAN' | 'MACHINE' | null) ?? null,
        cause: leg.cause ?? Cause.NORMAL_UNSPECIFIED,
        reason: leg.reason ?? q850Reason(leg.cause ?? Cause.NORMAL_UNSPECIFIED),
      };
    }
  }
  return payloads.completePayload(s.context(), filtered, summaries(), s.legs.meta('completed_at') ?? new Date().toISOString());
}
