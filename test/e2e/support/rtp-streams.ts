// What the simulated carrier really heard, call by call: PCMU RTP the media
// node sent towards the carrier, captured on the loopback wire and split into
// streams by UDP port pair. A campaign has several calls on the carrier at
// once; decoding them as one sequence (rtp-heard.ts) interleaves their packets
// and no tone survives, so a test looks for an agent's tone stream by stream.
import { decodeG711 } from '../../../media-node/src/codec/g711.ts';
import { startWireCapture } from '../../wire/tshark-capture.ts';
import { toneBlocks } from '../dialer-session.ts';
import type { StackPorts } from '../../../scripts/stack/stack.ts';

export interface CarrierStreams {
  /** Stops capturing; the decoded 8 kHz samples of each stream (key `srcport>dstport`), packets in wire order. */
  stop(): Promise<Map<string, Int16Array>>;
}

/** Everything the node sends from its RTP range to anyone but the baresip agents (their RTP is 40000-40999). */
export async function captureCarrierStreams(ports: Pick<StackPorts, 'rtpMin' | 'rtpMax'>, maxSeconds = 300): Promise<CarrierStreams> {
  const capture = await startWireCapture({
    filter: `udp src portrange ${ports.rtpMin}-${ports.rtpMax} and not dst portrange 40000-40999`,
    maxSeconds,
    readArgs: ['-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp.p_type == 0'],
    fields: ['udp.srcport', 'udp.dstport', 'rtp.payload'],
  });
  return {
    async stop() {
      const hex = new Map<string, string[]>();
      for (const [src, dst, payload] of await capture.stop()) {
        const key = `${src}>${dst}`;
        if (!hex.has(key)) hex.set(key, []);
        // tshark prints the payload as hex, with or without ':' between bytes depending on its version.
        hex.get(key)!.push((payload ?? '').replaceAll(':', ''));
      }
      return new Map([...hex].map(([key, parts]) => [key, decodeG711('PCMU', Uint8Array.from(Buffer.from(parts.join(''), 'hex')))]));
    },
  };
}

/** The most 200 ms blocks of `hz` found in any one stream. */
export function mostToneBlocks(streams: Map<string, Int16Array>, hz: number): number {
  return Math.max(0, ...[...streams.values()].map((pcm) => toneBlocks(pcm, hz)));
}
