/**
 * Who is on a tenant's floor, read from D1: every user with role `agent`
 * that is not disabled. D1 decides membership; the AgentFloor object only
 * holds the live states of these people.
 */

export interface FloorAgent {
  id: string;
  fullName: string;
  teamId: string | null;
  /** The user's creation: an agent never set has been offline since then. */
  createdAt: string;
}

interface AgentUserRow {
  id: string;
  full_name: string;
  team_id: string | null;
  created_at: string;
}

const COLUMNS = 'id, full_name, team_id, created_at';
const ON_FLOOR = "tenant_id = ?1 AND role = 'agent' AND disabled_at IS NULL";

/** The agent `id` of the tenant, or null when there is none (another tenant's, disabled, or not an agent). */
export async function findFloorAgent(db: D1Database, tenantId: string, id: string): Promise<FloorAgent | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM users WHERE ${ON_FLOOR} AND id = ?2`).bind(tenantId, id).first<AgentUserRow>();
  return row ? toAgent(row) : null;
}

/** The statement listing the floor (optionally one team), by name then id, for a batch. */
export function listFloorAgentsStatement(db: D1Database, tenantId: string, teamId: string | undefined): D1PreparedStatement {
  return db
    .prepare(`SELECT ${COLUMNS} FROM users WHERE ${ON_FLOOR} AND (?2 IS NULL OR team_id = ?2) ORDER BY full_name COLLATE NOCASE, id`)
    .bind(tenantId, teamId ?? null);
}

export function floorAgentsOf(result: D1Result): FloorAgent[] {
  return (result.results as AgentUserRow[]).map(toAgent);
}

function toAgent(row: AgentUserRow): FloorAgent {
  return { id: row.id, fullName: row.full_name, teamId: row.team_id, createdAt: row.created_at };
}
