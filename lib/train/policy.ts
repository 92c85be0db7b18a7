/**
 * A small autoregressive decoder-only transformer policy in tfjs (issue 4, local CPU trainer).
 *
 * Architecture (GPT-2 style, pre-LN):
 *   h_0 = E_tok[x_t] + E_pos[t]
 *   for each block:  h = h + Wo · MHA_causal(LN1(h));   h = h + W2 · GELU(W1 · LN2(h) + b1) + b2
 *   logits = LN_f(h) · Wout      (Wout = E_tokᵀ when `tiedEmbeddings`, else a separate [D, V] matrix)
 * MHA_causal: per head, softmax(Q Kᵀ / √d_head + M) V with M[i, j] = −1e9 for j > i.
 * GELU is the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 *
 * Log-probs follow verl's actor: logits are divided by the sampling temperature before the log-softmax,
 * so the log-probs returned by `sample` (the rollout's "old" log-probs) and those from `logProbs` at the
 * same temperature and weights agree.
 *
 * Initialisation is deterministic from `seed` via `Rng` (lib/util/random.ts): weights ~ N(0, 0.02²),
 * the residual output projections (Wo, W2) scaled by 1/√(2·nLayers) as in GPT-2, biases 0, LN gains 1.
 *
 * Two engines compute it (docs/engine.md), chosen per Policy by `engine` (default: `getDefaultEngine()`):
 *   'js'    the fast engine (lib/train/engine/): fused Float32Array kernels, packed ragged batches (rows of
 *           different lengths in one call), KV-cache sampling of all rows together. Its ops enter tfjs as
 *           custom-gradient ops over the same tf.Variables, so tf.variableGrads, Adam and checkpoints are
 *           shared with the reference; `responseLogProbsDirect` is the tape-free form the trainer's update
 *           uses on this engine (trainer.ts `updateDirect`).
 *   'tfjs'  the reference: the formulas above as tfjs ops (one batch per prompt length, no KV cache);
 *           the one that runs on the native / GPU TensorFlow backend.
 *   'auto'  'tfjs' when the active tfjs backend is native TensorFlow (tfjs-node-gpu / tfjs-node), else 'js'.
 * Weights (names, shapes, initialisation) are the same for both, so checkpoints are interchangeable.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random.js';
import { JsEngine, packRows, type PackedWeights, type WeightMap } from './engine/index.js';

export type EngineName = 'js' | 'tfjs';
export type EngineChoice = EngineName | 'auto';
export const ENGINES: readonly EngineChoice[] = ['auto', 'js', 'tfjs'];

let defaultEngine: EngineChoice = 'auto';

/** The engine new Policies get when their config names none (CLI: `--engine`). */
export function setDefaultEngine(e: EngineChoice): void {
  if (!ENGINES.includes(e)) throw new RangeError(`unknown engine '${String(e)}' (known: ${ENGINES.join(', ')})`);
  defaultEngine = e;
}

export function getDefaultEngine(): EngineChoice {
  return defaultEngine;
}

/** 'auto' → 'tfjs' on the native TensorFlow backend (it may run on a GPU), else the fast 'js' engine. */
export function resolveEngine(e: EngineChoice = defaultEngine): EngineName {
  if (e === 'auto') return tf.getBackend() === 'tensorflow' ? 'tfjs' : 'js';
  if (e !== 'js' && e !== 'tfjs') throw new RangeError(`unknown engine '${String(e)}' (known: ${ENGINES.join(', ')})`);
  return e;
}

export interface PolicyConfig {
  vocabSize: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  /** Longest sequence (prompt + response) the position embedding covers. */
  maxLen: number;
  seed: number;
  /** MLP hidden width; default 4·dModel. */
  dMlp?: number;
  /** Share the token embedding as the output head (default true). */
  tiedEmbeddings?: boolean;
  /** Which engine computes the model (default `getDefaultEngine()`, resolved at construction). */
  engine?: EngineChoice;
}

export interface SampleOptions {
  maxNewTokens: number;
  /** Softmax temperature (> 0); GoLongRL rollouts use 1.0. */
  temperature: number;
  rng: Rng;
  /** Optional end-of-sequence token: sampling of a row stops after it; later positions are padded and masked. */
  eosId?: number;
  /** Token written into padded response positions (default 0). */
  padId?: number;
  /** js engine: decode with the KV cache (default true); false re-runs the prefix every step (tests). */
  kvCache?: boolean;
}

