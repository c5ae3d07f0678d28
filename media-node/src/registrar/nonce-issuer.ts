/**
 * Digest nonces bound to this node and this boot, without server state:
 * `<issued-at seconds, hex>.<random, hex>.<HMAC-SHA256(key, node_id|boot|issued-at|random), base64url>`
 * (the random part makes every challenge's nonce new, so nonce counts restart at 1 without looking replayed).
 * The key is random per process, and node id and boot are in the MAC too, so a
 * nonce from another node or an earlier boot fails the check. A nonce older
 * than its lifetime is `stale` (RFC 7616 §3.3: the client may retry with a new
 * one without asking the user again). Replayed nonce counts are NonceCounts'.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'valid' | 'stale' | 'invalid';

export class NonceIssuer {
  readonly #key: Buffer;

  constructor(
    private readonly nodeId: string,
    private readonly boot: string,
    readonly lifetimeS: number,
    key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {
    this.#key = key;
  }

  issue(): string {
    const stamp = `${Math.floor(this.now() / 1000).toString(16)}.${randomBytes(6).toString('hex')}`;
    return `${stamp}.${this.#mac(stamp)}`;
  }

  check(nonce: string): NonceCheck {
    const m = /^(([0-9a-f]{1,12})\.[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/.exec(nonce);
    if (!m) return 'invalid';
    const want = Buffer.from(this.#mac(m[1]!));
    const got = Buffer.from(m[3]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    const ageS = this.now() / 1000 - parseInt(m[2]!, 16);
    if (ageS < -5) return 'invalid'; // from the future: not ours
    return ageS > this.lifetimeS ? 'stale' : 'valid';
  }

  #mac(stamp: string): string {
    return createHmac('sha256', this.#key).update(`${this.nodeId}|${this.boot}|${stamp}`).digest('base64url');
  }
}

/**
 * The highest nonce count seen per nonce (RFC 7616 §3.4: the server should
 * refuse a count it has already seen, a replay). Entries go once the nonce is
 * past its lifetime; the map is bounded so a flood cannot grow it.
 */
export class NonceCounts {
  readonly #seen = new Map<string, { nc: number; at: number }>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the count; false when it is not above the last one for this nonce. */
  accept(nonce: string, ncHex: string): boolean {
    const nc = parseInt(ncHex, 16);
    const prev = this.#seen.get(nonce);
    if (prev && nc <= prev.nc) return false;
    if (!prev && this.#seen.size >= this.max) this.#sweep();
    this.#seen.delete(nonce);
    this.#seen.set(nonce, { nc, at: this.now() });
    return true;
  }

  #sweep(): void {
    const cutoff = this.now() - this.lifetimeMs * 2;
    for (const [k, v] of this.#seen) if (v.at < cutoff) this.#seen.delete(k);
    // Still full: forget the oldest (insertion order); they re-challenge at worst.
    for (const k of this.#seen.keys()) {
      if (this.#seen.size < this.max) break;
      this.#seen.delete(k);
    }
  }
}
