/**
 * PUT /voice/v1/call/{voice_id}/connect at the edge: the body's schemas (both
 * numbers E.164, checked with libphonenumber like broadcast numbers) and the
 * compliance gate. A connect dials a new number, so the destination passes the
 * same checks a broadcast recipient does, in the same order: first the
 * acceptance buckets (the tenant's DNC list, then its allowed countries; 403
 * `connect-blocked` naming the reason in the broadcast bucket's own words),
 * then the compliance engine every dial goes through (calling hours, national
 * registries, consent, ownership of `from`; 403 `compliance-blocked` with the
 * rule and its audit_ref, like the dialer's originate).
 */
import { z } from '@hono/zod-openapi';
import type { Env } from '../env.ts';
import { parseE164 } from '../phone/e164.ts';
import { loadTenantSettings } from '../account/tenant-settings.ts';
import { dncMatches } from '../broadcast/dnc-lookup.ts';
import { bucketRecipients } from '../broadcast/recipient-buckets.ts';
import { Problems } from '../errors/problem.ts';
import { checkCompliance, complianceBlockedProblem } from '../compliance/index.ts';

function e164Field(description: string, example: string) {
  return z
    .string({ error: 'is required' })
    .max(32)
    .superRefine((value, ctx) => {
      const phone = parseE164(value);
      if (!phone.ok) ctx.addIssue({ code: 'custom', message: phone.reason });
    })
    .openapi({ description, example });
}

export const ConnectBodySchema = z
  .object({
    from: e164Field('Caller line identity (CLI) to present to the destination. E.164, with or without +.', '12012774877'),
    to: e164Field('Destination to connect the call to. E.164, with or without +.', '918088394833'),
  })
  .strict()
  .openapi('ConnectRequest');

export const ConnectResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), state: z.literal('connecting'), timestamp: z.string() })
  .openapi('ConnectResponse');

export type ConnectBlockReason = 'call_blacklisted' | 'country_not_allowed';

/** Throws 403 when the tenant may not dial `to` presenting `from` (both already validated as E.164). */
export async function assertDestinationAllowed(env: Env, tenantId: string, request: { to: string; from: string; voiceId: string }): Promise<void> {
  const { to, from } = request;
  const phone = parseE164(to);
  if (!phone.ok) throw new Error(`assertDestinationAllowed called with an unvalidated number: ${phone.reason}`);
  const [settings, dnc] = await Promise.all([loadTenantSettings(env, tenantId), dncMatches(env.DB, tenantId, [phone.e164])]);
  const allowed = settings?.allowedCountries ?? null;
  const buckets = bucketRecipients([phone], dnc, allowed === null ? null : new Set(allowed));
  if (buckets.blacklisted.length > 0) {
    throw Problems.refused('connect-blocked', 'Destination blocked', `${to} is on your Do Not Call list.`, { reason: 'call_blacklisted' satisfies ConnectBlockReason, field: '/to' });
  }
  if (buckets.countryNotAllowed.length > 0) {
    throw Problems.refused('connect-blocked', 'Destination blocked', `Calls to ${phone.country ?? 'non-geographic numbers'} are not enabled for your account.`, {
      reason: 'country_not_allowed' satisfies ConnectBlockReason,
      field: '/to',
    });
  }
  const decision = await checkCompliance(env, { tenantId, phone: phone.e164, cli: from, context: 'connect', subject: request.voiceId });
  if (!decision.allowed) throw complianceBlockedProblem(decision);
}
