/**
 * Everything the compliance decisions of a batch of calls depend on, read
 * from D1 in ONE batch (one round trip whether the batch is 1 call or 100):
 * the tenant's rule revision in force, its DNC hits, national registry hits,
 * consent records, owned caller IDs and the campaigns' CLI groups. Lists
 * travel as one JSON parameter each (D1 binds at most 100 parameters).
 */
import type { ConsentRecord } from './checks/consent.ts';
import { parseStoredRules, type RuleSet } from './rules/effective-rules.ts';

export interface FactsQuery {
  tenantId: string;
  phones: readonly string[];
  clis: readonly string[];
  campaignIds: readonly string[];
}

export interface BatchFacts {
  ruleSet: RuleSet;
  tenantDnc: ReadonlySet<string>;
  /** phone → registry codes that list it */
  national: ReadonlyMap<string, string[]>;
  /** phone → its consent records in the tenant */
  consents: ReadonlyMap<string, ConsentRecord[]>;
  ownedClis: ReadonlySet<string>;
  /** campaign id → how many of the tenant's numbers its CLI group holds (absent: no such campaign in the tenant) */
  campaignCliCounts: ReadonlyMap<string, number>;
}

/** The I/O seam of the engine: tests substitute a failing or slow one to prove default deny. */
export type FactsLoader = (db: D1Database, query: FactsQuery) => Promise<BatchFacts>;

interface ConsentRow {
  phone: string;
  campaign_id: string | null;
  status: 'granted' | 'revoked';
  granted_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export const loadFacts: FactsLoader = async (db, query) => {
  const phones = JSON.stringify([...new Set(query.phones)]);
  const statements: D1PreparedStatement[] = [
    db.prepare('SELECT revision, rules FROM compliance_rule_sets WHERE tenant_id = ?1 ORDER BY revision DESC LIMIT 1').bind(query.tenantId),
    db.prepare('SELECT phone FROM dnc WHERE tenant_id = ?1 AND phone IN (SELECT value FROM json_each(?2))').bind(query.tenantId, phones),
    db.prepare('SELECT registry, phone FROM national_dnc WHERE phone IN (SELECT value FROM json_each(?1))').bind(phones),
    db
      .prepare(
        `SELECT phone, campaign_id, status, granted_at, expires_at, revoked_at, created_at FROM consents
         WHERE tenant_id = ?1 AND phone IN (SELECT value FROM json_each(?2))`,
      )
      .bind(query.tenantId, phones),
  ];
  const clis = [...new Set(query.clis)];
  if (clis.length > 0) {
    statements.push(db.prepare('SELECT DISTINCT number FROM cli_numbers WHERE tenant_id = ?1 AND number IN (SELECT value FROM json_each(?2))').bind(query.tenantId, JSON.stringify(clis)));
  }
  const campaignIds = [...new Set(query.campaignIds)];
  if (campaignIds.length > 0) {
    statements.push(
      db
        .prepare(
          `SELECT c.id AS id, (SELECT COUNT(*) FROM cli_numbers n JOIN cli_groups g ON g.id = n.cli_group_id
                               WHERE n.cli_group_id = c.cli_group_id AND n.tenant_id = c.tenant_id AND g.tenant_id = c.tenant_id) AS numbers
           FROM campaigns c WHERE c.tenant_id = ?1 AND c.id IN (SELECT value FROM json_each(?2))`,
        )
        .bind(query.tenantId, JSON.stringify(campaignIds)),
    );
  }
  const [rules, dnc, national, consents, ...rest] = await db.batch<Record<string, unknown>>(statements);
  const ruleRow = rules!.results[0] as { revision: number; rules: string } | undefined;
  const nationalMap = new Map<string, string[]>();
  for (const row of national!.results as Array<{ registry: string; phone: string }>) nationalMap.set(row.phone, [...(nationalMap.get(row.phone) ?? []), row.registry]);
  const consentMap = new Map<string, ConsentRecord[]>();
  for (const row of consents!.results as unknown as ConsentRow[]) {
    const record: ConsentRecord = { campaignId: row.campaign_id, status: row.status, grantedAt: row.granted_at, expiresAt: row.expires_at, revokedAt: row.revoked_at, createdAt: row.created_at };
    consentMap.set(row.phone, [...(consentMap.get(row.phone) ?? []), record]);
  }
  const cliRows = clis.length > 0 ? (rest.shift()!.results as Array<{ number: string }>) : [];
  const campaignRows = campaignIds.length > 0 ? (rest.shift()!.results as Array<{ id: string; numbers: number }>) : [];
  return {
    ruleSet: ruleRow ? { revision: ruleRow.revision, overrides: parseStoredRules(ruleRow.rules) } : { revision: null, overrides: {} },
    tenantDnc: new Set((dnc!.results as Array<{ phone: string }>).map((r) => r.phone)),
    national: nationalMap,
    consents: consentMap,
    ownedClis: new Set(cliRows.map((r) => r.number)),
    campaignCliCounts: new Map(campaignRows.map((r) => [r.id, r.numbers])),
  };
};
