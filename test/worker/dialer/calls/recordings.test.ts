// Recordings in both APIs from one implementation: GET /v1/recordings (the
// spec's filters and item fields), GET /v1/recordings/{id}/play and the
// Basic-auth /voice/v1/recordings routes, the one-hour signed URL served by
// the Worker from R2 (expiry, tampering), roles and tenant isolation.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signedUrl } from '../../../../worker/src/signed-urls/index.ts';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { BASE, seedTenant } from '../../helpers/tenant.ts';
import { seedCalls, seedCampaign, seedRecording, type Page } from './seed.ts';

type Item = Record<string, unknown> & { id: string };
const wav = (n: number) => new Uint8Array(44 + n).map((_, i) => i % 251);

async function listed(who: Parameters<typeof call>[0], query = ''): Promise<Page<Item>> {
  const res = await call(who, 'GET', `/v1/recordings${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page<Item>;
}

describe('GET /v1/recordings', () => {
  it('lists stored recordings newest first with the documented fields, agent_name and contact_phone', async () => {
    const t = await seedDialerTenant();
    const campaignId = await seedCampaign(t.tenantId, 'Renewals');
    const [callId] = await seedCalls(t.tenantId, [{ campaignId, agentId: t.agent.id, contactPhone: '+971501234567', startedAt: '2026-06-12T10:15:00.000Z', answerAfterS: 5, endAfterS: 253 }]);
    const older = await seedRecording(t.tenantId, { callId: callId!, campaignId, agentId: t.agent.id, durationS: 247.6, startedAt: new Date('2026-06-12T10:15:05Z'), audio: wav(100) });
    const newer = await seedRecording(t.tenantId, { callId: callId!, campaignId, agentId: t.agent.id, durationS: 12, startedAt: new Date('2026-06-12T10:16:00Z') });
    await seedRecording(t.tenantId, { callId: callId!, status: 'recording', durationS: null, startedAt: new Date('2026-06-12T10:17:00Z') });
    await seedRecording(t.tenantId, { callId: callId!, status: 'failed', startedAt: new Date('2026-06-12T10:18:00Z') });
    const page = await listed(t.supervisor);
    expect(page).toMatchObject({ total: 2, has_more: false, next_cursor: null });
    expect(page.items.map((i) => i.id)).toEqual([newer, older]);
    expect(page.items[1]).toEqual({
      id: older,
      call_id: callId,
      agent_id: t.agent.id,
      agent_name: 'Layla Ahmed',
      campaign_id: campaignId,
      contact_phone: '+971501234567',
      duration_seconds: 248,
      format: 'wav',
      size_bytes: 144,
      recorded_at: '2026-06-12T10:15:05.000Z',
    });
  });

  it('filters by campaign, agent, from/to (inclusive) and min_duration', async () => {
    const t = await seedDialerTenant();
    const [c1, c2] = [await seedCampaign(t.tenantId, 'A'), await seedCampaign(t.tenantId, 'B')];
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const at = (m: number) => new Date(`2026-06-12T10:${String(m).padStart(2, '0')}:00.000Z`);
    const ids = [
      await seedRecording(t.tenantId, { callId: callId!, campaignId: c1, agentId: t.agent.id, durationS: 30, startedAt: at(0) }),
      await seedRecording(t.tenantId, { callId: callId!, campaignId: c1, agentId: t.supervisor.id, durationS: 60, startedAt: at(1) }),
      await seedRecording(t.tenantId, { callId: callId!, campaignId: c2, agentId: t.agent.id, durationS: 59.5, startedAt: at(2) }),
      await seedRecording(t.tenantId, { callId: callId!, durationS: 120, startedAt: at(3) }),
    ];
    const got = async (q: string) => (await listed(t.admin, `?${q}`)).items.map((i) => ids.indexOf(i.id));
    expect(await got(`campaign_id=${c1}`)).toEqual([1, 0]);
    expect(await got(`agent_id=${t.agent.id}`)).toEqual([2, 0]);
    expect(await got(`from=${at(1).toISOString()}&to=${at(2).toISOString()}`)).toEqual([2, 1]);
    expect(await got('min_duration=60')).toEqual([3, 1]);
    expect(await got(`min_duration=30&campaign_id=${c1}&agent_id=${t.agent.id}`)).toEqual([0]);
    for (const q of ['min_duration=-1', 'min_duration=abc', 'from=today', 'limit=0', 'limit=201', 'cursor=nope']) {
      await dialerProblem(await call(t.admin, 'GET', `/v1/recordings?${q}`), 400);
    }
  });

  it('400s (problem+json, pointing at the cursor) any cursor it did not issue, never a 500', async () => {
    const t = await seedDialerTenant();
    // Not base64 (atob throws), base64 of non-JSON, JSON of the wrong shape, a truncated real cursor.
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    for (let i = 0; i < 2; i++) await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(Date.now() - i * 1000) });
    const real = (await listed(t.supervisor, '?limit=1')).next_cursor!;
    for (const cursor of ['%25%25%25', 'bm90LWpzb24', 'eyJub3QiOiJhIGtleXNldCJ9', real.slice(0, -3)]) {
      const p = await dialerProblem(await call(t.supervisor, 'GET', `/v1/recordings?cursor=${cursor}`), 400);
      expect(p.errors?.[0]?.pointer, cursor).toBe('/query/cursor');
    }
    expect((await listed(t.supervisor, `?limit=1&cursor=${real}`)).items).toHaveLength(1);
  });

  it('pages with inserts in between: every recording once', async () => {
    const t = await seedDialerTenant();
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const base = Date.parse('2026-06-12T10:00:00Z');
    for (let i = 0; i < 23; i++) await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(base + i * 1000) });
    const seen: string[] = [];
    let cursor: string | null = null;
    let late = 0;
    do {
      const page: Page<Item> = await listed(t.supervisor, `?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
      if (cursor) {
        await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date() }); // newer than the cursor: not in later pages
        await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(base - ++late * 1000) }); // older: shows up once
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(23 + late);
  });

  it('is for supervisors and admins: 403 for agents, 401 without a token; another tenant’s recordings never show', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const [callId] = await seedCalls(other.tenantId, [{ startedAt: new Date() }]);
    await seedRecording(other.tenantId, { callId: callId!, startedAt: new Date() });
    await dialerProblem(await call(t.agent, 'GET', '/v1/recordings'), 403);
    await dialerProblem(await call(null, 'GET', '/v1/recordings'), 401);
    expect(await listed(t.supervisor)).toMatchObject({ items: [], total: 0 });
    expect((await listed(other.admin)).total).toBe(1);
  });
});

