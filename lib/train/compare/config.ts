/**
 * What the main job runs by default: the two estimators, the RL budget on top of a recipe and the
 * base model's SFT budget (docs/training.md, "The base model" and "Sizing the main job").
 *
 * Nothing here was chosen by which estimator wins. The base budget was sized from the task
 * definitions and the base's own held-out scores (families between "never" and "always"); the RL
 * budget by the time limit (< 5 min on 2 cores).
 */
import { ESTIMATOR_CONFIGS, type EstimatorConfig } from '../../advantage/compare.js';
import type { SftConfig } from '../sft.js';
import { referenceWeightDecay } from '../adam.js';
import type { TrainConfig } from '../trainer.js';

/** GRPO (A) against TMN-Reweight (B: tmn_grpo, difficulty reweight, α = 0.8). */
export const COMPARE_CONFIGS: readonly EstimatorConfig[] = ['GRPO', 'TMN-Reweight'].map((l) => ESTIMATOR_CONFIGS.find((c) => c.label === l)!);

export interface ComparePlan {
  /** Overrides of the recipe's TrainConfig for the RL runs. */
  train: Partial<TrainConfig>;
  /** The base model's SFT budget. */
  baseSft: SftConfig;
  /** Default seeds. */
  seeds: number[];
}

/** Per recipe: the RL overrides and the base budget `golongrl compare` uses (recipes not listed: the recipe as is, base of 50 SFT steps). */
export const COMPARE_PLANS: Readonly<Record<string, ComparePlan>> = {
  'sample-suite': {
    // RL from the base: 8 responses per prompt (GoLongRL uses 16; per CPU second 8 learns as much here),
    // 18 prompt groups per update from generation batches of 36 (dynamic sampling), 120 steps; lr 3e-3
    // with the recipe's 5-step warm-up. Weight decay keeps GoLongRL's per-step shrinkage lr·wd
    // (2e-6 · 0.1 = 2e-7): at this lr, wd 0.1 would shrink the base's weights 1,500× faster per step than
    // the reference does, and measurably erodes what the base knows (docs/training.md).
    train: { steps: 120, n: 8, promptsPerStep: 18, genBatchPrompts: 36, lr: 3e-3, lrWarmupSteps: 5, weightDecay: referenceWeightDecay(3e-3), saveFreq: 40, evalPromptsPerFamily: 16 },
    // 2000 SFT steps × 32 responses, lr 6e-3 with 50 warm-up steps and cosine decay to 6e-4, on a corpus
    // in which half the demonstrations are plain answers without `</think>` (formatNoise 0.5: the style
    // coin with the most variance, so that nearly every group of rollouts mixes format passes and
    // failures — the regime where group-relative advantages act). See docs/training.md, "The base model".
    baseSft: { steps: 2000, lr: 6e-3, promptsPerStep: 32, warmupSteps: 50, decay: 'cosine', minLrRatio: 0.1, formatNoise: 0.5 },
    seeds: [1, 2, 3, 4, 5],
  },
  tiny: {
    train: { steps: 3, saveFreq: 2 },
    baseSft: { steps: 10, lr: 3e-2, promptsPerStep: 8 },
    seeds: [1, 2],
  },
};

export function comparePlan(recipe: string): ComparePlan {
  return COMPARE_PLANS[recipe] ?? { train: {}, baseSft: { steps: 50, lr: 3e-3, promptsPerStep: 16 }, seeds: [1, 2, 3, 4, 5] };
}
