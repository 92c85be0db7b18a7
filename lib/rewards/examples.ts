/**
 * Worked examples for every reward: the cases `docs/rewards.md` and notebook `02-rewards` walk
 * through. Each carries the score GoLongRL's code gives and why; `test/rewards/examples.test.ts`
 * checks every one against `computeScore`, so the notebook cannot drift from the library.
 */
import { computeScore } from './index.js';
import { rougeLDetails } from './rouge.js';
import type { RewardCase } from './types.js';

export type ExampleGroup =
  | 'format gate'
  | 'EM'
  | 'Accuracy'
  | 'F1'
  | 'SubEM'
  | 'Pairwise'
  | 'NDCG'
  | 'ROUGE-L'
  | 'selection'
  | 'math_verify'
  | 'IoU'
  | 'retrieval_calculate';

export interface RewardExample {
  group: ExampleGroup;
  title: string;
  case: RewardCase;
  /** The reference's score (hand-derived; checked by the tests). */
  expected: number;
  why: string;
}

const lbp = (subTask: string, docIds: string[], response: string, summary = 'English'): RewardCase => ({
  data_source: 'longbench_pro',
  response,
  ground_truth: { doc_ids: docIds, summary, golden_label: '' },
  extra_info: { reward_mode: subTask },
});

export const REWARD_EXAMPLES: readonly RewardExample[] = [
  { group: 'format gate', title: 'no </think>', case: { data_source: 'EM', response: 'verse 12', ground_truth: { golden_label: 'verse 12' } }, expected: 0, why: 'every reward requires "</think>" first' },
  { group: 'format gate', title: 'two think blocks', case: { data_source: 'EM', response: '<think>a</think><think>b</think>verse 12', ground_truth: { golden_label: 'verse 12' } }, expected: 0, why: 'more than one <think> or </think> → 0' },
  { group: 'format gate', title: 'no <think> (template opens it)', case: { data_source: 'EM', response: 'reasoning…</think>verse 12', ground_truth: { golden_label: 'verse 12' } }, expected: 1, why: 'Qwen3 Thinking templates put <think> in the prompt, so only </think> is required' },
  { group: 'EM', title: 'whitespace is stripped', case: { data_source: 'EM', response: '<think>t</think>\n  verse 12 \n', ground_truth: { golden_label: 'verse 12' } }, expected: 1, why: 'strip() on both sides' },
  { group: 'EM', title: 'case matters', case: { data_source: 'EM', response: '<think>t</think>Verse 12', ground_truth: { golden_label: 'verse 12' } }, expected: 0, why: 'EM is case-sensitive (LongBench-Pro metrics lower-case, EM does not)' },
  { group: 'Accuracy', title: 'first line only', case: lbp('T3.2 Single-Hop Fact QA', ['Paris'], '<think>t</think>[Answer]\nparis\nlyon'), expected: 1, why: 'A[0] == P[0] after lower-casing; later lines are ignored' },
  { group: 'Accuracy', title: 'no [Answer] marker', case: lbp('T3.2 Single-Hop Fact QA', ['Paris'], 'thinking</think>paris'), expected: 0, why: 'without [Answer] the whole text is the answer area, so the first line is "thinking</think>paris"' },
  { group: 'F1', title: 'p = 2/3, r = 1/2', case: lbp('T5.1 Full-Sentence Citation Alignment', ['a', 'b', 'c', 'd'], '<think>t</think>[Answer]\na\nb\nz'), expected: 4 / 7, why: 'set F1 = 2pr/(p+r) = 4/7' },
  { group: 'SubEM', title: 'two of three found', case: lbp('T8.2 Single-Source Targeted Aggregation', ['a', 'b', 'c'], '<think>t</think>[Answer]\nc\na'), expected: 2 / 3, why: 'each gold item present as a line counts 1/|A|' },
  { group: 'Pairwise', title: 'one pair swapped', case: lbp('T2.1 Global Timeline Reconstruction', ['a', 'b', 'c'], '<think>t</think>[Answer]\nb\na\nc'), expected: 2 / 3, why: '(a,c) and (b,c) in order, (a,b) not: 2 of 3 pairs' },
  { group: 'Pairwise', title: 'extra lines are penalised', case: lbp('T2.1 Global Timeline Reconstruction', ['a', 'b', 'c'], '<think>t</think>[Answer]\na\nb\nc\n\nx'), expected: 3 / 10, why: 'the denominator counts prediction lines: 5 lines → 10 pairs' },
  { group: 'NDCG', title: 'perfect ranking', case: lbp('T1.1 Global Cohesive Retrieval', ['a', 'b', 'c'], '<think>t</think>[Answer]\na\nb\nc'), expected: 1, why: 'DCG = IDCG' },
  { group: 'NDCG', title: 'graded relevance, k = 2', case: lbp('T1.2 Key-Snippet Retrieval', ['x', 'y'], '<think>t</think>[Answer]\nz\ny\nx'), expected: 1 / Math.log2(3) / (2 + 1 / Math.log2(3)), why: 'DCG@2 = 1/log2 3, IDCG@2 = 2 + 1/log2 3 → 0.2398' },
  { group: 'ROUGE-L', title: 'think text counts against precision', case: lbp('T4.2 Query-Focused Summary', ['the cat sat on the mat.'], '<think>ok</think>the cat sat on the mat.'), expected: (2 * (5 / 6) * 1) / (5 / 6 + 1 + 1e-8), why: 'the whole response is the summary: "<think>ok</think>the" is a 6th unique token, so P = 5/6, R = 1' },
  { group: 'ROUGE-L', title: 'one empty reference zeroes all', case: lbp('T4.2 Query-Focused Summary', ['the cat sat.', '...'], '</think>the cat sat.'), expected: 0, why: 'all references go through one get_scores call; an empty one raises → 0' },
  { group: 'selection', title: 'bold answer', case: { data_source: 'selection', response: '<think>t</think>**The correct answer is (B)**', ground_truth: { golden_label: 'B' } }, expected: 1, why: '"*" is removed before matching' },
  { group: 'selection', title: 'lower-case phrase', case: { data_source: 'selection', response: '<think>t</think>the correct answer is (B)', ground_truth: { golden_label: 'B' } }, expected: 0, why: 'the pattern is case-sensitive' },
  { group: 'math_verify', title: 'fraction vs decimal', case: { data_source: 'math_longcot_math_verify', response: '<think>t</think>so \\boxed{\\frac{15}{4}}', ground_truth: '3.75' }, expected: 1, why: 'numeric equivalence' },
  { group: 'math_verify', title: 'LaTeX outside math mode', case: { data_source: 'math_longcot_math_verify', response: '<think>t</think>Answer: 2\\sqrt3', ground_truth: '2\\sqrt{3}' }, expected: 0, why: 'only "2" is extracted: LaTeX is parsed inside $…$ or \\boxed{}' },
  { group: 'math_verify', title: 'rounding to 6 decimals', case: { data_source: 'math_longcot_math_verify', response: '<think>t</think>The answer is $3.14159$.', ground_truth: '\\pi' }, expected: 0, why: 'π rounds to 3.141593 ≠ 3.14159' },
  { group: 'IoU', title: 'two of three rows, one wrong', case: { data_source: 'multitableqa_pretraining', response: '<think>t</think><answer>{"data": [["a", 1], ["b", 2], ["x", 9]]}</answer>', ground_truth: { golden_label: '{"data": [["a", 1], ["b", 2], ["c", 3]]}' } }, expected: 0.5, why: 'm = 2, union = 3 + 3 − 2 = 4' },
  { group: 'IoU', title: 'no <answer> tags after a think block', case: { data_source: 'multitableqa_pretraining', response: '<think>t</think>{"data": [["a", 1]]}', ground_truth: { golden_label: '{"data": [["a", 1]]}' } }, expected: 0, why: 'the reference never strips the think block, so the whole-text JSON parse fails' },
  { group: 'retrieval_calculate', title: 'right ids and answer', case: { data_source: 'retrieval_calculate', response: '<think>t</think><relevant_doc_ids><|doc_1|>, <|doc_2|></relevant_doc_ids><continue_reasoning>\\boxed{42}</continue_reasoning>', ground_truth: { doc_ids: ['<|doc_2|>', '<|doc_1|>'], golden_label: '42' } }, expected: 1, why: 'exact id set AND a verified answer' },
  { group: 'retrieval_calculate', title: 'one id missing', case: { data_source: 'retrieval_calculate', response: '<think>t</think><relevant_doc_ids><|doc_1|></relevant_doc_ids><continue_reasoning>\\boxed{42}</continue_reasoning>', ground_truth: { doc_ids: ['<|doc_2|>', '<|doc_1|>'], golden_label: '42' } }, expected: 0, why: 'the hard reward needs set equality' },
];

