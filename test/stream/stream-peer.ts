/**
 * A wss server speaking the Twilio Media Streams protocol from the server's
 * side, for tests and the benchmark: node:https + ws with a given certificate.
 * Each connection records what the node sent (connected, start, media, mark,
 * dtmf, stop) and how it closed, and can send media, mark and clear back.
 * `countOnly` keeps per-connection counters instead of every message (the
 * benchmark's thousands of frames a second); `echo` sends each media payload
 * straight back, as a voice bot talking all the time would.
 */
import { createServer, type Server } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';

export interface MediaFrame {
  seq: number;
  chunk: number;
  timestamp: number;
  payload: Buffer;
  receivedAt: number;
}

export interface PeerConnection {
  path: string;
  /** Every message, parsed (except media when countOnly). */
  messages: Array<Record<string, any>>;
  media: MediaFrame[];
  start: Record<string, any> | null;
  closed: { code: number; reason: string } | null;
  /**
   * Running counters: media messages; gaps in sequenceNumber and chunk and the chunks missing in them;
   * timestamps not equal to (chunk - 1) × 20; and frames that arrived more than 5 ms later than the
   * connection's earliest arrival relative to media time (end-to-end lateness).
   */
  counts: { media: number; seqGaps: number; chunkGaps: number; missingChunks: number; badTimestamps: number; late: number; lastSeq: number; lastChunk: number; firstAt: number; lastAt: number; minOffset: number };
  send(message: Record<string, unknown>): void;
  /** Sends μ-law audio back as media messages of `chunkBytes` each. */
  sendAudio(ulaw: Uint8Array, chunkBytes?: number): void;
  close(code?: number): void;
  /** Drops the TCP connection without a close frame. */
  terminate(): void;
}

export interface StreamPeer {
  port: number;
  url(path?: string): string;
  connections: PeerConnection[];
  waitFor<T>(probe: () => T | null | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startStreamPeer(opts: { cert: string; key: string; port?: number; countOnly?: boolean; echo?: boolean }): Promise<StreamPeer> {
  const server: Server = createServer({ cert: opts.cert, key: opts.key });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const connections: PeerConnection[] = [];
  wss.on('connection', (ws: WebSocket, req) => {
    const conn: PeerConnection = {
      path: req.url ?? '/',
      messages: [],
      media: [],
      start: null,
      closed: null,
      counts: { media: 0, seqGaps: 0, chunkGaps: 0, missingChunks: 0, badTimestamps: 0, late: 0, lastSeq: 0, lastChunk: 0, firstAt: 0, lastAt: 0, minOffset: Infinity },
      send: (message) => ws.send(JSON.stringify(message)),
      sendAudio(ulaw, chunkBytes = 160) {
        const sid = conn.start?.streamSid;
        for (let i = 0; i < ulaw.length; i += chunkBytes) {
          ws.send(JSON.stringify({ event: 'media', streamSid: sid, media: { payload: Buffer.from(ulaw.subarray(i, i + chunkBytes)).toString('base64') } }));
        }
      },
      close: (code = 1000) => ws.close(code),
      terminate: () => ws.terminate(),
    };
    connections.push(conn);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, any>;
      const c = conn.counts;
      if (m.sequenceNumber !== undefined) {
        const seq = Number(m.sequenceNumber);
        if (c.lastSeq && seq !== c.lastSeq + 1) c.seqGaps++;
        c.lastSeq = seq;
      }
      if (m.event === 'media') {
        const now = performance.now();
        const chunk = Number(m.media.chunk);
        const timestamp = Number(m.media.timestamp);
        if (c.lastChunk && chunk !== c.lastChunk + 1) {
          c.chunkGaps++;
          c.missingChunks += Math.max(0, chunk - c.lastChunk - 1);
        }
        if (timestamp !== (chunk - 1) * 20) c.badTimestamps++;
        const offset = now - timestamp;
        if (offset < c.minOffset) c.minOffset = offset;
        else if (offset > c.minOffset + 5) c.late++;
        c.lastChunk = chunk;
        if (c.media === 0) c.firstAt = now;
        c.lastAt = now;
        c.media++;
        if (opts.echo) ws.send(JSON.stringify({ event: 'media', streamSid: m.streamSid, media: { payload: m.media.payload } }));
        if (opts.countOnly) return;
        conn.media.push({ seq: Number(m.sequenceNumber), chunk, timestamp, payload: Buffer.from(m.media.payload, 'base64'), receivedAt: now });
      }
      if (m.event === 'start') conn.start = m.start;
      conn.messages.push(m);
    });
    ws.on('close', (code, reason) => (conn.closed = { code, reason: reason.toString() }));
    ws.on('error', () => undefined); // a node that drops the socket is what some tests do
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path = '/media') => `wss://127.0.0.1:${port}${path}`,
    connections,
    async waitFor(probe, timeoutMs = 10_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = probe();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`stream peer: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
