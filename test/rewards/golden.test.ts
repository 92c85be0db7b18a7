/**
 * Every reward case of test/fixtures/golden/rewards.jsonl (produced by GoLongRL's own Python code)
 * through our full entry point `computeScore`: format gate, dispatch, scorer.
 *
 * NDCG: the golden values are NIST trec_eval's printed output (4 decimals, see lib/rewards/ndcg.ts);
 * we compare our full-precision NDCG after rounding it to 4 decimals. Everything else: |Δ| ≤ 1e-6.
 */
import { describe, expect, it } from 'vitest';
import { computeScore, type RewardCase } from '../../lib/rewards/index.js';
import { subTaskMetric } from '../../lib/rewards/subtasks.js';
import { readGolden } from '../golden.js';

interface GoldenReward {
  kind: 'reward';
  case: RewardCase;
  expected: number;
}

const cases = readGolden<GoldenReward>('rewards.jsonl');

function isNdcg(c: RewardCase): boolean {
  const mode = c.extra_info?.reward_mode;
  return c.data_source === 'longbench_pro' && typeof mode === 'string' && subTaskMetric(mode) === 'NDCG';
}

describe('golden rewards (GoLongRL reference outputs)', () => {
  it('has the full golden set', () => {
    expect(cases.length).toBe(1000);
  });
  const bySource = new Map<string, GoldenReward[]>();
  for (const g of cases) bySource.set(g.case.data_source, [...(bySource.get(g.case.data_source) ?? []), g]);
  for (const [source, group] of bySource) {
    it(`${source}: all ${group.length} cases match`, () => {
      const mismatches: string[] = [];
      for (const g of group) {
        let got = computeScore(g.case);
        if (isNdcg(g.case)) got = Math.round(got * 1e4) / 1e4;
        if (!(Math.abs(got - g.expected) <= 1e-6)) mismatches.push(`expected ${g.expected} got ${got}: ${JSON.stringify(g.case).slice(0, 300)}`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
