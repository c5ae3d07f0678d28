// The dialer API's operator path on a real `wrangler dev`: the seeded demo users
// sign in, `npm run tenant:create` writes a tenant into the running Worker's local
// D1 and its admin signs in, and the operator token (set by the local stack)
// manages tenants. No media node is needed for any of this.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../../scripts/stack/child-processes.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/stack/local-worker.ts';
import { DEMO } from '../../scripts/seed-local.ts';

const PORT = 8977;
const stateDir = `${process.cwd()}/.wrangler/e2e-dialer-${Date.now()}`;
const group = new ProcessGroup();
let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker(group, { port: PORT, persistDir: stateDir, logFile: `${stateDir}/worker.log` });
}, 120_000);

afterAll(async () => {
  await group.stopAll();
  if (process.env.KEEP_E2E_STATE) console.log(`state kept in ${stateDir}`);
  else rmSync(stateDir, { recursive: true, force: true });
});

/**
 * fetch that retries once when a kept-alive connection was closed under it: the
 * dev server drops idle connections, and a request racing that close fails with
 * UND_ERR_SOCKET before reaching the Worker (seen after the seconds-long script run).
 */
async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}

async function post(path: string, body: unknown, token?: string) {
  const res = await request(`${worker.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}

describe('dialer API on the local stack', () => {
  it('signs in every seeded demo user with the README credentials', async () => {
    for (const user of DEMO.users) {
      const login = await post('/v1/auth/login', { email: user.email, password: DEMO.userPassword });
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ email: user.email, role: user.role, tenant_id: DEMO.tenantId });
    }
  });

  it('npm run tenant:create makes a tenant whose admin can sign in', async () => {
    const email = `first-admin-${Date.now()}@acme.test`;
    const out = execFileSync('npx', ['tsx', 'scripts/create-tenant.ts', '--name', 'Acme', '--email', email, '--full-name', 'Ada Admin', '--timezone', 'Asia/Riyadh', '--local', '--persist-to', stateDir], {
      env: { ...process.env, CRIER_ADMIN_PASSWORD: 'first admin password' },
      encoding: 'utf8',
    });
    const created = JSON.parse(out.trim().split('\n').at(-1)!) as { tenant_id: string };
    const login = await post('/v1/auth/login', { email, password: 'first admin password' });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ role: 'admin', tenant_id: created.tenant_id });
    const tenant = await request(`${worker.url}/v1/tenant`, { headers: { authorization: `Bearer ${login.body.access_token}` } });
    expect(await tenant.json()).toMatchObject({ name: 'Acme', timezone: 'Asia/Riyadh' });
  }, 60_000);

  it('lets the local operator token create tenants, and nobody else', async () => {
    const body = { name: 'Beta', admin: { email: `beta-${Date.now()}@beta.test`, full_name: 'Bea', password: 'beta admin password' } };
    expect((await post('/v1/platform/tenants', body, 'wrong-token-wrong-token-wrong-token')).status).toBe(401);
    const created = await post('/v1/platform/tenants', body, DEMO.platformToken);
    expect(created.status).toBe(201);
    expect((await post('/v1/auth/login', { email: body.admin.email, password: 'beta admin password' })).status).toBe(200);
  });
});
