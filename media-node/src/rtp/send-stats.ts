/**
 * Send-interval and lateness statistics for every RTP frame the node sends,
 * plus the frames it skipped after a stall: fixed-size histograms (0.1 ms
 * buckets), so recording costs nothing at any load.
 */
const BUCKET_MS = 0.1;
const BUCKETS = 2000; // up to 200 ms

function bucket(ms: number): number {
  return Math.min(BUCKETS - 1, Math.max(0, Math.round(ms / BUCKET_MS)));
}

function percentileOf(histogram: Uint32Array, p: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  if (total === 0) return 0;
  const target = Math.ceil(total * p);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i]!;
    if (seen >= target) return i * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

export class SendStats {
  readonly intervals = new Uint32Array(BUCKETS);
  readonly lateness = new Uint32Array(BUCKETS);
  frames = 0;
  lateOver5ms = 0;
  /** Frames not sent because they were more than MAX_LAG_MS overdue. */
  skipped = 0;
  /** Frames the kernel refused (socket buffer full): lost like on a congested network. */
  sendFailed = 0;
  maxIntervalMs = 0;
  maxLatenessMs = 0;

  record(intervalMs: number | null, latenessMs: number): void {
    this.frames++;
    if (latenessMs > 5) this.lateOver5ms++;
    if (latenessMs > this.maxLatenessMs) this.maxLatenessMs = latenessMs;
    this.lateness[bucket(latenessMs)]!++;
    if (intervalMs === null) return;
    if (intervalMs > this.maxIntervalMs) this.maxIntervalMs = intervalMs;
    this.intervals[bucket(intervalMs)]!++;
  }

  recordSendFailure(): void {
    this.sendFailed++;
  }

  recordSkipped(frames: number): void {
    this.skipped += frames;
  }

  percentile(p: number): number {
    return percentileOf(this.intervals, p);
  }

  latenessPercentile(p: number): number {
    return percentileOf(this.lateness, p);
  }

  summary() {
    return {
      frames: this.frames,
      p50_ms: this.percentile(0.5),
      p99_ms: this.percentile(0.99),
      max_ms: this.maxIntervalMs,
      late_over_5ms: this.lateOver5ms,
      lateness_p99_ms: this.latenessPercentile(0.99),
      max_lateness_ms: this.maxLatenessMs,
      skipped: this.skipped,
      send_failed: this.sendFailed,
    };
  }

  reset(): void {
    this.intervals.fill(0);
    this.lateness.fill(0);
    this.frames = this.lateOver5ms = this.skipped = this.sendFailed = this.maxIntervalMs = this.maxLatenessMs = 0;
  }
}
