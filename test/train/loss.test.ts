/** Tests for lib/train/loss.ts: verl's compute_policy_loss_vanilla (GoLongRL settings) with hand-computed numbers. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/train/backend.js';
import { computePolicyLoss, GOLONGRL_LOSS_CONFIG, type PolicyLossConfig } from '../../lib/train/loss.js';
import { Policy } from '../../lib/train/policy.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Tokens given as (ratio, advantage, mask) rows: logp = ln r, logp_old = 0. */
function run(rows: [number, number, number][][], config: Partial<PolicyLossConfig> = {}) {
  const B = rows.length;
  const R = rows[0].length;
  const logp = tf.tensor2d(rows.map((r) => r.map(([ratio]) => Math.log(ratio))), [B, R]);
  const old = tf.zeros([B, R]);
  const adv = tf.tensor2d(rows.map((r) => r.map(([, a]) => a)), [B, R]);
  const mask = tf.tensor2d(rows.map((r) => r.map(([, , m]) => m)), [B, R]);
  const { loss, metrics } = computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: adv, responseMask: mask }, config);
  const value = loss.dataSync()[0];
  tf.dispose([logp, old, adv, mask, loss]);
  return { value, metrics };
}

/** d loss / d logp for one token (logp_old = 0). */
function gradAt(ratio: number, a: number): number {
  const old = tf.zeros([1, 1]);
  const adv = tf.tensor2d([[a]]);
  const mask = tf.ones([1, 1]);
  const lp = tf.tensor2d([[Math.log(ratio)]]);
  const g = tf.grad((x: tf.Tensor) => computePolicyLoss({ logProbs: x, oldLogProbs: old, advantages: adv, responseMask: mask }).loss)(lp);
  const v = g.dataSync()[0];
  tf.dispose([old, adv, mask, lp, g]);
  return v;
}

