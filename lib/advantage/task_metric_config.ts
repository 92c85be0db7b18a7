/**
 * Task keys for the advantage layer, built on the LongBench-Pro sub-task table that the reward
 * layer owns (`lib/rewards/subtasks.ts`, `TASK_METRIC_CONFIG` of GoLongRL's
 * `long_bench_pro.py` / `metric_utils.py`, GOLONGRL.md §A.4).
 *
 * Two mappings use it, and they differ only for a missing `extra_info.reward_mode`:
 * - `toRewardMode` (the trainer's top-level `reward_mode`, which tmn_grpo / qwenlong_grpo
 *   group by): `TASK_METRIC_CONFIG.get(x, x)`, missing → `""`;
 * - `toTaskType` (`compute_task_grouped_metrics`'s "type"): the same, missing → `"unknown"`.
 */
import { subTaskMetric } from '../rewards/subtasks.js';

export { TASK_METRIC_CONFIG, subTaskMetric, toRewardMode, type LongBenchProMetric } from '../rewards/subtasks.js';

/**
 * The "type" that `compute_task_grouped_metrics` groups by: `TASK_METRIC_CONFIG[x]` for a
 * sub-task, `x` itself for other modes (EM, selection, …), `"unknown"` when extra_info has
 * no `reward_mode`. (A present-but-empty `""` stays `""`.)
 */
export function toTaskType(extraInfoRewardMode: string | null | undefined): string {
  if (extraInfoRewardMode === undefined || extraInfoRewardMode === null) return 'unknown';
  return subTaskMetric(extraInfoRewardMode) ?? extraInfoRewardMode;
}

/** Metric-key sanitisation used by both metric families: `' '` → `'_'`, then `'.'` → `'-'`. */
export function metricKeyName(name: string): string {
  return name.replaceAll(' ', '_').replaceAll('.', '-');
}
