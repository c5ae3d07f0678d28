// Compliance fixtures for tests of other features: a tenant whose calls are
// permitted at any hour (tests must not depend on the wall clock) and who
// owns the caller ID the broadcast helpers send (CLI ownership). DNC lists
// still apply. Compliance tests themselves start from the default rules.
import { env } from 'cloudflare:test';
import { alwaysOpenRules } from '../../../worker/src/compliance/rules/always-open.ts';

/** The `from` of test broadcasts (helpers/broadcast-body.ts, session/harness.ts). */
export const TEST_CLI = '+12012774877';

export function openComplianceStatements(tenantId: string, clis: readonly string[] = [TEST_CLI]): D1PreparedStatement[] {
  const groupId = crypto.randomUUID();
  const now = new Date().toISOString();
  return [
    env.DB.prepare('INSERT INTO compliance_rule_sets (tenant_id, revision, rules, created_by, created_at) VALUES (?, 1, ?, ?, ?)').bind(tenantId, JSON.stringify(alwaysOpenRules()), 'test-fixture', now),
    env.DB.prepare('INSERT INTO cli_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)').bind(groupId, tenantId, 'Test CLIs', now),
    ...clis.map((cli) => env.DB.prepare('INSERT INTO cli_numbers (cli_group_id, tenant_id, number) VALUES (?, ?, ?)').bind(groupId, tenantId, cli)),
  ];
}
