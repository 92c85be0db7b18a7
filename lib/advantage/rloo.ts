/**
 * `rloo` — REINFORCE Leave-One-Out (Ahmadian et al. 2024, arXiv 2402.14740).
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`, `compute_rloo_outcome_advantage`
 * (verl 0.9.1; golden batches in test/fixtures/golden/verl_estimators/).
 *
 *   per uid u with n_u rollouts, μ_u = mean(s):
 *   A_i = n_u/(n_u−1) · (s_i − μ_u)  =  s_i − mean_{j∈u, j≠i} s_j      n_u > 1
 *   A_i = s_i                                                          n_u = 1 (unchanged score)
 *
 * Options used: none. Extra metrics: none.
 */
import { registerAdvEst } from './registry.js';
import type { AdvBatch, AdvOptions, AdvResult } from './types.js';
import { groupCountMean } from './verl_common.js';

export function computeRlooAdvantage(batch: AdvBatch, _options?: AdvOptions): AdvResult {
  const { size: n, scores, group } = batch;
  const { cnt, mean } = groupCountMean(batch);
  const adv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = cnt[group[i]];
    adv[i] = c > 1 ? ((scores[i] - mean[group[i]]) * c) / (c - 1) : scores[i];
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('rloo', computeRlooAdvantage);
