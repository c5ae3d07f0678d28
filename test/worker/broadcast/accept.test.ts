// POST /voice/v1/broadcast accepted: the documented 200 body field for field,
// verbatim echoes, phone forms, the DNC and country buckets, and what reaches
// the BroadcastSession (seen through GET /voice/v1/broadcast/{id}).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant, countRows } from '../helpers/tenant.ts';
import { broadcastBody, plays, recipientsOf } from '../helpers/broadcast-body.ts';
import { getAs, postBroadcast, sendJson } from '../helpers/http.ts';
import { box, waitFor } from '../session/harness.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('POST /voice/v1/broadcast — the 200 body', () => {
  it('is exactly the documented shape for all four play variants', async () => {
    const t = await seedTenant();
    const recipients = Object.values(plays).map((play, i) => ({ to: `91808839483${i}`, play }));
    const before = Date.now();
    const res = await postBroadcast(t, broadcastBody({ recipients }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as Record<string, any>;
    expect(Object.keys(json)).toEqual(['broadcast_id', 'state', 'from', 'to', 'custom_data', 'timestamp']);
    expect(json.broadcast_id).toMatch(UUID_V4);
    expect(json.state).toBe('broadcastcall_initiated');
    expect(json.from).toBe('12012774877');
    expect(Object.keys(json.to)).toEqual(['call_initiated', 'call_blacklisted', 'country_not_allowed']);
    expect(json.to).toEqual({ call_initiated: recipients, call_blacklisted: [], country_not_allowed: [] });
    expect(json.custom_data).toEqual({ booking_id: 12345, farmer_id: 6789 });
    expect(json.timestamp).toMatch(ISO_UTC_MS);
    expect(Date.parse(json.timestamp)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(json.timestamp)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await countRows('broadcasts', t.tenantId)).toBe(1);
  });

  it('echoes custom_data verbatim, whatever it holds', async () => {
    const t = await seedTenant();
    const custom = JSON.parse(
      '{"nested":{"a":[1,"two",null,{"deep":true}]},"unicode":"مرحبا \\u00e9 😀","float":1.5,"neg":-0.25,"big":1.5e300,"empty":{},"emptyList":[],"__proto__":{"x":1},"constructor":"c"}',
    );
    const res = await postBroadcast(t, broadcastBody({ custom_data: custom }));
    const text = await res.text();
    expect(JSON.parse(text).custom_data).toEqual(custom);
    // An own "__proto__" key survives as data, not as a prototype.
    expect(text).toContain('"__proto__":{"x":1}');
  });

  it('omits custom_data when the request has none', async () => {
    const t = await seedTenant();
    const json = (await (await postBroadcast(t, broadcastBody({ custom_data: undefined }))).json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['broadcast_id', 'state', 'from', 'to', 'timestamp']);
  });

  it('echoes each recipient exactly as sent: its own to form and its whole play object', async () => {
    const t = await seedTenant();
    const recipients = [
      { to: '+918088394833', play: { ...plays.tts, extra_field: { kept: [1, 2] } } },
      { to: '971501234567', play: { prompt_ref: 'p', type: 'url', url: 'https://example.com/a.mp3' } },
    ];
    const json = (await (await postBroadcast(t, broadcastBody({ from: '+12012774877', recipients }))).json()) as any;
    expect(json.from).toBe('+12012774877');
    expect(json.to.call_initiated).toEqual(recipients);
    expect(Object.keys(json.to.call_initiated[1].play)).toEqual(['prompt_ref', 'type', 'url']);
  });

  it('ignores unknown top-level fields and accepts the documented additions', async () => {
    const t = await seedTenant();
    const res = await postBroadcast(t, broadcastBody({ something_new: true, idle_timeout: 5, max_call_duration: 14_400, ring_timeout: 120, answering_machine_detection: true }));
    expect(res.status).toBe(200);
  });

  it('defaults answering_machine_detection to false and stores the broadcast row', async () => {
    const t = await seedTenant();
    const { broadcast_id } = (await (await postBroadcast(t, broadcastBody({ answering_machine_detection: undefined }))).json()) as { broadcast_id: string };
    const row = await env.DB.prepare('SELECT * FROM broadcasts WHERE id = ?').bind(broadcast_id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ tenant_id: t.tenantId, app_id: t.appId, name: 'TEST_APP', owner_ref: 'XYZ', from_number: '12012774877', amd: 0, dialled_count: 1, blacklisted_count: 0, country_not_allowed_count: 0 });
    expect(JSON.parse(row!.custom_data as string)).toEqual({ booking_id: 12345, farmer_id: 6789 });
  });

  it('keeps duplicate recipients: the client asked twice', async () => {
    const t = await seedTenant();
    const json = (await (await postBroadcast(t, broadcastBody({ recipients: [recipientsOf(1)[0], recipientsOf(1)[0]] }))).json()) as any;
    expect(json.to.call_initiated).toHaveLength(2);
    expect(((await (await getAs(t, `/voice/v1/broadcast/${json.broadcast_id}`)).json()) as any).total_legs).toBe(2);
  });
});