describe('GET /v1/recordings/{id}/play', () => {
  it('answers the documented body with a one-hour URL the Worker serves from R2', async () => {
    const t = await seedDialerTenant();
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const audio = wav(4000);
    const id = await seedRecording(t.tenantId, { callId: callId!, durationS: 61.4, startedAt: new Date(), audio });
    const res = await call(t.supervisor, 'GET', `/v1/recordings/${id}/play`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; url: string; expires_at: string; format: string; duration_seconds: number };
    expect(Object.keys(body).sort()).toEqual(['duration_seconds', 'expires_at', 'format', 'id', 'url']);
    expect(body).toMatchObject({ id, format: 'wav', duration_seconds: 61 });
    const ttl = Date.parse(body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    expect(new URL(body.url).pathname).toBe(`/recordings/${id}.wav`);
    const file = await SELF.fetch(body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('audio/wav');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(audio);
  });

  it('refuses a tampered, unsigned or expired URL with 403', async () => {
    const t = await seedDialerTenant();
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const [id, otherId] = [
      await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(), audio: wav(10) }),
      await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(), audio: wav(20) }),
    ];
    const { url } = (await (await call(t.admin, 'GET', `/v1/recordings/${id}/play`)).json()) as { url: string };
    const u = new URL(url);
    const tampered = [
      url.replace(/expires=\d+/, (m) => `expires=${Number(m.slice(8)) + 3600}`), // a longer life
      url.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === '0' ? '1' : '0'}`), // one nibble
      url.replace(id, otherId!), // another recording with this signature
      `${u.origin}${u.pathname}`, // no signature at all
    ];
    for (const bad of tampered) expect((await SELF.fetch(bad)).status, bad).toBe(403);
    const expired = await signedUrl(env.URL_SIGNING_SECRET, u.origin, u.pathname, 3600, Date.now() - 3601_000);
    const res = await SELF.fetch(expired.url);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('expired');
    expect((await SELF.fetch(url)).status).toBe(200);
  });

  it('404s another tenant’s recording, 409s one not stored yet, 403s agents', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const [theirCall] = await seedCalls(other.tenantId, [{ startedAt: new Date() }]);
    const theirs = await seedRecording(other.tenantId, { callId: theirCall!, startedAt: new Date(), audio: wav(10) });
    await dialerProblem(await call(t.supervisor, 'GET', `/v1/recordings/${theirs}/play`), 404);
    await dialerProblem(await call(t.supervisor, 'GET', `/v1/recordings/${crypto.randomUUID()}/play`), 404);
    const [myCall] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const running = await seedRecording(t.tenantId, { callId: myCall!, status: 'recording', startedAt: new Date() });
    const p = await dialerProblem(await call(t.supervisor, 'GET', `/v1/recordings/${running}/play`), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/recording-not-ready');
    await dialerProblem(await call(t.agent, 'GET', `/v1/recordings/${running}/play`), 403);
    expect((await call(other.supervisor, 'GET', `/v1/recordings/${theirs}/play`)).status).toBe(200);
  });
});

describe('GET /voice/v1/recordings (Basic auth) shares the implementation', () => {
  it('400s a cursor it did not issue instead of a 500, validates limit, and pages with the shared cursors', async () => {
    const t = await seedTenant();
    const get = (q: string) => SELF.fetch(`${BASE}/voice/v1/recordings${q}`, { headers: { authorization: t.auth } });
    for (const q of ['?cursor=%25%25%25', '?cursor=bm90LWpzb24', '?limit=0', '?limit=500']) {
      const res = await get(q);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toBe('https://crier.dev/problems/validation-failed');
    }
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.unshift(await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(Date.parse('2026-06-12T10:00:00Z') + i), status: i === 0 ? 'recording' : 'stored' }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await get(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json()) as Page<Item>;
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids); // every status, newest first
    const one = (await (await get(`?call_id=${callId}&limit=1`)).json()) as Page<Item>;
    expect(one.items[0]).toMatchObject({ id: ids[0], call_id: callId, status: 'stored', format: 'wav', recording_name: expect.any(String) });
    expect((await SELF.fetch(`${BASE}/voice/v1/recordings`)).status).toBe(401);
  });

  it('hands out the same kind of signed URL as /v1 play', async () => {
    const t = await seedTenant();
    const [callId] = await seedCalls(t.tenantId, [{ startedAt: new Date() }]);
    const audio = wav(64);
    const id = await seedRecording(t.tenantId, { callId: callId!, startedAt: new Date(), audio });
    const body = (await (await SELF.fetch(`${BASE}/voice/v1/recordings/${id}/url`, { headers: { authorization: t.auth } })).json()) as { url: string; expires_at: string };
    expect(new URL(body.url).pathname).toBe(`/recordings/${id}.wav`);
    expect(new Uint8Array(await (await SELF.fetch(body.url)).arrayBuffer())).toEqual(audio);
    const other = await seedTenant();
    expect((await SELF.fetch(`${BASE}/voice/v1/recordings/${id}/url`, { headers: { authorization: other.auth } })).status).toBe(404);
  });

  it('is documented in the broadcast API’s OpenAPI document with its query', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/voice/v1/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> };
    expect(doc.paths['/voice/v1/recordings']!.get!.parameters!.map((p) => p.name).sort()).toEqual(['call_id', 'cursor', 'limit']);
    expect(doc.paths['/voice/v1/recordings/{id}/url']).toBeDefined();
    const dialer = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ['/v1/calls', '/v1/calls/count-today', '/v1/calls/active-count', '/v1/recordings', '/v1/recordings/{id}/play', '/v1/reports/export']) expect(dialer.paths[p], p).toBeDefined();
  });
});
