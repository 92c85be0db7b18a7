/**
 * LongBench-Pro dispatcher — data_source `longbench_pro`.
 *
 *   metric = TASK_METRIC_CONFIG[sub_task]                         (see subtasks.ts; 25 sub-tasks, 6 metrics)
 *   score  = metric(doc_ids, model_output [, is_zh])              (0 on any exception or out-of-range score)
 *   is_zh  = (language == "Chinese"), where the CALLER passes ground_truth["summary"] as `language`
 *
 * Empty/whitespace-only output or an empty gold list scores 0. The text scored is the FULL
 * response, think block included: the list metrics cut it at the last "[Answer]" / "[答案]",
 * the Summary metric does not cut it at all.
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::compute_score`.
 */
import { accuracy } from './accuracy.js';
import { f1Score } from './f1.js';
import { ndcg } from './ndcg.js';
import { pyStrip } from './normalize.js';
import { pairwiseAccuracy } from './pairwise.js';
import { subEM } from './subem.js';
import { subTaskMetric, type LongBenchProMetric } from './subtasks.js';
import { summaryScore } from './summary.js';
import { safeUnit } from './types.js';

type ListMetric = (answers: readonly string[], prediction: string) => number;

export const LONGBENCH_PRO_METRICS: Readonly<Record<LongBenchProMetric, ListMetric | 'summary'>> = {
  NDCG: ndcg,
  Pairwise_Accuracy: pairwiseAccuracy,
  Accuracy: accuracy,
  F1_Score: f1Score,
  SubEM: subEM,
  Summary: 'summary',
};

/**
 * Python's view of `ground_truth["doc_ids"]` as a list of answers: a list stays a list, a string
 * iterates as its characters; anything else makes the reference raise (→ null here).
 */
export function answerList(docIds: unknown): unknown[] | null {
  if (Array.isArray(docIds)) return docIds;
  if (typeof docIds === 'string') return Array.from(docIds);
  return null;
}

export function longBenchProScore(modelOutput: string, docIds: unknown, subTask: unknown, language: unknown): number {
  if (!modelOutput || pyStrip(modelOutput) === '') return 0;
  const answers = answerList(docIds);
  if (answers === null || answers.length === 0) return 0;
  const metric = typeof subTask === 'string' ? subTaskMetric(subTask) : undefined;
  if (!metric) return 0; // the reference raises ValueError here; `checkRewardCase` reports it
  if (!answers.every((a): a is string => typeof a === 'string')) return 0; // lower() on a non-str → except → 0
  try {
    const f = LONGBENCH_PRO_METRICS[metric];
    const score = f === 'summary' ? summaryScore(modelOutput, answers, language === 'Chinese') : f(answers, modelOutput);
    return score >= 0 && score <= 1 ? score : 0; // the reference asserts 0 ≤ score ≤ 1, else 0
  } catch {
    return 0;
  }
}

