// Tone checks on decoded audio, shared by the tests that prove where a tone went
// (the wire, a softphone's recording, a call recording): a 20 ms frame "carries"
// a tone when most of its energy is at that frequency (Goertzel over the block).
import { decodeG711 } from '../../../media-node/src/codec/g711.ts';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';
import type { CapturedRtp } from './rtp-capture.ts';

/** Most (over 70 %) of the frame's energy is at `frequency`; silence carries nothing. */
export function carriesTone(pcm: Int16Array, frequency: number): boolean {
  const total = blockPower(pcm);
  return total > 0 && goertzelPower(pcm, frequency) / total > 0.7;
}

/** How many of the frames carry `frequency`. */
export function toneFrames(frames: readonly Int16Array[], frequency: number): number {
  return frames.filter((pcm) => carriesTone(pcm, frequency)).length;
}

/** The G.711 packets sent from `port`, decoded (other payload types, e.g. RFC 4733 events, are not audio). */
export function wireFrames(packets: readonly CapturedRtp[], port: number): Int16Array[] {
  return packets.filter((p) => p.srcPort === port && (p.payloadType === 0 || p.payloadType === 8)).map((p) => decodeG711(p.payloadType === 8 ? 'PCMA' : 'PCMU', p.payload));
}
