/**
 * From the reference drivers' output files to result rows, one benchmark at a time (GOLONGRL.md §E; the
 * layouts are `benchmarkOutputs` in benchmarks.ts, the readers are lib/eval/readers/*.ts). Wherever the rule
 * is deterministic we RESCORE from the raw per-sample outputs with our TypeScript scorers instead of
 * trusting the driver's summary, and store the driver's own number as `<metric>_reference` when the two
 * differ (beyond the driver's rounding). Judge-based numbers come from the judge replies saved in the
 * outputs, parsed by our verdict parsers (scorers/judge.ts); where a driver does not save the reply, its
 * stored verdict is used and that is said below.
 *
 * Rows per benchmark (benchmark id = BenchmarkId; scales as the headline table in docs/eval.md):
 *   docmath       acc, llm_judge_acc, max_acc (0–1), max_acc:<subset>, n, n_acc_mismatch, n_bad
 *                 [+ acc_reference, llm_judge_acc_reference, max_acc_reference from the evalscope report]
 *   frames        acc (LLM judge, 0–1), cem, cem_or_llm (score_frame.py), n, n_bad [+ acc_reference]
 *   longbench_v2  acc (0–1, per-sample verdicts as evalscope stored them: its multiple-choice
 *                 `parse_answers` is not ported), acc:<short|medium|long>, n, n_bad [+ acc_reference]
 *   mrcr          overall (0–100), needle:<k>, bin:<k>, n_samples, n_errors, n_score_mismatch, n_bad
 *                 [+ overall_reference from <runs>_summary.json]
 *   corpusqa      accuracy (0–100, verdicts re-parsed from the judge reply `reason`), accuracy:<domain>,
 *                 total, correct, n_bad [+ accuracy_reference from the stored `correct` flags]
 *   lbv1qa        overall (0–100, unweighted mean of subsets), <subset>, n, n_pred_mismatch, n_bad
 *                 [+ overall_reference from the summary json]. The judge replies are not saved by
 *                 lbv1qa_eval.py: the stored per-sample `llm_score` verdicts are aggregated.
 * `n_bad` counts lines quarantined to `skipBad` (never dropped silently).
 */
import { sixBenchmarkAverage, type BenchmarkId, type BenchmarkOutputs } from './benchmarks.js';
import type { ResultRow } from './results_db.js';
import { readCorpusQaEvals } from './readers/corpusqa.js';
import { readEvalscopeReport, readEvalscopeReviews, reportMetric, type EvalscopeReport } from './readers/evalscope.js';
import { readLbv1Evals, readLbv1Summary } from './readers/lbv1qa.js';
import { readMrcrRuns, readMrcrSummary } from './readers/mrcr.js';
import { corpusqaVerdict, evalscopeVerdict } from './scorers/judge.js';
import { domainOf } from './scorers/corpusqa.js';
import { getAcc, extractAnswer as docmathExtract, removeUntil } from './scorers/docmath.js';
import { summarizeFrames } from './scorers/frames.js';
import { extractAnswer as lbv1Extract, summarizeLbv1 } from './scorers/lbv1qa.js';
import { rescoreMrcr } from './scorers/mrcr.js';

/** The benchmark id under which the six-benchmark average is stored (metric `avg6`, 0–100). */
export const AVERAGE_BENCHMARK = 'average';

export interface CollectOptions {
  /** Quarantine file for bad per-sample lines (appended; JSON {file, line, field, reason, text}). */
  skipBad?: string;
  /** The served model name (the `<MODEL>` of the layouts). */
  modelName: string;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`internal: benchmark outputs lack ${what}`);
  return v;
}

/** Add `<metric>_reference` when the driver's number differs from ours by more than `tol`. */
function withReference(rows: ResultRow[], bench: string, metric: string, ours: number, ref: number | undefined, tol: number): void {
  rows.push({ benchmark: bench, metric, value: ours });
  if (ref !== undefined && Math.abs(ours - ref) > tol) rows.push({ benchmark: bench, metric: `${metric}_reference`, value: ref });
}

// evalscope rounds every report score to 4 decimals (report.py normalize_score).
const EVALSCOPE_TOL = 5e-5 + 1e-12;

function refMetric(report: EvalscopeReport, name: string): number | undefined {
  return reportMetric(report, name)?.score;
}

