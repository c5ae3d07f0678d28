/**
 * One outbound call as a UAC (RFC 3261 §13, §15, §22): INVITE through the trunk,
 * 401/407 digest retry, provisional responses (first 180/183 = ringing), 200 →
 * ACK (and ACK again for every retransmitted 200), ACK for non-2xx finals,
 * CANCEL before answer, BYE from either side. It reports outcomes; mapping them
 * to Q.850 is the caller's business.
 *
 * CANCEL (§9.1) goes out once any provisional (100 included) has arrived; asked
 * for earlier, it waits for one. An INVITE that never gets any response cannot
 * be CANCELled: it ends at Timer B (32 s) as a 408. A CANCELled INVITE whose
 * final response never comes is given up 64·T1 after the CANCEL.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { cseqOf, header, headerParam, uriOf, type SipRequest, type SipResponse } from './message.ts';
import { digestAuthorization, parseChallenge } from './digest.ts';
import { newBranch, newTag, responseTo, TIMER_B, type ClientTransactionHandle, type Peer, type SipTransport } from './transport.ts';

export interface UacOptions {
  trunk: Peer;
  /** Host part used in the Request-URI and To (the trunk's domain). */
  trunkDomain: string;
  from: string;
  to: string;
  sdpOffer: string;
  credentials?: { username: string; password: string };
  /** Request-URI other than `sip:<to>@<trunkDomain>` (an agent's registered Contact). */
  requestUri?: string;
  /** The To URI when it is not the Request-URI (an agent's AOR). */
  toUri?: string;
  /** Added to the INVITE (auto-answer hints). */
  extraHeaders?: Record<string, string>;
}

export type UacEvents = {
  /** First 180 or 183 only. */
  ringing: [SipResponse];
  answered: [{ sdp: string }];
  /** A final non-2xx, a timeout (408), or our own CANCEL (487). */
  failed: [{ status: number; reason: string; cancelled: boolean }];
  /** The confirmed call ended. */
  ended: [{ by: 'remote' | 'local' }];
};

type Phase = 'calling' | 'early' | 'confirmed' | 'terminated';

export class UacCall extends EventEmitter<UacEvents> {
  readonly callId = `${randomBytes(10).toString('hex')}@crier`;
  readonly #t: SipTransport;
  readonly #o: UacOptions;
  readonly #localTag = newTag();
  #cseq = 1;
  #inviteBranch = newBranch();
  #invite!: SipRequest;
  #inviteTx: ClientTransactionHandle | null = null;
  #gotProvisional = false;
  #cancelGiveUp: NodeJS.Timeout | null = null;
  #phase: Phase = 'calling';
  #authTried = false;
  #cancelRequested = false;
  #cancelled = false;
  #remoteTag: string | undefined;
  #remoteTarget: string | undefined;
  #routeSet: string[] = [];
  #ack: SipRequest | undefined;

  constructor(transport: SipTransport, options: UacOptions) {
    super();
    this.#t = transport;
    this.#o = options;
  }

  get phase(): Phase {
    return this.#phase;
  }

