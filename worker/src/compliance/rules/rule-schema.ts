/**
 * The shape of one jurisdiction's calling rule, shared by the defaults table,
 * the tenant's stored revisions (parsed back with the same schema, so a
 * corrupt row is an error, never a silently different rule) and
 * PUT /v1/compliance/rules/{jurisdiction}.
 *
 * A rule is open when, in EVERY one of its time zones, the local weekday is in
 * some window's days and the local time is in [start, end). Windows never
 * cross midnight (write two); "24:00" ends a window at midnight. No windows at
 * all means calls are never permitted.
 */
import { z } from '@hono/zod-openapi';
import { isValidTimeZone } from '../../time/zones.ts';
import { isDialableCountry } from '../../phone/countries.ts';

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];

/** "HH:MM", 00:00 … 23:59, or 24:00 as the end of the day. */
const ClockSchema = z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time HH:MM from 00:00 to 24:00');

export const CallingWindowSchema = z
  .object({
    days: z.array(z.enum(DAYS, { error: 'must be one of sun, mon, tue, wed, thu, fri, sat' })).min(1, 'must list at least one day').max(7),
    start: ClockSchema,
    end: ClockSchema,
  })
  .strict()
  .refine((w) => minutesOf(w.start) < minutesOf(w.end), { message: 'must end after it starts (split a window that crosses midnight in two)', path: ['end'] })
  .openapi('CallingWindow');

export const JurisdictionRuleSchema = z
  .object({
    timezones: z
      .array(z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Dubai'))
      .min(1, 'must list at least one zone (omit it to use every zone of the country)')
      .max(64)
      .optional()
      .openapi({ description: "The callee's possible time zones; calling hours must be open in all of them. Omitted: every zone of the country (runtime CLDR data)." }),
    calling_windows: z.array(CallingWindowSchema).max(21).openapi({ description: 'When calls are permitted, in local time. Empty: never.' }),
    consent_required: z.boolean().openapi({ description: 'Calls need a recorded, unexpired consent (POST /v1/consents).' }),
  })
  .strict()
  .openapi('JurisdictionRule');

export type JurisdictionRule = z.infer<typeof JurisdictionRuleSchema>;
export type CallingWindow = z.infer<typeof CallingWindowSchema>;

/** "*" is the catch-all: the rule for any jurisdiction that has none of its own. */
export const CATCH_ALL = '*';

export function isJurisdictionKey(key: string): boolean {
  return key === CATCH_ALL || isDialableCountry(key);
}

/** A tenant's overrides as stored in compliance_rule_sets.rules. */
export const TenantRulesSchema = z.record(z.string().refine(isJurisdictionKey, 'must be an ISO 3166-1 alpha-2 code or *'), JurisdictionRuleSchema);
export type TenantRules = z.infer<typeof TenantRulesSchema>;

export function minutesOf(clock: string): number {
  const [h, m] = clock.split(':');
  return Number(h) * 60 + Number(m);
}
