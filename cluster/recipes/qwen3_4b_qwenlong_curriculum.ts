/**
 * Qwen3-4B GRPO with QwenLong-L1's progressive context scaling (GOLONGRL.md §F: phased RL with input
 * length 20K → 60K; the released QwenLong-L1 code is single-stage, the schedule is from the paper's
 * description) — a two-phase `PhasedRecipe` (lib/cluster/phases.ts) on top of `qwen3-4b-grpo`
 * (`Train/verl/examples/GoLongRL/qwen3-4B-grpo.sh`). Phase 1 trains at data.max_prompt_length 20480 on
 * the ≤20K-token train file, phase 2 at 61440 on the ≤60K file, resuming from phase 1's final checkpoint.
 * Response length (16K), batches, lr, parallelism: as the base. The step budgets (100 + 100) are ours: the
 * paper's per-phase budgets are not public. The train files are placeholders like the base's.
 */
import { phasedRecipe } from '../../lib/cluster/phases.js';
import { QWEN3_4B_GRPO } from './qwen3_4b_grpo.js';

export const QWEN3_4B_QWENLONG_CURRICULUM = phasedRecipe({
  name: 'qwen3-4b-qwenlong-curriculum',
  description: 'Qwen3-4B GRPO, QwenLong-L1 progressive context scaling: phase 1 at 20K prompts, phase 2 at 60K',
  source: 'QwenLong-L1 progressive context scaling, 20K → 60K input tokens (GOLONGRL.md §F); step budgets ours',
  base: QWEN3_4B_GRPO,
  phases: [
    { label: '20k', maxPromptLength: 1024 * 20, trainFile: '/path/to/train.le20k.jsonl', steps: 100 },
    { label: '60k', maxPromptLength: 1024 * 60, trainFile: '/path/to/train.le60k.jsonl', steps: 100 },
  ],
});
