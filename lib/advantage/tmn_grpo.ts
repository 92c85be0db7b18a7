/**
 * `tmn_grpo` — Task-Mean-Normalised GRPO, with GoLongRL's optional difficulty reweight
 * ("TMN-Reweight" when `difficultyReweight` is on).
 *
 * Source: `Train/verl/verl/trainer/ppo/core_algos.py`, `compute_tmn_grpo_outcome_advantage`
 * (GoLongRL fork; see `shared/reference/GOLONGRL.md` §B.2).
 *
 * Per uid u (n_u rollouts):
 *   μ_u   = mean(s)
 *   var_u = max(E[s²] − μ_u², 0) · n_u / max(n_u − 1, 1)          (Bessel-corrected)
 *   n_u == 1  →  μ_u := 0, var_u := 1
 * Per task k (the uids whose mode is k):
 *   scale_k = √( mean_{u∈k} var_u )      — mean of per-prompt variances, not the pooled variance
 * Advantage:
 *   A_i = (s_i − μ_u) / (scale_k + ε)    normAdvByTaskScale = true (default)
 *   A_i =  s_i − μ_u                     normAdvByTaskScale = false
 *
 * Difficulty reweight (difficultyReweight; α = difficultySmoothAlpha, γ = difficultyGamma):
 *   mode_mean_k = mean_{u∈k} μ_u                      (μ_u after the n==1 → 0 override)
 *   smoothed_u  = α·μ_u + (1−α)·mode_mean_k;  n_u == 1 → smoothed_u = mode_mean_k
 *   pass_u      = #{i ∈ u : s_i > smoothed_u} / n_u
 *   w⁺_u = exp(γ(0.5 − pass_u)),  w⁻_u = exp(γ(pass_u − 0.5))
 *   A_i ×= (s_i > μ_u ? w⁺_u : w⁻_u)     — note: the *unsmoothed* μ_u picks the sign; no clamp
 *   extra metric  difficulty/mean_pass_rate = mean_u pass_u
 *
 * Details kept from the reference:
 * - a uid's task is the mode of its *last* row (`uid_mode[inv_uid] = inv_mode`, a scatter
 *   where the last write wins on CPU); each row is still scaled by its *own* row's mode,
 *   `mode_scale[inv_mode]`. Both coincide unless a uid spans several modes.
 * - a mode none of whose uids is assigned to it gets scale √0 = 0 (count clamped to 1).
 *
 * Options used: normAdvByTaskScale, difficultyReweight, difficultySmoothAlpha,
 * difficultyGamma, epsilon.
 *
 * Implementation: three passes over the rows (accumulate; count passes; write), all other
 * work is per uid or per task, in Float64Array.
 */
import { registerAdvEst } from './registry.ts';
import { resolveOptions, type AdvBatch, type AdvOptions, type AdvResult } from './types.ts';

export function computeTmnGrpoAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  const { size: n, scores, group, task, groupCount: G, taskCount: K } = batch;

  // pass 1: per-uid count, Σs, Σs², and the uid's mode (last write wins)
  const cnt = new Int32Array(G);
  const mean = new Float64Array(G);
  const sq = new Float64Array(G);
  const uidMode = new Int32Array(G);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const s = scores[i];
    cnt[g]++;
    mean[g] += s;
    sq[g] += s * s;
    uidMode[g] = task[i];
  }

  // per uid: mean and Bessel variance; per task: Σ var_u, #uids, Σ μ_u
  const modeUids = new Float64Array(K);
  const modeVar = new Float64Array(K);
  const modeMean = new Float64Array(K);
  for (let g = 0; g < G; g++) {
    const c = cnt[g];
    const k = uidMode[g];
    let m: number;
    let v: number;
    if (c <= 1) {
      m = 0;
      v = 1;
    } else {
      m = mean[g] / c;
      const pop = sq[g] / c - m * m;
      v = (pop > 0 ? pop : 0) * (c / (c - 1));
    }
    mean[g] = m;
    modeUids[k] += 1;
    modeVar[k] += v;
    modeMean[k] += m;
  }
  const denom = new Float64Array(K);
  const eps = o.epsilon;
  for (let k = 0; k < K; k++) {
    const u = modeUids[k] > 1 ? modeUids[k] : 1;
    const mv = modeVar[k] / u;
    denom[k] = o.normAdvByTaskScale ? Math.sqrt(mv > 0 ? mv : 0) + eps : 1;
    modeMean[k] /= u;
  }

  const adv = new Float64Array(n);
  const extraMetrics: Record<string, number> = {};
  if (!o.difficultyReweight) {
    for (let i = 0; i < n; i++) adv[i] = (scores[i] - mean[group[i]]) / denom[task[i]];
    return { advantages: adv, extraMetrics };
  }

  // smoothed mean per uid
  const alpha = o.difficultySmoothAlpha;
  const smoothed = sq; // reuse: Σs² is no longer needed
  for (let g = 0; g < G; g++) {
    const mm = modeMean[uidMode[g]];
    smoothed[g] = cnt[g] <= 1 ? mm : alpha * mean[g] + (1 - alpha) * mm;
  }
  // pass 2: pass counts against the smoothed mean
  const above = new Int32Array(G);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    if (scores[i] > smoothed[g]) above[g]++;
  }
  // weights per uid
  const gamma = o.difficultyGamma;
  const wPos = smoothed; // reuse again: smoothed is no longer needed
  const wNeg = new Float64Array(G);
  let passSum = 0;
  for (let g = 0; g < G; g++) {
    const pass = above[g] / (cnt[g] > 1 ? cnt[g] : 1);
    passSum += pass;
    wPos[g] = Math.exp(gamma * (0.5 - pass));
    wNeg[g] = Math.exp(gamma * (pass - 0.5));
  }
  // an empty batch (the reference would raise on it) reports no pass rate
  if (G > 0) extraMetrics['difficulty/mean_pass_rate'] = passSum / G;
  // pass 3: advantages, weighted by the sign against the unsmoothed mean
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const s = scores[i];
    const m = mean[g];
    adv[i] = ((s - m) / denom[task[i]]) * (s > m ? wPos[g] : wNeg[g]);
  }
  return { advantages: adv, extraMetrics };
}

registerAdvEst('tmn_grpo', computeTmnGrpoAdvantage);
