/** Tests for lib/train/policy.ts: the tiny decoder-only transformer policy (shapes, causality, log-probs, sampling, weights, memory). */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/train/backend.js';
import { Policy, type PolicyConfig } from '../../lib/train/policy.js';
import { Rng } from '../../lib/util/random.js';

const CFG: PolicyConfig = { vocabSize: 11, dModel: 16, nHeads: 2, nLayers: 2, maxLen: 12, seed: 3 };

function toks(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');
}

function withPolicy<T>(cfg: PolicyConfig, f: (p: Policy) => T): T {
  const p = new Policy(cfg);
  try {
    return f(p);
  } finally {
    p.dispose();
  }
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('Policy', () => {
  it('initialises deterministically from the seed', () => {
    const a = new Policy(CFG);
    const b = new Policy(CFG);
    const c = new Policy({ ...CFG, seed: 4 });
    const wa = a.getWeights();
    const wb = b.getWeights();
    const wc = c.getWeights();
    expect(Object.keys(wa)).toEqual(a.variableNames);
    for (const k of Object.keys(wa)) expect(wb[k]).toEqual(wa[k]);
    expect(wc['tok_emb']).not.toEqual(wa['tok_emb']);
    // Per-variable sizes and the documented initialisation.
    const shapes = a.weightShapes();
    expect(shapes['tok_emb']).toEqual([11, 16]);
    expect(shapes['pos_emb']).toEqual([12, 16]);
    expect(shapes['block1.mlp.w1']).toEqual([16, 64]);
    expect(wa['block0.ln1.g'].every((x) => x === 1)).toBe(true);
    expect(wa['block0.mlp.b1'].every((x) => x === 0)).toBe(true);
    const emb = wa['tok_emb'];
    const std = Math.sqrt(emb.reduce((s, x) => s + x * x, 0) / emb.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    for (const p of [a, b, c]) p.dispose();
  });

  it('tied vs separate output head', () => {
    const D = CFG.dModel;
    const V = CFG.vocabSize;
    const tied = new Policy(CFG);
    const sep = new Policy({ ...CFG, tiedEmbeddings: false });
    expect(sep.numParameters - tied.numParameters).toBe(D * V);
    expect(sep.variableNames).toContain('head');
    expect(tied.variableNames).not.toContain('head');
    tied.dispose();
    sep.dispose();
  });

  it('rejects bad configs and inputs', () => {
    expect(() => new Policy({ ...CFG, nHeads: 3 })).toThrow(/divisible/);
    expect(() => new Policy({ ...CFG, nLayers: 0 })).toThrow(/nLayers/);
    withPolicy(CFG, (p) => {
      expect(() => p.logits(tf.tensor2d([[1, 2]], [1, 2], 'float32'))).toThrow(/int32/);
      expect(() => p.logits(toks([Array(13).fill(1)]))).toThrow(/maxLen/);
      expect(() => p.sample([[1, 2, 3]], { maxNewTokens: 10, temperature: 1, rng: new Rng(1) })).toThrow(/maxLen/);
      expect(() => p.sample([[1, 99]], { maxNewTokens: 1, temperature: 1, rng: new Rng(1) })).toThrow(/outside/);
    });
  });

  it('logits are [B,T,V] and causal (later tokens do not change earlier positions)', () => {
    withPolicy(CFG, (p) => {
      const x1 = toks([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
      const x2 = toks([[1, 2, 3, 9, 0], [6, 7, 8, 1, 1]]);
      const l1 = p.logits(x1);
      const l2 = p.logits(x2);
      expect(l1.shape).toEqual([2, 5, 11]);
      const a = l1.arraySync();
      const b = l2.arraySync();
      for (let bi = 0; bi < 2; bi++) {
        for (let t = 0; t < 3; t++) for (let v = 0; v < 11; v++) expect(Math.abs(a[bi][t][v] - b[bi][t][v])).toBeLessThan(1e-6);
        // Position 3 sees the changed token, so it differs.
        expect(a[bi][3].some((x, v) => Math.abs(x - b[bi][3][v]) > 1e-6)).toBe(true);
      }
      // Batch rows are independent: row 0 alone gives the same logits.
      const solo = p.logits(toks([[1, 2, 3, 4, 5]])).arraySync();
      for (let t = 0; t < 5; t++) for (let v = 0; v < 11; v++) expect(Math.abs(solo[0][t][v] - a[0][t][v])).toBeLessThan(1e-5);
      tf.dispose([x1, x2, l1, l2]);
    });
  });

  it('logProbs gathers log-softmax(logits / temperature) at the targets', () => {
    withPolicy(CFG, (p) => {
      const x = toks([[1, 2, 3, 4], [5, 6, 7, 8]]);
      const y = toks([[2, 3, 4, 0], [10, 9, 8, 7]]);
      for (const temp of [1, 0.7]) {
        const lg = p.logits(x).arraySync();
        const lp = p.logProbs(x, y, temp).arraySync();
        const ys = y.arraySync();
        for (let b = 0; b < 2; b++)
          for (let t = 0; t < 4; t++) {
            const z = lg[b][t].map((v) => v / temp);
            const m = Math.max(...z);
            const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
            expect(lp[b][t]).toBeCloseTo(z[ys[b][t]] - lse, 5);
            expect(lp[b][t]).toBeLessThan(0);
          }
      }
      // responseLogProbs = log-probs of the tokens after the prompt.
      const seq = toks([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]]);
      const r = p.responseLogProbs(seq, 4).arraySync();
      const full = p.logProbs(toks([[1, 2, 3, 4, 5], [6, 5, 4, 3, 2]]), toks([[2, 3, 4, 5, 6], [5, 4, 3, 2, 1]])).arraySync();
      expect(r.map((row) => row.length)).toEqual([2, 2]);
      for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) expect(r[b][i]).toBeCloseTo(full[b][3 + i], 6);
      expect(() => p.responseLogProbs(seq, 6)).toThrow(/promptLen/);
    });
  });

  it('sample: shapes, reproducibility, old log-probs equal recomputed log-probs, variable prompt lengths', () => {
    withPolicy(CFG, (p) => {
      const prompts = [[1, 2, 3], [4, 5], [6, 7, 8], [9]];
      const opts = { maxNewTokens: 5, temperature: 0.8 };
      const s1 = p.sample(prompts, { ...opts, rng: new Rng(11) });
      const s2 = p.sample(prompts, { ...opts, rng: new Rng(11) });
      expect(s2).toEqual(s1);
      prompts.forEach((pr, i) => {
        expect(s1.sequences[i].slice(0, pr.length)).toEqual(pr);
        expect(s1.sequences[i].slice(pr.length)).toEqual(s1.responses[i]);
        expect(s1.responses[i]).toHaveLength(5);
        expect(s1.responseMask[i]).toEqual([1, 1, 1, 1, 1]);
        for (const t of s1.responses[i]) expect(t >= 0 && t < 11).toBe(true);
        const seq = toks([s1.sequences[i]]);
        const re = p.responseLogProbs(seq, pr.length, 0.8).arraySync()[0];
        for (let j = 0; j < 5; j++) expect(Math.abs(re[j] - s1.oldLogProbs[i][j])).toBeLessThan(1e-5);
        seq.dispose();
      });
    });
  });

  it('sample draws from softmax(logits / temperature) (empirical frequencies)', () => {
    withPolicy({ ...CFG, vocabSize: 4, seed: 9 }, (p) => {
      // Sharpen the distribution so the frequencies are clearly non-uniform.
      const w = p.getWeights();
      for (let i = 0; i < w['tok_emb'].length; i++) w['tok_emb'][i] *= 60;
      p.setWeights(w);
      const N = 4000;
      const s = p.sample(Array.from({ length: N }, () => [1, 2]), { maxNewTokens: 1, temperature: 1, rng: new Rng(5) });
      const probs = p.responseLogProbs(toks([[1, 2, 0], [1, 2, 1], [1, 2, 2], [1, 2, 3]]), 2).arraySync().map((r) => Math.exp(r[0]));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Math.max(...probs)).toBeGreaterThan(0.4);
      const counts = [0, 0, 0, 0];
      for (const r of s.responses) counts[r[0]]++;
      for (let v = 0; v < 4; v++) expect(Math.abs(counts[v] / N - probs[v])).toBeLessThan(4 * Math.sqrt(0.25 / N));
    });
  });

  it('sample stops a row after eos and masks the padding', () => {
    withPolicy({ ...CFG, vocabSize: 3 }, (p) => {
      const s = p.sample(Array.from({ length: 40 }, () => [1]), { maxNewTokens: 6, temperature: 1, rng: new Rng(2), eosId: 0, padId: 2 });
      let sawEarlyEos = false;
      for (let i = 0; i < 40; i++) {
        const eos = s.responses[i].indexOf(0);
        if (eos >= 0 && eos < 5) {
          sawEarlyEos = true;
          expect(s.responseMask[i]).toEqual([...Array(eos + 1).fill(1), ...Array(5 - eos).fill(0)]);
          expect(s.responses[i].slice(eos + 1).every((t) => t === 2)).toBe(true);
          expect(s.oldLogProbs[i].slice(eos + 1).every((x) => x === 0)).toBe(true);
        } else {
          expect(s.responseMask[i]).toEqual([1, 1, 1, 1, 1, 1]);
        }
        expect(s.responses[i]).toHaveLength(6);
      }
      expect(sawEarlyEos).toBe(true);
    });
  });

  it('getWeights/setWeights round-trip reproduces the logits; mismatches are rejected', () => {
    const a = new Policy(CFG);
    const b = new Policy({ ...CFG, seed: 99 });
    const x = toks([[1, 2, 3, 4]]);
    const la = a.logits(x).dataSync();
    expect(b.logits(x).dataSync()).not.toEqual(la);
    const w = a.getWeights();
    b.setWeights(w);
    expect(Array.from(b.logits(x).dataSync())).toEqual(Array.from(la));
    // getWeights returns copies.
    w['tok_emb'][0] += 1;
    expect(a.getWeights()['tok_emb'][0]).not.toBe(w['tok_emb'][0]);
    expect(() => b.setWeights({ ...w, head: new Float32Array(1) })).toThrow(/unexpected \[head\]/);
    const missing: Record<string, Float32Array> = { ...w };
    delete missing['pos_emb'];
    expect(() => b.setWeights(missing)).toThrow(/missing \[pos_emb\]/);
    expect(() => b.setWeights({ ...w, pos_emb: new Float32Array(3) })).toThrow(/pos_emb/);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('gradients reach every variable', () => {
    withPolicy({ ...CFG, tiedEmbeddings: false }, (p) => {
      const x = toks([[1, 2, 3, 4]]);
      const y = toks([[2, 3, 4, 5]]);
      const { value, grads } = tf.variableGrads(() => tf.sum(p.logProbs(x, y)) as tf.Scalar, p.trainableVariables);
      expect(Object.keys(grads)).toHaveLength(p.trainableVariables.length);
      for (const g of Object.values(grads)) {
        const d = g.dataSync();
        expect(d.every(Number.isFinite)).toBe(true);
        expect(d.some((v) => v !== 0)).toBe(true);
      }
      tf.dispose([x, y, value, ...Object.values(grads)]);
    });
  });

  it('does not leak tensors across repeated calls', () => {
    withPolicy(CFG, (p) => {
      const x = toks([[1, 2, 3, 4], [4, 3, 2, 1]]);
      const y = toks([[2, 3, 4, 5], [3, 2, 1, 0]]);
      const run = () => {
        tf.dispose(p.logits(x));
        tf.dispose(p.logProbs(x, y, 0.9));
        tf.dispose(p.responseLogProbs(x, 2));
        p.sample([[1, 2], [3]], { maxNewTokens: 3, temperature: 1, rng: new Rng(1), eosId: 0 });
        p.getWeights();
        p.setWeights(p.getWeights());
      };
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) run();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
    });
  });

  it('cpu and wasm give the same gradients', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      return withPolicy({ ...CFG, tiedEmbeddings: false }, (p) => {
        const x = toks([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
        const y = toks([[2, 3, 4, 5, 6], [0, 1, 2, 3, 4]]);
        const { value, grads: g } = tf.variableGrads(() => tf.mean(p.logProbs(x, y, 0.9)) as tf.Scalar, p.trainableVariables);
        const out = p.trainableVariables.map((v) => Float32Array.from(g[v.name].dataSync()));
        tf.dispose([x, y, value, ...Object.values(g)]);
        return out;
      });
    };
    const onCpu = await grads('cpu');
    const onWasm = await grads('wasm');
    await selectBackend('cpu');
    expect(onWasm.length).toBe(onCpu.length);
    for (let k = 0; k < onCpu.length; k++) {
      const scale = Math.max(1e-3, ...Array.from(onCpu[k], Math.abs));
      for (let i = 0; i < onCpu[k].length; i++) expect(Math.abs(onCpu[k][i] - onWasm[k][i]) / scale).toBeLessThan(1e-3);
    }
  });

  it('cpu and wasm give the same logits', async () => {
    const rows = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 0, 1]];
    await selectBackend('cpu');
    const onCpu = withPolicy(CFG, (p) => {
      const x = toks(rows);
      const d = p.logits(x).dataSync();
      x.dispose();
      return Float32Array.from(d);
    });
    await selectBackend('wasm');
    const onWasm = withPolicy(CFG, (p) => {
      const x = toks(rows);
      const d = p.logits(x).dataSync();
      x.dispose();
      return Float32Array.from(d);
    });
    await selectBackend('cpu');
    expect(onWasm.length).toBe(onCpu.length);
    for (let i = 0; i < onCpu.length; i++) expect(Math.abs(onCpu[i] - onWasm[i])).toBeLessThan(1e-4);
  });
});
