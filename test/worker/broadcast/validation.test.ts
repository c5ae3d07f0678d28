// POST /voice/v1/broadcast rejected whole: every rule of the spec's field
// table (and ours), reported as one 400 problem+json listing every failing
// field by JSON pointer, with nothing recorded and nothing dialled.
import { describe, expect, it } from 'vitest';
import { seedTenant, countRows, type SeededTenant } from '../helpers/tenant.ts';
import { broadcastBody, plays, recipientsOf } from '../helpers/broadcast-body.ts';
import { pointersOf, postBroadcast, problemOf } from '../helpers/http.ts';

let shared: SeededTenant | undefined;
const tenant = async () => (shared ??= await seedTenant());

async function rejects(payload: Record<string, unknown>, pointer: string): Promise<void> {
  const t = await tenant();
  const res = await postBroadcast(t, payload);
  const pointers = await pointersOf(res);
  expect(pointers, JSON.stringify(payload).slice(0, 300)).toContain(pointer);
  expect(await countRows('broadcasts', t.tenantId)).toBe(0);
}

const withPlay = (play: Record<string, unknown>) => broadcastBody({ recipients: [{ to: '918088394833', play }] });

describe('required fields', () => {
  it.each(['name', 'owner_ref', 'from', 'recipients', 'event_url', 'call_handler_url'])('%s is required', async (field) => {
    const t = await tenant();
    const p = await problemOf(await postBroadcast(t, broadcastBody({ [field]: undefined })), 400);
    expect(p.errors).toContainEqual({ pointer: `/${field}`, reason: 'is required' });
    expect(p.title).toBe('Request validation failed');
    expect(p.type).toBe('https://crier.dev/problems/validation-failed');
  });

  it.each([
    ['recipients[].to', { play: plays.tts }, '/recipients/0/to'],
    ['recipients[].play', { to: '918088394833' }, '/recipients/0/play'],
    ['recipients[].play.type', { to: '918088394833', play: { url: 'https://example.com/a.mp3', prompt_ref: 'p' } }, '/recipients/0/play/type'],
    ['recipients[].play.prompt_ref', { to: '918088394833', play: { type: 'url', url: 'https://example.com/a.mp3' } }, '/recipients/0/play/prompt_ref'],
  ])('%s is required', async (_name, recipient, pointer) => {
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody({ recipients: [recipient] })), 400);
    expect(p.errors).toContainEqual({ pointer, reason: 'is required' });
  });

  it('names, owner refs and prompt refs must not be empty', async () => {
    await rejects(broadcastBody({ name: '' }), '/name');
    await rejects(broadcastBody({ owner_ref: '' }), '/owner_ref');
    await rejects(withPlay({ ...plays.url, prompt_ref: '' }), '/recipients/0/play/prompt_ref');
  });
});

