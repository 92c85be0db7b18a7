/**
 * The Summary metric of LongBench-Pro (sub-tasks T4.1 / T4.2).
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py` (`Summary`, `Summary_Max_Rouge_L`),
 * see `docs/reference.md` §A.2.
 *
 *   A    = [fix_space(lower(a).strip()) for a in answers]
 *   pred = fix_space(lower(full_response).strip())        — the FULL text: no "[Answer]" cut, think block kept
 *   if A == [] or pred == "": 0
 *   if is_zh: A = [jieba_join(a) for a in A]; pred = jieba_join(pred)     (jieba_join = " ".join(jieba.cut(., cut_all=False)))
 *   score = max_i ROUGE-L-F(pred, A[i])                   (pltrdy rouge 1.0.1, see rouge.ts)
 *
 * The reference scores all references in ONE call, `Rouge().get_scores([pred] * len(A), A)`, inside
 * `try/except: return 0.0`: if any single reference is empty or only dots ("Reference is empty."), or
 * the prediction is, the whole call raises and the score is 0, even when other references are fine.
 * `is_zh` is `ground_truth["summary"] == "Chinese"` at the call site (a reference quirk, §A.1).
 *
 * Divergence (see rouge.ts): on very long sentence pairs the reference hits Python's recursion limit
 * and returns 0; here the true ROUGE-L score is returned.
 *
 * Never throws; always returns a finite number in [0, 1].
 */
import { jiebaJoin } from './jieba.js';
import { fixSpace, pyLower, pyStrip } from './normalize.js';
import { Interner, rougeLIds, rougeSentenceIds } from './rouge.js';
import { guarded } from './types.js';

function summaryScoreUnguarded(fullResponse: string, answers: readonly string[], isChinese: boolean): number {
  let refs = answers.map((a) => fixSpace(pyStrip(pyLower(a))));
  let pred = fixSpace(pyStrip(pyLower(fullResponse)));
  if (refs.length === 0 || pred === '') return 0;
  if (isChinese) {
    refs = refs.map(jiebaJoin);
    pred = jiebaJoin(pred);
  }
  // rougeSentences + interning in one scan per text, one interner for the prediction and every reference.
  const interner = new Interner();
  const predSentences = rougeSentenceIds(pred, interner);
  const refSentences = refs.map((r) => rougeSentenceIds(r, interner));
  // get_scores raises on the first empty hypothesis/reference → the reference's `except` → 0.
  if (predSentences.length === 0 || refSentences.some((s) => s.length === 0)) return 0;
  let best = 0;
  for (const rs of refSentences) {
    const f = rougeLIds(predSentences, rs, interner.size).f;
    if (f > best) best = f;
  }
  return best;
}

/** Summary reward of one response against its reference summaries (`ground_truth.doc_ids`). */
export const summaryScore: (fullResponse: string, answers: readonly string[], isChinese: boolean) => number =
  guarded(summaryScoreUnguarded);
