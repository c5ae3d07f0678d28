// What a peer really received: the PCMU RTP sent to its media port, captured
// on the loopback wire (tshark) and decoded to 8 kHz samples, so a test can
// look for a tone in what the simulated carrier heard (SIPp records nothing).
import { decodeG711 } from '../../media-node/src/codec/g711.ts';
import { startWireCapture } from '../wire/tshark-capture.ts';

export interface RtpHeard {
  /** Stops capturing; the payloads of every RTP packet to the port, in wire order, decoded. */
  stop(): Promise<Int16Array>;
}

export async function captureRtpTo(port: number, maxSeconds = 300): Promise<RtpHeard> {
  const capture = await startWireCapture({
    filter: `udp dst port ${port}`,
    maxSeconds,
    readArgs: ['-d', `udp.port==${port},rtp`, '-Y', 'rtp.p_type == 0'],
    fields: ['rtp.payload'],
  });
  return {
    async stop() {
      const rows = await capture.stop();
      const bytes = rows.flatMap(([hex]) => (hex ? hex.split(':').map((b) => parseInt(b, 16)) : []));
      return decodeG711('PCMU', Uint8Array.from(bytes));
    },
  };
}
