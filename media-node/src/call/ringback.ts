/**
 * The ringback tone a recipient hears while a connect's destination rings
 * (ITU-T E.180: 425 Hz, 1 s on, 4 s off), as a live source for RtpStream.
 * The tone second is synthesised once and shared by every call; the off part
 * is plain silence.
 */
import type { LiveSource } from '../rtp/rtp-stream.ts';

const FRAME = 160;
const ON_FRAMES = 50;
const PERIOD_FRAMES = 250;

let tone: Int16Array | null = null;

function toneSecond(): Int16Array {
  // 425 whole cycles in one second: the phase is continuous when the cadence repeats.
  tone ??= Int16Array.from({ length: ON_FRAMES * FRAME }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 425 * i) / 8000)));
  return tone;
}

export function ringbackSource(): LiveSource {
  const pcm = toneSecond();
  let frame = 0;
  return () => {
    const f = frame;
    frame = (frame + 1) % PERIOD_FRAMES;
    return f < ON_FRAMES ? pcm.subarray(f * FRAME, (f + 1) * FRAME) : null;
  };
}
