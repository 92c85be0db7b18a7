/**
 * `qwenlong_grpo` — task-level normalisation from QwenLong-L1.5 (Eq. 7).
 *
 * Source: `Train/verl/verl/trainer/ppo/core_algos.py`, `compute_qwenlong_task_advantage`
 * (GoLongRL fork; see `docs/reference.md` §B.3).
 *
 * Per task k, over **all rollouts** of k in the batch (uids are ignored):
 *   mean_k = Σ s / n_k
 *   var_k  = max(E[s²] − mean_k², 0) · n_k / max(n_k − 1, 1)     (unbiased)
 *   std_k  = √var_k;   n_k ≤ 1 → std_k := 1   (mean_k is kept, so that rollout's A is 0)
 *   A_i    = (s_i − mean_k) / (std_k + ε)
 *
 * Options used: epsilon. Extra metrics: none (the reference returns `{}`).
 */
import { hasExtremeScores, robustMean, robustStd, rowsByGroup, scaledDiff } from './grpo.js';
import { registerAdvEst } from './registry.js';
import { resolveOptions, type AdvBatch, type AdvOptions, type AdvResult } from './types.js';

/** The slow, overflow-free path for scores beyond ±2^480 (grpo.ts `EXTREME_SCORE`). */
function qwenlongExtreme(batch: AdvBatch, o: ReturnType<typeof resolveOptions>): AdvResult {
  const { size: n, scores, task, taskCount: K } = batch;
  const rows = rowsByGroup(task, n, K);
  const adv = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    const xs = rows[k].map((i) => scores[i]);
    const c = xs.length;
    const mu = robustMean(xs);
    const std = c <= 1 ? 1 : robustStd(xs, mu, c - 1);
    for (const i of rows[k]) adv[i] = scaledDiff(scores[i], mu, 1 / (std + o.epsilon));
  }
  return { advantages: adv, extraMetrics: {} };
}

export function computeQwenlongTaskAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  if (hasExtremeScores(batch.scores, batch.size)) return qwenlongExtreme(batch, o);
  const { size: n, scores, task, taskCount: K } = batch;
  const cnt = new Float64Array(K);
  const mean = new Float64Array(K);
  const denom = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const k = task[i];
    const s = scores[i];
    cnt[k] += 1;
    mean[k] += s;
    denom[k] += s * s;
  }
  for (let k = 0; k < K; k++) {
    const c = cnt[k] > 1 ? cnt[k] : 1;
    const m = mean[k] / c;
    const pop = denom[k] / c - m * m;
    const std = cnt[k] <= 1 ? 1 : Math.sqrt((pop > 0 ? pop : 0) * (cnt[k] / (cnt[k] - 1)));
    mean[k] = m;
    denom[k] = std + o.epsilon;
  }
  const adv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = task[i];
    adv[i] = (scores[i] - mean[k]) / denom[k];
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('qwenlong_grpo', computeQwenlongTaskAdvantage);
