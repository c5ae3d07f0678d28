// PUT /voice/v1/call/{voice_id}/stream: the documented start response, Crier's
// {"stop": true}, validation naming the field, 404/409, the stream command the
// node receives, stream events turned into webhooks, and the idle guard
// waiting while a stream runs.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, dialOneLeg, postEvents, seedTenant, stopNodesAfterEach, waitFor } from './harness.ts';

const stops = stopNodesAfterEach();
const WSS = 'wss://ai.example.com/media?token=abc';

const stream = (voiceId: string, auth: string, body: unknown) =>
  SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/stream`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function answered(overrides: Parameters<typeof dialOneLeg>[1] = {}) {
  const leg = await dialOneLeg(stops, overrides);
  await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
  return leg;
}

const streamCommands = async (leg: Awaited<ReturnType<typeof answered>>) => (await leg.node.commands()).filter((c) => c.type === 'stream');

describe('PUT /voice/v1/call/{voice_id}/stream', () => {
  it('starts with exactly the documented response and forwards a start command with the stream context', async () => {
    const leg = await answered();
    const res = await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id', 'wss_host']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, state: 'stream_started', wss_host: WSS });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const [cmd] = await streamCommands(leg);
    expect(cmd).toMatchObject({
      voice_id: leg.voiceId,
      action: 'start',
      wss_host: WSS,
      account_id: leg.tenant.appId,
      custom_parameters: { booking_id: 12345 },
    });
    expect(cmd!.stream_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cmd!.command_id).toBe(`${cmd!.stream_id}:start`);
  });

  it('stops with {"stop": true}: stream_stopped, a stop command for the running stream; a second stop is 409', async () => {
    const leg = await answered();
    await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    const res = await stream(leg.voiceId, leg.tenant.auth, { stop: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, state: 'stream_stopped' });
    const [start, stop] = await streamCommands(leg);
    expect(stop).toMatchObject({ action: 'stop', stream_id: start!.stream_id, command_id: `${start!.stream_id}:stop` });
    const again = await stream(leg.voiceId, leg.tenant.auth, { stop: true });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toMatch(/not-streaming$/);
  });

  it('a second start replaces the running stream: stop then targets the new one', async () => {
    const leg = await answered();
    await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    await stream(leg.voiceId, leg.tenant.auth, { wss_host: 'wss://other.example.com/ws' });
    // The first stream's end (reported by the node as replaced) must not forget the second.
    const [first, second] = await streamCommands(leg);
    await postEvents(leg.nodeId, [leg.script.stream('stopped', first!.stream_id, { reason: 'replaced', frames_sent: 10, frames_dropped: 0 })]);
    expect((await stream(leg.voiceId, leg.tenant.auth, { stop: true })).status).toBe(200);
    expect((await streamCommands(leg)).at(-1)).toMatchObject({ action: 'stop', stream_id: second!.stream_id });
  });

  it.each<[string, string, unknown]>([
    ['plain ws://', '/wss_host', { wss_host: 'ws://ai.example.com/media' }],
    ['http://', '/wss_host', { wss_host: 'http://ai.example.com/media' }],
    ['https://', '/wss_host', { wss_host: 'https://ai.example.com/media' }],
    ['a relative URL', '/wss_host', { wss_host: '/media' }],
    ['a host-less URL', '/wss_host', { wss_host: 'wss://' }],
    ['credentials in the URL', '/wss_host', { wss_host: 'wss://user:pw@ai.example.com/media' }],
    ['a fragment', '/wss_host', { wss_host: 'wss://ai.example.com/media#x' }],
    ['not a string', '/wss_host', { wss_host: 42 }],
    ['nothing', '/wss_host', {}],
    ['both start and stop', '/stop', { wss_host: WSS, stop: true }],
    ['stop: false', '/stop', { stop: false }],
  ])('400 for %s, naming %s', async (_what, pointer, body) => {
    const leg = await answered();
    const res = await stream(leg.voiceId, leg.tenant.auth, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
    expect(await streamCommands(leg)).toHaveLength(0);
  });

  it('400 for junk bodies and unknown fields, 415 for non-JSON, never 5xx', async () => {
    const leg = await answered();
    for (const junk of ['null', '[]', '"wss://x"', '{', JSON.stringify({ wss_host: WSS, extra: 1 })]) {
      expect((await stream(leg.voiceId, leg.tenant.auth, junk)).status, junk).toBe(400);
    }
    const plain = await SELF.fetch(`${BASE}/voice/v1/call/${leg.voiceId}/stream`, { method: 'PUT', headers: { authorization: leg.tenant.auth, 'content-type': 'text/plain' }, body: '{}' });
    expect(plain.status).toBe(415);
  });

  it('404 for an unknown voice_id and another tenant’s leg; 409 before answer, after the end, and after a hang-up request', async () => {
    const leg = await dialOneLeg(stops);
    expect((await stream(crypto.randomUUID(), leg.tenant.auth, { wss_host: WSS })).status).toBe(404);
    expect((await stream(leg.voiceId, (await seedTenant()).auth, { wss_host: WSS })).status).toBe(404);
    await postEvents(leg.nodeId, [leg.script.ringing()]);
    const early = await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { type: string }).type).toMatch(/call-not-answered$/);
    await postEvents(leg.nodeId, [leg.script.connected()]);
    await SELF.fetch(`${BASE}/voice/v1/call/${leg.voiceId}`, { method: 'DELETE', headers: { authorization: leg.tenant.auth } });
    expect((await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS })).status).toBe(409);
    await postEvents(leg.nodeId, [leg.script.disconnected()]);
    const late = await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { type: string }).type).toMatch(/call-ended$/);
    expect(await streamCommands(leg as Awaited<ReturnType<typeof answered>>)).toHaveLength(0);
  });

  it('turns the node’s stream events into webhooks with the common fields, in call order', async () => {
    const leg = await answered();
    await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    const [cmd] = await streamCommands(leg);
    const id = cmd!.stream_id as string;
    await postEvents(leg.nodeId, [
      leg.script.stream('started', id, { wss_host: WSS }),
      leg.script.stream('failed', id, { wss_host: WSS, reason: 'connection lost (1006)', frames_sent: 250, frames_dropped: 3 }),
      leg.script.disconnected(),
    ]);
    const hooks = await waitFor(async () => {
      const d = await leg.hooks.delivered();
      return d.some((h) => h.state === 'disconnected') ? d : null;
    });
    const streams = hooks.filter((h) => h.streamstate);
    expect(streams).toHaveLength(2);
    expect(Object.keys(streams[0]!).sort()).toEqual(['broadcast_id', 'custom_data', 'from', 'stream_id', 'streamstate', 'timestamp', 'to', 'voice_id', 'wss_host']);
    expect(streams[0]).toMatchObject({
      broadcast_id: leg.broadcastId,
      voice_id: leg.voiceId,
      from: '12012774877',
      to: '971501000000',
      streamstate: 'started',
      stream_id: id,
      wss_host: WSS,
      custom_data: { booking_id: 12345 },
    });
    expect(streams[1]).toMatchObject({ streamstate: 'failed', stream_id: id, reason: 'connection lost (1006)', frames_sent: 250, frames_dropped: 3 });
    const order = hooks.filter((h) => h.voice_id).map((h) => h.streamstate ?? h.state);
    expect(order).toEqual(['ringing', 'connected', 'started', 'failed', 'disconnected']);
  });

  it('the idle guard waits while a stream runs and starts again when it ends', async () => {
    const leg = await answered({ idleTimeoutS: 1 });
    await postEvents(leg.nodeId, [leg.script.play('initiated')]);
    await stream(leg.voiceId, leg.tenant.auth, { wss_host: WSS });
    const [cmd] = await streamCommands(leg);
    await postEvents(leg.nodeId, [leg.script.stream('started', cmd!.stream_id), leg.script.play('playfinished')]);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await leg.node.commands()).some((c) => c.type === 'hangup')).toBe(false);
    await postEvents(leg.nodeId, [leg.script.stream('stopped', cmd!.stream_id, { reason: 'server_closed', frames_sent: 100, frames_dropped: 0 })]);
    await waitFor(async () => (await leg.node.commands()).find((c) => c.type === 'hangup'), 5_000, 'idle hang-up after the stream ended');
  });
});
