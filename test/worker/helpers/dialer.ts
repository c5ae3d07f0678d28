// Dialer-API (/v1) test helpers: a tenant with one user of each role seeded
// straight into D1, access tokens minted with the Worker's own signer (login
// itself is tested in dialer/auth.test.ts), and requests with a bearer token.
import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { hashPassword } from '../../../worker/src/auth/password.ts';
import { signAccessToken, type Role } from '../../../worker/src/auth/tokens.ts';
import { uuidv7 } from '../../../worker/src/ids/uuid-v7.ts';
import { BASE } from './tenant.ts';
import type { Problem } from './http.ts';

export const PASSWORD = 'correct horse battery staple';
export const PLATFORM_TOKEN = 'test-platform-token-0123456789abcdef-xyz';

export interface SeededUser {
  id: string;
  email: string;
  role: Role;
  fullName: string;
  token: string;
}

export interface DialerTenant {
  tenantId: string;
  timezone: string;
  admin: SeededUser;
  supervisor: SeededUser;
  agent: SeededUser;
}

let passwordHash: Promise<string> | null = null;

export async function seedDialerTenant(options: { timezone?: string; name?: string } = {}): Promise<DialerTenant> {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const tenantId = uuidv7();
  const timezone = options.timezone ?? 'Asia/Dubai';
  const now = new Date().toISOString();
  const tag = tenantId.slice(-8);
  const people: Array<[Role, string]> = [
    ['admin', 'Amira Admin'],
    ['supervisor', 'Samir Supervisor'],
    ['agent', 'Layla Ahmed'],
  ];
  const seeded = await Promise.all(
    people.map(async ([role, fullName]) => {
      const id = uuidv7();
      const email = `${role}-${tag}@example.test`;
      return { id, email, role, fullName, token: await signAccessToken(env.JWT_SECRET, { userId: id, tenantId, role }) };
    }),
  );
  await env.DB.batch([
    env.DB.prepare('INSERT INTO tenants (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').bind(tenantId, options.name ?? 'Dialer tenant', timezone, now),
    ...seeded.map((u) =>
      env.DB.prepare('INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').bind(u.id, tenantId, u.email, u.fullName, u.role, hash, now),
    ),
  ]);
  return { tenantId, timezone, admin: seeded[0]!, supervisor: seeded[1]!, agent: seeded[2]! };
}

/** A request to the dialer API as `who` (a user, a raw token, or nobody). */
export function call(who: SeededUser | string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const token = who === null ? null : typeof who === 'string' ? who : who.token;
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Asserts a dialer-API RFC 7807 body (the spec's type URIs) and returns it. */
export async function dialerProblem(res: Response, status: number): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = (await res.json()) as Problem;
  expect(p).toMatchObject({ type: expect.stringMatching(/^https:\/\/engage\.broadnet\.me\/errors\/[a-z-]+$/), title: expect.any(String), status, detail: expect.any(String) });
  if (p.errors) expect(p.field).toBe(p.errors[0]!.pointer);
  return p;
}

/** Every item of a paginated list, following next_cursor. */
export async function allPages<T>(who: SeededUser, path: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(who, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: T[]; next_cursor: string | null; has_more: boolean };
    items.push(...page.items);
    expect(page.has_more).toBe(page.next_cursor !== null);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
  throw new Error('pagination did not end');
}
