/**
 * Which tenants have agent SIP bindings on which media node, kept inside
 * the MediaFleet object (its own table), so that when the fleet declares a
 * node lost, or sees it restart, it can tell exactly those tenants'
 * AgentFloor objects to drop the node's bindings (CONTRACT-AGENTS §3)
 * instead of asking every tenant.
 *
 * A row is added when a registration from the node reaches a tenant and
 * removed when the node is lost. A restart keeps the rows: registrations
 * from the new boot may already have been noted, and telling a floor with
 * nothing to drop costs one call.
 */
import type { Env } from '../../env.ts';
import { agentFloor } from '../stubs.ts';
import { publishToWallboard } from '../../wallboard/publish.ts';
import { bindingsDroppedFeedEvent } from '../../wallboard/registration-events.ts';

export class BindingTenants {
  #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS binding_tenants (node_id TEXT NOT NULL, tenant_id TEXT NOT NULL, PRIMARY KEY (node_id, tenant_id))');
  }

  note(nodeId: string, tenantIds: readonly string[]): void {
    for (const tenantId of tenantIds) this.#sql.exec('INSERT INTO binding_tenants (node_id, tenant_id) VALUES (?, ?) ON CONFLICT DO NOTHING', nodeId, tenantId);
  }

  tenantsOf(nodeId: string): string[] {
    return this.#sql.exec<{ tenant_id: string }>('SELECT tenant_id FROM binding_tenants WHERE node_id = ?', nodeId).toArray().map((r) => r.tenant_id);
  }

  /**
   * The node is lost (`startedAt` null) or restarted as boot `startedAt`:
   * every tenant with bindings there drops those from before.
   */
  async dropNode(env: Env, nodeId: string, startedAt: string | null): Promise<void> {
    const tenants = this.tenantsOf(nodeId);
    if (tenants.length === 0) return;
    const why = startedAt === null ? 'node lost' : 'node restarted';
    const dropped = await Promise.all(tenants.map((tenantId) => agentFloor(env, tenantId).dropNodeBindings(nodeId, startedAt)));
    if (startedAt === null) this.#sql.exec('DELETE FROM binding_tenants WHERE node_id = ?', nodeId);
    // Open wallboards re-read who is registered (publishing never throws).
    await Promise.all(tenants.filter((_, i) => dropped[i]! > 0).map((tenantId) => publishToWallboard(env, tenantId, [bindingsDroppedFeedEvent(nodeId, why)])));
    console.log(JSON.stringify({ msg: 'agent SIP bindings dropped', node_id: nodeId, why, tenants: tenants.length }));
  }
}
