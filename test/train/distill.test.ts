/**
 * dGRPO's distillation term (distill.ts): the exact per-token KL(student ‖ teacher) over the
 * vocabulary, its gradient (direction and formula), a teacher trained by SFT or loaded from a run
 * directory, and the trainer's loss GRPO + β·KL pulling the student toward the teacher.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { aggregate, distillKl, loadTeacher, perTokenKl, trainTeacher } from '../../lib/train/distill.js';
import { Policy } from '../../lib/train/policy.js';
import { EOS, PAD, VOCAB_SIZE } from '../../lib/train/tasks.js';
import { getRecipe, heldOutFor, makePolicy, maxContextLen, train, type TrainConfig } from '../../lib/train/trainer.js';
import { Rng } from '../../lib/util/random.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('per-token KL(student ‖ teacher)', () => {
  it('equals Σ_v p_s (log p_s − log p_t) computed by hand, and is 0 for identical distributions', () => {
    const zs = [[[1, 0, -1], [0.5, 0.5, 0]]];
    const zt = [[[0, 0, 0], [2, -1, 0]]];
    const s = tf.logSoftmax(tf.tensor3d(zs), -1) as tf.Tensor3D;
    const t = tf.logSoftmax(tf.tensor3d(zt), -1) as tf.Tensor3D;
    const got = Array.from(perTokenKl(s, t).dataSync());
    const ls = s.arraySync()[0];
    const lt = t.arraySync()[0];
    const want = ls.map((row, i) => row.reduce((a, l, v) => a + Math.exp(l) * (l - lt[i][v]), 0));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
    expect(Array.from(perTokenKl(s, s).dataSync()).every((x) => Math.abs(x) < 1e-6)).toBe(true);
    expect(got.every((x) => x > 0)).toBe(true);
  });

  it('its gradient in the student logits is p_s ⊙ (log p_s − log p_t − KL): a step against it lowers the KL', () => {
    const z = tf.tensor2d([[1, 0, -1, 0.3]]);
    const lt = tf.logSoftmax(tf.tensor2d([[0, 2, 0, -1]]), -1);
    const f = (x: tf.Tensor) => tf.sum(perTokenKl(tf.expandDims(tf.logSoftmax(x, -1), 0) as tf.Tensor3D, tf.expandDims(lt, 0) as tf.Tensor3D));
    const g = Array.from(tf.grad(f)(z).dataSync());
    const ls = Array.from(tf.logSoftmax(z, -1).dataSync());
    const ltv = Array.from(lt.dataSync());
    const kl = ls.reduce((a, l, v) => a + Math.exp(l) * (l - ltv[v]), 0);
    ls.forEach((l, v) => expect(g[v]).toBeCloseTo(Math.exp(l) * (l - ltv[v] - kl), 5));
    // Direction: the logit of the token the teacher prefers (index 1) gets a negative gradient (raised by descent).
    expect(g[1]).toBeLessThan(0);
    const before = f(z).dataSync()[0];
    const after = f(tf.sub(z, tf.mul(tf.tensor1d(g), 0.5))).dataSync()[0];
    expect(after).toBeLessThan(before);
  });

  it('aggregate: seq-mean-token-mean and token-mean over the mask', () => {
    const x = tf.tensor2d([[1, 3, 100], [2, 0, 0]]);
    const m = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
    expect(aggregate(x, m, 'seq-mean-token-mean').dataSync()[0]).toBeCloseTo((2 + 2) / 2, 6);
    expect(aggregate(x, m, 'token-mean').dataSync()[0]).toBeCloseTo(6 / 3, 6);
  });
});

describe('teachers and the dGRPO loss in training', () => {
  const student = (): TrainConfig => ({ ...getRecipe('tiny'), families: ['summarization'], steps: 8 });

  /** KL(student ‖ teacher) on a fixed batch of the student's own samples (held-out prompts). */
  function klOn(s: Policy, t: Policy, c: TrainConfig): number {
    const prompts = heldOutFor(c).filter((p) => p.promptTokens.length === heldOutFor(c)[0].promptTokens.length);
    const res = s.sample(prompts.map((p) => p.promptTokens), { maxNewTokens: c.maxNewTokens, temperature: 1, rng: new Rng(4), eosId: EOS, padId: PAD });
    return tf.tidy(() => {
      const P = prompts[0].promptTokens.length;
      const seq = tf.tensor2d(res.sequences.flat(), [prompts.length, P + c.maxNewTokens], 'int32');
      const mask = tf.tensor2d(res.responseMask.flat(), [prompts.length, c.maxNewTokens], 'float32');
      return distillKl(s, t, seq, P, mask, 'seq-mean-token-mean').dataSync()[0];
    });
  }

  it('a larger SFT-trained teacher; with β > 0 the student ends closer to it than with β = 0; distill/* is logged', () => {
    const c = student();
    const teacher = trainTeacher({ model: { dModel: 32, nHeads: 2, nLayers: 1 }, families: c.families, contextLen: 8, maxContextLen: maxContextLen(c), maxNewTokens: c.maxNewTokens, seed: 1, sftSteps: 30, sftLr: 3e-2, promptsPerStep: 8 });
    expect(teacher.numParameters).toBeGreaterThan(makePolicy(c).numParameters);
    const plain = train({ ...c, distill: { beta: 0 } }, {}, { teacher });
    const pulled = train({ ...c, distill: { beta: 5 } }, {}, { teacher });
    const m = pulled.history.find((h) => h.metrics['train/num_kept_groups'] > 0)!.metrics;
    expect(m['distill/beta']).toBe(5);
    expect(m['distill/kl']).toBeGreaterThan(0);
    expect(m['distill/kl_loss']).toBeCloseTo(5 * m['distill/kl'], 10);
    const kPlain = klOn(plain.policy, teacher, c);
    const kPulled = klOn(pulled.policy, teacher, c);
    console.log(`KL to the teacher after ${c.steps} steps: β=0 ${kPlain.toFixed(3)}, β=5 ${kPulled.toFixed(3)}; logged ${pulled.history.map((h) => h.metrics['distill/kl']?.toFixed(3)).join(' ')}`);
    expect(kPulled).toBeLessThan(kPlain * 0.8);
    // The logged KL falls along the β > 0 run.
    const kls = pulled.history.filter((h) => h.metrics['distill/kl'] !== undefined).map((h) => h.metrics['distill/kl']);
    expect(kls.at(-1)!).toBeLessThan(kls[0]);
    plain.policy.dispose();
    pulled.policy.dispose();
    teacher.dispose();
  });

  it('loads a teacher from a run directory (a --steps 0 SFT run) with the same weights; distill without a teacher is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-teacher-'));
    const c: TrainConfig = { ...student(), model: { dModel: 24, nHeads: 2, nLayers: 1 }, steps: 0, outDir: dir, resume: 'auto', sft: { steps: 3, lr: 1e-2, promptsPerStep: 4 } };
    const r = train(c);
    const t = loadTeacher(dir);
    expect(t.config.vocabSize).toBe(VOCAB_SIZE);
    expect(t.config.dModel).toBe(24);
    const a = r.policy.getWeights();
    const b = t.getWeights();
    for (const k of Object.keys(a)) expect(Array.from(b[k]), k).toEqual(Array.from(a[k]));
    r.policy.dispose();
    t.dispose();
    expect(() => train({ ...student(), distill: { beta: 1 } })).toThrow(/teacher/);
    expect(() => loadTeacher(mkdtempSync(join(tmpdir(), 'golongrl-none-')))).toThrow(/no checkpoint/);
  });
});
