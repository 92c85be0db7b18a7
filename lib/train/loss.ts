/**
 * GRPO's policy loss as the GoLongRL scripts configure verl: `policy_loss.loss_mode=vanilla`, i.e.
 * `compute_policy_loss_vanilla` in verl/trainer/ppo/core_algos.py (GOLONGRL.md §B.4), per token:
 *
 *   d      = clamp(logπ − logπ_old, −20, 20)            (verl's negative_approx_kl)
 *   r      = exp(d)
 *   L1     = −A·r
 *   L2     = −A·clip(r, 1 − clipLow, 1 + clipHigh)      (clipLow 0.2, clipHigh 0.28)
 *   Lc     = max(L1, L2)
 *   L3     = −A·clipRatioC                              (clipRatioC 3.0)
 *   L      = A < 0 ? min(Lc, L3) : Lc                   (dual clip)
 *   L     *= rollout_is_weights                         (only when given; metrics-only in GoLongRL's config)
 *
 * Aggregation over the response mask m (verl's `agg_loss`, masked_mean = Σ(x·m) / (Σm + 1e-8)):
 *   'token-mean'           Σ_{b,t} L·m / Σ m                  (GoLongRL's `loss_agg_mode=token-mean`)
 *   'seq-mean-token-mean'  mean over sequences with Σ_t m > 0 of (Σ_t L·m / Σ_t m)
 * GoLongRL runs token-mean with ppo_micro_batch_size_per_gpu = 1 and Megatron averages the micro-batch
 * losses, so each token-mean is over ONE sequence and the effective update weights every sequence
 * equally: that is 'seq-mean-token-mean' over the whole mini-batch [infer, §B.4]. A local trainer that
 * puts many sequences in one batch should use 'seq-mean-token-mean' to match the reference.
 *
 * Metrics (verl, always token masked means, whatever the aggregation mode):
 *   actor/pg_loss            the aggregated loss
 *   actor/pg_clipfrac        masked_mean(L2 > L1)
 *   actor/ppo_kl             masked_mean(−d)
 *   actor/pg_clipfrac_lower  masked_mean((Lc > L3) · (A < 0))
 */
import * as tf from '@tensorflow/tfjs';

export type LossAggMode = 'token-mean' | 'seq-mean-token-mean';

export interface PolicyLossConfig {
  clipLow: number;
  clipHigh: number;
  clipRatioC: number;
  aggMode: LossAggMode;
}

/** The GoLongRL scripts' settings (clip_ratio_low 0.2, clip_ratio_high 0.28, clip_ratio_c 3.0, token-mean). */
export const GOLONGRL_LOSS_CONFIG: Readonly<PolicyLossConfig> = Object.freeze({
  clipLow: 0.2,
  clipHigh: 0.28,
  clipRatioC: 3.0,
  aggMode: 'token-mean',
});

export interface PolicyLossInputs {
  /** Current policy log-probs of the response tokens, [B, R] (carries the gradient). */
  logProbs: tf.Tensor;
  /** Rollout-time log-probs, [B, R] (treated as constants). */
  oldLogProbs: tf.Tensor;
  /** Advantages, per token [B, R] or per sequence [B] (broadcast over tokens). */
  advantages: tf.Tensor;
  /** 1 for response tokens that count, 0 for padding, [B, R]. */
  responseMask: tf.Tensor;
  /** Optional per-token rollout importance-sampling weights, [B, R]. */
  rolloutIsWeights?: tf.Tensor;
}

export interface PolicyLossMetrics {
  'actor/pg_loss': number;
  'actor/pg_clipfrac': number;
  'actor/ppo_kl': number;
  'actor/pg_clipfrac_lower': number;
}

export interface PolicyLossResult {
  /** Scalar loss (differentiable with respect to whatever produced `logProbs`). */
  loss: tf.Scalar;
  metrics: PolicyLossMetrics;
}

const MASKED_MEAN_EPS = 1e-8;

function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.add(tf.sum(mask), MASKED_MEAN_EPS)) as tf.Scalar;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** GoLongRL's loss settings overridden by `config`, validated (both loss paths share this). */
function lossConfig(config: Partial<PolicyLossConfig>): PolicyLossConfig {
  const cfg: PolicyLossConfig = { ...GOLONGRL_LOSS_CONFIG, ...config };
  if (!(cfg.clipLow >= 0 && cfg.clipLow < 1)) throw new Error(`clipLow must be in [0, 1), got ${cfg.clipLow}`);
  if (!(cfg.clipHigh >= 0)) throw new Error(`clipHigh must be ≥ 0, got ${cfg.clipHigh}`);
  // verl asserts clip_ratio_c > 1.0 for the dual clip.
  if (!(cfg.clipRatioC > 1)) throw new Error(`clipRatioC must be > 1, got ${cfg.clipRatioC}`);
  if (cfg.aggMode !== 'token-mean' && cfg.aggMode !== 'seq-mean-token-mean')
    throw new Error(`unknown aggMode '${String(cfg.aggMode)}' (known: token-mean, seq-mean-token-mean)`);
  return cfg;
}

