/**
 * The body and answers of POST /v1/calls/originate (spec "Calls →
 * originate"), validated here and published in the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';
import { parseE164 } from '../phone/e164.ts';

const e164 = (what: string) =>
  z
    .string({ error: 'is required' })
    .max(64)
    .refine((p) => parseE164(p).ok, `must be a valid E.164 phone number`)
    .transform((p) => (parseE164(p) as { e164: string }).e164)
    .openapi({ description: what, example: '+971501234567' });

export const OriginateRequestSchema = z
  .object({
    agent_id: z.string({ error: 'is required' }).min(1).max(64).openapi({ description: 'Agent who will receive the bridged call', example: '01919a1b-c2d3-7e4f-8a5b-6c7d8e9f0a1b' }),
    destination: e164('Destination phone in E.164 format'),
    campaign_id: z.string().min(1).max(64).optional().openapi({ description: 'Associate call with a campaign for reporting (its CLI group gives the caller ID)' }),
    cli_override: e164("Override caller ID (must be a number in one of the tenant's CLI groups)").optional(),
  })
  .strict()
  .openapi('OriginateRequest');

export type OriginateRequest = z.output<typeof OriginateRequestSchema>;

export const OriginateAcceptedSchema = z
  .object({
    call_id: z.string(),
    status: z.literal('dialing'),
    destination: z.string(),
    compliance: z.object({ allowed: z.literal(true), rule_version: z.string(), audit_ref: z.string().nullable() }),
  })
  .openapi('OriginateAccepted');

export type OriginateAccepted = z.infer<typeof OriginateAcceptedSchema>;
