// Valid broadcast request bodies: the spec's four play variants, a body
// builder with overrides, and valid recipient lists of any length.
import { env } from 'cloudflare:test';

export const plays = {
  url: { type: 'url', url: 'https://example.com/audio.mp3', prompt_ref: 'prompt_f1' },
  fileUrl: { type: 'file', url: 'https://example.com/audio.wav', prompt_ref: 'prompt_f1' },
  file: { type: 'file', prompt_name: 'welcome_prompt', prompt_ref: 'prompt_f1' },
  tts: { type: 'tts', text: 'Hi Welcome', voice: 'Female', language: 'en-US', prompt_ref: 'prompt_f1' },
  ssml: {
    type: 'ssml',
    ssml: '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-IN"><voice name="en-IN-NeerjaNeural">Press <say-as interpret-as="digits">9</say-as> for English.</voice></speak>',
    prompt_ref: 'prompt_f1',
  },
} as const;

/** Webhooks go to the test receiver (it answers 200), not to a closed port that would retry. */
export function hooksUrl(): string {
  return `${env.RECEIVER_URL}/hooks/broadcast-${crypto.randomUUID().slice(0, 8)}`;
}

/** A valid UAE mobile number (+971 50 …), n < 10,000,000, without '+'. */
export function uaeMobile(n: number): string {
  return `97150${String(n).padStart(7, '0')}`;
}

export function recipientsOf(count: number, play: Record<string, unknown> = plays.tts): Array<{ to: string; play: Record<string, unknown> }> {
  return Array.from({ length: count }, (_, i) => ({ to: uaeMobile(i), play }));
}

/** The spec's example body, valid as is; overrides replace top-level fields (undefined removes one). */
export function broadcastBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const url = hooksUrl();
  const body: Record<string, unknown> = {
    name: 'TEST_APP',
    owner_ref: 'XYZ',
    from: '12012774877',
    answering_machine_detection: false,
    recipients: [{ to: '918088394833', play: plays.url }],
    custom_data: { booking_id: 12345, farmer_id: 6789 },
    event_url: url,
    call_handler_url: url,
    ...overrides,
  };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  return body;
}
