/**
 * Per-task training metrics, as GoLongRL's trainer logs them.
 *
 * Source: `Train/verl/verl/trainer/ppo/metric_utils.py` — `compute_reward_mode_metrics`,
 * `compute_task_grouped_metrics` and the `difficulty/*` lines of `compute_data_metrics`
 * (`docs/reference.md` §B.5).
 *
 * For each category k (a reward_mode, or a task "type") with uid set U_k and rollouts R_k:
 *
 * | key               | formula                                                                  |
 * |-------------------|--------------------------------------------------------------------------|
 * | `mean_reward`     | mean of s over R_k                                                       |
 * | `std_reward`      | population std (ddof 0) of s over R_k                                    |
 * | `mean_std_reward` | mean over u ∈ U_k of std_u, the per-uid population std (0 if n_u = 1)    |
 * | `sqrt_mean_var`   | √(mean over u ∈ U_k of var_u), var_u unbiased, 1 if n_u = 1; 0 if ≤ 0     |
 * |                   | (reward_mode only; equals TMN's scale_k)                                 |
 * | `rate_adv`        | Σ_{u∈U_k} std_u / Σ_{all u} std_u  (0 when the denominator is 0)          |
 * | `rate_num`        | |U_k| / #uids                                                            |
 * | `num_queries`     | |U_k|            (task_metrics only)                                     |
 * | `num_rollouts`    | |R_k|            (task_metrics only)                                     |
 *
 * U_k is a *set*: a uid whose rows fall in two categories counts in both, but once in the
 * all-uid totals. Key names: the category with `' '` → `'_'` and `'.'` → `'-'` (both
 * functions in metric_utils.py sanitise the same way). Keys come out in the order the
 * categories first appear in the rows, like the reference's dict.
 *
 * Statistics are computed in float64 with two-pass (centred) sums.
 */
import { metricKeyName, toTaskType } from './task_metric_config.js';
import { Interner, type AdvBatch } from './types.js';

/** Rows labelled by uid and by a category (reward_mode or task type). */
export interface CategoryView {
  scores: Float64Array;
  group: Int32Array;
  groupCount: number;
  category: Int32Array;
  categoryNames: readonly string[];
}

interface CategoryStats {
  /** Categories that occur, in first-appearance order. */
  order: number[];
  rollouts: Float64Array;
  mean: Float64Array;
  popStd: Float64Array;
  uidCount: Float64Array;
  stdSum: Float64Array;
  varSum: Float64Array;
  totalUids: number;
  totalStd: number;
}

function categoryStats(v: CategoryView): CategoryStats {
  const { scores, group, groupCount: G, category } = v;
  const K = v.categoryNames.length;
  const n = scores.length;

  // per uid: count, mean, Σ(s−μ)²
  const cnt = new Int32Array(G);
  const uMean = new Float64Array(G);
  for (let i = 0; i < n; i++) {
    cnt[group[i]]++;
    uMean[group[i]] += scores[i];
  }
  for (let g = 0; g < G; g++) if (cnt[g] > 0) uMean[g] /= cnt[g];
  const uDev = new Float64Array(G);
  // per category: count, mean, Σ(s−mean)²
  const rollouts = new Float64Array(K);
  const mean = new Float64Array(K);
  const firstSeen = new Int32Array(K).fill(-1);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const d = scores[i] - uMean[g];
    uDev[g] += d * d;
    const k = category[i];
    if (firstSeen[k] < 0) {
      firstSeen[k] = i;
      order.push(k);
    }
    rollouts[k] += 1;
    mean[k] += scores[i];
  }
  for (let k = 0; k < K; k++) if (rollouts[k] > 0) mean[k] /= rollouts[k];
  const popStd = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const d = scores[i] - mean[category[i]];
    popStd[category[i]] += d * d;
  }
  for (let k = 0; k < K; k++) popStd[k] = rollouts[k] > 0 ? Math.sqrt(popStd[k] / rollouts[k]) : 0;

  // per uid: population std (0 for singletons) and unbiased var (1 for singletons)
  const uStd = new Float64Array(G);
  const uVar = uDev; // reuse
  let totalUids = 0;
  let totalStd = 0;
  for (let g = 0; g < G; g++) {
    const c = cnt[g];
    if (c === 0) continue;
    totalUids++;
    if (c > 1) {
      uStd[g] = Math.sqrt(uDev[g] / c);
      uVar[g] = uDev[g] / (c - 1);
    } else {
      uStd[g] = 0;
      uVar[g] = 1;
    }
    totalStd += uStd[g];
  }

  // distinct (category, uid) pairs. Fast path: every uid lies in one category.
  const uidCount = new Float64Array(K);
  const stdSum = new Float64Array(K);
  const varSum = new Float64Array(K);
  const uidCat = new Int32Array(G).fill(-1);
  let mixed = false;
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const k = category[i];
    if (uidCat[g] < 0) uidCat[g] = k;
    else if (uidCat[g] !== k) {
      mixed = true;
      break;
    }
  }
  const add = (k: number, g: number) => {
    uidCount[k] += 1;
    stdSum[k] += uStd[g];
    varSum[k] += uVar[g];
  };
  if (!mixed) {
    for (let g = 0; g < G; g++) if (cnt[g] > 0) add(uidCat[g], g);
  } else {
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const key = category[i] * G + group[i];
      if (!seen.has(key)) {
        seen.add(key);
        add(category[i], group[i]);
      }
    }
  }
  return { order, rollouts, mean, popStd, uidCount, stdSum, varSum, totalUids, totalStd };
}

