/**
 * A tenant rule set that permits calls at any hour, to any jurisdiction,
 * without recorded consent: for SIMULATED carriers only (the local demo
 * tenant, tests of other features), whose calls reach no one and must not
 * depend on the wall clock. Never give it to a tenant with a real trunk.
 * National and tenant DNC lists and CLI ownership still apply under it.
 */
import { DEFAULT_RULES } from './default-rules.ts';
import { CATCH_ALL, type JurisdictionRule, type TenantRules } from './rule-schema.ts';

const ALWAYS: JurisdictionRule = {
  calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '24:00' }],
  consent_required: false,
};

export function alwaysOpenRules(): TenantRules {
  return Object.fromEntries([...Object.keys(DEFAULT_RULES), CATCH_ALL].map((key) => [key, ALWAYS]));
}