async function collectDocMath(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const report = readEvalscopeReport(need(o.report, 'report'));
  const { reviews, bad } = await readEvalscopeReviews(need(o.reviewsDir, 'reviewsDir'), 'docmath', { skipBad: opts.skipBad });
  let mismatch = 0;
  const per = reviews.map((r) => {
    const answerType = typeof r.sampleMetadata.answer_type === 'string' ? r.sampleMetadata.answer_type : 'unknown';
    const acc = getAcc(docmathExtract(removeUntil(r.prediction ?? '')), r.target ?? '', answerType);
    if (r.value.acc !== undefined && r.value.acc !== acc) mismatch++;
    // The judge verdict from the saved reply; without a reply the adapter's stored value (llm_judge_acc = acc when no judge ran).
    const llm = r.judgeReply !== null ? evalscopeVerdict(r.judgeReply) : (r.value.llm_judge_acc ?? acc);
    return { subset: r.subset, acc, llm, max: Math.max(acc, llm) };
  });
  const rows: ResultRow[] = [];
  withReference(rows, 'docmath', 'acc', mean(per.map((p) => p.acc)), refMetric(report, 'acc'), EVALSCOPE_TOL);
  withReference(rows, 'docmath', 'llm_judge_acc', mean(per.map((p) => p.llm)), refMetric(report, 'llm_judge_acc'), EVALSCOPE_TOL);
  withReference(rows, 'docmath', 'max_acc', mean(per.map((p) => p.max)), refMetric(report, 'max_acc'), EVALSCOPE_TOL);
  for (const s of [...new Set(per.map((p) => p.subset))].sort()) rows.push({ benchmark: 'docmath', metric: `max_acc:${s}`, value: mean(per.filter((p) => p.subset === s).map((p) => p.max)) });
  rows.push({ benchmark: 'docmath', metric: 'n', value: per.length }, { benchmark: 'docmath', metric: 'n_acc_mismatch', value: mismatch }, { benchmark: 'docmath', metric: 'n_bad', value: bad });
  return rows;
}

async function collectFrames(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const report = readEvalscopeReport(need(o.report, 'report'));
  const { reviews, bad } = await readEvalscopeReviews(need(o.reviewsDir, 'reviewsDir'), 'frames', { skipBad: opts.skipBad });
  const llm = reviews.map((r) => (r.judgeReply !== null ? evalscopeVerdict(r.judgeReply) : (r.value.acc ?? 0)));
  const s = summarizeFrames(reviews.map((r, i) => ({ target: r.target ?? '', prediction: r.prediction ?? '', llmAcc: llm[i] })));
  const rows: ResultRow[] = [];
  withReference(rows, 'frames', 'acc', mean(llm), refMetric(report, 'acc'), EVALSCOPE_TOL);
  rows.push({ benchmark: 'frames', metric: 'cem', value: s.cem / 100 }, { benchmark: 'frames', metric: 'cem_or_llm', value: s.accuracy / 100 }, { benchmark: 'frames', metric: 'n', value: reviews.length }, { benchmark: 'frames', metric: 'n_bad', value: bad });
  return rows;
}

async function collectLongBenchV2(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const report = readEvalscopeReport(need(o.report, 'report'));
  const { reviews, bad } = await readEvalscopeReviews(need(o.reviewsDir, 'reviewsDir'), 'longbench_v2', { skipBad: opts.skipBad });
  const acc = reviews.map((r) => r.value.acc ?? 0);
  const rows: ResultRow[] = [];
  withReference(rows, 'longbench_v2', 'acc', mean(acc), refMetric(report, 'acc'), EVALSCOPE_TOL);
  for (const s of [...new Set(reviews.map((r) => r.subset))].sort()) rows.push({ benchmark: 'longbench_v2', metric: `acc:${s}`, value: mean(reviews.filter((r) => r.subset === s).map((r) => r.value.acc ?? 0)) });
  rows.push({ benchmark: 'longbench_v2', metric: 'n', value: reviews.length }, { benchmark: 'longbench_v2', metric: 'n_bad', value: bad });
  return rows;
}

