/**
 * Inference for the learned AMD engine's model: a gradient-boosted ensemble of
 * small regression trees over CallFeatures, summed into a log-odds of
 * MACHINE. Trees are flat arrays (node i: feature, threshold, children, leaf
 * value) so evaluation is a few dozen comparisons and no allocation.
 * Training lives in scripts/amd/ (never at run time).
 */
export interface FlatTree {
  /** Feature index per node; -1 marks a leaf. */
  feature: number[];
  /** Go left when x[feature] <= threshold. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf contribution to the log-odds (0 for inner nodes). */
  value: number[];
}

export interface BoostedTrees {
  base: number;
  trees: FlatTree[];
}

export function logOdds(model: BoostedTrees, x: ArrayLike<number>): number {
  let sum = model.base;
  for (const tree of model.trees) {
    let node = 0;
    while (tree.feature[node]! >= 0) node = x[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
    sum += tree.value[node]!;
  }
  return sum;
}

/** P(MACHINE | features). */
export function machineProbability(model: BoostedTrees, x: ArrayLike<number>): number {
  return 1 / (1 + Math.exp(-logOdds(model, x)));
}
