/**
 * What the agent hears between picking up and the customer's ringback: a
 * short spoken cue, so a person knows the platform is dialling for them.
 * The connect stops it the moment the customer's side starts ringing.
 */
import type { PlaySpec } from '../../media-protocol/index.ts';

export const WHISPER: PlaySpec = { type: 'tts', text: 'Connecting your call.', voice: 'Female', language: 'en-US', prompt_ref: 'agent-call-whisper' };
