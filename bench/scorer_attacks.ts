/**
 * Adversarial inputs for every scorer (issue 15 item 1): long runs of each Python whitespace code point,
 * digits, braces and nesting, placed in the response (inside and after the think block) and in the
 * ground truth. Shared by `test/rewards/linear_time.test.ts` (2× input → ≤ 3× time, at a size where a
 * quadratic scorer is obvious) and by `npm run bench` (worst-case per-call time on the audit's attacks).
 */
import { TASK_METRIC_CONFIG } from '../lib/rewards/subtasks.js';
import type { RewardCase } from '../lib/rewards/types.js';

/** Every code point for which Python's `str.isspace()` is true (CPython's `_PyUnicode_IsWhitespace`). */
export const PY_WHITESPACE: readonly string[] = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
].map((c) => String.fromCodePoint(c));

/** One scorer target: a data_source (and a LongBench-Pro sub-task for each of the six metrics, both summary languages). */
export interface ScorerTarget {
  name: string;
  /** Build a case whose response and/or ground truth carries `payload`. */
  make: (payload: string, where: 'response' | 'ground_truth') => RewardCase;
}

function firstSubTask(metric: string): string {
  return Object.keys(TASK_METRIC_CONFIG).find((k) => TASK_METRIC_CONFIG[k] === metric)!;
}

const lbp = (metric: string, summary = 'English'): ScorerTarget => ({
  name: `longbench_pro/${metric}${metric === 'Summary' ? `/${summary}` : ''}`,
  make: (p, where) => ({
    data_source: 'longbench_pro',
    response: where === 'response' ? `<think>${p}</think>[Answer]\n${p}a\n${p}\nb${p}` : '<think>t</think>[Answer]\na\nb',
    ground_truth: { doc_ids: where === 'response' ? ['a', 'b', 'c'] : [`${p}a${p}`, `b${p}`], summary, golden_label: '' },
    extra_info: { reward_mode: firstSubTask(metric) },
  }),
});

export const SCORER_TARGETS: readonly ScorerTarget[] = [
  ...['NDCG', 'Pairwise_Accuracy', 'Accuracy', 'F1_Score', 'SubEM'].map((m) => lbp(m)),
  lbp('Summary', 'English'),
  lbp('Summary', 'Chinese'),
  {
    name: 'EM',
    make: (p, where) => ({ data_source: 'EM', response: where === 'response' ? `<think>${p}</think>${p}verse 12${p}` : '<think>t</think>verse 12', ground_truth: { golden_label: where === 'ground_truth' ? `${p}verse 12${p}` : 'verse 12' } }),
  },
  {
    name: 'selection',
    make: (p, where) => ({ data_source: 'selection', response: where === 'response' ? `<think>${p}</think>The correct answer is (B)${p}The correct answer is ${p}` : '<think>t</think>The correct answer is (B)', ground_truth: { golden_label: where === 'ground_truth' ? `${p}B${p}` : 'B' } }),
  },
  {
    name: 'math_longcot_math_verify',
    make: (p, where) => ({ data_source: 'math_longcot_math_verify', response: where === 'response' ? `<think>${p}</think>so $${p}x${p}$ and \\boxed{${p}3.75${p}}${p}` : '<think>t</think>so \\boxed{3.75}', ground_truth: where === 'ground_truth' ? `${p}\\frac{15}{4}${p}` : '3.75' }),
  },
  {
    name: 'multitableqa_pretraining',
    make: (p, where) => ({ data_source: 'multitableqa_pretraining', response: where === 'response' ? `<think>${p}</think><answer>${p}{"data": [["a",${p}1]]}${p}</answer>${p}` : '<think>t</think><answer>{"data": [["a", 1]]}</answer>', ground_truth: { golden_label: where === 'ground_truth' ? `${p}{"data": [["a",${p}1]]}${p}` : '{"data": [["a", 1]]}' } }),
  },
  {
    name: 'retrieval_calculate',
    make: (p, where) => ({ data_source: 'retrieval_calculate', response: where === 'response' ? `<think>${p}</think><relevant_doc_ids>${p}<|doc_1|>${p}</relevant_doc_ids><continue_reasoning>${p}\\boxed{${p}42${p}}${p}</continue_reasoning>${p}` : '<think>t</think><relevant_doc_ids><|doc_1|></relevant_doc_ids><continue_reasoning>\\boxed{42}</continue_reasoning>', ground_truth: { doc_ids: ['<|doc_1|>'], golden_label: where === 'ground_truth' ? `${p}42${p}` : '42' } }),
  },
];

/** Payload kinds: a run of n of one whitespace code point, digits, braces, nesting, and mixes. */
export interface Attack {
  name: string;
  payload: (n: number) => string;
}

export const ATTACKS: readonly Attack[] = [
  ...PY_WHITESPACE.map((w) => ({ name: `ws U+${w.codePointAt(0)!.toString(16).padStart(4, '0')}`, payload: (n: number) => w.repeat(n) })),
  { name: 'all whitespace kinds cycled', payload: (n) => Array.from({ length: n }, (_, i) => PY_WHITESPACE[i % PY_WHITESPACE.length]).join('') },
  { name: 'digits', payload: (n) => '7'.repeat(n) },
  { name: 'digits and spaces', payload: (n) => '1 '.repeat(n >> 1) },
  { name: 'digits, commas, dots', payload: (n) => '1,2.'.repeat(n >> 2) },
  { name: 'open braces', payload: (n) => '{'.repeat(n) },
  { name: 'close braces', payload: (n) => '}'.repeat(n) },
  { name: 'nested braces', payload: (n) => '{'.repeat(n >> 1) + '}'.repeat(n >> 1) },
  { name: 'nested \\frac', payload: (n) => '\\frac{1}{'.repeat(n >> 4) + '2' + '}'.repeat(n >> 4) },
  { name: 'nested parens', payload: (n) => '('.repeat(n >> 1) + ')'.repeat(n >> 1) },
  { name: 'dollars', payload: (n) => '$'.repeat(n) },
  { name: 'dollar pairs with spaces', payload: (n) => '$ $'.repeat(Math.max(1, Math.floor(n / 3))) },
  { name: 'boxed repeated', payload: (n) => '\\boxed{1}'.repeat(Math.max(1, n >> 3)) },
  { name: 'newlines and text', payload: (n) => 'a\n'.repeat(n >> 1) },
  { name: 'letters', payload: (n) => 'x'.repeat(n) },
  { name: 'answer markers', payload: (n) => '[Answer]'.repeat(Math.max(1, n >> 3)) },
  { name: 'backslashes', payload: (n) => '\\'.repeat(n) },
  { name: 'equals signs', payload: (n) => '= '.repeat(n >> 1) },
  { name: 'Chinese', payload: (n) => '中文测试'.repeat(Math.max(1, n >> 2)) },
];
