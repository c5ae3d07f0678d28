/**
 * The POST /voice/v1/broadcast request and response schemas. The OpenAPI
 * document shows BroadcastRequestSchema whole; requests are validated with its
 * parts — the envelope (every top-level field but recipients) here, each
 * recipient with RecipientSchema / PlaySchema in validate-recipients.ts — so
 * the rules are the documented ones and one 400 can list every bad field.
 */
import { z } from '@hono/zod-openapi';
import { PlaySchema } from './play-schema.ts';
import { clientJsonObject, MAX_CLIENT_JSON_DEPTH } from '../client-json/bounded-json.ts';

export const MAX_RECIPIENTS = 100_000;
/** custom_data travels in every webhook and is stored in a D1 row (2 MB max): keep it a small context object. */
export const MAX_CUSTOM_DATA_BYTES = 64 * 1024;
const MAX_URL = 2048;

const httpUrl = (what: string) =>
  z
    .string({ error: 'is required' })
    .max(MAX_URL, `must be at most ${MAX_URL} characters`)
    .refine(isHttpUrl, `must be an absolute http(s) URL for ${what}`);

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export const RecipientSchema = z
  .object({
    to: z.string({ error: 'is required' }).openapi({ description: 'E.164 with or without +, e.g. 918088394833.', example: '918088394833' }),
    play: PlaySchema,
  })
  .openapi('Recipient');

export const BroadcastRequestSchema = z
  .object({
    name: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
    owner_ref: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
    from: z.string({ error: 'is required' }).openapi({ description: 'Caller ID, E.164 with or without +.', example: '12012774877' }),
    answering_machine_detection: z.boolean().default(false),
    recipients: z
      .array(RecipientSchema, { error: 'is required and must be an array' })
      .min(1, 'must list at least one recipient')
      .max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} recipients`),
    custom_data: clientJsonObject(MAX_CUSTOM_DATA_BYTES)
      .optional()
      .openapi({ description: `Echoed verbatim in the response and in every webhook of this broadcast. At most ${MAX_CUSTOM_DATA_BYTES} bytes of JSON, nested at most ${MAX_CLIENT_JSON_DEPTH} levels deep.` }),
    event_url: httpUrl('event_url'),
    call_handler_url: httpUrl('call_handler_url'),
    idle_timeout: z.number().int().min(5).max(3600).default(30).openapi({ description: 'Crier addition: seconds a leg may stay idle after playfinished before it is hung up.' }),
    max_call_duration: z.number().int().min(10).max(14_400).default(3600).openapi({ description: 'Crier addition: hard limit on an answered call, seconds.' }),
    ring_timeout: z.number().int().min(5).max(120).default(30).openapi({ description: 'Crier addition: seconds to ring before giving up (cause 19).' }),
  })
  .openapi('BroadcastRequest');

export type BroadcastRequest = z.infer<typeof BroadcastRequestSchema>;

/** Everything but the recipients: checked alone when the list is over the limit, so its entries are never examined. */
export const BroadcastEnvelopeSchema = BroadcastRequestSchema.omit({ recipients: true });

/** Top-level field order, used to list validation issues in the order of the documented request. */
export const REQUEST_FIELD_ORDER: readonly string[] = Object.keys(BroadcastRequestSchema.shape);

const BucketEntry = z.object({ to: z.string(), play: z.record(z.string(), z.unknown()) }).openapi({ description: 'The recipient exactly as sent: its to and play.' });

export const BroadcastResponseSchema = z
  .object({
    broadcast_id: z.string().uuid(),
    state: z.literal('broadcastcall_initiated'),
    from: z.string(),
    to: z.object({ call_initiated: z.array(BucketEntry), call_blacklisted: z.array(BucketEntry), country_not_allowed: z.array(BucketEntry) }),
    custom_data: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Present when the request had it, exactly as sent.' }),
    timestamp: z.string().openapi({ description: 'ISO 8601 UTC with milliseconds.', example: '2026-04-08T15:24:10.670Z' }),
  })
  .openapi('BroadcastResponse');
