/**
 * G.711 μ-law (PCMU) and A-law (PCMA): 16-bit linear PCM ⇄ 8-bit codes.
 * Decoding uses 256-entry tables; encoding uses 64 K-entry tables built once,
 * so the per-sample cost on the hot send path is one array lookup.
 */

function muLawDecodeSample(code: number): number {
  const u = ~code & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function aLawDecodeSample(code: number): number {
  const a = code ^ 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return sign ? magnitude : -magnitude;
}

function muLawEncodeSample(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function aLawEncodeSample(sample: number): number {
  let s = sample;
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  if (s > 32767) s = 32767;
  let code: number;
  if (s < 256) {
    code = s >> 4;
  } else {
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 1; mask >>= 1) exponent--;
    code = (exponent << 4) | ((s >> (exponent + 3)) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

const MULAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => muLawDecodeSample(i));
const ALAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => aLawDecodeSample(i));
const MULAW_ENCODE = Uint8Array.from({ length: 65536 }, (_, i) => muLawEncodeSample(i - 32768));
const ALAW_ENCODE = Uint8Array.from({ length: 65536 }, (_, i) => aLawEncodeSample(i - 32768));

export type G711Codec = 'PCMU' | 'PCMA';
export const PAYLOAD_TYPE: Record<G711Codec, number> = { PCMU: 0, PCMA: 8 };

export function encodeG711(codec: G711Codec, pcm: Int16Array, out = new Uint8Array(pcm.length)): Uint8Array {
  const table = codec === 'PCMU' ? MULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! + 32768]!;
  return out;
}

export function decodeG711(codec: G711Codec, bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  const table = codec === 'PCMU' ? MULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** The code for silence, used for frames when nothing is playing (keeps NAT and symmetric RTP alive). */
export function silenceByte(codec: G711Codec): number {
  return codec === 'PCMU' ? 0xff : 0xd5;
}
