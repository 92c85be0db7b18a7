/**
 * Issue 4 leftovers: Megatron's linear lr warm-up (then constant), decoupled weight decay on ≥ 2-D
 * weights only, and verl's extra metric names (critic/{score,rewards,advantages,returns}/*,
 * response_length/*, actor/entropy, actor/lr).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, lrAt } from '../../lib/train/adam.js';
import { selectBackend } from '../../lib/train/backend.js';
import { getRecipe, makePolicy, TRAIN_RECIPES, train, type TrainConfig } from '../../lib/train/trainer.js';
import { VOCAB_SIZE } from '../../lib/train/tasks.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('lr schedule (Megatron OptimizerParamScheduler, constant after warm-up)', () => {
  it('step k runs at init + (lr − init)·(k−1)/W for k − 1 ≤ W, then lr', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((k) => lrAt(k, 1, 5))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1]);
    expect(lrAt(1, 2, 4, 1)).toBe(1);
    expect(lrAt(3, 2, 4, 1)).toBe(1.5);
    expect([1, 2, 100].map((k) => lrAt(k, 0.3, 0))).toEqual([0.3, 0.3, 0.3]);
  });

  it('the trainer logs actor/lr along the schedule; a step at lr 0 leaves the weights unchanged', () => {
    const config: TrainConfig = { ...getRecipe('tiny'), families: ['summarization'], steps: 3, lrWarmupSteps: 2 };
    const lrs: number[] = [];
    const r = train(config, { onStep: (s) => lrs.push(s.metrics['actor/lr']) });
    r.policy.dispose();
    expect(lrs).toEqual([0, config.lr / 2, config.lr]);
    // Step 1 runs at lr 0 (and weight decay is 0 in tiny): the weights stay at their initialisation.
    const one = train({ ...config, steps: 1 });
    const init = makePolicy(config);
    const a = one.policy.getWeights();
    const b = init.getWeights();
    for (const k of Object.keys(a)) expect(Array.from(a[k]), k).toEqual(Array.from(b[k]));
    one.policy.dispose();
    init.dispose();
  });

  it('recipes: sample-suite uses GoLongRL’s 5 warm-up steps and weight decay 0.1; tiny neither', () => {
    expect(TRAIN_RECIPES['sample-suite'].lrWarmupSteps).toBe(5);
    expect(TRAIN_RECIPES['sample-suite'].weightDecay).toBe(0.1);
    expect(TRAIN_RECIPES.tiny.lrWarmupSteps).toBe(0);
    expect(TRAIN_RECIPES.tiny.weightDecay).toBe(0);
  });
});

describe('decoupled weight decay', () => {
  it('with a zero gradient, ≥ 2-D weights shrink by exactly (1 − lr·λ) and 1-D weights (gains, biases) do not move', () => {
    const w2 = tf.variable(tf.tensor2d([[1, -2], [3, 4]]));
    const w1 = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Adam([w2, w1], 0.1, 0.9, 0.999, 1e-8, 0.1);
    expect(opt.decay).toEqual([true, false]);
    opt.apply([tf.zerosLike(w2), tf.zerosLike(w1)]);
    const f = Math.fround;
    expect(Array.from(w2.dataSync())).toEqual([1, -2, 3, 4].map((x) => f(x - f(x * f(0.1 * 0.1)))));
    expect(Array.from(w1.dataSync())).toEqual([1, 2]);
    opt.dispose();
    w1.dispose();
    w2.dispose();
  });

  it('decay is applied to the pre-update weight and adds to the Adam step (AdamW), not to the gradient', () => {
    const w = tf.variable(tf.tensor2d([[2]]));
    const plain = tf.variable(tf.tensor2d([[2]]));
    const a = new Adam([w], 0.01, 0.9, 0.999, 1e-8, 0.5);
    const b = new Adam([plain], 0.01, 0.9, 0.999, 1e-8, 0);
    a.apply([tf.tensor2d([[3]])]);
    b.apply([tf.tensor2d([[3]])]);
    // Adam's first step is lr·sign(g) (m̂/√v̂ = 1) whatever the gradient's scale; the decay adds lr·λ·w.
    expect(plain.dataSync()[0]).toBeCloseTo(2 - 0.01, 6);
    expect(w.dataSync()[0]).toBeCloseTo(2 - 0.01 - 0.01 * 0.5 * 2, 6);
    a.dispose();
    b.dispose();
  });
});

describe('verl metric names', () => {
  it('logs critic/{score,rewards,advantages,returns}/{mean,max,min,std}, response_length/*, prompt_length/*, actor/entropy', () => {
    const config: TrainConfig = { ...getRecipe('tiny'), families: ['summarization'], steps: 3 };
    const r = train(config);
    r.policy.dispose();
    const m = r.history.find((h) => h.metrics['train/num_kept_groups'] > 0)!.metrics;
    for (const p of ['critic/score', 'critic/rewards', 'critic/advantages', 'critic/returns'])
      for (const s of ['mean', 'max', 'min', 'std']) expect(Number.isFinite(m[`${p}/${s}`]), `${p}/${s}`).toBe(true);
    // No KL reward: rewards = scores; GRPO's returns are its advantages (core_algos returns (scores, scores)).
    for (const s of ['mean', 'max', 'min', 'std']) {
      expect(m[`critic/rewards/${s}`]).toBe(m[`critic/score/${s}`]);
      expect(m[`critic/returns/${s}`]).toBe(m[`critic/advantages/${s}`]);
    }
    expect(m['critic/score/max']).toBeGreaterThanOrEqual(m['critic/score/mean']);
    expect(m['critic/score/min']).toBeLessThanOrEqual(m['critic/score/mean']);
    expect(m['response_length/max']).toBeLessThanOrEqual(config.maxNewTokens);
    expect(m['response_length/min']).toBeGreaterThanOrEqual(1);
    expect(m['response_length/mean']).toBeGreaterThanOrEqual(m['response_length/min']);
    expect(m['response_length/clip_ratio']).toBeGreaterThanOrEqual(0);
    expect(m['response_length/clip_ratio']).toBeLessThanOrEqual(1);
    // Entropy of a near-uniform fresh policy: close to ln V, never above it.
    expect(m['actor/entropy']).toBeGreaterThan(0.5 * Math.log(VOCAB_SIZE));
    expect(m['actor/entropy']).toBeLessThanOrEqual(Math.log(VOCAB_SIZE) + 1e-6);
    expect(m['prompt_length/min']).toBeGreaterThan(8);
  });
});
