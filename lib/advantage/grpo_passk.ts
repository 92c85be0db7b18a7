/**
 * `grpo_passk` — GRPO for pass@k (Chen et al. 2025, arXiv 2503.19595): only each group's best
 * response gets an advantage.
 *
 * Source: upstream verl `verl/trainer/ppo/core_algos.py`, `compute_grpo_passk_outcome_advantage`
 * (verl 0.9.1; golden batches in test/fixtures/golden/verl_estimators/).
 *
 *   per uid u (n_u ≥ 2 required; a single-row group is an error, as in verl):
 *   i* = argmax_{i∈u} s_i,  r₁ = s_{i*},  r₂ = the second-largest score (a tie gives r₂ = r₁)
 *   A_{i*} = (r₁ − r₂) / (σ_u + ε)     normAdvByStd = true (default; σ_u = unbiased std)
 *   A_{i*} =  r₁ − r₂                  normAdvByStd = false
 *   A_i    = 0                         every other row
 * Which row is i* among tied maxima does not matter: then r₁ − r₂ = 0. We take the first.
 *
 * Options used: normAdvByStd, epsilon. Extra metrics: none.
 */
import { registerAdvEst } from './registry.js';
import { resolveOptions, type AdvBatch, type AdvOptions, type AdvResult } from './types.js';
import { groupCountMean, groupStd } from './verl_common.js';

export function computeGrpoPasskAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  const { size: n, scores, group, groupCount: G } = batch;
  const { cnt, mean } = groupCountMean(batch);
  for (let g = 0; g < G; g++) {
    if (cnt[g] === 1) {
      throw new RangeError(`grpo_passk: pass@k requires at least 2 samples per group; group '${batch.uids[g] ?? g}' has 1`);
    }
  }
  const best = new Int32Array(G).fill(-1);
  const r1 = new Float64Array(G).fill(-Infinity);
  const r2 = new Float64Array(G).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const s = scores[i];
    if (s > r1[g]) {
      r2[g] = r1[g];
      r1[g] = s;
      best[g] = i;
    } else if (s > r2[g]) r2[g] = s;
  }
  const std = o.normAdvByStd ? groupStd(batch, scores, cnt, mean) : null;
  const adv = new Float64Array(n);
  for (let g = 0; g < G; g++) {
    if (best[g] < 0) continue;
    const a = r1[g] - r2[g];
    adv[best[g]] = std ? a / (std[g] + o.epsilon) : a;
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('grpo_passk', computeGrpoPasskAdvantage);
