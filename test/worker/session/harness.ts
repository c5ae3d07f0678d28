// Test harness for BroadcastSession/MediaFleet tests: seeds a tenant, plays a
// protocol-level media node against the Worker (signed heartbeats and events),
// and reads what the real Node receiver recorded (webhooks, node commands).
import { SELF, env } from 'cloudflare:test';
import { afterEach } from 'vitest';
import { signMessage, type MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import type { BroadcastInit, RecipientInput } from '../../../worker/src/durable/broadcast-session/contract.ts';

// The same seeded tenant as every other Worker test file.
import { BASE, seedTenant, type SeededTenant } from '../helpers/tenant.ts';
export { BASE, seedTenant, type SeededTenant };

export function box(name = crypto.randomUUID().slice(0, 8)) {
  const root = env.RECEIVER_URL;
  return {
    name,
    hooksUrl: `${root}/hooks/${name}`,
    nodeUrl: `${root}/node/${name}`,
    async hooks(): Promise<Array<{ at: number; headers: Record<string, string>; body: string; status: number }>> {
      return (await fetch(`${root}/hooks/${name}`)).json();
    },
    async delivered(): Promise<Array<Record<string, any>>> {
      return (await this.hooks()).filter((h) => h.status === 200).map((h) => JSON.parse(h.body));
    },
    async commands(): Promise<Array<Record<string, any>>> {
      return (await fetch(`${root}/node/${name}/commands`)).json();
    },
    async configure(cfg: { failFirst?: number; delayFirst?: number; delayMs?: number; refuse?: boolean; boot?: string; commandDelayMs?: number; commandErrors?: Record<string, string> }): Promise<void> {
      await fetch(`${root}/config/${name}`, { method: 'POST', body: JSON.stringify(cfg) });
    },
  };
}
export type Box = ReturnType<typeof box>;

export async function signedPost(path: string, value: unknown, secret = env.MEDIA_SHARED_SECRET): Promise<Response> {
  const body = JSON.stringify(value);
  return SELF.fetch(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await signMessage(secret, body)) }, body });
}

/** Registers a stand-in node and keeps it alive until the returned stop() is called. */
export async function startNode(nodeId: string, controlUrl: string, capacity = 100): Promise<{ startedAt: string; stop(drain?: boolean): void }> {
  const startedAt = new Date().toISOString();
  const beat = (draining = false) =>
    signedPost('/internal/media/v1/heartbeat', { node_id: nodeId, control_url: controlUrl, capacity, live_calls: 0, draining, started_at: startedAt, version: 'test' });
  const res = await beat();
  if (res.status !== 200) throw new Error(`heartbeat failed: ${res.status} ${await res.text()}`);
  const timer = setInterval(() => void beat(), 400);
  return {
    startedAt,
    /** Stops heart-beating; `drain` first tells the fleet to send it nothing new (so later tests never get its legs). */
    stop: (drain = true) => {
      clearInterval(timer);
      if (drain) void beat(true);
    },
  };
}

