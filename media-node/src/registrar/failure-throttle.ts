/**
 * Slows down password guessing per source IP: after `maxFailures` failed
 * authentications within `windowMs`, the address is blocked until `windowMs`
 * after the failure that tripped it; while blocked, every REGISTER from it is
 * answered 403 without a credential lookup or a challenge. A success does not
 * clear earlier failures (a guesser with one good account gains nothing).
 * Bounded: at most `maxAddresses` tracked, oldest forgotten first.
 */
export class FailureThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #blockedUntil = new Map<string, number>();

  constructor(
    readonly maxFailures = 5,
    readonly windowMs = 60_000,
    private readonly maxAddresses = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(ip: string): boolean {
    const until = this.#blockedUntil.get(ip);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.#blockedUntil.delete(ip);
    return false;
  }

  /** Records a failure; true when this one blocks the address. */
  recordFailure(ip: string): boolean {
    const now = this.now();
    const recent = (this.#failures.get(ip) ?? []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    this.#failures.delete(ip);
    if (this.#failures.size >= this.maxAddresses) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(ip, recent);
    if (recent.length < this.maxFailures) return false;
    if (this.#blockedUntil.size >= this.maxAddresses) this.#blockedUntil.delete(this.#blockedUntil.keys().next().value!);
    this.#blockedUntil.set(ip, now + this.windowMs);
    this.#failures.delete(ip);
    return true;
  }
}
