/**
 * The POST /voice/v1/broadcast request and response schemas (also the OpenAPI
 * document). Phone numbers are checked after the shape, for every recipient,
 * so one 400 lists every bad field at once.
 */
import { z } from '@hono/zod-openapi';
import { PlaySchema } from './play-schema.ts';

export const MAX_RECIPIENTS = 100_000;

const httpUrl = (what: string) =>
  z
    .string({ error: 'is required' })
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `must be an absolute http(s) URL for ${what}`);

export const RecipientSchema = z.object({
  to: z.string({ error: 'is required' }).openapi({ example: '918088394833' }),
  play: PlaySchema,
});

export const BroadcastRequestSchema = z
  .object({
    name: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
    owner_ref: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
    from: z.string({ error: 'is required' }).openapi({ example: '12012774877' }),
    answering_machine_detection: z.boolean().default(false),
    recipients: z
      .array(RecipientSchema, { error: 'is required and must be an array' })
      .min(1, 'must list at least one recipient')
      .max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} recipients`),
    custom_data: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
    event_url: httpUrl('event_url'),
    call_handler_url: httpUrl('call_handler_url'),
    idle_timeout: z.number().int().min(5).max(3600).default(30).openapi({ description: 'Crier addition: seconds a leg may stay idle after playfinished before it is hung up.' }),
    max_call_duration: z.number().int().min(10).max(14_400).default(3600).openapi({ description: 'Crier addition: hard limit on an answered call, seconds.' }),
    ring_timeout: z.number().int().min(5).max(120).default(30).openapi({ description: 'Crier addition: seconds to ring before giving up (cause 19).' }),
  })
  .openapi('BroadcastRequest');

export type BroadcastRequest = z.infer<typeof BroadcastRequestSchema>;

const BucketEntry = z.object({ to: z.string(), play: z.record(z.string(), z.unknown()) });

export const BroadcastResponseSchema = z
  .object({
    broadcast_id: z.string().uuid(),
    state: z.literal('broadcastcall_initiated'),
    from: z.string(),
    to: z.object({ call_initiated: z.array(BucketEntry), call_blacklisted: z.array(BucketEntry), country_not_allowed: z.array(BucketEntry) }),
    custom_data: z.record(z.string(), z.unknown()).optional(),
    timestamp: z.string(),
  })
  .openapi('BroadcastResponse');
