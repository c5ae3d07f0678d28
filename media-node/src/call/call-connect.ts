/**
 * One connect on a live recipient leg, from the command to its last event:
 * it stops what the recipient hears, dials the destination (DestinationLeg),
 * plays ringback while that rings, bridges the two once it answers
 * (AudioBridge), and reports every phase as a `connect` event on the
 * recipient's voice_id, so the Worker sees them in order with the leg's own
 * events. It ends exactly once, whichever side goes first: the recipient's
 * leg stays up when the destination fails or hangs up; when the recipient's
 * leg ends, the destination is hung up and the connect reports before the
 * leg's own disconnected.
 */
import type { ConnectCommand, ConnectEvent } from '../../../worker/src/media-protocol/index.ts';
import { Cause, q850Reason } from '../../../worker/src/telephony/q850.ts';
import type { EventReporter } from '../worker-link/event-reporter.ts';
import type { CallLeg } from './call-leg.ts';
import { AudioBridge } from './bridge.ts';
import { DestinationLeg, type DestinationEnd, type DestinationLegDeps } from './destination-leg.ts';
import { ringbackSource } from './ringback.ts';
import type { AgentDestination } from './outbound-dial.ts';

export interface CallConnectDeps {
  destination: DestinationLegDeps;
  reporter: EventReporter;
  /** Ring this registered agent instead of dialling `to` through the trunk (connect `target`). */
  agent?: AgentDestination;
  /** Called once the connect is over (the node forgets it). */
  onDone(connect: CallConnect): void;
}

type ConnectReport = Omit<ConnectEvent, 'seq' | 'at' | 'voice_id' | 'owner' | 'type' | 'connect_id'>;

export class CallConnect {
  readonly connectId: string;
  readonly destination: DestinationLeg;
  #bridge: AudioBridge | null = null;
  #bridgedAt: number | null = null;
  #done = false;
  #removeHook: (() => void) | null = null;

  constructor(
    readonly leg: CallLeg,
    command: ConnectCommand,
    private readonly deps: CallConnectDeps,
  ) {
    this.connectId = command.connect_id;
    const dial = { from: command.from, to: command.to, ringTimeoutS: command.ring_timeout_s, ...(deps.agent ? { agent: deps.agent } : {}) };
    this.destination = new DestinationLeg(command.connect_id, dial, deps.destination);
  }

  get bridge(): AudioBridge | null {
    return this.#bridge;
  }

  get done(): boolean {
    return this.#done;
  }

  start(): void {
    this.leg.stopPlayback();
    this.#removeHook = this.leg.onEnding(() => this.#recipientEnded());
    this.destination.on('ringing', () => {
      if (this.#done) return;
      this.leg.rtp?.setLiveSource(ringbackSource());
      this.#report({ connectstate: 'ringing' });
    });
    this.destination.on('answered', () => this.#bridgeUp());
    this.destination.on('ended', (end) => this.#finish('destination', end));
    this.leg.log.info('connecting', { connect_id: this.connectId });
    void this.destination.start();
  }

  #bridgeUp(): void {
    if (this.#done) return;
    const recipient = this.leg.rtp;
    const destination = this.destination.rtp;
    if (!recipient || !destination) return;
    this.#bridge = new AudioBridge(recipient, destination);
    this.#bridgedAt = Date.now();
    this.leg.log.info('bridged', { connect_id: this.connectId });
    this.#report({ connectstate: 'connected' });
  }

  /** The recipient's leg is ending (either side hung up, a guard, shutdown): the destination goes too. */
  #recipientEnded(): void {
    if (this.#done) return;
    const answered = this.destination.phase === 'answered';
    this.destination.hangup();
    this.#finish('recipient', { cause: Cause.NORMAL_CLEARING, reason: q850Reason(Cause.NORMAL_CLEARING), by: 'local', answered });
  }

  #finish(endedBy: 'destination' | 'recipient', end: DestinationEnd): void {
    if (this.#done) return;
    this.#done = true;
    this.#removeHook?.();
    this.#bridge?.stop();
    // The recipient goes back to silence (or to whatever the client plays next).
    this.leg.rtp?.setLiveSource(null);
    const durationS = this.#bridgedAt === null ? 0 : (Date.now() - this.#bridgedAt) / 1000;
    this.leg.log.info('connect ended', { connect_id: this.connectId, ended_by: endedBy, cause: end.cause, bridged_s: durationS, bridge: this.#bridge?.stats });
    this.#report({
      connectstate: end.answered ? 'disconnected' : 'failed',
      cause: end.cause,
      reason: end.reason,
      ...(end.sipStatus !== undefined ? { sip_status: end.sipStatus } : {}),
      ...(end.answered ? { duration_s: durationS } : {}),
      ended_by: endedBy,
    });
    this.deps.onDone(this);
  }

  #report(body: ConnectReport): void {
    this.deps.reporter.report({ type: 'connect', voice_id: this.leg.voiceId, owner: this.leg.command.owner, connect_id: this.connectId, ...body });
  }
}
