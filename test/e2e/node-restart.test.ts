// A media node restarted under the same NODE_ID in the middle of a broadcast
// (what a systemd restart does): the node reaches the Worker through a proxy
// that refuses its heartbeats for a while, so the new process takes legs while
// the Worker still knows only the old boot, the race that once failed them.
// The old boot's legs end with cause 41; the new boot's stay up, answer
// DELETE, and nothing is left open on the node (docs/media-protocol.md
// "Heartbeats and node loss").
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { AUTH, startClient, until, type Client } from './client.ts';

const stateDir = `${process.cwd()}/.wrangler/e2e-restart-${Date.now()}`;
const PORTS = { worker: 8977, carrier: 5280, carrierMedia: 6200, mediaSip: 5262, mediaControl: 7270, rtpMin: 26000, rtpMax: 26999 };
let stack: Stack;
let client: Client;
let proxy: BeatGate;

beforeAll(async () => {
  proxy = await startBeatGate(`http://127.0.0.1:${PORTS.worker}`);
  // A long heartbeat timeout: the Worker must not declare the node lost during the restart, only see a new boot.
  stack = await startStack({ ports: PORTS, stateDir, workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: '30' }, mediaEnv: { WORKER_URL: proxy.url } });
  client = await startClient();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await proxy?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Forwards the node's requests to the Worker; while `refusing`, answers heartbeats 503 instead. */
interface BeatGate {
  url: string;
  refusing: boolean;
  /** Heartbeats the Worker has answered. */
  forwardedBeats: number;
  close(): Promise<void>;
}

async function startBeatGate(target: string): Promise<BeatGate> {
  const gate = { refusing: false, forwardedBeats: 0 } as BeatGate;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const isBeat = req.url === '/internal/media/v1/heartbeat';
    if (isBeat && gate.refusing) return void res.writeHead(503).end();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    try {
      const answer = await fetch(target + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const body = Buffer.from(await answer.arrayBuffer());
      if (isBeat && answer.ok) gate.forwardedBeats++;
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gate.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  gate.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return gate;
}

function api(method: string, path: string, body?: unknown) {
  return fetch(`${stack.url}${path}`, { method, headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
}

const LONG = 'This is a long announcement that keeps the line busy while the media node is restarted under the same name in the middle of the broadcast.';

/** Recipients who answer and listen until hung up (carrier scenario: last digit 0). */
async function broadcast(numbers: string[]) {
  const res = await api('POST', '/voice/v1/broadcast', {
    name: 'restart',
    owner_ref: 'e2e',
    from: '12012774877',
    answering_machine_detection: false,
    recipients: numbers.map((to) => ({ to, play: { type: 'tts', text: LONG, voice: 'Female', language: 'en-US', prompt_ref: 'restart' } })),
    event_url: client.url,
    call_handler_url: client.url,
    ring_timeout: 5,
    idle_timeout: 300,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { broadcast_id: string }).broadcast_id;
}

const connectedLegs = (id: string) => [...new Set(client.events.filter((e) => e.broadcast_id === id && e.state === 'connected').map((e) => e.voice_id as string))];
const disconnects = (voiceId: string) => client.forLeg(voiceId).filter((e) => e.state === 'disconnected');
const nodeStats = async () => (await (await fetch(`http://127.0.0.1:${PORTS.mediaControl}/v1/stats`)).json()) as { live_calls: number };

describe('a media node restarted mid-broadcast under the same NODE_ID', () => {
  it('ends the old boot’s legs with 41 and leaves the new boot’s legs up, controllable, and nothing open', async () => {
    const before = await broadcast(['971501239010', '971501239020', '971501239030']);
    const oldLegs = await until(() => connectedLegs(before).length === 3 && connectedLegs(before), 'the first boot’s legs to answer', 30_000);

    // Kill the node and start it again at once; its heartbeats do not reach the Worker yet.
    proxy.refusing = true;
    const killed = stack.media;
    process.kill(-killed.child.pid!, 'SIGKILL');
    await killed.exited;
    const restarted = stack.startMediaNode();
    await until(async () => (await nodeStats().catch(() => null)) !== null, 'the new process to take commands', 30_000);

    // The Worker still knows only the old boot, and places new legs on the new process.
    const after = await broadcast(['971501239040', '971501239050']);
    const newLegs = await until(() => connectedLegs(after).length === 2 && connectedLegs(after), 'the new boot’s legs to answer', 30_000);
    expect(oldLegs.every((v) => disconnects(v).length === 0)).toBe(true); // nothing has told the Worker yet

    // Its heartbeats get through: the Worker sees a new boot.
    const seen = proxy.forwardedBeats;
    proxy.refusing = false;
    const complete = await client.waitForComplete(before, 30_000);
    expect(complete.broadcast_call_info.map((i: any) => i.disconnectReasonCode)).toEqual([41, 41, 41]);
    for (const v of oldLegs) expect(disconnects(v)).toMatchObject([{ disconnect_cause_code: 41, disconnect_reason: 'Temporary Failure' }]);

    // Two more beats, each reconciled: the new boot's legs are untouched and still up on the node.
    await until(() => proxy.forwardedBeats >= seen + 3, 'three heartbeats of the new boot', 30_000);
    for (const v of newLegs) expect(disconnects(v)).toEqual([]);
    expect((await nodeStats()).live_calls).toBe(2);

    // The client can still end them.
    for (const v of newLegs) expect((await api('DELETE', `/voice/v1/call/${v}`)).status).toBe(200);
    const done = await client.waitForComplete(after, 30_000);
    expect(done.broadcast_call_info.map((i: any) => i.disconnectReasonCode)).toEqual([16, 16]);

    // Nothing left open: no call on the node, and the API has every leg over.
    await until(async () => (await nodeStats()).live_calls === 0, 'the node to hold no call', 10_000);
    for (const id of [before, after]) {
      const status = (await (await api('GET', `/voice/v1/broadcast/${id}`)).json()) as { state: string; legs: Record<string, number> };
      expect(status.state).toBe('broadcastcall_complete');
    }
    expect(restarted.child.exitCode).toBeNull();
  }, 180_000);
});
