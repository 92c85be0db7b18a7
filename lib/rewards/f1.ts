/**
 * F1 (set) — LongBench-Pro citation / cluster / conflict / impact sub-tasks; capability "exhaustive retrieval".
 *
 *   p = |set(A) ∩ set(P)| / |set(P)|,   r = |set(A) ∩ set(P)| / |set(A)|,   F1 = 2pr / (p + r)
 *   (0 when the intersection is empty)
 *
 * Sets, so repeated lines count once; an empty prediction line "" is an element like any other.
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::F1_Score`.
 */
import { normalizeAnswers, predictionLines } from './normalize.js';

export function f1Score(answers: readonly string[], prediction: string): number {
  const A = new Set(normalizeAnswers(answers));
  const P = new Set(predictionLines(prediction));
  let common = 0;
  for (const a of A) if (P.has(a)) common++;
  if (common === 0 || P.size === 0 || A.size === 0) return 0;
  const precision = common / P.size;
  const recall = common / A.size;
  if (precision + recall === 0) return 0;
  return (2 * precision * recall) / (precision + recall);
}
