/**
 * Property: every scorer, on any input, returns a finite number in [0, 1] and never throws.
 * 100,000 fuzzed inputs per scorer (the Summary and math_verify scorers have their own
 * fuzz tests beside them). Inputs mix random Unicode with the fragments the scorers parse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy } from '../../lib/rewards/accuracy.js';
import { exactMatch } from '../../lib/rewards/em.js';
import { f1Score } from '../../lib/rewards/f1.js';
import { computeScore, type RewardCase } from '../../lib/rewards/index.js';
import { iouScore } from '../../lib/rewards/iou.js';
import { longBenchProScore } from '../../lib/rewards/longbench_pro.js';
import { ndcg } from '../../lib/rewards/ndcg.js';
import { pairwiseAccuracy } from '../../lib/rewards/pairwise.js';
import { retrievalCalculateScore } from '../../lib/rewards/retrieval_calculate.js';
import { selectionScore } from '../../lib/rewards/selection.js';
import { subEM } from '../../lib/rewards/subem.js';
import { TASK_METRIC_CONFIG } from '../../lib/rewards/subtasks.js';

const RUNS = 100_000;
const FRAGMENTS = [
  '<think>', '</think>', '[Answer]', '[答案]', '\n', ' ', '\t', 'a', 'b', 'A', '1', '.', '*',
  'The correct answer is (', 'The correct answer is ', ')', '<answer>', '</answer>', '{"data": [', ']', '}', '[', '"', ',',
  '1.0', 'null', 'NaN', '<relevant_doc_ids>', '</relevant_doc_ids>', '<|doc_1|>', '<|doc_٣|>', '<continue_reasoning>',
  '</continue_reasoning>', '\\boxed{', '42', '\u0000', '\ud800', '😀', '中文', '\u3000',
];
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 14 }).map((xs) => xs.join('')),
);
const answers = fc.array(text, { maxLength: 6 });
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), answers, fc.constant(undefined));

function unit(x: number): void {
  expect(typeof x).toBe('number');
  expect(Number.isFinite(x)).toBe(true);
  expect(x).toBeGreaterThanOrEqual(0);
  expect(x).toBeLessThanOrEqual(1);
}

const LIST_METRICS = { accuracy, f1Score, subEM, pairwiseAccuracy, ndcg };

describe('scorers stay in [0, 1] on 100,000 fuzzed inputs each', () => {
  for (const [name, f] of Object.entries(LIST_METRICS)) {
    it(name, () => {
      fc.assert(fc.property(answers, text, (a, p) => unit(f(a, p))), { numRuns: RUNS });
    });
  }
  it('exactMatch', () => {
    fc.assert(fc.property(text, text, (r, g) => unit(exactMatch(r, g))), { numRuns: RUNS });
  });
  it('selectionScore', () => {
    fc.assert(fc.property(text, text, (r, g) => unit(selectionScore(r, g))), { numRuns: RUNS });
  });
  it('iouScore', () => {
    const gt = fc.oneof(
      text.map((s) => ({ golden_label: s })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => ({ golden_label: JSON.stringify({ data: v }) })),
      anyJson,
    );
    fc.assert(fc.property(text, gt, (r, g) => unit(iouScore(r, g))), { numRuns: RUNS });
  });
  it('retrievalCalculateScore', () => {
    fc.assert(fc.property(text, anyJson, anyJson, (r, d, g) => unit(retrievalCalculateScore(r, d, g))), { numRuns: RUNS });
  });
  it('longBenchProScore (list metrics)', () => {
    const listTasks = Object.keys(TASK_METRIC_CONFIG).filter((k) => TASK_METRIC_CONFIG[k] !== 'Summary');
    fc.assert(
      fc.property(text, anyJson, fc.oneof(fc.constantFrom(...listTasks), text), anyJson, (r, d, t, l) => unit(longBenchProScore(r, d, t, l))),
      { numRuns: RUNS },
    );
  });
  it('computeScore (gate + dispatch, any data_source and ground truth shape)', () => {
    const sources = fc.oneof(fc.constantFrom('longbench_pro', 'EM', 'selection', 'math_longcot_math_verify', 'multitableqa_pretraining', 'retrieval_calculate'), text);
    const c = fc.record({
      data_source: sources,
      response: text,
      ground_truth: anyJson,
      extra_info: fc.oneof(fc.constant(null), fc.record({ reward_mode: fc.oneof(fc.constantFrom(...Object.keys(TASK_METRIC_CONFIG)), text) })),
    });
    fc.assert(fc.property(c, (x) => unit(computeScore(x as RewardCase))), { numRuns: RUNS });
  });
});
