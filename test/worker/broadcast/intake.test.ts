// POST /voice/v1/broadcast and GET /voice/v1/broadcast/{id} exactly as the
// spec documents them: every validation rule, buckets, idempotency, limits,
// auth and tenancy. The BroadcastSession behind it is real.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, seedTenant, type SeededTenant } from '../session/harness.ts';

const plays = {
  url: { type: 'url', url: 'https://example.com/audio.mp3', prompt_ref: 'prompt_f1' },
  fileUrl: { type: 'file', url: 'https://example.com/audio.wav', prompt_ref: 'prompt_f1' },
  file: { type: 'file', prompt_name: 'welcome_prompt', prompt_ref: 'prompt_f1' },
  tts: { type: 'tts', text: 'Hi Welcome', voice: 'Female', language: 'en-US', prompt_ref: 'prompt_f1' },
  ssml: {
    type: 'ssml',
    ssml: '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-IN"><voice name="en-IN-NeerjaNeural">Press <say-as interpret-as="digits">9</say-as> for English.</voice></speak>',
    prompt_ref: 'prompt_f1',
  },
};

function body(overrides: Record<string, unknown> = {}) {
  return {
    name: 'TEST_APP',
    owner_ref: 'XYZ',
    from: '12012774877',
    answering_machine_detection: false,
    recipients: [{ to: '918088394833', play: plays.url }],
    custom_data: { booking_id: 12345, farmer_id: 6789 },
    event_url: 'http://127.0.0.1:9/event',
    call_handler_url: 'http://127.0.0.1:9/event',
    ...overrides,
  };
}

