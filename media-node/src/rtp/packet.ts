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
  writeRtpHeaderFields(buf, h.payloadType, h.sequence, h.timestamp, h.ssrc, h.marker);
}

/** writeRtpHeader without the header object, for the per-packet send path. */
export function writeRtpHeaderFields(buf: Uint8Array, payloadType: number, sequence: number, timestamp: number, ssrc: number, marker: boolean): void {
  buf[0] = 0x80; // version 2, no padding, no extension, no CSRC
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequence >> 8) & 0xff;
  buf[3] = sequence & 0xff;
  buf[4] = (timestamp >>> 24) & 0xff;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

export interface ParsedRtp extends RtpHeader {
  payload: Uint8Array;
}

/**
 * Where the payload of a well-formed RTP packet starts (after CSRCs and any
 * extension, with room for its padding), or -1. Kept apart from parseRtp so
 * the receive path can vet every packet without allocating.
 */
export function rtpPayloadOffset(buf: Uint8Array): number {
  if (buf.length < RTP_HEADER_BYTES || buf[0]! >> 6 !== 2) return -1;
  let offset = RTP_HEADER_BYTES + (buf[0]! & 0x0f) * 4;
  if ((buf[0]! & 0x10) !== 0) {
    if (buf.length < offset + 4) return -1;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
  }
  return offset > rtpPayloadEnd(buf) ? -1 : offset;
}

/** End of the payload: the packet's length less any padding (RFC 3550 §5.1, P bit). */
export function rtpPayloadEnd(buf: Uint8Array): number {
  return (buf[0]! & 0x20) !== 0 ? buf.length - buf[buf.length - 1]! : buf.length;
}

export function rtpPayloadType(buf: Uint8Array): number {
  return buf[1]! & 0x7f;
}

/** The header's timestamp, read without a DataView or Buffer (the receive path's packets are plain views). */
export function rtpTimestamp(buf: Uint8Array): number {
  return ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
}

export function parseRtp(buf: Uint8Array): ParsedRtp | null {
  const offset = rtpPayloadOffset(buf);
  if (offset < 0) return null;
  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    sequence: (buf[2]! << 8) | buf[3]!,
    timestamp: ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0,
    ssrc: ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0,
    payload: buf.subarray(offset, rtpPayloadEnd(buf)),
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
