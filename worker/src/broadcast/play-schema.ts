/**
 * The `play` object of the Voice Broadcast API, shared by POST /voice/v1/broadcast
 * and PUT /voice/v1/call/{voice_id}/play. Four variants:
 *   url  → { type: "url", url }              (also type "file" with url)
 *   file → { type: "file", prompt_name }     (prompt_name wins if both are sent)
 *   tts  → { type: "tts", text, voice, language }
 *   ssml → { type: "ssml", ssml }            (must be well-formed XML with a <speak> root)
 * prompt_ref is required for every variant.
 */
import { z } from '@hono/zod-openapi';
import { XMLValidator } from 'fast-xml-parser';
import { broadcastUrlProblem } from '../outbound-urls/url-policy.ts';

const MAX_TEXT = 5_000;
const MAX_SSML = 20_000;
/** Every string is bounded so a leg's play fits a Durable Object row whatever the client sends. */
const MAX_URL = 2048;
/** RFC 5646 recommends supporting tags of at least 35 characters; longer ones are not real languages. */
const MAX_LANGUAGE_TAG = 35;

export const PlaySchema = z
  .object({
    type: z
      .enum(['url', 'file', 'tts', 'ssml'], { error: (issue) => (issue.input === undefined ? 'is required' : 'must be one of url, file, tts, ssml') })
      .openapi({ description: 'Audio type: url, file, tts or ssml.' }),
    url: z.string().max(MAX_URL, `must be at most ${MAX_URL} characters`).optional().openapi({ description: 'http(s) URL of the audio. Required for type url, and for type file without prompt_name.' }),
    prompt_name: z.string().max(128, 'must be at most 128 characters').optional().openapi({ description: 'Name of an uploaded prompt (POST /voice/v1/prompts). Required for type file without url.' }),
    // Bounded whatever the type: a field the type does not use is still stored with the leg.
    text: z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`).optional(),
    voice: z.string().max(16, 'must be Female or Male').optional().openapi({ description: 'Female or Male (tts).' }),
    language: z.string().max(MAX_LANGUAGE_TAG, `must be at most ${MAX_LANGUAGE_TAG} characters`).optional().openapi({ description: 'BCP-47 tag, e.g. en-US (tts).' }),
    ssml: z.string().max(MAX_SSML, `must be at most ${MAX_SSML} characters`).optional(),
    prompt_ref: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
  })
  .superRefine((play, ctx) => {
    const need = (field: keyof typeof play, why: string) => {
      const value = play[field];
      if (value === undefined || value === '') ctx.addIssue({ code: 'custom', path: [field], message: why });
    };
    switch (play.type) {
      case 'url':
        need('url', 'is required when type is url');
        checkUrl(play.url, ctx);
        break;
      case 'file':
        if (!play.prompt_name && !play.url) {
          ctx.addIssue({ code: 'custom', path: ['prompt_name'], message: 'prompt_name or url is required when type is file' });
        } else if (!play.prompt_name) checkUrl(play.url, ctx);
        else if (!/^[A-Za-z0-9_.-]{1,128}$/.test(play.prompt_name)) {
          ctx.addIssue({ code: 'custom', path: ['prompt_name'], message: 'must be 1-128 letters, digits, "_", "-" or "."' });
        }
        break;
      case 'tts':
        need('text', 'is required when type is tts');
        need('voice', 'is required when type is tts');
        need('language', 'is required when type is tts');
        if (play.voice && play.voice !== 'Female' && play.voice !== 'Male') ctx.addIssue({ code: 'custom', path: ['voice'], message: 'must be Female or Male' });
        if (play.language && !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(play.language)) ctx.addIssue({ code: 'custom', path: ['language'], message: 'must be a BCP-47 language tag such as en-US' });
        break;
      case 'ssml':
        need('ssml', 'is required when type is ssml');
        if (play.ssml) checkSsml(play.ssml, ctx);
        break;
    }
  })
  .openapi('Play');

export type PlayInput = z.infer<typeof PlaySchema>;

/** The audio URL a valid play makes the media node fetch, if any (a prompt_name wins over a url). */
export function playFetchUrl(play: PlayInput): string | null {
  const fetches = play.type === 'url' || (play.type === 'file' && !play.prompt_name);
  return fetches && play.url ? play.url : null;
}

/**
 * The outbound-URL policy for that URL: kept out of the schema because it
 * depends on the deployment's development setting, which a static schema cannot see.
 */
export function playUrlProblem(play: PlayInput, allowLoopback: boolean): string | null {
  const url = playFetchUrl(play);
  return url === null ? null : broadcastUrlProblem(url, allowLoopback);
}

function checkUrl(url: string | undefined, ctx: z.RefinementCtx): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an absolute http(s) URL' });
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ctx.addIssue({ code: 'custom', path: ['url'], message: 'must use http or https' });
}

function checkSsml(ssml: string, ctx: z.RefinementCtx): void {
  if (ssml.length > MAX_SSML) return; // reported by the field's own bound
  const result = XMLValidator.validate(ssml);
  if (result !== true) {
    ctx.addIssue({ code: 'custom', path: ['ssml'], message: `is not well-formed XML: ${result.err.msg} (line ${result.err.line})` });
    return;
  }
  if (!/^\s*(?:<\?xml[^>]*\?>\s*)?<speak[\s>]/.test(ssml)) ctx.addIssue({ code: 'custom', path: ['ssml'], message: 'must have a <speak> root element' });
}
