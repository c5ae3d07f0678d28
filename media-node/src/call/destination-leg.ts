/**
 * The second SIP leg of a connect: an outbound call to the destination
 * through the same trunk, presenting the caller ID the client chose, with its
 * own RTP port from the pool. It plays nothing itself; it rings, answers,
 * fails or ends, and says so once. What those mean for the recipient's call
 * is CallConnect's business.
 */
import { EventEmitter } from 'node:events';
import { Cause, q850FromSipStatus, q850Reason } from '../../../worker/src/telephony/q850.ts';
import { UacCall } from '../sip/uac-call.ts';
import type { SipTransport } from '../sip/transport.ts';
import { buildOffer, parseAnswer } from '../sdp/sdp.ts';
import { RtpStream } from '../rtp/rtp-stream.ts';
import type { FrameScheduler } from '../rtp/frame-scheduler.ts';
import type { PortPool } from '../rtp/port-pool.ts';
import type { Logger } from '../log/logger.ts';

export interface DestinationLegDeps {
  transport: SipTransport;
  scheduler: FrameScheduler;
  ports: PortPool;
  log: Logger;
  trunk: { host: string; port: number; domain: string };
  credentials?: { username: string; password: string } | undefined;
  rtpBindHost: string;
  advertiseAddress: string;
}

export interface DestinationDial {
  /** E.164 digits without '+'. */
  from: string;
  to: string;
  ringTimeoutS: number;
}

export interface DestinationEnd {
  cause: number;
  reason: string;
  /** Who ended it: the destination (busy, declined, BYE) or us (CANCEL, BYE, ring timeout). */
  by: 'remote' | 'local';
  sipStatus?: number;
  /** Whether it had answered before it ended. */
  answered: boolean;
}

export type DestinationEvents = {
  ringing: [];
  answered: [];
  ended: [DestinationEnd];
};

type Phase = 'starting' | 'ringing' | 'answered' | 'ended';

export class DestinationLeg extends EventEmitter<DestinationEvents> {
  readonly log: Logger;
  #phase: Phase = 'starting';
  #uac: UacCall | null = null;
  #rtp: RtpStream | null = null;
  #port: number | null = null;
  #ringTimer: NodeJS.Timeout | null = null;
  #ringTimedOut = false;
  #hangupRequested = false;
  /** It answered with SDP we cannot use: we hang up, and it ends as cause 127. */
  #unusableAnswer = false;

  constructor(
    readonly connectId: string,
    private readonly dial: DestinationDial,
    private readonly deps: DestinationLegDeps,
  ) {
    super();
    this.log = deps.log.child({ connect_id: connectId });
  }

  get phase(): Phase {
    return this.#phase;
  }

  get rtp(): RtpStream | null {
    return this.#rtp;
  }

  async start(): Promise<void> {
    try {
      this.#port = this.deps.ports.take();
      this.#rtp = await RtpStream.open(this.deps.rtpBindHost, this.#port, this.deps.scheduler);
    } catch (err) {
      this.log.error('no media port for the destination', { error: (err as Error).message });
      this.#end({ cause: Cause.NO_CIRCUIT_AVAILABLE, reason: q850Reason(Cause.NO_CIRCUIT_AVAILABLE), by: 'local' });
      return;
    }
    if (this.#hangupRequested) {
      // The recipient left while the port was being opened: never dial.
      this.#end({ cause: Cause.NORMAL_CLEARING, reason: q850Reason(Cause.NORMAL_CLEARING), by: 'local' });
      return;
    }
    const uac = new UacCall(this.deps.transport, {
      trunk: this.deps.trunk,
      trunkDomain: this.deps.trunk.domain,
      from: this.dial.from,
      to: this.dial.to,
      sdpOffer: buildOffer({ address: this.deps.advertiseAddress, port: this.#port, sessionId: Date.now() }),
      credentials: this.deps.credentials,
    });
    this.#uac = uac;
    uac.on('ringing', () => {
      if (this.#phase !== 'starting') return;
      this.#phase = 'ringing';
      this.emit('ringing');
    });
    uac.on('answered', ({ sdp }) => this.#onAnswered(sdp));
    uac.on('failed', ({ status, cancelled }) => {
      if (cancelled && this.#ringTimedOut) return this.#end({ cause: Cause.NO_ANSWER, reason: q850Reason(Cause.NO_ANSWER), by: 'local', sipStatus: status });
      if (cancelled || this.#hangupRequested) return this.#end({ cause: Cause.NORMAL_CLEARING, reason: q850Reason(Cause.NORMAL_CLEARING), by: 'local', sipStatus: status });
      const mapped = q850FromSipStatus(status);
      this.#end({ cause: mapped.cause, reason: mapped.reason, by: 'remote', sipStatus: status });
    });
    uac.on('ended', ({ by }) => this.#end({ cause: Cause.NORMAL_CLEARING, reason: q850Reason(Cause.NORMAL_CLEARING), by }));
    this.#ringTimer = setTimeout(() => {
      this.#ringTimedOut = true;
      this.log.info('destination ring timeout: cancelling', { ring_timeout_s: this.dial.ringTimeoutS });
      uac.hangup();
    }, this.dial.ringTimeoutS * 1000);
    this.log.info('dialing destination', { to: this.dial.to, call_id: uac.callId, rtp_port: this.#port });
    uac.start();
  }

  /** CANCEL before answer, BYE after; reports `ended` once it is over. */
  hangup(): void {
    if (this.#phase === 'ended') return;
    this.#hangupRequested = true;
    this.#uac?.hangup();
  }

  #onAnswered(sdp: string): void {
    if (this.#phase === 'ended') return;
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    let answer;
    try {
      answer = parseAnswer(sdp);
    } catch (err) {
      this.log.warn('unusable SDP answer from the destination: hanging up', { error: (err as Error).message });
      this.#unusableAnswer = true;
      this.#uac?.hangup();
      return;
    }
    this.#phase = 'answered';
    this.#rtp!.start({ host: answer.address, port: answer.port }, answer.codec, answer.payloadType, answer.telephoneEventPt);
    this.log.info('destination answered', { codec: answer.codec, remote_rtp: `${answer.address}:${answer.port}` });
    this.emit('answered');
  }

  #end(end: Omit<DestinationEnd, 'answered'>): void {
    if (this.#phase === 'ended') return;
    const answered = this.#phase === 'answered';
    this.#phase = 'ended';
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    this.#rtp?.close();
    if (this.#port !== null) this.deps.ports.release(this.#port);
    const final = this.#unusableAnswer ? { ...end, cause: Cause.INTERWORKING, reason: q850Reason(Cause.INTERWORKING) } : end;
    this.log.info('destination ended', { cause: final.cause, by: final.by, answered, rtp: this.#rtp?.counters });
    this.emit('ended', { ...final, answered });
  }
}
