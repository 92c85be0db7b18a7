/**
 * §B.5 metrics on a batch small enough to compute by hand (the same batch is worked
 * through in docs/advantages.md § Metrics):
 *
 *   uid a  T5.1 … (F1_Score)  [1, 0, 1, 0]   mean .5   pop std .5          var 1/3
 *   uid b  T5.2 … (F1_Score)  [1, 1]         mean 1    pop std 0           var 0
 *   uid c  EM                 [.2, .4, .9]   mean .5   pop std √(.26/3)    var .13
 *   uid d  EM                 [.7]           singleton: std 0,             var 1
 */
import { describe, expect, it } from 'vitest';
import {
  buildBatch,
  computeDifficultyMetrics,
  computeRewardModeMetrics,
  computeTaskGroupedMetrics,
  computeTmnGrpoAdvantage,
  metricKeyName,
  TASK_METRIC_CONFIG,
  toRewardMode,
  toTaskType,
  type AdvRow,
} from '../../lib/advantage/index.js';

const RAW: [string, string, number[]][] = [
  ['a', 'T5.1 Full-Sentence Citation Alignment', [1, 0, 1, 0]],
  ['b', 'T5.2 Key-Statement Citation Alignment', [1, 1]],
  ['c', 'EM', [0.2, 0.4, 0.9]],
  ['d', 'EM', [0.7]],
];
const rows: AdvRow[] = RAW.flatMap(([uid, raw, ss]) => ss.map((score) => ({ uid, reward_mode: toRewardMode(raw), score })));
const batch = buildBatch(rows);

const stdC = Math.sqrt(0.26 / 3); // 0.2943920288775949
const totalStd = 0.5 + 0 + stdC + 0;

describe('compute_reward_mode_metrics', () => {
  const m = computeRewardModeMetrics(batch);
  it('F1_Score: hand-computed', () => {
    expect(m['reward_mode/F1_Score/mean_reward']).toBeCloseTo(4 / 6, 12);
    expect(m['reward_mode/F1_Score/std_reward']).toBeCloseTo(Math.sqrt(2 / 9), 12); // Σd² = 4/3 over 6 rows
    expect(m['reward_mode/F1_Score/mean_std_reward']).toBeCloseTo(0.25, 12); // (.5 + 0)/2
    expect(m['reward_mode/F1_Score/sqrt_mean_var']).toBeCloseTo(Math.sqrt(1 / 6), 12); // √((1/3 + 0)/2)
    expect(m['reward_mode/F1_Score/rate_adv']).toBeCloseTo(0.5 / totalStd, 12); // 0.629412
    expect(m['reward_mode/F1_Score/rate_num']).toBe(0.5);
  });
  it('EM: hand-computed, singleton std 0 and var 1', () => {
    expect(m['reward_mode/EM/mean_reward']).toBeCloseTo(0.55, 12);
    expect(m['reward_mode/EM/std_reward']).toBeCloseTo(Math.sqrt(0.0725), 12);
    expect(m['reward_mode/EM/mean_std_reward']).toBeCloseTo(stdC / 2, 12);
    expect(m['reward_mode/EM/sqrt_mean_var']).toBeCloseTo(Math.sqrt(0.565), 12); // √((.13 + 1)/2)
    expect(m['reward_mode/EM/rate_adv']).toBeCloseTo(stdC / totalStd, 12); // 0.370588
    expect(m['reward_mode/EM/rate_num']).toBe(0.5);
  });
  it('has exactly 6 keys per mode, in first-appearance order', () => {
    expect(Object.keys(m)).toEqual(
      ['F1_Score', 'EM'].flatMap((k) =>
        ['mean_reward', 'std_reward', 'mean_std_reward', 'sqrt_mean_var', 'rate_adv', 'rate_num'].map((s) => `reward_mode/${k}/${s}`),
      ),
    );
  });
  it('sqrt_mean_var equals TMN scale_k (so TMN advantages are (s − μ_u)/(sqrt_mean_var + ε))', () => {
    const adv = computeTmnGrpoAdvantage(batch).advantages;
    // row 0: uid a, s = 1, μ = .5, F1_Score scale √(1/6)
    expect(adv[0]).toBeCloseTo(0.5 / (m['reward_mode/F1_Score/sqrt_mean_var'] + 1e-6), 12);
    // row 6: uid c, s = .2, μ = .5, EM scale √.565
    expect(adv[6]).toBeCloseTo(-0.3 / (m['reward_mode/EM/sqrt_mean_var'] + 1e-6), 12);
  });
  it('sanitises keys: " " → "_" and "." → "-"; a missing mode ("") gives reward_mode//…', () => {
    const b = buildBatch([
      { uid: 'x', reward_mode: 'my task v1.2', score: 1 },
      { uid: 'y', reward_mode: '', score: 0 },
    ]);
    const mm = computeRewardModeMetrics(b);
    expect(mm['reward_mode/my_task_v1-2/mean_reward']).toBe(1);
    expect(mm['reward_mode//mean_reward']).toBe(0);
    // all singletons: Σ std = 0 → rate_adv 0; var 1 → sqrt_mean_var 1
    expect(mm['reward_mode/my_task_v1-2/rate_adv']).toBe(0);
    expect(mm['reward_mode/my_task_v1-2/sqrt_mean_var']).toBe(1);
  });
  it('zero-variance mode: sqrt_mean_var 0 (not NaN)', () => {
    const b = buildBatch([0, 1].flatMap((u) => [0.3, 0.3].map((score) => ({ uid: `u${u}`, reward_mode: 'EM', score }))));
    expect(computeRewardModeMetrics(b)['reward_mode/EM/sqrt_mean_var']).toBe(0);
  });
});

