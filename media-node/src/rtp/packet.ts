/**
 * RTP fixed header (RFC 3550 §5.1) and RFC 4733 telephone-event payloads:
 * build and parse, no I/O.
 */

export interface RtpHeader {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

export const RTP_HEADER_BYTES = 12;

export function writeRtpHeader(buf: Uint8Array, h: RtpHeader): void {
  buf[0] = 0x80; // version 2, no padding, no extension, no CSRC
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf[2] = (h.sequence >> 8) & 0xff;
  buf[3] = h.sequence & 0xff;
  buf[4] = (h.timestamp >>> 24) & 0xff;
  buf[5] = (h.timestamp >>> 16) & 0xff;
  buf[6] = (h.timestamp >>> 8) & 0xff;
  buf[7] = h.timestamp & 0xff;
  buf[8] = (h.ssrc >>> 24) & 0xff;
  buf[9] = (h.ssrc >>> 16) & 0xff;
  buf[10] = (h.ssrc >>> 8) & 0xff;
  buf[11] = h.ssrc & 0xff;
}

export interface ParsedRtp extends RtpHeader {
  payload: Uint8Array;
}

export function parseRtp(buf: Uint8Array): ParsedRtp | null {
  if (buf.length < RTP_HEADER_BYTES || buf[0]! >> 6 !== 2) return null;
  const csrcCount = buf[0]! & 0x0f;
  const hasExtension = (buf[0]! & 0x10) !== 0;
  const hasPadding = (buf[0]! & 0x20) !== 0;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (hasExtension) {
    if (buf.length < offset + 4) return null;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
  }
  let end = buf.length;
  if (hasPadding) end -= buf[buf.length - 1]!;
  if (offset > end) return null;
  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    sequence: (buf[2]! << 8) | buf[3]!,
    timestamp: ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0,
    ssrc: ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0,
    payload: buf.subarray(offset, end),
  };
}

/** RFC 4733 §2.3: event, end bit, volume, duration (in timestamp units). */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

const DTMF_DIGITS = '0123456789*#ABCD';
export function dtmfDigit(event: number): string | null {
  return DTMF_DIGITS[event] ?? null;
}
