/** Runs: format detection, grouping by config, TensorBoard smoothing (hand-checked), mean ± band. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateRuns, configOf, curveRows, detectFormat, groupRuns, loadRun, selectKeys, smoothEma, type Run } from '../../lib/logs/runs.js';

const FIX = join(__dirname, '../fixtures/logs');

function fake(name: string, pts: Record<string, [number, number][]>): Run {
  const series = new Map(Object.entries(pts).map(([k, v]) => [k, { step: v.map((p) => p[0]), value: v.map((p) => p[1]) }]));
  return { name, source: `/x/${name}`, format: 'jsonl', labels: { config: configOf({ name, source: '', labels: {} }) }, series, issues: [] };
}

describe('smoothEma (TensorBoard classic smoothing)', () => {
  it('matches a hand computation', () => {
    // w = 0.6, y = 1, 2, 4:
    // m1 = 0.4·1 = 0.4,          s1 = 0.4 / (1 − 0.6)   = 1
    // m2 = 0.6·0.4 + 0.4·2 = 1.04, s2 = 1.04 / (1 − 0.36) = 1.625
    // m3 = 0.6·1.04 + 0.4·4 = 2.224, s3 = 2.224 / (1 − 0.216) = 2.836734693877551
    const s = smoothEma([1, 2, 4], 0.6);
    expect(s[0]).toBeCloseTo(1, 14);
    expect(s[1]).toBeCloseTo(1.625, 14);
    expect(s[2]).toBeCloseTo(2.836734693877551, 14);
  });
  it('passes non-finite values through without advancing; w = 0 is the identity; constant series unchanged', () => {
    const s = smoothEma([1, NaN, 2], 0.5);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBeCloseTo((0.25 * 1 + 0.5 * 2) / 0.75, 14);
    expect(smoothEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(smoothEma([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
    expect(() => smoothEma([1], 1)).toThrow(RangeError);
  });
});

describe('grouping and aggregation', () => {
  it('strips seed markers to find the config', () => {
    for (const [n, c] of [['grpo-s1', 'grpo'], ['tmn_seed12', 'tmn'], ['x.seed=3', 'x'], ['run', 'run'], ['s1', 's1']]) expect(configOf({ name: n!, source: '', labels: {} })).toBe(c);
    expect(configOf({ name: 'a-lr3-s1', source: '/r/exp/a', labels: { est: 'tmn' } }, 'label:est')).toBe('tmn');
    expect(configOf({ name: 'a-lr3-s1', source: '/r/exp/a', labels: {} }, 're:-(lr\\d+)-')).toBe('lr3');
    expect(configOf({ name: 'a', source: '/r/exp/a', labels: {} }, 'dir')).toBe('exp');
  });
  it('mean ± sample std across seeds, intersection of steps by default', () => {
    const runs = [fake('g-s1', { k: [[0, 1], [1, 2], [2, 3]] }), fake('g-s2', { k: [[0, 3], [1, 4]] }), fake('t-s1', { k: [[0, 10]] })];
    expect([...groupRuns(runs).keys()]).toEqual(['g', 't']);
    const rows = aggregateRuns(runs, ['k']);
    expect(rows.filter((r) => r.config === 'g').map((r) => [r.step, r.mean, r.std, r.n])).toEqual([[0, 2, Math.SQRT2, 2], [1, 3, Math.SQRT2, 2]]);
    expect(rows.find((r) => r.config === 't')).toMatchObject({ step: 0, mean: 10, std: 0, lo: 10, hi: 10, n: 1 });
    const union = aggregateRuns(runs, ['k'], { align: 'union' }).filter((r) => r.config === 'g');
    expect(union.map((r) => [r.step, r.n])).toEqual([[0, 2], [1, 2], [2, 1]]);
  });
  it('on the real TensorBoard fixtures: 2 configs × 2 seeds, band brackets the mean', () => {
    const runs = ['grpo-s1', 'grpo-s2', 'tmn-reweight-s1', 'tmn-reweight-s2'].map((n) => loadRun(join(FIX, 'tensorboard', n)));
    const rows = aggregateRuns(runs, ['task_metrics/EM/mean_reward'], { smooth: 0.6 });
    expect(rows).toHaveLength(2 * 20);
    expect(rows.every((r) => r.n === 2 && r.lo <= r.mean && r.mean <= r.hi)).toBe(true);
    const s1 = smoothEma(runs[0]!.series.get('task_metrics/EM/mean_reward')!.value, 0.6);
    const s2 = smoothEma(runs[1]!.series.get('task_metrics/EM/mean_reward')!.value, 0.6);
    expect(rows[5]!.mean).toBeCloseTo((s1[5]! + s2[5]!) / 2, 12);
    const last = (c: string) => rows.filter((r) => r.config === c).at(-1)!.mean;
    expect(last('tmn-reweight')).toBeGreaterThan(last('grpo')); // the generator gives TMN-Reweight the larger gain
  });
  it('format detection, key selection, curve rows', () => {
    expect(detectFormat(join(FIX, 'tensorboard', 'grpo-s1'))).toBe('tensorboard');
    expect(detectFormat(join(FIX, 'verl_file_logger.jsonl'))).toBe('jsonl');
    expect(detectFormat(join(FIX, 'verl_console.txt'))).toBe('console');
    expect(() => detectFormat(FIX)).toThrow(/neither events.out.tfevents/);
    const run = loadRun(join(FIX, 'verl_console.txt'));
    expect(selectKeys([run], { match: /rate_adv$/ })).toEqual(['task_metrics/EM/rate_adv', 'task_metrics/Summary/rate_adv']);
    expect(selectKeys([run], { keys: ['actor/lr', 'nope'] })).toEqual(['actor/lr']);
    const rows = curveRows([run], ['timing_s/gen'], 0.5);
    expect(rows.map((r) => r.value)).toEqual([413.5, 414.5, 415.5, 416.5, 417.5, 418.5, 419.5].slice(0, rows.length));
    expect(rows[1]!.smoothed).toBeCloseTo((0.25 * 413.5 + 0.5 * 414.5) / 0.75, 10);
  });
});
