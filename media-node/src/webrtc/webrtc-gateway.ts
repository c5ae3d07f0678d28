/**
 * The media node's WebRTC side for browser agents: one mediasoup Worker and one
 * Router (PCMU only) per node, started on the first browser call, and per call a
 * WebRtcAgentMedia that joins the browser to the call's plain RTP:
 *
 *   browser ⇄ WebRtcTransport (ICE-lite, DTLS-SRTP) ⇄ Router ⇄ PlainTransport (127.0.0.1) ⇄ the leg's RtpStream
 *
 * The leg's RtpStream (and so the bridge, its jitter buffer, recording, AMD-free
 * agent leg) sees an ordinary G.711 peer at the PlainTransport's address: nothing
 * else in the node knows the agent is a browser. Plain SIP/RTP legs never come
 * here. mediasoup is imported only when a browser call first needs it.
 */
import type { types as ms } from 'mediasoup';
import type { Logger } from '../log/logger.ts';
import { findWorkerBinary } from './worker-binary.ts';
import { buildWebRtcOffer, parseWebRtcAnswer, PCMU, type IceCandidate } from './webrtc-sdp.ts';

export interface WebRtcSettings {
  /** Address the WebRtcTransport binds (0.0.0.0 needs announcedAddress). */
  listenIp: string;
  /** Address put in the ICE candidates the browser connects to. */
  announcedAddress?: string;
  /** UDP ports for WebRtcTransports and the internal PlainTransports. */
  portMin: number;
  portMax: number;
}

/** What the bridge side of the leg needs: where to send the call's RTP (the PlainTransport). */
export interface PlainRtpPeer {
  address: string;
  port: number;
}

export class WebRtcUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebRtcUnavailableError';
  }
}

/** The codec a browser may receive from the router: PCMU, no header extensions (the RtpStream reads plain RTP). */
const PCMU_CAPABILITIES: ms.RtpCapabilities = {
  codecs: [{ kind: 'audio', mimeType: PCMU.mimeType, preferredPayloadType: PCMU.payloadType, clockRate: PCMU.clockRate, channels: PCMU.channels, rtcpFeedback: [] }],
  headerExtensions: [],
};

export class WebRtcGateway {
  #router: Promise<ms.Router> | null = null;
  #worker: ms.Worker | null = null;
  #closed = false;
  readonly #log: Logger;

  constructor(
    private readonly settings: WebRtcSettings,
    log: Logger,
  ) {
    this.#log = log.child({ part: 'webrtc' });
  }

  /** Starts the worker now (else on the first call); throws WebRtcUnavailableError when it cannot run. */
  async ready(): Promise<void> {
    await this.#routerOnce();
  }

  /** Sets up the mediasoup side of one browser call; `rtp` is the leg's RtpStream (its port and SSRC). */
  async open(rtp: { port: number; ssrc: number }, callLog: Logger): Promise<WebRtcAgentMedia> {
    const router = await this.#routerOnce();
    const portRange = { min: this.settings.portMin, max: this.settings.portMax };
    const plain = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange }, rtcpMux: true, comedia: false });
    let web: ms.WebRtcTransport | null = null;
    try {
      await plain.connect({ ip: '127.0.0.1', port: rtp.port });
      const fromCall = await plain.produce({
        kind: 'audio',
        rtpParameters: { codecs: [{ mimeType: PCMU.mimeType, payloadType: PCMU.payloadType, clockRate: PCMU.clockRate, channels: PCMU.channels, rtcpFeedback: [] }], encodings: [{ ssrc: rtp.ssrc }] },
      });
      web = await router.createWebRtcTransport({
        listenInfos: [{ protocol: 'udp', ip: this.settings.listenIp, ...(this.settings.announcedAddress ? { announcedAddress: this.settings.announcedAddress } : {}), portRange }],
        enableUdp: true,
        enableTcp: false,
      });
      const toBrowser = await web.consume({ producerId: fromCall.id, rtpCapabilities: PCMU_CAPABILITIES });
      return new WebRtcAgentMedia(router, plain, web, toBrowser, callLog);
    } catch (err) {
      web?.close();
      plain.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#worker?.close();
  }

  #routerOnce(): Promise<ms.Router> {
    if (this.#closed) return Promise.reject(new WebRtcUnavailableError('the node is stopping'));
    this.#router ??= this.#start().catch((err: unknown) => {
      this.#router = null; // the next browser call tries again
      throw err instanceof WebRtcUnavailableError ? err : new WebRtcUnavailableError(`mediasoup worker did not start: ${(err as Error).message}`);
    });
    return this.#router;
  }

  async #start(): Promise<ms.Router> {
    const bin = findWorkerBinary();
    if (!bin.ok) throw new WebRtcUnavailableError(bin.reason);
    const mediasoup = await import('mediasoup');
    const worker = await mediasoup.createWorker({ workerBin: bin.path, logLevel: 'warn' });
    this.#worker = worker;
    worker.on('died', (err) => {
      this.#log.error('mediasoup worker died: browser calls on it are lost; the next one starts a new worker', { error: err.message });
      this.#worker = null;
      this.#router = null;
    });
    const router = await worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: PCMU.mimeType, preferredPayloadType: PCMU.payloadType, clockRate: PCMU.clockRate, channels: PCMU.channels }] });
    this.#log.info('mediasoup worker started', { pid: worker.pid, version: bin.version });
    return router;
  }
}

/** One browser call's mediasoup objects: the offer to send, the answer to take, and closing. */
export class WebRtcAgentMedia {
  readonly offer: string;
  #closed = false;

  constructor(
    private readonly router: ms.Router,
    private readonly plain: ms.PlainTransport,
    private readonly web: ms.WebRtcTransport,
    toBrowser: ms.Consumer,
    private readonly log: Logger,
  ) {
    const encoding = toBrowser.rtpParameters.encodings?.[0];
    this.offer = buildWebRtcOffer({
      sessionId: Date.now(),
      ice: web.iceParameters,
      candidates: web.iceCandidates.map((c): IceCandidate => ({ foundation: c.foundation, priority: c.priority, address: c.address, protocol: c.protocol, port: c.port, type: 'host' })),
      fingerprints: web.dtlsParameters.fingerprints,
      send: { ssrc: encoding!.ssrc!, cname: toBrowser.rtpParameters.rtcp?.cname ?? 'crier' },
      mid: '0',
    });
  }

  /** Takes the browser's SDP answer: DTLS parameters to the WebRtcTransport, its audio into the PlainTransport. */
  async accept(answerSdp: string): Promise<PlainRtpPeer> {
    const answer = parseWebRtcAnswer(answerSdp);
    await this.web.connect({ dtlsParameters: answer.dtls as ms.DtlsParameters });
    if (answer.sends) {
      const fromBrowser = await this.web.produce({
        kind: 'audio',
        rtpParameters: { ...answer.rtpParameters, codecs: answer.rtpParameters.codecs.map((c) => ({ ...c, rtcpFeedback: [] })), headerExtensions: [] },
      });
      await this.plain.consume({ producerId: fromBrowser.id, rtpCapabilities: PCMU_CAPABILITIES });
    }
    const tuple = this.plain.tuple;
    this.log.debug('browser media connected', { plain: `${tuple.localAddress}:${tuple.localPort}` });
    return { address: tuple.localAddress, port: tuple.localPort };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.web.close();
    this.plain.close();
  }

  /** For tests and stats: the mediasoup router this call lives on. */
  get routerId(): string {
    return this.router.id;
  }
}
