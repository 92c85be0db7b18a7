/**
 * `opo` — On-Policy RL with Optimal reward baseline (Hao et al. 2025, arXiv 2505.23585).
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`, `compute_opo_outcome_advantage`
 * (verl 0.9.1; golden batches in test/fixtures/golden/verl_estimators/).
 *
 *   per uid u, L_i = response tokens of row i:
 *   b_u = Σ_{i∈u} L_i s_i / Σ_{i∈u} L_i        (length-weighted mean; n_u = 1 → b_u := 0)
 *   A_i = s_i − b_u
 *
 * Without `responseLength` on the batch, L_i = 1 and b_u is the plain group mean (then OPO equals
 * Dr. GRPO). Options used: none. Extra metrics: none.
 */
import { registerAdvEst } from './registry.js';
import type { AdvBatch, AdvOptions, AdvResult } from './types.js';
import { rowTokenWeights } from './verl_common.js';

export function computeOpoAdvantage(batch: AdvBatch, _options?: AdvOptions): AdvResult {
  const { size: n, scores, group, groupCount: G } = batch;
  const L = rowTokenWeights(batch);
  const cnt = new Int32Array(G);
  const num = new Float64Array(G);
  const den = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const w = L ? L[i] : 1;
    cnt[g]++;
    num[g] += w * scores[i];
    den[g] += w;
  }
  const adv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    adv[i] = scores[i] - (cnt[g] > 1 ? num[g] / den[g] : 0);
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('opo', computeOpoAdvantage);
