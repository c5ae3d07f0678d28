/**
 * Turns an API play object into what a media node plays (PlaySpec): a prompt
 * name becomes a signed, expiring URL to its audio plus its version (the
 * node's cache key). The Worker's public base URL is where nodes reach it.
 */
import type { PlayInput } from '../broadcast/play-schema.ts';
import type { PlaySpec } from '../media-protocol/index.ts';
import { MediaPaths } from '../media-protocol/index.ts';
import { signedUrl } from '../signed-urls/index.ts';

/** Nodes fetch a prompt when a call needs it; a day covers any broadcast's dispatch window. */
const PROMPT_URL_TTL_S = 24 * 3600;

export interface PlayResolver {
  tenantId: string;
  baseUrl: string;
  secret: string;
  /** Current version of a named prompt, or null if there is none. */
  promptVersion(name: string): Promise<number | null>;
}

export async function resolvePlay(play: PlayInput, r: PlayResolver): Promise<PlaySpec> {
  switch (play.type) {
    case 'tts':
      return { type: 'tts', text: play.text!, voice: play.voice as 'Female' | 'Male', language: play.language!, prompt_ref: play.prompt_ref };
    case 'ssml':
      return { type: 'ssml', ssml: play.ssml!, prompt_ref: play.prompt_ref };
    case 'url':
      return { type: 'url', url: play.url!, prompt_ref: play.prompt_ref };
    case 'file': {
      if (!play.prompt_name) return { type: 'url', url: play.url!, prompt_ref: play.prompt_ref };
      const version = (await r.promptVersion(play.prompt_name)) ?? 0;
      const path = `${MediaPaths.promptAudio}/${encodeURIComponent(r.tenantId)}/${encodeURIComponent(play.prompt_name)}/${version}`;
      const { url } = await signedUrl(r.secret, r.baseUrl, path, PROMPT_URL_TTL_S);
      return { type: 'prompt', prompt_name: play.prompt_name, version, fetch_url: url, prompt_ref: play.prompt_ref };
    }
  }
}
