/**
 * The learned AMD engine's model file (amd-model.json beside this module,
 * written by `npm run amd:train`): the boosted trees, the decision policy
 * tuned with them, and a summary of what they were trained on. Loaded once
 * and checked against the features this code computes, so a model trained on
 * another feature set fails loudly instead of deciding on shifted inputs.
 */
import { readFileSync } from 'node:fs';
import { FEATURE_NAMES } from './call-features.ts';
import type { BoostedTrees } from './gbdt.ts';
import type { DecisionPolicy } from './model-policy.ts';

export const AMD_MODEL_FORMAT = 'crier-amd-gbdt/1';

export interface AmdModelFile {
  format: typeof AMD_MODEL_FORMAT;
  features: string[];
  policy: DecisionPolicy;
  model: BoostedTrees;
  /** What it was trained on (informational). */
  training: Record<string, unknown>;
}

export const AMD_MODEL_URL = new URL('./amd-model.json', import.meta.url);

export function parseAmdModel(text: string): AmdModelFile {
  const file = JSON.parse(text) as AmdModelFile;
  if (file.format !== AMD_MODEL_FORMAT) throw new Error(`AMD model: format ${String(file.format)}, expected ${AMD_MODEL_FORMAT}`);
  // A model trained before features were appended reads only the inputs it knows (the bench's earlier model).
  if (file.features.join(',') !== FEATURE_NAMES.slice(0, file.features.length).join(',') || file.features.length === 0) throw new Error('AMD model: trained on other features than this code computes; retrain with npm run amd:train');
  return file;
}

let cached: AmdModelFile | null = null;

/** The committed model, read on first use. */
export function defaultAmdModel(): AmdModelFile {
  cached ??= parseAmdModel(readFileSync(AMD_MODEL_URL, 'utf8'));
  return cached;
}
