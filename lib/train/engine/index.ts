/**
 * The fast policy engine (issue 11 §1, docs/engine.md): fused Float32Array kernels for the forward, the
 * backward and KV-cache decoding of lib/train/policy.ts's transformer, on packed ragged batches.
 *
 * This module is tfjs-free. `JsEngine` turns (weights, sequences) into logits / log-probs / log-softmax
 * at chosen positions and back into weight gradients; lib/train/policy.ts exposes it through the
 * unchanged `Policy` API (as tfjs custom-gradient ops, so tf.variableGrads, the Adam optimizer and the
 * checkpoints work as before).
 *
 * Head functions (τ = temperature, p = softmax(z/τ)):
 *   target log-prob   ℓ = z_y/τ − logΣ exp(z/τ)                 dz_v = dℓ·(1[v = y] − p_v)/τ
 *   log-softmax       ℓ_v = z_v/τ − logΣ exp(z/τ)               dz_v = (dℓ_v − p_v·Σ_w dℓ_w)/τ
 */
import { logSoftmaxRow } from './kernels.js';
import { backward, checkBatch, forward, PackedWeights, weightNames, type EngineConfig, type PackedBatch, type Saved, type WeightMap } from './model.js';
import { sampleBatch, type EngineSampleOptions } from './sample.js';

export { weightNames, PackedWeights, type EngineConfig, type PackedBatch, type WeightMap } from './model.js';
export { type EngineSampleOptions } from './sample.js';

/** A ragged batch of rows to score: row r's inputs and, per scored position, the target token. */
export interface ScoreRows {
  /** Per row, the tokens fed to the model (positions 0 … T_r − 1). */
  rows: readonly (ArrayLike<number>)[];
  /** Per row, the first scored position (its logits predict token first+1). */
  first: readonly number[];
  /** Per row, how many consecutive positions are scored. */
  count: readonly number[];
}

export interface Scored {
  /** [n, V] logits of the scored positions, rows in order, positions ascending. */
  logits: Float32Array;
  saved: Saved | null;
  batch: PackedBatch;
}

/** Pack ragged rows; scored positions in row order. */
export function packRows(s: ScoreRows): PackedBatch {
  const B = s.rows.length;
  let N = 0;
  let n = 0;
  for (let r = 0; r < B; r++) {
    N += s.rows[r].length;
    n += s.count[r];
  }
  const tokens = new Int32Array(N);
  const off = new Int32Array(B + 1);
  const scored = new Int32Array(n);
  for (let r = 0, o = 0, k = 0; r < B; r++) {
    const row = s.rows[r];
    for (let t = 0; t < row.length; t++) tokens[o + t] = row[t];
    if (s.first[r] < 0 || s.first[r] + s.count[r] > row.length) throw new Error(`engine: row ${r} scores positions [${s.first[r]}, ${s.first[r] + s.count[r]}) outside its length ${row.length}`);
    for (let i = 0; i < s.count[r]; i++) scored[k++] = o + s.first[r] + i;
    o += row.length;
    off[r + 1] = o;
  }
  return { tokens, off, scored };
}

export class JsEngine {
  constructor(readonly config: EngineConfig) {
    if (config.dModel % config.nHeads !== 0) throw new Error(`dModel ${config.dModel} must be divisible by nHeads ${config.nHeads}`);
  }

  get names(): string[] {
    return weightNames(this.config);
  }

  pack(w: WeightMap): PackedWeights {
    return new PackedWeights(this.config, w);
  }

  /** Logits at the scored positions of a packed batch (activations saved when `save`). */
  run(w: PackedWeights, batch: PackedBatch, save: boolean): Scored {
    checkBatch(this.config, batch);
    const { logits, saved } = forward(w, batch, save);
    return { logits, saved, batch };
  }

  /** Weight gradients from dL/dlogits [n, V]. */
  backward(s: Scored, dLogits: Float32Array): WeightMap {
    if (!s.saved) throw new Error('engine: backward needs a forward run with save = true');
    return backward(s.saved, dLogits);
  }

  /** Target log-probs ℓ [n] at temperature τ from logits [n, V]. */
  targetLogProbs(logits: Float32Array, targets: ArrayLike<number>, temperature: number): Float32Array {
    const V = this.config.vocabSize;
    const n = targets.length;
    const out = new Float32Array(n);
    const buf = new Float64Array(V);
    for (let i = 0; i < n; i++) {
      logSoftmaxRow(logits, i * V, V, 1 / temperature, buf);
      out[i] = buf[targets[i]];
    }
    return out;
  }

  /** dL/dlogits for target log-probs given dL/dℓ [n]. */
  targetLogProbsGrad(logits: Float32Array, targets: ArrayLike<number>, temperature: number, dy: ArrayLike<number>): Float32Array {
    const V = this.config.vocabSize;
    const n = targets.length;
    const out = new Float32Array(n * V);
    const buf = new Float64Array(V);
    const it = 1 / temperature;
    for (let i = 0; i < n; i++) {
      const g = dy[i];
      if (g === 0) continue;
      logSoftmaxRow(logits, i * V, V, it, buf);
      for (let v = 0; v < V; v++) out[i * V + v] = -g * Math.exp(buf[v]) * it;
      out[i * V + targets[i]] += g * it;
    }
    return out;
  }

  /** Log-softmax [n, V] at temperature τ. */
  logSoftmax(logits: Float32Array, temperature: number): Float32Array {
    const V = this.config.vocabSize;
    const n = logits.length / V;
    const out = new Float32Array(n * V);
    const buf = new Float64Array(V);
    for (let i = 0; i < n; i++) {
      logSoftmaxRow(logits, i * V, V, 1 / temperature, buf);
      for (let v = 0; v < V; v++) out[i * V + v] = buf[v];
    }
    return out;
  }

  /** dL/dlogits for the log-softmax given dL/dℓ [n, V]. */
  logSoftmaxGrad(logits: Float32Array, temperature: number, dy: ArrayLike<number>): Float32Array {
    const V = this.config.vocabSize;
    const n = logits.length / V;
    const out = new Float32Array(n * V);
    const buf = new Float64Array(V);
    const it = 1 / temperature;
    for (let i = 0; i < n; i++) {
      logSoftmaxRow(logits, i * V, V, it, buf);
      let sdy = 0;
      for (let v = 0; v < V; v++) sdy += dy[i * V + v];
      for (let v = 0; v < V; v++) out[i * V + v] = (dy[i * V + v] - Math.exp(buf[v]) * sdy) * it;
    }
    return out;
  }

  /** Batched sampling with a KV cache (sample.ts). */
  sample(w: PackedWeights, prompts: readonly (readonly number[])[], opts: EngineSampleOptions) {
    return sampleBatch(w, prompts, opts);
  }
}
