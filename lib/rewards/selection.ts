/**
 * Selection — multiple choice; data_source `selection`.
 *
 *   x(t) = first match of /The correct answer is \(([A-D])\)/ in t without '*', else of
 *          /The correct answer is ([A-D])/, else None
 *   score = 1  if x(answer) is not None and (x(answer) == label or x(answer) == x(label))  else 0
 *
 * `answer` is the response after the last `</think>`. Source: GoLongRL
 * `Train/verl/verl/utils/reward_score/multi_choices.py`.
 */

export function extractChoice(text: string): string | null {
  const t = text.replaceAll('*', '');
  const m = /The correct answer is \(([A-D])\)/.exec(t) ?? /The correct answer is ([A-D])/.exec(t);
  return m ? m[1] : null;
}

export function selectionScore(answer: string, goldenLabel: string): number {
  const x = extractChoice(answer);
  if (x === null) return 0;
  return x === goldenLabel || x === extractChoice(goldenLabel) ? 1 : 0;
}
