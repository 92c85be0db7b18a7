/**
 * SubEM — LongBench-Pro clustering / consistency / aggregation / state-tracking / rule-induction
 * sub-tasks; capability "structured matching".
 *
 *   SubEM(A, P) = Σ_{a ∈ A} [a ∈ P] / |A|       (the gold list is NOT de-duplicated)
 *
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::SubEM`.
 */
import { normalizeAnswers, predictionLines } from './normalize.js';

export function subEM(answers: readonly string[], prediction: string): number {
  const A = normalizeAnswers(answers);
  const P = predictionLines(prediction);
  if (A.length === 0 || P.length === 0) return 0;
  const lines = new Set(P);
  let hit = 0;
  for (const a of A) if (lines.has(a)) hit++;
  return hit / A.length;
}
