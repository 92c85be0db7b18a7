/**
 * SFT warm-up (sft.ts): the loss is the gold responses' mean cross-entropy, it falls with SFT steps,
 * and in the trainer it runs before RL (sft.jsonl), is skipped on resume, and raises the first RL
 * steps' reward over no warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { readMetrics } from '../../lib/train/logger.js';
import { goldCrossEntropy, runSft, sftPrompts } from '../../lib/train/sft.js';
import { getRecipe, makePolicy, train, type TrainConfig } from '../../lib/train/trainer.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const base = (): TrainConfig => ({ ...getRecipe('tiny'), families: ['precise_retrieval', 'summarization'] });

describe('SFT warm-up', () => {
  it('goldCrossEntropy = mean over prompts of −(1/|y|)·Σ log π(y_t | x, y_<t) (direct per-prompt computation)', () => {
    const c = base();
    const p = makePolicy(c);
    const o = { steps: 1, lr: 1e-2, promptsPerStep: 6, families: c.families, contextLen: 8, maxNewTokens: c.maxNewTokens, seed: 3, gradClip: 1 };
    const prompts = sftPrompts(o, 1);
    const got = tf.tidy(() => goldCrossEntropy(p, prompts, c.maxNewTokens).dataSync()[0]);
    let want = 0;
    for (const q of prompts) {
      const y = q.goldResponseTokens.slice(0, c.maxNewTokens);
      const lp = tf.tidy(() => Array.from(p.responseLogProbs(tf.tensor2d([[...q.promptTokens, ...y]], [1, q.promptTokens.length + y.length], 'int32'), q.promptTokens.length).dataSync()));
      want += -lp.reduce((a, b) => a + b, 0) / y.length;
    }
    expect(got).toBeCloseTo(want / prompts.length, 4);
    p.dispose();
  });

  it('SFT steps lower the gold cross-entropy', () => {
    const c = base();
    const p = makePolicy(c);
    const hist = runSft(p, { steps: 15, lr: 3e-2, promptsPerStep: 8, families: c.families, contextLen: 8, maxNewTokens: c.maxNewTokens, seed: 1, gradClip: 1 });
    expect(hist).toHaveLength(15);
    const first = hist[0]['sft/loss'];
    const last = hist.slice(-3).reduce((a, m) => a + m['sft/loss'], 0) / 3;
    expect(last).toBeLessThan(first - 0.5);
    p.dispose();
  });

  it('in the trainer: runs before RL, logs sft.jsonl, lifts the first RL steps’ reward, and is not rerun on resume', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-sft-'));
    const c: TrainConfig = { ...base(), steps: 2, saveFreq: 1, outDir: dir, resume: 'auto', sft: { steps: 25, lr: 3e-2, promptsPerStep: 8 } };
    const withSft = train(c);
    withSft.policy.dispose();
    expect(withSft.sftHistory).toHaveLength(25);
    expect(readMetrics(join(dir, 'sft.jsonl')).map((l) => l.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const without = train({ ...c, outDir: null, resume: 'disable', sft: null });
    without.policy.dispose();
    const g = (r: typeof without) => r.history[0].metrics['train/gen_score_mean'];
    expect(g(withSft)).toBeGreaterThan(g(without) + 0.05);
    const resumed = train({ ...c, steps: 3 });
    resumed.policy.dispose();
    expect(resumed.startStep).toBe(2);
    expect(resumed.sftHistory).toHaveLength(0);
    expect(existsSync(join(dir, 'global_step_3'))).toBe(true);
  });
});
