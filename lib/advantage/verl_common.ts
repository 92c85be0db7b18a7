/**
 * What upstream verl's outcome estimators (rloo.ts, reinforce_pp_baseline.ts, opo.ts, gpg.ts,
 * grpo_passk.ts, gdpo.ts) need beyond `AdvBatch`, and the helpers they share.
 *
 * Source: `verl/trainer/ppo/core_algos.py` and `verl/utils/torch_functional.py` (verl 0.9.1).
 *
 * verl's estimators take a token-level `response_mask` (bs × T). For outcome rewards the advantage
 * is one number per response, broadcast over its valid tokens, so the mask matters only through
 * each row's token count L_i = Σ_t mask[i, t]:
 *  - OPO weights its baseline by L_i;
 *  - REINFORCE++-baseline and GDPO whiten over *tokens* (`masked_whiten`), i.e. every row counts
 *    L_i times.
 * A batch carries these as optional columns (`VerlAdvBatch`); without `responseLength` every row
 * counts once (L_i = 1), which is what replaying a dump that has no token counts can do.
 *
 * GDPO's reward components: `components.values[k][i]` is component k of row i (k in the order of
 * `components.names`, verl's `algorithm.gdpo_reward_keys`). Without components GDPO uses the
 * score alone, as verl does when `gdpo_reward_keys` is not configured.
 */
import type { AdvBatch, AdvOptions } from './types.js';

/** Several reward components per row (GDPO). */
export interface RewardComponents {
  names: readonly string[];
  /** One column per name, each `batch.size` long. */
  values: readonly Float64Array[];
}

/** Optional columns some verl estimators read. */
export interface VerlBatchExtras {
  /** Valid response tokens per row (Σ response_mask); absent → 1 per row. */
  responseLength?: Float64Array;
  /** Reward components per row (GDPO); absent → the score is the one component. */
  components?: RewardComponents;
}

export type VerlAdvBatch = AdvBatch & VerlBatchExtras;

/** Options of verl's estimators, on top of `AdvOptions` (`normAdvByStd`, `epsilon`). */
export interface VerlAdvOptions extends AdvOptions {
  /** GPG's `f_norm` (default 1). */
  gpgFNorm?: number;
  /** GDPO's `algorithm.gdpo_reward_weights`, one per component (default all 1). */
  gdpoRewardWeights?: readonly number[];
}

/** Row weights for token-level statistics: `responseLength` if the batch has it, else null (all 1). */
export function rowTokenWeights(batch: AdvBatch): Float64Array | null {
  const L = (batch as VerlAdvBatch).responseLength;
  if (L === undefined) return null;
  if (L.length !== batch.size) throw new RangeError(`responseLength has ${L.length} entries for ${batch.size} rows`);
  for (let i = 0; i < L.length; i++) {
    if (!(L[i] >= 1) || !Number.isFinite(L[i])) throw new RangeError(`row ${i}: responseLength must be ≥ 1, got ${L[i]}`);
  }
  return L;
}

/** Per-group row count and mean (`torch.mean` of the group's scores; raw mean, no singleton rule). */
export function groupCountMean(batch: AdvBatch, values: Float64Array = batch.scores): { cnt: Int32Array; mean: Float64Array } {
  const { size: n, group, groupCount: G } = batch;
  const cnt = new Int32Array(G);
  const mean = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    cnt[group[i]]++;
    mean[group[i]] += values[i];
  }
  for (let g = 0; g < G; g++) if (cnt[g] > 0) mean[g] /= cnt[g];
  return { cnt, mean };
}

/**
 * Per-group unbiased std (`torch.std`, n − 1), two-pass around `mean`; NaN for a single row
 * (callers apply their own singleton rule first).
 */
export function groupStd(batch: AdvBatch, values: Float64Array, cnt: Int32Array, mean: Float64Array): Float64Array {
  const { size: n, group, groupCount: G } = batch;
  const ss = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean[group[i]];
    ss[group[i]] += d * d;
  }
  for (let g = 0; g < G; g++) ss[g] = cnt[g] > 1 ? Math.sqrt(ss[g] / (cnt[g] - 1)) : NaN;
  return ss;
}

/**
 * verl's `masked_whiten(values, mask)` for row-constant values `a` (in place):
 *   M = Σ L_i,  μ = Σ L_i a_i / (M + 1e-8),  v = Σ L_i (a_i − μ)² / (M + 1e-8) · M / (M − 1)
 *   a_i ← (a_i − μ) / √(v + 1e-8)
 * verl raises when M ≤ 1 ("At least one element…" / "The sum of the mask is one…"); so do we.
 */
export function maskedWhitenRows(a: Float64Array, weights: Float64Array | null): Float64Array {
  const n = a.length;
  let M = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    M += w;
    s += w * a[i];
  }
  if (M === 0) throw new RangeError('masked_whiten: at least one element in the mask has to be 1');
  if (M === 1) throw new RangeError('masked_whiten: the sum of the mask is one, which can cause a division by zero');
  const mu = s / (M + 1e-8);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - mu;
    v += (weights ? weights[i] : 1) * d * d;
  }
  v = (v / (M + 1e-8)) * (M / (M - 1));
  const r = 1 / Math.sqrt(v + 1e-8);
  for (let i = 0; i < n; i++) a[i] = (a[i] - mu) * r;
  return a;
}