export async function postEvents(nodeId: string, events: MediaEvent[]): Promise<Array<{ voice_id: string; seq: number; status: string }>> {
  const res = await signedPost('/internal/media/v1/events', { node_id: nodeId, events });
  if (res.status !== 200) throw new Error(`events failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { results: Array<{ voice_id: string; seq: number; status: string }> }).results;
}

export function recipients(n: number, play: RecipientInput['play'] = { type: 'tts', text: 'Hello', voice: 'Female', language: 'en-US', prompt_ref: 'p1' }): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => ({ to: `97150${String(1000000 + i).slice(-7)}`, play }));
}

export async function startBroadcast(
  tenant: SeededTenant,
  hooks: Box,
  legs: RecipientInput[],
  overrides: Partial<BroadcastInit> = {},
) {
  const broadcastId = crypto.randomUUID();
  const init: BroadcastInit = {
    broadcastId,
    tenantId: tenant.tenantId,
    appId: tenant.appId,
    name: 'Test broadcast',
    ownerRef: 'owner-1',
    from: '12012774877',
    amd: false,
    eventUrl: hooks.hooksUrl,
    callHandlerUrl: hooks.hooksUrl,
    customData: { booking_id: 12345 },
    webhookSecret: tenant.webhookSecret,
    idleTimeoutS: 30,
    maxCallDurationS: 3600,
    ringTimeoutS: 30,
    callsPerSecond: 50,
    maxConcurrentCalls: 100,
    blacklisted: [],
    countryNotAllowed: [],
    acceptedAt: new Date().toISOString(),
    ...overrides,
  };
  await env.DB.prepare(
    `INSERT INTO broadcasts (id, tenant_id, app_id, name, owner_ref, from_number, amd, event_url, call_handler_url, custom_data, status, dialled_count, blacklisted_count, country_not_allowed_count, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?, 0, 0, ?)`,
  )
    .bind(broadcastId, tenant.tenantId, tenant.appId, init.name, init.ownerRef, init.from, init.amd ? 1 : 0, init.eventUrl, init.callHandlerUrl, init.customData === undefined ? null : JSON.stringify(init.customData), legs.length, init.acceptedAt)
    .run();
  const stub = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
  await stub.create(init);
  for (let i = 0; i < legs.length; i += 5000) await stub.addLegs(legs.slice(i, i + 5000).map((l, j) => ({ ...l, index: i + j })));
  await stub.start();
  return { broadcastId, stub, init };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A leg's events as the node would report them, with consecutive seq numbers. */
export function legScript(voiceId: string, broadcastId: string) {
  let seq = 0;
  const owner = { kind: 'broadcast' as const, id: broadcastId };
  const at = () => new Date().toISOString();
  return {
    ringing: (): MediaEvent => ({ type: 'ringing', voice_id: voiceId, owner, seq: ++seq, at: at(), channel_id: `chan-${voiceId.slice(0, 8)}` }),
    connected: (answered_by?: 'HUMAN' | 'MACHINE'): MediaEvent => ({ type: 'connected', voice_id: voiceId, owner, seq: ++seq, at: at(), ...(answered_by ? { answered_by } : {}) }),
    play: (playstate: 'initiated' | 'playfinished' | 'failed' | 'interrupted', prompt_ref = 'p1'): MediaEvent => ({ type: 'playstate', voice_id: voiceId, owner, seq: ++seq, at: at(), playstate, prompt_ref }),
    /** A connect's progress (media-protocol ConnectEvent), on this leg's seq. */
    connect: (
      connect_id: string,
      connectstate: 'ringing' | 'connected' | 'failed' | 'disconnected',
      end: { cause?: number; reason?: string; sip_status?: number; duration_s?: number; ended_by?: 'destination' | 'recipient' } = {},
    ): MediaEvent => ({ type: 'connect', voice_id: voiceId, owner, seq: ++seq, at: at(), connect_id, connectstate, ...end }),
    stream: (streamstate: 'started' | 'stopped' | 'failed', stream_id: string, extra: { reason?: string; frames_sent?: number; frames_dropped?: number; wss_host?: string } = {}): MediaEvent => ({
      type: 'stream',
      voice_id: voiceId,
      owner,
      seq: ++seq,
      at: at(),
      stream_id,
      streamstate,
      wss_host: 'wss://ai.example.com/media',
      ...extra,
    }),
    disconnected: (cause = 16, reason = 'Normal Clearing', duration_s = 3.25): MediaEvent => ({
      type: 'disconnected',
      voice_id: voiceId,
      owner,
      seq: ++seq,
      at: at(),
      cause,
      reason,
      duration_s,
      hangup_by: 'remote',
    }),
  };
}

/** Stops every stand-in node a test started (draining it first), after each test. */
export function stopNodesAfterEach(): Array<(drain?: boolean) => void> {
  const stops: Array<(drain?: boolean) => void> = [];
  afterEach(async () => {
    stops.splice(0).forEach((stop) => stop());
    await new Promise((r) => setTimeout(r, 100));
  });
  return stops;
}

/** A tenant, a live stand-in node, and a broadcast whose single leg has been dialled. */
export async function dialOneLeg(stops: Array<(drain?: boolean) => void>, overrides: Partial<BroadcastInit> = {}) {
  const tenant = await seedTenant();
  const hooks = box();
  const node = box();
  const nodeId = `node-${node.name}`;
  stops.push((await startNode(nodeId, node.nodeUrl)).stop);
  const { broadcastId, stub } = await startBroadcast(tenant, hooks, recipients(1), overrides);
  const [cmd] = await waitFor(async () => {
    const c = await node.commands();
    return c.length === 1 ? c : null;
  });
  const voiceId = cmd!.voice_id as string;
  return { tenant, hooks, node, nodeId, broadcastId, stub, voiceId, script: legScript(voiceId, broadcastId) };
}
