/**
 * `tmn_grpo` — Task-Mean-Normalised GRPO, with GoLongRL's optional difficulty reweight
 * ("TMN-Reweight" when `difficultyReweight` is on).
 *
 * Source: `Train/verl/verl/trainer/ppo/core_algos.py`, `compute_tmn_grpo_outcome_advantage`
 * (GoLongRL fork; see `docs/reference.md` §B.2).
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
 * Implementation (Float64Array throughout; measured in docs/advantages.md § Performance):
 * - per-uid state is *packed*, four doubles per uid (`[Σs, Σs², n, mode]`, then
 *   `[μ, smoothed, n, mode]`, on the general path `[μ, ½w⁺, n, ½w⁻]`), so a row touches one cache line of uid state
 *   instead of four arrays — what matters when the rows are shuffled and the uid tables
 *   do not fit in L2.
 * - pass 1 walks runs of equal uid (verl lays a prompt's rollouts out contiguously),
 *   accumulates each run in registers and flushes once per run: a row-by-row scatter
 *   `sum[g] += s` onto the same g would be a store→load dependency chain. (Within a run
 *   the additions are in row order, so the sums are bit-identical to a row-by-row
 *   scatter.) If the runs turn out short (shuffled rows), it switches to the plain scatter.
 * - fast path, when every uid is one contiguous run: one fused pass per run counts the
 *   pass rate (its rows still in L1), derives the weights and writes the advantages.
 *   Otherwise (interleaved uids, or a uid spanning modes): a counting pass, then a
 *   writing pass, row by row.
 * - the pass count is summed as `+(s > smoothed)`, which compiles branch-free (an `if`
 *   mispredicts half the time on binary rewards and costs ~3× more); the sign select is
 *   branch-free too:  d·(s > μ ? c⁺ : c⁻) = (d+|d|)·½c⁺ + (d−|d|)·½c⁻,  d = s − μ
 *   (exact: one term is 0). Advantages are computed as d·c with c = w/(scale+ε), at most
 *   an ulp or two from the reference's (d/(scale+ε))·w.
 */
import { hasExtremeScores, robustMean, robustStd, rowsByGroup, scaledDiff } from './grpo.js';
import { registerAdvEst } from './registry.js';
import { resolveOptions, type AdvBatch, type AdvOptions, type AdvResult } from './types.js';

/**
 * Pass 1: U[4g…4g+3] += [Σs, Σs², n] and U[4g+3] = mode of the uid's last row.
 * Walks runs of equal uid, summing each run in registers and flushing it once. If the
 * first 1024 runs average under 4 rows (shuffled rows), it finishes with a plain
 * row-by-row scatter instead. Returns true when every uid is one run of one mode.
 */
function accumulate(n: number, scores: Float64Array, group: Int32Array, task: Int32Array, U: Float64Array): boolean {
  let oneRunPerUid = true;
  let runs = 0;
  let i = 0;
  while (i < n) {
    const g = group[i];
    const t = task[i];
    let j = i + 1;
    while (j < n && group[j] === g) j++;
    let acc = 0;
    let acc2 = 0;
    let modes = 0; // ≠ 0 when the run spans several modes
    for (let k = i; k < j; k++) {
      const s = scores[k];
      acc += s;
      acc2 += s * s;
      modes |= task[k] ^ t;
    }
    const b = g << 2;
    if (U[b + 2] !== 0 || modes !== 0) oneRunPerUid = false;
    U[b] += acc;
    U[b + 1] += acc2;
    U[b + 2] += j - i;
    U[b + 3] = task[j - 1]; // last write wins
    i = j;
    if (++runs === 1024 && i < 4 * runs) break; // short runs: switch to the row scatter
  }
  if (i < n) oneRunPerUid = false;
  for (; i < n; i++) {
    const b = group[i] << 2;
    const s = scores[i];
    U[b] += s;
    U[b + 1] += s * s;
    U[b + 2] += 1;
    U[b + 3] = task[i]; // last write wins
  }
  return oneRunPerUid;
}

