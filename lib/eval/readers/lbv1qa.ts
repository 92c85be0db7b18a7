/**
 * LongBench-v1 QA outputs — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/lbv1qa_eval.py` run_eval:
 * - per subset `LBv1QA_eval/data1/evals/<MODEL>_<subset>.jsonl`: the run record
 *   { id, dataset, answers, input, response (think already stripped), model } plus `pred` (extract_answer of
 *   the response) and `llm_score` (max over gold answers of the judge verdict: 1, 0; 0.5 is never stored
 *   because an ambiguous verdict is retried and ends as 0). The judge's replies are NOT saved.
 * - `evals/<MODEL>_lbv1qa_summary.json`: { <subset>: mean llm_score × 100 } for the subsets that had
 *   inference results (`json.dump(all_scores, indent=2)`); the overall number is printed only (unweighted
 *   mean of those values).
 * Bad lines are quarantined (`skipBad`) and counted, or raise an error naming file, line and field.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FieldError, readJsonl, typeOf } from '../../util/jsonl.js';
import { LBV1_SUBSETS } from '../scorers/lbv1qa.js';
import { num, obj, readJsonDoc } from './jsondoc.js';

export interface Lbv1Eval {
  id: string;
  dataset: string;
  response: string;
  pred: string | null;
  llm_score: number;
  line: number;
  file: string;
}

export function validateLbv1Eval(o: Record<string, unknown>): Omit<Lbv1Eval, 'line' | 'file'> {
  if (o.id === undefined) throw new FieldError('id', 'missing');
  if (typeof o.dataset !== 'string') throw new FieldError('dataset', o.dataset === undefined ? 'missing' : `expected a string, got ${typeOf(o.dataset)}`);
  if (typeof o.response !== 'string') throw new FieldError('response', o.response === undefined ? 'missing' : `expected a string, got ${typeOf(o.response)}`);
  if (typeof o.llm_score !== 'number' || !Number.isFinite(o.llm_score)) throw new FieldError('llm_score', o.llm_score === undefined ? 'missing' : `expected a number, got ${typeOf(o.llm_score)}`);
  return { id: String(o.id), dataset: o.dataset, response: o.response, pred: typeof o.pred === 'string' ? o.pred : null, llm_score: o.llm_score };
}

/** The per-subset eval files that exist, in the reference's subset order. */
export async function readLbv1Evals(evalsDir: string, model: string, opts: { skipBad?: string } = {}): Promise<{ evals: Lbv1Eval[]; files: string[]; bad: number }> {
  const out = { evals: [] as Lbv1Eval[], files: [] as string[], bad: 0 };
  for (const s of LBV1_SUBSETS) {
    const file = join(evalsDir, `${model}_${s}.jsonl`);
    if (!existsSync(file)) continue;
    const r = await readJsonl(file, validateLbv1Eval, opts);
    out.files.push(file);
    out.bad += r.bad;
    for (const row of r.rows) out.evals.push({ ...row.value, line: row.line, file });
  }
  return out;
}

export function readLbv1Summary(file: string): Record<string, number> {
  const doc = readJsonDoc(file);
  return Object.fromEntries(Object.entries(obj(doc, doc.value, [])).map(([k, v]) => [k, num(doc, v, [k])]));
}
