/**
 * The base model's SFT corpus and schedule (sft.ts): the learning-rate schedule (`sftLrAt`: linear
 * warm-up, then constant or cosine to minLrRatio·lr), the format noise (`sftTargets`: a plain-answer
 * demonstration is the gold response without `</think>`, drawn from its own stream so the prompts do not
 * change), validation of the new fields, and that runSft applies the schedule (logged `sft/lr`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { runSft, sftLrAt, sftPrompts, sftTargets, validateSft, type SftConfig, type SftRunOptions } from '../../lib/train/sft.js';
import { scoreResponse, THINK_END } from '../../lib/train/tasks.js';
import { getRecipe, makePolicy } from '../../lib/train/trainer.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const run = (over: Partial<SftRunOptions> = {}): SftRunOptions => ({
  steps: 100,
  lr: 1e-2,
  promptsPerStep: 32,
  families: getRecipe('sample-suite').families,
  contextLen: 8,
  maxNewTokens: 32,
  seed: 7,
  gradClip: 1,
  ...over,
});

describe('sftLrAt', () => {
  it('is constant by default', () => {
    const c: SftConfig = { steps: 10, lr: 0.5, promptsPerStep: 1 };
    expect([1, 5, 10].map((s) => sftLrAt(c, s))).toEqual([0.5, 0.5, 0.5]);
  });
  it('warms up linearly from 0, then decays by a half cosine to minLrRatio·lr at the last step', () => {
    const c: SftConfig = { steps: 110, lr: 1, promptsPerStep: 1, warmupSteps: 10, decay: 'cosine', minLrRatio: 0.1 };
    expect(sftLrAt(c, 1)).toBeCloseTo(0.1, 12);
    expect(sftLrAt(c, 10)).toBeCloseTo(1, 12);
    expect(sftLrAt(c, 11)).toBeCloseTo(1, 12);
    expect(sftLrAt(c, 110)).toBeCloseTo(0.1, 12);
    // halfway through the decay: min + (1 − min)·½·(1 + cos(π/2)) = 0.55
    expect(sftLrAt(c, 11 + 49.5)).toBeCloseTo(0.55, 12);
    for (let s = 11; s < 110; s++) expect(sftLrAt(c, s + 1)).toBeLessThanOrEqual(sftLrAt(c, s));
  });
  it('validateSft rejects bad schedule and noise values', () => {
    const ok: SftConfig = { steps: 1, lr: 1, promptsPerStep: 1 };
    expect(() => validateSft({ ...ok, warmupSteps: -1 })).toThrow(/warmupSteps/);
    expect(() => validateSft({ ...ok, decay: 'linear' as 'cosine' })).toThrow(/decay/);
    expect(() => validateSft({ ...ok, minLrRatio: 2 })).toThrow(/minLrRatio/);
    expect(() => validateSft({ ...ok, formatNoise: 1 })).toThrow(/formatNoise/);
    expect(() => validateSft({ ...ok, formatNoise: -0.1 })).toThrow(/formatNoise/);
    expect(() => validateSft({ ...ok, warmupSteps: 3, decay: 'cosine', minLrRatio: 0, formatNoise: 0.5 })).not.toThrow();
  });
});

describe('format noise (sftTargets)', () => {
  it('without it, the targets are the gold responses', () => {
    const o = run();
    const ps = sftPrompts(o, 3);
    expect(sftTargets(o, 3, ps)).toEqual(ps.map((p) => p.goldResponseTokens));
  });
  it('drops exactly the `</think>` token from about ε of the targets, deterministically, and leaves the prompts alone', () => {
    const o = run({ formatNoise: 0.5 });
    let plain = 0;
    let total = 0;
    for (let step = 1; step <= 40; step++) {
      const ps = sftPrompts(o, step);
      expect(ps).toEqual(sftPrompts(run(), step)); // the coins come from their own stream
      const ts = sftTargets(o, step, ps);
      expect(sftTargets(o, step, ps)).toEqual(ts);
      ts.forEach((t, i) => {
        const gold = ps[i].goldResponseTokens;
        total++;
        if (t.includes(THINK_END)) expect(t).toEqual(gold);
        else {
          plain++;
          expect(t).toEqual(gold.filter((x) => x !== THINK_END));
          expect(t.length).toBe(gold.length - 1);
          // right content, wrong style: GoLongRL's format gate scores it 0
          expect(scoreResponse(ps[i], t)).toBe(0);
          expect(scoreResponse(ps[i], gold)).toBeGreaterThan(0);
        }
      });
    }
    // 1,280 fair coins: 0.5 ± 4.5 standard deviations (0.014 each)
    expect(Math.abs(plain / total - 0.5)).toBeLessThan(0.063);
  });
});

describe('runSft', () => {
  it('steps with the scheduled learning rate (sft/lr)', () => {
    const c = getRecipe('tiny');
    const p = makePolicy(c);
    const o = run({ steps: 6, lr: 1e-2, promptsPerStep: 4, families: c.families, maxNewTokens: c.maxNewTokens, warmupSteps: 2, decay: 'cosine', minLrRatio: 0.5, formatNoise: 0.5 });
    const ms = runSft(p, o);
    expect(ms.map((m) => m['sft/lr'])).toEqual([1, 2, 3, 4, 5, 6].map((s) => sftLrAt(o, s)));
    expect(ms[0]['sft/lr']).toBeCloseTo(5e-3, 12);
    expect(ms[5]['sft/lr']).toBeCloseTo(5e-3, 12);
    p.dispose();
  });
});
