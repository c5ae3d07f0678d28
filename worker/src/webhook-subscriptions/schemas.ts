/** Dialer webhook subscriptions as the admin routes read and write them. */
import { z } from '@hono/zod-openapi';
import type { webhookSubscriptions } from '../db/schema.ts';
import { ALL_EVENTS, DIALER_EVENT_TYPES } from '../dialer-events/catalog.ts';
import { DELIVERY_STATUSES } from '../durable/tenant-events/delivery-store.ts';
import { MAX_URL_LENGTH } from '../outbound-urls/url-policy.ts';

const EVENT_TYPE_CHOICES = [...DIALER_EVENT_TYPES, ALL_EVENTS] as const;

export const EventTypesSchema = z
  .array(z.enum(EVENT_TYPE_CHOICES, { error: `must be one of ${DIALER_EVENT_TYPES.join(', ')} or "*"` }), { error: 'must be an array of event types' })
  .min(1, 'must name at least one event type')
  .max(EVENT_TYPE_CHOICES.length * 2, 'lists too many event types')
  .refine((types) => !types.includes(ALL_EVENTS) || types.every((t) => t === ALL_EVENTS), '"*" already means every event type: send it alone')
  // Repeats are harmless; store each type once.
  .transform((types) => [...new Set(types)])
  .openapi({ description: 'Catalog event types, or ["*"] for all (including types added later).', example: ['call.completed', 'dnc.added'] });

const UrlSchema = z
  .string({ error: 'is required' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .openapi({ description: 'https URL that receives the events.', example: 'https://crm.example.com/hooks/broadnet' });

const DescriptionSchema = z.string().trim().max(500, 'must be at most 500 characters').nullable();

export const CreateWebhookSchema = z
  .object({ url: UrlSchema, event_types: EventTypesSchema, description: DescriptionSchema.optional() })
  .strict()
  .openapi('CreateWebhook');

export const UpdateWebhookSchema = z
  .object({
    url: UrlSchema.optional(),
    event_types: EventTypesSchema.optional(),
    active: z.boolean({ error: 'must be true or false' }).optional(),
    description: DescriptionSchema.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
  .openapi('UpdateWebhook');

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    created_at: z.string(),
    disabled_at: z.string().nullable(),
  })
  .openapi('Webhook');

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: 'Verifies X-BroadNet-Signature. Shown only here: store it now.' }),
}).openapi('WebhookWithSecret');

export const TestResultSchema = z
  .object({
    event_id: z.string(),
    delivered: z.boolean(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .openapi('WebhookTestResult');

export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES as unknown as [string, ...string[]], { error: `must be one of ${DELIVERY_STATUSES.join(', ')}` });

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    event_id: z.string(),
    event_type: z.string(),
    correlation_id: z.string(),
    status: DeliveryStatusSchema,
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    attempt_log: z.array(
      z.object({ attempt: z.number().int(), at: z.string(), status_code: z.number().int().nullable(), error: z.string().nullable(), duration_ms: z.number().int() }),
    ),
  })
  .openapi('WebhookDelivery');

export function webhookView(row: typeof webhookSubscriptions.$inferSelect): z.infer<typeof WebhookSchema> {
  return {
    id: row.id,
    url: row.url,
    event_types: JSON.parse(row.eventTypes) as string[],
    description: row.description,
    active: row.disabledAt === null,
    created_at: row.createdAt,
    disabled_at: row.disabledAt,
  };
}
