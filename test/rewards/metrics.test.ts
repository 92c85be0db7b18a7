/** Hand-computed cases for the list metrics, EM, selection, IoU, retrieval_calculate and the dispatcher. */
import { describe, expect, it } from 'vitest';
import { accuracy } from '../../lib/rewards/accuracy.js';
import { capabilityOf, rewardTypeOf, CAPABILITIES, REWARD_CAPABILITY } from '../../lib/rewards/capabilities.js';
import { exactMatch } from '../../lib/rewards/em.js';
import { f1Score } from '../../lib/rewards/f1.js';
import { afterThink, checkRewardCase, computeScore, listDataSources, passesFormatGate } from '../../lib/rewards/index.js';
import { iouScore } from '../../lib/rewards/iou.js';
import { ndcg } from '../../lib/rewards/ndcg.js';
import { fixSpace, getAnswerArea, predictionLines } from '../../lib/rewards/normalize.js';
import { pairwiseAccuracy } from '../../lib/rewards/pairwise.js';
import { retrievalCalculateScore } from '../../lib/rewards/retrieval_calculate.js';
import { extractChoice, selectionScore } from '../../lib/rewards/selection.js';
import { subEM } from '../../lib/rewards/subem.js';
import { TASK_METRIC_CONFIG, toRewardMode } from '../../lib/rewards/subtasks.js';

describe('normalisation (long_bench_pro.py helpers)', () => {
  it('keeps the text after the LAST [Answer], before [答案], stripped', () => {
    expect(getAnswerArea('x [Answer] a [Answer]  b \n')).toBe('b');
    expect(getAnswerArea('x [答案] 甲')).toBe('甲');
    expect(getAnswerArea('[答案] a [Answer] b')).toBe('b');
    expect(getAnswerArea('  no marker ')).toBe('no marker');
    expect(getAnswerArea('[answer] lower-case marker')).toBe('[answer] lower-case marker');
  });
  it('splits on \\n only, keeps blank lines, collapses inner whitespace', () => {
    expect(predictionLines('[Answer]\nA  b\n\n\tC ')).toEqual(['a b', '', 'c']);
    expect(fixSpace(' a \u3000 b\u00a0c ')).toBe('a b c');
  });
});

describe('Accuracy', () => {
  it('compares the first gold answer with the first prediction line', () => {
    expect(accuracy(['Paris', 'x'], '<think>t</think>[Answer]\n paris \nlyon')).toBe(1);
    expect(accuracy(['Paris'], '[Answer]\nlyon\nparis')).toBe(0);
    expect(accuracy([], 'paris')).toBe(0);
  });
});

describe('F1 (set)', () => {
  it('p = 2/3, r = 2/4 → F1 = 4/7', () => {
    expect(f1Score(['a', 'b', 'c', 'd'], '[Answer]\na\nb\nz')).toBeCloseTo(4 / 7, 12);
  });
  it('duplicates count once; no overlap → 0', () => {
    expect(f1Score(['a', 'a'], '[Answer]\na\na')).toBe(1);
    expect(f1Score(['a'], '[Answer]\nb')).toBe(0);
  });
});

describe('SubEM', () => {
  it('counts gold items found among the lines; gold is not de-duplicated', () => {
    expect(subEM(['a', 'b', 'c'], '[Answer]\nc\na')).toBeCloseTo(2 / 3, 12);
    expect(subEM(['a', 'a', 'b'], '[Answer]\na')).toBeCloseTo(2 / 3, 12);
  });
});

describe('Pairwise accuracy', () => {
  it('counts ordered gold pairs over ALL prediction-line pairs', () => {
    // P = [b, a, c]: gold pairs (a,b) wrong, (a,c) right, (b,c) right → 2 of 3
    expect(pairwiseAccuracy(['a', 'b', 'c'], '[Answer]\nb\na\nc')).toBeCloseTo(2 / 3, 12);
    // an extra blank line makes 4 lines → 6 pairs in the denominator
    expect(pairwiseAccuracy(['a', 'b', 'c'], '[Answer]\na\nb\nc\n\nx')).toBeCloseTo(3 / 10, 12);
  });
  it('uses the LAST position of a repeated line', () => {
    // P = [a, b, a]: idx[a] = 2 > idx[b] = 1 → the pair (a, b) is wrong
    expect(pairwiseAccuracy(['a', 'b'], '[Answer]\na\nb\na')).toBe(0);
  });
  it('is 0 for a single gold or single line', () => {
    expect(pairwiseAccuracy(['a'], '[Answer]\na\nb')).toBe(0);
    expect(pairwiseAccuracy(['a', 'b'], '[Answer]\na')).toBe(0);
  });
});

