/**
 * Answering-machine detection: the public surface of media-node/src/amd.
 * The detector is pure (frames in, outcomes out); the CLI and the call engine
 * do the I/O around it.
 */
export { AmdDetector, amdEngineFromEnv, type AmdEngine } from './detector.ts';
export { AMD_FRAME_SAMPLES, AMD_FRAME_MS, type AmdOutcome, type AmdDecisionReason, type AnsweredBy, type ReadyReason, type AmdEngineInstance } from './outcome.ts';
export { RulesAmdDetector } from './rules-detector.ts';
export { ModelAmdDetector } from './model-detector.ts';
export { AmdFrontEnd } from './front-end.ts';
export { CallFeatures, FEATURE_NAMES, UTTERANCE_GAP_MS, type FrameObservation } from './call-features.ts';
export { frameShape, type FrameShape } from './frame-features.ts';
export { HighPassEnergy } from './high-pass.ts';
export { PitchTracker } from './pitch.ts';
export { FeatureVad, DEFAULT_FEATURE_VAD, type FeatureVadOptions } from './feature-vad.ts';
export { ToneRunDetector, type ToneRunFrame, type ToneRunOptions } from './tone-run.ts';
export { logOdds, machineProbability, type BoostedTrees, type FlatTree } from './gbdt.ts';
export { decide, isDecisionPoint, type DecisionPolicy, type PolicyInput } from './model-policy.ts';
export { MachineEnd } from './machine-end.ts';
export { AMD_MODEL_FORMAT, AMD_MODEL_URL, defaultAmdModel, parseAmdModel, type AmdModelFile } from './model-file.ts';
export { DEFAULT_AMD_PARAMETERS, type AmdParameters } from './parameters.ts';
export { EnergyVad, type VadFrame, type VadOptions } from './vad.ts';
export { BeepDetector, type BeepFrame, type BeepOptions } from './beep.ts';
export { ToneBank, type ToneBankOptions, type ToneSpectrum } from './tone-bank.ts';
export { SustainedRun, type RunFrame } from './sustained-run.ts';
export { goertzelPower, blockPower, frameRms } from './goertzel.ts';
export { classifyPcm, classifyWith, type AmdVerdict } from './classify.ts';
export { KwsOutputReader, type KeywordHit, type KeywordSpotter } from './keyword-spotter.ts';
export { PocketsphinxSpotter, pocketsphinxInstalled, type PocketsphinxMode, type PocketsphinxSpotterOptions } from './pocketsphinx-spotter.ts';
export { VOICEMAIL_KEYWORDS, keywordListText, type VoicemailKeyword } from './voicemail-keywords.ts';
export { simulatedArrivalMs, wordHeard } from './voicemail-word.ts';
export { Upsampler2x } from './upsample-2x.ts';
