import { afterEach, describe, expect, it } from 'vitest';
import { computeGrpoAdvantage, getAdvEstimator, listAdvEstimators, registerAdvEst, type AdvEstimatorFn } from '../../lib/advantage/index.js';
import { unregisterAdvEst } from '../../lib/advantage/registry.js';

const mine: AdvEstimatorFn = (b) => ({ advantages: new Float64Array(b.size), extraMetrics: {} });

describe('advantage estimator registry (verl register_adv_est semantics)', () => {
  afterEach(() => {
    unregisterAdvEst('test_zero');
  });

  it('registers the three GoLongRL estimators on import', () => {
    expect(listAdvEstimators()).toEqual(expect.arrayContaining(['grpo', 'tmn_grpo', 'qwenlong_grpo']));
    expect(getAdvEstimator('grpo')).toBe(computeGrpoAdvantage);
  });

  it('refuses a second, different function under a taken name', () => {
    const other: AdvEstimatorFn = (b) => mine(b);
    expect(() => registerAdvEst('grpo', other)).toThrow(/already been registered/);
    expect(getAdvEstimator('grpo')).toBe(computeGrpoAdvantage);
  });

  it('accepts re-registering the same function (idempotent)', () => {
    expect(registerAdvEst('grpo', computeGrpoAdvantage)).toBe(computeGrpoAdvantage);
    expect(registerAdvEst('test_zero', mine)).toBe(mine);
    expect(() => registerAdvEst('test_zero', mine)).not.toThrow();
    expect(getAdvEstimator('test_zero')).toBe(mine);
  });

  it('an unknown name raises an error listing the known names', () => {
    let msg = '';
    try {
      getAdvEstimator('gpro');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain("'gpro'");
    for (const name of ['grpo', 'qwenlong_grpo', 'tmn_grpo']) expect(msg).toContain(name);
  });

  it('rejects empty names and non-functions', () => {
    expect(() => registerAdvEst('', mine)).toThrow(TypeError);
    expect(() => registerAdvEst('x', 42 as unknown as AdvEstimatorFn)).toThrow(TypeError);
  });
});
