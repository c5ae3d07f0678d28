/**
 * Runs the detector over a whole recording (the CLI and the accuracy test);
 * pure. A live call keeps sending audio after a recording would end, so a
 * recording that ends before a rule fires is continued with silence.
 */
import { AmdDetector, type AmdEngine } from './detector.ts';
import { AMD_FRAME_SAMPLES, type AmdDecisionReason, type AmdEngineInstance, type AnsweredBy } from './outcome.ts';
import type { AmdParameters } from './parameters.ts';

export interface AmdVerdict {
  answeredBy: AnsweredBy;
  decisionMs: number;
  reason: AmdDecisionReason;
  /** For MACHINE: when and why playback may start (null for HUMAN). */
  readyToPlay: { reason: 'beep' | 'greeting_end' | 'timeout'; atMs: number } | null;
}

export function classifyPcm(pcm: Int16Array, params: Partial<AmdParameters> = {}, engine?: AmdEngine): AmdVerdict {
  return classifyWith(pcm, new AmdDetector(params, engine));
}

/** The same with a detector already made (the bench runs an earlier model this way). */
export function classifyWith(pcm: Int16Array, detector: AmdEngineInstance): AmdVerdict {
  const silence = new Int16Array(AMD_FRAME_SAMPLES);
  let decision: Pick<AmdVerdict, 'answeredBy' | 'decisionMs' | 'reason'> | null = null;
  // Enough padding for every rule and the longest machine wait to run out.
  const limit = pcm.length + 30 * 8000;
  for (let i = 0; i + AMD_FRAME_SAMPLES <= limit; i += AMD_FRAME_SAMPLES) {
    const frame = i + AMD_FRAME_SAMPLES <= pcm.length ? pcm.subarray(i, i + AMD_FRAME_SAMPLES) : silence;
    const outcome = detector.pushFrame(frame);
    if (outcome?.kind === 'decision') {
      decision = { answeredBy: outcome.answeredBy, decisionMs: outcome.decisionMs, reason: outcome.reason };
      if (outcome.answeredBy === 'HUMAN') return { ...decision, readyToPlay: null };
    } else if (outcome?.kind === 'ready_to_play' && decision) {
      return { ...decision, readyToPlay: { reason: outcome.reason, atMs: outcome.atMs } };
    }
  }
  // Unreachable with the default parameters (total analysis time and the machine wait are bounded).
  if (!decision) throw new Error('AMD reached no decision');
  return { ...decision, readyToPlay: null };
}