export interface SampleResult {
  /** prompt + response per row (response padded to maxNewTokens with padId after eos). */
  sequences: number[][];
  /** Response tokens per row, length maxNewTokens. */
  responses: number[][];
  /** Log-prob of each sampled response token under the sampling distribution (0 on padding). */
  oldLogProbs: number[][];
  /** 1 for generated tokens (up to and including eos), 0 for padding. */
  responseMask: number[][];
  /**
   * Entropy −Σ_v p(v)·log p(v) of the sampling distribution at each response position (0 on
   * padding): what verl logs as `actor/entropy`, here read off the rollout's own distribution.
   */
  entropies: number[][];
}

/** Weights as plain typed arrays, keyed by variable name (for checkpoints). */
export type PolicyWeights = Record<string, Float32Array>;

const LN_EPS = 1e-5;

interface Block {
  ln1g: tf.Variable;
  ln1b: tf.Variable;
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  ln2g: tf.Variable;
  ln2b: tf.Variable;
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), g), b);
}

/**
 * One-hot as float32. Built as int32 and cast: tfjs-backend-wasm 4.22's OneHot writes integer bit
 * patterns into a float32 output (1 reads as 1.4e-45), so `tf.oneHot(..., 'float32')` is wrong there.
 */
function oneHotF32(indices: tf.Tensor, depth: number): tf.Tensor {
  return tf.cast(tf.oneHot(indices, depth), 'float32');
}

