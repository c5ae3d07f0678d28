/**
 * The version of each named prompt a broadcast plays, read from D1 once per
 * session (so a leg's play URL names the prompt as it was when the broadcast
 * first used it, and 100,000 legs cost one lookup per prompt), and the play
 * resolver built on it.
 */
import { and, eq } from 'drizzle-orm';
import type { Env } from '../../env.ts';
import { database } from '../../db/client.ts';
import { prompts } from '../../db/schema.ts';
import type { PlayInput } from '../../broadcast/play-schema.ts';
import type { PlaySpec } from '../../media-protocol/index.ts';
import { resolvePlay } from '../../media-dispatch/resolve-play.ts';

export class PromptVersions {
  readonly #versions = new Map<string, number | null>();

  constructor(
    private readonly env: Env,
    private readonly tenantId: () => string,
  ) {}

  /** A client's play object as the node's play spec (signed URLs, prompt versions). */
  resolve(play: PlayInput): Promise<PlaySpec> {
    return resolvePlay(play, this.#resolver());
  }

  #resolver() {
    const tenantId = this.tenantId();
    return {
      tenantId,
      baseUrl: this.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8787',
      secret: this.env.URL_SIGNING_SECRET,
      promptVersion: async (name: string) => {
        if (this.#versions.has(name)) return this.#versions.get(name)!;
        const row = await database(this.env.DB)
          .select({ version: prompts.version })
          .from(prompts)
          .where(and(eq(prompts.tenantId, tenantId), eq(prompts.name, name)))
          .get();
        const version = row?.version ?? null;
        this.#versions.set(name, version);
        return version;
      },
    };
  }
}
