/**
 * The js engine's direct (tape-free) update (trainer.ts `updateDirect`): its parts against the tfjs
 * reference on random weights —
 *   - `policyLossGrad` (loss.ts): loss, metrics and dL/dlogπ equal `computePolicyLoss` and its tf.grad,
 *     both aggregation modes, with clipped, dual-clipped and masked tokens;
 *   - `Policy.responseLogProbsDirect` + `policyLossGrad`: the gradient of every weight equals
 *     tf.variableGrads over `responseLogProbsBatch` + `computePolicyLoss` on the tfjs reference engine
 *     (to 1e-4), at head dim 16 (the recipes' shape: `attendRow16`) and 8;
 *   - `Adam.applyArrays` equals `Adam.apply` (weights and moments, with weight decay, several steps);
 *   - KV-cache sampling equals uncached sampling at head dim 16.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../lib/train/adam.js';
import { selectBackend } from '../../lib/train/backend.js';
import { computePolicyLoss, policyLossGrad, type LossAggMode } from '../../lib/train/loss.js';
import { Policy, type PolicyConfig } from '../../lib/train/policy.js';
import { Rng } from '../../lib/util/random.js';
import { maxAbs, maxAbsDiff, randomWeights } from './random_weights.js';

beforeAll(async () => {
  await selectBackend('cpu');
});



/** Random loss inputs: ratios spread over the clip range, advantages of both signs, ragged masks. */
function lossInputs(seed: number, B: number, R: number) {
  const rng = new Rng(seed);
  const lp = new Float32Array(B * R);
  const old = new Float32Array(B * R);
  const adv = new Float32Array(B * R);
  const mask = new Float32Array(B * R);
  for (let b = 0; b < B; b++) {
    const a = rng.normal() * 1.5;
    const len = b === B - 1 ? 0 : 1 + Math.floor(rng.next() * R);
    for (let t = 0; t < R; t++) {
      const i = b * R + t;
      old[i] = -1 - rng.next() * 3;
      lp[i] = old[i] + (rng.next() - 0.5) * (b % 3 === 0 ? 3 : 0.8);
      mask[i] = t < len ? 1 : 0;
      adv[i] = mask[i] * a;
    }
  }
  return { lp, old, adv, mask };
}

describe('policyLossGrad = computePolicyLoss and its tfjs gradient', () => {
  for (const aggMode of ['token-mean', 'seq-mean-token-mean'] as LossAggMode[])
    it(aggMode, () => {
      const B = 9;
      const R = 7;
      const { lp, old, adv, mask } = lossInputs(aggMode === 'token-mean' ? 1 : 2, B, R);
      const ours = policyLossGrad(lp, old, adv, mask, B, R, { aggMode });
      let metrics: Record<string, number> = {};
      const oldT = tf.tensor2d(old, [B, R]);
      const advT = tf.tensor2d(adv, [B, R]);
      const maskT = tf.tensor2d(mask, [B, R]);
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => {
        const r = computePolicyLoss({ logProbs: x, oldLogProbs: oldT, advantages: advT, responseMask: maskT }, { aggMode });
        metrics = { ...r.metrics };
        return r.loss;
      })(tf.tensor2d(lp, [B, R]));
      const ref = grad.dataSync();
      expect(Math.abs(ours.loss - value.dataSync()[0])).toBeLessThan(1e-6);
      for (const k of Object.keys(metrics)) expect(Math.abs(ours.metrics[k as keyof typeof ours.metrics] - metrics[k])).toBeLessThan(1e-6);
      // Both the clipped and the unclipped regimes occur.
      expect(metrics['actor/pg_clipfrac']).toBeGreaterThan(0.05);
      expect(metrics['actor/pg_clipfrac']).toBeLessThan(0.95);
      let zeros = 0;
      for (let i = 0; i < ref.length; i++) if (ref[i] === 0 && mask[i] > 0) zeros++;
      expect(zeros).toBeGreaterThan(0);
      expect(maxAbs(ref)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(ours.dLogProbs, ref)).toBeLessThan(1e-6);
      tf.dispose([oldT, advT, maskT, value, grad]);
    });
});

