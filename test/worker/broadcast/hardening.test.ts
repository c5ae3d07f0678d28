// What a fuzz and security probe found (issue 16): arbitrary JSON too deep to
// copy, URLs that aim Crier at its own network, and a broadcast left half
// accepted when its Durable Object could not take it.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant, type SeededTenant } from '../helpers/tenant.ts';
import { broadcastBody, plays } from '../helpers/broadcast-body.ts';
import { postBroadcast, problemOf } from '../helpers/http.ts';
import { acceptBroadcast } from '../../../worker/src/broadcast/accept-broadcast.ts';
import { validateBroadcastRequest } from '../../../worker/src/broadcast/validate-request.ts';
import { MAX_CLIENT_JSON_DEPTH, clientJsonProblem, nestedDeeperThan } from '../../../worker/src/client-json/bounded-json.ts';
import type { Env } from '../../../worker/src/env.ts';

let shared: SeededTenant | undefined;
const tenant = async () => (shared ??= await seedTenant({ allowedCountries: [] }));

/** `{"a":{"a":…1…}}` as text: built as a string, so the test itself never recurses. */
function nestedText(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

async function broadcastRows(tenantId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM broadcasts WHERE tenant_id = ?').bind(tenantId).first<{ n: number }>();
  return row!.n;
}

describe('arbitrary JSON depth and size', () => {
  it('measures depth without recursion', () => {
    const deep = JSON.parse(nestedText(100_000)) as unknown;
    expect(nestedDeeperThan(deep, MAX_CLIENT_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan(JSON.parse(nestedText(MAX_CLIENT_JSON_DEPTH)), MAX_CLIENT_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(JSON.parse(nestedText(MAX_CLIENT_JSON_DEPTH + 1)), MAX_CLIENT_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan([[[]]], 3)).toBe(false);
    expect(nestedDeeperThan([[[[]]]], 3)).toBe(true);
    expect(clientJsonProblem(deep, 1024)).toBe(`must be nested at most ${MAX_CLIENT_JSON_DEPTH} levels deep`);
    expect(clientJsonProblem({ s: 'x'.repeat(2000) }, 1024)).toBe('must be at most 1024 bytes of JSON');
  });

  it('custom_data nested 3,000 levels → 400 naming /custom_data, and no broadcast row', async () => {
    const t = await seedTenant({ allowedCountries: [] });
    const text = JSON.stringify(broadcastBody({ custom_data: { placeholder: true } })).replace('{"placeholder":true}', nestedText(3000));
    const p = await problemOf(await postBroadcast(t, text), 400);
    expect(p.field).toBe('/custom_data');
    expect(p.errors![0]!.reason).toMatch(/levels deep/);
    expect(await broadcastRows(t.tenantId)).toBe(0);
  });

  it('a recipient with a deep extra key → 400 naming the recipient', async () => {
    const t = await tenant();
    const body = broadcastBody({ recipients: [{ to: '918088394833', play: { ...plays.tts, extra: 'placeholder' } }] });
    const text = JSON.stringify(body).replace('"placeholder"', nestedText(3000));
    const p = await problemOf(await postBroadcast(t, text), 400);
    expect(p.field).toBe('/recipients/0');
  });

  it('custom_data at the depth limit is accepted', async () => {
    const t = await tenant();
    const text = JSON.stringify(broadcastBody({ custom_data: { placeholder: true } })).replace('{"placeholder":true}', nestedText(MAX_CLIENT_JSON_DEPTH));
    expect((await postBroadcast(t, text)).status).toBe(200);
  });
});

describe('outbound URL policy on the broadcast API', () => {
  it.each([
    ['/event_url', { event_url: 'http://169.254.169.254/latest/meta-data/' }],
    ['/event_url', { event_url: 'https://10.0.0.1/' }],
    ['/event_url', { event_url: 'https://[fe80::1]/h' }],
    ['/event_url', { event_url: 'https://[fd00::1]/h' }],
    ['/event_url', { event_url: 'http://0.0.0.0:8080/' }],
    ['/event_url', { event_url: 'http://metadata.google.internal/computeMetadata/v1/' }],
    ['/call_handler_url', { call_handler_url: 'https://192.168.1.1/handler' }],
    ['/recipients/0/play/url', { recipients: [{ to: '918088394833', play: { ...plays.url, url: 'http://172.16.0.5/a.mp3' } }] }],
    ['/recipients/0/play/url', { recipients: [{ to: '918088394833', play: { ...plays.fileUrl, url: 'https://[::ffff:10.0.0.1]/a.wav' } }] }],
  ])('%s refused: %j', async (pointer, overrides) => {
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody(overrides)), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
  });

  it('loopback is allowed only by the development setting', () => {
    const body = broadcastBody({ event_url: 'http://127.0.0.1:9/hooks', call_handler_url: 'https://crm.example.com/handler' });
    expect(validateBroadcastRequest(body, { allowLoopback: true }).ok).toBe(true);
    const refused = validateBroadcastRequest(body);
    expect(refused.ok ? [] : refused.issues).toEqual([{ pointer: '/event_url', reason: 'must not point at a loopback address' }]);
  });

  it('a prompt_name play is not judged by its ignored url', () => {
    const body = broadcastBody({ recipients: [{ to: '918088394833', play: { ...plays.file, url: 'http://10.0.0.1/x.wav' } }] });
    expect(validateBroadcastRequest(body, { allowLoopback: true }).ok).toBe(true);
  });
});

describe('acceptance is all or nothing', () => {
  it('a session that fails mid-handover leaves neither a D1 row nor session state', async () => {
    const t = await seedTenant({ allowedCountries: [] });
    const body = broadcastBody();
    const validated = validateBroadcastRequest(body, { allowLoopback: true });
    if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
    const broadcastId = crypto.randomUUID();
    // The real session, except that start() fails the way an overloaded or reset object does.
    const failing = {
      ...env,
      BROADCAST_SESSION: {
        idFromName: (name: string) => env.BROADCAST_SESSION.idFromName(name),
        get: (id: DurableObjectId) => {
          const real = env.BROADCAST_SESSION.get(id);
          return new Proxy(real, { get: (target, prop) => (prop === 'start' ? () => Promise.reject(new Error('Durable Object reset')) : Reflect.get(target, prop)) });
        },
      },
    } as unknown as Env;
    const principal = { appId: t.appId, tenantId: t.tenantId, webhookSecret: t.webhookSecret };
    await expect(acceptBroadcast(failing, { broadcastId, principal, valid: validated.value, original: body as never })).rejects.toThrow('Durable Object reset');
    expect(await broadcastRows(t.tenantId)).toBe(0);
    expect(await env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId)).status()).toBeNull();
  });
});