/** The slow, overflow-free path for scores beyond ±2^480 (grpo.ts `EXTREME_SCORE`); same formulas. */
function tmnExtreme(batch: AdvBatch, o: ReturnType<typeof resolveOptions>): AdvResult {
  const { size: n, scores, group, task, groupCount: G, taskCount: K } = batch;
  const rows = rowsByGroup(group, n, G);
  const mu = new Float64Array(G);
  const std = new Float64Array(G); // √var_u, so that the task mean of var_u can be taken scaled
  const modeOf = new Int32Array(G);
  const byMode: number[][] = Array.from({ length: K }, () => []);
  for (let g = 0; g < G; g++) {
    const xs = rows[g].map((i) => scores[i]);
    const c = xs.length;
    modeOf[g] = task[rows[g][c - 1]]; // the mode of the uid's last row
    if (c <= 1) {
      mu[g] = 0;
      std[g] = 1;
    } else {
      mu[g] = robustMean(xs);
      std[g] = robustStd(xs, mu[g], c - 1);
    }
    byMode[modeOf[g]].push(g);
  }
  const inv = new Float64Array(K);
  const modeMean = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const us = byMode[k];
    const S = Math.max(0, ...us.map((g) => std[g]));
    let acc = 0;
    if (S > 0) for (const g of us) acc += (std[g] / S) * (std[g] / S);
    const scale = S > 0 ? Math.sqrt(acc / Math.max(us.length, 1)) * S : 0;
    inv[k] = o.normAdvByTaskScale ? 1 / (scale + o.epsilon) : 1;
    modeMean[k] = robustMean(us.map((g) => mu[g]));
  }
  const adv = new Float64Array(n);
  let passSum = 0;
  for (let g = 0; g < G; g++) {
    let wp = 1;
    let wn = 1;
    if (o.difficultyReweight) {
      const c = rows[g].length;
      const mm = modeMean[modeOf[g]];
      const sm = c <= 1 ? mm : o.difficultySmoothAlpha * mu[g] + (1 - o.difficultySmoothAlpha) * mm;
      const pass = rows[g].filter((i) => scores[i] > sm).length / (c > 1 ? c : 1);
      passSum += pass;
      wp = Math.exp(o.difficultyGamma * (0.5 - pass));
      wn = Math.exp(o.difficultyGamma * (pass - 0.5));
    }
    for (const i of rows[g]) {
      const s = scores[i];
      adv[i] = scaledDiff(s, mu[g], inv[task[i]] * (s > mu[g] ? wp : wn));
    }
  }
  const extraMetrics: Record<string, number> = {};
  if (o.difficultyReweight && G > 0) extraMetrics['difficulty/mean_pass_rate'] = passSum / G;
  return { advantages: adv, extraMetrics };
}