describe('compute_task_grouped_metrics', () => {
  it('groups sub-tasks by their metric (T5.1, T5.2 → F1_Score) with counts', () => {
    const m = computeTaskGroupedMetrics(batch);
    expect(m['task_metrics/F1_Score/mean_reward']).toBeCloseTo(4 / 6, 12);
    expect(m['task_metrics/F1_Score/std_reward']).toBeCloseTo(Math.sqrt(2 / 9), 12);
    expect(m['task_metrics/F1_Score/mean_std_reward']).toBeCloseTo(0.25, 12);
    expect(m['task_metrics/F1_Score/rate_adv']).toBeCloseTo(0.5 / totalStd, 12);
    expect(m['task_metrics/F1_Score/rate_num']).toBe(0.5);
    expect(m['task_metrics/F1_Score/num_queries']).toBe(2);
    expect(m['task_metrics/F1_Score/num_rollouts']).toBe(6);
    expect(m['task_metrics/EM/num_queries']).toBe(2);
    expect(m['task_metrics/EM/num_rollouts']).toBe(4);
    expect(m['task_metrics/EM/mean_std_reward']).toBeCloseTo(stdC / 2, 12);
    expect(Object.keys(m).some((k) => k.includes('sqrt_mean_var'))).toBe(false);
    expect(Object.keys(m)).toHaveLength(14);
  });
  it('explicit task types; a missing reward_mode is "unknown"; a uid in two types counts in both', () => {
    const b = buildBatch([
      { uid: 'p', reward_mode: 'x', score: 1 },
      { uid: 'p', reward_mode: 'x', score: 0 },
      { uid: 'q', reward_mode: 'x', score: 1 },
      { uid: 'q', reward_mode: 'x', score: 0.5 },
    ]);
    // rows 0-1 typed "Accuracy", rows 2-3: row 2 "unknown", row 3 "Accuracy" (uid q spans both)
    const m = computeTaskGroupedMetrics(b, { index: Int32Array.from([0, 0, 1, 0]), names: ['Accuracy', toTaskType(undefined)] });
    expect(m['task_metrics/Accuracy/num_queries']).toBe(2);
    expect(m['task_metrics/Accuracy/num_rollouts']).toBe(3);
    expect(m['task_metrics/unknown/num_queries']).toBe(1);
    expect(m['task_metrics/unknown/rate_num']).toBe(0.5); // 1 of the 2 distinct uids
    expect(m['task_metrics/Accuracy/rate_num']).toBe(1);
    // std_p = .5, std_q = .25: Accuracy holds both → rate_adv 1; unknown holds q → 1/3
    expect(m['task_metrics/Accuracy/rate_adv']).toBeCloseTo(1, 12);
    expect(m['task_metrics/unknown/rate_adv']).toBeCloseTo(0.25 / 0.75, 12);
    expect(m['task_metrics/Accuracy/mean_reward']).toBeCloseTo(1.5 / 3, 12);
  });
});

describe('difficulty metrics and the task table', () => {
  it('difficulty/* default to 0 and pass the estimator value through', () => {
    expect(computeDifficultyMetrics({})).toEqual({
      'difficulty/weight_clamp_upper_ratio': 0,
      'difficulty/weight_clamp_lower_ratio': 0,
      'difficulty/mean_pass_rate': 0,
    });
    expect(computeDifficultyMetrics({ 'difficulty/mean_pass_rate': 0.375 })['difficulty/mean_pass_rate']).toBe(0.375);
  });
  it('TASK_METRIC_CONFIG has the 25 LongBench-Pro sub-tasks', () => {
    expect(Object.keys(TASK_METRIC_CONFIG)).toHaveLength(25);
    const counts: Record<string, number> = {};
    for (const v of Object.values(TASK_METRIC_CONFIG)) counts[v] = (counts[v] ?? 0) + 1;
    expect(counts).toEqual({ NDCG: 2, Pairwise_Accuracy: 3, Accuracy: 4, Summary: 2, F1_Score: 8, SubEM: 6 });
  });
  it('toRewardMode = TASK_METRIC_CONFIG.get(x, x), missing → ""; toTaskType: missing → "unknown"', () => {
    expect(toRewardMode('T6.3 Global Frequency Analysis')).toBe('Pairwise_Accuracy');
    expect(toRewardMode('math_longcot_math_verify')).toBe('math_longcot_math_verify');
    expect(toRewardMode('F1_Score')).toBe('F1_Score');
    expect(toRewardMode(undefined)).toBe('');
    expect(toRewardMode(null)).toBe('');
    expect(toRewardMode('constructor')).toBe('constructor');
    expect(toTaskType(undefined)).toBe('unknown');
    expect(toTaskType('')).toBe('');
    expect(toTaskType('T1.1 Global Cohesive Retrieval')).toBe('NDCG');
    expect(metricKeyName('T1.1 Global Cohesive Retrieval')).toBe('T1-1_Global_Cohesive_Retrieval');
  });
});
