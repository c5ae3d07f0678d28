// What a peer really received: PCMU RTP captured on the loopback wire
// (tshark, RTP found heuristically whatever the ports) and decoded to 8 kHz
// samples, so a test can look for a tone in what the simulated carrier heard
// (SIPp records nothing, and picks its RTP port per call).
import { decodeG711 } from '../../media-node/src/codec/g711.ts';
import { startWireCapture } from '../wire/tshark-capture.ts';

export interface RtpHeard {
  /** Stops capturing; the payloads of every PCMU packet matched, in wire order, decoded. */
  stop(): Promise<Int16Array>;
}

/** `filter`: a BPF capture filter naming the packets, e.g. `udp src portrange 26000-27999 and not dst portrange 40000-40999`. */
export async function captureRtp(filter: string, maxSeconds = 300): Promise<RtpHeard> {
  const capture = await startWireCapture({
    filter,
    maxSeconds,
    readArgs: ['-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp.p_type == 0'],
    fields: ['rtp.payload'],
  });
  return {
    async stop() {
      const rows = await capture.stop();
      // tshark prints the payload as hex, with or without ':' between bytes depending on its version.
      const hex = rows.map(([payload]) => (payload ?? '').replaceAll(':', '')).join('');
      return decodeG711('PCMU', Uint8Array.from(Buffer.from(hex, 'hex')));
    },
  };
}