export function computeTmnGrpoAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  if (hasExtremeScores(batch.scores, batch.size)) return tmnExtreme(batch, o);
  const { size: n, scores, group, task, groupCount: G, taskCount: K } = batch;
  const reweight = o.difficultyReweight;
  const alpha = o.difficultySmoothAlpha;
  const gamma = o.difficultyGamma;

  // pass 1: U[4g…4g+3] = [Σs, Σs², n, mode of the uid's last row]
  const U = new Float64Array(4 * G);
  const oneRunPerUid = accumulate(n, scores, group, task, U);

  // per uid: μ_u and Bessel var_u (singleton: 0 and 1); per task: #uids, Σ var_u, Σ μ_u.
  // U is rewritten in place to [μ, Σs² (spent), n, mode].
  const modeUids = new Float64Array(K);
  const modeVar = new Float64Array(K);
  const modeMean = new Float64Array(K);
  for (let g = 0; g < G; g++) {
    const b = g << 2;
    const c = U[b + 2];
    const k = U[b + 3];
    let m: number;
    let v: number;
    if (c <= 1) {
      m = 0;
      v = 1;
    } else {
      m = U[b] / c;
      const pop = U[b + 1] / c - m * m;
      v = (pop > 0 ? pop : 0) * (c / (c - 1));
    }
    U[b] = m;
    modeUids[k] += 1;
    modeVar[k] += v;
    modeMean[k] += m;
  }
  // per task: 1 / (scale_k + ε), or 1 when not normalising; mode_mean_k
  const inv = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const u = modeUids[k] > 1 ? modeUids[k] : 1;
    const mv = modeVar[k] / u;
    inv[k] = o.normAdvByTaskScale ? 1 / (Math.sqrt(mv > 0 ? mv : 0) + o.epsilon) : 1;
    modeMean[k] /= u;
  }
  // smoothed mean per uid → U[4g+1]
  if (reweight) {
    for (let g = 0; g < G; g++) {
      const b = g << 2;
      const mm = modeMean[U[b + 3]];
      U[b + 1] = U[b + 2] <= 1 ? mm : alpha * U[b] + (1 - alpha) * mm;
    }
  }

  const adv = new Float64Array(n);
  let passSum = 0;
  if (oneRunPerUid) {
    // fast path: uid g is the contiguous run [i, i + n_g), all of one mode
    for (let i = 0; i < n; ) {
      const b = group[i] << 2;
      const c = U[b + 2];
      const hi = i + c;
      const m = U[b];
      const ci = inv[task[i]];
      if (!reweight) {
        for (let j = i; j < hi; j++) adv[j] = (scores[j] - m) * ci;
      } else {
        const sm = U[b + 1];
        let above = 0;
        for (let j = i; j < hi; j++) above += +(scores[j] > sm);
        const pass = above / c;
        passSum += pass;
        const hp = 0.5 * ci * Math.exp(gamma * (0.5 - pass));
        const hn = 0.5 * ci * Math.exp(gamma * (pass - 0.5));
        for (let j = i; j < hi; j++) {
          const d = scores[j] - m;
          const a = Math.abs(d);
          adv[j] = (d + a) * hp + (d - a) * hn;
        }
      }
      i = hi;
    }
  } else if (!reweight) {
    for (let i = 0; i < n; i++) adv[i] = (scores[i] - U[group[i] << 2]) * inv[task[i]];
  } else {
    // general path. Counting pass: pass counts go to U[4g+3] (the mode is no longer needed).
    for (let g = 0; g < G; g++) U[(g << 2) + 3] = 0;
    for (let i = 0; i < n; i++) {
      const b = group[i] << 2;
      U[b + 3] += +(scores[i] > U[b + 1]);
    }
    // U → [μ, ½w⁺, n, ½w⁻]
    for (let g = 0; g < G; g++) {
      const b = g << 2;
      const c = U[b + 2];
      const pass = U[b + 3] / (c > 1 ? c : 1);
      passSum += pass;
      U[b + 1] = 0.5 * Math.exp(gamma * (0.5 - pass));
      U[b + 3] = 0.5 * Math.exp(gamma * (pass - 0.5));
    }
    // writing pass; each row is scaled by its own row's mode
    for (let i = 0; i < n; i++) {
      const b = group[i] << 2;
      const c = inv[task[i]];
      const d = scores[i] - U[b];
      const a = Math.abs(d);
      adv[i] = (d + a) * (U[b + 1] * c) + (d - a) * (U[b + 3] * c);
    }
  }
  const extraMetrics: Record<string, number> = {};
  // an empty batch (the reference would raise on it) reports no pass rate
  if (reweight && G > 0) extraMetrics['difficulty/mean_pass_rate'] = passSum / G;
  return { advantages: adv, extraMetrics };
}

registerAdvEst('tmn_grpo', computeTmnGrpoAdvantage);
