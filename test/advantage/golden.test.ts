/**
 * Golden vectors: every batch × every estimator/option combination in
 * `test/fixtures/golden/advantages.jsonl` (produced by GoLongRL's own torch float32 code) must
 * match within 1e-4 absolute, advantages and extra metrics alike.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBatch, getAdvEstimator, type AdvOptions, type AdvRow } from '../../lib/advantage/index.js';

interface GoldenResult {
  estimator: string;
  options: Record<string, boolean | number>;
  expected: number[];
  extra?: Record<string, number>;
}
interface GoldenBatch {
  kind: 'advantage';
  rows: AdvRow[];
  results: GoldenResult[];
}

const TOL = 1e-4;
const file = new URL('../fixtures/golden/advantages.jsonl', import.meta.url);
const batches: GoldenBatch[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as GoldenBatch);

/** The reference's keyword names → ours. An unknown keyword fails the test rather than being ignored. */
function toOptions(o: Record<string, boolean | number>): AdvOptions {
  const map: Record<string, keyof AdvOptions> = {
    norm_adv_by_std_in_grpo: 'normAdvByStd',
    norm_adv_by_task_scale: 'normAdvByTaskScale',
    difficulty_reweight: 'difficultyReweight',
    difficulty_smooth_alpha: 'difficultySmoothAlpha',
    difficulty_gamma: 'difficultyGamma',
    epsilon: 'epsilon',
  };
  const out: Record<string, boolean | number> = {};
  for (const [k, v] of Object.entries(o)) {
    const ours = map[k];
    if (!ours) throw new Error(`unmapped golden option ${k}`);
    out[ours] = v;
  }
  return out as AdvOptions;
}

describe('golden advantages (GoLongRL core_algos.py, torch float32)', () => {
  it('has 40 batches × 10 results', () => {
    expect(batches).toHaveLength(40);
    for (const b of batches) expect(b.results).toHaveLength(10);
  });

  batches.forEach((b, bi) => {
    describe(`batch ${bi} (${b.rows.length} rows)`, () => {
      const batch = buildBatch(b.rows);
      for (const r of b.results) {
        it(`${r.estimator} ${JSON.stringify(r.options)}`, () => {
          const res = getAdvEstimator(r.estimator)(batch, toOptions(r.options));
          expect(res.advantages).toHaveLength(r.expected.length);
          let worst = 0;
          let worstAt = -1;
          for (let i = 0; i < r.expected.length; i++) {
            const d = Math.abs(res.advantages[i] - r.expected[i]);
            if (!(d <= worst)) {
              worst = d;
              worstAt = i;
            }
          }
          expect(worst, `row ${worstAt}: got ${res.advantages[worstAt]}, want ${r.expected[worstAt]}`).toBeLessThanOrEqual(TOL);
          const extra = r.extra ?? {};
          expect(Object.keys(res.extraMetrics).sort()).toEqual(Object.keys(extra).sort());
          for (const [k, v] of Object.entries(extra)) expect(Math.abs(res.extraMetrics[k] - v), k).toBeLessThanOrEqual(TOL);
        });
      }
    });
  });
});
