/**
 * The cluster recipe registry: the three GoLongRL reference runs (GOLONGRL.md §C) by name, and the phased
 * recipes (lib/cluster/phases.ts: one job per phase) by name in `PHASED_RECIPES`.
 * `getClusterRecipe(name)` throws listing the valid names.
 */
import type { PhasedRecipe } from '../../lib/cluster/phases.js';
import type { ClusterRecipe } from '../../lib/cluster/recipe.js';
import { QWEN3_30B_A3B_GRPO } from './qwen3_30b_a3b_grpo.js';
import { QWEN3_4B_GRPO } from './qwen3_4b_grpo.js';
import { QWEN3_4B_QWENLONG_CURRICULUM } from './qwen3_4b_qwenlong_curriculum.js';
import { QWEN3_4B_TMN_REWEIGHT } from './qwen3_4b_tmn_reweight.js';

export const CLUSTER_RECIPES: Readonly<Record<string, ClusterRecipe>> = Object.freeze({
  'qwen3-4b-grpo': QWEN3_4B_GRPO,
  'qwen3-4b-tmn-reweight': QWEN3_4B_TMN_REWEIGHT,
  'qwen3-30b-a3b-grpo': QWEN3_30B_A3B_GRPO,
});

/** Multi-phase recipes (a job per phase, chained): `golongrl submit NAME` submits the whole chain. */
export const PHASED_RECIPES: Readonly<Record<string, PhasedRecipe>> = Object.freeze({
  'qwen3-4b-qwenlong-curriculum': QWEN3_4B_QWENLONG_CURRICULUM,
});

export function getPhasedRecipe(name: string): PhasedRecipe | undefined {
  return Object.prototype.hasOwnProperty.call(PHASED_RECIPES, name) ? PHASED_RECIPES[name] : undefined;
}

export function getClusterRecipe(name: string): ClusterRecipe {
  const r = Object.prototype.hasOwnProperty.call(CLUSTER_RECIPES, name) ? CLUSTER_RECIPES[name] : undefined;
  if (!r) throw new Error(`unknown cluster recipe '${name}' (known: ${Object.keys(CLUSTER_RECIPES).join(', ')})`);
  return r;
}

export { REFERENCE_SCRIPTS, REFERENCE_COMMIT, type ReferenceScript } from './reference.js';
