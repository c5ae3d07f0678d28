/**
 * The one error type of the audio sources. Every failure to produce audio is
 * an AudioError with a code; the call engine turns it into a playstate
 * "failed" / error event, never a crash.
 */
export type AudioErrorCode =
  | 'unsupported_language'
  | 'fetch_failed'
  | 'fetch_timeout'
  | 'too_large'
  | 'forbidden_address'
  | 'bad_url'
  | 'decode_failed'
  | 'synthesis_failed'
  | 'prompt_not_found'
  | 'aborted';

export class AudioError extends Error {
  constructor(
    readonly code: AudioErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AudioError';
  }
}
