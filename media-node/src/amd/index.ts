/**
 * Answering-machine detection: the public surface of media-node/src/amd.
 * The detector is pure (frames in, outcomes out); the CLI and the call engine
 * do the I/O around it.
 */
export { AmdDetector, AMD_FRAME_SAMPLES, type AmdOutcome, type AmdDecisionReason, type AnsweredBy } from './detector.ts';
export { DEFAULT_AMD_PARAMETERS, type AmdParameters } from './parameters.ts';
export { EnergyVad, type VadFrame, type VadOptions } from './vad.ts';
export { BeepDetector, type BeepFrame, type BeepOptions } from './beep.ts';
export { goertzelPower, blockPower, frameRms } from './goertzel.ts';
export { classifyPcm, type AmdVerdict } from './classify.ts';
