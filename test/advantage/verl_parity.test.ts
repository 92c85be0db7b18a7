/**
 * Parity with upstream verl's own estimator code: every line of
 * test/fixtures/golden/verl_estimators/verl_estimators.jsonl (written by generate.py running verl
 * 0.9.1's core_algos functions) must match our estimator to 1e-5, and verl's errors must be errors here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBatch, getAdvEstimator, listAdvEstimators, replayAdvantages, type VerlAdvBatch, type VerlAdvOptions } from '../../lib/advantage/index.js';

interface Golden {
  case: string;
  estimator: string;
  kwargs: Record<string, unknown>;
  uids: string[];
  scores: number[];
  lengths: number[];
  components?: Record<string, number[]>;
  weights?: number[] | null;
  advantages: number[] | null;
  error: string | null;
  verl: string;
}

const TOL = 1e-5;
const golden: Golden[] = readFileSync(new URL('../fixtures/golden/verl_estimators/verl_estimators.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Golden);

/** verl keyword → our option; an unknown keyword fails the test instead of being ignored. */
function toOptions(g: Golden): VerlAdvOptions {
  const o: VerlAdvOptions = {};
  for (const [k, v] of Object.entries(g.kwargs)) {
    if (k === 'norm_adv_by_std_in_grpo') o.normAdvByStd = v as boolean;
    else if (k === 'f_norm') o.gpgFNorm = v as number;
    else if (k === 'gdpo_reward_weights') o.gdpoRewardWeights = v as number[];
    else if (k === 'gdpo_reward_keys') continue; // the component names, carried by the batch
    else throw new Error(`unmapped verl keyword ${k}`);
  }
  if (g.weights) o.gdpoRewardWeights = g.weights; // algorithm.gdpo_reward_weights
  return o;
}

function toBatch(g: Golden): VerlAdvBatch {
  const b: VerlAdvBatch = { ...buildBatch(g.scores.map((score, i) => ({ uid: g.uids[i], reward_mode: '', score }))) };
  b.responseLength = Float64Array.from(g.lengths);
  if (g.components) {
    const names = Object.keys(g.components);
    b.components = { names, values: names.map((k) => Float64Array.from(g.components![k])) };
  }
  return b;
}

describe('upstream verl estimators: parity with verl’s own code', () => {
  it('covers all six estimators, every case kind and both outcomes', () => {
    const names = new Set(golden.map((g) => g.estimator));
    expect([...names].sort()).toEqual(['gdpo', 'gpg', 'grpo_passk', 'opo', 'reinforce_plus_plus_baseline', 'rloo']);
    for (const n of names) expect(listAdvEstimators()).toContain(n);
    const cases = new Set(golden.map((g) => g.case));
    for (const c of ['ragged_interleaved', 'singletons', 'all_equal_groups', 'gdpo_three_components_singleton']) expect(cases).toContain(c);
    expect(golden.some((g) => g.error !== null)).toBe(true);
    expect(new Set(golden.map((g) => g.verl))).toEqual(new Set(['0.9.1']));
  });

  for (const g of golden) {
    it(`${g.estimator} ${JSON.stringify(g.kwargs)} on ${g.case}`, () => {
      const fn = getAdvEstimator(g.estimator);
      const batch = toBatch(g);
      if (g.error !== null) {
        expect(() => fn(batch, toOptions(g))).toThrow(/at least 2 samples/);
        return;
      }
      const got = fn(batch, toOptions(g)).advantages;
      expect(got.length).toBe(g.advantages!.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - g.advantages![i]));
      expect(worst).toBeLessThanOrEqual(TOL);
    });
  }

  it('without token counts every row counts once (OPO = plain group-mean baseline)', () => {
    const b = buildBatch([0, 1, 1, 0.5].map((score, i) => ({ uid: i < 2 ? 'a' : 'b', reward_mode: '', score })));
    expect(Array.from(getAdvEstimator('opo')(b).advantages)).toEqual([-0.5, 0.5, 0.25, -0.25]);
  });

  it('replayAdvantages passes response_length and components through (golden GDPO and OPO cases)', () => {
    for (const [c, est] of [['gdpo_three_components_singleton', 'gdpo'], ['ragged_interleaved', 'opo']] as const) {
      const g = golden.find((x) => x.case === c && x.estimator === est && Object.keys(x.kwargs).length === 0)!;
      const rows = g.scores.map((score, i) => ({
        step: 1, uid: g.uids[i], score, response_length: g.lengths[i],
        components: g.components ? Object.fromEntries(Object.entries(g.components).map(([k, v]) => [k, v[i]])) : undefined,
      }));
      const got = replayAdvantages(rows, est, toOptions(g)).advantages;
      got.forEach((a, i) => expect(Math.abs(a - g.advantages![i])).toBeLessThanOrEqual(TOL));
    }
    expect(() => replayAdvantages([{ step: 1, uid: 'a', score: 1, components: { x: 1 } }, { step: 1, uid: 'a', score: 0 }], 'gdpo')).toThrow(/row 1: components missing/);
  });

  it('gdpo refuses weights that do not match the components', () => {
    const b = buildBatch([0, 1].map((score) => ({ uid: 'a', reward_mode: '', score })));
    expect(() => getAdvEstimator('gdpo')(b, { gdpoRewardWeights: [1, 2] } as VerlAdvOptions)).toThrow(/2 reward weights for 1 components/);
  });
});
