/**
 * verl console lines and metrics JSONL. The console fixture was printed by verl's own
 * `concat_dict_to_str` under CPython 3.11 + NumPy 1.24 (test/fixtures/logs/README.md); the NumPy ≥ 2
 * repr (`np.float64(…)`) and other edge cases are hand-written strings below.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePythonNumber, parseVerlConsole, readVerlConsole } from '../../lib/logs/verl_console.js';
import { parseMetricsJsonl, readMetricsJsonl } from '../../lib/logs/verl_jsonl.js';
import { loadRun } from '../../lib/logs/runs.js';
import { JsonlMetricsLogger } from '../../lib/train/logger.js';
import { InputError } from '../../lib/util/jsonl.js';

const FIX = join(__dirname, '../fixtures/logs');

describe('verl console log', () => {
  const r = readVerlConsole(join(FIX, 'verl_console.txt'));
  it('finds the 7 metric lines among the noise, with their line numbers', () => {
    expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.steps.map((s) => s.line)).toEqual([4, 5, 6, 9, 10, 11, 12]);
    expect(r.noiseLines).toBe(5); // 3 start-up lines, the "step:3 was slow" warning, the checkpoint line
  });
  it('reads ints, floats, numpy floats, bools and nan; drops nothing numeric', () => {
    const s1 = r.steps[0]!.data;
    expect(s1['critic/score/mean']).toBe(0.3371398918844436);
    expect(s1['actor/lr']).toBe(8e-7);
    expect(s1['train/num_gen_batches']).toBe(1);
    expect(s1['perf/max_memory_allocated_gb']).toBe(61.25);
    expect(s1['debug/is_dynamic']).toBe(1);
    expect('note' in s1).toBe(false); // verl itself drops strings
    expect(Number.isNaN(r.steps[3]!.data['actor/pg_clipfrac_lower'])).toBe(true);
  });
  it('reports the torn last line (killed mid-write) with its line number and key, keeping the rest', () => {
    expect(r.issues).toEqual([{ line: 12, key: 'actor/lr', text: '', kind: 'unparseable', reason: 'value is not a Python real-number repr' }]);
    expect(Object.keys(r.steps[6]!.data)).toHaveLength(6);
  });
  it('NumPy ≥ 2 reprs, ANSI colours, scientific notation, negative and unparseable values', () => {
    const text = [
      '\x1b[36m(TaskRunner pid=1)\x1b[0m step:10 - a:np.float64(0.5) - b:np.int64(-3) - c:np.float32(1e-05) - d:np.True_ - e:-inf - f:(1+2j)',
      'step:11',
      'progress 50%\rstep:12 - a:0.75',
      'no_step:13 - a:1',
      'mystep:14 - a:1',
    ].join('\n');
    const p = parseVerlConsole(text);
    expect(p.steps.map((s) => [s.step, s.data])).toEqual([
      [10, { a: 0.5, b: -3, c: 1e-5, d: 1, e: -Infinity }],
      [11, {}],
      [12, { a: 0.75 }],
    ]);
    expect(p.issues).toEqual([{ line: 1, key: 'f', text: '(1+2j)', kind: 'unparseable', reason: 'value is not a Python real-number repr' }]);
    expect(p.noiseLines).toBe(3);
  });
  it('parsePythonNumber', () => {
    expect(parsePythonNumber('12')).toBe(12);
    expect(parsePythonNumber('1.5e+20')).toBe(1.5e20);
    expect(parsePythonNumber('.5')).toBe(0.5);
    expect(parsePythonNumber('abc')).toBeUndefined();
    expect(parsePythonNumber('np.float64(nan)')).toBeNaN();
  });
});

describe('metrics JSONL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
  it('reads the verl file-logger fixture (null = NaN)', () => {
    const r = readMetricsJsonl(join(FIX, 'verl_file_logger.jsonl'));
    expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Number.isNaN(r.steps[4]!.data['actor/pg_clipfrac_lower'])).toBe(true);
    expect(r.issues).toEqual([]);
  });
  it("reads what our trainer's logger writes (lib/train/logger.ts), the same line format", () => {
    const p = join(dir, 'run-a', 'metrics.jsonl');
    const log = new JsonlMetricsLogger(p);
    log.log(1, { 'critic/score/mean': 0.25, 'actor/grad_norm': NaN });
    log.log(2, { 'critic/score/mean': 0.5 });
    const run = loadRun(join(dir, 'run-a'));
    expect(run.format).toBe('jsonl');
    expect(run.name).toBe('run-a');
    expect(run.series.get('critic/score/mean')).toEqual({ step: [1, 2], value: [0.25, 0.5] });
    expect(run.series.get('actor/grad_norm')!.value[0]).toBeNaN();
  });
  it('a bad middle line is an InputError naming file, line and field; a torn last line is an issue', () => {
    const p = join(dir, 'bad.jsonl');
    writeFileSync(p, '{"step":1,"data":{"a":1}}\n{"step":"2","data":{}}\n');
    expect(() => readMetricsJsonl(p)).toThrow(InputError);
    expect(() => readMetricsJsonl(p)).toThrow(`${p}:2: field 'step'`);
    writeFileSync(p, '{"step":1,"data":{"a":1}}\n{"step":2,"da');
    const r = readMetricsJsonl(p);
    expect(r.steps).toHaveLength(1);
    expect(r.issues[0]!.line).toBe(2);
    writeFileSync(p, '{"step":1,"data":{"a":1}}\n{"step":2,"da\n{"step":3,"data":{}}\n');
    expect(() => readMetricsJsonl(p)).toThrow(`${p}:2: field '<line>'`);
  });
  it('non-numeric values are skipped and reported; a repeated step keeps its last value', () => {
    const r = parseMetricsJsonl('{"step":1,"data":{"a":1,"s":"x","b":true}}\n{"step":1,"data":{"a":2}}\n');
    expect(r.issues).toEqual([{ line: 1, key: 's', kind: 'unparseable', reason: 'non-numeric value "x" skipped' }]);
    expect(r.steps[0]!.data).toEqual({ a: 1, b: 1 });
    const p = join(dir, 'dup.jsonl');
    writeFileSync(p, '{"step":1,"data":{"a":1}}\n{"step":2,"data":{"a":5}}\n{"step":2,"data":{"a":6}}\n');
    expect(loadRun(p).series.get('a')).toEqual({ step: [1, 2], value: [1, 6] });
  });
  it('the fixture is byte-stable JSON lines', () => {
    expect(readFileSync(join(FIX, 'verl_file_logger.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(10);
  });
});