describe('computePolicyLoss (vanilla, GoLongRL settings)', () => {
  it('uses clipLow 0.2, clipHigh 0.28, clipRatioC 3, token-mean by default', () => {
    expect(GOLONGRL_LOSS_CONFIG).toEqual({ clipLow: 0.2, clipHigh: 0.28, clipRatioC: 3, aggMode: 'token-mean' });
  });

  it('ratio inside the clip range: loss = −A·r, nothing clipped', () => {
    const { value, metrics } = run([[[1.1, 1, 1]]]);
    expect(value).toBeCloseTo(-1.1, 5);
    expect(metrics['actor/pg_loss']).toBeCloseTo(-1.1, 5);
    expect(metrics['actor/pg_clipfrac']).toBe(0);
    expect(metrics['actor/pg_clipfrac_lower']).toBe(0);
    expect(metrics['actor/ppo_kl']).toBeCloseTo(-Math.log(1.1), 6);
    expect(run([[[0.9, -0.5, 1]]]).value).toBeCloseTo(0.45, 5);
    expect(gradAt(1.1, 1)).toBeCloseTo(-1.1, 5); // d(−A·e^d)/dd = −A·r
  });

  it('r above 1 + 0.28 with A > 0 is clipped (clipfrac counts it, no gradient)', () => {
    const { value, metrics } = run([[[1.5, 1, 1]]]);
    expect(value).toBeCloseTo(-1.28, 5);
    expect(metrics['actor/pg_clipfrac']).toBe(1);
    expect(metrics['actor/pg_clipfrac_lower']).toBe(0);
    expect(gradAt(1.5, 1)).toBe(0);
    // The same ratio with A < 0 is not clipped: L1 = 1.5 > L2 = 1.28.
    const neg = run([[[1.5, -1, 1]]]);
    expect(neg.value).toBeCloseTo(1.5, 5);
    expect(neg.metrics['actor/pg_clipfrac']).toBe(0);
  });

  it('r below 1 − 0.2 with A < 0 is clipped; with A > 0 it is not', () => {
    const { value, metrics } = run([[[0.5, -1, 1]]]);
    expect(value).toBeCloseTo(0.8, 5); // max(0.5, 0.8)
    expect(metrics['actor/pg_clipfrac']).toBe(1);
    expect(metrics['actor/pg_clipfrac_lower']).toBe(0);
    expect(gradAt(0.5, -1)).toBe(0);
    const pos = run([[[0.5, 1, 1]]]);
    expect(pos.value).toBeCloseTo(-0.5, 5); // max(−0.5, −0.8)
    expect(pos.metrics['actor/pg_clipfrac']).toBe(0);
  });

  it('dual clip for A < 0 and large r: loss capped at 3·|A|', () => {
    const { value, metrics } = run([[[5, -2, 1]]]);
    expect(value).toBeCloseTo(6, 5); // min(max(10, 2.56), 6)
    expect(metrics['actor/pg_clipfrac_lower']).toBe(1);
    expect(metrics['actor/pg_clipfrac']).toBe(0);
    expect(gradAt(5, -2)).toBe(0);
    // Just below the cap it is not engaged: r = 2.5, A = −1 → 2.5.
    const below = run([[[2.5, -1, 1]]]);
    expect(below.value).toBeCloseTo(2.5, 5);
    expect(below.metrics['actor/pg_clipfrac_lower']).toBe(0);
    expect(gradAt(2.5, -1)).toBeCloseTo(2.5, 4);
    // No dual clip for A > 0: r = 5, A = 2 → max(−10, −2.56) = −2.56.
    const pos = run([[[5, 2, 1]]]);
    expect(pos.value).toBeCloseTo(-2.56, 5);
    expect(pos.metrics['actor/pg_clipfrac_lower']).toBe(0);
  });

  it('log-ratio is clamped to [−20, 20] (ppo_kl uses the clamped value)', () => {
    const logp = tf.tensor2d([[30, -30]]);
    const old = tf.zeros([1, 2]);
    const mask = tf.ones([1, 2]);
    const { loss, metrics } = computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor1d([-1]), responseMask: mask });
    // token 0: r = e^20 → dual clip 3; token 1: r = e^−20 → max(e^−20, 0.8) = 0.8.
    expect(loss.dataSync()[0]).toBeCloseTo((3 + 0.8) / 2, 5);
    expect(metrics['actor/ppo_kl']).toBeCloseTo(0, 5); // (−20 + 20) / 2
    tf.dispose([logp, old, mask, loss]);
  });

  it('masked tokens are ignored (token-mean over the mask)', () => {
    // Tokens: inside (−1.1), clipped high (−1.28), clipped low A<0 (0.8), dual clip (6), masked junk.
    const { value, metrics } = run([[[1.1, 1, 1], [1.5, 1, 1], [0.5, -1, 1], [5, -2, 1], [50, -100, 0]]]);
    expect(value).toBeCloseTo((-1.1 - 1.28 + 0.8 + 6) / 4, 5);
    expect(metrics['actor/pg_clipfrac']).toBeCloseTo(2 / 4, 6);
    expect(metrics['actor/pg_clipfrac_lower']).toBeCloseTo(1 / 4, 6);
    expect(metrics['actor/ppo_kl']).toBeCloseTo(-(Math.log(1.1) + Math.log(1.5) + Math.log(0.5) + Math.log(5)) / 4, 5);
  });

  it("'seq-mean-token-mean' weights sequences equally and skips empty ones", () => {
    const rows: [number, number, number][][] = [
      [[1.1, 1, 1], [1.5, 1, 1], [9, 9, 0]],
      [[0.5, -1, 1], [5, -2, 1], [0.5, -1, 1]],
      [[7, 7, 0], [7, 7, 0], [7, 7, 0]],
    ];
    const tok = run(rows);
    expect(tok.value).toBeCloseTo((-1.1 - 1.28 + 0.8 + 6 + 0.8) / 5, 5);
    const seq = run(rows, { aggMode: 'seq-mean-token-mean' });
    expect(seq.value).toBeCloseTo(((-1.1 - 1.28) / 2 + (0.8 + 6 + 0.8) / 3) / 2, 5);
    // Metrics are token means in both modes, as in verl.
    expect(seq.metrics['actor/pg_clipfrac']).toBeCloseTo(tok.metrics['actor/pg_clipfrac'], 6);
    expect(seq.metrics['actor/pg_clipfrac']).toBeCloseTo(3 / 5, 6);
  });

  it('per-sequence advantages [B] broadcast; rollout IS weights multiply the token losses', () => {
    const logp = tf.tensor2d([[Math.log(1.1), Math.log(0.9)], [Math.log(1.2), 0]]);
    const old = tf.zeros([2, 2]);
    const mask = tf.ones([2, 2]);
    const perSeq = computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor1d([1, -1]), responseMask: mask });
    const perTok = computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor2d([[1, 1], [-1, -1]]), responseMask: mask });
    expect(perSeq.loss.dataSync()[0]).toBeCloseTo(perTok.loss.dataSync()[0], 6);
    expect(perSeq.loss.dataSync()[0]).toBeCloseTo((-1.1 - 0.9 + 1.2 + 1) / 4, 5);
    const w = tf.tensor2d([[2, 0], [1, 1]]);
    const weighted = computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor1d([1, -1]), responseMask: mask, rolloutIsWeights: w });
    expect(weighted.loss.dataSync()[0]).toBeCloseTo((-2.2 + 1.2 + 1) / 4, 5);
    expect(() => computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor1d([1, 2, 3]), responseMask: mask })).toThrow(/advantages/);
    expect(() => computePolicyLoss({ logProbs: logp, oldLogProbs: tf.zeros([2, 3]), advantages: tf.tensor1d([1, 2]), responseMask: mask })).toThrow(/oldLogProbs/);
    expect(() => computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: tf.tensor1d([1, 2]), responseMask: mask }, { clipRatioC: 1 })).toThrow(/clipRatioC/);
  });

  it('does not leak tensors', () => {
    const logp = tf.tensor2d([[0.1, -0.3, 2]]);
    const old = tf.zeros([1, 3]);
    const adv = tf.tensor1d([-1]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    const step = () => tf.dispose(computePolicyLoss({ logProbs: logp, oldLogProbs: old, advantages: adv, responseMask: mask }, { aggMode: 'seq-mean-token-mean' }).loss);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logp, old, adv, mask]);
  });

  // Both backends: on wasm this also checks that the whole policy backward pass has wasm kernels.
  for (const backend of ['cpu', 'wasm'] as const)
  for (const sign of [1, -1]) {
    it(`${backend}: one optimizer step with A ${sign > 0 ? '> 0' : '< 0'} ${sign > 0 ? 'raises' : 'lowers'} that token's log-prob under the policy`, async () => {
      await selectBackend(backend);
      const policy = new Policy({ vocabSize: 7, dModel: 16, nHeads: 2, nLayers: 1, maxLen: 8, seed: 21 });
      const seq = tf.tensor2d([[1, 2, 3, 4, 5, 6]], [1, 6], 'int32');
      const P = 3;
      const target = 1; // response position whose advantage is non-zero
      const lp0 = policy.responseLogProbs(seq, P);
      const old = tf.tensor2d(lp0.arraySync());
      const adv = tf.tensor2d([[0, sign * 1, 0]]);
      const mask = tf.ones([1, 3]);
      const opt = tf.train.sgd(0.01); // small step: first-order regime (0.5 overshoots on this tiny model)
      let metrics: Record<string, number> = {};
      opt.minimize(() => {
        const r = computePolicyLoss({ logProbs: policy.responseLogProbs(seq, P), oldLogProbs: old, advantages: adv, responseMask: mask });
        metrics = { ...r.metrics };
        return r.loss;
      }, false, policy.trainableVariables);
      // At the first step logπ = logπ_old: r = 1, loss = −A/3, nothing clipped, kl 0.
      expect(metrics['actor/pg_loss']).toBeCloseTo(-sign / 3, 5);
      expect(metrics['actor/ppo_kl']).toBeCloseTo(0, 6);
      expect(metrics['actor/pg_clipfrac']).toBe(0);
      const lp1 = policy.responseLogProbs(seq, P);
      const before = lp0.arraySync()[0][target];
      const after = lp1.arraySync()[0][target];
      if (sign > 0) expect(after).toBeGreaterThan(before + 1e-3);
      else expect(after).toBeLessThan(before - 1e-3);
      tf.dispose([seq, lp0, lp1, old, adv, mask]);
      opt.dispose();
      policy.dispose();
      await selectBackend('cpu');
    });
  }
});
