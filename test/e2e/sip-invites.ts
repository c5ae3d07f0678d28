// When each INVITE really left for the carrier: tshark on the loopback wire,
// SIP sent to the carrier's port, first INVITE per Call-ID (retransmissions
// dropped). The kernel's capture time is the honest dial time for a calls-per-
// second check: the Worker's pacer grants a dial a moment before the media node
// sends it, and webhook timestamps trail the carrier's answer.
import { startWireCapture } from '../wire/tshark-capture.ts';

export interface WireInvite {
  /** Capture time, ms since the epoch. */
  atMs: number;
  callId: string;
  /** The Request-URI's user part: the dialled number. */
  number: string;
}

export interface InviteCapture {
  /** Stops capturing; the first INVITE of each dialog, in wire order. */
  stop(): Promise<WireInvite[]>;
}

export async function captureInvites(carrierPort: number): Promise<InviteCapture> {
  const capture = await startWireCapture({
    filter: `udp dst port ${carrierPort}`,
    maxSeconds: 600,
    readArgs: ['-d', `udp.port==${carrierPort},sip`, '-Y', 'sip.Method == "INVITE"'],
    fields: ['frame.time_epoch', 'sip.Call-ID', 'sip.r-uri.user'],
  });
  return {
    async stop() {
      const first = new Map<string, WireInvite>();
      for (const [at, callId, number] of await capture.stop()) {
        if (!callId || first.has(callId)) continue;
        first.set(callId, { atMs: Number(at) * 1000, callId, number: (number ?? '').replace(/^\+/, '') });
      }
      return [...first.values()].sort((a, b) => a.atMs - b.atMs);
    },
  };
}

/** The most instants that fall in any half-open window [t, t + windowMs): the sliding-window count a CPS limit bounds. */
export function mostInAnyWindow(timesMs: readonly number[], windowMs = 1000): number {
  const t = [...timesMs].sort((a, b) => a - b);
  let worst = 0;
  for (let lo = 0, hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    worst = Math.max(worst, hi - lo + 1);
  }
  return worst;
}
