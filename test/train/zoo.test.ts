/**
 * The method zoo behind notebook 08 (zoo.ts): every method × seed runs on the same base and the same
 * held-out prompts; only the method's own fields differ; the summary has a CI per method × family.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { getRecipe } from '../../lib/train/trainer.js';
import { COMPARE_PLANS } from '../../lib/train/compare/config.js';
import { intervalsOverlap, runMethodZoo, zooBase, zooGains, zooSummary, ZOO_BASE_LABEL, ZOO_BASE_SFT, ZOO_METHODS } from '../../lib/train/zoo.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('method zoo', () => {
  it('methods change only their own fields of the shared base', () => {
    const b = zooBase();
    const common = ['model', 'families', 'contextLen', 'promptsPerStep', 'genBatchPrompts', 'n', 'maxNewTokens', 'steps', 'lr', 'lrWarmupSteps', 'weightDecay', 'seed'] as const;
    for (const m of ZOO_METHODS) {
      const c = m.configure(b);
      for (const k of common) expect(c[k], `${m.label}.${k}`).toEqual(b[k]);
    }
    expect(ZOO_METHODS.map((m) => m.label)).toEqual(['GRPO', 'TMN-Reweight', 'QwenLong-L1', 'dGRPO']);
  });

  it("uses the main job's base recipe (fewer steps) and its RL optimiser settings", () => {
    const plan = COMPARE_PLANS['sample-suite'];
    expect(ZOO_BASE_SFT).toEqual({ ...plan.baseSft, steps: ZOO_BASE_SFT.steps });
    const b = zooBase();
    for (const k of ['lr', 'lrWarmupSteps', 'weightDecay', 'n'] as const) expect(b[k], k).toBe(plan.train[k] ?? getRecipe('sample-suite')[k]);
  });

  it('intervalsOverlap is true exactly when the closed intervals share a point', () => {
    expect(intervalsOverlap({ ci95_low: 0, ci95_high: 1 }, { ci95_low: 1, ci95_high: 2 })).toBe(true);
    expect(intervalsOverlap({ ci95_low: 0, ci95_high: 0.99 }, { ci95_low: 1, ci95_high: 2 })).toBe(false);
    expect(intervalsOverlap({ ci95_low: 1.5, ci95_high: 3 }, { ci95_low: 1, ci95_high: 2 })).toBe(true);
  });

  it('runs every method on the same held-out prompts and summarises with 95% CIs', () => {
    const base = { ...getRecipe('tiny'), steps: 2, evalPromptsPerFamily: 3 };
    const r = runMethodZoo({ base, seeds: [1], evalSamples: 2, teacherSftSteps: 2 });
    expect(r.runs.map((x) => x.method)).toEqual(['GRPO', 'TMN-Reweight', 'QwenLong-L1', 'dGRPO']);
    const promptsOf = (m: string) => r.scores.filter((s) => s.method === m).map((s) => `${s.family}#${s.prompt}`);
    for (const m of r.methods) expect(promptsOf(m)).toEqual(promptsOf('GRPO'));
    expect(r.runs.find((x) => x.method === 'QwenLong-L1')!.sftSteps).toBe(10);
    const s = zooSummary(r);
    expect(s).toHaveLength(4 * (base.families.length + 1));
    for (const row of s) {
      expect(row.ci95_low).toBeLessThanOrEqual(row.mean);
      expect(row.ci95_high).toBeGreaterThanOrEqual(row.mean);
    }
    expect(s.find((x) => x.method === 'GRPO' && x.family === 'all')!.n).toBe(3 * base.families.length);
    // Without a base model: no base rows, no gains.
    expect(s.some((x) => x.method === ZOO_BASE_LABEL)).toBe(false);
    expect(zooGains(r)).toEqual([]);
    for (const x of r.scores) expect([0, 0.5, 1]).toContain(x.formatPass);
    // Failing samples score 0, so the score of passing samples is the mean over the pass rate.
    for (const row of s) {
      const fp = r.scores.filter((x) => x.method === row.method && (row.family === 'all' || x.family === row.family)).map((x) => x.formatPass);
      expect(row.format_pass).toBeCloseTo(fp.reduce((a, b) => a + b, 0) / fp.length, 12);
      if (row.format_pass! > 0) expect(row.pass_score! * row.format_pass!).toBeCloseTo(row.mean, 12);
      else expect(row.pass_score).toBeNaN();
    }
  });

  it('with baseSft every method starts from the same cached base model', () => {
    const base = { ...getRecipe('tiny'), steps: 1, evalPromptsPerFamily: 3 };
    const root = mkdtempSync(join(tmpdir(), 'golongrl-zoo-base-'));
    const r = runMethodZoo({ base, seeds: [1], evalSamples: 1, teacherSftSteps: 2, methods: ZOO_METHODS.slice(0, 2), baseSft: { steps: 3, lr: 1e-2, promptsPerStep: 4 }, baseRoot: root });
    expect(r.baseModel?.created).toBe(true);
    expect(r.baseModel?.dir.startsWith(root)).toBe(true);
    // Same base weights + same streams: GRPO and TMN-Reweight sample identical rollouts at step 1.
    // The base is scored on the same prompts; gains are paired differences (mean gain = difference of means).
    expect(r.scores.filter((s) => s.method === ZOO_BASE_LABEL).map((s) => `${s.family}#${s.prompt}`)).toEqual(r.scores.filter((s) => s.method === 'GRPO').map((s) => `${s.family}#${s.prompt}`));
    expect(r.baseGreedy.map((x) => x.seed)).toEqual([1]);
    const s = zooSummary(r);
    expect(s.map((x) => x.method).filter((m, i, a) => a.indexOf(m) === i)).toEqual([ZOO_BASE_LABEL, 'GRPO', 'TMN-Reweight']);
    const gains = zooGains(r);
    expect(gains).toHaveLength(2 * (base.families.length + 1));
    const meanOf = (m: string) => s.find((x) => x.method === m && x.family === 'all')!.mean;
    for (const m of ['GRPO', 'TMN-Reweight']) expect(gains.find((x) => x.method === m && x.family === 'all')!.mean).toBeCloseTo(meanOf(m) - meanOf(ZOO_BASE_LABEL), 12);
    const [g, t] = r.runs;
    expect(t.history[0].metrics['train/gen_score_mean']).toBe(g.history[0].metrics['train/gen_score_mean']);
    const again = runMethodZoo({ base, seeds: [1], evalSamples: 1, teacherSftSteps: 2, methods: ZOO_METHODS.slice(0, 1), baseSft: { steps: 3, lr: 1e-2, promptsPerStep: 4 }, baseRoot: root });
    expect(again.baseModel?.created).toBe(false);
    expect(again.runs[0].history[0].metrics['train/gen_score_mean']).toBe(g.history[0].metrics['train/gen_score_mean']);
  });
});