/**
 * verl's `compute_policy_loss_vanilla` followed by `agg_loss`. Metric values are read back
 * synchronously (so they can be taken inside `optimizer.minimize`); intermediate tensors are tidied.
 */
export function computePolicyLoss(inputs: PolicyLossInputs, config: Partial<PolicyLossConfig> = {}): PolicyLossResult {
  const cfg = lossConfig(config);
  const { logProbs, oldLogProbs, advantages, responseMask, rolloutIsWeights } = inputs;
  const shape = logProbs.shape;
  if (shape.length !== 2) throw new Error(`logProbs must be [B, R], got [${shape.join(', ')}]`);
  for (const [name, t] of [['oldLogProbs', oldLogProbs], ['responseMask', responseMask], ['rolloutIsWeights', rolloutIsWeights]] as const)
    if (t !== undefined && !sameShape(t.shape, shape)) throw new Error(`${name} must have shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  if (!sameShape(advantages.shape, shape) && !sameShape(advantages.shape, [shape[0]]))
    throw new Error(`advantages must be [${shape.join(', ')}] or [${shape[0]}], got [${advantages.shape.join(', ')}]`);

  let metrics: PolicyLossMetrics | undefined;
  const loss = tf.tidy(() => {
    const mask = tf.cast(responseMask, 'float32');
    const adv = advantages.rank === 1 ? tf.expandDims(tf.cast(advantages, 'float32'), 1) : tf.cast(advantages, 'float32');
    const negApproxKl = tf.clipByValue(tf.sub(logProbs, oldLogProbs), -20, 20);
    const ratio = tf.exp(negApproxKl);
    const negAdv = tf.neg(adv);
    const pgLosses1 = tf.mul(negAdv, ratio);
    const pgLosses2 = tf.mul(negAdv, tf.clipByValue(ratio, 1 - cfg.clipLow, 1 + cfg.clipHigh));
    const clipPgLosses1 = tf.maximum(pgLosses1, pgLosses2);
    const pgLosses3 = tf.mul(negAdv, cfg.clipRatioC);
    const clipPgLosses2 = tf.minimum(pgLosses3, clipPgLosses1);
    const advNeg = tf.less(tf.broadcastTo(adv, shape), 0);
    let pgLosses: tf.Tensor = tf.where(advNeg, clipPgLosses2, clipPgLosses1);
    if (rolloutIsWeights !== undefined) pgLosses = tf.mul(pgLosses, rolloutIsWeights);

    let agg: tf.Scalar;
    if (cfg.aggMode === 'token-mean') {
      agg = maskedMean(pgLosses, mask);
    } else {
      const tokens = tf.sum(mask, -1);
      const seqLosses = tf.div(tf.sum(tf.mul(pgLosses, mask), -1), tf.maximum(tokens, 1));
      agg = maskedMean(seqLosses, tf.cast(tf.greater(tokens, 0), 'float32'));
    }

    const m = tf.tidy(() => {
      const clipfrac = maskedMean(tf.cast(tf.greater(pgLosses2, pgLosses1), 'float32'), mask);
      const kl = maskedMean(tf.neg(negApproxKl), mask);
      const lower = maskedMean(tf.mul(tf.cast(tf.greater(clipPgLosses1, pgLosses3), 'float32'), tf.cast(advNeg, 'float32')), mask);
      return tf.stack([agg, clipfrac, kl, lower]).dataSync();
    });
    metrics = {
      'actor/pg_loss': m[0],
      'actor/pg_clipfrac': m[1],
      'actor/ppo_kl': m[2],
      'actor/pg_clipfrac_lower': m[3],
    };
    return agg;
  });
  return { loss, metrics: metrics as PolicyLossMetrics };
}

export interface PolicyLossGradResult {
  /** The aggregated loss (as `computePolicyLoss`'s `loss`). */
  loss: number;
  metrics: PolicyLossMetrics;
  /** dLoss/dlogProbs, [B·R] row-major (0 where the loss does not depend on a log-prob). */
  dLogProbs: Float32Array;
}

/**
 * `computePolicyLoss` in plain JS over row-major [B, R] arrays (float64 arithmetic), with its gradient
 * with respect to the current log-probs written out — the same piecewise derivative tfjs's tape takes
 * (clipByValue passes the gradient where min ≤ x ≤ max; maximum(a, b) to a where a ≥ b, else to b;
 * minimum(a, b) to a where a ≤ b, else to b; where() to the selected branch):
 *
 *   ∂L/∂logπ = w · s · (−A) · r · 1[−20 ≤ logπ − logπ_old ≤ 20] · (L1 ≥ L2 ? 1 : 1[1−clipLow ≤ r ≤ 1+clipHigh])
 *
 * with s = (A < 0 ? 1[L3 > Lc] : 1) and w the aggregation weight of the token (token-mean: m/(Σm + 1e-8);
 * seq-mean-token-mean: m/max(Σ_t m, 1) / (#sequences with tokens + 1e-8)). `advantages` is per token
 * [B·R] (the trainer's layout) and `rolloutIsWeights` is not supported here. The js engine's direct
 * update (trainer.ts) uses it in place of tf.variableGrads over `computePolicyLoss`.
 */
export function policyLossGrad(logProbs: ArrayLike<number>, oldLogProbs: ArrayLike<number>, advantages: ArrayLike<number>, responseMask: ArrayLike<number>, B: number, R: number, config: Partial<PolicyLossConfig> = {}): PolicyLossGradResult {
  const cfg = lossConfig(config);
  const n = B * R;
  for (const [name, a] of [['logProbs', logProbs], ['oldLogProbs', oldLogProbs], ['advantages', advantages], ['responseMask', responseMask]] as const)
    if (a.length !== n) throw new Error(`${name} must hold B·R = ${n} values, got ${a.length}`);
  const lo = Math.fround(1 - cfg.clipLow);
  const hi = Math.fround(1 + cfg.clipHigh);
  const dLogProbs = new Float32Array(n);
  let maskSum = 0;
  for (let i = 0; i < n; i++) maskSum += responseMask[i];
  // Aggregation weight of each token.
  const wTok = new Float64Array(n);
  if (cfg.aggMode === 'token-mean') {
    for (let i = 0; i < n; i++) wTok[i] = responseMask[i] / (maskSum + MASKED_MEAN_EPS);
  } else {
    let seqs = 0;
    for (let b = 0; b < B; b++) {
      let t = 0;
      for (let i = 0; i < R; i++) t += responseMask[b * R + i];
      if (t > 0) seqs++;
    }
    for (let b = 0; b < B; b++) {
      let t = 0;
      for (let i = 0; i < R; i++) t += responseMask[b * R + i];
      if (t > 0) for (let i = 0; i < R; i++) wTok[b * R + i] = responseMask[b * R + i] / Math.max(t, 1) / (seqs + MASKED_MEAN_EPS);
    }
  }
  let loss = 0;
  let clip = 0;
  let kl = 0;
  let lower = 0;
  for (let i = 0; i < n; i++) {
    const A = advantages[i];
    const m = responseMask[i];
    const x = logProbs[i] - oldLogProbs[i];
    const d = x < -20 ? -20 : x > 20 ? 20 : x;
    const r = Math.exp(d);
    const l1 = -A * r;
    const rc = r < lo ? lo : r > hi ? hi : r;
    const l2 = -A * rc;
    const lc = l1 >= l2 ? l1 : l2;
    const l3 = -A * cfg.clipRatioC;
    const neg = A < 0;
    const pg = neg ? (l3 <= lc ? l3 : lc) : lc;
    loss += pg * wTok[i];
    clip += (l2 > l1 ? 1 : 0) * m;
    kl += -d * m;
    lower += (lc > l3 && neg ? 1 : 0) * m;
    const toLc = neg ? (l3 > lc ? 1 : 0) : 1;
    if (toLc === 0 || wTok[i] === 0 || !(x >= -20 && x <= 20)) continue;
    const dr = l1 >= l2 ? -A : r >= lo && r <= hi ? -A : 0;
    dLogProbs[i] = wTok[i] * dr * r;
  }
  const den = maskSum + MASKED_MEAN_EPS;
  return { loss, metrics: { 'actor/pg_loss': loss, 'actor/pg_clipfrac': clip / den, 'actor/ppo_kl': kl / den, 'actor/pg_clipfrac_lower': lower / den }, dLogProbs };
}
