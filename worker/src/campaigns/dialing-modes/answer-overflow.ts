/**
 * The risk model under predictive pacing: how many live answers will find no
 * agent. Answers X and agents free for them S are both sums of independent
 * coin flips (each call in flight answers with the answer rate; each agent
 * about to free does so within a ring time with some probability), so both
 * are exact convolutions of binomials, and the expected overflow
 * E[(X − S)+] is what would be abandoned if the answers came now. Exact
 * rather than a normal approximation because small teams (3–5 agents) are
 * where the approximation is worst and the swings around the target widest.
 * Upper tails below TAIL_EPSILON are cut off as they are made, so a hundred
 * agents' worth of calls costs a few thousand operations, not n².
 */

/** Probability mass too small to matter for an abandon rate. */
export const TAIL_EPSILON = 1e-12;

/** Drops the upper tail whose total mass is below TAIL_EPSILON (never the first entry). */
function trimmed(pmf: Float64Array): Float64Array {
  let end = pmf.length;
  let mass = 0;
  while (end > 1 && mass + pmf[end - 1]! < TAIL_EPSILON) mass += pmf[--end]!;
  return end === pmf.length ? pmf : pmf.subarray(0, end);
}

/** Probability mass of Binomial(n, p) over 0..n. */
export function binomialPmf(n: number, p: number): Float64Array {
  const pmf = new Float64Array(n + 1);
  if (p <= 0) {
    pmf[0] = 1;
    return pmf;
  }
  if (p >= 1) {
    pmf[n] = 1;
    return pmf;
  }
  // Multiply up from P(0) = (1 − p)^n, stopping once past the mean the terms
  // are negligible; in the log domain only if P(0) itself underflows.
  const ratio = p / (1 - p);
  const logStart = n * Math.log1p(-p);
  const start = Math.exp(logStart);
  let term = start;
  let log = logStart;
  for (let k = 0; k <= n; k++) {
    pmf[k] = start > 0 ? term : Math.exp(log);
    if (k > n * p && pmf[k]! < TAIL_EPSILON * 1e-3) return pmf.subarray(0, k + 1);
    const step = ((n - k) / (k + 1)) * ratio;
    term *= step;
    if (start === 0) log += Math.log(step);
  }
  return trimmed(pmf);
}

export function poissonBinomialPmf(chances: readonly number[]): Float64Array {
  const pmf = new Float64Array(chances.length + 1);
  pmf[0] = 1;
  let len = 1;
  for (const p of chances) {
    pmf[len] = 0;
    for (let k = len; k >= 1; k--) pmf[k] = pmf[k]! * (1 - p) + pmf[k - 1]! * p;
    pmf[0] = pmf[0]! * (1 - p);
    len++;
    while (len > 1 && pmf[len - 1]! < TAIL_EPSILON) len--;
  }
  return pmf.subarray(0, len);
}

export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j]! += ai * b[j]!;
  }
  return trimmed(out);
}

/** Adds one more call answering with probability p: X + Bernoulli(p), in O(len). */
export function addOneCall(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length + 1);
  for (let k = 0; k < x.length; k++) {
    out[k]! += x[k]! * (1 - p);
    out[k + 1]! += x[k]! * p;
  }
  return trimmed(out);
}

export function mean(pmf: Float64Array): number {
  let m = 0;
  for (let k = 0; k < pmf.length; k++) m += k * pmf[k]!;
  return m;
}

/**
 * E[(X − (base + S))+] for X with pmf `answers` and S with pmf `frees` (both
 * over 0..len−1), base an integer that may be negative (agents free now minus
 * answers already waiting).
 */
export function expectedOverflow(answers: Float64Array, base: number, frees: Float64Array): number {
  // tail[t] = E[(X − t)+] for t = 0..len, from the top down: tail[t] = tail[t+1] + P(X > t).
  const n = answers.length;
  const tail = new Float64Array(n + 1);
  let above = 0;
  for (let t = n - 1; t >= 0; t--) {
    tail[t] = tail[t + 1]! + above;
    above += answers[t]!;
  }
  const ex = tail[0]!;
  let total = 0;
  for (let s = 0; s < frees.length; s++) {
    const ps = frees[s]!;
    if (ps === 0) continue;
    const t = base + s;
    total += ps * (t <= 0 ? ex - t : t >= n ? 0 : tail[t]!);
  }
  return total;
}