describe('play: each conditional of the field table', () => {
  it.each([
    ['type url without url', { type: 'url', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['type url with an empty url', { type: 'url', url: '', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['type file with neither url nor prompt_name', { type: 'file', prompt_ref: 'p' }, '/recipients/0/play/prompt_name'],
    ['type file with a bad prompt_name', { type: 'file', prompt_name: '../etc/passwd', prompt_ref: 'p' }, '/recipients/0/play/prompt_name'],
    ['type file with a non-http url', { type: 'file', url: 'file:///etc/passwd', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['type tts without text', { type: 'tts', voice: 'Male', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/text'],
    ['type tts without voice', { type: 'tts', text: 'hi', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/voice'],
    ['type tts without language', { type: 'tts', text: 'hi', voice: 'Male', prompt_ref: 'p' }, '/recipients/0/play/language'],
    ['type tts with voice not Female/Male', { type: 'tts', text: 'hi', voice: 'Robot', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/voice'],
    ['type tts with voice in the wrong case', { type: 'tts', text: 'hi', voice: 'female', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/voice'],
    ['type tts with a bad language tag', { type: 'tts', text: 'hi', voice: 'Male', language: 'english!', prompt_ref: 'p' }, '/recipients/0/play/language'],
    ['type tts with text over 5,000 characters', { type: 'tts', text: 'a'.repeat(5001), voice: 'Male', language: 'en-US', prompt_ref: 'p' }, '/recipients/0/play/text'],
    ['type ssml without ssml', { type: 'ssml', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['type ssml not well-formed', { type: 'ssml', ssml: '<speak><voice>hi</speak>', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['type ssml unclosed', { type: 'ssml', ssml: '<speak>hi', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['type ssml plain text', { type: 'ssml', ssml: 'hello there', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['type ssml without a speak root', { type: 'ssml', ssml: '<voice>hi</voice>', prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['type ssml over 20,000 characters', { type: 'ssml', ssml: `<speak>${'a'.repeat(20_000)}</speak>`, prompt_ref: 'p' }, '/recipients/0/play/ssml'],
    ['an unknown type', { type: 'video', prompt_ref: 'p' }, '/recipients/0/play/type'],
    ['an ftp url', { type: 'url', url: 'ftp://example.com/a.mp3', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['a relative url', { type: 'url', url: '/a.mp3', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['a javascript: url', { type: 'url', url: 'javascript:alert(1)', prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['a url over 2,048 characters', { type: 'url', url: `https://example.com/${'a'.repeat(2048)}`, prompt_ref: 'p' }, '/recipients/0/play/url'],
    ['prompt_ref over 256 characters', { ...plays.url, prompt_ref: 'p'.repeat(257) }, '/recipients/0/play/prompt_ref'],
  ])('rejects %s', async (_name, play, pointer) => {
    await rejects(withPlay(play), pointer);
  });

  it.each([
    ['file with url only', { type: 'file', url: 'https://example.com/a.wav', prompt_ref: 'p' }],
    ['file with prompt_name and url', { type: 'file', prompt_name: 'welcome', url: 'https://example.com/a.wav', prompt_ref: 'p' }],
    ['tts Male', { ...plays.tts, voice: 'Male' }],
    ['tts en-IN', { ...plays.tts, language: 'en-IN' }],
    ['ssml with an XML declaration', { type: 'ssml', ssml: '<?xml version="1.0"?><speak>hi</speak>', prompt_ref: 'p' }],
    ['http url', { type: 'url', url: 'http://example.com/a.mp3', prompt_ref: 'p' }],
  ])('accepts %s', async (_name, play) => {
    const res = await postBroadcast(await seedTenant(), withPlay(play));
    expect(res.status).toBe(200);
  });
});

describe('top-level fields', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ event_url: 'not a url' }, '/event_url'],
    [{ event_url: 'ftp://x/y' }, '/event_url'],
    [{ event_url: '//example.com/event' }, '/event_url'],
    [{ call_handler_url: 'mailto:a@b.c' }, '/call_handler_url'],
    [{ call_handler_url: `https://example.com/${'a'.repeat(2048)}` }, '/call_handler_url'],
    [{ recipients: [] }, '/recipients'],
    [{ recipients: {} }, '/recipients'],
    [{ answering_machine_detection: 'yes' }, '/answering_machine_detection'],
    [{ answering_machine_detection: 1 }, '/answering_machine_detection'],
    [{ custom_data: [1, 2] }, '/custom_data'],
    [{ custom_data: 'text' }, '/custom_data'],
    [{ custom_data: null }, '/custom_data'],
    [{ custom_data: { blob: 'x'.repeat(64 * 1024) } }, '/custom_data'],
    [{ name: 'n'.repeat(257) }, '/name'],
    [{ name: 42 }, '/name'],
    [{ idle_timeout: 4 }, '/idle_timeout'],
    [{ idle_timeout: 3601 }, '/idle_timeout'],
    [{ idle_timeout: 10.5 }, '/idle_timeout'],
    [{ max_call_duration: 9 }, '/max_call_duration'],
    [{ max_call_duration: 14_401 }, '/max_call_duration'],
    [{ ring_timeout: 4 }, '/ring_timeout'],
    [{ ring_timeout: 121 }, '/ring_timeout'],
    [{ ring_timeout: '30' }, '/ring_timeout'],
  ];
  it.each(cases.map(([override, pointer]) => [JSON.stringify(override).slice(0, 60), override, pointer] as const))('rejects %s', async (_label, override, pointer) => {
    await rejects(broadcastBody(override), pointer);
  });
});

describe('phone numbers', () => {
  it.each([
    ['too short', '12345', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['dashes', '91-808-839-4833', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['spaces', '+91 80883 94833', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['surrounding space', ' 918088394833', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['leading 00', '00918088394833', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['double +', '++918088394833', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['too long', '9180883948331234', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['unassigned country code', '+99912345678', 'is not a valid phone number for any country'],
    ['impossible national number', '971123', 'must be an E.164 number: country code and number, digits only, optional leading +'],
    ['invalid for its country', '9710000000000', 'is not a valid phone number for any country'],
  ])('rejects a `to` that is %s, by pointer and reason', async (_name, to, reason) => {
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody({ recipients: [recipientsOf(1)[0], { to, play: plays.tts }] })), 400);
    expect(p.errors).toEqual([{ pointer: '/recipients/1/to', reason }]);
  });

  it('checks from the same way', async () => {
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody({ from: '+99912345678' })), 400);
    expect(p.errors).toEqual([{ pointer: '/from', reason: 'is not a valid phone number for any country' }]);
  });
});

describe('whole-request rejection', () => {
  it('lists every bad field at once, in request order, and records nothing', async () => {
    const t = await seedTenant();
    const recipients: Array<Record<string, unknown>> = recipientsOf(20);
    recipients[3] = { ...recipients[3], to: '12345' };
    recipients[11] = { ...recipients[11], to: '+99912345678' };
    recipients[17] = { ...recipients[17], to: '91-808-839-4833' };
    recipients[19] = { ...recipients[19], to: 918088394833 };
    recipients[5] = { ...recipients[5], play: { type: 'tts', text: 'hi', voice: 'Robot', prompt_ref: 'p' } };
    const res = await postBroadcast(t, broadcastBody({ recipients, from: 'not-a-number', name: '', event_url: 'nope' }));
    const p = await problemOf(res, 400);
    expect(p.errors!.map((e) => e.pointer)).toEqual([
      '/name',
      '/from',
      '/recipients/3/to',
      '/recipients/5/play/language',
      '/recipients/5/play/voice',
      '/recipients/11/to',
      '/recipients/17/to',
      '/recipients/19/to',
      '/event_url',
    ]);
    expect(p.field).toBe('/name');
    expect(p.detail).toMatch(/^9 fields failed validation: /);
    expect(await countRows('broadcasts', t.tenantId)).toBe(0);
  });

  it('reports thousands of bad recipients, one issue each', async () => {
    const recipients = recipientsOf(5000).map((r, i) => (i % 2 === 0 ? { ...r, to: `x${i}` } : r));
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody({ recipients })), 400);
    expect(p.errors).toHaveLength(2500);
    expect(p.errors![1]).toEqual({ pointer: '/recipients/2/to', reason: expect.stringMatching(/^must be an E\.164 number/) });
  });

  it('refuses more than 100,000 recipients with one clear issue, without examining them', async () => {
    const tooMany = Array.from({ length: 100_001 }, () => ({}));
    const started = Date.now();
    const p = await problemOf(await postBroadcast(await tenant(), broadcastBody({ recipients: tooMany })), 400);
    expect(p.errors).toEqual([{ pointer: '/recipients', reason: 'must list at most 100000 recipients (got 100001)' }]);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('still reports other fields when the list is too long', async () => {
    const tooMany = Array.from({ length: 100_001 }, () => ({}));
    const pointers = await pointersOf(await postBroadcast(await tenant(), broadcastBody({ recipients: tooMany, name: 7 })));
    expect(pointers).toEqual(['/name', '/recipients']);
  }, 30_000);
});
