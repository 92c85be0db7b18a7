/**
 * CorpusQA outputs — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/corpusqa_eval.py` run_eval:
 * `CorpusQA_eval/evals/<MODEL>_<range>_eval.jsonl`, one object per judged sample, appended:
 *   { id, question, gold, pred, correct: bool, reason: <the judge's reply, stripped> }
 * (a judge call that failed three times is written with `correct: false, reason: "Error: …"`). The
 * reference prints correct/total and per-domain numbers and writes no summary file.
 * Lines without a string `id`, a boolean `correct` or a string `reason` are quarantined (`skipBad`) and
 * counted, or raise an error naming file, line and field.
 */
import { FieldError, readJsonl, typeOf } from '../../util/jsonl.js';

export interface CorpusQaEval {
  id: string;
  gold: string | null;
  pred: string | null;
  correct: boolean;
  reason: string;
  line: number;
}

export function validateCorpusQaEval(o: Record<string, unknown>): Omit<CorpusQaEval, 'line'> {
  if (typeof o.id !== 'string') throw new FieldError('id', o.id === undefined ? 'missing' : `expected a string, got ${typeOf(o.id)}`);
  if (typeof o.correct !== 'boolean') throw new FieldError('correct', o.correct === undefined ? 'missing' : `expected a boolean, got ${typeOf(o.correct)}`);
  if (typeof o.reason !== 'string') throw new FieldError('reason', o.reason === undefined ? 'missing' : `expected a string, got ${typeOf(o.reason)}`);
  return { id: o.id, gold: o.gold === undefined || o.gold === null ? null : String(o.gold), pred: typeof o.pred === 'string' ? o.pred : null, correct: o.correct, reason: o.reason };
}

export async function readCorpusQaEvals(file: string, opts: { skipBad?: string } = {}): Promise<{ evals: CorpusQaEval[]; bad: number }> {
  const r = await readJsonl(file, validateCorpusQaEval, opts);
  return { evals: r.rows.map((x) => ({ ...x.value, line: x.line })), bad: r.bad };
}
