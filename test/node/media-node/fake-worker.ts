// A protocol-level stand-in for the Worker: verifies signatures, records
// heartbeats and events (answering `applied`), and signs commands to a node.
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { signMessage, verifyBinary, verifyMessage, type MediaCommand, type MediaEvent, type RegistrationChange, type SipCredentialsRequest } from '../../../worker/src/media-protocol/index.ts';

export const TEST_SECRET = 'test-media-secret-0123456789';

export interface FakeWorker {
  url: string;
  events: MediaEvent[];
  heartbeats: Array<Record<string, unknown>>;
  /** Answer the next N event batches with HTTP 503 (Worker unreachable). */
  failNext(n: number): void;
  /** Stops listening and drops open connections: the Worker is gone (connection refused). */
  goAway(): Promise<void>;
  /** Listens again on the same port: the Worker is back. */
  comeBack(): Promise<void>;
  /** Answer the next N recording uploads with HTTP 503 (the Worker or R2 failing). */
  failRecordingsNext(n: number): void;
  /** Recording uploads answered so far, refused ones included. */
  recordingAttempts: number;
  /** Recordings the node uploaded (signature verified), by recording id. */
  recordings: Map<string, { wav: Buffer; durationMs: number }>;
  /** Tell the node, in the next heartbeat reply, to hang these calls up (it was declared lost). */
  orphanOnNextBeat(voiceIds: string[]): void;
  /** Ask the node, in the next heartbeat reply, to report every agent binding again (it was declared lost). */
  askRegistrationsOnNextBeat(): void;
  /** An agent the sip-credentials route knows (it answers found:false for anyone else). */
  addSipUser(user: { realm: string; sipUser: string; password: string; tenantId?: string; agentId?: string }): void;
  /** Credential lookups the node made, in order. */
  credentialLookups: SipCredentialsRequest[];
  /** Registration changes the node reported, in order. */
  registrations: RegistrationChange[];
  /** Answer the next N registration reports with HTTP 503. */
  failRegistrationsNext(n: number): void;
  eventsFor(voiceId: string): MediaEvent[];
  waitFor(predicate: (events: MediaEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  send(controlUrl: string, commands: MediaCommand[]): Promise<{ results: Array<{ command_id: string; ok: boolean; error?: string }> }>;
  close(): Promise<void>;
}

export async function startFakeWorker(): Promise<FakeWorker> {
  const events: MediaEvent[] = [];
  const heartbeats: Array<Record<string, unknown>> = [];
  let failing = 0;
  let failingRecordings = 0;
  let recordingAttempts = 0;
  let orphans: string[] = [];
  let askRegistrations = false;
  const recordings = new Map<string, { wav: Buffer; durationMs: number }>();
  const sipUsers = new Map<string, { tenant_id: string; agent_id: string; sip_user: string; realm: string; ha1_md5: string; ha1_sha256: string }>();
  const credentialLookups: SipCredentialsRequest[] = [];
  const registrations: RegistrationChange[] = [];
  let failingRegistrations = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'PUT' && req.url?.startsWith('/internal/media/v1/recordings/')) {
        const raw = Buffer.concat(chunks);
        const ok = await verifyBinary(TEST_SECRET, raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer, {
          timestamp: req.headers['x-crier-timestamp'] as string,
          signature: req.headers['x-crier-signature'] as string,
          digest: req.headers['x-crier-content-sha256'] as string,
        });
        if (!ok.ok) return void res.writeHead(401).end();
        recordingAttempts++;
        if (failingRecordings > 0) {
          failingRecordings--;
          return void res.writeHead(503).end();
        }
        const url = new URL(req.url, 'http://x');
        recordings.set(url.pathname.split('/').at(-1)!, { wav: raw, durationMs: Number(url.searchParams.get('duration_ms')) });
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const check = await verifyMessage(TEST_SECRET, body, req.headers['x-crier-timestamp'] as string, req.headers['x-crier-signature'] as string);
      if (!check.ok) {
        res.writeHead(401).end();
        return;
      }
      const json = JSON.parse(body);
      if (req.url === '/internal/media/v1/heartbeat') {
        heartbeats.push(json);
        const ack = { ok: true, interval_s: 1, ...(orphans.length > 0 ? { hangup_voice_ids: orphans } : {}), ...(askRegistrations ? { report_registrations: true } : {}) };
        orphans = [];
        askRegistrations = false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ack));
        return;
      }
      if (req.url === '/internal/media/v1/sip-credentials') {
        const q = json as SipCredentialsRequest;
        credentialLookups.push(q);
        const user = sipUsers.get(`${q.realm}|${q.username}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user ? { found: true, ...user } : { found: false }));
        return;
      }
      if (req.url === '/internal/media/v1/registrations') {
        if (failingRegistrations > 0) {
          failingRegistrations--;
          return void res.writeHead(503).end();
        }
        registrations.push(...(json as { changes: RegistrationChange[] }).changes);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      const batch = json as { events: MediaEvent[] };
      events.push(...batch.events);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: batch.events.map((e) => ({ voice_id: e.voice_id, seq: e.seq, status: 'applied' })) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    events,
    heartbeats,
    recordings,
    failNext: (n) => (failing = n),
    goAway: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
    comeBack: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r)),
    failRecordingsNext: (n) => (failingRecordings = n),
    get recordingAttempts() {
      return recordingAttempts;
    },
    orphanOnNextBeat: (ids) => (orphans = ids),
    askRegistrationsOnNextBeat: () => (askRegistrations = true),
    addSipUser: ({ realm, sipUser, password, tenantId, agentId }) => {
      const h = (alg: string) => createHash(alg).update(`${sipUser}:${realm}:${password}`).digest('hex');
      sipUsers.set(`${realm}|${sipUser}`, { tenant_id: tenantId ?? 'tenant', agent_id: agentId ?? `agent-${sipUser}`, sip_user: sipUser, realm, ha1_md5: h('md5'), ha1_sha256: h('sha256') });
    },
    credentialLookups,
    registrations,
    failRegistrationsNext: (n) => (failingRegistrations = n),
    eventsFor: (voiceId) => events.filter((e) => e.voice_id === voiceId),
    async waitFor(predicate, timeoutMs = 15_000, what = 'events') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => [e.voice_id.slice(0, 4), e.type, (e as { playstate?: string }).playstate, (e as { cause?: number }).cause]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async send(controlUrl, commands) {
      const body = JSON.stringify({ commands });
      const res = await fetch(`${controlUrl}/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await signMessage(TEST_SECRET, body)) }, body });
      return res.json() as Promise<{ results: Array<{ command_id: string; ok: boolean; error?: string }> }>;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