  get #fromHeader(): string {
    return `<sip:${this.#o.from}@${this.#t.localAddress}>;tag=${this.#localTag}`;
  }

  get #requestUri(): string {
    return this.#o.requestUri ?? `sip:${this.#o.to}@${this.#o.trunkDomain}`;
  }

  get #toUri(): string {
    return this.#o.toUri ?? this.#requestUri;
  }

  start(): void {
    this.#t.registerDialog(this.callId, {
      onRequest: (req, from) => this.#onRequest(req, from),
      onStrayResponse: (res) => this.#onStray(res),
    });
    this.#sendInvite();
  }

  /** Ends the call whatever its phase: CANCEL before answer, BYE after. */
  hangup(): void {
    if (this.#phase === 'calling' || this.#phase === 'early') this.#cancel();
    else if (this.#phase === 'confirmed') this.#bye();
  }

  #via(branch: string): string {
    // Over a SIP WebSocket the Via names WSS (RFC 7118 §5.2); the browser answers on the same connection anyway.
    return `SIP/2.0/${this.#o.trunk.connection ? 'WSS' : 'UDP'} ${this.#t.localAddress}:${this.#t.localPort};branch=${branch};rport`;
  }

  #baseHeaders(method: string, cseq: number, branch: string, to: string): Map<string, string[]> {
    return new Map([
      ['via', [this.#via(branch)]],
      ['max-forwards', ['70']],
      ['from', [this.#fromHeader]],
      ['to', [to]],
      ['call-id', [this.callId]],
      ['cseq', [`${cseq} ${method}`]],
      ['user-agent', ['Crier media node']],
    ]);
  }

  #sendInvite(authorization?: { name: string; value: string }): void {
    const headers = this.#baseHeaders('INVITE', this.#cseq, this.#inviteBranch, `<${this.#toUri}>`);
    for (const [name, value] of Object.entries(this.#o.extraHeaders ?? {})) headers.set(name, [value]);
    headers.set('contact', [`<sip:crier@${this.#t.localAddress}:${this.#t.localPort}>`]);
    headers.set('allow', ['INVITE, ACK, CANCEL, BYE, OPTIONS']);
    headers.set('content-type', ['application/sdp']);
    if (authorization) headers.set(authorization.name, [authorization.value]);
    this.#invite = { kind: 'request', method: 'INVITE', uri: this.#requestUri, headers, body: this.#o.sdpOffer };
    this.#gotProvisional = false;
    this.#inviteTx = this.#t.request(this.#invite, this.#o.trunk, {
      onResponse: (res) => this.#onInviteResponse(res),
      onTimeout: () => this.#fail(408, 'Request Timeout'),
    });
  }

  #onInviteResponse(res: SipResponse): void {
    if (this.#phase === 'terminated') {
      if (res.status >= 200 && res.status < 300) this.#ackAndBye(res);
      return;
    }
    if (res.status < 200) {
      this.#gotProvisional = true;
      if (res.status === 180 || res.status === 183) {
        const first = this.#phase === 'calling';
        this.#phase = 'early';
        if (first) this.emit('ringing', res);
      }
      if (this.#cancelRequested && !this.#cancelled) this.#cancel();
      return;
    }
    if (res.status < 300) {
      this.#confirm(res);
      if (this.#cancelRequested) {
        // CANCEL lost the race with the answer: the call exists, so end it properly.
        this.#bye();
      } else {
        this.emit('answered', { sdp: res.body });
      }
      return;
    }
    this.#ackNon2xx(res);
    if ((res.status === 401 || res.status === 407) && this.#o.credentials && !this.#authTried && !this.#cancelRequested) {
      const challenge = parseChallenge(header(res, res.status === 401 ? 'www-authenticate' : 'proxy-authenticate') ?? '');
      if (challenge) {
        this.#authTried = true;
        this.#cseq += 1;
        this.#inviteBranch = newBranch();
        const value = digestAuthorization({ challenge, method: 'INVITE', uri: this.#requestUri, ...this.#o.credentials });
        this.#sendInvite({ name: res.status === 401 ? 'authorization' : 'proxy-authorization', value });
        return;
      }
    }
    this.#fail(res.status, res.reason, this.#cancelled && res.status === 487);
  }

  #confirm(res: SipResponse): void {
    if (this.#cancelGiveUp) clearTimeout(this.#cancelGiveUp);
    this.#phase = 'confirmed';
    this.#remoteTag = headerParam(header(res, 'to'), 'tag');
    const contact = header(res, 'contact');
    this.#remoteTarget = contact ? uriOf(contact) : this.#requestUri;
    this.#routeSet = [...(res.headers.get('record-route') ?? [])].reverse();
    const headers = this.#baseHeaders('ACK', cseqOf(res).number, newBranch(), header(res, 'to')!);
    if (this.#routeSet.length > 0) headers.set('route', this.#routeSet);
    this.#ack = { kind: 'request', method: 'ACK', uri: this.#remoteTarget, headers, body: '' };
    this.#t.send(this.#ack, this.#o.trunk);
  }

  /** A retransmitted 200 means our ACK was lost: send it again. */
  #onStray(res: SipResponse): void {
    if (cseqOf(res).method === 'INVITE' && res.status >= 200 && res.status < 300 && this.#ack) this.#t.send(this.#ack, this.#o.trunk);
  }

  #ackNon2xx(res: SipResponse): void {
    const headers = this.#baseHeaders('ACK', cseqOf(res).number, this.#inviteBranch, header(res, 'to')!);
    this.#t.send({ kind: 'request', method: 'ACK', uri: this.#requestUri, headers, body: '' }, this.#o.trunk);
  }

  #ackAndBye(res: SipResponse): void {
    this.#confirm(res);
    this.#phase = 'confirmed';
    this.#bye();
  }

  #cancel(): void {
    this.#cancelRequested = true;
    // RFC 3261 §9.1: no CANCEL before a provisional response (100 counts); it is sent when one arrives.
    if (!this.#gotProvisional || this.#cancelled) return;
    this.#cancelled = true;
    const inviteTx = this.#inviteTx;
    this.#cancelGiveUp = setTimeout(() => {
      // §9.1: no final response 64·T1 after the CANCEL: consider the INVITE cancelled.
      inviteTx?.abandon();
      this.#fail(408, 'Request Timeout', true);
    }, TIMER_B);
    const headers = new Map<string, string[]>([
      ['via', [this.#via(this.#inviteBranch)]],
      ['max-forwards', ['70']],
      ['from', [this.#fromHeader]],
      ['to', [header(this.#invite, 'to')!]],
      ['call-id', [this.callId]],
      ['cseq', [`${this.#cseq} CANCEL`]],
    ]);
    this.#t.request({ kind: 'request', method: 'CANCEL', uri: this.#requestUri, headers, body: '' }, this.#o.trunk, {
      onResponse: () => undefined,
      onTimeout: () => this.#fail(408, 'Request Timeout', true),
    });
  }

  #bye(): void {
    if (this.#phase !== 'confirmed') return;
    this.#phase = 'terminated';
    this.#cseq += 1;
    const to = `<${this.#toUri}>;tag=${this.#remoteTag ?? ''}`;
    const headers = this.#baseHeaders('BYE', this.#cseq, newBranch(), to);
    if (this.#routeSet.length > 0) headers.set('route', this.#routeSet);
    const finish = () => {
      this.#t.unregisterDialog(this.callId);
      this.emit('ended', { by: 'local' });
    };
    this.#t.request({ kind: 'request', method: 'BYE', uri: this.#remoteTarget ?? this.#requestUri, headers, body: '' }, this.#o.trunk, {
      onResponse: finish,
      onTimeout: finish,
    });
  }

  #onRequest(req: SipRequest, from: Peer): void {
    switch (req.method) {
      case 'BYE': {
        this.#t.send(responseTo(req, 200, 'OK'), from);
        if (this.#phase === 'confirmed') {
          this.#phase = 'terminated';
          this.#t.unregisterDialog(this.callId);
          this.emit('ended', { by: 'remote' });
        }
        return;
      }
      case 'ACK':
        return;
      case 'OPTIONS':
        this.#t.send(responseTo(req, 200, 'OK', { allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS' }), from);
        return;
      case 'INVITE':
        // Session refresh / hold from the far end: we keep our media as it is.
        this.#t.send(responseTo(req, 488, 'Not Acceptable Here'), from);
        return;
      default:
        this.#t.send(responseTo(req, 405, 'Method Not Allowed'), from);
    }
  }

  #fail(status: number, reason: string, cancelled = false): void {
    if (this.#cancelGiveUp) clearTimeout(this.#cancelGiveUp);
    if (this.#phase === 'terminated' || this.#phase === 'confirmed') return;
    this.#phase = 'terminated';
    this.#t.unregisterDialog(this.callId);
    this.emit('failed', { status, reason, cancelled: cancelled || (this.#cancelled && status === 487) });
  }
}