describe('NDCG (trec_eval ndcg_cut, linear gain)', () => {
  it('perfect ranking is 1', () => {
    expect(ndcg(['a', 'b', 'c'], '[Answer]\na\nb\nc')).toBeCloseTo(1, 12);
  });
  it('worked example: gold [x, y] (rel 2, 1), run [z, y, x], k = 2', () => {
    // DCG@2 = 0/log2(2) + 1/log2(3); IDCG@2 = 2/log2(2) + 1/log2(3)
    const dcg = 1 / Math.log2(3);
    const idcg = 2 + 1 / Math.log2(3);
    expect(ndcg(['x', 'y'], '[Answer]\nz\ny\nx')).toBeCloseTo(dcg / idcg, 12);
  });
  it('a repeated gold line keeps its later, lower relevance (dict semantics)', () => {
    // qrels {a: 1, b: 2} (a first 3, then overwritten by 1), k = 3; run [b, a] is ideal
    expect(ndcg(['a', 'b', 'a'], '[Answer]\nb\na')).toBeCloseTo(1, 12);
    // run [a, b]: DCG = 1 + 2/log2 3; IDCG = 2 + 1/log2 3
    expect(ndcg(['a', 'b', 'a'], '[Answer]\na\nb')).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)), 12);
  });
  it('cuts at k = |gold|', () => {
    // k = 1: only the first ranked line counts
    expect(ndcg(['a'], '[Answer]\nz\na')).toBe(0);
  });
});

describe('EM', () => {
  it('strips whitespace, is case-sensitive', () => {
    expect(exactMatch('  verse 12\n', 'verse 12')).toBe(1);
    expect(exactMatch('Verse 12', 'verse 12')).toBe(0);
  });
});

describe('selection', () => {
  it('extracts "(X)" first, then bare X, after removing *', () => {
    expect(extractChoice('**The correct answer is (B)**')).toBe('B');
    expect(extractChoice('The correct answer is C.')).toBe('C');
    expect(extractChoice('the correct answer is C')).toBeNull();
    expect(selectionScore('The correct answer is (B)', 'B')).toBe(1);
    expect(selectionScore('The correct answer is (B)', 'The correct answer is (B)')).toBe(1);
    expect(selectionScore('The correct answer is (E)', 'E')).toBe(0);
  });
});

describe('IoU (multitableqa)', () => {
  const gt = { golden_label: JSON.stringify({ data: [['a', 1], ['b', 2], ['c', 3]] }) };
  it('multiset intersection over union of rows', () => {
    // pred rows: [a,1], [b,2], [x,9] → m = 2, union = 3 + 3 − 2 = 4
    expect(iouScore('<answer>{"data": [["a", 1], ["b", 2], ["x", 9]]}</answer>', gt)).toBeCloseTo(0.5, 12);
  });
  it('keys on Python str(): 1 and 1.0 differ', () => {
    expect(iouScore('<answer>{"data": [["a", 1.0]]}</answer>', { golden_label: '{"data": [["a", 1]]}' })).toBe(0);
    expect(iouScore('<answer>{"data": [["a", 1]]}</answer>', { golden_label: '{"data": [["a", 1]]}' })).toBe(1);
  });
  it('a think block without <answer> tags breaks the whole-text parse (reference quirk)', () => {
    expect(iouScore('<think>x</think>{"data": [["a", 1], ["b", 2], ["c", 3]]}', gt)).toBe(0);
    expect(iouScore('{"data": [["a", 1], ["b", 2], ["c", 3]]}', gt)).toBe(1);
  });
  it('non-list pred data scores 0; unparsable gold scores 0', () => {
    expect(iouScore('{"data": 5}', gt)).toBe(0);
    expect(iouScore('{"data": []}', { golden_label: 'not json' })).toBe(0);
  });
});

