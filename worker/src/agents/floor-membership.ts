/**
 * Keeps the floor in step with the users table: a user who stops being an
 * enabled agent (disabled, or given another role) leaves the floor: offline,
 * with agent.state_changed if they were not offline already, and no client
 * can set their state any more; one who becomes an enabled agent again
 * (enabled, or given the agent role) rejoins it, still offline. Called after
 * the users routes have written D1, and idempotent, so an admin who retries
 * a request that failed here brings the floor back in step.
 */
import type { Env } from '../env.ts';
import type { users } from '../db/schema.ts';
import { agentFloor } from '../durable/stubs.ts';
import { changeAgentState } from './state-change.ts';

type UserRow = typeof users.$inferSelect;

export async function syncFloorMembership(env: Env, before: UserRow, after: UserRow, changedBy: string): Promise<void> {
  const agent = { id: after.id, fullName: after.fullName, teamId: after.teamId, createdAt: after.createdAt };
  if (after.role === 'agent' && after.disabledAt === null) {
    await agentFloor(env, after.tenantId).apply(after.id, after.createdAt, { kind: 'admit' });
    return;
  }
  if (before.role !== 'agent' && after.role !== 'agent') return;
  const reason = after.disabledAt !== null ? 'User disabled' : `Role changed to ${after.role}`;
  await changeAgentState(env, after.tenantId, agent, { kind: 'remove', reason, by: changedBy });
}
