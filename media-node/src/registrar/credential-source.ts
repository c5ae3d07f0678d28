/**
 * Where the registrar gets a user's HA1s: the Worker, through a cache that
 * keeps answers, found or not, for at most `ttlMs` (30 s by the contract), so
 * a softphone's challenge + answer and its refreshes cost one lookup, and a
 * password change or a disabled user takes effect within that time. Lookups
 * in flight for the same user are shared. Failures are not cached.
 *
 * When the Worker cannot be asked (down, restarting, unreachable), a user
 * found before is answered from that older answer for up to `staleIfErrorMs`
 * (stale-if-error): an agent's routine refresh during a Worker restart must
 * not fail, because a softphone whose refresh fails waits 30-60 s or more
 * before trying again (re/baresip: failwait) while its binding lapses, and
 * the agent cannot be rung meanwhile. The cost: a password changed or a
 * user disabled during the outage takes effect when the Worker answers again.
 * A user never found (or not found last time) still gets the failure.
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
    private readonly staleIfErrorMs = 3_600_000,
  ) {}

  get(realm: string, username: string): Promise<SipCredentialsResponse> {
    const key = `${realm.toLowerCase()}|${username}`;
    const hit = this.#cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.value);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = this.lookup(realm.toLowerCase(), username)
      .then(
        (value) => {
          this.#cache.delete(key);
          if (this.#cache.size >= this.maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
          this.#cache.set(key, { value, at: this.now() });
          return value;
        },
        (err: unknown) => {
          // Re-read: the entry may have been evicted while the lookup ran.
          const last = this.#cache.get(key);
          if (last?.value.found && this.now() - last.at < this.staleIfErrorMs) return last.value;
          throw err;
        },
      )
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }
}
