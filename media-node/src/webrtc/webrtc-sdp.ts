/**
 * The browser agent's SDP, translated to and from mediasoup's parameters (pure).
 * The node is the offerer (its INVITE rings the agent): the offer describes the
 * mediasoup WebRtcTransport (ICE-lite, its ICE credentials and candidates, its DTLS
 * fingerprints with setup:actpass) and one PCMU audio section carrying what the
 * consumer toward the browser sends (its SSRC). The browser's answer gives back its
 * DTLS role and fingerprint (for transport.connect) and the SSRC it sends (the
 * producer's encoding). PCMU only (payload type 0): the bridge on the other side
 * of the PlainTransport is G.711, so nothing is transcoded anywhere.
 */

export class WebRtcSdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebRtcSdpError';
  }
}

export interface IceParameters {
  usernameFragment: string;
  password: string;
}

export interface IceCandidate {
  foundation: string;
  priority: number;
  /** The address the browser connects to (announced address or IP). */
  address: string;
  protocol: 'udp' | 'tcp';
  port: number;
  type: 'host';
  tcpType?: 'passive';
}

export interface DtlsFingerprint {
  algorithm: string;
  value: string;
}

export type DtlsRole = 'auto' | 'client' | 'server';

export interface OfferInput {
  sessionId: number;
  ice: IceParameters;
  candidates: readonly IceCandidate[];
  fingerprints: readonly DtlsFingerprint[];
  /** What the node sends the browser (the WebRtcTransport consumer's SSRC and CNAME). */
  send: { ssrc: number; cname: string };
  mid: string;
}

/** PCMU is the only codec offered: the call's other side is G.711 and no leg transcodes. */
export const PCMU = { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, channels: 1 } as const;

export function buildWebRtcOffer(o: OfferInput): string {
  const first = o.candidates[0];
  if (!first) throw new WebRtcSdpError('the WebRtcTransport has no ICE candidate');
  const lines = [
    'v=0',
    `o=crier ${o.sessionId} ${o.sessionId} IN IP4 ${first.address}`,
    's=crier',
    't=0 0',
    // mediasoup is ICE-lite: the browser (full ICE) checks connectivity and nominates.
    'a=ice-lite',
    `a=group:BUNDLE ${o.mid}`,
    'a=msid-semantic: WMS crier',
    `m=audio ${first.port} UDP/TLS/RTP/SAVPF ${PCMU.payloadType}`,
    `c=IN IP4 ${first.address}`,
    `a=mid:${o.mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${o.ice.usernameFragment}`,
    `a=ice-pwd:${o.ice.password}`,
    ...o.fingerprints.map((f) => `a=fingerprint:${f.algorithm} ${f.value.toUpperCase()}`),
    // We offer; the browser answers active (it is the DTLS client), mediasoup then acts as server.
    'a=setup:actpass',
    `a=rtpmap:${PCMU.payloadType} PCMU/${PCMU.clockRate}`,
    `a=ssrc:${o.send.ssrc} cname:${o.send.cname}`,
    `a=ssrc:${o.send.ssrc} msid:crier crier-audio`,
    ...o.candidates.map(
      (c) => `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address} ${c.port} typ host${c.protocol === 'tcp' ? ` tcptype ${c.tcpType ?? 'passive'}` : ''}`,
    ),
    'a=end-of-candidates',
  ];
  return lines.join('\r\n') + '\r\n';
}

export interface WebRtcAnswer {
  /** For WebRtcTransport.connect(): the browser's DTLS role and certificate fingerprint(s). */
  dtls: { role: DtlsRole; fingerprints: DtlsFingerprint[] };
  /** For the producer on the WebRtcTransport: what the browser sends. */
  rtpParameters: {
    mid: string;
    codecs: Array<{ mimeType: string; payloadType: number; clockRate: number; channels: number }>;
    encodings: Array<{ ssrc: number }>;
    rtcp: { cname: string; reducedSize: boolean };
  };
  /** The browser sends audio (sendrecv or sendonly). */
  sends: boolean;
}

/** The browser's answer to buildWebRtcOffer. Throws WebRtcSdpError when it cannot carry the call. */
export function parseWebRtcAnswer(sdp: string): WebRtcAnswer {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const fingerprints: DtlsFingerprint[] = [];
  let setup: string | null = null;
  let mid: string | null = null;
  let audioPort: number | null = null;
  let formats: number[] = [];
  let direction = 'sendrecv';
  let ssrc: number | null = null;
  let cname: string | null = null;
  let inAudio = false;
  let seenMedia = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      seenMedia = true;
      inAudio = line.startsWith('m=audio ') && audioPort === null;
      if (inAudio) {
        const parts = line.split(' ');
        audioPort = Number(parts[1]);
        formats = parts.slice(3).map(Number);
      }
      continue;
    }
    // Session-level attributes apply to every section unless a section says otherwise.
    if (seenMedia && !inAudio) continue;
    let m: RegExpExecArray | null;
    if ((m = /^a=fingerprint:(\S+) (\S+)$/.exec(line))) fingerprints.push({ algorithm: m[1]!.toLowerCase(), value: m[2]!.toUpperCase() });
    else if ((m = /^a=setup:(\S+)$/.exec(line))) setup = m[1]!;
    else if ((m = /^a=mid:(\S+)$/.exec(line))) mid = m[1]!;
    else if ((m = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line))) direction = m[1]!;
    else if ((m = /^a=ssrc:(\d+) cname:(\S+)$/.exec(line))) {
      ssrc ??= Number(m[1]);
      cname ??= m[2]!;
    } else if ((m = /^a=ssrc:(\d+)/.exec(line))) ssrc ??= Number(m[1]);
  }
  if (audioPort === null) throw new WebRtcSdpError('answer has no audio section');
  if (audioPort === 0) throw new WebRtcSdpError('answer rejected the audio section');
  if (!formats.includes(PCMU.payloadType)) throw new WebRtcSdpError('answer does not accept PCMU');
  if (fingerprints.length === 0) throw new WebRtcSdpError('answer has no DTLS fingerprint');
  const role: DtlsRole = setup === 'active' ? 'client' : setup === 'passive' ? 'server' : 'auto';
  if (setup === 'actpass') throw new WebRtcSdpError('answer says setup:actpass; an answer must choose active or passive');
  const sends = direction === 'sendrecv' || direction === 'sendonly';
  if (sends && ssrc === null) throw new WebRtcSdpError('answer sends audio but declares no SSRC');
  return {
    dtls: { role, fingerprints },
    rtpParameters: {
      mid: mid ?? '0',
      codecs: [{ mimeType: PCMU.mimeType, payloadType: PCMU.payloadType, clockRate: PCMU.clockRate, channels: PCMU.channels }],
      encodings: ssrc === null ? [] : [{ ssrc }],
      rtcp: { cname: cname ?? 'browser', reducedSize: true },
    },
    sends,
  };
}
