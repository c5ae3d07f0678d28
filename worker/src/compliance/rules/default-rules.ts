/**
 * The calling rules every tenant starts from, named by DEFAULT_RULES_VERSION
 * (the date they were last reviewed; audits and check results carry it).
 * Change a rule here only together with that date.
 *
 * They are a conservative starting point, not legal advice: the Gulf and
 * Levant working week (Sun–Thu, 09:00–18:00 as the spec's AE example), the US
 * TCPA window (08:00–21:00 callee time, consent required for autodialled and
 * prerecorded calls, in every US zone from New York to Honolulu), India's
 * TRAI promotional window (10:00–19:00), the UK's customary 08:00–21:00
 * Mon–Sat. A jurisdiction not listed here has no rule and is denied until the
 * tenant writes one (or a catch-all "*"): we never guess permission.
 */
import type { Day, JurisdictionRule } from './rule-schema.ts';

export const DEFAULT_RULES_VERSION = '2026-06-01';

const SUN_THU: Day[] = ['sun', 'mon', 'tue', 'wed', 'thu'];
const EVERY_DAY: Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function gulfWeek(zone: string): JurisdictionRule {
  return { timezones: [zone], calling_windows: [{ days: SUN_THU, start: '09:00', end: '18:00' }], consent_required: false };
}

export const DEFAULT_RULES: Readonly<Record<string, JurisdictionRule>> = {
  AE: gulfWeek('Asia/Dubai'),
  SA: gulfWeek('Asia/Riyadh'),
  EG: gulfWeek('Africa/Cairo'),
  JO: gulfWeek('Asia/Amman'),
  KW: gulfWeek('Asia/Kuwait'),
  QA: gulfWeek('Asia/Qatar'),
  BH: gulfWeek('Asia/Bahrain'),
  OM: gulfWeek('Asia/Muscat'),
  GB: { timezones: ['Europe/London'], calling_windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '08:00', end: '21:00' }], consent_required: false },
  IN: { timezones: ['Asia/Kolkata'], calling_windows: [{ days: EVERY_DAY, start: '10:00', end: '19:00' }], consent_required: false },
  US: {
    // No area-code → zone table: the call must be lawful wherever a US number may ring.
    timezones: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'],
    calling_windows: [{ days: EVERY_DAY, start: '08:00', end: '21:00' }],
    consent_required: true,
  },
};
