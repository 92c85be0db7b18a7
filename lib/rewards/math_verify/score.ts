/**
 * The reward: GoLongRL's `math_dapo.compute_score(..., is_longcot=True, is_use_math_verify=True)` on top of
 * `parse` and `verify` (see index.ts for the whole port's contract).
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { guarded } from '../types.js';
import { lastCodePoints } from './pystr.js';
import { mathVerifyVerify } from './verify.js';
import { mathVerifyParse, parseGold } from './extract.js';

/**
 * True when `pred` (any text; its answer is extracted as `parse` does) is equivalent to the gold answer
 * `gold` (a bare answer such as "1,250,000" or "\frac{1}{2}"), by the same rule as the reward:
 * the extracted string equals `gold`, or `verify(parse("\\boxed{" + gold + "}"), parse(pred))`.
 * (`retrieval_calculate` should call `mathDapoScore(cr, gold) > 0`, which also applies the 500-character tail.)
 */
export function mathVerifyEquivalent(gold: string, pred: string): boolean {
  try {
    const parsed = mathVerifyParse(pred);
    if (parsed.length < 2) return false;
    if (parsed[1] === gold) return true;
    return mathVerifyVerify(parseGold(gold), parsed);
  } catch {
    return false;
  }
}

export function mathDapoScoreRaw(solutionStr: string, groundTruth: string): number {
  if (typeof solutionStr !== 'string' || typeof groundTruth !== 'string') return 0;
  const tail = lastCodePoints(solutionStr, 500);
  return mathVerifyEquivalent(groundTruth, tail) ? 1 : 0;
}

/**
 * The `math_longcot_math_verify` reward: 1 if the last 500 characters of `solutionStr` carry an answer
 * equivalent to `groundTruth` by math_verify's rules, else 0. Never throws.
 */
export const mathDapoScore: (solutionStr: string, groundTruth: string) => number = guarded(mathDapoScoreRaw);
