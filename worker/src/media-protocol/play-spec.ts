/**
 * What a media node is asked to play: the API's four audio variants, resolved.
 * A prompt arrives with a signed URL and version so the node can fetch and cache
 * it without credentials of its own.
 */
import { z } from 'zod';

export const PlaySpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url'), url: z.string().url(), prompt_ref: z.string() }),
  z.object({
    type: z.literal('prompt'),
    prompt_name: z.string(),
    version: z.number().int().nonnegative(),
    fetch_url: z.string().url(),
    prompt_ref: z.string(),
  }),
  z.object({
    type: z.literal('tts'),
    text: z.string(),
    voice: z.enum(['Female', 'Male']),
    language: z.string(),
    prompt_ref: z.string(),
  }),
  z.object({ type: z.literal('ssml'), ssml: z.string(), prompt_ref: z.string() }),
]);
export type PlaySpec = z.infer<typeof PlaySpecSchema>;
