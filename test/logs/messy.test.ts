/**
 * Messy logs (issue 13 §4): NaN/inf, duplicated steps, glued and cut lines, empty alignments, the plot's
 * legend and titles. The fixtures were written by the real writers (test/fixtures/logs/generate_messy.py,
 * README.md): verl's `concat_dict_to_str` + a real tqdm bar on the same stream shown through Ray's own
 * `print_worker_logs` (ANSI colours, `(TaskRunner pid=…)`), torch's `SummaryWriter.add_scalar`, verl's
 * `FileLogger` with orjson, and Python's `json.dumps` (bare NaN/Infinity tokens).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureCurves } from './capture.js';
import { aggregateRuns, aggregateRunsChecked, loadRun, type RunIssue } from '../../lib/logs/runs.js';
import { listEventFiles, readEventFile } from '../../lib/logs/tensorboard.js';
import { parseVerlConsole, readVerlConsole } from '../../lib/logs/verl_console.js';
import { parseMetricsJsonl, readMetricsJsonl } from '../../lib/logs/verl_jsonl.js';
import { bandCurves } from '../../lib/plot/bands.js';
import { smoothedCurves } from '../../lib/plot/curves.js';
import { fitTitle } from '../../lib/plot/facets.js';
import { textWidth } from '../../lib/plot/figure.js';

const FIX = join(__dirname, '../fixtures/logs');
const CONSOLE = join(FIX, 'verl_console_messy.txt');
const TB1 = join(FIX, 'tensorboard-messy', 'diverge-s1');
const TB2 = join(FIX, 'tensorboard-messy', 'diverge-s2');
const byKind = (issues: readonly RunIssue[], kind: RunIssue['kind']) => issues.filter((i) => i.kind === kind);

const capture = captureCurves;
afterEach(() => vi.restoreAllMocks());

describe('verl console log through Ray, with a tqdm bar, a restart, a lost newline and a kill', () => {
  const r = readVerlConsole(CONSOLE);
  it('reads every metric line behind ANSI codes, Ray prefixes and \\r progress bars, at its physical line', () => {
    expect(readFileSync(CONSOLE, 'utf8')).toContain('\x1b[36m(TaskRunner pid=4242)\x1b[0m \rTraining Progress:');
    expect(r.steps.map((s) => [s.line, s.step])).toEqual([[3, 1], [4, 2], [5, 3], [6, 4], [7, 5], [8, 6], [12, 5], [13, 6], [14, 7], [14, 8], [15, 9]]);
  });
  it('splits two glued lines (…global_step:7step:8 - …) and reports them with the line', () => {
    const s7 = r.steps.find((s) => s.step === 7)!.data;
    const s8 = r.steps.find((s) => s.step === 8)!.data;
    expect(s7['critic/score/mean']).toBe(0.457719);
    expect(s7['training/global_step']).toBe(7);
    expect(s8['critic/score/mean']).toBe(0.467281);
    expect(s8['training/global_step']).toBe(8);
    expect(r.steps.flatMap((s) => Object.keys(s.data)).filter((k) => k.includes(':') || k.endsWith('step') && k !== 'training/global_step')).toEqual([]);
    expect(r.issues.filter((i) => i.kind === 'glued')).toEqual([expect.objectContaining({ line: 14, key: 'training/global_step', reason: expect.stringContaining("no newline before 'step:8'") })]);
  });
  it('reads nan and inf as verl prints them; reports the cut last line and keeps the items before it', () => {
    expect(r.steps.find((s) => s.step === 7)!.data['actor/grad_norm']).toBeNaN();
    expect(r.steps.find((s) => s.step === 8)!.data['actor/grad_norm']).toBe(Infinity);
    expect(r.issues.filter((i) => i.kind === 'torn')).toEqual([expect.objectContaining({ line: 15, key: 'actor/kl_loss', text: 'actor/kl_loss:n' })]);
    expect(r.steps.at(-1)!.data).toEqual({ 'critic/score/mean': 0.475374, 'actor/grad_norm': 0.482799 });
  });
  it('loadRun: NaN/inf reported per key with its steps; the restart reported with the kept value and the orphaned step', () => {
    const run = loadRun(CONSOLE);
    const nf = byKind(run.issues, 'non-finite');
    expect(nf.map((i) => [i.key, i.steps, i.counts])).toEqual([
      ['actor/grad_norm', [7, 8], { nan: 1, inf: 1, negInf: 0 }],
      ['actor/kl_loss', [1, 2, 3, 4, 5, 6, 7, 8], { nan: 8, inf: 0, negInf: 0 }],
    ]);
    expect(nf[1]!.reason).toMatch(/^all 8 values non-finite/);
    const dup = byKind(run.issues, 'duplicate-step');
    expect(dup).toEqual([expect.objectContaining({ line: 12, step: 5, steps: [6], reason: expect.stringContaining('first read at line 7') })]);
    const score = run.series.get('critic/score/mean')!;
    expect(score.step).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(score.value.slice(4, 6)).toEqual([0.43308, 0.446424]); // the resumed run's values, not 0.42308/0.436424
  });
  it('hand-written edge cases: Ray dedup suffix, a value glued to noise, keys ending in "step", \\r line numbers', () => {
    const p = parseVerlConsole(
      [
        '(TaskRunner pid=1) step:3 - a:0.5 - b:1 [repeated 2x across cluster]',
        'step:4 - a:0.8Saving checkpoint to ckpts/global_step_4 - training/global_step:4 - perf/time_per_step:2',
        'Progress 10%\rstep:5 - a:np.float64(nan)\rProgress 20%',
        'step:6 - a:-inf',
      ].join('\n'),
    );
    expect(p.steps.map((s) => [s.line, s.step, s.data])).toEqual([
      [1, 3, { a: 0.5, b: 1 }],
      [2, 4, { 'training/global_step': 4, 'perf/time_per_step': 2 }],
      [3, 5, { a: NaN }],
      [4, 6, {}],
    ]);
    expect(p.issues.map((i) => [i.line, i.kind, i.key])).toEqual([
      [2, 'glued', 'a'],
      [4, 'torn', 'a'],
    ]);
    expect(p.noiseLines).toBe(2);
  });
});

describe('metrics JSONL with NaN', () => {
  it("Python's json.dumps: bare NaN / Infinity / -Infinity tokens are read, not an error", () => {
    const r = readMetricsJsonl(join(FIX, 'python_json_nan.jsonl'));
    const g = r.steps.map((s) => [s.line, s.step, s.data['actor/grad_norm']]);
    expect(g.slice(0, 4)).toEqual([[1, 1, 0.545465], [2, 2, NaN], [3, 3, Infinity], [4, 4, -Infinity]]);
    expect(r.issues).toEqual([expect.objectContaining({ line: 8, kind: 'torn' })]);
    const run = loadRun(join(FIX, 'python_json_nan.jsonl'));
    expect(byKind(run.issues, 'duplicate-step')).toEqual([expect.objectContaining({ line: 5, step: 3, steps: [4] })]);
    expect(run.series.get('actor/grad_norm')).toEqual({ step: [1, 2, 3, 4, 5], value: [0.545465, NaN, 0.47216, 0.462054, 0.496029] });
  });
  it('tokens inside strings are left alone', () => {
    const r = parseMetricsJsonl('{"step":1,"data":{"note":"NaN Infinity","b":NaN,"c":-Infinity}}\n');
    expect(r.steps[0]!.data).toEqual({ b: NaN, c: -Infinity });
    expect(r.issues).toEqual([expect.objectContaining({ key: 'note', kind: 'unparseable' })]);
  });
  it("verl's FileLogger with orjson: NaN and inf become null, reported as non-finite with the null note", () => {
    expect(readFileSync(join(FIX, 'verl_file_logger_nan.jsonl'), 'utf8')).toContain('"actor/grad_norm":null');
    const run = loadRun(join(FIX, 'verl_file_logger_nan.jsonl'));
    const nf = byKind(run.issues, 'non-finite');
    expect(nf.map((i) => [i.key, i.steps])).toEqual([['actor/grad_norm', [4, 5]]]);
    expect(nf[0]!.reason).toContain('JSON null is NaN or ±inf');
  });
});

describe('TensorBoard event files written by torch SummaryWriter', () => {
  const files = listEventFiles(TB1);
  it('a step logged twice in one file and a resumed run: reported, the later value kept, orphaned steps dropped', () => {
    // torch wrote NaN, +inf and -inf at steps 7-9 of the first launch (the reader reads them as such) …
    const g = readEventFile(files[0]!).scalars.filter((p) => p.tag === 'actor/grad_norm' && p.step >= 7 && p.step <= 9);
    expect(g.map((p) => p.value)).toEqual([NaN, Infinity, -Infinity]);
    const run = loadRun(TB1);
    const dup = byKind(run.issues, 'duplicate-step');
    expect(dup.map((i) => [i.file, i.step, i.key, i.steps])).toEqual([
      [files[0], 3, 'critic/score/mean', []],
      [files[1], 8, undefined, [9, 10, 11]],
    ]);
    expect(dup[0]!.reason).toContain('earlier in the same file');
    const score = run.series.get('critic/score/mean')!;
    expect(score.value[3]).toBeCloseTo(0.888694, 6); // the second add_scalar at step 3 (+0.5)
    expect(score.step).toEqual([...Array(16).keys()]);
    // the first launch's -inf at step 9 was orphaned by the restart at step 8; the NaN at 7 stays
    expect(byKind(run.issues, 'non-finite').map((i) => [i.key, i.steps])).toEqual([['actor/grad_norm', [7]]]);
  });
});

describe('alignment that would leave a panel empty', () => {
  const runs = [loadRun(TB1), loadRun(TB2)];
  it('aggregateRunsChecked falls back to the union for that config × key and says why', () => {
    const { rows, notes } = aggregateRunsChecked(runs, ['task_metrics/EM/mean_reward', 'only_s1/metric', 'critic/score/mean']);
    expect(notes.map((n) => [n.kind, n.key, n.action, n.runsWithKey])).toEqual([
      ['empty-intersection', 'task_metrics/EM/mean_reward', 'union', 2],
      ['empty-intersection', 'only_s1/metric', 'union', 1],
    ]);
    expect(notes[0]!.reason).toContain('no step of');
    expect(notes[1]!.reason).toContain('only 1 of the 2 runs');
    expect(rows.filter((r) => r.key === 'task_metrics/EM/mean_reward').map((r) => [r.step, r.n])).toEqual([...Array(16).keys()].map((t) => [t, 1]));
    expect(rows.filter((r) => r.key === 'critic/score/mean').every((r) => r.n === 2)).toBe(true);
    // the old entry point keeps its behaviour (no rows), for callers that rely on it
    expect(aggregateRuns(runs, ['task_metrics/EM/mean_reward'])).toEqual([]);
  });
  it('a key with no finite value anywhere is a note, not an empty panel without a word', () => {
    const { rows, notes } = aggregateRunsChecked([loadRun(CONSOLE)], ['actor/kl_loss']);
    expect(rows).toEqual([]);
    expect(notes).toEqual([expect.objectContaining({ kind: 'no-finite-values', action: 'nothing-to-draw' })]);
  });
});

describe('golongrl curves on messy logs', () => {
  const args = [TB1, TB2, CONSOLE];
  it('--json: issues of every kind, with file and line; checks per config × key', async () => {
    const r = await capture([...args, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const kinds = new Set(j.issues.map((i: { kind: string }) => i.kind));
    expect([...kinds].sort()).toEqual(['duplicate-step', 'empty-intersection', 'glued', 'no-finite-values', 'non-finite', 'torn']);
    expect(j.issues).toContainEqual(expect.objectContaining({ run: 'verl_console_messy', kind: 'non-finite', key: 'actor/grad_norm', steps: [7, 8] }));
    expect(j.issues).toContainEqual(expect.objectContaining({ run: 'verl_console_messy', kind: 'glued', line: 14 }));
    expect(j.issues).toContainEqual(expect.objectContaining({ run: null, kind: 'empty-intersection', config: 'diverge', key: 'only_s1/metric', action: 'union' }));
    expect(j.checks).toContainEqual({ config: 'diverge', key: 'actor/grad_norm', align: 'intersection', nonFinite: 1, notes: ['NaN/inf ×1 (step 7)'] });
    expect(j.checks).toContainEqual({ config: 'verl_console_messy', key: 'actor/kl_loss', align: null, nonFinite: 8, notes: ['NaN/inf ×8 (step 1–8)', 'no finite value'] });
  });
  it('text: a notes column (the empty key has its row), warnings with file:line on stderr', async () => {
    const r = await capture([...args, '--keys', 'actor/grad_norm,actor/kl_loss,task_metrics/EM/mean_reward']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/actor\/grad_norm\s+verl_console_messy\s+1\s+1-9 .*NaN\/inf ×2 \(step 7–8\)/);
    expect(r.out).toMatch(/actor\/kl_loss\s+verl_console_messy\s+-\s+-.*no finite value/);
    expect(r.out).toMatch(/task_metrics\/EM\/mean_reward\s+diverge .*no common step: union/);
    expect(r.err).toContain('verl_console_messy.txt:14:');
    expect(r.err).toContain('verl_console_messy.txt:12: step 5 logged again');
  });
  it('NaN in keys that were not selected still gets one warning', async () => {
    const r = await capture([CONSOLE, '--keys', 'critic/score/mean']);
    expect(r.err).toContain('NaN/inf also in 2 key(s) not selected: actor/grad_norm, actor/kl_loss');
  });
});

describe('the curves figure', () => {
  const rows = ['task_metrics/Summary/mean_reward', 'a', 'b', 'c'].flatMap((key) =>
    ['grpo', 'tmn'].flatMap((config) => [0, 1, 2].map((step) => ({ key, config, step, mean: step, lo: step - 0.1, hi: step + 0.1 }))),
  );
  const markers = [{ facet: 'a', x: 1, stroke: 'grpo' }];
  const fig = bandCurves(rows, { x: 'step', y: 'mean', low: 'lo', high: 'hi', stroke: 'config', facet: 'key', columns: 4, markers, notes: new Map([['empty', 'grpo: no finite value']]), facetOrder: ['task_metrics/Summary/mean_reward', 'a', 'b', 'c', 'empty'] });
  it('one legend for the grid, not one per panel', () => {
    expect(fig.svg.match(/>config<\/text>/g)).toHaveLength(1);
    expect(fig.svg.match(/>tmn<\/text>/g)).toHaveLength(1);
  });
  it('panel titles are never cut: the whole key is drawn, fitted to the panel width', () => {
    const t = fitTitle('task_metrics/Summary/mean_reward', 190 - 16);
    expect(t.lines.join('')).toBe('task_metrics/Summary/mean_reward');
    for (const l of t.lines) expect(textWidth(l, t.fontSize) * 1.08).toBeLessThanOrEqual(174);
    for (const l of t.lines) expect(fig.svg).toContain(`>${l}</text>`);
  });
  it('smoothedCurves facets: a title too wide for its panel is drawn smaller, short ones unchanged', () => {
    const sm = smoothedCurves(['task_metrics/Summary/mean_reward', 'a', 'b'].flatMap((key) => [0, 1, 2].map((step) => ({ key, step, value: step }))), { x: 'step', y: 'value', facet: 'key', columns: 3 }).svg;
    const size = Number(/<text[^>]*font-size="(\d+)"[^>]*>task_metrics\/Summary\/mean_reward<\/text>/.exec(sm)?.[1]);
    expect(size).toBeLessThan(11);
    expect(textWidth('task_metrics/Summary/mean_reward', size) * 1.08).toBeLessThanOrEqual(((760 - 72) / 3) * 0.9 - 4);
  });
  it('NaN steps are marked (dashed rule), an empty panel says so and carries its note', () => {
    expect(fig.svg).toContain('stroke-dasharray="3,3"');
    expect(fig.svg).toContain('no finite values to draw');
    expect(fig.svg).toContain('grpo: no finite value');
  });
});
