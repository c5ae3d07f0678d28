/**
 * Audio sources: the public surface of media-node/src/audio. The call engine
 * needs only DefaultAudioRenderer (PlaySpec → 8 kHz PCM); the rest is here for
 * a cloud TTS engine, the AMD CLI and tests.
 */
export { DefaultAudioRenderer, renderKey, type AudioRenderer, type AudioRendererOptions, type RenderedAudio } from './renderer.ts';
export { AudioError, type AudioErrorCode } from './audio-error.ts';
export type { TextToSpeech, TtsRequest } from './tts.ts';
export { EspeakTts, prepareSsml, type EspeakOptions } from './espeak-tts.ts';
export { espeakLanguageFor, espeakVoiceFor } from './espeak-voices.ts';
export { decodeToPcm, decodeFileToPcm } from './ffmpeg-decode.ts';
export { isPrivateAddress, checkAudioUrl } from './url-guard.ts';
