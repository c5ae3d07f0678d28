/**
 * Trains the AMD engine's boosted trees: logistic loss, second-order
 * (Newton) leaves, histogram splits on per-feature quantile thresholds, fixed
 * depth, no sampling, so the same rows always give the same model. Small
 * on purpose: a few thousand rows of two dozen features train in seconds.
 */
import type { BoostedTrees, FlatTree } from '../../media-node/src/amd/gbdt.ts';
import { logOdds } from '../../media-node/src/amd/gbdt.ts';

export interface TrainingRows {
  x: Float64Array[];
  /** 1 = MACHINE */
  y: Uint8Array;
  weight: Float64Array;
}

export interface BoostOptions {
  trees: number;
  depth: number;
  learningRate: number;
  /** L2 on leaf values. */
  lambda: number;
  /** A split must leave at least this much hessian on each side. */
  minChildHessian: number;
  /** Candidate thresholds per feature. */
  bins: number;
  /** Feature indices the trees may split on (default: all). */
  allowed?: number[];
}

export const DEFAULT_BOOST: BoostOptions = { trees: 120, depth: 3, learningRate: 0.1, lambda: 1, minChildHessian: 0.3, bins: 32 };

/** Up to `bins` thresholds per feature: midpoints between distinct values at the weighted quantiles. */
function thresholds(rows: TrainingRows, feature: number, bins: number): number[] {
  const values = Float64Array.from(rows.x, (r) => r[feature]!).sort();
  const out: number[] = [];
  for (let b = 1; b < bins; b++) {
    const i = Math.floor((b * values.length) / bins);
    if (i <= 0 || i >= values.length) continue;
    const lo = values[i - 1]!;
    const hi = values[i]!;
    if (hi > lo) {
      const t = (lo + hi) / 2;
      if (out.length === 0 || t > out[out.length - 1]!) out.push(t);
    }
  }
  return out;
}

export function trainBoostedTrees(rows: TrainingRows, options: Partial<BoostOptions> = {}): BoostedTrees {
  const o = { ...DEFAULT_BOOST, ...options };
  const n = rows.x.length;
  const features = rows.x[0]?.length ?? 0;
  const allowedFeatures = o.allowed ?? Array.from({ length: features }, (_, f) => f);
  const cuts = Array.from({ length: features }, (_, f) => thresholds(rows, f, o.bins));
  // Bin index per row and feature: value <= cuts[b] first at bin b (cuts.length = above all).
  const binned = Array.from({ length: features }, (_, f) =>
    Uint8Array.from(rows.x, (r) => {
      const v = r[f]!;
      const c = cuts[f]!;
      let b = 0;
      while (b < c.length && v > c[b]!) b++;
      return b;
    }),
  );
  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    wAll += rows.weight[i]!;
    if (rows.y[i]) wPos += rows.weight[i]!;
  }
  const prior = Math.min(Math.max(wPos / wAll, 1e-6), 1 - 1e-6);
  const model: BoostedTrees = { base: Math.log(prior / (1 - prior)), trees: [] };
  const score = new Float64Array(n).fill(model.base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-score[i]!));
      const w = rows.weight[i]!;
      g[i] = w * (p - rows.y[i]!);
      h[i] = w * Math.max(p * (1 - p), 1e-6);
    }
    const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const all = Uint32Array.from({ length: n }, (_, i) => i);
    grow(tree, all, 0);
    model.trees.push(tree);
    for (let i = 0; i < n; i++) score[i]! += leafOf(tree, rows.x[i]!);
  }
  return model;

  function grow(tree: FlatTree, idx: Uint32Array, depth: number): number {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    let G = 0;
    let H = 0;
    for (const i of idx) {
      G += g[i]!;
      H += h[i]!;
    }
    tree.value.push((-G / (H + o.lambda)) * o.learningRate);
    if (depth >= o.depth) return node;
    const parentGain = (G * G) / (H + o.lambda);
    let best = { gain: 1e-9, feature: -1, bin: -1 };
    for (const f of allowedFeatures) {
      const nb = cuts[f]!.length + 1;
      if (nb < 2) continue;
      const hg = new Float64Array(nb);
      const hh = new Float64Array(nb);
      const bins = binned[f]!;
      for (const i of idx) {
        hg[bins[i]!]! += g[i]!;
        hh[bins[i]!]! += h[i]!;
      }
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += hg[b]!;
        hl += hh[b]!;
        const gr = G - gl;
        const hr = H - hl;
        if (hl < o.minChildHessian || hr < o.minChildHessian) continue;
        const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parentGain;
        if (gain > best.gain) best = { gain, feature: f, bin: b };
      }
    }
    if (best.feature < 0) return node;
    const bins = binned[best.feature]!;
    const leftIdx = idx.filter((i) => bins[i]! <= best.bin);
    const rightIdx = idx.filter((i) => bins[i]! > best.bin);
    tree.feature[node] = best.feature;
    tree.threshold[node] = cuts[best.feature]![best.bin]!;
    tree.value[node] = 0;
    tree.left[node] = grow(tree, leftIdx, depth + 1);
    tree.right[node] = grow(tree, rightIdx, depth + 1);
    return node;
  }
}

function leafOf(tree: FlatTree, x: Float64Array): number {
  let node = 0;
  while (tree.feature[node]! >= 0) node = x[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  return tree.value[node]!;
}

/** Rounds thresholds and leaves so the committed JSON stays small and diffs stay readable. */
export function roundModel(model: BoostedTrees): BoostedTrees {
  const r = (v: number) => Number(v.toPrecision(6));
  return { base: r(model.base), trees: model.trees.map((t) => ({ ...t, threshold: t.threshold.map(r), value: t.value.map(r) })) };
}

export { logOdds };
