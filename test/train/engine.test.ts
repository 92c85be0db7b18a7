/**
 * Tests for the fast policy engine (lib/train/engine/, issue 11 §1) against the tfjs reference engine of
 * lib/train/policy.ts: forward values, gradients of every weight (to 1e-4, on random weights, tied and
 * untied heads, ragged prompt lengths), the KV cache (sampling with it = sampling without it), sampled
 * log-probs = scored log-probs, determinism, and checkpoint interchangeability.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/train/backend.js';
import { gemm, gemmJs, setWasmKernels, wasmKernelsActive } from '../../lib/train/engine/kernels.js';
import { goldCrossEntropy, goldCrossEntropyBucketed } from '../../lib/train/sft.js';
import { makeBatch, TASK_FAMILIES, VOCAB_SIZE, maxPromptTokens } from '../../lib/train/tasks.js';
import { Policy, resolveEngine, type PolicyConfig } from '../../lib/train/policy.js';
import { Rng } from '../../lib/util/random.js';
import { maxAbs, maxAbsDiff, randomWeights } from './random_weights.js';

const CFG: PolicyConfig = { vocabSize: 13, dModel: 16, nHeads: 2, nLayers: 2, maxLen: 24, seed: 5 };

beforeAll(async () => {
  await selectBackend('cpu');
});


function pair(cfg: PolicyConfig, seed: number): [Policy, Policy] {
  const js = new Policy({ ...cfg, engine: 'js' });
  const ref = new Policy({ ...cfg, engine: 'tfjs' });
  const w = randomWeights(js, seed);
  js.setWeights(w);
  ref.setWeights(w);
  return [js, ref];
}


/** Ragged rows: prompts of different lengths, the same response length R. */
function raggedRows(V: number, seed: number, promptLens: number[], R: number): number[][] {
  const rng = new Rng(seed);
  return promptLens.map((P) => Array.from({ length: P + R }, () => rng.int(0, V)));
}

function grads(p: Policy, loss: () => tf.Scalar): Record<string, Float32Array> {
  const vars = p.trainableVariables;
  const { grads: g, value } = tf.variableGrads(loss, vars);
  value.dispose();
  const out: Record<string, Float32Array> = {};
  p.variableNames.forEach((n, i) => {
    out[n] = g[vars[i].name].dataSync() as Float32Array;
  });
  tf.dispose(Object.values(g));
  return out;
}

