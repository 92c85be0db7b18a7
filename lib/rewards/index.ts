/**
 * The reward entry point: GoLongRL's `default_compute_score` — the format gate, then dispatch
 * by `data_source` through a registry of scorers (as verl dispatches by data_source).
 *
 *   gate:  "</think>" not in response                         → 0
 *          count("<think>") > 1 or count("</think>") > 1       → 0
 *   then:  DATA_SOURCES[data_source](response, ground_truth, extra_info)
 *
 * | data_source (match)              | scorer                         | text scored              | ground truth used                     |
 * |----------------------------------|--------------------------------|--------------------------|---------------------------------------|
 * | `longbench_pro` (exact)          | longbench_pro.ts (6 metrics)   | full response            | gt[-1] if list; doc_ids; summary=lang |
 * | `EM` (exact)                     | em.ts                          | after last `</think>`    | gt[-1] if list; golden_label          |
 * | `selection` (exact)              | selection.ts                   | after last `</think>`    | gt[-1] if list; golden_label          |
 * | contains `math_longcot_math_verify` | math_verify.ts              | full (last 500 chars)    | gt[-1] if list; str or golden_label   |
 * | `multitableqa_pretraining` (exact) | iou.ts                       | full response            | gt as is; golden_label (JSON string)  |
 * | `retrieval_calculate` (exact)    | retrieval_calculate.ts         | after last `</think>`    | gt[-1] if list; doc_ids, golden_label |
 *
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/__init__.py::default_compute_score`.
 * The reference raises on an unknown data_source, a missing key, or an unknown LongBench-Pro
 * sub-task; `computeScore` never throws and returns 0 there, and `checkRewardCase` names the
 * field so callers (the CLI) can report the row instead of scoring it silently.
 * `enable_repetition_penalty` is not ported: its module is missing from the reference repo.
 */
import { exactMatch } from './em.js';
import { iouScore } from './iou.js';
import { longBenchProScore } from './longbench_pro.js';
import { mathDapoScore } from './math_verify.js';
import { retrievalCalculateScore } from './retrieval_calculate.js';
import { selectionScore } from './selection.js';
import { subTaskMetric } from './subtasks.js';
import { safeUnit, type RewardCase } from './types.js';

export type { RewardCase } from './types.js';

/** Count non-overlapping occurrences, as Python's `str.count`. */
function countOf(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** The format gate of `default_compute_score`: true when the response may be scored at all. */
export function passesFormatGate(response: string): boolean {
  if (!response.includes('</think>')) return false;
  return countOf(response, '<think>') <= 1 && countOf(response, '</think>') <= 1;
}

/** `solution_str.split("</think>")[-1]` */
export function afterThink(response: string): string {
  const i = response.lastIndexOf('</think>');
  return i < 0 ? response : response.slice(i + '</think>'.length);
}

function lastIfList(gt: unknown): unknown {
  return Array.isArray(gt) ? gt[gt.length - 1] : gt;
}

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}

export interface DataSourceEntry {
  name: string;
  /** How the reference matches this data_source (exact name, or substring for math). */
  matches: (dataSource: string) => boolean;
  score: (response: string, groundTruth: unknown, extraInfo: unknown) => number;
  /** Where the reference would raise instead of returning a score: the field at fault, else null. */
  check: (groundTruth: unknown, extraInfo: unknown) => { field: string; reason: string } | null;
}

const exact = (name: string) => (ds: string) => ds === name;
const needString = (v: unknown, f: string) => (typeof v === 'string' ? null : { field: f, reason: v === undefined ? 'missing' : 'expected a string' });

const ENTRIES: DataSourceEntry[] = [];

/** Register a scorer for a data_source. Names are unique; registration order is match order. */
export function registerDataSource(entry: DataSourceEntry): void {
  const existing = ENTRIES.find((e) => e.name === entry.name);
  if (existing && existing !== entry) throw new Error(`data_source scorer '${entry.name}' is already registered`);
  if (!existing) ENTRIES.push(entry);
}

export function listDataSources(): string[] {
  return ENTRIES.map((e) => e.name);
}

export function findDataSource(dataSource: string): DataSourceEntry | undefined {
  return ENTRIES.find((e) => e.matches(dataSource));
}