describe('buckets', () => {
  it('sends tenant-DNC numbers to call_blacklisted and disallowed countries to country_not_allowed, in either + form', async () => {
    const t = await seedTenant();
    const dnc = await sendJson(t, 'POST', '/voice/v1/dnc', { phones: ['+971501234567', '918088394833'], reason: 'opt-out' });
    expect(dnc.status).toBe(201);
    expect((await sendJson(t, 'PATCH', '/voice/v1/account/settings', { allowed_countries: ['AE', 'IN'] })).status).toBe(200);

    const recipients = [
      { to: '971501234567', play: plays.tts }, // DNC: stored with +, sent without
      { to: '+918088394833', play: plays.url }, // DNC: stored from a number sent without +, sent with
      { to: '971501234568', play: plays.ssml }, // AE: allowed
      { to: '12012774877', play: plays.file }, // US: not allowed
      { to: '+447911123456', play: plays.tts }, // GB: not allowed
      { to: '+918088394834', play: plays.fileUrl }, // IN: allowed
    ];
    const res = await postBroadcast(t, broadcastBody({ recipients }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    expect(json.to).toEqual({
      call_initiated: [recipients[2], recipients[5]],
      call_blacklisted: [recipients[0], recipients[1]],
      country_not_allowed: [recipients[3], recipients[4]],
    });
    const status = (await (await getAs(t, `/voice/v1/broadcast/${json.broadcast_id}`)).json()) as any;
    expect(status.total_legs).toBe(2);
    const row = await env.DB.prepare('SELECT dialled_count, blacklisted_count, country_not_allowed_count FROM broadcasts WHERE id = ?').bind(json.broadcast_id).first();
    expect(row).toEqual({ dialled_count: 2, blacklisted_count: 2, country_not_allowed_count: 2 });
  });

  it('repeats the buckets in broadcastcall_complete exactly as the response showed them', async () => {
    const t = await seedTenant({ allowedCountries: ['AE'] });
    await sendJson(t, 'POST', '/voice/v1/dnc', { phones: ['971501234567'] });
    const hooks = box();
    // Extra keys and type-foreign fields are the client's own: echoed verbatim in both places.
    const recipients = [
      { to: '971501234567', play: { ...plays.url, text: 'not used by url', mine: [1, 2] }, note: 'vip' },
      { to: '12012774877', play: plays.file },
    ];
    const res = await postBroadcast(t, broadcastBody({ recipients, event_url: hooks.hooksUrl }));
    const json = (await res.json()) as any;
    const complete = await waitFor(async () => (await hooks.delivered()).find((e) => e.state === 'broadcastcall_complete') ?? null, 10_000, 'complete');
    expect(complete.blacklistednumber).toEqual({ call_blacklisted: json.to.call_blacklisted, country_not_allowed: json.to.country_not_allowed });
    expect(complete.blacklistednumber.call_blacklisted).toEqual([{ to: recipients[0]!.to, play: recipients[0]!.play }]);
    expect(complete.broadcast_call_info).toEqual([]);
  });

  it('puts a DNC number in call_blacklisted even when its country is also not allowed', async () => {
    const t = await seedTenant({ allowedCountries: ['IN'] });
    await sendJson(t, 'POST', '/voice/v1/dnc', { phones: ['971501234567'] });
    const json = (await (await postBroadcast(t, broadcastBody({ recipients: [{ to: '971501234567', play: plays.tts }] }))).json()) as any;
    expect(json.to.call_blacklisted).toHaveLength(1);
    expect(json.to.country_not_allowed).toHaveLength(0);
  });

  it('allows every country when allowed_countries is null, and none when it is []', async () => {
    const all = await seedTenant({ allowedCountries: null });
    const none = await seedTenant({ allowedCountries: [] });
    const recipients = [{ to: '12012774877', play: plays.tts }, { to: '447911123456', play: plays.tts }];
    expect(((await (await postBroadcast(all, broadcastBody({ recipients }))).json()) as any).to.call_initiated).toHaveLength(2);
    expect(((await (await postBroadcast(none, broadcastBody({ recipients }))).json()) as any).to.country_not_allowed).toHaveLength(2);
  });

  it('uses the real country of a shared calling code (+1: US vs CA)', async () => {
    const t = await seedTenant({ allowedCountries: ['CA'] });
    const json = (await (await postBroadcast(t, broadcastBody({ recipients: [{ to: '14165550123', play: plays.tts }, { to: '12012774877', play: plays.tts }] }))).json()) as any;
    expect(json.to.call_initiated.map((r: any) => r.to)).toEqual(['14165550123']);
    expect(json.to.country_not_allowed.map((r: any) => r.to)).toEqual(['12012774877']);
  });

  it('counts a non-geographic number (+800) as in no country: dialled only when every country is allowed', async () => {
    const open = await seedTenant();
    const closed = await seedTenant({ allowedCountries: ['AE'] });
    const recipients = [{ to: '80012345678', play: plays.tts }];
    expect(((await (await postBroadcast(open, broadcastBody({ recipients }))).json()) as any).to.call_initiated).toEqual(recipients);
    expect(((await (await postBroadcast(closed, broadcastBody({ recipients }))).json()) as any).to.country_not_allowed).toEqual(recipients);
  });

  it('still creates a session when every recipient is filtered; it completes with no legs', async () => {
    const t = await seedTenant({ allowedCountries: ['GB'] });
    const res = await postBroadcast(t, broadcastBody({ recipients: recipientsOf(3) }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    expect(json.to.call_initiated).toEqual([]);
    expect(json.to.country_not_allowed).toHaveLength(3);
    let status: any;
    for (let i = 0; i < 50; i++) {
      status = await (await getAs(t, `/voice/v1/broadcast/${json.broadcast_id}`)).json();
      if (status.state === 'broadcastcall_complete') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toMatchObject({ broadcast_id: json.broadcast_id, state: 'broadcastcall_complete', total_legs: 0 });
  });
});
