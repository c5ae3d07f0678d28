/**
 * The control API the Worker calls: POST /v1/commands (signed batches of
 * originate / play / hangup), idempotent by command_id; GET /healthz and
 * GET /v1/stats (counters for operators and benchmarks), GET /metrics (Prometheus).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CommandBatchSchema, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyMessage, type CommandResult, type ParsedMediaCommand } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';

const MAX_BODY = 8 * 1024 * 1024;
const REMEMBERED_COMMANDS = 50_000;

export interface CommandHandler {
  handle(command: ParsedMediaCommand): CommandResult;
  stats(): unknown;
  /** GET /metrics, when the node serves its metrics on this port (media-node/src/metrics). */
  metrics?(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export class CommandServer {
  readonly #server: Server;
  readonly #seen = new Map<string, CommandResult>();

  constructor(
    private readonly secret: string,
    private readonly handler: CommandHandler,
    private readonly log: Logger,
  ) {
    this.#server = createServer((req, res) => void this.#route(req, res));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      if (req.method === 'GET' && req.url === '/healthz') return reply(200, { ok: true });
      if (req.method === 'GET' && req.url === '/v1/stats') return reply(200, this.handler.stats());
      if (req.method === 'GET' && req.url === '/metrics' && this.handler.metrics) return await this.handler.metrics(req, res);
      if (req.method !== 'POST' || req.url !== '/v1/commands') return reply(404, { error: 'not_found' });
      const body = await readBody(req);
      const check = await verifyMessage(this.secret, body, req.headers[TIMESTAMP_HEADER] as string | undefined, req.headers[SIGNATURE_HEADER] as string | undefined);
      if (!check.ok) return reply(401, { error: `signature ${check.reason}` });
      const parsed = CommandBatchSchema.safeParse(JSON.parse(body));
      if (!parsed.success) return reply(400, { error: 'invalid', issues: parsed.error.issues.slice(0, 5) });
      const results = parsed.data.commands.map((command) => {
        const previous = this.#seen.get(command.command_id);
        if (previous) return previous;
        const result = this.handler.handle(command);
        this.#seen.set(command.command_id, result);
        if (this.#seen.size > REMEMBERED_COMMANDS) this.#seen.delete(this.#seen.keys().next().value!);
        return result;
      });
      reply(200, { results });
    } catch (err) {
      this.log.error('control request failed', { error: (err as Error).message });
      reply(400, { error: (err as Error).message });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
