// What the agent-state tests share: more users seeded straight into D1 (with
// a team, a chosen creation time), the floor and state-change requests, and
// calls rows written the way a dialer records an agent's calls.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { hashPassword } from '../../../../worker/src/auth/password.ts';
import { signAccessToken, type Role } from '../../../../worker/src/auth/tokens.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { PASSWORD, call, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';

export interface FloorAgentBody {
  id: string;
  full_name: string;
  state: string;
  state_since: string;
  sip_registered: boolean;
  current_call_id: string | null;
  calls_today: number;
  talk_time_today_seconds: number;
}

export interface FloorBody {
  agents: FloorAgentBody[];
  summary: { total: number; available: number; on_call: number; break: number; offline: number };
}

export interface StateBody {
  agent_id: string;
  state: string;
  state_since: string;
  reason: string | null;
}

let passwordHash: Promise<string> | null = null;

export async function addUser(t: DialerTenant, fields: { fullName?: string; role?: Role; teamId?: string | null; createdAt?: string } = {}): Promise<SeededUser> {
  passwordHash ??= hashPassword(PASSWORD);
  const id = uuidv7();
  const role = fields.role ?? 'agent';
  const fullName = fields.fullName ?? `Agent ${id.slice(-6)}`;
  const email = `${role}-${id.slice(-12)}@example.test`;
  await env.DB.prepare('INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, team_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(id, t.tenantId, email, fullName, role, await passwordHash, fields.teamId ?? null, fields.createdAt ?? new Date().toISOString())
    .run();
  return { id, email, role, fullName, token: await signAccessToken(env.JWT_SECRET, { userId: id, tenantId: t.tenantId, role }) };
}

export async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

export async function floor(who: SeededUser, query = ''): Promise<FloorBody> {
  return json<FloorBody>(await call(who, 'GET', `/v1/agents/state${query}`));
}

export async function setMyState(who: SeededUser, state: string, reason?: string): Promise<StateBody> {
  return json<StateBody>(await call(who, 'POST', '/v1/agents/me/state', reason === undefined ? { state } : { state, reason }));
}

export async function setAgentState(who: SeededUser, agentId: string, state: string, reason?: string): Promise<StateBody> {
  return json<StateBody>(await call(who, 'POST', `/v1/agents/${agentId}/state`, reason === undefined ? { state } : { state, reason }));
}

export function agentIn(body: FloorBody, id: string): FloorAgentBody {
  const agent = body.agents.find((a) => a.id === id);
  expect(agent, `agent ${id} on the floor`).toBeDefined();
  return agent!;
}

/** A finished (or, without endedAt, live) call of an agent, as the dialer records it. */
export async function recordAgentCall(
  t: DialerTenant,
  agentId: string | null,
  call: { startedAt: string; answeredAt?: string | null; endedAt?: string | null; status?: string },
): Promise<string> {
  const id = uuidv7();
  await env.DB.prepare(
    `INSERT INTO calls (id, tenant_id, agent_id, contact_phone, from_number, direction, status, started_at, answered_at, ended_at)
     VALUES (?, ?, ?, '+971501234567', '+97145550001', 'outbound', ?, ?, ?, ?)`,
  )
    .bind(id, t.tenantId, agentId, call.status ?? 'completed', call.startedAt, call.answeredAt ?? null, call.endedAt === undefined ? null : call.endedAt)
    .run();
  return id;
}

export const iso = (ms: number) => new Date(ms).toISOString();
