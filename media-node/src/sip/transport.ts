/**
 * SIP over UDP (RFC 3261 §17-18): one socket for the node, client transactions
 * with their retransmission timers (A/B for INVITE, E/F otherwise; a provisional
 * stops A and B, so ringing is bounded by the caller's ring timeout), and routing
 * of incoming requests and stray responses (retransmitted 2xx) to the dialog
 * that owns the Call-ID. No per-call sockets: signalling is cheap, media is not.
 * Peers reached over a SIP WebSocket (RFC 7118, sip/websocket-server.ts) share the
 * same transactions and dialogs: a Peer carrying `connection` is sent to over it,
 * without retransmissions (a reliable transport, §17.1.1.2 / §17.1.2.2).
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { cseqOf, header, headerParam, parseSipMessage, serializeSipMessage, type SipMessage, type SipRequest, type SipResponse } from './message.ts';

const T1 = 500;
const T2 = 4000;
/** 64·T1: Timer B / F, and how long a CANCELled INVITE may wait for its final response (§9.1). */
export const TIMER_B = 64 * T1;

export interface Peer {
  host: string;
  port: number;
  /** Set when the peer is a browser on a SIP WebSocket: messages go over this connection, not UDP. */
  connection?: SipConnection;
}

/** One SIP WebSocket connection (RFC 7118): the only way back to a browser, whatever its Contact says. */
export interface SipConnection {
  readonly id: string;
  readonly open: boolean;
  send(text: string): void;
}

export interface DialogHandler {
  onRequest(req: SipRequest, from: Peer): void;
  /** A response no live transaction wanted (e.g. a retransmitted 200 OK to INVITE). */
  onStrayResponse(res: SipResponse): void;
}

/** A running client transaction; abandon() forgets it (RFC 3261 §9.1: no final response 64·T1 after CANCEL). */
export interface ClientTransactionHandle {
  abandon(): void;
}

