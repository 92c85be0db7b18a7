/**
 * Qwen3-4B, plain GRPO — `Train/verl/examples/GoLongRL/qwen3-4B-grpo.sh` (GOLONGRL.md §C, first column).
 * Identical to the shared base: estimator grpo, no difficulty reweight, TP/PP/CP/EP/ETP 8/1/8/1/1.
 */
import { deepFreeze, type ClusterRecipe } from '../../lib/cluster/recipe.js';
import { goLongRLBase } from './base.js';

export const QWEN3_4B_GRPO: ClusterRecipe = deepFreeze(
  goLongRLBase({
    name: 'qwen3-4b-grpo',
    description: 'Qwen3-4B GRPO on GoLongRL data (16×8 GPUs, 160K prompt / 16K response)',
    reference: 'qwen3-4b-grpo',
    experimentName: 'Qwen3-4B-GRPO',
    modelPath: '/path/to/Qwen3-4B',
    modelLabel: 'Qwen3-4B',
  }),
);
