/**
 * `grpo` — group-relative advantage (GRPO; Dr.GRPO when not std-normalised).
 *
 * Source: `Train/verl/verl/trainer/ppo/core_algos.py`, `compute_grpo_outcome_advantage`
 * (GoLongRL fork; see `shared/reference/GOLONGRL.md` §B.1).
 *
 *   per uid u with n_u rollouts:  μ_u = mean(s),  σ_u = std(s) (unbiased, n−1)
 *                                 n_u == 1  →  μ_u := 0, σ_u := 1
 *   A_i = (s_i − μ_u) / (σ_u + ε)        normAdvByStd = true (default)
 *   A_i =  s_i − μ_u                     normAdvByStd = false (Dr.GRPO)
 *
 * Difficulty reweight (`difficultyReweight`, default off; NOT reachable from the trainer,
 * whose GRPO branch calls this function without the flag):
 *
 *   pass_u = #{i ∈ u : v_i > μ_u} / n_u,   n_u ≤ 1 → 0.5
 *   A_i ×= clamp(exp(γ·(0.5 − pass_u)), 1, 2)     only where A_i > 0
 *
 * Reference quirk kept here: the reference collects each group's scores as 0-d *views*
 * into the score tensor (`id2score[idx].append(scores[i])`), then overwrites that tensor
 * in place with the advantages. So when the pass rate is counted, v_i is the already
 * normalised advantage A_i, not the raw score s_i, compared against the raw mean μ_u.
 * (The code comment claims "sign > 0 is equivalent to score > mean", but the comparison
 * is with μ_u, not 0.) The golden vectors confirm this reading.
 *
 * Options used: normAdvByStd, difficultyReweight, difficultyGamma, epsilon.
 * Extra metrics: none (the reference returns a 2-tuple).
 */
import { registerAdvEst } from './registry.js';
import { resolveOptions, type AdvBatch, type AdvOptions, type AdvResult } from './types.js';

export function computeGrpoAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  const { size: n, scores, group, groupCount: G } = batch;
  const cnt = new Int32Array(G);
  const mean = new Float64Array(G);
  // pass 1: counts and sums
  for (let i = 0; i < n; i++) {
    const g = group[i];
    cnt[g]++;
    mean[g] += scores[i];
  }
  for (let g = 0; g < G; g++) mean[g] = cnt[g] > 1 ? mean[g] / cnt[g] : 0;
  // pass 2: centred sums Σd and Σd², d = s − mean (the "corrected two-pass" algorithm:
  // the mean is refined by Σd/n and the variance is (Σd² − (Σd)²/n)/(n−1), so a
  // zero-variance group gets exactly mean = s and std = 0, hence advantage exactly 0)
  const dsum = new Float64Array(G);
  const denom = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const d = scores[i] - mean[g];
    dsum[g] += d;
    denom[g] += d * d;
  }
  const eps = o.epsilon;
  for (let g = 0; g < G; g++) {
    const c = cnt[g];
    if (c > 1) {
      const ds = dsum[g];
      mean[g] += ds / c;
      const ss = denom[g] - (ds * ds) / c;
      denom[g] = Math.sqrt(ss > 0 ? ss / (c - 1) : 0) + eps;
    } else denom[g] = 1 + eps;
  }
  // pass 3: advantages
  const adv = new Float64Array(n);
  if (o.normAdvByStd) {
    for (let i = 0; i < n; i++) {
      const g = group[i];
      adv[i] = (scores[i] - mean[g]) / denom[g];
    }
  } else {
    for (let i = 0; i < n; i++) adv[i] = scores[i] - mean[group[i]];
  }

  if (o.difficultyReweight) {
    // pass_u counts advantages (not raw scores) above the raw mean: see the quirk above.
    const above = new Int32Array(G);
    for (let i = 0; i < n; i++) {
      const g = group[i];
      if (adv[i] > mean[g]) above[g]++;
    }
    const weight = new Float64Array(G);
    const gamma = o.difficultyGamma;
    for (let g = 0; g < G; g++) {
      const pass = cnt[g] <= 1 ? 0.5 : above[g] / cnt[g];
      const w = Math.exp(gamma * (0.5 - pass));
      weight[g] = w < 1 ? 1 : w > 2 ? 2 : w;
    }
    for (let i = 0; i < n; i++) if (adv[i] > 0) adv[i] *= weight[group[i]];
  }
  return { advantages: adv, extraMetrics: {} };
}

registerAdvEst('grpo', computeGrpoAdvantage);
