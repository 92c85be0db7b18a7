/**
 * Pairwise accuracy — LongBench-Pro ordering sub-tasks (T2.1, T2.2, T6.3); capability "sequence ordering".
 *
 *   idx[p]  = LAST index of line p in P
 *   correct = #{ (A[i], A[j]) : i < j, both in P, idx[A[i]] < idx[A[j]] }   (gold pairs, gold not de-duplicated)
 *   score   = correct / (|P| (|P| − 1) / 2)                                 (0 if |A| ≤ 1 or |P| ≤ 1)
 *
 * The denominator counts PREDICTION lines (blank and extra lines included), so padding
 * the answer lowers the score — a reference quirk we keep.
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::Pairwise_Accuracy`.
 */
import { normalizeAnswers, predictionLines } from './normalize.js';

export function pairwiseAccuracy(answers: readonly string[], prediction: string): number {
  const A = normalizeAnswers(answers);
  const P = predictionLines(prediction);
  if (A.length <= 1 || P.length <= 1) return 0;
  const nTotal = Math.floor((P.length * (P.length - 1)) / 2);
  const idx = new Map<string, number>();
  P.forEach((p, i) => idx.set(p, i));
  // Positions of the gold items present in P, in gold order; count ordered pairs.
  const pos: number[] = [];
  for (const a of A) {
    const i = idx.get(a);
    pos.push(i === undefined ? -1 : i);
  }
  let correct = 0;
  for (let i = 0; i < pos.length; i++) {
    if (pos[i] < 0) continue;
    for (let j = i + 1; j < pos.length; j++) if (pos[j] >= 0 && pos[i] < pos[j]) correct++;
  }
  return correct / nTotal;
}
