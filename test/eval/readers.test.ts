/**
 * The output readers (lib/eval/readers/*.ts) on the fixture outputs of test/eval/fixtures/verl/ (written from
 * the documented schemas: evalscope's report.py / cache.py dataclasses, mrcr_eval.py, corpusqa_eval.py,
 * lbv1qa_eval.py — see the README there; the real drivers cannot run here) and on broken copies of them:
 * every error names file, line and field; bad per-sample lines are quarantined and counted, never dropped
 * silently.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchmarkOutputs } from '../../lib/eval/benchmarks.js';
import { readCorpusQaEvals } from '../../lib/eval/readers/corpusqa.js';
import { readEvalscopeReport, readEvalscopeReviews, reportMetric } from '../../lib/eval/readers/evalscope.js';
import { parseJsonDoc } from '../../lib/eval/readers/jsondoc.js';
import { readLbv1Evals, readLbv1Summary } from '../../lib/eval/readers/lbv1qa.js';
import { readMrcrRuns, readMrcrSummary } from '../../lib/eval/readers/mrcr.js';
import { collectBenchmark } from '../../lib/eval/verl_collect.js';
import { InputError } from '../../lib/util/jsonl.js';

const FIX = join(import.meta.dirname, 'fixtures', 'verl');
const M = '__MODEL__'; // the fixtures' placeholder model name, read as is
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'golongrl-readers-'));
});

function catchErr(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

async function catchAsync(f: () => Promise<unknown>): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('JSON documents with line numbers', () => {
  it('locates values and names the path', () => {
    const doc = parseJsonDoc('{\n  "a": 1,\n  "b": [\n    {"c": "x"},\n    {"c": 2}\n  ]\n}\n', 'f.json');
    expect(doc.value).toEqual({ a: 1, b: [{ c: 'x' }, { c: 2 }] });
    expect(doc.lineOf(['b', 1, 'c'])).toBe(5);
    expect(doc.lineOf(['b', 1, 'missing'])).toBe(5);
    expect(doc.error(['b', 0, 'c'], 'bad').message).toBe("f.json:4: field 'b[0].c': bad");
  });
  it('reports syntax errors with their line', () => {
    const e = catchErr(() => parseJsonDoc('{\n "a": 1,\n "b": tru\n}', 'g.json'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^g\.json:3: field '\(syntax\)'/);
    expect(catchErr(() => parseJsonDoc('{"a": 1} x', 'h.json')).message).toMatch(/trailing characters/);
  });
  it('accepts what Python json.dump writes (NaN, Infinity, unicode escapes) and agrees with JSON.parse otherwise', () => {
    expect(parseJsonDoc('{"x": NaN, "y": -Infinity, "z": "\\u00e9\\n", "w": -1.5e-3}', 'p.json').value).toEqual({ x: NaN, y: -Infinity, z: 'é\n', w: -0.0015 });
    const text = readFileSync(join(FIX, 'docmath', 'reports', M, 'docmath.json'), 'utf8');
    expect(parseJsonDoc(text, 'r.json').value).toEqual(JSON.parse(text));
  });
});

describe('evalscope report (report/report.py Report)', () => {
  it('reads the fixture report: metric names with the aggregation prefix, score = first metric', () => {
    const r = readEvalscopeReport(join(FIX, 'docmath', 'reports', M, 'docmath.json'));
    expect(r.metrics.map((m) => m.name)).toEqual(['mean_acc', 'mean_llm_judge_acc', 'mean_max_acc']);
    expect(r.score).toBe(r.metrics[0].score);
    expect(reportMetric(r, 'max_acc')?.score).toBe(0.6667);
    expect(reportMetric(r, 'max_acc')?.categories[0].subsets.map((s) => s.name)).toEqual(['complong_testmini', 'simpshort_testmini']);
    expect(reportMetric(r, 'nope')).toBeUndefined();
  });
  it('a bad field is an error naming file, line and path', () => {
    const src = readFileSync(join(FIX, 'docmath', 'reports', M, 'docmath.json'), 'utf8');
    const lines = src.split('\n');
    // the second subset's score of the first metric
    let seen = 0;
    const k = lines.findIndex((l) => l.includes('"score":') && l.startsWith('                            ') && ++seen === 2);
    lines[k] = lines[k].replace(/"score": [0-9.]+/, '"score": "high"');
    const f = join(tmp, 'bad_report.json');
    writeFileSync(f, lines.join('\n'));
    const e = catchErr(() => readEvalscopeReport(f));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${f}:${k + 1}: field 'metrics[0].categories[0].subsets[1].score': expected a number, got string`);
    const g = join(tmp, 'no_metrics.json');
    writeFileSync(g, '{"name": "m@d", "dataset_name": "d", "model_name": "m", "score": 0, "metrics": []}');
    expect(catchErr(() => readEvalscopeReport(g)).message).toMatch(/no_metrics\.json:1: field 'metrics': empty/);
  });
});

describe('evalscope reviews (api/evaluator/cache.py ReviewResult)', () => {
  it('reads every subset file; the judge reply comes from the explanation', async () => {
    const r = await readEvalscopeReviews(join(FIX, 'docmath', 'reviews', M), 'docmath');
    expect(r.bad).toBe(0);
    expect(r.reviews).toHaveLength(6);
    expect(new Set(r.reviews.map((x) => x.subset))).toEqual(new Set(['complong_testmini', 'simpshort_testmini']));
    expect(r.reviews[0]).toMatchObject({ target: '42', judgeReply: 'Both are 42. [[YES]]', value: { acc: 1, llm_judge_acc: 1, max_acc: 1 }, sampleMetadata: { answer_type: 'int' } });
    const lb = await readEvalscopeReviews(join(FIX, 'longbench_v2', 'reviews', M), 'longbench_v2');
    expect(lb.reviews.every((x) => x.judgeReply === null)).toBe(true);
  });
  it('bad lines: an error naming file, line and field, or quarantined and counted', async () => {
    const dir = join(tmp, 'reviews');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(FIX, 'frames', 'reviews', M, 'frames_default.jsonl'), 'utf8').trim().split('\n');
    const broken = JSON.parse(good[1]);
    broken.sample_score.score.value.acc = 'yes';
    writeFileSync(join(dir, 'frames_default.jsonl'), [good[0], JSON.stringify(broken), '{not json', good[2]].join('\n') + '\n');
    const e = await catchAsync(() => readEvalscopeReviews(dir, 'frames'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${join(dir, 'frames_default.jsonl')}:2: field 'sample_score.score.value.acc': expected a number or bool, got string`);
    const q = join(tmp, 'q_reviews.jsonl');
    const r = await readEvalscopeReviews(dir, 'frames', { skipBad: q });
    expect(r.bad).toBe(2);
    expect(r.reviews.map((x) => x.line)).toEqual([1, 4]);
    const quarantined = readFileSync(q, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantined.map((x) => [x.line, x.field])).toEqual([
      [2, 'sample_score.score.value.acc'],
      [3, '<line>'],
    ]);
    await expect(readEvalscopeReviews(join(tmp, 'nowhere'), 'frames')).rejects.toThrow(/no evalscope reviews folder/);
  });
  it('a quarantined line shows up as n_bad in the collected rows', async () => {
    const root = join(tmp, 'collect');
    const o = benchmarkOutputs('longbench_v2', root, 'mm');
    mkdirSync(o.reviewsDir as string, { recursive: true });
    mkdirSync(join(o.dir, 'reports', 'mm'), { recursive: true });
    copyFileSync(join(FIX, 'longbench_v2', 'reports', M, 'longbench_v2.json'), o.report as string);
    copyFileSync(join(FIX, 'longbench_v2', 'reviews', M, 'longbench_v2_long.jsonl'), join(o.reviewsDir as string, 'longbench_v2_long.jsonl'));
    writeFileSync(join(o.reviewsDir as string, 'longbench_v2_short.jsonl'), readFileSync(join(FIX, 'longbench_v2', 'reviews', M, 'longbench_v2_short.jsonl'), 'utf8') + '{"index": 9}\n');
    const q = join(tmp, 'q_collect.jsonl');
    const rows = await collectBenchmark('longbench_v2', o, { modelName: 'mm', skipBad: q });
    expect(rows.find((r) => r.metric === 'n_bad')?.value).toBe(1);
    expect(rows.find((r) => r.metric === 'n')?.value).toBe(4);
    expect(rows.find((r) => r.metric === 'acc')?.value).toBe(0.75);
    expect(rows.find((r) => r.metric === 'acc_reference')).toBeUndefined();
    expect(JSON.parse(readFileSync(q, 'utf8').trim())).toMatchObject({ line: 3, field: 'sample_score' });
  });
});

describe('MRCR, CorpusQA, LBV1-QA outputs', () => {
  it('MRCR runs and summary', async () => {
    const { runs, bad } = await readMrcrRuns(join(FIX, 'mrcr', 'runs.jsonl'));
    expect(bad).toBe(0);
    expect(runs.map((r) => [r.storedScore, r.error])).toEqual([
      [1, false],
      [0, false],
      [0, false],
      [0, true],
    ]);
    expect(readMrcrSummary(join(FIX, 'mrcr', 'summary.json'))).toEqual({ overall: 25, n_samples: 4, per_needle: { 2: 50, 4: 0 }, per_bin: { '8k-16k': 100, '64k-128k': 0 } });
    const f = join(tmp, 'mrcr_bad.jsonl');
    writeFileSync(f, '{"answer": "a", "random_string_to_prepend": "p"}\n');
    expect((await catchAsync(() => readMrcrRuns(f))).message).toBe(`${f}:1: field 'response': missing`);
    const s = join(tmp, 'mrcr_summary_bad.json');
    writeFileSync(s, '{\n  "overall": 1,\n  "n_samples": 2,\n  "per_needle": {"2": null},\n  "per_bin": {}\n}');
    expect(catchErr(() => readMrcrSummary(s)).message).toBe(`${s}:4: field 'per_needle.2': expected a number, got null`);
  });
  it('CorpusQA evals', async () => {
    const { evals } = await readCorpusQaEvals(join(FIX, 'corpusqa', 'evals.jsonl'));
    expect(evals.map((e) => e.correct)).toEqual([true, false, true, false]);
    const f = join(tmp, 'cq_bad.jsonl');
    writeFileSync(f, '{"id": "financial_en_1", "correct": "yes", "reason": "[[YES]]"}\n{"id": "financial_en_2", "correct": true, "reason": "[[YES]]"}\n');
    expect((await catchAsync(() => readCorpusQaEvals(f))).message).toBe(`${f}:1: field 'correct': expected a boolean, got string`);
    const q = join(tmp, 'q_cq.jsonl');
    const r = await readCorpusQaEvals(f, { skipBad: q });
    expect([r.bad, r.evals.length]).toEqual([1, 1]);
  });
  it('LBV1-QA evals and summary', async () => {
    const r = await readLbv1Evals(join(FIX, 'lbv1qa', 'evals'), M);
    expect(r.files.map((f) => f.split('/').at(-1))).toEqual([`${M}_narrativeqa.jsonl`, `${M}_hotpotqa.jsonl`]);
    expect(r.evals.map((e) => e.llm_score)).toEqual([1, 0, 1, 1]);
    expect(readLbv1Summary(join(FIX, 'lbv1qa', 'evals', `${M}_lbv1qa_summary.json`))).toEqual({ narrativeqa: 50, hotpotqa: 100 });
    const dir = join(tmp, 'lbv1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x_qasper.jsonl'), '{"id": 1, "dataset": "qasper", "response": "r", "llm_score": "1"}\n');
    expect((await catchAsync(() => readLbv1Evals(dir, 'x'))).message).toBe(`${join(dir, 'x_qasper.jsonl')}:1: field 'llm_score': expected a number, got string`);
  });
});
