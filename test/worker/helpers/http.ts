// Requests to the Worker under test and the checks every problem+json answer must pass.
import { SELF, runInDurableObject, env } from 'cloudflare:test';
import { expect } from 'vitest';
import { BASE, type SeededTenant } from './tenant.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  errors?: Array<{ pointer: string; reason: string }>;
}

export function postBroadcast(t: SeededTenant | null, payload: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}/voice/v1/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(t ? { authorization: t.auth } : {}), ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

export function getAs(t: SeededTenant, path: string): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { headers: { authorization: t.auth } });
}

export function sendJson(t: SeededTenant, method: 'POST' | 'PATCH', path: string, payload: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: t.auth, 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

/** Asserts an RFC 7807 body (and, for validation errors, field = the first pointer) and returns it. */
export async function problemOf(res: Response, status?: number): Promise<Problem> {
  if (status !== undefined) expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = (await res.json()) as Problem;
  expect(p).toMatchObject({ type: expect.stringMatching(/^https:\/\/crier\.dev\/problems\//), title: expect.any(String), status: res.status, detail: expect.any(String) });
  if (p.errors) expect(p.field).toBe(p.errors[0]!.pointer);
  return p;
}

export async function pointersOf(res: Response): Promise<string[]> {
  return ((await problemOf(res, 400)).errors ?? []).map((e) => e.pointer);
}

/**
 * Stops a broadcast's session from dispatching further. Tests run without a
 * media node, so after NO_MEDIA_NODE_WAIT_S every queued leg fails and sends
 * webhooks; for a 100,000-leg broadcast that is minutes of background work
 * that would slow every later test in the same runtime.
 */
export async function retireBroadcast(broadcastId: string): Promise<void> {
  const stub = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
  // An alarm already running may re-arm itself as it ends: delete until it stays deleted.
  for (let i = 0; i < 20; i++) {
    const rearmed = await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.deleteAlarm();
      await new Promise((r) => setTimeout(r, 50));
      return (await state.storage.getAlarm()) !== null;
    });
    if (!rearmed) return;
  }
}
