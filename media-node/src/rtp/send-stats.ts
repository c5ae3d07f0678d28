/**
 * Send-interval and lateness statistics for every RTP frame the node sends:
 * fixed-size histograms (0.1 ms buckets), so recording costs nothing at any load.
 */
const BUCKET_MS = 0.1;
const BUCKETS = 2000; // up to 200 ms

export class SendStats {
  readonly intervals = new Uint32Array(BUCKETS);
  frames = 0;
  lateOver5ms = 0;
  maxIntervalMs = 0;
  maxLatenessMs = 0;

  record(intervalMs: number | null, latenessMs: number): void {
    this.frames++;
    if (latenessMs > 5) this.lateOver5ms++;
    if (latenessMs > this.maxLatenessMs) this.maxLatenessMs = latenessMs;
    if (intervalMs === null) return;
    if (intervalMs > this.maxIntervalMs) this.maxIntervalMs = intervalMs;
    this.intervals[Math.min(BUCKETS - 1, Math.max(0, Math.round(intervalMs / BUCKET_MS)))]!++;
  }

  percentile(p: number): number {
    let total = 0;
    for (const n of this.intervals) total += n;
    if (total === 0) return 0;
    const target = Math.ceil(total * p);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.intervals[i]!;
      if (seen >= target) return i * BUCKET_MS;
    }
    return BUCKETS * BUCKET_MS;
  }

  summary() {
    return { frames: this.frames, p50_ms: this.percentile(0.5), p99_ms: this.percentile(0.99), max_ms: this.maxIntervalMs, late_over_5ms: this.lateOver5ms, max_lateness_ms: this.maxLatenessMs };
  }

  reset(): void {
    this.intervals.fill(0);
    this.frames = this.lateOver5ms = this.maxIntervalMs = this.maxLatenessMs = 0;
  }
}
