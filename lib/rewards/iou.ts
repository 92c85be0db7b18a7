/**
 * IoU — multiset intersection over union of table rows; data_source `multitableqa_pretraining`;
 * capability "structured extraction".
 *
 *   gold = json.loads(ground_truth["golden_label"])["data"]
 *   pred = json.loads(text between the first <answer> and the next </answer>, else the whole text)["data"]
 *          ([] if that fails to parse or is not an object)
 *   key(row) = tuple(str(v) for v in row) if row is a list else str(row)       (Python str())
 *   m = |Counter(key(pred)) ∩ Counter(key(gold))|
 *   IoU = m / (|pred| + |gold| − m)       (0 if the denominator is 0; 0 if pred is not a list)
 *
 * Keys use Python's `str()` of the parsed JSON values, so `1` and `1.0` differ, as in the
 * reference (see `lib/util/pyjson.ts`). The reference defines `strip_think` but never calls it,
 * so with a think block and no `<answer>` tags the whole-text parse fails and the score is 0.
 * Where the reference would raise (a gold `data` that is a number, say), we return 0.
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/multitableqa.py`.
 */
import { PyDict, PyFloat, PyInt, pyJsonLoads, pyStr, type PyValue } from '../util/pyjson.js';
import { pyStrip } from './normalize.js';

function stripAnswer(text: string): string {
  const i = text.indexOf('<answer>');
  if (i < 0) return pyStrip(text);
  const rest = text.slice(i + '<answer>'.length);
  const j = rest.indexOf('</answer>');
  return pyStrip(j < 0 ? rest : rest.slice(0, j));
}

/** Python iteration over a value, as `Counter(... for r in x)` and `len(x)` see it. */
function pyIter(v: PyValue | undefined): PyValue[] | null {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (v instanceof PyDict) return [...v.map.keys()];
  return null; // int, float, bool, None: not iterable → TypeError in the reference
}

function rowKey(r: PyValue): string {
  return Array.isArray(r) ? 'T' + JSON.stringify(r.map(pyStr)) : 'S' + pyStr(r);
}

/**
 * JS value (from the row's own JSON, already parsed) → PyValue. Only reached for a ground truth
 * dict without `golden_label`; JS has lost the int/float distinction there, so integral numbers
 * become ints.
 */
function fromJs(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? new PyInt(BigInt(v)) : new PyFloat(v);
  if (Array.isArray(v)) return v.map(fromJs);
  const d = new PyDict();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) d.map.set(k, fromJs(x));
  return d;
}

/** `multitableqa.compute_score(solution_str, ground_truth)`; the dispatcher passes ground_truth as it is. */
export function iouScore(solution: string, groundTruth: unknown): number {
  let gold: PyValue;
  const isDict = groundTruth !== null && typeof groundTruth === 'object' && !Array.isArray(groundTruth);
  if (isDict && 'golden_label' in (groundTruth as object)) {
    const label = (groundTruth as Record<string, unknown>).golden_label;
    if (typeof label !== 'string') return 0; // json.loads(non-str) → TypeError → 0
    try {
      gold = pyJsonLoads(label);
    } catch {
      return 0;
    }
  } else {
    gold = fromJs(groundTruth);
  }
  let pred: PyValue | undefined;
  try {
    const parsed = pyJsonLoads(stripAnswer(solution));
    pred = parsed instanceof PyDict ? (parsed.map.has('data') ? parsed.map.get('data')! : []) : [];
  } catch {
    pred = [];
  }
  if (!Array.isArray(pred)) return 0;
  const goldRows = gold instanceof PyDict ? pyIter(gold.map.get('data')) : [];
  if (goldRows === null) return 0;
  const counts = new Map<string, number>();
  for (const r of goldRows) {
    const k = rowKey(r);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let matches = 0;
  for (const r of pred) {
    const k = rowKey(r);
    const c = counts.get(k) ?? 0;
    if (c > 0) {
      matches++;
      counts.set(k, c - 1);
    }
  }
  const total = pred.length + goldRows.length - matches;
  return total > 0 ? matches / total : 0;
}
