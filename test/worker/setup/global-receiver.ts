// A real HTTP server on 127.0.0.1 that Worker tests talk to over the network:
//  - webhook receiver: POST /hooks/<box> records each delivery; it can be told
//    to fail the first N attempts (POST /config/<box> {"failFirst":N}), or to
//    answer the first N only after a delay ({"delayFirst":N,"delayMs":M}).
//  - protocol-level media node stand-in: POST /node/<box>/v1/commands records
//    commands and acknowledges them (or refuses: {"refuse":true}); with
//    {"boot":"…"} an acknowledged originate names that node boot, and with
//    {"commandDelayMs":M} every answer comes M ms late; {"commandErrors":{"originate":"agent_not_registered"}}
//    answers commands of that type ok:false with that error.
//  - GET /hooks/<box> and GET /node/<box>/commands return what was recorded.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestProject } from 'vitest/node';

interface Box {
  failFirst: number;
  delayFirst: number;
  delayMs: number;
  refuse: boolean;
  boot?: string;
  commandDelayMs?: number;
  commandErrors?: Record<string, string>;
  attempts: number;
  hooks: Array<{ at: number; headers: Record<string, string>; body: string; status: number }>;
  commands: unknown[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const boxes = new Map<string, Box>();
  const box = (name: string): Box => {
    let b = boxes.get(name);
    if (!b) {
      b = { failFirst: 0, delayFirst: 0, delayMs: 0, refuse: false, attempts: 0, hooks: [], commands: [] };
      boxes.set(name, b);
    }
    return b;
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (parts[0] === 'hooks' && parts[1]) {
      const b = box(parts[1]);
      if (req.method === 'GET') return json(200, b.hooks);
      b.attempts += 1;
      const attempt = b.attempts;
      const status = attempt <= b.failFirst ? 500 : 200;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      b.hooks.push({ at: Date.now(), headers, body, status });
      if (attempt <= b.delayFirst) await new Promise((r) => setTimeout(r, b.delayMs));
      return json(status, { ok: status === 200 });
    }
    if (parts[0] === 'config' && parts[1]) {
      Object.assign(box(parts[1]), JSON.parse(body || '{}'));
      return json(200, { ok: true });
    }
    if (parts[0] === 'node' && parts[1]) {
      const b = box(parts[1]);
      if (req.method === 'GET') return json(200, b.commands);
      const batch = JSON.parse(body) as { commands: Array<{ command_id: string; type: string }> };
      b.commands.push(...batch.commands.map((cmd) => ({ ...cmd, received_at: Date.now(), headers: req.headers })));
      const boot = b.boot;
      if (b.commandDelayMs) await new Promise((r) => setTimeout(r, b.commandDelayMs));
      if (b.refuse) return json(503, { error: 'refusing' });
      return json(200, {
        results: batch.commands.map((cmd) => {
          const error = b.commandErrors?.[cmd.type];
          if (error) return { command_id: cmd.command_id, ok: false, error };
          return { command_id: cmd.command_id, ok: true, ...(boot && cmd.type === 'originate' ? { boot } : {}) };
        }),
      });
    }
    json(404, { error: 'no such route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('receiver did not bind');
  project.provide('receiverUrl', `http://127.0.0.1:${address.port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
