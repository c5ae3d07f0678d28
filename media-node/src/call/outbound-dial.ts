/**
 * The half every outbound leg shares (a broadcast or campaign call, a
 * connect's destination): an RTP port from the pool and its stream, the
 * INVITE through the trunk, the ring timeout with its CANCEL, the answer's SDP
 * taken up by the RTP stream, and how the attempt ended, mapped once to a
 * Q.850 cause (RFC 3398). It reports ringing, answered and ended, each once;
 * what they mean (events to the Worker, playback, bridging) is the leg's.
 * The leg calls release() when it has finished with the media, so it decides
 * what still needs the stream while it ends (recording, streams, a bridge).
 */
import { Cause, q850FromSipStatus, q850Reason } from '../../../worker/src/telephony/q850.ts';
import { UacCall } from '../sip/uac-call.ts';
import type { Peer, SipTransport } from '../sip/transport.ts';
import { buildOffer, parseAnswer } from '../sdp/sdp.ts';
import { RtpStream } from '../rtp/rtp-stream.ts';
import type { FrameScheduler } from '../rtp/frame-scheduler.ts';
import type { PortPool } from '../rtp/port-pool.ts';
import type { Logger } from '../log/logger.ts';
import type { WebRtcAgentMedia, WebRtcGateway } from '../webrtc/webrtc-gateway.ts';

export interface OutboundDialDeps {
  transport: SipTransport;
  scheduler: FrameScheduler;
  ports: PortPool;
  trunk: { host: string; port: number; domain: string };
  credentials?: { username: string; password: string } | undefined;
  rtpBindHost: string;
  advertiseAddress: string;
  /** mediasoup, for agents registered over a SIP WebSocket (browsers); absent: such agents cannot be rung. */
  webrtc?: WebRtcGateway | undefined;
}

export interface DialRequest {
  /** E.164 digits without '+'. */
  from: string;
  to: string;
  ringTimeoutS: number;
  /** Ring a registered agent instead of `to` through the trunk. */
  agent?: AgentDestination;
}

/**
 * A registered agent's softphone: the INVITE's Request-URI is its Contact, it goes to the address the
 * REGISTER came from (NAT), To is the agent's AOR, with auto-answer hints (docs/agents-sip.md). No trunk
 * credentials: they are the carrier's.
 */
export interface AgentDestination {
  contact: string;
  peer: Peer;
  aor: string;
}

/** Auto-answer hints: Call-Info answer-after (Polycom, Yealink, Linphone, Zoiper...) and Alert-Info (Snom, Grandstream...). */
export function autoAnswerHeaders(nodeHost: string): Record<string, string> {
  return { 'call-info': `<sip:${nodeHost}>;answer-after=0`, 'alert-info': '<http://www.notused.com>;info=alert-autoanswer;delay=0' };
}

export interface DialEnd {
  cause: number;
  reason: string;
  /** `network`: no media port, nothing was dialled. */
  by: 'remote' | 'local' | 'network';
  sipStatus?: number;
}

export type Answer = ReturnType<typeof parseAnswer>;

export interface DialHandlers {
  ringing(): void;
  /** The far end answered and its media is set up: frames flow from the next slot. */
  answered(answer: Answer): void;
  /** Once, however it ended (also when it never got to dial). */
  ended(end: DialEnd): void;
}

export class OutboundDial {
  #state: 'starting' | 'ringing' | 'answered' | 'ended' = 'starting';
  #uac: UacCall | null = null;
  #rtp: RtpStream | null = null;
  #port: number | null = null;
  #ringTimer: NodeJS.Timeout | null = null;
  #ringTimedOut = false;
  #requestedCause: number | null = null;
  /** It answered with SDP we cannot use: we hang up, and it ends as cause 127 whoever finishes it. */
  #unusableAnswer = false;
  #released = false;
  #opening = false;
  /** A browser agent's mediasoup transports: its WebRTC faces the browser, its plain RTP faces #rtp. */
  #webrtc: WebRtcAgentMedia | null = null;
  /** When the 200 OK was taken up (performance clock), before the media started: the answer-to-audio baseline. */
  answeredAtPerf: number | null = null;

  constructor(
    private readonly deps: OutboundDialDeps,
    private readonly request: DialRequest,
    private readonly log: Logger,
    private readonly on: DialHandlers,
  ) {}

  get rtp(): RtpStream | null {
    return this.#rtp;
  }

