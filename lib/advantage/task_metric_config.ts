/**
 * LongBench-Pro sub-task → metric, `TASK_METRIC_CONFIG`.
 *
 * Source: defined identically in `Train/verl/verl/utils/reward_score/long_bench_pro.py` and
 * `Train/verl/verl/trainer/ppo/metric_utils.py` (`shared/reference/GOLONGRL.md` §A.4).
 * It is data, so it sits at the lowest layer: the reward layer imports it from here.
 *
 * Three mappings use it, and they differ only for a missing `extra_info.reward_mode`:
 * - `toRewardMode` (the trainer's top-level `reward_mode`, which tmn_grpo / qwenlong_grpo
 *   group by): `TASK_METRIC_CONFIG.get(x, x)`, missing → `""`;
 * - `toTaskType` (`compute_task_grouped_metrics`'s "type"): the same, missing → `"unknown"`;
 * - the reward layer's scorer metric: only the 25 keys are valid there.
 */

export type LongBenchProMetric = 'NDCG' | 'Pairwise_Accuracy' | 'Accuracy' | 'Summary' | 'F1_Score' | 'SubEM';

export const TASK_METRIC_CONFIG: Readonly<Record<string, LongBenchProMetric>> = Object.freeze({
  'T1.1 Global Cohesive Retrieval': 'NDCG',
  'T1.2 Key-Snippet Retrieval': 'NDCG',
  'T2.1 Global Timeline Reconstruction': 'Pairwise_Accuracy',
  'T2.2 Local Causal Chain Sorting': 'Pairwise_Accuracy',
  'T3.1 Multi-Doc Integration QA': 'Accuracy',
  'T3.2 Single-Hop Fact QA': 'Accuracy',
  'T4.1 Global-Coverage Constrained Summary': 'Summary',
  'T4.2 Query-Focused Summary': 'Summary',
  'T5.1 Full-Sentence Citation Alignment': 'F1_Score',
  'T5.2 Key-Statement Citation Alignment': 'F1_Score',
  'T6.1 Large-Scale Document Clustering': 'SubEM',
  'T6.2 Targeted Subset Cluster Identification': 'F1_Score',
  'T6.3 Global Frequency Analysis': 'Pairwise_Accuracy',
  'T7.1 Global Conflict & Inconsistency Localization': 'F1_Score',
  'T7.2 Targeted Rule or Condition Violation Detection': 'F1_Score',
  'T7.3 Comprehensive Error & Anomaly Sweep': 'F1_Score',
  'T8.1 Structured Multi-Source Consistency Verification': 'SubEM',
  'T8.2 Single-Source Targeted Aggregation': 'SubEM',
  'T8.3 Long-Context Procedural State Tracking': 'SubEM',
  'T9.1 Dependency-Aware Multi-Version Impact Analysis': 'F1_Score',
  'T9.2 Localized Interface Change Detection': 'F1_Score',
  'T10.1 Large-Scale In-Context Rule Induction': 'SubEM',
  'T10.2 Targeted Example-Based Rule Induction': 'SubEM',
  'T11.1 Long-Range Entity & Commitment Tracking': 'Accuracy',
  'T11.2 Short-Range Reference Resolution & State Query': 'Accuracy',
});

/** The metric of a LongBench-Pro sub-task, or undefined (own keys only: "constructor" etc. are not sub-tasks). */
export function subTaskMetric(subTask: string): LongBenchProMetric | undefined {
  return Object.prototype.hasOwnProperty.call(TASK_METRIC_CONFIG, subTask) ? TASK_METRIC_CONFIG[subTask] : undefined;
}

/**
 * The trainer's top-level `reward_mode` for a row (`ray_trainer.compute_advantage`):
 * `TASK_METRIC_CONFIG.get(ei.get("reward_mode", ""), ei.get("reward_mode", ""))`, and `""`
 * when extra_info is not a dict. Idempotent: an already-mapped name maps to itself.
 */
export function toRewardMode(extraInfoRewardMode: string | null | undefined): string {
  if (extraInfoRewardMode === undefined || extraInfoRewardMode === null) return '';
  return subTaskMetric(extraInfoRewardMode) ?? extraInfoRewardMode;
}

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
