/**
 * MRCR outputs — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/mrcr_eval.py`:
 * - runs file `MRCR_eval/runs/<MODEL>_mrcr_<range>.jsonl`, one object per sample, appended as samples finish:
 *   { id, needle_count, n_tokens_qwen, bin, answer, random_string_to_prepend, response, score, model[, error] }
 *   (a request that failed five times is written with `response: "[ERROR] …"`, `score: 0.0`, `error: true`);
 * - summary `<same path>_summary.json` (run_report): { model, overall, n_samples, per_needle, per_bin },
 *   each number `round(mean score × 100, 2)`.
 * Runs lines whose `answer`, `random_string_to_prepend` or `response` is not a string, or whose `score` is
 * not a number, are quarantined (`skipBad`) and counted; without a quarantine file they raise an error
 * naming file, line and field.
 */
import { FieldError, readJsonl, typeOf } from '../../util/jsonl.js';
import type { MrcrRecord } from '../scorers/mrcr.js';
import { num, obj, readJsonDoc } from './jsondoc.js';

export interface MrcrRun extends MrcrRecord {
  /** The score mrcr_eval.py stored (before any --rescore). */
  storedScore: number | null;
  error: boolean;
  line: number;
}

function reqStr(o: Record<string, unknown>, f: string): string {
  const v = o[f];
  if (typeof v !== 'string') throw new FieldError(f, v === undefined ? 'missing' : `expected a string, got ${typeOf(v)}`);
  return v;
}

export function validateMrcrRun(o: Record<string, unknown>): Omit<MrcrRun, 'line'> {
  const s = o.score;
  if (s !== undefined && s !== null && (typeof s !== 'number' || !Number.isFinite(s))) throw new FieldError('score', `expected a number, got ${typeOf(s)}`);
  return {
    id: o.id,
    needle_count: o.needle_count,
    bin: o.bin,
    answer: reqStr(o, 'answer'),
    random_string_to_prepend: reqStr(o, 'random_string_to_prepend'),
    response: reqStr(o, 'response'),
    storedScore: typeof s === 'number' ? s : null,
    error: o.error === true,
  };
}

export async function readMrcrRuns(file: string, opts: { skipBad?: string } = {}): Promise<{ runs: MrcrRun[]; bad: number }> {
  const r = await readJsonl(file, validateMrcrRun, opts);
  return { runs: r.rows.map((x) => ({ ...x.value, line: x.line })), bad: r.bad };
}

export interface MrcrSummaryFile {
  overall: number;
  n_samples: number;
  per_needle: Record<string, number>;
  per_bin: Record<string, number>;
}

export function readMrcrSummary(file: string): MrcrSummaryFile {
  const doc = readJsonDoc(file);
  const root = obj(doc, doc.value, []);
  const table = (k: string) => Object.fromEntries(Object.entries(obj(doc, root[k], [k])).map(([kk, v]) => [kk, num(doc, v, [k, kk])]));
  return { overall: num(doc, root.overall, ['overall']), n_samples: num(doc, root.n_samples, ['n_samples']), per_needle: table('per_needle'), per_bin: table('per_bin') };
}