describe('fast engine vs the tfjs reference', () => {
  it('resolves engines: auto is js on wasm/cpu', () => {
    expect(resolveEngine('auto')).toBe('js');
    expect(new Policy({ ...CFG, engine: 'auto' }).engine).toBe('js');
    expect(() => resolveEngine('gpu' as never)).toThrow(/unknown engine/);
  });

  it('logits equal the reference', () => {
    const [js, ref] = pair(CFG, 1);
    const rows = raggedRows(CFG.vocabSize, 2, [7, 7, 7], 5);
    const t = tf.tensor2d(rows, [3, 12], 'int32');
    const a = js.logits(t).dataSync();
    const b = ref.logits(t).dataSync();
    expect(maxAbs(b)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
  });

  for (const tied of [true, false]) {
    it(`gradients of a policy-loss-like objective equal the reference to 1e-4 (ragged prompts, ${tied ? 'tied' : 'separate'} head)`, () => {
      const cfg = { ...CFG, tiedEmbeddings: tied };
      const [js, ref] = pair(cfg, tied ? 3 : 4);
      const promptLens = [3, 9, 5, 9, 1, 12];
      const R = 6;
      const seqs = raggedRows(cfg.vocabSize, 7, promptLens, R);
      const respLens = [6, 2, 6, 4, 1, 6];
      const rng = new Rng(11);
      // Per-token weights of the size a token-mean loss gives them (1/#tokens), so gradients are O(1).
      const coef = tf.tensor2d(Array.from({ length: promptLens.length * R }, () => rng.normal() / 25), [promptLens.length, R]);
      const loss = (p: Policy) => () => tf.sum(tf.mul(p.responseLogProbsBatch(seqs, promptLens, 0.7, respLens), coef)) as tf.Scalar;
      const lpJs = js.responseLogProbsBatch(seqs, promptLens, 0.7, respLens).dataSync();
      const lpRef = ref.responseLogProbsBatch(seqs, promptLens, 0.7, respLens).dataSync();
      expect(maxAbsDiff(lpJs, lpRef)).toBeLessThan(1e-4);
      const gJs = grads(js, loss(js));
      const gRef = grads(ref, loss(ref));
      expect(Object.keys(gJs)).toEqual(Object.keys(gRef));
      for (const name of Object.keys(gRef)) {
        // Every gradient must be non-trivial (else the comparison proves nothing) …
        if (name !== 'pos_emb') expect(maxAbs(gRef[name]), name).toBeGreaterThan(1e-3);
        // … and equal the reference's.
        expect(maxAbsDiff(gJs[name], gRef[name]), name).toBeLessThan(1e-4);
      }
      // Positions past a row's counted response get no gradient: pos_emb rows beyond the longest row are 0.
      const D = cfg.dModel;
      expect(maxAbs(gJs['pos_emb'].subarray(17 * D))).toBe(0);
      js.dispose();
      ref.dispose();
      coef.dispose();
    });
  }

  it('gradients of logProbs, responseLogProbs and responseLogSoftmax (the distillation path) equal the reference', () => {
    const [js, ref] = pair(CFG, 8);
    const rows = raggedRows(CFG.vocabSize, 9, [6, 6, 6, 6], 4);
    const seq = tf.tensor2d(rows, [4, 10], 'int32');
    const inp = tf.slice(seq, [0, 0], [4, 9]) as tf.Tensor2D;
    const tgt = tf.slice(seq, [0, 1], [4, 9]) as tf.Tensor2D;
    const rng = new Rng(3);
    const w3 = tf.tensor3d(Array.from({ length: 4 * 4 * CFG.vocabSize }, () => rng.normal()), [4, 4, CFG.vocabSize]);
    const objectives: [string, (p: Policy) => tf.Scalar][] = [
      ['logProbs', (p) => tf.sum(tf.square(p.logProbs(inp, tgt, 1.3)))],
      ['responseLogProbs', (p) => tf.sum(tf.exp(p.responseLogProbs(seq, 6, 1)))],
      ['responseLogSoftmax', (p) => tf.sum(tf.mul(p.responseLogSoftmax(seq, 6, 0.9), w3))],
      ['logits', (p) => tf.sum(tf.tanh(p.logits(inp)))],
    ];
    for (const [what, f] of objectives) {
      expect(maxAbsDiff(f(js).dataSync(), f(ref).dataSync()), what).toBeLessThan(1e-4);
      const gJs = grads(js, () => f(js));
      const gRef = grads(ref, () => f(ref));
      for (const name of Object.keys(gRef)) expect(maxAbsDiff(gJs[name], gRef[name]), `${what}: ${name}`).toBeLessThan(1e-4);
    }
  });

  it('gradient matches central finite differences of the engine itself', () => {
    const js = new Policy({ ...CFG, nLayers: 1, engine: 'js' });
    const w = randomWeights(js, 21);
    js.setWeights(w);
    const seqs = raggedRows(CFG.vocabSize, 22, [4, 8, 2], 3);
    const P = [4, 8, 2];
    const f = () => tf.sum(js.responseLogProbsBatch(seqs, P, 1)) as tf.Scalar;
    const g = grads(js, f);
    const rng = new Rng(5);
    for (const name of ['block0.attn.wq', 'block0.mlp.w1', 'ln_f.g', 'tok_emb', 'block0.ln1.b']) {
      for (let k = 0; k < 3; k++) {
        const i = rng.int(0, w[name].length);
        const h = 4e-3;
        const at = (delta: number) => {
          const ww = { ...w, [name]: Float32Array.from(w[name]) };
          ww[name][i] += delta;
          js.setWeights(ww);
          return f().dataSync()[0];
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(fd - g[name][i]), `${name}[${i}]`).toBeLessThan(3e-3 * Math.max(1, Math.abs(fd)));
      }
    }
    js.setWeights(w);
  });

  it('KV-cache sampling (with prefix sharing) equals sampling without the cache (same tokens, same log-probs), ragged prompts in one batch', () => {
    const js = new Policy({ ...CFG, engine: 'js' });
    js.setWeights(randomWeights(js, 31, 0.3));
    // Distinct prompts and prompts repeated for several rollouts (prefilled once, cache rows shared).
    const base = raggedRows(CFG.vocabSize, 32, [2, 9, 5, 9, 1, 14, 3], 0);
    const prompts = [...base, base[1], base[1], base[5], base[0]];
    const opts = { maxNewTokens: 8, temperature: 1, eosId: 4, padId: 0 };
    const a = js.sample(prompts, { ...opts, rng: new Rng(77), kvCache: true });
    const b = js.sample(prompts, { ...opts, rng: new Rng(77), kvCache: false });
    expect(a.responses).toEqual(b.responses);
    expect(a.responseMask).toEqual(b.responseMask);
    // Some rows stopped at eos, some did not (the test covers both).
    expect(a.responseMask.some((m) => m.includes(0))).toBe(true);
    expect(a.responseMask.some((m) => !m.includes(0))).toBe(true);
    for (let r = 0; r < prompts.length; r++) {
      expect(maxAbsDiff(a.oldLogProbs[r], b.oldLogProbs[r])).toBeLessThan(1e-5);
      expect(maxAbsDiff(a.entropies[r], b.entropies[r])).toBeLessThan(1e-5);
    }
    // Deterministic for a seed; another seed draws differently.
    expect(js.sample(prompts, { ...opts, rng: new Rng(77) }).responses).toEqual(a.responses);
    expect(js.sample(prompts, { ...opts, rng: new Rng(78) }).responses).not.toEqual(a.responses);
  });

  it('log-probs returned by sample equal responseLogProbsBatch on the sampled sequences (and the reference)', () => {
    const [js, ref] = pair(CFG, 41);
    const prompts = raggedRows(CFG.vocabSize, 42, [3, 10, 6, 1], 0);
    const res = js.sample(prompts, { maxNewTokens: 7, temperature: 0.8, rng: new Rng(5), eosId: 2 });
    const lens = res.responseMask.map((m) => m.reduce((x, y) => x + y, 0));
    const P = prompts.map((p) => p.length);
    for (const p of [js, ref]) {
      const lp = p.responseLogProbsBatch(res.sequences, P, 0.8, lens).arraySync();
      for (let r = 0; r < prompts.length; r++)
        for (let i = 0; i < 7; i++) if (res.responseMask[r][i]) expect(Math.abs(lp[r][i] - res.oldLogProbs[r][i]), `${p.engine} row ${r} pos ${i}`).toBeLessThan(1e-5);
    }
  });

  it('greedy decoding: argmax of the engine logits, equal to the reference on the same weights', () => {
    const [js, ref] = pair(CFG, 51);
    const prompts = raggedRows(CFG.vocabSize, 52, [4, 4, 8, 2], 0);
    const a = js.greedy(prompts, 6, 3, 0);
    const b = ref.greedy(prompts, 6, 3, 0);
    expect(a).toEqual(b);
    expect(a.every((r) => r.length === 6)).toBe(true);
  });

  it('checkpoints are interchangeable: the same names and shapes, the same outputs', () => {
    const js = new Policy({ ...CFG, engine: 'js' });
    const ref = new Policy({ ...CFG, engine: 'tfjs' });
    expect(js.variableNames).toEqual(ref.variableNames);
    expect(js.weightShapes()).toEqual(ref.weightShapes());
    // Same seed, same initial weights whatever the engine.
    const wj = js.getWeights();
    const wr = ref.getWeights();
    for (const n of js.variableNames) expect(wj[n]).toEqual(wr[n]);
    js.setWeights(randomWeights(js, 61));
    ref.setWeights(js.getWeights());
    const t = tf.tensor2d(raggedRows(CFG.vocabSize, 62, [9, 9], 0), [2, 9], 'int32');
    expect(maxAbsDiff(js.logits(t).dataSync(), ref.logits(t).dataSync())).toBeLessThan(1e-4);
  });

  it('rejects bad input with a clear message', () => {
    const js = new Policy({ ...CFG, engine: 'js' });
    expect(() => js.sample([[1, 2]], { maxNewTokens: 30, temperature: 1, rng: new Rng(1) })).toThrow(/exceeds maxLen/);
    expect(() => js.sample([[1, 99]], { maxNewTokens: 2, temperature: 1, rng: new Rng(1) })).toThrow(/outside/);
    expect(() => js.responseLogProbsBatch([[1, 2, 3], [1, 2]], [1, 1])).toThrow(/R = 2/);
    expect(() => js.responseLogProbsBatch([[1, 2, 3]], [1], 1, [3])).toThrow(/responseLens/);
  });

  it('the WebAssembly SIMD gemm equals the scalar JS gemm (strided A, accumulate, ragged edges)', () => {
    expect(wasmKernelsActive()).toBe(true);
    const rng = new Rng(71);
    for (const [M, P, N, trans, acc] of [[7, 5, 13, false, false], [9, 33, 3, true, true], [64, 32, 96, false, true], [1, 1, 1, true, false]] as const) {
      const A = Float32Array.from({ length: M * P }, () => rng.normal());
      const B = Float32Array.from({ length: P * N }, () => rng.normal());
      const C1 = Float32Array.from({ length: M * N }, () => rng.normal());
      const C2 = Float32Array.from(C1);
      const [sAi, sAp] = trans ? [1, M] : [P, 1];
      gemm(A, sAi, sAp, B, N, C1, M, P, N, acc);
      gemmJs(A, sAi, sAp, B, N, C2, M, P, N, acc);
      expect(maxAbsDiff(C1, C2), `${M}x${P}x${N}`).toBeLessThan(1e-5 * Math.max(1, maxAbs(C2)));
    }
  });

  it('the scalar JS kernels (no WebAssembly) give the same gradients', () => {
    const [js, ref] = pair(CFG, 81);
    const seqs = raggedRows(CFG.vocabSize, 82, [2, 7, 4], 3);
    const f = (p: Policy) => () => tf.mean(p.responseLogProbsBatch(seqs, [2, 7, 4], 1)) as tf.Scalar;
    const gRef = grads(ref, f(ref));
    setWasmKernels(false);
    try {
      const gJs = grads(js, f(js));
      for (const name of Object.keys(gRef)) expect(maxAbsDiff(gJs[name], gRef[name]), name).toBeLessThan(1e-4);
    } finally {
      setWasmKernels(true);
    }
  });

  it('SFT loss in one call over every prompt length equals the per-length buckets (both engines)', () => {
    const prompts = makeBatch(new Rng(91), { contextLen: 8, families: TASK_FAMILIES.map((f) => f.capability), promptsPerFamily: 2 });
    expect(new Set(prompts.map((p) => p.promptTokens.length)).size).toBeGreaterThan(1);
    for (const engine of ['js', 'tfjs'] as const) {
      const p = new Policy({ vocabSize: VOCAB_SIZE, dModel: 16, nHeads: 2, nLayers: 1, maxLen: maxPromptTokens(8) + 12, seed: 2, engine });
      const a = goldCrossEntropy(p, prompts, 12).dataSync()[0];
      const b = goldCrossEntropyBucketed(p, prompts, 12).dataSync()[0];
      expect(Math.abs(a - b), engine).toBeLessThan(1e-5);
      p.dispose();
    }
  });
});
