// Per-call controls on broadcast legs: DELETE /voice/v1/call/{voice_id} and
// PUT /voice/v1/call/{voice_id}/play, with tenancy, ended-leg and bad-body rules.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, dialOneLeg, postEvents, seedTenant, stopNodesAfterEach, waitFor } from './harness.ts';

const stops = stopNodesAfterEach();
const answeredLeg = () => dialOneLeg(stops);

const ttsPlay = { play: { type: 'tts', text: 'Thank you. Goodbye.', voice: 'Female', language: 'en-US', prompt_ref: 'prompt_f2' } };

function put(voiceId: string, auth: string, body: unknown, contentType = 'application/json') {
  return SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/play`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('PUT /voice/v1/call/{voice_id}/play', () => {
  it('plays on an answered leg and answers as documented', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.play('initiated'), leg.script.play('playfinished')]);
    const res = await put(leg.voiceId, leg.tenant.auth, ttsPlay);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'playstate', 'statusCode', 'timestamp', 'to', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, to: '971501000000', playstate: 'initiated', statusCode: 200 });
    const play = (await leg.node.commands()).find((c) => c.type === 'play');
    expect(play).toMatchObject({ voice_id: leg.voiceId, play: { type: 'tts', text: 'Thank you. Goodbye.', prompt_ref: 'prompt_f2' } });
  });

  it('accepts all four play variants', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
    const variants = [
      { type: 'url', url: 'https://example.com/a.mp3', prompt_ref: 'a' },
      { type: 'file', url: 'https://example.com/b.wav', prompt_ref: 'b' },
      { type: 'file', prompt_name: 'welcome_prompt', prompt_ref: 'c' },
      { type: 'ssml', ssml: '<speak>Hello <break time="1s"/> there</speak>', prompt_ref: 'd' },
    ];
    for (const play of variants) expect((await put(leg.voiceId, leg.tenant.auth, { play })).status).toBe(200);
    const plays = (await leg.node.commands()).filter((c) => c.type === 'play').map((c) => c.play);
    expect(plays.map((p) => p.type)).toEqual(['url', 'url', 'prompt', 'ssml']);
    expect(plays[2]).toMatchObject({ prompt_name: 'welcome_prompt', version: 0 });
    expect(plays[2].fetch_url).toMatch(/\/internal\/media\/v1\/prompts\/.+\/welcome_prompt\/0\?expires=\d+&sig=[0-9a-f]{64}$/);
  });

  it('refuses a leg that is not answered yet (409) and one that has ended (409)', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing()]);
    const early = await put(leg.voiceId, leg.tenant.auth, ttsPlay);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { type: string }).type).toMatch(/call-not-answered$/);
    await postEvents(leg.nodeId, [leg.script.connected(), leg.script.disconnected()]);
    const late = await put(leg.voiceId, leg.tenant.auth, ttsPlay);
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toBe('application/problem+json');
  });

  it('delivers playstate "interrupted" for a prompt a newer play replaced, and keeps the leg playing (no idle guard)', async () => {
    const leg = await dialOneLeg(stops, { idleTimeoutS: 1 });
    const s = leg.script;
    await postEvents(leg.nodeId, [s.ringing(), s.connected(), s.play('initiated', 'first')]);
    expect((await put(leg.voiceId, leg.tenant.auth, ttsPlay)).status).toBe(200);
    // What the node reports as the new play takes over: the old one closed out, then the new one starts.
    expect(await postEvents(leg.nodeId, [s.play('interrupted', 'first')])).toEqual([expect.objectContaining({ status: 'applied' })]);
    const hook = await waitFor(async () => (await leg.hooks.delivered()).find((e) => e.playstate === 'interrupted'), 10_000, 'the interrupted webhook');
    expect(Object.keys(hook).sort()).toEqual(['broadcast_id', 'custom_data', 'from', 'playstate', 'prompt_ref', 'timestamp', 'to', 'voice_id']);
    expect(hook).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, playstate: 'interrupted', prompt_ref: 'first' });
    expect((await leg.stub.status())!.legs.playing).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500)); // past idle_timeout: an interrupted prompt does not make the leg idle
    expect((await leg.node.commands()).filter((c) => c.type === 'hangup')).toHaveLength(0);
  });

  it("answers 503 with Retry-After, not 'call ended', when the leg's media node does not take the command", async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
    await leg.node.configure({ refuse: true });
    const res = await put(leg.voiceId, leg.tenant.auth, ttsPlay);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { type: string }).type).toMatch(/media-node-unavailable$/);
    await leg.node.configure({ refuse: false });
    expect((await put(leg.voiceId, leg.tenant.auth, ttsPlay)).status).toBe(200);
  });

  it('names the failing field for a bad body and never 5xx on junk', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
    const missing = await put(leg.voiceId, leg.tenant.auth, { play: { type: 'tts', text: 'hi', voice: 'Robot', prompt_ref: 'x' } });
    expect(missing.status).toBe(400);
    const problem = (await missing.json()) as { field: string; errors: Array<{ pointer: string; reason: string }> };
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['/play/language', '/play/voice']);
    for (const junk of ['null', '[]', '"x"', '{"play": []}', '{"play": {"type": "nope"}}', '{"play": {"type": "ssml", "ssml": "<speak>", "prompt_ref": "x"}}']) {
      const res = await put(leg.voiceId, leg.tenant.auth, junk);
      expect(res.status, junk).toBe(400);
    }
    expect((await put(leg.voiceId, leg.tenant.auth, '{', 'application/json')).status).toBe(400);
    expect((await put(leg.voiceId, leg.tenant.auth, ttsPlay, 'text/plain')).status).toBe(415);
  });
});

describe('DELETE /voice/v1/call/{voice_id}', () => {
  const del = (voiceId: string, auth: string) => SELF.fetch(`${BASE}/voice/v1/call/${voiceId}`, { method: 'DELETE', headers: { authorization: auth } });

  it('hangs up with cause 16, answers as documented, and is idempotent', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
    const res = await del(leg.voiceId, leg.tenant.auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, state: 'success' });
    expect((await leg.node.commands()).find((c) => c.type === 'hangup')).toMatchObject({ voice_id: leg.voiceId, cause: 16 });
    expect((await del(leg.voiceId, leg.tenant.auth)).status).toBe(200);
    await postEvents(leg.nodeId, [leg.script.disconnected(16, 'Normal Clearing', 1.5)]);
    expect((await del(leg.voiceId, leg.tenant.auth)).status).toBe(200);
    expect((await leg.node.commands()).filter((c) => c.type === 'hangup')).toHaveLength(1);
  });

  it('answers 409 for a leg that ended on its own', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.disconnected()]);
    const res = await del(leg.voiceId, leg.tenant.auth);
    expect(res.status).toBe(409);
  });

  it('answers 404 for an unknown voice_id and for another tenant’s leg, 401 without credentials', async () => {
    const leg = await answeredLeg();
    const other = await seedTenant();
    expect((await del(crypto.randomUUID(), leg.tenant.auth)).status).toBe(404);
    expect((await del(leg.voiceId, other.auth)).status).toBe(404);
    expect((await put(leg.voiceId, other.auth, ttsPlay)).status).toBe(404);
    const anon = await SELF.fetch(`${BASE}/voice/v1/call/${leg.voiceId}`, { method: 'DELETE' });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });
});

describe('PUT /voice/v1/call/{voice_id}/hold', () => {
  const hold = (voiceId: string, auth: string, body: unknown) =>
    SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/hold`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('holds and resumes an answered leg with the documented response', async () => {
    const leg = await answeredLeg();
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.play('initiated')]);
    const res = await hold(leg.voiceId, leg.tenant.auth, { hold: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'hold', 'state', 'timestamp', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, hold: true, state: 'success' });
    expect(((await (await hold(leg.voiceId, leg.tenant.auth, { hold: false })).json()) as { hold: boolean }).hold).toBe(false);
    expect((await leg.node.commands()).filter((c) => c.type === 'hold').map((c) => c.hold)).toEqual([true, false]);
  });

  it('names the field for bad bodies; 409 before answer and after the end; 404 across tenants', async () => {
    const leg = await answeredLeg();
    for (const bad of [{}, { hold: 'yes' }, { hold: true, extra: 1 }, '[]']) {
      const res = await hold(leg.voiceId, leg.tenant.auth, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(((await (await hold(leg.voiceId, leg.tenant.auth, {})).json()) as { field: string }).field).toBe('/hold');
    expect((await hold(leg.voiceId, leg.tenant.auth, { hold: true })).status).toBe(409);
    expect((await hold(leg.voiceId, (await seedTenant()).auth, { hold: true })).status).toBe(404);
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.disconnected()]);
    expect((await hold(leg.voiceId, leg.tenant.auth, { hold: true })).status).toBe(409);
  });
});