interface ClientTransaction {
  onResponse(res: SipResponse): void;
  onTimeout(): void;
  done: boolean;
  gotProvisional: boolean;
  timer?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export class SipTransport {
  readonly #socket: Socket;
  readonly #transactions = new Map<string, ClientTransaction>();
  readonly #dialogs = new Map<string, DialogHandler>();
  #onUnknownRequest: ((req: SipRequest, from: Peer) => void) | null = null;

  private constructor(
    socket: Socket,
    readonly localAddress: string,
    readonly localPort: number,
  ) {
    this.#socket = socket;
    socket.on('message', (buf, rinfo) => this.#receive(buf.toString('utf8'), { host: rinfo.address, port: rinfo.port }));
  }

  static async bind(host: string, port: number, advertise: string): Promise<SipTransport> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    // Bursts of hundreds of set-ups overflow the default buffers; UDP would drop them silently.
    socket.setRecvBufferSize(8 * 1024 * 1024);
    socket.setSendBufferSize(8 * 1024 * 1024);
    return new SipTransport(socket, advertise, socket.address().port);
  }

  close(): void {
    for (const tx of this.#transactions.values()) this.#finish(tx);
    this.#socket.close();
  }

  registerDialog(callId: string, handler: DialogHandler): void {
    this.#dialogs.set(callId, handler);
  }

  unregisterDialog(callId: string): void {
    this.#dialogs.delete(callId);
  }

  onUnknownRequest(handler: (req: SipRequest, from: Peer) => void): void {
    this.#onUnknownRequest = handler;
  }

  send(msg: SipMessage, to: Peer): void {
    this.#sendWire(serializeSipMessage(msg), to);
  }

  #sendWire(wire: string, to: Peer): void {
    if (to.connection) {
      if (to.connection.open) to.connection.send(wire);
    } else this.#socket.send(wire, to.port, to.host);
  }

  /** A SIP message that arrived over a WebSocket connection (sip/websocket-server.ts). */
  receiveFrom(raw: string, from: Peer): void {
    this.#receive(raw, from);
  }

  /**
   * Sends a request as a client transaction: retransmits over UDP until a
   * response arrives (INVITE: until any response; others: until a final one),
   * and reports a timeout after 64·T1 with no final response (INVITE: with no
   * response at all; once one is provisional, the transaction is Proceeding and
   * waits for its final response without a timer, §17.1.1.2).
   */
  request(req: SipRequest, to: Peer, handlers: { onResponse(res: SipResponse): void; onTimeout(): void }): ClientTransactionHandle {
    const branch = headerParam(header(req, 'via'), 'branch')!;
    const key = `${branch}|${req.method}`;
    const tx: ClientTransaction = { ...handlers, done: false, gotProvisional: false };
    this.#transactions.set(key, tx);
    const wire = serializeSipMessage(req);
    const sendNow = () => this.#sendWire(wire, to);
    sendNow();
    let interval = T1;
    const retransmit = () => {
      if (to.connection) return; // reliable: no retransmissions, only the Timer B/F deadline
      if (tx.done) return;
      if (req.method === 'INVITE' && tx.gotProvisional) return;
      sendNow();
      interval = req.method === 'INVITE' ? interval * 2 : Math.min(interval * 2, T2);
      tx.timer = setTimeout(retransmit, interval);
    };
    tx.timer = setTimeout(retransmit, interval);
    tx.deadline = setTimeout(() => {
      if (tx.done) return;
      this.#transactions.delete(key);
      this.#finish(tx);
      tx.onTimeout();
    }, TIMER_B);
    return {
      abandon: () => {
        if (this.#transactions.get(key) === tx) this.#transactions.delete(key);
        this.#finish(tx);
      },
    };
  }

  #finish(tx: ClientTransaction): void {
    tx.done = true;
    clearTimeout(tx.timer);
    clearTimeout(tx.deadline);
  }

  #receive(raw: string, from: Peer): void {
    let msg: SipMessage;
    try {
      msg = parseSipMessage(raw);
    } catch {
      return; // not SIP, or garbled: UDP gives us no one to tell
    }
    if (msg.kind === 'response') {
      const branch = headerParam(header(msg, 'via'), 'branch');
      const key = `${branch}|${cseqOf(msg).method}`;
      const tx = this.#transactions.get(key);
      if (tx && !tx.done) {
        if (msg.status < 200) {
          tx.gotProvisional = true;
          clearTimeout(tx.timer);
          // Proceeding (§17.1.1.2): Timer B no longer runs; the UAC ends a call that rings on with CANCEL.
          if (cseqOf(msg).method === 'INVITE') clearTimeout(tx.deadline);
        } else {
          this.#transactions.delete(key);
          this.#finish(tx);
        }
        tx.onResponse(msg);
        return;
      }
      const callId = header(msg, 'call-id');
      if (callId) this.#dialogs.get(callId)?.onStrayResponse(msg);
      return;
    }
    const callId = header(msg, 'call-id');
    const dialog = callId ? this.#dialogs.get(callId) : undefined;
    if (dialog) dialog.onRequest(msg, from);
    else if (this.#onUnknownRequest) this.#onUnknownRequest(msg, from);
    else if (msg.method !== 'ACK') this.send(responseTo(msg, 481, 'Call/Transaction Does Not Exist'), from);
  }
}

/** A response to `req` that copies the headers RFC 3261 §8.2.6.2 says to copy. */
export function responseTo(req: SipRequest, status: number, reason: string, extra: Record<string, string> = {}, body = ''): SipResponse {
  const headers = new Map<string, string[]>();
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    const values = req.headers.get(name);
    if (values) headers.set(name, [...values]);
  }
  const to = headers.get('to');
  if (to && status > 100 && !headerParam(to[0], 'tag')) to[0] = `${to[0]};tag=${newTag()}`;
  for (const [k, v] of Object.entries(extra)) headers.set(k.toLowerCase(), [v]);
  return { kind: 'response', status, reason, headers, body };
}
