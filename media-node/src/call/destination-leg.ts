/**
 * The second SIP leg of a connect: an outbound call to the destination
 * through the same trunk, presenting the caller ID the client chose, with its
 * own RTP port from the pool. It plays nothing itself; it rings, answers,
 * fails or ends, and says so once. What those mean for the recipient's call
 * is CallConnect's business.
 */
import { EventEmitter } from 'node:events';
import { OutboundDial, type DialRequest, type OutboundDialDeps } from './outbound-dial.ts';
import type { RtpStream } from '../rtp/rtp-stream.ts';
import type { Logger } from '../log/logger.ts';

export interface DestinationLegDeps extends OutboundDialDeps {
  log: Logger;
}

export type DestinationDial = DialRequest;

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
  readonly #dial: OutboundDial;

  constructor(
    readonly connectId: string,
    dial: DestinationDial,
    deps: DestinationLegDeps,
  ) {
    super();
    this.log = deps.log.child({ connect_id: connectId });
    this.#dial = new OutboundDial(deps, dial, this.log, {
      ringing: () => {
        this.#phase = 'ringing';
        this.emit('ringing');
      },
      answered: (answer) => {
        this.#phase = 'answered';
        this.log.info('destination answered', { codec: answer.codec, remote_rtp: `${answer.address}:${answer.port}` });
        this.emit('answered');
      },
      // Not dialled for want of a port counts as ended by us: the recipient's call is not the network's to report.
      ended: (end) => this.#end({ ...end, by: end.by === 'network' ? 'local' : end.by }),
    });
  }

  get phase(): Phase {
    return this.#phase;
  }

  get rtp(): RtpStream | null {
    return this.#dial.rtp;
  }

  start(): Promise<void> {
    return this.#dial.start();
  }

  /** CANCEL before answer, BYE after; reports `ended` once it is over. */
  hangup(): void {
    if (this.#phase === 'ended') return;
    this.#dial.hangup();
  }

  #end(end: Omit<DestinationEnd, 'answered'>): void {
    if (this.#phase === 'ended') return;
    const answered = this.#phase === 'answered';
    this.#phase = 'ended';
    this.#dial.release();
    this.log.info('destination ended', { cause: end.cause, by: end.by, answered, rtp: this.#dial.rtp?.counters });
    this.emit('ended', { ...end, answered });
  }
}
