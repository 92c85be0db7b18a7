/**
 * The nine GoLongRL capability types and the reward each is scored with.
 *
 * Source: the GoLongRL README and the Kwai-Klear/GoLongRL dataset card list the 9 capabilities
 * and the 9 metrics in parallel order (docs/reference.md, "Capabilities"); the pairing by position is an
 * inference, which we adopt. The code's own buckets differ: the trainer's `reward_mode` is the
 * LongBench-Pro metric (NDCG, Pairwise_Accuracy, Accuracy, F1_Score, SubEM, Summary) or the
 * data_source for the other scorers (EM, selection, math_longcot_math_verify, …).
 *
 * | capability            | reward (metric)  | where it comes from in the data                         |
 * |-----------------------|------------------|---------------------------------------------------------|
 * | precise_retrieval     | EM               | data_source `EM`                                        |
 * | comprehension         | Accuracy         | LongBench-Pro T3.x, T11.x; also `selection` (MCQ) [1]   |
 * | exhaustive_retrieval  | F1               | LongBench-Pro T5.x, T6.2, T7.x, T9.x                    |
 * | numerical_reasoning   | math_verify      | `math_longcot_math_verify`, `retrieval_calculate`       |
 * | structured_extraction | IoU              | `multitableqa_pretraining`                              |
 * | structured_matching   | SubEM            | LongBench-Pro T6.1, T8.x, T10.x                         |
 * | graded_ranking        | NDCG             | LongBench-Pro T1.x                                      |
 * | sequence_ordering     | Pairwise         | LongBench-Pro T2.x, T6.3                                |
 * | summarization         | ROUGE-L          | LongBench-Pro T4.x                                      |
 *
 * [1] `selection` (multiple choice, A–D) has no counterpart in the README's list; it is
 *     reading comprehension scored by exact choice match, so we file it under comprehension.
 */
import { subTaskMetric, type LongBenchProMetric } from './subtasks.js';

export const CAPABILITIES = [
  'precise_retrieval',
  'comprehension',
  'exhaustive_retrieval',
  'numerical_reasoning',
  'structured_extraction',
  'structured_matching',
  'graded_ranking',
  'sequence_ordering',
  'summarization',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The reward type names used across golongrl-lab (one file each under lib/rewards/). */
export const REWARD_TYPES = [
  'EM',
  'Accuracy',
  'F1',
  'math_verify',
  'IoU',
  'SubEM',
  'NDCG',
  'Pairwise',
  'ROUGE-L',
  'selection',
] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

const METRIC_TO_REWARD: Record<LongBenchProMetric, RewardType> = {
  NDCG: 'NDCG',
  Pairwise_Accuracy: 'Pairwise',
  Accuracy: 'Accuracy',
  F1_Score: 'F1',
  SubEM: 'SubEM',
  Summary: 'ROUGE-L',
};

export const REWARD_CAPABILITY: Record<RewardType, Capability> = {
  EM: 'precise_retrieval',
  Accuracy: 'comprehension',
  selection: 'comprehension',
  F1: 'exhaustive_retrieval',
  math_verify: 'numerical_reasoning',
  IoU: 'structured_extraction',
  SubEM: 'structured_matching',
  NDCG: 'graded_ranking',
  Pairwise: 'sequence_ordering',
  'ROUGE-L': 'summarization',
};

/** The reward type a row is scored with, from its data_source and extra_info.reward_mode; undefined if unknown. */
export function rewardTypeOf(dataSource: string, subTask?: unknown): RewardType | undefined {
  if (dataSource === 'longbench_pro') {
    const m = typeof subTask === 'string' ? subTaskMetric(subTask) : undefined;
    return m ? METRIC_TO_REWARD[m] : undefined;
  }
  if (dataSource === 'EM') return 'EM';
  if (dataSource === 'selection') return 'selection';
  if (dataSource === 'multitableqa_pretraining') return 'IoU';
  if (dataSource === 'retrieval_calculate' || dataSource.includes('math_longcot_math_verify')) return 'math_verify';
  return undefined;
}

export function capabilityOf(dataSource: string, subTask?: unknown): Capability | undefined {
  const r = rewardTypeOf(dataSource, subTask);
  return r ? REWARD_CAPABILITY[r] : undefined;
}
