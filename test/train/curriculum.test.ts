/**
 * QwenLong-L1 progressive context scaling (curriculum.ts) and dGRPO's short/long mixture by tokens
 * (mixture.ts): the schedule itself, the prompts drawn per step, and the lengths the trainer logs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { parseCurriculum, phaseAt, validateCurriculum } from '../../lib/train/curriculum.js';
import { parseMixture, shortProbability } from '../../lib/train/mixture.js';
import { contextLenOf } from '../../lib/train/retrospective.js';
import { drawStepPrompts, getRecipe, makePolicy, maxContextLen, train, type TrainConfig } from '../../lib/train/trainer.js';
import { maxPromptTokens } from '../../lib/train/tasks.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('curriculum', () => {
  it('phaseAt: phases by cumulative steps, the last runs to the end', () => {
    const c = parseCurriculum('8:2,16:3,24');
    expect([1, 2, 3, 5, 6, 100].map((s) => phaseAt(c, s))).toEqual([
      { phase: 1, contextLen: 8 },
      { phase: 1, contextLen: 8 },
      { phase: 2, contextLen: 16 },
      { phase: 2, contextLen: 16 },
      { phase: 3, contextLen: 24 },
      { phase: 3, contextLen: 24 },
    ]);
  });

  it('rejects bad specs, naming the part', () => {
    expect(() => parseCurriculum('8:2,x')).toThrow(/part 2 'x'/);
    expect(() => parseCurriculum('7:2,16')).toThrow(/phases\[0\]\.contextLen/);
    expect(() => validateCurriculum({ phases: [{ contextLen: 8 }, { contextLen: 16 }] })).toThrow(/phases\[0\]\.steps/);
    expect(() => validateCurriculum({ phases: [] })).toThrow(/non-empty/);
  });

  it('every fresh prompt of a step has the phase’s document length', () => {
    const config: TrainConfig = { ...getRecipe('tiny'), curriculum: parseCurriculum('8:3,16:3,24') };
    for (const [step, len] of [[1, 8], [3, 8], [4, 16], [6, 16], [7, 24]] as const) {
      const d = drawStepPrompts(config, step, 0);
      expect(d.prompts.map(contextLenOf)).toEqual(Array(config.genBatchPrompts).fill(len));
    }
    // The policy's positions cover the longest phase.
    expect(maxContextLen(config)).toBe(24);
    const p = makePolicy(config);
    expect(p.config.maxLen).toBe(maxPromptTokens(24) + config.maxNewTokens);
    p.dispose();
  });

  it('the trainer logs curriculum/phase, curriculum/context_len and the batch prompt lengths of each phase', () => {
    const config: TrainConfig = { ...getRecipe('tiny'), families: ['summarization'], steps: 4, curriculum: parseCurriculum('8:2,16') };
    const r = train(config);
    r.policy.dispose();
    expect(r.history.map((h) => h.metrics['curriculum/phase'])).toEqual([1, 1, 2, 2]);
    expect(r.history.map((h) => h.metrics['curriculum/context_len'])).toEqual([8, 8, 16, 16]);
    for (const h of r.history) {
      if (!(h.metrics['train/num_kept_groups'] > 0)) continue;
      const len = h.metrics['curriculum/context_len'];
      // prompt = <bos> marker context <sep> query <sep>: context + 3 ≤ length ≤ maxPromptTokens.
      expect(h.metrics['prompt_length/min']).toBeGreaterThanOrEqual(len + 3);
      expect(h.metrics['prompt_length/max']).toBeLessThanOrEqual(maxPromptTokens(len));
    }
  });
});

describe('short/long mixture by tokens', () => {
  it('shortProbability makes the expected short share of tokens equal the ratio', () => {
    const m = { shortTokenRatio: 0.1, shortContextLen: 8 };
    const p = shortProbability(m, 24);
    const ts = 8 + 7;
    const tl = 24 + 7;
    expect((p * ts) / (p * ts + (1 - p) * tl)).toBeCloseTo(0.1, 12);
    expect(shortProbability({ ...m, shortTokenRatio: 0 }, 24)).toBe(0);
    expect(shortProbability({ ...m, shortTokenRatio: 1 }, 24)).toBe(1);
    expect(() => parseMixture('1.5')).toThrow(/shortTokenRatio/);
    expect(parseMixture('0.1:12')).toEqual({ shortTokenRatio: 0.1, shortContextLen: 12 });
  });

  it('10/90 by tokens: over many generation batches the realised short share of prompt tokens is ≈ 0.1, and short prompts have the short length', () => {
    const config: TrainConfig = { ...getRecipe('sample-suite'), contextLen: 24, mixture: { shortTokenRatio: 0.1, shortContextLen: 8 } };
    let short = 0;
    let total = 0;
    const lens = new Set<number>();
    for (let step = 1; step <= 150; step++) {
      const d = drawStepPrompts(config, step, 0);
      short += d.shortTokens;
      total += d.tokens;
      d.prompts.forEach((p) => lens.add(contextLenOf(p)));
    }
    expect([...lens].sort((a, b) => a - b)).toEqual([8, 24]);
    expect(short / total).toBeGreaterThan(0.08);
    expect(short / total).toBeLessThan(0.12);
    // Without a mixture the draws are exactly those of the plain recipe (the mixture has its own stream).
    const plain = drawStepPrompts({ ...config, mixture: null }, 3, 0);
    const zero = drawStepPrompts({ ...config, mixture: { shortTokenRatio: 0, shortContextLen: 8 } }, 3, 0);
    expect(zero.prompts.map((p) => p.uid)).toEqual(plain.prompts.map((p) => p.uid));
  });

  it('the trainer logs mixture/short_token_frac', () => {
    const config: TrainConfig = { ...getRecipe('tiny'), contextLen: 16, steps: 2, mixture: { shortTokenRatio: 0.5, shortContextLen: 8 } };
    const r = train(config);
    r.policy.dispose();
    for (const h of r.history) {
      expect(h.metrics['mixture/short_token_frac']).toBeGreaterThanOrEqual(0);
      expect(h.metrics['mixture/short_token_frac']).toBeLessThanOrEqual(1);
    }
    expect(r.history.some((h) => h.metrics['mixture/short_prompts'] > 0)).toBe(true);
  });
});
