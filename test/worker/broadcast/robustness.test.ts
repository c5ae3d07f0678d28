// Bad input is a 4xx problem+json, never a 5xx: wrong content types, sizes,
// malformed JSON, and every field of a valid body replaced by every JSON type.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, seedTenant, countRows, type SeededTenant } from '../helpers/tenant.ts';
import { broadcastBody, plays } from '../helpers/broadcast-body.ts';
import { postBroadcast, problemOf } from '../helpers/http.ts';

let shared: SeededTenant | undefined;
// No country allowed: a fuzzed body that happens to be valid is accepted with every
// recipient in country_not_allowed, so its session completes at once instead of dialling.
const tenant = async () => (shared ??= await seedTenant({ allowedCountries: [] }));

describe('body transport', () => {
  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], ['application/xml']])('415 for Content-Type %s', async (type) => {
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody(), { 'content-type': type }), 415);
    expect(p.title).toBe('Unsupported media type');
  });

  it('415 without a Content-Type', async () => {
    const t = await tenant();
    await problemOf(await SELF.fetch(`${BASE}/voice/v1/broadcast`, { method: 'POST', headers: { authorization: t.auth }, body: '{}' }), 415);
  });

  it('accepts application/json with a charset', async () => {
    expect((await postBroadcast(await seedTenant(), broadcastBody(), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('413 past 32 MiB, whether or not Content-Length says so', async () => {
    const t = await tenant();
    const huge = `{"name":"${'x'.repeat(32 * 1024 * 1024)}"}`;
    const declared = await postBroadcast(t, huge);
    expect((await problemOf(declared, 413)).title).toBe('Payload too large');
    // A streamed body has no Content-Length: the limit is enforced while reading.
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 34) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await SELF.fetch(`${BASE}/voice/v1/broadcast`, { method: 'POST', headers: { authorization: t.auth, 'content-type': 'application/json' }, body: stream });
    await problemOf(streamed, 413);
  }, 60_000);

  it.each([
    ['empty', ''],
    ['whitespace', '  \n '],
    ['truncated', '{"name": "a",'],
    ['single quotes', "{'name': 'a'}"],
    ['trailing comma', '{"name": "a",}'],
    ['NaN', '{"idle_timeout": NaN}'],
    ['a BOM and garbage', '\uFEFF{x}'],
  ])('400 malformed-json for %s', async (_name, text) => {
    const p = await problemOf(await postBroadcast(await tenant(), text), 400);
    expect(p.type).toBe('https://crier.dev/problems/malformed-json');
  });

  it.each([['null'], ['[]'], ['[{}]'], ['"text"'], ['42'], ['true']])('400 validation-failed for the JSON value %s', async (text) => {
    const p = await problemOf(await postBroadcast(await tenant(), text), 400);
    expect(p.errors).toEqual([{ pointer: '', reason: 'must be a JSON object' }]);
  });
});

describe('every field, every wrong type', () => {
  const wrong: unknown[] = [null, 0, -1, 1.5, 1e308, true, '', 'x', 'x'.repeat(100_000), [], [1, 'a'], {}, { nested: { deep: [null] } }];
  const topLevel = ['name', 'owner_ref', 'from', 'answering_machine_detection', 'recipients', 'custom_data', 'event_url', 'call_handler_url', 'idle_timeout', 'max_call_duration', 'ring_timeout'];
  const playFields = ['type', 'url', 'prompt_name', 'text', 'voice', 'language', 'ssml', 'prompt_ref'];

  it('top-level fields: never a 5xx, and a 400 names the field', async () => {
    const t = await tenant();
    for (const field of topLevel) {
      for (const value of wrong) {
        const res = await postBroadcast(t, broadcastBody({ [field]: value }));
        const label = `${field} = ${JSON.stringify(value)?.slice(0, 40)}`;
        expect(res.status, label).toBeLessThan(500);
        if (res.status === 200) continue; // e.g. custom_data {} is valid
        expect(res.status, label).toBe(400);
        const p = await problemOf(res);
        expect(p.errors!.some((e) => e.pointer === `/${field}` || e.pointer.startsWith(`/${field}/`)), label).toBe(true);
      }
    }
  }, 120_000);

  it('recipient and play fields: never a 5xx', async () => {
    const t = await tenant();
    const variants: unknown[] = [...wrong.map((v) => ({ to: v, play: plays.tts })), ...wrong.map((v) => ({ to: '918088394833', play: v })), ...wrong];
    // Every play field on the variant that uses it, a few cheap wrong values on the others.
    const uses: Record<string, readonly string[]> = { url: ['url'], file: ['url', 'prompt_name'], tts: ['text', 'voice', 'language'], ssml: ['ssml'] };
    for (const play of [plays.url, plays.file, plays.tts, plays.ssml]) {
      for (const field of playFields) {
        const values = field === 'type' || field === 'prompt_ref' || uses[play.type]!.includes(field) ? wrong : [null, 1, {}];
        for (const value of values) variants.push({ to: '918088394833', play: { ...play, [field]: value } });
      }
    }
    for (const recipient of variants) {
      const res = await postBroadcast(t, broadcastBody({ recipients: [recipient] }));
      expect(res.status, JSON.stringify(recipient).slice(0, 120)).toBeLessThan(500);
      if (res.status !== 200) await problemOf(res, 400);
    }
  }, 180_000);

  it('an object where the body expects arrays and arrays where it expects objects', async () => {
    const t = await seedTenant();
    for (const body of [
      { ...broadcastBody(), recipients: { to: '918088394833', play: plays.tts } },
      { ...broadcastBody(), recipients: [[{ to: '918088394833', play: plays.tts }]] },
      { ...broadcastBody(), recipients: [{ to: ['918088394833'], play: [plays.tts] }] },
      { ...broadcastBody(), recipients: [{ to: { number: '918088394833' }, play: { type: ['tts'] } }] },
    ]) {
      await problemOf(await postBroadcast(t, body), 400);
    }
    expect(await countRows('broadcasts', t.tenantId)).toBe(0);
  });

  it('prototype-shaped keys are plain data', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody()).replace('{', '{"__proto__":{"name":7},"constructor":{"prototype":{}},');
    expect((await postBroadcast(t, text)).status).toBe(200);
  });
});

