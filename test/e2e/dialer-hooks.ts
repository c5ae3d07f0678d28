// A dialer-API webhook receiver for the e2e tests: verifies the spec's
// X-BroadNet-Signature with the subscription's secret, keeps each envelope
// once (by event_id), and lets a test wait for one.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface DialerHooks {
  url: string;
  events: Array<Record<string, any>>;
  badSignatures: number;
  /** Set once the subscription exists (its secret is shown once, at creation). */
  secret: string;
  forCall(callId: string): Array<Record<string, any>>;
  waitFor(predicate: (e: Record<string, any>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export async function startDialerHooks(): Promise<DialerHooks> {
  const seen = new Set<string>();
  const hooks: DialerHooks = {
    url: '',
    events: [],
    badSignatures: 0,
    secret: '',
    forCall: (callId) => hooks.events.filter((e) => e.correlation_id === callId),
    async waitFor(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = hooks.events.find(predicate);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(hooks.events.map((e) => [e.event_type, e.payload?.state ?? e.payload?.status]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', hooks.secret).update(raw).digest('hex')}`;
      if (req.headers['x-broadnet-signature'] !== expected) {
        hooks.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      const envelope = JSON.parse(raw.toString('utf8')) as Record<string, any>;
      if (seen.has(envelope.event_id)) return;
      seen.add(envelope.event_id);
      hooks.events.push(envelope);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hooks.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/dialer`;
  return hooks;
}
