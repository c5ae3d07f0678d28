/**
 * SIP over secure WebSocket (RFC 7118) for browser softphones (SIP.js, JsSIP): a
 * TLS listener that accepts the `sip` subprotocol, takes each text (or binary)
 * frame as one whole SIP message and hands it to the node's SipTransport with a
 * Peer that carries the connection, so REGISTER, digest, bindings and dialogs are
 * the UDP ones. Browsers register a Contact such as
 * `sip:x@df7jal23ls0d.invalid;transport=ws` that no one can route to: the only way
 * back is the connection itself, so calls to such an agent go out over it, and its
 * bindings end when it closes (onClosed). CRLF keep-alives (RFC 5626 §4.4.1) get a
 * CRLF back.
 */
import { createServer, type Server } from 'node:https';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log/logger.ts';
import type { SipConnection, SipTransport } from './transport.ts';

export interface SipWebSocketOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  /** Largest SIP message accepted in one frame. */
  maxMessageBytes?: number;
}

class WsConnection implements SipConnection {
  readonly id = randomUUID();
  constructor(private readonly ws: WebSocket) {}
  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }
  send(text: string): void {
    this.ws.send(text);
  }
}

export class SipWebSocketServer {
  readonly #https: Server;
  readonly #wss: WebSocketServer;

  private constructor(https: Server, wss: WebSocketServer) {
    this.#https = https;
    this.#wss = wss;
  }

  get port(): number {
    const address = this.#https.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  static async listen(opts: SipWebSocketOptions, transport: SipTransport, hooks: { onClosed(connection: SipConnection): void }, log: Logger): Promise<SipWebSocketServer> {
    const https = createServer({ cert: opts.cert, key: opts.key });
    const wss = new WebSocketServer({
      server: https,
      maxPayload: opts.maxMessageBytes ?? 64 * 1024,
      // RFC 7118 §4.1: the handshake must agree on `sip`; a client that did not ask for it is refused.
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    const wsLog = log.child({ part: 'sip-ws' });
    wss.on('connection', (ws, req) => {
      if (ws.protocol !== 'sip') return ws.close(1002, 'the sip subprotocol is required');
      const connection = new WsConnection(ws);
      const peer = { host: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0, connection };
      wsLog.debug('connected', { peer: `${peer.host}:${peer.port}`, connection: connection.id });
      ws.on('message', (data, isBinary) => {
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (text.trim() === '') {
          if (!isBinary) ws.send('\r\n');
          return;
        }
        transport.receiveFrom(text, peer);
      });
      ws.on('close', () => {
        wsLog.debug('closed', { connection: connection.id });
        hooks.onClosed(connection);
      });
      ws.on('error', (err) => wsLog.warn('websocket error', { error: err.message }));
    });
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(opts.port, opts.host, () => resolve());
    });
    return new SipWebSocketServer(https, wss);
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#https.close(() => resolve()));
  }
}
