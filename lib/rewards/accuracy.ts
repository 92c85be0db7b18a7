/**
 * Accuracy — LongBench-Pro comprehension sub-tasks (T3.x, T11.x); capability "comprehension".
 *
 *   Accuracy(A, P) = 1  if A[0] == P[0]  else 0          (first gold vs first prediction line)
 *
 * A, P are the normalised gold list and prediction lines of `normalize.ts`.
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::Accuracy`.
 */
import { normalizeAnswers, predictionLines } from './normalize.js';

export function accuracy(answers: readonly string[], prediction: string): number {
  const A = normalizeAnswers(answers);
  const P = predictionLines(prediction);
  if (A.length === 0 || P.length === 0) return 0;
  return A[0] === P[0] ? 1 : 0;
}
