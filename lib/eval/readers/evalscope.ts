/**
 * evalscope's outputs (DocMath, Frames, LongBench-V2 in the GoLongRL evaluation), as GoLongRL's vendored
 * evalscope writes them — `Eval/QwenLong-Benchmarks/evalscope/evalscope/`:
 *
 * Report — `report/report.py` dataclasses, written by `Report.to_json` (`json.dump(asdict(report), indent=4)`)
 * to `<work_dir>/reports/<model>/<benchmark>.json` (`api/evaluator/cache.py` get_report_file):
 *   { name: "<model>@<dataset>", dataset_name, dataset_pretty_name, dataset_description, model_name,
 *     score,                       // = metrics[0].score ("only use the first metric by default")
 *     metrics: [ { name, num, score, macro_score,
 *                  categories: [ { name: [str…], num, score, macro_score,
 *                                  subsets: [ { name, score, num } ] } ] } ],
 *     analysis }
 *   Metric names carry the aggregation prefix (`report/generator.py`, add_aggregation_name = True by
 *   default): `mean_acc`, `mean_llm_judge_acc`, `mean_max_acc`. score = micro mean over subsets weighted by
 *   num, macro_score = plain mean (`metrics/metrics.py`); every score rounded to 4 decimals
 *   (`normalize_score`), on the 0–1 scale.
 *
 * Reviews — one JSONL per subset, `<work_dir>/reviews/<model>/<benchmark>_<subset>.jsonl`, one
 * `ReviewResult` per line (`api/evaluator/cache.py`, `api/metric/scorer.py`):
 *   { index, input, target, sample_score: { score: { value: {metric: number|bool}, extracted_prediction,
 *     prediction, explanation, metadata, main_score_name }, sample_id, group_id, sample_metadata } }
 *   With an LLM judge, `explanation` is "LLM judge: <the judge's reply>" (docmath_adapter.py,
 *   frames_adapter.py llm_match_score).
 *
 * Bad review lines are quarantined (`skipBad`) and counted; a bad report is an error naming file, line and
 * field path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FieldError, readJsonl, typeOf } from '../../util/jsonl.js';
import { arr, num, obj, readJsonDoc, strField, type JsonPath } from './jsondoc.js';

export interface EvalscopeSubset {
  name: string;
  score: number;
  num: number;
}
export interface EvalscopeCategory {
  name: string[];
  num: number;
  score: number;
  macro_score: number;
  subsets: EvalscopeSubset[];
}
export interface EvalscopeMetric {
  name: string;
  num: number;
  score: number;
  macro_score: number;
  categories: EvalscopeCategory[];
}
export interface EvalscopeReport {
  file: string;
  name: string;
  dataset_name: string;
  model_name: string;
  score: number;
  metrics: EvalscopeMetric[];
}

export function readEvalscopeReport(file: string): EvalscopeReport {
  const doc = readJsonDoc(file);
  const root = obj(doc, doc.value, []);
  const metrics = arr(doc, root.metrics, ['metrics']).map((m, mi): EvalscopeMetric => {
    const mp: JsonPath = ['metrics', mi];
    const mo = obj(doc, m, mp);
    return {
      name: strField(doc, mo.name, [...mp, 'name']),
      num: num(doc, mo.num, [...mp, 'num']),
      score: num(doc, mo.score, [...mp, 'score']),
      macro_score: num(doc, mo.macro_score, [...mp, 'macro_score']),
      categories: arr(doc, mo.categories, [...mp, 'categories']).map((c, ci): EvalscopeCategory => {
        const cp: JsonPath = [...mp, 'categories', ci];
        const co = obj(doc, c, cp);
        const name = typeof co.name === 'string' ? [co.name] : arr(doc, co.name, [...cp, 'name']).map((x, k) => strField(doc, x, [...cp, 'name', k]));
        return {
          name,
          num: num(doc, co.num, [...cp, 'num']),
          score: num(doc, co.score, [...cp, 'score']),
          macro_score: num(doc, co.macro_score, [...cp, 'macro_score']),
          subsets: arr(doc, co.subsets, [...cp, 'subsets']).map((s, si): EvalscopeSubset => {
            const sp: JsonPath = [...cp, 'subsets', si];
            const so = obj(doc, s, sp);
            return { name: strField(doc, so.name, [...sp, 'name']), score: num(doc, so.score, [...sp, 'score']), num: num(doc, so.num, [...sp, 'num']) };
          }),
        };
      }),
    };
  });
  if (metrics.length === 0) throw doc.error(['metrics'], 'empty: Report.__post_init__ needs at least one metric');
  return {
    file,
    name: strField(doc, root.name, ['name']),
    dataset_name: strField(doc, root.dataset_name, ['dataset_name']),
    model_name: strField(doc, root.model_name, ['model_name']),
    score: num(doc, root.score, ['score']),
    metrics,
  };
}

/** A metric of the report by its score name: `acc` finds `acc` or `<aggregation>_acc` (e.g. `mean_acc`). */
export function reportMetric(r: EvalscopeReport, name: string): EvalscopeMetric | undefined {
  return r.metrics.find((m) => m.name === name) ?? r.metrics.find((m) => m.name === `mean_${name}`);
}

