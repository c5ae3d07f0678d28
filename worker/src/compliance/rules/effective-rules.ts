/**
 * Which rule governs a call: the tenant's latest revision over the defaults,
 * jurisdiction by jurisdiction, and the name of that combination
 * (rule_version). Lookup order for jurisdiction J: the tenant's J, the
 * default J, the tenant's catch-all "*"; nothing else (there is no default
 * catch-all, so an unlisted country is denied until someone writes a rule).
 */
import { countryTimeZones } from '../../time/zones.ts';
import { DEFAULT_RULES, DEFAULT_RULES_VERSION } from './default-rules.ts';
import { CATCH_ALL, DAYS, TenantRulesSchema, type CallingWindow, type JurisdictionRule, type TenantRules } from './rule-schema.ts';

export interface RuleSet {
  /** The tenant's revision in force; null = defaults only. */
  revision: number | null;
  overrides: TenantRules;
}

export interface ResolvedRule {
  /** The jurisdiction asked about. */
  jurisdiction: string;
  /** Where the rule came from. */
  source: 'tenant' | 'default' | 'tenant_catch_all';
  rule: JurisdictionRule;
  /** The zones to be open in: the rule's own, or every zone of the country. */
  zones: readonly string[];
}

/** "2026-06-01" for the defaults alone, "2026-06-01+r3" with the tenant's revision 3. */
export function ruleVersion(revision: number | null): string {
  return revision === null ? DEFAULT_RULES_VERSION : `${DEFAULT_RULES_VERSION}+r${revision}`;
}

/** A stored revision's JSON → overrides; a row that does not parse is an error (and so a deny), never "no overrides". */
export function parseStoredRules(json: string): TenantRules {
  return TenantRulesSchema.parse(JSON.parse(json));
}

export function resolveRule(set: RuleSet, jurisdiction: string | null): ResolvedRule | null {
  if (jurisdiction === null) return null;
  const own = set.overrides[jurisdiction];
  const byDefault = DEFAULT_RULES[jurisdiction];
  const catchAll = set.overrides[CATCH_ALL];
  const [rule, source] = own ? [own, 'tenant' as const] : byDefault ? [byDefault, 'default' as const] : catchAll ? [catchAll, 'tenant_catch_all' as const] : [null, null];
  if (!rule || !source) return null;
  return { jurisdiction, source, rule, zones: rule.timezones ?? countryTimeZones(jurisdiction) };
}

/** Every jurisdiction with a rule (defaults and overrides), sorted, catch-all last. */
export function ruleKeys(set: RuleSet): string[] {
  const keys = new Set([...Object.keys(DEFAULT_RULES), ...Object.keys(set.overrides)]);
  return [...keys].sort((a, b) => (a === CATCH_ALL ? 1 : b === CATCH_ALL ? -1 : a.localeCompare(b)));
}

/** "09:00–18:00 Sun–Thu", "08:00–21:00 daily", "never" — the human form used in blocking reasons. */
export function windowsSummary(windows: readonly CallingWindow[]): string {
  if (windows.length === 0) return 'never';
  return windows.map((w) => `${w.start}–${w.end} ${daysSummary(w.days)}`).join(', ');
}

function daysSummary(days: readonly string[]): string {
  const on = DAYS.map((d) => days.includes(d));
  if (on.every(Boolean)) return 'daily';
  // Start the walk after a day that is off, so a run like Sat–Mon is one range.
  const first = on.findIndex((v, i) => v && !on[(i + 6) % 7]);
  const runs: string[] = [];
  for (let k = 0; k < 7; ) {
    const i = (first + k) % 7;
    if (!on[i]) {
      k++;
      continue;
    }
    let len = 1;
    while (len < 7 - k && on[(i + len) % 7]) len++;
    const name = (d: number) => DAYS[d]!.charAt(0).toUpperCase() + DAYS[d]!.slice(1);
    runs.push(len === 1 ? name(i) : `${name(i)}–${name((i + len - 1) % 7)}`);
    k += len;
  }
  return runs.join(', ');
}