  async start(): Promise<void> {
    this.#opening = true;
    try {
      this.#port = this.deps.ports.take();
      this.#rtp = await RtpStream.open(this.deps.rtpBindHost, this.#port, this.deps.scheduler);
    } catch (err) {
      this.#opening = false;
      this.log.error('no media port', { error: (err as Error).message });
      this.#end({ cause: Cause.NO_CIRCUIT_AVAILABLE, reason: q850Reason(Cause.NO_CIRCUIT_AVAILABLE), by: 'network' });
      return;
    }
    const agent = this.request.agent;
    // A browser agent (bound over a SIP WebSocket) gets a WebRTC offer from mediasoup; everyone else plain RTP.
    if (agent?.peer.connection) {
      try {
        if (!this.deps.webrtc) throw new Error('this node has no WebRTC gateway');
        this.#webrtc = await this.deps.webrtc.open({ port: this.#port, ssrc: this.#rtp.ssrc }, this.log);
      } catch (err) {
        this.#opening = false;
        this.log.error('cannot ring a browser agent: no WebRTC media', { error: (err as Error).message });
        this.release();
        this.#end({ cause: Cause.TEMPORARY_FAILURE, reason: q850Reason(Cause.TEMPORARY_FAILURE), by: 'network' });
        return;
      }
    }
    this.#opening = false;
    // Hung up while the port was being opened: never dial, and give back what was opened.
    if (this.#state === 'ended') {
      if (this.#released) this.#closeMedia();
      else this.release();
      return;
    }
    const sdpOffer = this.#webrtc?.offer ?? buildOffer({ address: this.deps.advertiseAddress, port: this.#port, sessionId: Date.now() });
    const uac = new UacCall(
      this.deps.transport,
      agent
        ? { trunk: agent.peer, trunkDomain: this.deps.trunk.domain, from: this.request.from, to: this.request.to, sdpOffer, requestUri: agent.contact, toUri: agent.aor, extraHeaders: autoAnswerHeaders(this.deps.advertiseAddress) }
        : { trunk: this.deps.trunk, trunkDomain: this.deps.trunk.domain, from: this.request.from, to: this.request.to, sdpOffer, credentials: this.deps.credentials },
    );
    this.#uac = uac;
    uac.on('ringing', () => {
      if (this.#state !== 'starting') return;
      this.#state = 'ringing';
      this.on.ringing();
    });
    uac.on('answered', ({ sdp }) => this.#onAnswered(sdp));
    uac.on('failed', ({ status, reason, cancelled }) => {
      if (cancelled && this.#ringTimedOut) return this.#end({ cause: Cause.NO_ANSWER, reason: q850Reason(Cause.NO_ANSWER), by: 'local', sipStatus: status });
      if (cancelled || this.#requestedCause !== null) {
        const cause = this.#requestedCause ?? Cause.NORMAL_CLEARING;
        return this.#end({ cause, reason: q850Reason(cause), by: 'local', sipStatus: status });
      }
      const mapped = q850FromSipStatus(status);
      this.log.info('call failed', { sip_status: status, sip_reason: reason, cause: mapped.cause });
      this.#end({ cause: mapped.cause, reason: mapped.reason, by: 'remote', sipStatus: status });
    });
    uac.on('ended', ({ by }) => {
      const cause = by === 'remote' ? Cause.NORMAL_CLEARING : (this.#requestedCause ?? Cause.NORMAL_CLEARING);
      this.#end({ cause, reason: q850Reason(cause), by });
    });
    this.#ringTimer = setTimeout(() => {
      this.#ringTimedOut = true;
      this.log.info('ring timeout: cancelling', { ring_timeout_s: this.request.ringTimeoutS });
      uac.hangup();
    }, this.request.ringTimeoutS * 1000);
    this.log.info('dialing', { to: agent ? agent.aor : this.request.to, call_id: uac.callId, rtp_port: this.#port });
    uac.start();
  }

  /** CANCEL before the answer, BYE after; `cause` is what the end reports when we end it. Before the INVITE: ends at once. */
  hangup(cause: number = Cause.NORMAL_CLEARING): void {
    if (this.#state === 'ended') return;
    this.#requestedCause ??= cause;
    if (this.#uac) this.#uac.hangup();
    else this.#end({ cause, reason: q850Reason(cause), by: 'local' });
  }

  /** Stops the ring timer, closes the RTP stream and gives the port back; idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    // Still opening the socket: start() closes it when the open returns, so the port is not handed out while bound.
    if (!this.#opening) this.#closeMedia();
  }

  #closeMedia(): void {
    this.#webrtc?.close();
    this.#rtp?.close();
    if (this.#port !== null) this.deps.ports.release(this.#port);
  }

  #onAnswered(sdp: string): void {
    if (this.#state === 'ended') return;
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    if (this.#webrtc) {
      // The browser's answer goes to mediasoup; the RtpStream's peer is the PlainTransport (PCMU, payload type 0).
      this.#webrtc.accept(sdp).then(
        (plain) => this.#takeAnswer({ address: plain.address, port: plain.port, codec: 'PCMU', payloadType: 0, telephoneEventPt: null }),
        (err: unknown) => this.#refuseAnswer(err as Error),
      );
      return;
    }
    let answer: Answer;
    try {
      answer = parseAnswer(sdp);
    } catch (err) {
      this.#refuseAnswer(err as Error);
      return;
    }
    this.#takeAnswer(answer);
  }

  #refuseAnswer(err: Error): void {
    if (this.#state === 'ended') return;
    this.log.warn('unusable SDP answer: hanging up', { error: err.message });
    this.#unusableAnswer = true;
    this.hangup(Cause.INTERWORKING);
  }

  #takeAnswer(answer: Answer): void {
    if (this.#state === 'ended' || this.#released) return;
    this.#state = 'answered';
    this.answeredAtPerf = performance.now();
    this.#rtp!.start({ host: answer.address, port: answer.port }, answer.codec, answer.payloadType, answer.telephoneEventPt);
    this.on.answered(answer);
  }

  #end(end: DialEnd): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    this.on.ended(this.#unusableAnswer ? { ...end, cause: Cause.INTERWORKING, reason: q850Reason(Cause.INTERWORKING) } : end);
  }
}