describe('retrieval_calculate', () => {
  const resp = '<relevant_doc_ids><|doc_1|>, <|doc_2|></relevant_doc_ids><continue_reasoning>so \\boxed{42}</continue_reasoning>';
  it('needs the exact doc-id set and a verified answer', () => {
    expect(retrievalCalculateScore(resp, ['<|doc_2|>', '<|doc_1|>'], '42')).toBe(1);
    expect(retrievalCalculateScore(resp, ['<|doc_1|>'], '42')).toBe(0);
    expect(retrievalCalculateScore(resp, ['<|doc_1|>', '<|doc_2|>'], '41')).toBe(0);
    expect(retrievalCalculateScore('<continue_reasoning>\\boxed{42}</continue_reasoning>', ['<|doc_1|>'], '42')).toBe(0);
  });
});

describe('format gate and dispatch (default_compute_score)', () => {
  it('requires exactly one </think> and at most one <think>', () => {
    expect(passesFormatGate('no think at all')).toBe(false);
    expect(passesFormatGate('reasoning</think>answer')).toBe(true);
    expect(passesFormatGate('<think>a</think>b')).toBe(true);
    expect(passesFormatGate('<think>a</think><think>b</think>c')).toBe(false);
    expect(passesFormatGate('<think><think>a</think>')).toBe(false);
    expect(afterThink('a</think> b')).toBe(' b');
  });
  it('dispatches each data_source, ground truth as list → last element', () => {
    expect(computeScore({ data_source: 'EM', response: 'r</think>x', ground_truth: [{ golden_label: 'y' }, { golden_label: 'x' }] })).toBe(1);
    expect(computeScore({ data_source: 'EM', response: 'x', ground_truth: { golden_label: 'x' } })).toBe(0);
    expect(
      computeScore({ data_source: 'longbench_pro', response: 'r</think>[Answer]\na', ground_truth: { doc_ids: ['a'], summary: 'English' }, extra_info: { reward_mode: 'T3.2 Single-Hop Fact QA' } }),
    ).toBe(1);
    expect(computeScore({ data_source: 'x_math_longcot_math_verify_y', response: 'r</think>\\boxed{7}', ground_truth: '7' })).toBe(1);
    expect(listDataSources()).toEqual(['longbench_pro', 'EM', 'selection', 'math_longcot_math_verify', 'multitableqa_pretraining', 'retrieval_calculate']);
  });
  it('names the field where the reference would raise, and still never throws', () => {
    const unknown = { data_source: 'nope', response: 'r</think>', ground_truth: {} };
    expect(checkRewardCase(unknown)?.field).toBe('data_source');
    expect(computeScore(unknown)).toBe(0);
    const badTask = { data_source: 'longbench_pro', response: 'r</think>', ground_truth: { doc_ids: ['a'] }, extra_info: { reward_mode: 'T99' } };
    expect(checkRewardCase(badTask)).toEqual({ field: 'extra_info.reward_mode', reason: "unknown LongBench-Pro sub-task 'T99'" });
    expect(checkRewardCase({ data_source: 'EM', response: 'r', ground_truth: {} })?.field).toBe('ground_truth.golden_label');
  });
});

describe('sub-tasks, reward modes and capability types', () => {
  it('has the 25 sub-tasks', () => {
    expect(Object.keys(TASK_METRIC_CONFIG)).toHaveLength(25);
  });
  it('maps reward modes as the trainer does', () => {
    expect(toRewardMode('T4.2 Query-Focused Summary')).toBe('Summary');
    expect(toRewardMode('EM')).toBe('EM');
    expect(toRewardMode(undefined)).toBe('');
  });
  it('covers each of the 9 capabilities with one reward type', () => {
    const covered = new Set(Object.values(REWARD_CAPABILITY));
    expect([...covered].sort()).toEqual([...CAPABILITIES].sort());
    expect(rewardTypeOf('longbench_pro', 'T4.1 Global-Coverage Constrained Summary')).toBe('ROUGE-L');
    expect(capabilityOf('multitableqa_pretraining')).toBe('structured_extraction');
    expect(capabilityOf('longbench_pro', 'T2.2 Local Causal Chain Sorting')).toBe('sequence_ordering');
    expect(capabilityOf('unknown_source')).toBeUndefined();
  });
});
