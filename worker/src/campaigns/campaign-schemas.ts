/**
 * Campaigns as the /v1/campaigns routes accept and answer them: the spec's
 * create body with its defaults, its list item and create response exactly,
 * and the detail view (a Crier addition) that is both put together.
 */
import { z } from '@hono/zod-openapi';
import { TimeZoneSchema } from '../tenant/routes.ts';
import { requiredOr } from '../errors/zod-issues.ts';
import type { CampaignCounters } from './campaign-counters.ts';
import type { CampaignRow } from './campaign-rows.ts';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed'] as const;
export const DIALING_MODES = ['preview', 'power', 'progressive', 'predictive'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CampaignStatusSchema = z.enum(CAMPAIGN_STATUSES, requiredOr('must be draft, active, paused or completed'));
export const DialingModeSchema = z.enum(DIALING_MODES, requiredOr('must be preview, power, progressive or predictive'));

export const DEFAULTS = { max_attempts: 3, retry_delay_minutes: 60, dial_ratio: 1.5, timezone: 'Asia/Dubai' } as const;

const int = (min: number, max: number) =>
  z.number({ error: `must be an integer from ${min} to ${max}` }).int(`must be an integer from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const CreateCampaignSchema = z
  .object({
    name: z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    dialing_mode: DialingModeSchema,
    cli_group_id: z.string(requiredOr('must be a CLI group id')).min(1, 'must not be empty').max(64).openapi({ description: 'A CLI group of your tenant (POST /v1/cli-groups).' }),
    max_attempts: int(1, 20).default(DEFAULTS.max_attempts),
    retry_delay_minutes: int(1, 10_080).default(DEFAULTS.retry_delay_minutes),
    dial_ratio: z.number({ error: 'must be a number from 1 to 10' }).min(1, 'must be at least 1').max(10, 'must be at most 10').default(DEFAULTS.dial_ratio),
    timezone: TimeZoneSchema.default(DEFAULTS.timezone),
  })
  .strict()
  .openapi('CreateCampaign');

/** The 201 body of POST /v1/campaigns, exactly as documented. */
export const CreatedCampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: CampaignStatusSchema,
    dialing_mode: DialingModeSchema,
    cli_group_id: z.string(),
    max_attempts: z.number().int(),
    retry_delay_minutes: z.number().int(),
    dial_ratio: z.number(),
    timezone: z.string(),
    total_contacts: z.number().int(),
    created_at: z.string(),
  })
  .openapi('CreatedCampaign');

/** An item of GET /v1/campaigns, exactly as documented. */
export const CampaignItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: CampaignStatusSchema,
    dialing_mode: DialingModeSchema,
    total_contacts: z.number().int(),
    contacted: z.number().int().openapi({ description: 'Contacts dialled at least once.' }),
    connected: z.number().int().openapi({ description: 'Contacts with at least one call answered by a person and not abandoned.' }),
    abandon_rate: z.number().openapi({ description: 'Abandoned calls as a percentage of calls answered by a person, one decimal.' }),
    cli_group_id: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
  })
  .openapi('CampaignItem');

/** GET /v1/campaigns/{id} (Crier addition): the list item, the settings, and when it was last paused or completed. */
export const CampaignDetailSchema = CampaignItemSchema.extend({
  max_attempts: z.number().int(),
  retry_delay_minutes: z.number().int(),
  dial_ratio: z.number(),
  timezone: z.string(),
  paused_at: z.string().nullable(),
  completed_at: z.string().nullable(),
}).openapi('Campaign');

export const StartedCampaignSchema = z
  .object({ id: z.string(), status: z.literal('active'), started_at: z.string(), message: z.string() })
  .openapi('CampaignStarted');
export const PausedCampaignSchema = z.object({ id: z.string(), status: z.literal('paused'), paused_at: z.string() }).openapi('CampaignPaused');

export function createdView(row: CampaignRow): z.infer<typeof CreatedCampaignSchema> {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    dialing_mode: row.dialing_mode,
    cli_group_id: row.cli_group_id,
    max_attempts: row.max_attempts,
    retry_delay_minutes: row.retry_delay_minutes,
    dial_ratio: row.dial_ratio,
    timezone: row.timezone,
    total_contacts: row.total_contacts,
    created_at: row.created_at,
  };
}

export function itemView(row: CampaignRow, counters: CampaignCounters): z.infer<typeof CampaignItemSchema> {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    dialing_mode: row.dialing_mode,
    total_contacts: row.total_contacts,
    contacted: counters.contacted,
    connected: counters.connected,
    abandon_rate: counters.abandonRate,
    cli_group_id: row.cli_group_id,
    created_at: row.created_at,
    started_at: row.started_at,
  };
}

export function detailView(row: CampaignRow, counters: CampaignCounters): z.infer<typeof CampaignDetailSchema> {
  return {
    ...itemView(row, counters),
    max_attempts: row.max_attempts,
    retry_delay_minutes: row.retry_delay_minutes,
    dial_ratio: row.dial_ratio,
    timezone: row.timezone,
    paused_at: row.paused_at,
    completed_at: row.completed_at,
  };
}
