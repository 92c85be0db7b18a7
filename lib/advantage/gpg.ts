/**
 * `gpg` — Group Policy Gradient (Chu et al. 2025, arXiv 2504.02546).
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`, `compute_gpg_outcome_advantage`
 * (verl 0.9.1; golden batches in test/fixtures/golden/verl_estimators/).
 *
 *   α   = B / max(#{i : s_i ≠ 0}, 1)          B = rows in the batch (verl overrides its `alpha` argument)
 *   per uid u: μ_u = mean(s) (n_u = 1 → μ_u := 0)
 *   A_i = α · (s_i − μ_u) / f_norm            f_norm = `gpgFNorm`, default 1
 *
 * No division by the group std. Options used: gpgFNorm. Extra metrics: none.
 */
import { registerAdvEst } from './registry.js';
import type { AdvBatch, AdvResult } from './types.js';
import { groupCountMean, type VerlAdvOptions } from './verl_common.js';

export function computeGpgAdvantage(batch: AdvBatch, options?: VerlAdvOptions): AdvResult {
  const { size: n, scores, group } = batch;
  const fNorm = options?.gpgFNorm ?? 1;
  if (!Number.isFinite(fNorm) || fNorm === 0) throw new RangeError(`gpg: f_norm must be a finite non-zero number, got ${fNorm}`);
  let nonzero = 0;
  for (let i = 0; i < n; i++) if (scores[i] !== 0) nonzero++;
  const alpha = n / Math.max(nonzero, 1);
  const { cnt, mean } = groupCountMean(batch);
  const adv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    adv[i] = (alpha * (scores[i] - (cnt[g] > 1 ? mean[g] : 0))) / fNorm;
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('gpg', computeGpgAdvantage);
