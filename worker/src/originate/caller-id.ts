/**
 * The caller ID of a manual originate (docs/agents-calls.md "Caller ID"):
 *   - cli_override, if it is one of the tenant's CLI numbers (any of its
 *     CLI groups): else 403 naming the field;
 *   - else the campaign's CLI group (campaign_id given);
 *   - else every CLI group of the tenant, as one pool;
 * a group with several numbers gives chooseCallerId's pick. Nothing to
 * present at all is a 409: the call cannot be placed as configured.
 */
import { ProblemError, Problems } from '../errors/problem.ts';
import { chooseCallerId } from './caller-id-choice.ts';

export interface CallerIdRequest {
  tenantId: string;
  /** E.164 with '+'. */
  destination: string;
  /** E.164 with '+', already validated in form. */
  cliOverride: string | null;
  /** A campaign of the tenant (checked by the caller). */
  campaignId: string | null;
}

export async function resolveCallerId(db: D1Database, req: CallerIdRequest): Promise<string> {
  if (req.cliOverride !== null) {
    const owned = await db.prepare('SELECT 1 FROM cli_numbers WHERE tenant_id = ? AND number = ? LIMIT 1').bind(req.tenantId, req.cliOverride).first();
    if (!owned) {
      throw new ProblemError({
        status: 403,
        slug: 'cli-not-allowed',
        title: 'Caller ID not allowed',
        detail: `cli_override ${req.cliOverride} is not a number in any of your CLI groups.`,
        errors: [{ pointer: '/cli_override', reason: 'is not a number in any of your CLI groups' }],
      });
    }
    return req.cliOverride;
  }
  if (req.campaignId !== null) {
    const { results } = await db
      .prepare('SELECT n.number FROM campaigns c JOIN cli_numbers n ON n.cli_group_id = c.cli_group_id AND n.tenant_id = c.tenant_id WHERE c.id = ? AND c.tenant_id = ?')
      .bind(req.campaignId, req.tenantId)
      .all<{ number: string }>();
    const cli = chooseCallerId(results.map((r) => r.number), req.destination);
    if (!cli) throw Problems.conflict('no-caller-id', 'No caller ID', `The CLI group of campaign ${req.campaignId} has no numbers; add one, or send cli_override.`);
    return cli;
  }
  const { results } = await db.prepare('SELECT number FROM cli_numbers WHERE tenant_id = ?').bind(req.tenantId).all<{ number: string }>();
  const cli = chooseCallerId(results.map((r) => r.number), req.destination);
  if (!cli) throw Problems.conflict('no-caller-id', 'No caller ID', 'Your tenant has no CLI numbers to present; create a CLI group first.');
  return cli;
}
