/**
 * Runs the learned engine's front end over a recording and keeps what the
 * detector would see at each decision point (features, voice heard, silence
 * now) and when a beep would decide it first: the rows training learns from
 * and the replay the threshold search simulates the policy on.
 */
import { AMD_FRAME_SAMPLES, AmdFrontEnd, DEFAULT_AMD_PARAMETERS, isDecisionPoint, type DecisionPolicy } from '../../media-node/src/amd/index.ts';

export interface DecisionPointTrace {
  tMs: number;
  x: Float64Array;
  heardVoice: boolean;
  silenceMs: number;
}

export interface ClipTrace {
  /** When the beep rule would decide MACHINE (null: no beep before the last decision point). */
  beepAtMs: number | null;
  points: DecisionPointTrace[];
}

export function traceClip(pcm: Int16Array, policy: Pick<DecisionPolicy, 'evaluateEveryMs' | 'firstDecisionMs' | 'lastDecisionMs'>): ClipTrace {
  const front = new AmdFrontEnd({ ...DEFAULT_AMD_PARAMETERS });
  const silence = new Int16Array(AMD_FRAME_SAMPLES);
  const points: DecisionPointTrace[] = [];
  for (let i = 0, t = 20; t <= policy.lastDecisionMs; i += AMD_FRAME_SAMPLES, t += 20) {
    const frame = i + AMD_FRAME_SAMPLES <= pcm.length ? pcm.subarray(i, i + AMD_FRAME_SAMPLES) : silence;
    const f = front.push(frame);
    if (f.beepHeard) return { beepAtMs: t, points };
    if (isDecisionPoint({ ...policy, machineAbove: 1, humanBelow: 0, humanSilenceMs: 0, finalMachineAbove: 1 }, t)) {
      points.push({ tMs: t, x: front.features.snapshot(), heardVoice: front.features.heardVoice, silenceMs: front.features.silenceMs });
    }
  }
  return { beepAtMs: null, points };
}
