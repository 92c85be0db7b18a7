/**
 * `reinforce_plus_plus_baseline` — REINFORCE++ with a group-mean baseline (Hu 2025, arXiv 2501.03262).
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`,
 * `compute_reinforce_plus_plus_baseline_outcome_advantage` (verl 0.9.1; golden batches in
 * test/fixtures/golden/verl_estimators/).
 *
 *   per uid u: μ_u = mean(s) (n_u = 1 → μ_u := 0);   a_i = s_i − μ_u
 *   then whitened over the whole batch's *tokens* (verl's masked_whiten, L_i = response tokens):
 *   M = Σ L_i,  μ = Σ L_i a_i/(M+1e-8),  v = Σ L_i (a_i−μ)²/(M+1e-8) · M/(M−1)
 *   A_i = (a_i − μ) / √(v + 1e-8)
 *
 * Without `responseLength` on the batch every row counts once (see verl_common.ts).
 * Options used: none. Extra metrics: none. A batch of one token (M = 1) is an error, as in verl.
 */
import { registerAdvEst } from './registry.js';
import type { AdvBatch, AdvOptions, AdvResult } from './types.js';
import { groupCountMean, maskedWhitenRows, rowTokenWeights } from './verl_common.js';

export function computeReinforcePlusPlusBaselineAdvantage(batch: AdvBatch, _options?: AdvOptions): AdvResult {
  const { size: n, scores, group } = batch;
  const weights = rowTokenWeights(batch);
  const { cnt, mean } = groupCountMean(batch);
  const adv = new Float64Array(n);
  for (let i = 0; i < n; i++) adv[i] = scores[i] - (cnt[group[i]] > 1 ? mean[group[i]] : 0);
  return { advantages: n === 0 ? adv : maskedWhitenRows(adv, weights), extraMetrics: {} };
}

registerAdvEst('reinforce_plus_plus_baseline', computeReinforcePlusPlusBaselineAdvantage);
