// RTP as it really went over the loopback wire, captured by tshark: which
// port sent each packet to which, its RTP header fields and its payload, so a
// test can check the wire and decode what a peer received instead of trusting
// the sender's own counters.
import { startWireCapture } from '../../wire/tshark-capture.ts';

export interface CapturedRtp {
  /** Seconds since the capture started. */
  time: number;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

export interface RtpCapture {
  /** Stops capturing and returns every RTP packet captured, in capture order. */
  stop(): Promise<CapturedRtp[]>;
}

/** UDP sent from ports [min, max] (what our legs send). */
export function captureRtpFrom(min: number, max: number): Promise<RtpCapture> {
  return captureRtp(min, max, 'from');
}

/** UDP sent from or to ports [min, max] (both directions of our legs). */
export function captureRtpBothWays(min: number, max: number): Promise<RtpCapture> {
  return captureRtp(min, max, 'both');
}

/** UDP on ports [min, max], decoded as RTP. */
async function captureRtp(min: number, max: number, direction: 'from' | 'both'): Promise<RtpCapture> {
  const capture = await startWireCapture({
    filter: `udp ${direction === 'from' ? 'src ' : ''}portrange ${min}-${max}`,
    maxSeconds: 120,
    readArgs: ['-d', `udp.port==${min}-${max},rtp`],
    fields: ['frame.time_relative', 'udp.srcport', 'udp.dstport', 'rtp.p_type', 'rtp.payload', 'rtp.seq', 'rtp.timestamp', 'rtp.ssrc', 'rtp.marker'],
  });
  return {
    async stop() {
      return (await capture.stop())
        .filter((f) => f[3] && f[4])
        .map((f) => ({
          time: Number(f[0]),
          srcPort: Number(f[1]),
          dstPort: Number(f[2]),
          payloadType: Number(f[3]),
          payload: Uint8Array.from(Buffer.from(f[4]!.replace(/:/g, ''), 'hex')),
          seq: Number(f[5]),
          timestamp: Number(f[6]),
          ssrc: Number(f[7]),
          marker: f[8] === '1' || f[8] === 'True',
        }));
    },
  };
}
