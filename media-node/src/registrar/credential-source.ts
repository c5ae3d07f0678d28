/**
 * Where the registrar gets a user's HA1s: the Worker, through a cache that
 * keeps answers, found or not, for at most `ttlMs` (30 s by the contract), so
 * a softphone's challenge + answer and its refreshes cost one lookup, and a
 * password change or a disabled user takes effect within that time. Lookups
 * in flight for the same user are shared. Failures are not cached.
 */
import type { SipCredentialsResponse } from '../../../worker/src/media-protocol/index.ts';

export type CredentialLookup = (realm: string, username: string) => Promise<SipCredentialsResponse>;

export class CredentialSource {
  readonly #cache = new Map<string, { value: SipCredentialsResponse; at: number }>();
  readonly #inFlight = new Map<string, Promise<SipCredentialsResponse>>();

  constructor(
    private readonly lookup: CredentialLookup,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(realm: string, username: string): Promise<SipCredentialsResponse> {
    const key = `${realm.toLowerCase()}|${username}`;
    const hit = this.#cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.value);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = this.lookup(realm.toLowerCase(), username)
      .then((value) => {
        this.#cache.delete(key);
        if (this.#cache.size >= this.maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
        this.#cache.set(key, { value, at: this.now() });
        return value;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }
}
