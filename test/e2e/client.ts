// A webhook client for the e2e tests: verifies signatures, de-duplicates by
// event id, counts duplicates, and optionally acts like an application
// (hang up after playfinished, or play a follow-up first).
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DEMO } from '../../scripts/seed-local.ts';

export const AUTH = `Basic ${Buffer.from(`${DEMO.appId}:${DEMO.appKey}`).toString('base64')}`;

export interface Client {
  url: string;
  events: Array<Record<string, any>>;
  duplicates: number;
  badSignatures: number;
  forLeg(voiceId: string): Array<Record<string, any>>;
  completes(broadcastId: string): Array<Record<string, any>>;
  waitForComplete(broadcastId: string, timeoutMs?: number): Promise<Record<string, any>>;
  onEvent(handler: (e: Record<string, any>) => void): void;
  close(): Promise<void>;
}

export async function startClient(): Promise<Client> {
  const events: Array<Record<string, any>> = [];
  const seen = new Set<string>();
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
      if (seen.has(id)) {
        duplicates++;
        return;
      }
      seen.add(id);
      const event = JSON.parse(raw.toString('utf8')) as Record<string, any>;
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
