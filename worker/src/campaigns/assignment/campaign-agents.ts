/**
 * Which agents a campaign's calls may be bridged to (table campaign_agents,
 * our addition): replace the list, read it. Only enabled users with role
 * `agent` of the campaign's tenant can be assigned; an agent later disabled
 * or demoted stays in the table but is never on the floor, so never dialled for.
 */
export interface AssignedAgent {
  agent_id: string;
  full_name: string;
  assigned_at: string;
  /** The user is still an enabled agent (on the floor). */
  on_floor: boolean;
}

export async function assignedAgents(db: D1Database, tenantId: string, campaignId: string): Promise<AssignedAgent[]> {
  const { results } = await db
    .prepare(
      `SELECT ca.agent_id, u.full_name, ca.assigned_at,
              (u.role = 'agent' AND u.disabled_at IS NULL) AS on_floor
       FROM campaign_agents ca JOIN users u ON u.id = ca.agent_id AND u.tenant_id = ca.tenant_id
       WHERE ca.tenant_id = ?1 AND ca.campaign_id = ?2
       ORDER BY u.full_name COLLATE NOCASE, ca.agent_id`,
    )
    .bind(tenantId, campaignId)
    .all<{ agent_id: string; full_name: string; assigned_at: string; on_floor: number }>();
  return results.map((r) => ({ agent_id: r.agent_id, full_name: r.full_name, assigned_at: r.assigned_at, on_floor: r.on_floor === 1 }));
}

/** Ids among `agentIds` that are not enabled agents of the tenant (so cannot be assigned). */
export async function notAgentsOf(db: D1Database, tenantId: string, agentIds: readonly string[]): Promise<string[]> {
  if (agentIds.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT id FROM users WHERE tenant_id = ?1 AND role = 'agent' AND disabled_at IS NULL AND id IN (SELECT value FROM json_each(?2))`)
    .bind(tenantId, JSON.stringify(agentIds))
    .all<{ id: string }>();
  const found = new Set(results.map((r) => r.id));
  return agentIds.filter((id) => !found.has(id));
}

/** Replaces the campaign's list in one batch; agents kept keep their assigned_at. */
export async function replaceAssignedAgents(db: D1Database, tenantId: string, campaignId: string, agentIds: readonly string[], nowIso: string): Promise<void> {
  const ids = JSON.stringify([...new Set(agentIds)]);
  await db.batch([
    db.prepare('DELETE FROM campaign_agents WHERE tenant_id = ?1 AND campaign_id = ?2 AND agent_id NOT IN (SELECT value FROM json_each(?3))').bind(tenantId, campaignId, ids),
    db
      .prepare(
        `INSERT INTO campaign_agents (campaign_id, agent_id, tenant_id, assigned_at)
         SELECT ?2, value, ?1, ?4 FROM json_each(?3) WHERE true
         ON CONFLICT (campaign_id, agent_id) DO NOTHING`,
      )
      .bind(tenantId, campaignId, ids, nowIso),
  ]);
}
