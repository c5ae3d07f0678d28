/**
 * The body of GET /voice/v1/broadcast/{broadcast_id} (a Crier addition): the
 * BroadcastSession's own status (contract.ts BroadcastStatus), documented here
 * for the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';

const count = z.number().int().min(0);

export const BroadcastStatusSchema = z
  .object({
    broadcast_id: z.string(),
    state: z.enum(['broadcastcall_initiated', 'in_progress', 'broadcastcall_complete']),
    name: z.string(),
    owner_ref: z.string(),
    from: z.string(),
    total_legs: count.openapi({ description: 'Legs being dialled (call_initiated); filtered recipients are not legs.' }),
    legs: z.object({
      queued: count,
      dialing: count,
      ringing: count,
      connected: count,
      playing: count,
      idle: count,
      connecting: count.openapi({ description: 'Answered legs whose connect destination is being dialled.' }),
      bridged: count.openapi({ description: 'Answered legs bridged to their connect destination.' }),
      disconnected: count,
      failed: count,
    }),
    webhooks: z.object({ pending: count, delivered: count, failed: count }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    timestamp: z.string(),
  })
  .openapi('BroadcastStatus');
