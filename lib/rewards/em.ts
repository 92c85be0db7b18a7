/**
 * EM — exact match; data_source `EM`; capability "precise retrieval".
 *
 *   EM = 1  if strip(golden_label) == strip(answer)  else 0        (case-sensitive)
 *
 * `answer` is the response text after the last `</think>` (the dispatcher cuts it).
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/EM_judge.py`.
 */
import { pyStrip } from './normalize.js';

export function exactMatch(answer: string, goldenLabel: string): number {
  return pyStrip(goldenLabel) === pyStrip(answer) ? 1 : 0;
}