describe('direct update gradients = the tfjs reference', () => {
  const cases: [string, PolicyConfig][] = [
    ['head dim 16, tied', { vocabSize: 15, dModel: 32, nHeads: 2, nLayers: 2, maxLen: 30, seed: 3 }],
    ['head dim 8, separate head', { vocabSize: 13, dModel: 16, nHeads: 2, nLayers: 2, maxLen: 30, seed: 4, tiedEmbeddings: false }],
  ];
  for (const [name, cfg] of cases)
    it(name, () => {
      const js = new Policy({ ...cfg, engine: 'js' });
      const ref = new Policy({ ...cfg, engine: 'tfjs' });
      const w = randomWeights(js, 11);
      js.setWeights(w);
      ref.setWeights(w);
      const rng = new Rng(7);
      const R = 6;
      const promptLens = [1, 5, 9, 14, 3, 20, 9];
      const B = promptLens.length;
      const seqs = promptLens.map((P) => Array.from({ length: P + R }, () => Math.floor(rng.next() * cfg.vocabSize)));
      const respLens = [6, 2, 6, 0, 5, 6, 1];
      const { old, adv, mask } = lossInputs(5, B, R);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < R; t++) {
          const i = b * R + t;
          mask[i] = t < respLens[b] ? 1 : 0;
          adv[i] = mask[i] * (b % 2 === 0 ? 1.3 : -0.7);
        }
      for (const aggMode of ['token-mean', 'seq-mean-token-mean'] as LossAggMode[]) {
        const direct = js.responseLogProbsDirect(seqs, promptLens, 1, respLens);
        // Old log-probs near the current ones so that some ratios are clipped and some are not.
        const oldNear = Float32Array.from(direct.logProbs, (x, i) => x + (old[i] + 2.5) * 0.3);
        const lg = policyLossGrad(direct.logProbs, oldNear, adv, mask, B, R, { aggMode });
        const ours = direct.backward(lg.dLogProbs);
        const oldT = tf.tensor2d(oldNear, [B, R]);
        const advT = tf.tensor2d(adv, [B, R]);
        const maskT = tf.tensor2d(mask, [B, R]);
        const vars = ref.trainableVariables;
        const { grads, value } = tf.variableGrads(() => {
          const lp = ref.responseLogProbsBatch(seqs, promptLens, 1, respLens);
          return computePolicyLoss({ logProbs: lp, oldLogProbs: oldT, advantages: advT, responseMask: maskT }, { aggMode }).loss;
        }, vars);
        expect(Math.abs(value.dataSync()[0] - lg.loss)).toBeLessThan(1e-4);
        expect(lg.metrics['actor/pg_clipfrac']).toBeGreaterThan(0);
        vars.forEach((v, i) => {
          const r = grads[v.name].dataSync();
          expect(maxAbs(r), `${aggMode} ${ref.variableNames[i]}`).toBeGreaterThan(1e-4);
          expect(maxAbsDiff(ours[i], r), `${aggMode} ${ref.variableNames[i]}`).toBeLessThan(1e-4);
        });
        tf.dispose([oldT, advT, maskT, value, ...Object.values(grads)]);
      }
      js.dispose();
      ref.dispose();
    });
});

describe('Adam.applyArrays = Adam.apply', () => {
  it('bit-identical weights and moments over several steps, with weight decay and the decay groups', () => {
    const rng = new Rng(9);
    const mk = (shape: number[]) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape), true);
    const shapes = [[5, 7], [7], [3, 4, 2]];
    const a = shapes.map(mk);
    const b = a.map((v) => tf.variable(v.clone(), true));
    const optA = new Adam(a, 3e-3, 0.9, 0.999, 1e-8, 0.1);
    const optB = new Adam(b, 3e-3, 0.9, 0.999, 1e-8, 0.1);
    for (let step = 0; step < 4; step++) {
      optA.lr = optB.lr = 1e-3 * (step + 1);
      const g = shapes.map((s) => Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, () => rng.normal() * (step === 2 ? 1e-4 : 1)));
      const gt = g.map((x, i) => tf.tensor(x, shapes[i]));
      optA.apply(gt);
      optB.applyArrays(g);
      tf.dispose(gt);
    }
    const sa = optA.getState();
    const sb = optB.getState();
    expect(sb.iteration).toBe(sa.iteration);
    a.forEach((v, i) => {
      // Bit for bit: every operation rounded to float32 in the same order as the tfjs ops.
      expect(Array.from(b[i].dataSync())).toEqual(Array.from(v.dataSync()));
      expect(Array.from(sb.m[i])).toEqual(Array.from(sa.m[i]));
      expect(Array.from(sb.v[i])).toEqual(Array.from(sa.v[i]));
    });
    // The step did move the weights (and differently for decayed and undecayed variables).
    expect(maxAbs(sa.m[0])).toBeGreaterThan(1e-3);
    expect(() => optB.applyArrays([new Float32Array(1)])).toThrow(/3 variables/);
  });
});

describe('head dim 16 sampling', () => {
  it('KV-cache sampling equals re-running the prefix', () => {
    const cfg: PolicyConfig = { vocabSize: 11, dModel: 32, nHeads: 2, nLayers: 2, maxLen: 30, seed: 2, engine: 'js' };
    const p = new Policy(cfg);
    p.setWeights(randomWeights(p, 3, 0.3));
    const prompts = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 1], [2], [3, 3, 3, 3, 3]];
    const a = p.sample(prompts, { maxNewTokens: 9, temperature: 1, rng: new Rng(4), eosId: 0 });
    const b = p.sample(prompts, { maxNewTokens: 9, temperature: 1, rng: new Rng(4), eosId: 0, kvCache: false });
    expect(b.sequences).toEqual(a.sequences);
    for (let r = 0; r < prompts.length; r++) expect(maxAbsDiff(a.oldLogProbs[r], b.oldLogProbs[r])).toBeLessThan(1e-5);
    p.dispose();
  });
});
