/**
 * Qwen3-4B, TMN-Reweight — `Train/verl/examples/GoLongRL/qwen3-4B-tmn-reweight.sh` (GOLONGRL.md §C,
 * second column; estimator §B.2): adv_estimator tmn_grpo with difficulty_reweight=True and
 * difficulty_smooth_alpha=0.8. Everything else as the shared base.
 */
import { deriveRecipe } from '../../lib/cluster/recipe.js';
import { goLongRLBase } from './base.js';

export const QWEN3_4B_TMN_REWEIGHT = deriveRecipe(
  goLongRLBase({
    name: 'qwen3-4b-tmn-reweight',
    description: 'Qwen3-4B TMN-Reweight (tmn_grpo, difficulty reweight α=0.8) on GoLongRL data',
    reference: 'qwen3-4b-tmn-reweight',
    experimentName: 'Qwen3-4B-tmn-reweight',
    modelPath: '/path/to/Qwen3-4B',
    modelLabel: 'Qwen3-4B',
  }),
  { algorithm: { advEstimator: 'tmn_grpo', difficultyReweight: true, difficultySmoothAlpha: 0.8 } },
);
