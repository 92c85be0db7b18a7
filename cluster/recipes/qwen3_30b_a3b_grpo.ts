/**
 * Qwen3-30B-A3B (MoE), GRPO — `Train/verl/examples/GoLongRL/qwen3-30B-A3B-grpo.sh` (GOLONGRL.md §C,
 * third column): TP 4 and EP 4 instead of 8 and 1 (CP stays 8, so the per-GPU token budget is unchanged).
 */
import { deriveRecipe } from '../../lib/cluster/recipe.js';
import { goLongRLBase } from './base.js';

export const QWEN3_30B_A3B_GRPO = deriveRecipe(
  goLongRLBase({
    name: 'qwen3-30b-a3b-grpo',
    description: 'Qwen3-30B-A3B (MoE) GRPO on GoLongRL data (TP4 × EP4 × CP8)',
    reference: 'qwen3-30b-a3b-grpo',
    experimentName: 'Qwen3-30B-A3B-GoLongRL',
    modelPath: '/path/to/Qwen3-30B-A3B',
    modelLabel: 'Qwen3-30B-A3B',
  }),
  { megatron: { tp: 4, ep: 4 } },
);
