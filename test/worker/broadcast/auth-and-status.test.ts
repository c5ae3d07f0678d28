// Basic authentication on the broadcast routes, and GET /voice/v1/broadcast/{id}
// (our addition): the session's live status for the owner, 404 for anyone else.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, basicAuth, seedTenant } from '../helpers/tenant.ts';
import { broadcastBody, recipientsOf } from '../helpers/broadcast-body.ts';
import { getAs, postBroadcast, problemOf } from '../helpers/http.ts';

const CHALLENGE = 'Basic realm="crier", charset="UTF-8"';

describe('authentication', () => {
  it.each([
    ['no header', undefined],
    ['another scheme', 'Bearer abc'],
    ['malformed base64', 'Basic %%%'],
    ['no colon', `Basic ${btoa('justid')}`],
    ['empty id', `Basic ${btoa(':key')}`],
    ['scheme only', 'Basic'],
  ])('401 with WWW-Authenticate: %s', async (_name, header) => {
    const res = await postBroadcast(null, broadcastBody(), header ? { authorization: header } : {});
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    await problemOf(res, 401);
  });

  it('401 for a wrong key, an unknown app or a disabled app, with nothing recorded', async () => {
    const t = await seedTenant();
    for (const auth of [basicAuth(t.appId, 'wrong'), basicAuth('nobody', t.appKey), basicAuth(t.appId, `${t.appKey} `)]) {
      const res = await postBroadcast(null, broadcastBody(), { authorization: auth });
      expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
      await problemOf(res, 401);
    }
    await env.DB.prepare('UPDATE apps SET disabled_at = ? WHERE id = ?').bind(new Date().toISOString(), t.appId).run();
    await problemOf(await postBroadcast(t, broadcastBody()), 401);
  });

  it('authenticates before reading the body: a stranger gets 401, not 400 or 413', async () => {
    await problemOf(await postBroadcast(null, '{not json'), 401);
    await problemOf(await postBroadcast(null, broadcastBody(), { 'content-type': 'text/plain' }), 401);
  });

  it('GET status requires credentials too', async () => {
    const res = await SELF.fetch(`${BASE}/voice/v1/broadcast/${crypto.randomUUID()}`);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    await problemOf(res, 401);
  });
});

describe('GET /voice/v1/broadcast/{broadcast_id}', () => {
  it('answers the owner with the session status', async () => {
    const t = await seedTenant();
    const { broadcast_id } = (await (await postBroadcast(t, broadcastBody({ recipients: recipientsOf(3) }))).json()) as { broadcast_id: string };
    const res = await getAs(t, `/voice/v1/broadcast/${broadcast_id}`);
    expect(res.status).toBe(200);
    const status = (await res.json()) as Record<string, any>;
    expect(Object.keys(status).sort()).toEqual(['broadcast_id', 'completed_at', 'created_at', 'from', 'legs', 'name', 'owner_ref', 'state', 'timestamp', 'total_legs', 'webhooks']);
    expect(status).toMatchObject({ broadcast_id, name: 'TEST_APP', owner_ref: 'XYZ', from: '12012774877', total_legs: 3 });
    expect(['broadcastcall_initiated', 'in_progress', 'broadcastcall_complete']).toContain(status.state);
    expect(Object.keys(status.legs).sort()).toEqual(['bridged', 'connected', 'connecting', 'dialing', 'disconnected', 'failed', 'idle', 'playing', 'queued', 'ringing']);
    expect(Object.values(status.legs as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(3);
    expect(status.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('404 for another tenant\'s broadcast and for an unknown or malformed id', async () => {
    const t = await seedTenant();
    const other = await seedTenant();
    const { broadcast_id } = (await (await postBroadcast(t, broadcastBody())).json()) as { broadcast_id: string };
    const p = await problemOf(await getAs(other, `/voice/v1/broadcast/${broadcast_id}`), 404);
    expect(p.type).toBe('https://crier.dev/problems/not-found');
    await problemOf(await getAs(t, `/voice/v1/broadcast/${crypto.randomUUID()}`), 404);
    await problemOf(await getAs(t, `/voice/v1/broadcast/not-a-uuid`), 404);
    await problemOf(await getAs(t, `/voice/v1/broadcast/${'x'.repeat(5000)}`), 404);
  });
});
