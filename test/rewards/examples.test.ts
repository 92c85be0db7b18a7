/** Every worked example of docs/rewards.md and notebook 02 scores what it says it scores. */
import { describe, expect, it } from 'vitest';
import { recursionDivergence, REWARD_EXAMPLES, scoreExamples } from '../../lib/rewards/examples.js';

describe('worked reward examples', () => {
  for (const e of REWARD_EXAMPLES) {
    it(`${e.group}: ${e.title}`, () => {
      const [s] = scoreExamples(e.group).filter((x) => x.title === e.title);
      expect(s.score).toBeCloseTo(e.expected, 9);
    });
  }
  it('covers every reward and the gate', () => {
    expect(new Set(REWARD_EXAMPLES.map((e) => e.group)).size).toBe(12);
  });
  it('the recursion-limit divergence: short sentences agree, long ones the reference zeroes', () => {
    const short = recursionDivergence(100);
    expect(short.referenceDepth).toBeLessThan(1000);
    expect(short.reference).toBe(short.ours);
    const long = recursionDivergence(1500);
    expect(long.referenceDepth).toBeGreaterThanOrEqual(1000);
    expect(long.reference).toBe(0);
    expect(long.ours).toBeCloseTo((2 * 1 * 0.5) / (1 + 0.5 + 1e-8) , 6); // P = 1 (all hyp words in ref), R = 1/2
  });
});
