/** Why audio could not be produced; the call turns it into a playstate "failed" event, never a crash. */
export type AudioErrorCode = 'unsupported_language' | 'fetch_failed' | 'fetch_timeout' | 'too_large' | 'forbidden_address' | 'bad_url' | 'decode_failed' | 'synthesis_failed' | 'prompt_not_found';

export class AudioError extends Error {
  constructor(
    readonly code: AudioErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AudioError';
  }
}