export interface EvalscopeReview {
  subset: string;
  index: number;
  target: string | null;
  /** sample_score.score.value (booleans as 0/1). */
  value: Record<string, number>;
  /** The model's original output. */
  prediction: string | null;
  extracted: string | null;
  /** The judge's reply when the explanation is "LLM judge: …" (else null). */
  judgeReply: string | null;
  sampleMetadata: Record<string, unknown>;
}

const JUDGE_PREFIX = 'LLM judge: ';

function optStr(o: Record<string, unknown>, field: string, where: string): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new FieldError(`${where}.${field}`, `expected a string or null, got ${typeOf(v)}`);
  return v;
}

export function validateReview(subset: string) {
  return (o: Record<string, unknown>): EvalscopeReview => {
    if (typeof o.index !== 'number' || !Number.isInteger(o.index)) throw new FieldError('index', o.index === undefined ? 'missing' : `expected an integer, got ${typeOf(o.index)}`);
    const ss = o.sample_score;
    if (ss === null || typeof ss !== 'object' || Array.isArray(ss)) throw new FieldError('sample_score', ss === undefined ? 'missing' : `expected an object, got ${typeOf(ss)}`);
    const sc = (ss as Record<string, unknown>).score;
    if (sc === null || typeof sc !== 'object' || Array.isArray(sc)) throw new FieldError('sample_score.score', sc === undefined ? 'missing' : `expected an object, got ${typeOf(sc)}`);
    const score = sc as Record<string, unknown>;
    const v = score.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FieldError('sample_score.score.value', v === undefined ? 'missing' : `expected an object, got ${typeOf(v)}`);
    const value: Record<string, number> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'boolean') value[k] = x ? 1 : 0;
      else if (typeof x === 'number' && Number.isFinite(x)) value[k] = x;
      else throw new FieldError(`sample_score.score.value.${k}`, `expected a number or bool, got ${typeOf(x)}`);
    }
    const explanation = optStr(score, 'explanation', 'sample_score.score');
    const target = o.target === undefined || o.target === null ? null : typeof o.target === 'string' ? o.target : String(o.target);
    const meta = (ss as Record<string, unknown>).sample_metadata;
    return {
      subset,
      index: o.index,
      target,
      value,
      prediction: optStr(score, 'prediction', 'sample_score.score'),
      extracted: optStr(score, 'extracted_prediction', 'sample_score.score'),
      judgeReply: explanation !== null && explanation.startsWith(JUDGE_PREFIX) ? explanation.slice(JUDGE_PREFIX.length) : null,
      sampleMetadata: meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {},
    };
  };
}

export interface ReviewsRead {
  reviews: (EvalscopeReview & { file: string; line: number })[];
  files: string[];
  /** Lines quarantined (bad JSON or bad fields). */
  bad: number;
}

/** Every `<benchmark>_<subset>.jsonl` in the reviews folder, subsets in name order. */
export async function readEvalscopeReviews(reviewsDir: string, benchmark: string, opts: { skipBad?: string } = {}): Promise<ReviewsRead> {
  if (!existsSync(reviewsDir)) throw new Error(`${reviewsDir}: no evalscope reviews folder (expected <work_dir>/reviews/<model>/${benchmark}_<subset>.jsonl)`);
  const prefix = `${benchmark}_`;
  const files = readdirSync(reviewsDir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.jsonl'))
    .sort();
  if (files.length === 0) throw new Error(`${reviewsDir}: no ${prefix}<subset>.jsonl review files`);
  const out: ReviewsRead = { reviews: [], files: [], bad: 0 };
  for (const f of files) {
    const subset = f.slice(prefix.length, -'.jsonl'.length);
    const file = join(reviewsDir, f);
    const r = await readJsonl(file, validateReview(subset), opts);
    out.files.push(file);
    out.bad += r.bad;
    for (const row of r.rows) out.reviews.push({ ...row.value, file, line: row.line });
  }
  return out;
}
