/**
 * CLI ownership: the caller ID a call presents must be one of the tenant's
 * numbers (cli_numbers). The caller ID is the explicit one in the context
 * (originate's cli_override, a broadcast's `from`, the check's `cli`) or,
 * failing that, whatever the campaign's CLI group will present — which passes
 * when that group holds at least one of the tenant's numbers. With neither
 * there is nothing to check: not_applicable.
 */
import type { CheckVerdict } from './verdict.ts';

export type CliFacts =
  | { kind: 'none' }
  /** `number` is E.164, or the raw text when it did not parse (and so cannot be owned). */
  | { kind: 'number'; number: string; owned: boolean }
  /** The campaign's group: how many of the tenant's numbers it holds; null = no such campaign in the tenant. */
  | { kind: 'campaign_group'; campaignId: string; numbers: number | null };

export function cliVerdict(facts: CliFacts): CheckVerdict {
  switch (facts.kind) {
    case 'none':
      return { outcome: 'not_applicable' };
    case 'number':
      return facts.owned ? { outcome: 'passed' } : { outcome: 'failed', reason: `Caller ID ${facts.number} is not one of your CLI numbers.` };
    case 'campaign_group':
      if (facts.numbers === null) return { outcome: 'failed', reason: `Campaign ${facts.campaignId} does not exist in this tenant, so it has no caller ID.` };
      return facts.numbers > 0 ? { outcome: 'passed' } : { outcome: 'failed', reason: "The campaign's CLI group has none of your CLI numbers." };
  }
}