/**
 * `compute_reward_mode_metrics`: keys `reward_mode/<mode>/{mean_reward, std_reward,
 * mean_std_reward, sqrt_mean_var, rate_adv, rate_num}` for each mode of the batch
 * (`batch.task` / `batch.taskNames`, i.e. the trainer's top-level reward_mode).
 * The trainer logs these only when a top-level reward_mode exists (tmn_grpo, qwenlong_grpo).
 */
export function computeRewardModeMetrics(batch: AdvBatch): Record<string, number> {
  const st = categoryStats({
    scores: batch.scores,
    group: batch.group,
    groupCount: batch.groupCount,
    category: batch.task,
    categoryNames: batch.taskNames,
  });
  const out: Record<string, number> = {};
  for (const k of st.order) {
    const p = `reward_mode/${metricKeyName(batch.taskNames[k])}`;
    const meanVar = st.uidCount[k] > 0 ? st.varSum[k] / st.uidCount[k] : 0;
    out[`${p}/mean_reward`] = st.mean[k];
    out[`${p}/std_reward`] = st.popStd[k];
    out[`${p}/mean_std_reward`] = st.stdSum[k] / st.uidCount[k];
    out[`${p}/sqrt_mean_var`] = meanVar > 0 ? Math.sqrt(meanVar) : 0;
    out[`${p}/rate_adv`] = st.totalStd > 0 ? st.stdSum[k] / st.totalStd : 0;
    out[`${p}/rate_num`] = st.totalUids > 0 ? st.uidCount[k] / st.totalUids : 0;
  }
  return out;
}

/** Per-row task types: `index[i]` into `names`. */
export interface TaskTypes {
  index: Int32Array;
  names: readonly string[];
}

/**
 * Derive task types from the batch's mode names: `toTaskType(name)`, reading `""` as a
 * missing `extra_info.reward_mode` (that is what the trainer turns a missing one into), so
 * it becomes `"unknown"`. Pass explicit `TaskTypes` when the raw modes are at hand.
 */
export function taskTypesFromBatch(batch: AdvBatch): TaskTypes {
  const types = new Interner();
  const lut = new Int32Array(batch.taskCount);
  for (let k = 0; k < batch.taskCount; k++) {
    const m = batch.taskNames[k];
    lut[k] = types.id(toTaskType(m === '' ? undefined : m));
  }
  const index = new Int32Array(batch.size);
  for (let i = 0; i < batch.size; i++) index[i] = lut[batch.task[i]];
  return { index, names: types.names };
}

/**
 * `compute_task_grouped_metrics`: keys `task_metrics/<type>/{mean_reward, std_reward,
 * mean_std_reward, rate_adv, rate_num, num_queries, num_rollouts}`, where type is
 * `TASK_METRIC_CONFIG[extra_info.reward_mode]`, the mode itself when it is not a
 * LongBench-Pro sub-task, or "unknown" when missing (see `toTaskType`). Always logged.
 */
export function computeTaskGroupedMetrics(batch: AdvBatch, taskTypes: TaskTypes = taskTypesFromBatch(batch)): Record<string, number> {
  const st = categoryStats({
    scores: batch.scores,
    group: batch.group,
    groupCount: batch.groupCount,
    category: taskTypes.index,
    categoryNames: taskTypes.names,
  });
  const out: Record<string, number> = {};
  for (const k of st.order) {
    const p = `task_metrics/${metricKeyName(taskTypes.names[k])}`;
    out[`${p}/mean_reward`] = st.mean[k];
    out[`${p}/std_reward`] = st.popStd[k];
    out[`${p}/mean_std_reward`] = st.uidCount[k] > 0 ? st.stdSum[k] / st.uidCount[k] : 0;
    out[`${p}/rate_adv`] = st.totalStd > 0 ? st.stdSum[k] / st.totalStd : 0;
    out[`${p}/rate_num`] = st.totalUids > 0 ? st.uidCount[k] / st.totalUids : 0;
    out[`${p}/num_queries`] = st.uidCount[k];
    out[`${p}/num_rollouts`] = st.rollouts[k];
  }
  return out;
}

/**
 * The `difficulty/*` lines of `compute_data_metrics`: read from the estimator's extra
 * metrics, 0.0 when absent. TMN never sets the two clamp ratios (its lines are commented
 * out in the reference), so they are always 0.
 */
export function computeDifficultyMetrics(extraMetrics: Record<string, number> = {}): Record<string, number> {
  return {
    'difficulty/weight_clamp_upper_ratio': extraMetrics['difficulty/weight_clamp_upper_ratio'] ?? 0,
    'difficulty/weight_clamp_lower_ratio': extraMetrics['difficulty/weight_clamp_lower_ratio'] ?? 0,
    'difficulty/mean_pass_rate': extraMetrics['difficulty/mean_pass_rate'] ?? 0,
  };
}

/** Estimators for which the trainer builds a top-level reward_mode (`ray_trainer.compute_advantage`). */
export const REWARD_MODE_ESTIMATORS: ReadonlySet<string> = new Set(['tmn_grpo', 'qwenlong_grpo']);

/**
 * Everything the trainer logs about one step's advantages and task mix, in the reference's
 * order: the estimator's extra metrics, `difficulty/*`, `reward_mode/*` (when
 * `rewardModeMetrics`), then `task_metrics/*`.
 */
export function computeStepMetrics(
  batch: AdvBatch,
  extraMetrics: Record<string, number>,
  opts: { rewardModeMetrics: boolean; taskTypes?: TaskTypes },
): Record<string, number> {
  return {
    ...extraMetrics,
    ...computeDifficultyMetrics(extraMetrics),
    ...(opts.rewardModeMetrics ? computeRewardModeMetrics(batch) : {}),
    ...computeTaskGroupedMetrics(batch, opts.taskTypes),
  };
}