function post(t: SeededTenant | null, payload: unknown, headers: Record<string, string> = {}) {
  return SELF.fetch(`${BASE}/voice/v1/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(t ? { authorization: t.auth } : {}), ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { type: string; title: string; status: number; detail: string; field?: string; errors?: Array<{ pointer: string; reason: string }> };
}

async function broadcastRows(t: SeededTenant): Promise<number> {
  return ((await env.DB.prepare('SELECT COUNT(*) AS n FROM broadcasts WHERE tenant_id = ?').bind(t.tenantId).first()) as { n: number }).n;
}

describe('POST /voice/v1/broadcast — accepted', () => {
  it('answers exactly the documented 200 body for all four play variants', async () => {
    const t = await seedTenant();
    const recipients = Object.values(plays).map((play, i) => ({ to: `91808839483${i}`, play }));
    const res = await post(t, body({ recipients }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, any>;
    expect(Object.keys(json)).toEqual(['broadcast_id', 'state', 'from', 'to', 'custom_data', 'timestamp']);
    expect(json.broadcast_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(json.state).toBe('broadcastcall_initiated');
    expect(json.from).toBe('12012774877');
    expect(json.to).toEqual({ call_initiated: recipients, call_blacklisted: [], country_not_allowed: [] });
    expect(json.custom_data).toEqual({ booking_id: 12345, farmer_id: 6789 });
    expect(json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('echoes custom_data verbatim and omits it when absent', async () => {
    const t = await seedTenant();
    const custom = { nested: { a: [1, 'two', null, { deep: true }] }, unicode: 'مرحبا', big: 1.5e300, empty: {} };
    expect(((await (await post(t, body({ custom_data: custom }))).json()) as any).custom_data).toEqual(custom);
    const { custom_data: _, ...without } = body();
    expect(await (await post(t, without)).json()).not.toHaveProperty('custom_data');
  });

  it('accepts numbers with or without a leading +', async () => {
    const t = await seedTenant();
    const res = await post(t, body({ from: '+12012774877', recipients: [{ to: '+918088394833', play: plays.tts }, { to: '971501234567', play: plays.tts }] }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).to.call_initiated.map((r: any) => r.to)).toEqual(['+918088394833', '971501234567']);
  });

  it('sorts recipients into DNC and country buckets', async () => {
    const t = await seedTenant();
    const dnc = await SELF.fetch(`${BASE}/voice/v1/dnc`, {
      method: 'POST',
      headers: { authorization: t.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ phones: ['+971501234567', '918088394833', 'junk'], reason: 'opt-out' }),
    });
    expect(dnc.status).toBe(201);
    expect(await dnc.json()).toEqual({ added: 2, duplicates_skipped: 0, invalid_phones: 1 });
    const settings = await SELF.fetch(`${BASE}/voice/v1/account/settings`, {
      method: 'PATCH',
      headers: { authorization: t.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed_countries: ['AE', 'IN'] }),
    });
    expect(((await settings.json()) as any).allowed_countries).toEqual(['AE', 'IN']);

    const recipients = [
      { to: '971501234567', play: plays.tts }, // DNC (stored with +)
      { to: '+918088394833', play: plays.tts }, // DNC (sent with +, stored without)
      { to: '971501234568', play: plays.tts }, // AE allowed
      { to: '12012774877', play: plays.tts }, // US not allowed
      { to: '447911123456', play: plays.tts }, // GB not allowed
    ];
    const res = await post(t, body({ recipients }));
    const json = (await res.json()) as any;
    expect(json.to.call_blacklisted.map((r: any) => r.to)).toEqual(['971501234567', '+918088394833']);
    expect(json.to.call_initiated.map((r: any) => r.to)).toEqual(['971501234568']);
    expect(json.to.country_not_allowed.map((r: any) => r.to)).toEqual(['12012774877', '447911123456']);
    const status = (await (await SELF.fetch(`${BASE}/voice/v1/broadcast/${json.broadcast_id}`, { headers: { authorization: t.auth } })).json()) as any;
    expect(status.total_legs).toBe(1);
  });

  it('accepts 100,000 recipients in one request', async () => {
    const t = await seedTenant();
    const recipients = Array.from({ length: 100_000 }, (_, i) => ({ to: `9715${String(i).padStart(8, '0')}`, play: plays.tts }));
    const started = Date.now();
    const res = await post(t, body({ recipients }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    expect(json.to.call_initiated).toHaveLength(100_000);
    const status = (await (await SELF.fetch(`${BASE}/voice/v1/broadcast/${json.broadcast_id}`, { headers: { authorization: t.auth } })).json()) as any;
    expect(status.total_legs).toBe(100_000);
    console.log(`accepted 100,000 recipients in ${Date.now() - started} ms (workerd test pool)`);
  }, 120_000);
});

describe('POST /voice/v1/broadcast — rejected whole', () => {
  it.each([
    ['name', '/name'],
    ['owner_ref', '/owner_ref'],
    ['from', '/from'],
    ['recipients', '/recipients'],
    ['event_url', '/event_url'],
    ['call_handler_url', '/call_handler_url'],
  ])('requires %s', async (field, pointer) => {
    const t = await seedTenant();
    const b = body() as Record<string, unknown>;
    delete b[field];
    const res = await post(t, b);
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect(await broadcastRows(t)).toBe(0);
  });

  it.each([
    ['url without url', { type: 'url', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['file without url or prompt_name', { type: 'file', prompt_ref: 'p' }, '/recipients/0/play/prompt_name'],
    ['tts without text', { type: 'tts', voice: 'Male', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/text'],
    ['tts without voice', { type: 'tts', text: 'hi', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/voice'],
    ['tts without language', { type: 'tts', text: 'hi', voice: 'Male', prompt_ref: 'p' }, '/recipients/0/play/language'],
    ['tts with a robot voice', { type: 'tts', text: 'hi', voice: 'Robot', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/voice'],
    ['tts with a bad language tag', { type: 'tts', text: 'hi', voice: 'Male', language: 'english!', prompt_ref: 'p' }, '/recipients/0/play/language'],
    ['ssml without ssml', { type: 'ssml', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['ssml not well-formed', { type: 'ssml', ssml: '<speak><voice>hi</speak>', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['ssml without speak root', { type: 'ssml', ssml: '<voice>hi</voice>', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['missing prompt_ref', { type: 'url', url: 'https://example.com/a.mp3' }, '/recipients/0/play/prompt_ref'],
    ['unknown type', { type: 'video', prompt_ref: 'p' }, '/recipients/0/play/type'],
    ['ftp url', { type: 'url', url: 'ftp://example.com/a.mp3', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['relative url', { type: 'url', url: '/a.mp3', prompt_ref: 'p' }, '/recipients/0/play/url'],
  ])('rejects play: %s', async (_name, play, pointer) => {
    const t = await seedTenant();
    const res = await post(t, body({ recipients: [{ to: '918088394833', play }] }));
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect(p.field).toBe(p.errors![0]!.pointer);
  });

  it('lists every bad recipient by JSON pointer, and dials none', async () => {
    const t = await seedTenant();
    const recipients = Array.from({ length: 20 }, (_, i) => ({ to: `91808839${String(4800 + i)}`, play: plays.tts }));
    recipients[3]!.to = '12345';
    recipients[11]!.to = '+99912345678';
    recipients[17]!.to = '91-808-839-4833';
    (recipients[19] as any).to = 918088394833;
    const res = await post(t, body({ recipients, from: 'not-a-number' }));
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors!.map((e) => e.pointer).sort()).toEqual(['/from', '/recipients/11/to', '/recipients/17/to', '/recipients/19/to', '/recipients/3/to']);
    expect(p.title).toBe('Request validation failed');
    expect(p.status).toBe(400);
    expect(await broadcastRows(t)).toBe(0);
  });

  it('rejects bad urls, empty and oversized recipient lists', async () => {
    const t = await seedTenant();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ event_url: 'not a url' }, '/event_url'],
      [{ call_handler_url: 'ftp://x/y' }, '/call_handler_url'],
      [{ recipients: [] }, '/recipients'],
      [{ answering_machine_detection: 'yes' }, '/answering_machine_detection'],
      [{ custom_data: [1, 2] }, '/custom_data'],
      [{ idle_timeout: 1 }, '/idle_timeout'],
    ];
    for (const [override, pointer] of cases) {
      const p = await problemOf(await post(t, body(override)));
      expect(p.errors!.map((e) => e.pointer), pointer).toContain(pointer);
    }
    const tooMany = Array.from({ length: 100_001 }, () => ({ to: '918088394833', play: plays.tts }));
    const res = await post(t, body({ recipients: tooMany }));
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors![0]).toEqual({ pointer: '/recipients', reason: 'must list at most 100000 recipients' });
  }, 60_000);

  it('answers 415, 413 and 400 for the wrong type, size and JSON; never a 5xx on junk', async () => {
    const t = await seedTenant();
    expect((await post(t, body(), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await SELF.fetch(`${BASE}/voice/v1/broadcast`, { method: 'POST', headers: { authorization: t.auth }, body: '{}' })).status).toBe(415);
    const huge = 'x'.repeat(33 * 1024 * 1024);
    const big = await post(t, `{"name":"${huge}"}`);
    expect(big.status).toBe(413);
    expect((await problemOf(big)).title).toBe('Payload too large');
    for (const junk of ['{', '', 'null', '[]', '"text"', '42', '{"recipients": {}}', '{"recipients": [null, 1, "x", []]}', JSON.stringify(body({ recipients: [{ to: null, play: null }] })), JSON.stringify(body({ name: { $gt: 1 } }))]) {
      const res = await post(t, junk);
      expect(res.status, junk).toBe(400);
      await problemOf(res);
    }
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, and dials nothing new', async () => {
    const t = await seedTenant();
    const first = await post(t, body(), { 'Idempotency-Key': 'abc-123' });
    const second = await post(t, body(), { 'Idempotency-Key': 'abc-123' });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe(await first.text());
    expect(await broadcastRows(t)).toBe(1);
  });

  it('answers 422 for the same key with another body, and keys are per tenant', async () => {
    const t = await seedTenant();
    await post(t, body(), { 'Idempotency-Key': 'k1' });
    const res = await post(t, body({ name: 'other' }), { 'Idempotency-Key': 'k1' });
    expect(res.status).toBe(422);
    expect((await problemOf(res)).type).toMatch(/idempotency-key-reused$/);
    const other = await seedTenant();
    expect((await post(other, body({ name: 'other' }), { 'Idempotency-Key': 'k1' })).status).toBe(200);
  });

  it('does not burn a key on a rejected request', async () => {
    const t = await seedTenant();
    expect((await post(t, body({ from: 'x' }), { 'Idempotency-Key': 'k2' })).status).toBe(400);
    expect((await post(t, body(), { 'Idempotency-Key': 'k2' })).status).toBe(200);
  });
});

describe('auth and tenancy', () => {
  it.each([
    ['no header', undefined],
    ['not basic', 'Bearer abc'],
    ['malformed base64', 'Basic %%%'],
    ['no colon', `Basic ${btoa('justid')}`],
  ])('401 with WWW-Authenticate: %s', async (_name, header) => {
    const res = await post(null, body(), header ? { authorization: header } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="crier", charset="UTF-8"');
    await problemOf(res);
  });

  it('401 for a wrong key or unknown app', async () => {
    const t = await seedTenant();
    expect((await post(null, body(), { authorization: `Basic ${btoa(`${t.appId}:wrong`)}` })).status).toBe(401);
    expect((await post(null, body(), { authorization: `Basic ${btoa(`nobody:${t.appKey}`)}` })).status).toBe(401);
  });

  it('GET status answers for the owner and 404 for another tenant or an unknown id', async () => {
    const t = await seedTenant();
    const other = await seedTenant();
    const { broadcast_id } = (await (await post(t, body())).json()) as { broadcast_id: string };
    const mine = await SELF.fetch(`${BASE}/voice/v1/broadcast/${broadcast_id}`, { headers: { authorization: t.auth } });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ broadcast_id, name: 'TEST_APP', owner_ref: 'XYZ', total_legs: 1, legs: expect.objectContaining({ queued: expect.any(Number) }) });
    expect((await SELF.fetch(`${BASE}/voice/v1/broadcast/${broadcast_id}`, { headers: { authorization: other.auth } })).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/voice/v1/broadcast/${crypto.randomUUID()}`, { headers: { authorization: t.auth } })).status).toBe(404);
  });
});