registerDataSource({
  name: 'longbench_pro',
  matches: exact('longbench_pro'),
  score: (r, gt, ei) => {
    const g = lastIfList(gt);
    return longBenchProScore(r, field(g, 'doc_ids'), field(ei, 'reward_mode'), field(g, 'summary'));
  },
  check: (gt, ei) => {
    const g = lastIfList(gt);
    if (field(g, 'doc_ids') === undefined) return { field: 'ground_truth.doc_ids', reason: 'missing' };
    const mode = field(ei, 'reward_mode');
    if (typeof mode !== 'string') return { field: 'extra_info.reward_mode', reason: mode === undefined ? 'missing' : 'expected a string' };
    if (!subTaskMetric(mode)) return { field: 'extra_info.reward_mode', reason: `unknown LongBench-Pro sub-task '${mode}'` };
    return null;
  },
});
registerDataSource({
  name: 'EM',
  matches: exact('EM'),
  score: (r, gt) => {
    const label = field(lastIfList(gt), 'golden_label');
    return typeof label === 'string' ? exactMatch(afterThink(r), label) : 0;
  },
  check: (gt) => needString(field(lastIfList(gt), 'golden_label'), 'ground_truth.golden_label'),
});
registerDataSource({
  name: 'selection',
  matches: exact('selection'),
  score: (r, gt) => {
    const label = field(lastIfList(gt), 'golden_label');
    return typeof label === 'string' ? selectionScore(afterThink(r), label) : 0;
  },
  check: (gt) => needString(field(lastIfList(gt), 'golden_label'), 'ground_truth.golden_label'),
});
registerDataSource({
  name: 'math_longcot_math_verify',
  matches: (ds) => ds.includes('math_longcot_math_verify'),
  score: (r, gt) => {
    const g = lastIfList(gt);
    const label = typeof g === 'string' ? g : field(g, 'golden_label');
    return typeof label === 'string' ? mathDapoScore(r, label) : 0;
  },
  check: (gt) => {
    const g = lastIfList(gt);
    return typeof g === 'string' ? null : needString(field(g, 'golden_label'), 'ground_truth.golden_label');
  },
});
registerDataSource({
  name: 'multitableqa_pretraining',
  matches: exact('multitableqa_pretraining'),
  score: (r, gt) => iouScore(r, gt),
  check: () => null,
});
registerDataSource({
  name: 'retrieval_calculate',
  matches: exact('retrieval_calculate'),
  score: (r, gt) => {
    const g = lastIfList(gt);
    return retrievalCalculateScore(afterThink(r), field(g, 'doc_ids'), field(g, 'golden_label'));
  },
  check: (gt) => {
    const g = lastIfList(gt);
    if (!Array.isArray(field(g, 'doc_ids'))) return { field: 'ground_truth.doc_ids', reason: 'expected a list' };
    return needString(field(g, 'golden_label'), 'ground_truth.golden_label');
  },
});

/**
 * Where the reference would raise rather than score this case: `{field, reason}`, else null.
 * (Only fields the dispatch needs are checked; bad *values* inside them score 0 as in the reference.)
 */
export function checkRewardCase(c: RewardCase): { field: string; reason: string } | null {
  if (typeof c.data_source !== 'string') return { field: 'data_source', reason: 'expected a string' };
  const entry = findDataSource(c.data_source);
  if (!entry) return { field: 'data_source', reason: `no reward function for '${c.data_source}' (known: ${listDataSources().join(', ')})` };
  if (typeof c.response !== 'string') return { field: 'response', reason: 'expected a string' };
  return entry.check(c.ground_truth, c.extra_info);
}

/** `default_compute_score`: gate, dispatch, score in [0, 1]. Never throws. */
export function computeScore(c: RewardCase): number {
  try {
    if (typeof c.response !== 'string' || !passesFormatGate(c.response)) return 0;
    const entry = typeof c.data_source === 'string' ? findDataSource(c.data_source) : undefined;
    if (!entry) return 0;
    return safeUnit(entry.score(c.response, c.ground_truth, c.extra_info ?? undefined));
  } catch {
    return 0;
  }
}
