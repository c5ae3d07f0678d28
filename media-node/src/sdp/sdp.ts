/**
 * The SDP we offer (PCMU, PCMA, telephone-event) and what we read from an
 * answer: the remote RTP address and the first codec both sides support.
 */
import type { G711Codec } from '../codec/g711.ts';

export const TELEPHONE_EVENT_PT = 101;

export function buildOffer(opts: { address: string; port: number; sessionId: number }): string {
  return [
    'v=0',
    `o=crier ${opts.sessionId} ${opts.sessionId} IN IP4 ${opts.address}`,
    's=crier',
    `c=IN IP4 ${opts.address}`,
    't=0 0',
    `m=audio ${opts.port} RTP/AVP 0 8 ${TELEPHONE_EVENT_PT}`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
    `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`,
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export interface SdpAnswer {
  address: string;
  port: number;
  codec: G711Codec;
  payloadType: number;
  telephoneEventPt: number | null;
}

export class SdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdpError';
  }
}

export function parseAnswer(sdp: string): SdpAnswer {
  const lines = sdp.split(/\r?\n/);
  let sessionAddress: string | null = null;
  let mediaAddress: string | null = null;
  let port: number | null = null;
  let formats: number[] = [];
  const rtpmap = new Map<number, string>();
  let inAudio = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      inAudio = line.startsWith('m=audio ');
      if (inAudio && port === null) {
        const parts = line.split(' ');
        port = Number(parts[1]);
        formats = parts.slice(3).map(Number);
      }
    } else if (line.startsWith('c=IN IP4 ')) {
      const address = line.slice('c=IN IP4 '.length).trim().split('/')[0]!;
      if (inAudio) mediaAddress = address;
      else sessionAddress = address;
    } else if (line.startsWith('a=rtpmap:') && inAudio) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
      if (m) rtpmap.set(Number(m[1]), m[2]!.toLowerCase());
    }
  }
  const address = mediaAddress ?? sessionAddress;
  if (!address || port === null || !Number.isInteger(port)) throw new SdpError('answer has no audio address/port');
  if (port === 0) throw new SdpError('answer rejected the audio stream');
  const nameOf = (pt: number) => rtpmap.get(pt) ?? (pt === 0 ? 'pcmu' : pt === 8 ? 'pcma' : '');
  const chosen = formats.find((pt) => nameOf(pt) === 'pcmu' || nameOf(pt) === 'pcma');
  if (chosen === undefined) throw new SdpError('answer has no G.711 codec');
  const te = formats.find((pt) => nameOf(pt) === 'telephone-event') ?? null;
  return { address, port, codec: nameOf(chosen) === 'pcmu' ? 'PCMU' : 'PCMA', payloadType: chosen, telephoneEventPt: te };
}
