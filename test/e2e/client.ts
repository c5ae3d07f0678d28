// A webhook client for the e2e tests: verifies signatures, de-duplicates by
// event id and counts what it de-duplicated (per broadcast), so a test can say
// "every webhook once": no event id twice, and no (leg, event kind) twice
// under different ids.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DEMO } from '../../scripts/seed-local.ts';

export const AUTH = `Basic ${Buffer.from(`${DEMO.appId}:${DEMO.appKey}`).toString('base64')}`;

export interface Client {
  url: string;
  events: Array<Record<string, any>>;
  duplicates: number;
  badSignatures: number;
  /** Redeliveries of an event id already received, for one broadcast's events. */
  duplicatesFor(broadcastId: string): number;
  /** (voice_id, kind) pairs received more than once under different event ids, with their counts. */
  repeatedKinds(broadcastId: string): Record<string, number>;
  forLeg(voiceId: string): Array<Record<string, any>>;
  completes(broadcastId: string): Array<Record<string, any>>;
  waitForComplete(broadcastId: string, timeoutMs?: number): Promise<Record<string, any>>;
  onEvent(handler: (e: Record<string, any>) => void): void;
  close(): Promise<void>;
}

export async function startClient(): Promise<Client> {
  const events: Array<Record<string, any>> = [];
  const seen = new Map<string, string>(); // event id -> broadcast_id
  const redelivered = new Map<string, number>(); // broadcast_id -> redeliveries
  const handlers: Array<(e: Record<string, any>) => void> = [];
  let duplicates = 0;
  let badSignatures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', DEMO.webhookSecret).update(raw).digest('hex')}`;
      if (req.headers['x-crier-signature'] !== expected) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      const id = String(req.headers['x-crier-event-id']);
      const event = JSON.parse(raw.toString('utf8')) as Record<string, any>;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        duplicates++;
        redelivered.set(earlier, (redelivered.get(earlier) ?? 0) + 1);
        return;
      }
      seen.set(id, String(event.broadcast_id));
      events.push(event);
      for (const h of handlers) h(event);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/events`;
  const client: Client = {
    url,
    events,
    get duplicates() {
      return duplicates;
    },
    get badSignatures() {
      return badSignatures;
    },
    duplicatesFor: (broadcastId) => redelivered.get(broadcastId) ?? 0,
    repeatedKinds(broadcastId) {
      const counts = new Map<string, number>();
      for (const e of events) {
        if (e.broadcast_id !== broadcastId) continue;
        const key = `${e.voice_id ?? '-'} ${kind(e)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return Object.fromEntries([...counts].filter(([, n]) => n > 1));
    },
    forLeg: (voiceId) => events.filter((e) => e.voice_id === voiceId),
    completes: (broadcastId) => events.filter((e) => e.broadcast_id === broadcastId && e.state === 'broadcastcall_complete'),
    async waitForComplete(broadcastId, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = client.completes(broadcastId)[0];
        if (c) return c;
        if (Date.now() > deadline) throw new Error(`no broadcastcall_complete for ${broadcastId}; ${events.length} events so far`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    onEvent: (h) => handlers.push(h),
    close: () => new Promise((r) => server.close(() => r())),
  };
  return client;
}

export function label(e: Record<string, any>): string {
  return e.playstate ? `playstate:${e.playstate}` : e.state;
}

/** What an event is, for "once per leg" counting: a playstate is per prompt_ref (a follow-up play repeats the states). */
export function kind(e: Record<string, any>): string {
  return e.playstate ? `playstate:${e.playstate}:${e.prompt_ref}` : e.connectstate ? `connectstate:${e.connectstate}:${e.connect_voice_id}` : e.streamstate ? `streamstate:${e.streamstate}:${e.stream_id}` : e.state === 'dtmf' ? `dtmf:${e.timestamp}` : e.state;
}

type Maybe<T> = T | null | undefined | false;

/** Polls `probe` (sync or async) every 50 ms until it gives something truthy. */
export async function until<T>(probe: () => Maybe<T> | Promise<Maybe<T>>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