export interface ScoredExample {
  group: ExampleGroup;
  title: string;
  response: string;
  gold: string;
  score: number;
  expected: number;
  why: string;
}

function goldText(c: RewardCase): string {
  const gt = c.ground_truth as Record<string, unknown> | string;
  if (typeof gt === 'string') return gt;
  if (Array.isArray(gt.doc_ids)) return (gt.doc_ids as string[]).join(' | ');
  return String(gt.golden_label ?? '');
}

/** Score every example (or one group) with the library; for tables. */
export function scoreExamples(group?: ExampleGroup): ScoredExample[] {
  return REWARD_EXAMPLES.filter((e) => !group || e.group === group).map((e) => ({
    group: e.group,
    title: e.title,
    response: e.case.response,
    gold: goldText(e.case),
    score: computeScore(e.case),
    expected: e.expected,
    why: e.why,
  }));
}

export interface RecursionDivergence {
  words: number;
  /** Our ROUGE-L F for the pair. */
  ours: number;
  /** Nested `_recon` frames pltrdy's recursive reconstruction would need. */
  referenceDepth: number;
  /** What GoLongRL's reward returns: 0 when the depth passes Python's default limit of 1000 frames. */
  reference: number;
}

/**
 * A reference summary of `words` words in one sentence (no "."), and a hypothesis that keeps every
 * other word: the depth the reference's recursion needs grows with the sentence, past Python's limit.
 */
export function recursionDivergence(words: number): RecursionDivergence {
  const ref = Array.from({ length: words }, (_, i) => `w${i}`);
  const hyp = ref.filter((_, i) => i % 2 === 0);
  const d = rougeLDetails(hyp.join(' '), ref.join(' '), { trackDepth: true });
  return { words, ours: d.f, referenceDepth: d.reconDepth, reference: d.reconDepth >= 1000 ? 0 : d.f };
}
