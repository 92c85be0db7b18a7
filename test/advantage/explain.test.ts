/** The teaching explainer and the comparison helper agree with the registry's optimised estimators. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEstimators, ESTIMATOR_CONFIGS } from '../../lib/advantage/compare.js';
import { explainAdvantages } from '../../lib/advantage/explain.js';
import { buildBatch, getAdvEstimator, replayAdvantages } from '../../lib/advantage/index.js';

const rowsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('EM', 'F1_Score', 'Summary'), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 8 })
  .chain((groups) =>
    fc.tuple(...groups.map(([g, mode, n]) => fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: n, maxLength: n }).map((s) => s.map((score) => ({ uid: `u${g}-${mode}`, reward_mode: mode, score }))))),
  )
  .map((gs) => gs.flat());

describe('explainAdvantages', () => {
  it('a hand-checkable batch: EM prompt {1,0,0,1}, Summary prompt {0.2,0.4}', () => {
    const ex = explainAdvantages([
      { uid: 'a', reward_mode: 'EM', score: 1 },
      { uid: 'a', reward_mode: 'EM', score: 0 },
      { uid: 'a', reward_mode: 'EM', score: 0 },
      { uid: 'a', reward_mode: 'EM', score: 1 },
      { uid: 'b', reward_mode: 'Summary', score: 0.2 },
      { uid: 'b', reward_mode: 'Summary', score: 0.4 },
    ]);
    // EM group: mean 0.5, unbiased var 1/3 → std 0.5774; task scale = sqrt(1/3)
    expect(ex[0].group_mean).toBe(0.5);
    expect(ex[0].group_std).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(ex[0].grpo).toBeCloseTo(0.5 / (Math.sqrt(1 / 3) + 1e-6), 9);
    // Summary group: mean 0.3, var 0.02 → GRPO blows 0.1 up to ±0.707; TMN divides by sqrt(0.02) too (one prompt)
    expect(ex[4].grpo).toBeCloseTo(-0.1 / (Math.sqrt(0.02) + 1e-6), 9);
    expect(ex[4].task_scale).toBeCloseTo(Math.sqrt(0.02), 12);
  });
  it('matches grpo and tmn_grpo (with and without reweight) on random batches', () => {
    fc.assert(
      fc.property(rowsArb, fc.double({ min: 0, max: 1, noNaN: true }), (rows, alpha) => {
        const ex = explainAdvantages(rows, { difficultySmoothAlpha: alpha });
        const b = buildBatch(rows);
        const grpo = getAdvEstimator('grpo')(b).advantages;
        const tmn = getAdvEstimator('tmn_grpo')(b).advantages;
        const tmnR = getAdvEstimator('tmn_grpo')(b, { difficultyReweight: true, difficultySmoothAlpha: alpha }).advantages;
        ex.forEach((e, i) => {
          expect(e.grpo).toBeCloseTo(grpo[i], 9);
          expect(e.tmn).toBeCloseTo(tmn[i], 9);
          expect(e.tmn_reweight).toBeCloseTo(tmnR[i], 9);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('compareEstimators', () => {
  it('runs the five configurations and summarises per category', () => {
    const rows = [
      { step: 1, uid: 'a', reward_mode: 'EM', score: 1 },
      { step: 1, uid: 'a', reward_mode: 'EM', score: 0 },
      { step: 1, uid: 'b', reward_mode: 'Summary', score: 0.3 },
      { step: 1, uid: 'b', reward_mode: 'Summary', score: 0.5 },
    ];
    const c = compareEstimators(rows, (r) => r.reward_mode);
    expect(c.rows).toHaveLength(rows.length * ESTIMATOR_CONFIGS.length);
    expect(c.summary).toHaveLength(2 * ESTIMATOR_CONFIGS.length);
    const tmnR = replayAdvantages(rows, 'tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0.8 }).advantages;
    expect(c.rows.filter((r) => r.config === 'TMN-Reweight').map((r) => r.advantage)).toEqual([...tmnR]);
    // Dr. GRPO keeps the raw scale: the Summary prompt's advantages are ±0.1
    const dr = c.summary.find((s) => s.config === 'Dr. GRPO' && s.category === 'Summary')!;
    expect(dr.mean_abs).toBeCloseTo(0.1, 12);
    expect(Object.keys(c.metrics)).toEqual(ESTIMATOR_CONFIGS.map((x) => x.label));
  });
});

describe('perTaskTable', () => {
  it('pivots task metrics into one row per task', async () => {
    const { perTaskTable } = await import('../../lib/advantage/compare.js');
    const t = perTaskTable({ 'task_metrics/EM/mean_reward': 0.5, 'task_metrics/EM/rate_adv': 0.25, 'task_metrics/F1_Score/mean_reward': 0.7, 'reward_mode/EM/mean_reward': 0.5, 'difficulty/mean_pass_rate': 0.4 });
    expect(t).toEqual([{ task: 'EM', mean_reward: 0.5, rate_adv: 0.25 }, { task: 'F1_Score', mean_reward: 0.7 }]);
  });
});