function gelu(x: tf.Tensor): tf.Tensor {
  const x3 = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(x3, 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

export class Policy {
  readonly config: Required<PolicyConfig>;
  /** The engine in use ('auto' resolved). */
  readonly engine: EngineName;
  private readonly js: JsEngine | null;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly tokEmb: tf.Variable;
  private readonly posEmb: tf.Variable;
  private readonly blocks: Block[] = [];
  private readonly lnfg: tf.Variable;
  private readonly lnfb: tf.Variable;
  private readonly head: tf.Variable | null;
  private disposed = false;

  constructor(config: PolicyConfig) {
    const c: Required<PolicyConfig> = {
      dMlp: 4 * config.dModel,
      tiedEmbeddings: true,
      ...config,
      engine: resolveEngine(config.engine ?? defaultEngine),
    };
    for (const k of ['vocabSize', 'dModel', 'nHeads', 'nLayers', 'maxLen', 'dMlp'] as const) {
      if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`PolicyConfig.${k} must be a positive integer, got ${c[k]}`);
    }
    if (c.dModel % c.nHeads !== 0) throw new Error(`PolicyConfig.dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads})`);
    this.config = c;
    this.engine = c.engine as EngineName;
    this.js = this.engine === 'js' ? new JsEngine({ vocabSize: c.vocabSize, dModel: c.dModel, nHeads: c.nHeads, nLayers: c.nLayers, maxLen: c.maxLen, dMlp: c.dMlp, tiedEmbeddings: c.tiedEmbeddings }) : null;
    const rng = new Rng(c.seed);
    const { vocabSize: V, dModel: D, maxLen: L, dMlp: M } = c;
    const residScale = 1 / Math.sqrt(2 * c.nLayers);
    const normal = (name: string, shape: number[], std: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
      return this.add(name, tf.tensor(data, shape, 'float32'));
    };
    const fill = (name: string, shape: number[], value: number) => this.add(name, tf.fill(shape, value, 'float32'));
    this.tokEmb = normal('tok_emb', [V, D], 0.02);
    this.posEmb = normal('pos_emb', [L, D], 0.02);
    for (let l = 0; l < c.nLayers; l++) {
      const p = `block${l}.`;
      this.blocks.push({
        ln1g: fill(p + 'ln1.g', [D], 1),
        ln1b: fill(p + 'ln1.b', [D], 0),
        wq: normal(p + 'attn.wq', [D, D], 0.02),
        wk: normal(p + 'attn.wk', [D, D], 0.02),
        wv: normal(p + 'attn.wv', [D, D], 0.02),
        wo: normal(p + 'attn.wo', [D, D], 0.02 * residScale),
        ln2g: fill(p + 'ln2.g', [D], 1),
        ln2b: fill(p + 'ln2.b', [D], 0),
        w1: normal(p + 'mlp.w1', [D, M], 0.02),
        b1: fill(p + 'mlp.b1', [M], 0),
        w2: normal(p + 'mlp.w2', [M, D], 0.02 * residScale),
        b2: fill(p + 'mlp.b2', [D], 0),
      });
    }
    this.lnfg = fill('ln_f.g', [D], 1);
    this.lnfb = fill('ln_f.b', [D], 0);
    this.head = c.tiedEmbeddings ? null : normal('head', [D, V], 0.02);
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, `${name}_${nextId()}`, 'float32');
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** All trainable variables, in a fixed order (names as in `getWeights`). */
  get trainableVariables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Variable names in the order of `trainableVariables`. */
  get variableNames(): string[] {
    return [...this.vars.keys()];
  }

  get numParameters(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  private checkTokens(tokens: tf.Tensor): void {
    if (this.disposed) throw new Error('Policy has been disposed');
    if (tokens.rank !== 2) throw new Error(`tokens must be [B, T], got shape [${tokens.shape.join(', ')}]`);
    if (tokens.dtype !== 'int32') throw new Error(`tokens must be int32, got ${tokens.dtype}`);
    const T = tokens.shape[1] ?? 0;
    if (T < 1 || T > this.config.maxLen) throw new Error(`sequence length ${T} outside [1, maxLen=${this.config.maxLen}]`);
  }

  /** The current weights, packed for the js engine. */
  private packed(): PackedWeights {
    const w: WeightMap = {};
    for (const [name, v] of this.vars) w[name] = v.dataSync() as Float32Array;
    return (this.js as JsEngine).pack(w);
  }

  /**
   * A js-engine computation as ONE tfjs custom-gradient op whose inputs are all trainable variables:
   * the forward runs the fused kernels (activations kept only inside a gradient tape), the gradient
   * function runs the engine's backward and hands tfjs one gradient per variable.
   */
  private jsOp<T extends tf.Tensor>(run: (w: PackedWeights, save: boolean) => { value: Float32Array; shape: number[]; back: (dy: Float32Array) => WeightMap }): T {
    const vars = this.trainableVariables;
    const names = this.variableNames;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      void args;
      const save = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
      const out = run(this.packed(), save);
      return {
        value: tf.tensor(out.value, out.shape, 'float32'),
        gradFunc: (dy: tf.Tensor) => {
          const g = out.back(dy.dataSync() as Float32Array);
          return names.map((n, i) => tf.tensor(g[n], vars[i].shape, 'float32'));
        },
      };
    });
    return op(...vars) as T;
  }

  /** Rows of a [B, T] int tensor as arrays. */
  private static rowsOf(t: tf.Tensor2D): Int32Array[] {
    const [B, T] = t.shape;
    const d = t.dataSync() as Int32Array;
    return Array.from({ length: B }, (_, b) => d.subarray(b * T, b * T + T));
  }

  /** js engine: logits at positions [first, first+count) of each row, with its backward. */
  private jsScore(rows: ArrayLike<number>[], first: number[], count: number[]) {
    const js = this.js as JsEngine;
    return (w: PackedWeights, save: boolean) => js.run(w, packRows({ rows, first, count }), save);
  }

  /**
   * Next-token logits: tokens Int32 [B, T] -> [B, T, V] (position t predicts token t+1). Token ids
   * must lie in [0, V); they are not read back to check (an out-of-range id embeds as a zero vector).
   */
  logits(tokens: tf.Tensor2D): tf.Tensor3D {
    this.checkTokens(tokens);
    const [B, T] = tokens.shape;
    const { dModel: D, nHeads: H, vocabSize: V } = this.config;
    if (this.js) {
      const js = this.js;
      const score = this.jsScore(Policy.rowsOf(tokens), Array(B).fill(0), Array(B).fill(T));
      return this.jsOp<tf.Tensor3D>((w, save) => {
        const s = score(w, save);
        return { value: s.logits, shape: [B, T, V], back: (dy) => js.backward(s, dy) };
      });
    }
    const dh = D / H;
    return tf.tidy(() => {
      // Embedding lookup as oneHot · E_tok (exact): the gradient of tf.gather needs UnsortedSegmentSum,
      // which the wasm backend does not implement; a matmul's gradient runs everywhere.
      const emb = tf.matMul(oneHotF32(tf.reshape(tokens, [B * T]), V), this.tokEmb); // [B*T,D]
      let x: tf.Tensor = tf.add(tf.reshape(emb, [B, T, D]), tf.slice(this.posEmb, [0, 0], [T, D])); // [B,T,D]
      // Causal mask: 0 on and below the diagonal, -1e9 above.
      const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9); // [T,T]
      const heads = (m: tf.Tensor) => tf.transpose(tf.reshape(m, [B, T, H, dh]), [0, 2, 1, 3]); // [B,H,T,dh]
      for (const blk of this.blocks) {
        const h = tf.reshape(layerNorm(x, blk.ln1g, blk.ln1b), [B * T, D]);
        const q = heads(tf.matMul(h, blk.wq));
        const k = heads(tf.matMul(h, blk.wk));
        const v = heads(tf.matMul(h, blk.wv));
        const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask); // [B,H,T,T]
        const att = tf.matMul(tf.softmax(scores, -1), v); // [B,H,T,dh]
        const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, D]);
        x = tf.add(x, tf.reshape(tf.matMul(merged, blk.wo), [B, T, D]));
        const h2 = tf.reshape(layerNorm(x, blk.ln2g, blk.ln2b), [B * T, D]);
        const mlp = tf.add(tf.matMul(gelu(tf.add(tf.matMul(h2, blk.w1), blk.b1)), blk.w2), blk.b2);
        x = tf.add(x, tf.reshape(mlp, [B, T, D]));
      }
      const hf = tf.reshape(layerNorm(x, this.lnfg, this.lnfb), [B * T, D]);
      const out = this.head === null ? tf.matMul(hf, this.tokEmb, false, true) : tf.matMul(hf, this.head);
      return tf.reshape(out, [B, T, V]) as tf.Tensor3D;
    });
  }

  /**
   * log π(targets[b,t] | tokens[b, ≤t]) at the given temperature: tokens, targets Int32 [B, T] -> [B, T].
   * Differentiable with respect to the trainable variables.
   */
  logProbs(tokens: tf.Tensor2D, targets: tf.Tensor2D, temperature = 1): tf.Tensor2D {
    if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
    if (targets.dtype !== 'int32' || targets.shape[0] !== tokens.shape[0] || targets.shape[1] !== tokens.shape[1])
      throw new Error(`targets must be int32 with the shape of tokens [${tokens.shape.join(', ')}]`);
    if (this.js) {
      this.checkTokens(tokens);
      const js = this.js;
      const [B, T] = tokens.shape;
      const tg = targets.dataSync() as Int32Array;
      const score = this.jsScore(Policy.rowsOf(tokens), Array(B).fill(0), Array(B).fill(T));
      return this.jsOp<tf.Tensor2D>((w, save) => {
        const s = score(w, save);
        return { value: js.targetLogProbs(s.logits, tg, temperature), shape: [B, T], back: (dy) => js.backward(s, js.targetLogProbsGrad(s.logits, tg, temperature, dy)) };
      });
    }
    return tf.tidy(() => {
      let lg: tf.Tensor = this.logits(tokens);
      if (temperature !== 1) lg = tf.div(lg, temperature);
      const lsm = tf.logSoftmax(lg, -1);
      return tf.sum(tf.mul(lsm, oneHotF32(targets, this.config.vocabSize)), -1) as tf.Tensor2D;
    });
  }

  /**
   * Per-token log-probs of the response part of full sequences: sequences Int32 [B, P+R] ->
   * [B, R], entry (b, i) = log π(seq[b, P+i] | seq[b, < P+i]). Requires P ≥ 1.
   */
  responseLogProbs(sequences: tf.Tensor2D, promptLen: number, temperature = 1): tf.Tensor2D {
    const [B, L] = sequences.shape;
    const R = L - promptLen;
    if (!Number.isInteger(promptLen) || promptLen < 1 || R < 1)
      throw new Error(`promptLen ${promptLen} must be ≥ 1 and leave ≥ 1 response token in length ${L}`);
    if (this.js) {
      const rows = Policy.rowsOf(sequences);
      return this.responseLogProbsBatch(rows, Array(B).fill(promptLen), temperature);
    }
    return tf.tidy(() => {
      const inputs = tf.slice(sequences, [0, 0], [B, L - 1]) as tf.Tensor2D;
      const targets = tf.slice(sequences, [0, 1], [B, L - 1]) as tf.Tensor2D;
      const lp = this.logProbs(inputs, targets, temperature);
      return tf.slice(lp, [0, promptLen - 1], [B, R]) as tf.Tensor2D;
    });
  }

  /**
   * The full log-softmax over the vocabulary at each response position: sequences Int32 [B, P+R] ->
   * [B, R, V], entry (b, i, v) = log π(v | seq[b, < P+i]) at the given temperature. Differentiable
   * (used for the exact per-token KL of distillation, lib/train/distill.ts).
   */
  responseLogSoftmax(sequences: tf.Tensor2D, promptLen: number, temperature = 1): tf.Tensor3D {
    const [B, L] = sequences.shape;
    const R = L - promptLen;
    const V = this.config.vocabSize;
    if (!Number.isInteger(promptLen) || promptLen < 1 || R < 1)
      throw new Error(`promptLen ${promptLen} must be ≥ 1 and leave ≥ 1 response token in length ${L}`);
    if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
    if (this.js) {
      this.checkTokens(sequences);
      const js = this.js;
      const rows = Policy.rowsOf(sequences).map((r) => r.subarray(0, L - 1));
      const score = this.jsScore(rows, Array(B).fill(promptLen - 1), Array(B).fill(R));
      return this.jsOp<tf.Tensor3D>((w, save) => {
        const s = score(w, save);
        return { value: js.logSoftmax(s.logits, temperature), shape: [B, R, V], back: (dy) => js.backward(s, js.logSoftmaxGrad(s.logits, temperature, dy)) };
      });
    }
    return tf.tidy(() => {
      const inputs = tf.slice(sequences, [0, 0], [B, L - 1]) as tf.Tensor2D;
      let lg: tf.Tensor = this.logits(inputs);
      if (temperature !== 1) lg = tf.div(lg, temperature);
      return tf.logSoftmax(tf.slice(lg, [0, promptLen - 1, 0], [B, R, V]), -1) as tf.Tensor3D;
    });
  }

  /**
   * Per-token log-probs of the responses of rows with DIFFERENT prompt lengths, in one call:
   * sequences[b] = prompt (promptLens[b] tokens) + response (R tokens, the same R for every row) ->
   * [B, R], entry (b, i) = log π(seq[b][P_b + i] | seq[b][< P_b + i]) at the given temperature.
   * `responseLens[b]` (default R): only the first responseLens[b] response tokens are computed; the
   * rest read 0 and get no gradient (pass the response mask's lengths to skip padding after eos).
   * Differentiable. js engine: one packed forward; tfjs: one right-padded forward (causal attention
   * makes trailing padding invisible to earlier positions), positions picked by a 0/1 matmul.
   */
  responseLogProbsBatch(sequences: readonly ArrayLike<number>[], promptLens: readonly number[], temperature = 1, responseLens?: readonly number[]): tf.Tensor2D {
    const B = sequences.length;
    if (B < 1 || promptLens.length !== B) throw new Error(`responseLogProbsBatch: ${B} sequences need as many prompt lengths (got ${promptLens.length})`);
    const { R, counts } = this.responseRows('responseLogProbsBatch', sequences, promptLens, temperature, responseLens);
    if (this.disposed) throw new Error('Policy has been disposed');
    if (this.js) {
      const run = this.jsResponseLogProbs(sequences, promptLens, temperature, counts, R);
      return this.jsOp<tf.Tensor2D>((w, save) => ({ ...run(w, save), shape: [B, R] }));
    }
    const Lmax = Math.max(...sequences.map((q) => q.length));
    const T = Lmax - 1;
    const inp = new Int32Array(B * T);
    const tgt = new Int32Array(B * T);
    const sel = new Float32Array(B * T * R);
    for (let b = 0; b < B; b++) {
      const q = sequences[b];
      for (let t = 0; t < q.length - 1; t++) {
        inp[b * T + t] = q[t];
        tgt[b * T + t] = q[t + 1];
      }
      for (let i = 0; i < counts[b]; i++) sel[(b * T + promptLens[b] - 1 + i) * R + i] = 1;
    }
    return tf.tidy(() => {
      const lp = this.logProbs(tf.tensor2d(inp, [B, T], 'int32'), tf.tensor2d(tgt, [B, T], 'int32'), temperature);
      return tf.reshape(tf.matMul(tf.reshape(lp, [B, 1, T]), tf.tensor3d(sel, [B, T, R])), [B, R]) as tf.Tensor2D;
    });
  }

  /**
   * The checks shared by `responseLogProbsBatch` and `responseLogProbsDirect` (errors name `who`): every
   * row is a prompt of ≥ 1 token plus the same R ≥ 1 response tokens, within maxLen + 1; returns R and the
   * computed response tokens per row (`responseLens`, default R, each in [0, R]).
   */
  private responseRows(who: string, sequences: readonly ArrayLike<number>[], promptLens: readonly number[], temperature: number, responseLens?: readonly number[]): { R: number; counts: number[] } {
    if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
    const R = sequences[0].length - promptLens[0];
    const counts: number[] = [];
    for (let b = 0; b < sequences.length; b++) {
      const P = promptLens[b];
      if (!Number.isInteger(P) || P < 1 || sequences[b].length - P !== R || R < 1)
        throw new Error(`${who}: row ${b} (length ${sequences[b].length}, prompt ${P}) must hold a prompt of ≥ 1 token and R = ${R} ≥ 1 response tokens`);
      if (sequences[b].length > this.config.maxLen + 1) throw new Error(`${who}: row ${b} longer than maxLen + 1 (${this.config.maxLen + 1})`);
      const c = responseLens ? responseLens[b] : R;
      if (!Number.isInteger(c) || c < 0 || c > R) throw new Error(`${who}: responseLens[${b}] = ${c} outside [0, ${R}]`);
      counts.push(c);
    }
    return { R, counts };
  }

  /** js engine: `responseLogProbsBatch`'s computation on packed weights, with its backward (dL/d[B, R] → weight gradients). */
  private jsResponseLogProbs(sequences: readonly ArrayLike<number>[], promptLens: readonly number[], temperature: number, counts: readonly number[], R: number) {
    const js = this.js as JsEngine;
    const B = sequences.length;
    const rows: ArrayLike<number>[] = [];
    const first: number[] = [];
    const count: number[] = [];
    const targets: number[] = [];
    for (let b = 0; b < B; b++) {
      const P = promptLens[b];
      const c = counts[b];
      const seq = sequences[b];
      rows.push(Array.prototype.slice.call(seq, 0, P - 1 + Math.max(c, 1)) as number[]);
      first.push(P - 1);
      count.push(c);
      for (let i = 0; i < c; i++) targets.push(seq[P + i]);
    }
    const score = this.jsScore(rows, first, count);
    return (w: PackedWeights, save: boolean) => {
      const s = score(w, save);
      const lp = js.targetLogProbs(s.logits, targets, temperature);
      const value = new Float32Array(B * R);
      for (let b = 0, k = 0; b < B; b++) for (let i = 0; i < counts[b]; i++) value[b * R + i] = lp[k++];
      return {
        value,
        back: (dy: ArrayLike<number>) => {
          const d = new Float32Array(targets.length);
          for (let b = 0, k = 0; b < B; b++) for (let i = 0; i < counts[b]; i++) d[k++] = dy[b * R + i];
          return js.backward(s, js.targetLogProbsGrad(s.logits, targets, temperature, d));
        },
      };
    };
  }

  /**
   * The js engine's direct (tape-free) form of `responseLogProbsBatch` for one update: the log-probs
   * [B·R] row-major (0 past `responseLens[b]`), and `backward(dL/dlogProbs)` → the gradient of every
   * trainable variable as a Float32Array, in `trainableVariables` order. The same computation as the
   * custom-gradient op (no tfjs tape, no tensors); js engine only.
   */
  responseLogProbsDirect(sequences: readonly ArrayLike<number>[], promptLens: readonly number[], temperature: number, responseLens: readonly number[]): { logProbs: Float32Array; backward: (dLogProbs: ArrayLike<number>) => Float32Array[] } {
    if (!this.js) throw new Error('responseLogProbsDirect needs the js engine');
    if (this.disposed) throw new Error('Policy has been disposed');
    const B = sequences.length;
    if (B < 1 || promptLens.length !== B || responseLens.length !== B) throw new Error(`responseLogProbsDirect: ${B} sequences need as many prompt and response lengths`);
    const { R, counts } = this.responseRows('responseLogProbsDirect', sequences, promptLens, temperature, responseLens);
    const out = this.jsResponseLogProbs(sequences, promptLens, temperature, counts, R)(this.packed(), true);
    const names = this.variableNames;
    return { logProbs: out.value, backward: (dy) => { const g = out.back(dy); return names.map((n) => g[n]); } };
  }

  /**
   * Greedy decoding (argmax at every step; first maximum on ties): the responses, each maxNewTokens
   * long, padded with padId after eosId.
   */
  greedy(prompts: readonly (readonly number[])[], maxNewTokens: number, eosId?: number, padId = 0): number[][] {
    this.checkPrompts(prompts, maxNewTokens);
    if (this.js) return this.js.sample(this.packed(), prompts, { maxNewTokens, temperature: 1, rng: { next: () => 0 }, eosId, padId, greedy: true }).responses;
    const V = this.config.vocabSize;
    const out: number[][] = prompts.map(() => []);
    const byLen = new Map<number, number[]>();
    prompts.forEach((p, i) => byLen.set(p.length, [...(byLen.get(p.length) ?? []), i]));
    for (const [P, rows] of byLen) {
      const seqs = rows.map((r) => [...prompts[r]]);
      const done = rows.map(() => false);
      for (let s = 0; s < maxNewTokens; s++) {
        if (done.every(Boolean)) {
          rows.forEach((r) => out[r].push(padId));
          continue;
        }
        const T = P + s;
        const B = rows.length;
        const next = tf.tidy(() => {
          const lg = this.logits(tf.tensor2d(seqs.flat(), [B, T], 'int32'));
          return tf.argMax(tf.reshape(tf.slice(lg, [0, T - 1, 0], [B, 1, V]), [B, V]), -1).dataSync();
        });
        rows.forEach((r, b) => {
          const tok = done[b] ? padId : next[b];
          seqs[b].push(tok);
          out[r].push(tok);
          if (eosId !== undefined && tok === eosId) done[b] = true;
        });
      }
    }
    return out;
  }

  private checkPrompts(prompts: readonly (readonly number[])[], maxNewTokens: number): void {
    if (this.disposed) throw new Error('Policy has been disposed');
    const V = this.config.vocabSize;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
    prompts.forEach((p, i) => {
      if (p.length < 1) throw new Error(`prompt ${i} is empty`);
      if (p.length + maxNewTokens > this.config.maxLen)
        throw new Error(`prompt ${i}: length ${p.length} + maxNewTokens ${maxNewTokens} exceeds maxLen ${this.config.maxLen}`);
      for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= V) throw new Error(`prompt ${i}: token ${t} outside [0, ${V})`);
    });
  }

  /**
   * Autoregressive sampling. js engine: every row together whatever its prompt length, with a KV cache
   * (engine/sample.ts). tfjs reference (no KV cache: each step re-runs the prefix, fine for tiny models).
   * Prompts of different lengths are sampled in separate batches of equal length, so no padding
   * enters attention. Returns tokens and their log-probs under the sampling distribution.
   */
  sample(prompts: readonly (readonly number[])[], opts: SampleOptions): SampleResult {
    const { maxNewTokens, temperature, rng } = opts;
    const padId = opts.padId ?? 0;
    const V = this.config.vocabSize;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
    if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
    if (this.js) {
      this.checkPrompts(prompts, maxNewTokens);
      return this.js.sample(this.packed(), prompts, { maxNewTokens, temperature, rng, eosId: opts.eosId, padId, kvCache: opts.kvCache });
    }
    const byLen = new Map<number, number[]>();
    prompts.forEach((p, i) => {
      if (p.length < 1) throw new Error(`prompt ${i} is empty`);
      if (p.length + maxNewTokens > this.config.maxLen)
        throw new Error(`prompt ${i}: length ${p.length} + maxNewTokens ${maxNewTokens} exceeds maxLen ${this.config.maxLen}`);
      for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= V) throw new Error(`prompt ${i}: token ${t} outside [0, ${V})`);
      const rows = byLen.get(p.length) ?? [];
      rows.push(i);
      byLen.set(p.length, rows);
    });
    const res: SampleResult = {
      sequences: new Array(prompts.length),
      responses: new Array(prompts.length),
      oldLogProbs: new Array(prompts.length),
      responseMask: new Array(prompts.length),
      entropies: new Array(prompts.length),
    };
    for (const [P, rows] of [...byLen.entries()].sort((a, b) => a[0] - b[0])) {
      const B = rows.length;
      const seqs = rows.map((r) => [...prompts[r]]);
      const resp = rows.map(() => [] as number[]);
      const lps = rows.map(() => [] as number[]);
      const mask = rows.map(() => [] as number[]);
      const ent = rows.map(() => [] as number[]);
      const done = rows.map(() => false);
      for (let step = 0; step < maxNewTokens; step++) {
        const T = P + step;
        const probs = tf.tidy(() => {
          const tok = tf.tensor2d(seqs.flat(), [B, T], 'int32');
          const last = tf.reshape(tf.slice(this.logits(tok), [0, T - 1, 0], [B, 1, V]), [B, V]);
          return tf.logSoftmax(tf.div(last, temperature), -1).dataSync() as Float32Array;
        });
        for (let b = 0; b < B; b++) {
          if (done[b]) {
            seqs[b].push(padId);
            resp[b].push(padId);
            lps[b].push(0);
            mask[b].push(0);
            ent[b].push(0);
            continue;
          }
          let h = 0;
          for (let v = 0; v < V; v++) {
            const lp = probs[b * V + v];
            if (lp > -Infinity) h -= Math.exp(lp) * lp;
          }
          ent[b].push(h);
          const u = rng.next();
          let acc = 0;
          let tok = V - 1;
          for (let v = 0; v < V; v++) {
            acc += Math.exp(probs[b * V + v]);
            if (u < acc) {
              tok = v;
              break;
            }
          }
          seqs[b].push(tok);
          resp[b].push(tok);
          lps[b].push(probs[b * V + tok]);
          mask[b].push(1);
          if (opts.eosId !== undefined && tok === opts.eosId) done[b] = true;
        }
        if (done.every(Boolean)) {
          // Pad the remaining steps without running the model.
          for (let b = 0; b < B; b++)
            while (resp[b].length < maxNewTokens) {
              seqs[b].push(padId);
              resp[b].push(padId);
              lps[b].push(0);
              mask[b].push(0);
              ent[b].push(0);
            }
          break;
        }
      }
      rows.forEach((r, b) => {
        res.sequences[r] = seqs[b];
        res.responses[r] = resp[b];
        res.oldLogProbs[r] = lps[b];
        res.responseMask[r] = mask[b];
        res.entropies[r] = ent[b];
      });
    }
    return res;
  }

  /** Copies of all weights as Float32Arrays keyed by name. */
  getWeights(): PolicyWeights {
    const out: PolicyWeights = {};
    for (const [name, v] of this.vars) out[name] = Float32Array.from(v.dataSync() as Float32Array);
    return out;
  }

  /** Shapes of all weights keyed by name. */
  weightShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, v] of this.vars) out[name] = [...v.shape];
    return out;
  }

  /** Overwrite all weights; the names and sizes must match this policy exactly. */
  setWeights(weights: PolicyWeights): void {
    const names = Object.keys(weights);
    const missing = this.variableNames.filter((n) => !(n in weights));
    const extra = names.filter((n) => !this.vars.has(n));
    if (missing.length || extra.length)
      throw new Error(`setWeights: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    for (const [name, v] of this.vars) {
      const data = weights[name];
      if (!(data instanceof Float32Array) || data.length !== v.size)
        throw new Error(`setWeights: ${name} needs a Float32Array of ${v.size} values, got ${data?.length}`);
    }
    for (const [name, v] of this.vars) tf.tidy(() => v.assign(tf.tensor(weights[name], v.shape, 'float32')));
  }

  /** Release all variables. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.disposed = true;
  }
}

let idCounter = 0;
function nextId(): number {
  return idCounter++;
}
