/**
 * Retrieval + calculation — data_source `retrieval_calculate`; capability "numerical reasoning".
 *
 *   ids   = all <|doc_N|> inside the first <relevant_doc_ids>…</relevant_doc_ids>
 *   cr    = strip(first <continue_reasoning>…</continue_reasoning>)
 *   score = 1  if ids and cr are non-empty  and  set(ids) == set(ground_truth.doc_ids)
 *                 and math_verify(cr, ground_truth.golden_label) > 0
 *           else 0
 *
 * `text` is the response after the last `</think>` (the dispatcher cuts it). N matches Unicode
 * decimal digits, as Python's `\d` does. Source: GoLongRL
 * `Train/verl/verl/utils/reward_score/retrieval_calculate.py` (the "hard reward" branch).
 */
import { mathDapoScore } from './math_verify.js';
import { pyStrip } from './normalize.js';

function firstTag(text: string, tag: string): string | null {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(text);
  return m ? m[1] : null;
}

export function retrievalCalculateScore(text: string, docIds: unknown, goldenLabel: unknown): number {
  const idsText = firstTag(text, 'relevant_doc_ids');
  const ids = idsText === null ? [] : (idsText.match(/<\|doc_\p{Nd}+\|>/gu) ?? []);
  const cr = pyStrip(firstTag(text, 'continue_reasoning') ?? '');
  if (ids.length === 0 || cr === '') return 0;
  if (!Array.isArray(docIds) || !docIds.every((d) => typeof d === 'string')) return 0;
  const want = new Set(docIds as string[]);
  const got = new Set(ids);
  if (want.size !== got.size || ![...want].every((d) => got.has(d))) return 0;
  if (typeof goldenLabel !== 'string') return 0;
  return mathDapoScore(cr, goldenLabel) > 0 ? 1 : 0;
}
