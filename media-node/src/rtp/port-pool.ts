/** Even RTP ports from the configured range (RTCP would take the odd one above). */
export class PortPoolExhausted extends Error {
  constructor() {
    super('no free RTP port in the configured range');
    this.name = 'PortPoolExhausted';
  }
}

export class PortPool {
  readonly #free: number[] = [];
  readonly #used = new Set<number>();

  constructor(min: number, max: number) {
    for (let p = min % 2 === 0 ? min : min + 1; p <= max; p += 2) this.#free.push(p);
  }

  get available(): number {
    return this.#free.length;
  }

  take(): number {
    const port = this.#free.shift();
    if (port === undefined) throw new PortPoolExhausted();
    this.#used.add(port);
    return port;
  }

  release(port: number): void {
    if (this.#used.delete(port)) this.#free.push(port);
  }
}