describe('oversized fields a play type does not use', () => {
  // Found by review: these were stored with the leg and overflowed the storage row (a 500).
  it.each([
    ['text on a url play', { ...plays.url, text: 'x'.repeat(2_500_000) }, '/recipients/0/play/text'],
    ['ssml on a tts play', { ...plays.tts, ssml: 'x'.repeat(2_500_000) }, '/recipients/0/play/ssml'],
    ['prompt_name on a tts play', { ...plays.tts, prompt_name: 'x'.repeat(100_000) }, '/recipients/0/play/prompt_name'],
    ['an unknown play key', { ...plays.tts, notes: 'x'.repeat(100_000) }, '/recipients/0'],
  ])('400 for %s, naming it', async (_what, play, pointer) => {
    const t = await seedTenant({ allowedCountries: [] });
    const res = await postBroadcast(t, broadcastBody({ recipients: [{ to: '918088394833', play }] }));
    expect((await problemOf(res, 400)).errors!.map((e) => e.pointer)).toContain(pointer);
    expect(await countRows('broadcasts', t.tenantId)).toBe(0);
  });

  it('accepts small unknown keys and echoes them verbatim', async () => {
    const play = { ...plays.tts, notes: 'keep me' };
    const res = await postBroadcast(await seedTenant(), broadcastBody({ recipients: [{ to: '918088394833', play, extra: 1 }] }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { to: { call_initiated: unknown[] } }).to.call_initiated).toEqual([{ to: '918088394833', play }]);
  });
});
