/**
 * `grpo` — group-relative advantage (GRPO; Dr.GRPO when not std-normalised).
 *
 * Source: `Train/verl/verl/trainer/ppo/core_algos.py`, `compute_grpo_outcome_advantage`
 * (GoLongRL fork; see `docs/reference.md` §B.1).
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

/**
 * Extreme scores. When some |s| > 2^480 (e.g. ±1e308), squares and sums overflow to ±∞ and NaN (printed as
 * `null`), and through task-level sums (tmn_grpo, qwenlong_grpo) that reaches the OTHER groups of the task.
 * Such batches take a slower path that computes each mean and deviation in its own scaled unit: values are
 * divided by a power of two near their largest magnitude (exact), summed, and scaled back — the same
 * formulas, finite wherever the true value is representable, equal to the fast path to a few ulps where
 * both are finite. Batches without such scores (every real reward) never take it.
 */
export const EXTREME_SCORE = 2 ** 480;

export function hasExtremeScores(scores: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const a = Math.abs(scores[i]);
    if (a > EXTREME_SCORE && a !== Infinity) return true;
  }
  return false;
}

/** The power of two ≥ max|x| (1 when all are 0), for exact scaling. */
function pow2Above(xs: readonly number[]): number {
  let m = 0;
  for (const x of xs) if (Math.abs(x) > m) m = Math.abs(x);
  return m > 0 && Number.isFinite(m) ? 2 ** Math.min(1023, Math.ceil(Math.log2(m))) : 1;
}

/** Mean of `xs` without overflow (scaled by a power of two). */
export function robustMean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const M = pow2Above(xs);
  let s = 0;
  for (const x of xs) s += x / M;
  return (s / xs.length) * M;
}

/** √(Σ(x − μ)² / div) without overflow, two-pass, scaled. */
export function robustStd(xs: readonly number[], mu: number, div: number): number {
  const d = xs.map((x) => x / 2 - mu / 2); // halves: x − μ itself may overflow
  const M = pow2Above(d);
  let ss = 0;
  for (const x of d) ss += (x / M) * (x / M);
  return Math.sqrt(ss / div) * M * 2;
}

/** (s − μ) · c without overflow in s − μ. */
export function scaledDiff(s: number, mu: number, c: number): number {
  const d = s - mu;
  return Number.isFinite(d) ? d * c : (s / 2 - mu / 2) * c * 2;
}

/** Rows of each group (index lists). */
export function rowsByGroup(group: Int32Array, n: number, G: number): number[][] {
  const out: number[][] = Array.from({ length: G }, () => []);
  for (let i = 0; i < n; i++) out[group[i]].push(i);
  return out;
}

/** The slow, overflow-free GRPO (see EXTREME_SCORE). */
function grpoExtreme(batch: AdvBatch, o: ReturnType<typeof resolveOptions>): AdvResult {
  const { size: n, scores, group, groupCount: G } = batch;
  const rows = rowsByGroup(group, n, G);
  const adv = new Float64Array(n);
  const mean = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const xs = rows[g].map((i) => scores[i]);
    const c = xs.length;
    const mu = c > 1 ? robustMean(xs) : 0;
    mean[g] = mu;
    const std = c > 1 ? robustStd(xs, mu, c - 1) : 1;
    const k = o.normAdvByStd ? 1 / (std + o.epsilon) : 1;
    for (const i of rows[g]) adv[i] = o.normAdvByStd ? (Number.isFinite(k) && k > 0 ? scaledDiff(scores[i], mu, k) : (scores[i] / 2 - mu / 2) / ((std + o.epsilon) / 2)) : scores[i] - mu;
  }
  if (o.difficultyReweight) {
    for (let g = 0; g < G; g++) {
      const c = rows[g].length;
      const pass = c <= 1 ? 0.5 : rows[g].filter((i) => adv[i] > mean[g]).length / c;
      const w0 = Math.exp(o.difficultyGamma * (0.5 - pass));
      const w = w0 < 1 ? 1 : w0 > 2 ? 2 : w0;
      for (const i of rows[g]) if (adv[i] > 0) adv[i] *= w;
    }
  }
  return { advantages: adv, extraMetrics: {} };
}

export function computeGrpoAdvantage(batch: AdvBatch, options?: AdvOptions): AdvResult {
  const o = resolveOptions(options);
  if (hasExtremeScores(batch.scores, batch.size)) return grpoExtreme(batch, o);
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
