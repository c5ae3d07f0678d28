/**
 * The text-to-speech seam. The renderer only knows this interface, so a
 * cloud engine (Azure, Polly, Google) can replace espeak-ng without touching
 * caching or playback. Engines return 8 kHz mono signed 16-bit PCM and throw
 * AudioError (unsupported_language, synthesis_failed, aborted).
 */
export interface TtsRequest {
  text: string;
  voice: 'Female' | 'Male';
  /** BCP-47 tag as given by the API, e.g. "en-US", "hi-IN", "ar". */
  language: string;
}

export interface TextToSpeech {
  /** Identifies engine + version in cache keys, so switching engines never serves the other's audio. */
  readonly id: string;
  synthesize(request: TtsRequest, signal?: AbortSignal): Promise<Int16Array>;
  synthesizeSsml(ssml: string, signal?: AbortSignal): Promise<Int16Array>;
}