async function collectMrcr(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const runsFile = need(o.runs, 'runs');
  const { runs, bad } = await readMrcrRuns(runsFile, { skipBad: opts.skipBad });
  if (runs.length === 0) throw new Error(`${runsFile}: no MRCR samples`);
  const { records, summary } = rescoreMrcr(runs);
  const ref = readMrcrSummary(need(o.summary, 'summary'));
  const rows: ResultRow[] = [];
  // run_report rounds to 2 decimals.
  withReference(rows, 'mrcr', 'overall', summary.overall, ref.overall, 0.005 + 1e-9);
  for (const [k, v] of Object.entries(summary.per_needle)) rows.push({ benchmark: 'mrcr', metric: `needle:${k}`, value: v });
  for (const [k, v] of Object.entries(summary.per_bin)) rows.push({ benchmark: 'mrcr', metric: `bin:${k}`, value: v });
  const mismatch = records.filter((r, i) => runs[i].storedScore !== null && Math.abs((runs[i].storedScore as number) - r.score) > 1e-12).length;
  rows.push(
    { benchmark: 'mrcr', metric: 'n_samples', value: summary.n_samples },
    { benchmark: 'mrcr', metric: 'n_errors', value: runs.filter((r) => r.error).length },
    { benchmark: 'mrcr', metric: 'n_score_mismatch', value: mismatch },
    { benchmark: 'mrcr', metric: 'n_bad', value: bad },
  );
  return rows;
}

async function collectCorpusQa(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const file = need(o.evals, 'evals');
  const { evals, bad } = await readCorpusQaEvals(file, { skipBad: opts.skipBad });
  if (evals.length === 0) throw new Error(`${file}: no CorpusQA evaluations`);
  const ok = evals.map((e) => (e.reason.startsWith('Error: ') ? false : corpusqaVerdict(e.reason)));
  const correct = ok.filter(Boolean).length;
  const rows: ResultRow[] = [];
  withReference(rows, 'corpusqa', 'accuracy', (correct / evals.length) * 100, (evals.filter((e) => e.correct).length / evals.length) * 100, 1e-9);
  const domains = new Map<string, boolean[]>();
  evals.forEach((e, i) => {
    const d = domainOf(e.id);
    if (d) domains.set(d, [...(domains.get(d) ?? []), ok[i]]);
  });
  for (const [d, xs] of [...domains].sort()) rows.push({ benchmark: 'corpusqa', metric: `accuracy:${d}`, value: (xs.filter(Boolean).length / xs.length) * 100 });
  rows.push({ benchmark: 'corpusqa', metric: 'total', value: evals.length }, { benchmark: 'corpusqa', metric: 'correct', value: correct }, { benchmark: 'corpusqa', metric: 'n_bad', value: bad });
  return rows;
}

async function collectLbv1(o: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  const evalsDir = need(o.evalsDir, 'evalsDir');
  const { evals, files, bad } = await readLbv1Evals(evalsDir, opts.modelName, { skipBad: opts.skipBad });
  if (files.length === 0) throw new Error(`${evalsDir}: no ${opts.modelName}_<subset>.jsonl LBV1-QA evaluation files`);
  const s = summarizeLbv1(evals);
  const refPer = readLbv1Summary(need(o.summary, 'summary'));
  const refVals = Object.values(refPer);
  const rows: ResultRow[] = [];
  withReference(rows, 'lbv1qa', 'overall', s.overall, refVals.length ? mean(refVals) : undefined, 1e-9);
  for (const [k, v] of Object.entries(s.per_subset)) rows.push({ benchmark: 'lbv1qa', metric: k, value: v });
  const predMismatch = evals.filter((e) => e.pred !== null && lbv1Extract(e.response) !== e.pred).length;
  rows.push({ benchmark: 'lbv1qa', metric: 'n', value: evals.length }, { benchmark: 'lbv1qa', metric: 'n_pred_mismatch', value: predMismatch }, { benchmark: 'lbv1qa', metric: 'n_bad', value: bad });
  return rows;
}

const COLLECTORS: Record<BenchmarkId, (o: BenchmarkOutputs, opts: CollectOptions) => Promise<ResultRow[]>> = {
  docmath: collectDocMath,
  frames: collectFrames,
  longbench_v2: collectLongBenchV2,
  mrcr: collectMrcr,
  corpusqa: collectCorpusQa,
  lbv1qa: collectLbv1,
};

/** One benchmark's result rows from its output files. Errors name the file (and line and field). */
export function collectBenchmark(bench: BenchmarkId, outputs: BenchmarkOutputs, opts: CollectOptions): Promise<ResultRow[]> {
  return COLLECTORS[bench](outputs, opts);
}

/** The `average/avg6` row (0–100) when all six headline metrics are present. */
export function averageRow(rows: readonly ResultRow[]): ResultRow | null {
  const a = sixBenchmarkAverage(rows);
  return a.average === null ? null : { benchmark: AVERAGE_BENCHMARK, metric: 'avg6', value: a.average };
}

