/**
 * Which of many numbers must not be called, in a few queries: those on the
 * tenant's DNC list and those on any national DNC registry (TDRA, CITC, …;
 * they bind every tenant). Both put a recipient in call_blacklisted at
 * acceptance. Numbers travel as one JSON parameter per chunk (D1 allows 100
 * bound parameters per statement, not 100,000) and the chunks go in one
 * batch, one round trip.
 */
const CHUNK = 10_000;

export async function dncMatches(db: D1Database, tenantId: string, e164Numbers: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(e164Numbers)];
  if (unique.length === 0) return found;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    statements.push(
      db
        .prepare(
          `SELECT phone FROM dnc WHERE tenant_id = ?1 AND phone IN (SELECT value FROM json_each(?2))
           UNION SELECT phone FROM national_dnc WHERE phone IN (SELECT value FROM json_each(?2))`,
        )
        .bind(tenantId, JSON.stringify(unique.slice(i, i + CHUNK))),
    );
  }
  for (const result of await db.batch<{ phone: string }>(statements)) for (const row of result.results) found.add(row.phone);
  return found;
}
