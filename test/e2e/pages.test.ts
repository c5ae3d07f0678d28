// The wallboard and the agent desk in a real browser (headless Chromium)
// against `wrangler dev`: both sign in, an agent state change made through
// the API reaches the open wallboard over its live feed, and a disposition
// chosen on the desk is saved. Screenshots of both pages go to
// .cache/test-artifacts/ (gitignored). No media node: calls are written into
// the local D1 the way the dialer would leave a finished one.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../../scripts/stack/child-processes.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/stack/local-worker.ts';
import { DEMO } from '../../scripts/seed-local.ts';
import { ARTIFACTS_DIR, launchChromium } from './browser-pages.ts';

const PORT = 8983;
const stateDir = `${process.cwd()}/.wrangler/e2e-pages-${Date.now()}`;
const group = new ProcessGroup();
const supervisor = DEMO.users.find((u) => u.role === 'supervisor')!;
const agent = DEMO.users.find((u) => u.role === 'agent')!;
let worker: LocalWorker;
let browser: Browser;

beforeAll(async () => {
  worker = await startLocalWorker(group, { port: PORT, persistDir: stateDir, logFile: `${stateDir}/worker.log` });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await group.stopAll();
  if (process.env.KEEP_E2E_STATE) console.log(`state kept in ${stateDir}`);
  else rmSync(stateDir, { recursive: true, force: true });
});

async function api(path: string, token: string | null, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${worker.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}

async function tokenOf(email: string): Promise<string> {
  const login = await api('/v1/auth/login', null, { method: 'POST', body: { email, password: DEMO.userPassword } });
  expect(login.status).toBe(200);
  return login.body.access_token as string;
}

async function signIn(page: Page, path: string, email: string) {
  // The page's own errors explain a failure better than a timeout does.
  page.on('console', (m) => m.type() === 'error' && console.error(`[${path} console] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[${path} page error] ${e.message}`));
  page.on('requestfailed', (r) => console.error(`[${path} request failed] ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`${worker.url}${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO.userPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection[data-state="live"]').waitFor();
}

/** A finished call of the agent, as the dialer leaves one in D1 (the local database of the running Worker). */
function insertFinishedCall(id: string, agentId: string) {
  const now = new Date();
  const started = new Date(now.getTime() - 90_000).toISOString();
  const sql = `INSERT INTO calls (id, tenant_id, agent_id, contact_phone, from_number, direction, status, duration_seconds, started_at, answered_at, ended_at)
    VALUES ('${id}', '${DEMO.tenantId}', '${agentId}', '+14155550142', '+14155550100', 'outbound', 'completed', 80, '${started}', '${new Date(now.getTime() - 80_000).toISOString()}', '${now.toISOString()}')`;
  execFileSync(join(process.cwd(), 'node_modules', '.bin', 'wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--command', sql], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
}

describe('the wallboard and the agent desk in Chromium', () => {
  it('shows an agent state change made through the API on the open wallboard, from the live feed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, '/wallboard', supervisor.email);
    const row = page.locator(`#agents tr[data-agent-id="${agent.id}"]`);
    await row.waitFor();

    const agentToken = await tokenOf(agent.email);
    const target = (await row.getAttribute('data-state')) === 'break' ? 'lunch' : 'break';
    const asked = Date.now();
    const changed = await api('/v1/agents/me/state', agentToken, { method: 'POST', body: { state: target } });
    expect(changed.status).toBe(200);
    const answered = Date.now();

    // The event itself arrived over the socket (no reload, no poll), and the row shows it.
    await page.waitForFunction((s) => (globalThis as any).crierWallboard.received.some((e: any) => e.type === 'agent.state_changed' && e.payload.state === s), target);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000, interval: 20 }).toBe(target);
    // How soon the board showed it is a printed figure (the "within a second"), never an assertion.
    console.log(`[pages] wallboard row changed ${Date.now() - asked} ms after the state change was asked for (${answered - asked} ms of it the API's answer)`);

    // A dropped socket reconnects and re-reads: a change made meanwhile still shows.
    await page.evaluate(() => (globalThis as any).crierWallboard.drop());
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    await api('/v1/agents/me/state', agentToken, { method: 'POST', body: { state: 'available' } });
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('available');

    await page.screenshot({ path: `${ARTIFACTS_DIR}/wallboard.png`, fullPage: true });
    await page.close();
  });

  it('lets the agent change state and save a disposition from the desk (read back through the API)', async () => {
    const callId = `00000000-0000-7000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
    insertFinishedCall(callId, agent.id);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, '/desk', agent.email);
    await expect.poll(() => page.locator('#phone-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('not-configured');

    await page.getByRole('button', { name: 'Training' }).click();
    await page.locator('#my-state [data-state="training"]').waitFor();
    const supervisorToken = await tokenOf(supervisor.email);
    const floor = await api('/v1/agents/state', supervisorToken);
    expect(floor.body.agents.find((a: any) => a.id === agent.id).state).toBe('training');

    const dispositions = await api('/v1/dispositions', supervisorToken);
    const code = dispositions.body.dispositions[0].code as string;
    await page.locator('#dispo-call').selectOption(callId);
    await page.locator('#dispo-code').selectOption(code);
    await page.getByLabel('Notes').fill('asked for a call back on Monday');
    await page.getByRole('button', { name: 'Save disposition' }).click();
    await page.locator('#dispo-status', { hasText: 'Saved' }).waitFor();

    const calls = await api(`/v1/calls?agent_id=${agent.id}`, supervisorToken);
    expect(calls.body.items.find((c: any) => c.id === callId)).toMatchObject({ disposition: code });

    await page.screenshot({ path: `${ARTIFACTS_DIR}/desk.png`, fullPage: true });
    await page.close();
  });
});
