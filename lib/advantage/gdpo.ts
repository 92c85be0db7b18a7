/**
 * `gdpo` — Group reward-Decoupled normalisation Policy Optimization (arXiv 2601.05242): normalise
 * each reward component within its group *before* summing, so a dominant component cannot drown
 * the others; then whiten the sum over the batch.
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`, `compute_gdpo_outcome_advantage`
 * (verl 0.9.1; golden batches in test/fixtures/golden/verl_estimators/).
 *
 *   components r^(k), k = 1…K (verl: `algorithm.gdpo_reward_keys`, each a key the reward function
 *   returns; here `batch.components`, see verl_common.ts); without components K = 1, r^(1) = s.
 *   1. per component, verl's GRPO within each uid u:
 *        Â^(k)_i = (r^(k)_i − μ^(k)_u) / (σ^(k)_u + ε)     (normAdvByStd; else without the division)
 *        n_u = 1 → μ := 0, σ := 1
 *   2. weighted sum:  A_i = Σ_k w_k Â^(k)_i               (w = `gdpoRewardWeights`, default 1)
 *   3. whiten over tokens (verl's masked_whiten, L_i = response tokens; absent → 1 per row):
 *        A_i ← (A_i − μ) / √(v + 1e-8),  μ, v token-weighted as in reinforce_pp_baseline.ts
 *
 * Options used: normAdvByStd, epsilon, gdpoRewardWeights. Extra metrics: none.
 */
import { registerAdvEst } from './registry.js';
import { resolveOptions, type AdvBatch, type AdvResult } from './types.js';
import { groupCountMean, groupStd, maskedWhitenRows, rowTokenWeights, type VerlAdvBatch, type VerlAdvOptions } from './verl_common.js';

export function computeGdpoAdvantage(batch: AdvBatch, options?: VerlAdvOptions): AdvResult {
  const o = resolveOptions(options);
  const { size: n, group } = batch;
  const comps = (batch as VerlAdvBatch).components;
  const columns = comps ? comps.values : [batch.scores];
  if (comps && comps.names.length !== comps.values.length) throw new RangeError('gdpo: components.names and components.values differ in length');
  for (let k = 0; k < columns.length; k++) {
    if (columns[k].length !== n) throw new RangeError(`gdpo: component '${comps?.names[k] ?? 'score'}' has ${columns[k].length} values for ${n} rows`);
  }
  const w = options?.gdpoRewardWeights;
  if (w !== undefined && w.length !== columns.length) {
    throw new RangeError(`gdpo: ${w.length} reward weights for ${columns.length} components (${comps ? comps.names.join(', ') : 'score'})`);
  }
  const weights = rowTokenWeights(batch);
  const adv = new Float64Array(n);
  columns.forEach((r, k) => {
    const wk = w ? w[k] : 1;
    const { cnt, mean } = groupCountMean(batch, r);
    const std = o.normAdvByStd ? groupStd(batch, r, cnt, mean) : null;
    for (let i = 0; i < n; i++) {
      const g = group[i];
      const single = cnt[g] === 1;
      const d = r[i] - (single ? 0 : mean[g]);
      adv[i] += wk * (std ? d / ((single ? 1 : std[g]) + o.epsilon) : d);
    }
  });
  return { advantages: n === 0 ? adv : maskedWhitenRows(adv, weights), extraMetrics: {} };
}

registerAdvEst('gdpo', computeGdpoAdvantage);
