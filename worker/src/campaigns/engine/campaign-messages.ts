/**
 * What a campaign's calls play, as media-node play specs: the short hold
 * prompt at answer and the abandon / machine messages (TTS in the campaign's
 * language). The prompt_ref ends with the message's name, which is how the
 * call's flow recognises the end of its own message (node-event-input.ts).
 */
import type { PlaySpec } from '../../media-protocol/index.ts';

export type CampaignMessage = 'hold' | 'abandon' | 'machine';

export function campaignTts(campaignId: string, language: string, ref: CampaignMessage, text: string): PlaySpec {
  return { type: 'tts', text, voice: 'Female', language, prompt_ref: `campaign:${campaignId}:${ref}` };
}
