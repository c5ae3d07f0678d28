/**
 * GET /v1/calls/count-today: the finished calls that started on the tenant's
 * current calendar day (its timezone), partitioned by status so that
 * total_calls = connected + no_answer + busy + failed + voicemail, with the
 * averages and rates of call-metrics.ts. Calls still in progress are not
 * counted yet (GET /v1/calls/active-count shows them).
 */
import { z } from '@hono/zod-openapi';
import { abandonRate, avgTalkTimeSeconds, callSums, callSumsSql, finishedSql } from './call-metrics.ts';
import type { LocalDay } from './local-day.ts';

export const TodayStatsSchema = z
  .object({
    date: z.string().openapi({ example: '2026-06-12', description: "The calendar day in the tenant's timezone." }),
    total_calls: z.number().int(),
    connected: z.number().int(),
    no_answer: z.number().int(),
    busy: z.number().int(),
    failed: z.number().int(),
    voicemail: z.number().int(),
    avg_talk_time_seconds: z.number().int(),
    abandon_rate: z.number(),
    as_of: z.string(),
  })
  .openapi('TodayStats');

export type TodayStats = z.infer<typeof TodayStatsSchema>;

export async function todayStats(db: D1Database, tenantId: string, day: LocalDay, campaignId: string | undefined, asOf: Date): Promise<TodayStats> {
  const row = await db
    .prepare(
      `SELECT ${callSumsSql('c')} FROM calls c
       WHERE c.tenant_id = ?1 AND c.started_at >= ?2 AND c.started_at < ?3 AND ${finishedSql('c')} AND (?4 IS NULL OR c.campaign_id = ?4)`,
    )
    .bind(tenantId, day.fromIso, day.toIso, campaignId ?? null)
    .first();
  const s = callSums(row as Record<string, number | null> | null);
  return {
    date: day.date,
    total_calls: s.calls,
    connected: s.connected,
    no_answer: s.no_answer,
    busy: s.busy,
    failed: s.failed,
    voicemail: s.voicemail,
    avg_talk_time_seconds: avgTalkTimeSeconds(s),
    abandon_rate: abandonRate(s.abandoned, s.connected),
    as_of: asOf.toISOString(),
  };
}
