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
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random.js';

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
    };
    for (const k of ['vocabSize', 'dModel', 'nHeads', 'nLayers', 'maxLen', 'dMlp'] as const) {
      if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`PolicyConfig.${k} must be a positive integer, got ${c[k]}`);
    }
    if (c.dModel % c.nHeads !== 0) throw new Error(`PolicyConfig.dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads})`);
    this.config = c;
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

  /**
   * Next-token logits: tokens Int32 [B, T] -> [B, T, V] (position t predicts token t+1). Token ids
   * must lie in [0, V); they are not read back to check (an out-of-range id embeds as a zero vector).
   */
  logits(tokens: tf.Tensor2D): tf.Tensor3D {
    this.checkTokens(tokens);
    const [B, T] = tokens.shape;
    const { dModel: D, nHeads: H, vocabSize: V } = this.config;
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
    return tf.tidy(() => {
      const inputs = tf.slice(sequences, [0, 0], [B, L - 1]) as tf.Tensor2D;
      let lg: tf.Tensor = this.logits(inputs);
      if (temperature !== 1) lg = tf.div(lg, temperature);
      return tf.logSoftmax(tf.slice(lg, [0, promptLen - 1, 0], [B, R, V]), -1) as tf.Tensor3D;
    });
  }

  /**
   * Autoregressive sampling (no KV cache: each step re-runs the prefix, fine for tiny models).
   * Prompts of different lengths are sampled in separate batches of equal length, so no padding
   * enters attention. Returns tokens and their log-probs under the sampling distribution.
   */
  sample(prompts: readonly (readonly number[])[], opts: SampleOptions): SampleResult {
    const { maxNewTokens, temperature, rng } = opts;
    const padId = opts.padId ?? 0;
    const V = this.config.vocabSize;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
    if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
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
