/**
 * A calls row as /v1/calls shows it: exactly the spec's item fields, with
 * the durations derived from the row's instants (call-metrics.ts). Broadcast
 * legs are rows like any other: campaign_id and agent_id are null.
 */
import { z } from '@hono/zod-openapi';
import type { calls } from '../db/schema.ts';
import { CALL_STATUSES, durationSeconds, talkTimeSeconds } from './call-metrics.ts';

export const CallItemSchema = z
  .object({
    id: z.string(),
    campaign_id: z.string().nullable(),
    agent_id: z.string().nullable(),
    contact_phone: z.string(),
    direction: z.string().openapi({ example: 'outbound' }),
    status: z.enum(CALL_STATUSES),
    disposition: z.string().nullable(),
    duration_seconds: z.number().int().nullable().openapi({ description: 'started_at → ended_at in whole seconds; null while the call is in progress.' }),
    talk_time_seconds: z.number().int().nullable().openapi({ description: 'answered_at → ended_at in whole seconds; 0 if never answered; null while in progress.' }),
    started_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    recording_id: z.string().nullable(),
  })
  .openapi('Call');

export type CallItem = z.infer<typeof CallItemSchema>;

export function callView(r: typeof calls.$inferSelect): CallItem {
  return {
    id: r.id,
    campaign_id: r.campaignId,
    agent_id: r.agentId,
    contact_phone: r.contactPhone,
    direction: r.direction,
    status: r.status as CallItem['status'],
    disposition: r.disposition,
    duration_seconds: durationSeconds(r),
    talk_time_seconds: talkTimeSeconds(r),
    started_at: r.startedAt,
    answered_at: r.answeredAt,
    ended_at: r.endedAt,
    recording_id: r.recordingId,
  };
}
