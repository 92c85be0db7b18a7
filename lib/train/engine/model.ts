/**
 * The fast engine's model: the same GPT-2-style pre-LN transformer as lib/train/policy.ts (same weight
 * names, shapes and formulas), computed by the fused kernels of kernels.ts on PACKED ragged batches.
 *
 * A batch is B rows of different lengths laid end to end: row r's tokens are tokens[off[r] … off[r+1]),
 * at positions 0 … T_r − 1. Every projection runs once over all N = Σ T_r tokens (one [N, D]·[D, ·]
 * matmul, no padding); attention runs per row and head over that row's own causal prefix, so rows of
 * different prompt lengths go through ONE call and no padding ever enters a softmax. Only the `scored`
 * positions (the ones whose next-token distribution is wanted: the response positions) go through the
 * final LayerNorm and the output head.
 *
 *   forward   x₀ = E_tok[x_t] + E_pos[t];  per block: x += Wo·MHA(LN1 x);  x += W2·GELU(W1·LN2 x + b1) + b2;
 *             logits = LN_f(x)·E_tokᵀ (or ·head)     — at the scored positions only
 *   backward  from dL/dlogits [n, V] to the gradient of every weight, by the chain rule written out per
 *             kernel (kernels.ts); attention backward: dP = dO·Vᵀ, dS = P⊙(dP − Σ_j P·dP), dQ = dS·K/√d,
 *             dK = dSᵀ·Q/√d, dV = Pᵀ·dO.
 *
 * Weights come in as `PolicyWeights` (name → Float32Array) and gradients go out the same way, so the
 * engine never needs tfjs; lib/train/policy.ts wraps it as tfjs custom-gradient ops.
 */
import { attendBackwardRow, attendBlock } from './attn.js';
import { addBias, geluBackward, layerNorm, layerNormBackward, matmul, matmulAtB, matmulBiasGelu, sumRows, transpose } from './kernels.js';

export interface EngineConfig {
  vocabSize: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  maxLen: number;
  dMlp: number;
  tiedEmbeddings: boolean;
}

export type WeightMap = Record<string, Float32Array>;

/** Variable names in the reference's order (lib/train/policy.ts). */
export function weightNames(c: EngineConfig): string[] {
  const out = ['tok_emb', 'pos_emb'];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `block${l}.`;
    out.push(p + 'ln1.g', p + 'ln1.b', p + 'attn.wq', p + 'attn.wk', p + 'attn.wv', p + 'attn.wo', p + 'ln2.g', p + 'ln2.b', p + 'mlp.w1', p + 'mlp.b1', p + 'mlp.w2', p + 'mlp.b2');
  }
  out.push('ln_f.g', 'ln_f.b');
  if (!c.tiedEmbeddings) out.push('head');
  return out;
}

interface LayerW {
  ln1g: Float32Array;
  ln1b: Float32Array;
  /** [D, 3D]: wq | wk | wv side by side (one projection matmul). */
  wqkv: Float32Array;
  wo: Float32Array;
  ln2g: Float32Array;
  ln2b: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  // Transposes for the backward pass (built on demand).
  wqkvT: Float32Array | null;
  woT: Float32Array | null;
  w1T: Float32Array | null;
  w2T: Float32Array | null;
}

/** The packed weights of one call (copied from a WeightMap). */
export class PackedWeights {
  readonly tok: Float32Array;
  readonly pos: Float32Array;
  readonly layers: LayerW[] = [];
  readonly lnfg: Float32Array;
  readonly lnfb: Float32Array;
  /** [V, D] output matrix (E_tok when tied, headᵀ otherwise): logits = h·outVDᵀ. */
  readonly outVD: Float32Array;
  /** [D, V]: logits = h·outDV. */
  readonly outDV: Float32Array;
  private transposed = false;

  constructor(readonly c: EngineConfig, w: WeightMap) {
    const { dModel: D, vocabSize: V } = c;
    const get = (n: string, size: number) => {
      const a = w[n];
      if (!(a instanceof Float32Array) || a.length !== size) throw new Error(`engine: weight ${n} needs ${size} float32 values, got ${a?.length}`);
      return a;
    };
    this.tok = get('tok_emb', V * D);
    this.pos = get('pos_emb', c.maxLen * D);
    for (let l = 0; l < c.nLayers; l++) {
      const p = `block${l}.`;
      const wq = get(p + 'attn.wq', D * D);
      const wk = get(p + 'attn.wk', D * D);
      const wv = get(p + 'attn.wv', D * D);
      const wqkv = new Float32Array(D * 3 * D);
      for (let i = 0; i < D; i++) {
        wqkv.set(wq.subarray(i * D, i * D + D), i * 3 * D);
        wqkv.set(wk.subarray(i * D, i * D + D), i * 3 * D + D);
        wqkv.set(wv.subarray(i * D, i * D + D), i * 3 * D + 2 * D);
      }
      this.layers.push({
        ln1g: get(p + 'ln1.g', D),
        ln1b: get(p + 'ln1.b', D),
        wqkv,
        wo: get(p + 'attn.wo', D * D),
        ln2g: get(p + 'ln2.g', D),
        ln2b: get(p + 'ln2.b', D),
        w1: get(p + 'mlp.w1', D * c.dMlp),
        b1: get(p + 'mlp.b1', c.dMlp),
        w2: get(p + 'mlp.w2', c.dMlp * D),
        b2: get(p + 'mlp.b2', D),
        wqkvT: null,
        woT: null,
        w1T: null,
        w2T: null,
      });
    }
    this.lnfg = get('ln_f.g', D);
    this.lnfb = get('ln_f.b', D);
    if (c.tiedEmbeddings) {
      this.outVD = this.tok;
      this.outDV = transpose(this.tok, V, D);
    } else {
      this.outDV = get('head', D * V);
      this.outVD = transpose(this.outDV, D, V);
    }
  }

  /** The transposed matrices the backward pass multiplies by. */
  ensureTransposes(): void {
    if (this.transposed) return;
    const { dModel: D, dMlp: M } = this.c;
    for (const L of this.layers) {
      L.wqkvT = transpose(L.wqkv, D, 3 * D);
      L.woT = transpose(L.wo, D, D);
      L.w1T = transpose(L.w1, D, M);
      L.w2T = transpose(L.w2, M, D);
    }
    this.transposed = true;
  }
}

/** A packed ragged batch. */
export interface PackedBatch {
  /** Token ids, rows laid end to end (N values). */
  tokens: Int32Array;
  /** Row starts, B + 1 values: row r = tokens[off[r] … off[r+1]). */
  off: Int32Array;
  /** Packed indices whose next-token logits are wanted (n values, any order). */
  scored: Int32Array;
}

interface LayerSaved {
  xhat1: Float32Array;
  rstd1: Float32Array;
  h1: Float32Array;
  qkv: Float32Array;
  probs: Float32Array;
  att: Float32Array;
  xhat2: Float32Array;
  rstd2: Float32Array;
  h2: Float32Array;
  u: Float32Array;
  g: Float32Array;
}

/** Activations saved by `forward` for `backward`. */
export interface Saved {
  w: PackedWeights;
  batch: PackedBatch;
  /** Per row: offset of its attention probabilities [H, T, T] in each layer's `probs`. */
  probOff: Int32Array;
  layers: LayerSaved[];
  xhatF: Float32Array;
  rstdF: Float32Array;
  hf: Float32Array;
}

/** Optional KV output of a forward (the sampler's prefill): K and V per layer, [rows, cacheLen, D]. */
export interface KvOut {
  k: Float32Array[];
  v: Float32Array[];
  cacheLen: number;
}

export function checkBatch(c: EngineConfig, b: PackedBatch): void {
  const B = b.off.length - 1;
  if (B < 1 || b.off[0] !== 0 || b.off[B] !== b.tokens.length) throw new Error('engine: malformed packed batch offsets');
  for (let r = 0; r < B; r++) {
    const T = b.off[r + 1] - b.off[r];
    if (T < 1 || T > c.maxLen) throw new Error(`engine: row ${r} has length ${T}, outside [1, maxLen=${c.maxLen}]`);
  }
  for (let i = 0; i < b.tokens.length; i++) {
    const t = b.tokens[i];
    if (!(t >= 0 && t < c.vocabSize)) throw new Error(`engine: token ${t} outside [0, ${c.vocabSize})`);
  }
  for (let i = 0; i < b.scored.length; i++) if (!(b.scored[i] >= 0 && b.scored[i] < b.tokens.length)) throw new Error(`engine: scored index ${b.scored[i]} out of range`);
}

/**
 * Causal multi-head attention over one packed batch: qkv [N, 3D] → out [N, D]. Saves the probabilities
 * when `probs` is given (row r, head h, query i, key j at probOff[r] + (h·T + i)·T + j).
 */
function attentionForward(c: EngineConfig, batch: PackedBatch, qkv: Float32Array, out: Float32Array, probs: Float32Array | null, probOff: Int32Array | null, kv: KvOut | null, layer: number): void {
  const { dModel: D, nHeads: H } = c;
  const dh = D / H;
  const D3 = 3 * D;
  const scale = 1 / Math.sqrt(dh);
  const B = batch.off.length - 1;
  let maxT = 0;
  for (let r = 0; r < B; r++) maxT = Math.max(maxT, batch.off[r + 1] - batch.off[r]);
  const s = new Float64Array(maxT);
  for (let r = 0; r < B; r++) {
    const o = batch.off[r];
    const T = batch.off[r + 1] - o;
    if (kv) {
      const K = kv.k[layer];
      const Vc = kv.v[layer];
      for (let t = 0; t < T; t++) {
        const src = (o + t) * D3;
        const dst = (r * kv.cacheLen + t) * D;
        for (let d = 0; d < D; d++) {
          K[dst + d] = qkv[src + D + d];
          Vc[dst + d] = qkv[src + 2 * D + d];
        }
      }
    }
    attendBlock(qkv, o * D3, D3, qkv, o * D3 + D, qkv, o * D3 + 2 * D, D3, T, 0, H, dh, scale, out, o * D, D, probs, probOff ? probOff[r] : 0, s);
  }
}

/**
 * Forward over a packed batch. Returns the logits [n, V] of the scored positions (in `scored` order) and,
 * with `save`, everything `backward` needs. `kv` receives every layer's keys and values (sampler prefill).
 */
export function forward(w: PackedWeights, batch: PackedBatch, save: boolean, kv: KvOut | null = null): { logits: Float32Array; saved: Saved | null } {
  const c = w.c;
  const { dModel: D, nHeads: H, dMlp: M, vocabSize: V } = c;
  const N = batch.tokens.length;
  const B = batch.off.length - 1;
  const n = batch.scored.length;
  let probOff: Int32Array | null = null;
  let probSize = 0;
  if (save) {
    probOff = new Int32Array(B);
    for (let r = 0; r < B; r++) {
      const T = batch.off[r + 1] - batch.off[r];
      probOff[r] = probSize;
      probSize += H * T * T;
    }
  }
  const x = new Float32Array(N * D);
  for (let r = 0; r < B; r++) {
    for (let i = batch.off[r], t = 0; i < batch.off[r + 1]; i++, t++) {
      const te = batch.tokens[i] * D;
      const pe = t * D;
      for (let d = 0; d < D; d++) x[i * D + d] = w.tok[te + d] + w.pos[pe + d];
    }
  }
  const layers: LayerSaved[] = [];
  // Scratch reused across layers when nothing is saved.
  let h1 = new Float32Array(N * D);
  let qkv = new Float32Array(N * 3 * D);
  let att = new Float32Array(N * D);
  let u = new Float32Array(N * M);
  let g = new Float32Array(N * M);
  for (let l = 0; l < c.nLayers; l++) {
    const L = w.layers[l];
    const sv: LayerSaved | null = save
      ? {
          xhat1: new Float32Array(N * D),
          rstd1: new Float32Array(N),
          h1: (h1 = new Float32Array(N * D)),
          qkv: (qkv = new Float32Array(N * 3 * D)),
          probs: new Float32Array(probSize),
          att: (att = new Float32Array(N * D)),
          xhat2: new Float32Array(N * D),
          rstd2: new Float32Array(N),
          h2: new Float32Array(N * D),
          u: (u = new Float32Array(N * M)),
          g: (g = new Float32Array(N * M)),
        }
      : null;
    layerNorm(x, L.ln1g, L.ln1b, h1, N, D, sv?.xhat1 ?? null, sv?.rstd1 ?? null);
    matmul(h1, L.wqkv, qkv, N, D, 3 * D);
    attentionForward(c, batch, qkv, att, sv?.probs ?? null, probOff, kv, l);
    matmul(att, L.wo, x, N, D, D, true);
    const h2 = sv ? sv.h2 : h1;
    layerNorm(x, L.ln2g, L.ln2b, h2, N, D, sv?.xhat2 ?? null, sv?.rstd2 ?? null);
    matmulBiasGelu(h2, L.w1, L.b1, u, g, N, D, M);
    matmul(g, L.w2, x, N, M, D, true);
    addBias(x, L.b2, N, D);
    if (sv) layers.push(sv);
  }
  // Final LayerNorm and head at the scored positions only.
  const xs = new Float32Array(n * D);
  for (let i = 0; i < n; i++) xs.set(x.subarray(batch.scored[i] * D, batch.scored[i] * D + D), i * D);
  const hf = new Float32Array(n * D);
  const xhatF = save ? new Float32Array(n * D) : null;
  const rstdF = save ? new Float32Array(n) : null;
  layerNorm(xs, w.lnfg, w.lnfb, hf, n, D, xhatF, rstdF);
  const logits = new Float32Array(n * V);
  matmul(hf, w.outDV, logits, n, D, V);
  const saved = save ? { w, batch, probOff: probOff as Int32Array, layers, xhatF: xhatF as Float32Array, rstdF: rstdF as Float32Array, hf } : null;
  return { logits, saved };
}

/**
 * Backward from dL/dlogits [n, V] (scored order) to the gradient of every weight, keyed by the
 * reference's variable names.
 */
export function backward(s: Saved, dLogits: Float32Array): WeightMap {
  const { w, batch } = s;
  const c = w.c;
  const { dModel: D, nHeads: H, dMlp: M, vocabSize: V } = c;
  const dh = D / H;
  const D3 = 3 * D;
  const scale = 1 / Math.sqrt(dh);
  const N = batch.tokens.length;
  const B = batch.off.length - 1;
  const n = batch.scored.length;
  w.ensureTransposes();
  const grads: WeightMap = {};
  const dTok = new Float32Array(V * D);
  const dPos = new Float32Array(c.maxLen * D);
  // Head: logits = hf·outDV, outVD = outDVᵀ.
  const dOutVD = new Float32Array(V * D);
  matmulAtB(dLogits, s.hf, dOutVD, n, V, D);
  const dhf = new Float32Array(n * D);
  matmul(dLogits, w.outVD, dhf, n, V, D);
  const dlnfg = new Float32Array(D);
  const dlnfb = new Float32Array(D);
  const dxs = new Float32Array(n * D);
  layerNormBackward(dhf, s.xhatF, s.rstdF, w.lnfg, dxs, dlnfg, dlnfb, n, D, false);
  const dx = new Float32Array(N * D);
  for (let i = 0; i < n; i++) {
    const o = batch.scored[i] * D;
    for (let d = 0; d < D; d++) dx[o + d] += dxs[i * D + d];
  }
  const dh2 = new Float32Array(N * D);
  const dg = new Float32Array(N * M);
  const datt = new Float32Array(N * D);
  const dqkv = new Float32Array(N * D3);
  const dh1 = new Float32Array(N * D);
  for (let l = c.nLayers - 1; l >= 0; l--) {
    const L = w.layers[l];
    const S = s.layers[l];
    const p = `block${l}.`;
    // MLP: x += g·W2 + b2, g = GELU(u), u = h2·W1 + b1.
    const dW2 = new Float32Array(M * D);
    const db2 = new Float32Array(D);
    const dW1 = new Float32Array(D * M);
    const db1 = new Float32Array(M);
    sumRows(dx, db2, N, D);
    matmulAtB(S.g, dx, dW2, N, M, D);
    matmul(dx, L.w2T as Float32Array, dg, N, D, M);
    geluBackward(S.u, dg, dg, N * M);
    sumRows(dg, db1, N, M);
    matmulAtB(S.h2, dg, dW1, N, D, M);
    matmul(dg, L.w1T as Float32Array, dh2, N, M, D);
    const dln2g = new Float32Array(D);
    const dln2b = new Float32Array(D);
    layerNormBackward(dh2, S.xhat2, S.rstd2, L.ln2g, dx, dln2g, dln2b, N, D, true);
    // Attention: x += att·Wo.
    const dWo = new Float32Array(D * D);
    matmulAtB(S.att, dx, dWo, N, D, D);
    matmul(dx, L.woT as Float32Array, datt, N, D, D);
    dqkv.fill(0);
    const qkv = S.qkv;
    let maxT = 0;
    for (let r = 0; r < B; r++) maxT = Math.max(maxT, batch.off[r + 1] - batch.off[r]);
    const dp = new Float64Array(maxT);
    for (let r = 0; r < B; r++) {
      const o = batch.off[r];
      const T = batch.off[r + 1] - o;
      if (attendBackwardRow(qkv, dqkv, datt, S.probs, s.probOff[r], o, T, H, dh, scale)) continue;
      for (let h = 0; h < H; h++) {
        const qo = h * dh;
        const ko = D + h * dh;
        const vo = 2 * D + h * dh;
        for (let i = 0; i < T; i++) {
          const po = s.probOff[r] + (h * T + i) * T;
          const doi = (o + i) * D + qo;
          let dot = 0;
          for (let j = 0; j <= i; j++) {
            const vj = (o + j) * D3 + vo;
            let a = 0;
            let d = 0;
            for (; d + 4 <= dh; d += 4) a += datt[doi + d] * qkv[vj + d] + datt[doi + d + 1] * qkv[vj + d + 1] + datt[doi + d + 2] * qkv[vj + d + 2] + datt[doi + d + 3] * qkv[vj + d + 3];
            for (; d < dh; d++) a += datt[doi + d] * qkv[vj + d];
            dp[j] = a;
            const pj = S.probs[po + j];
            dot += pj * a;
            // dV_j += P_ij · dO_i
            const dvj = (o + j) * D3 + vo;
            for (let d = 0; d < dh; d++) dqkv[dvj + d] += pj * datt[doi + d];
          }
          const qi = (o + i) * D3 + qo;
          for (let j = 0; j <= i; j++) {
            const ds = S.probs[po + j] * (dp[j] - dot) * scale;
            const kj = (o + j) * D3 + ko;
            for (let d = 0; d < dh; d++) {
              dqkv[qi + d] += ds * qkv[kj + d];
              dqkv[kj + d] += ds * qkv[qi + d];
            }
          }
        }
      }
    }
    const dWqkv = new Float32Array(D * D3);
    matmulAtB(S.h1, dqkv, dWqkv, N, D, D3);
    matmul(dqkv, L.wqkvT as Float32Array, dh1, N, D3, D);
    const dln1g = new Float32Array(D);
    const dln1b = new Float32Array(D);
    layerNormBackward(dh1, S.xhat1, S.rstd1, L.ln1g, dx, dln1g, dln1b, N, D, true);
    const dWq = new Float32Array(D * D);
    const dWk = new Float32Array(D * D);
    const dWv = new Float32Array(D * D);
    for (let i = 0; i < D; i++) {
      dWq.set(dWqkv.subarray(i * D3, i * D3 + D), i * D);
      dWk.set(dWqkv.subarray(i * D3 + D, i * D3 + 2 * D), i * D);
      dWv.set(dWqkv.subarray(i * D3 + 2 * D, i * D3 + 3 * D), i * D);
    }
    Object.assign(grads, {
      [p + 'ln1.g']: dln1g,
      [p + 'ln1.b']: dln1b,
      [p + 'attn.wq']: dWq,
      [p + 'attn.wk']: dWk,
      [p + 'attn.wv']: dWv,
      [p + 'attn.wo']: dWo,
      [p + 'ln2.g']: dln2g,
      [p + 'ln2.b']: dln2b,
      [p + 'mlp.w1']: dW1,
      [p + 'mlp.b1']: db1,
      [p + 'mlp.w2']: dW2,
      [p + 'mlp.b2']: db2,
    });
  }
  // Embeddings.
  for (let r = 0; r < B; r++) {
    for (let i = batch.off[r], t = 0; i < batch.off[r + 1]; i++, t++) {
      const te = batch.tokens[i] * D;
      for (let d = 0; d < D; d++) {
        dTok[te + d] += dx[i * D + d];
        dPos[t * D + d] += dx[i * D + d];
      }
    }
  }
  if (c.tiedEmbeddings) {
    for (let i = 0; i < V * D; i++) dTok[i] += dOutVD[i];
  } else {
    grads['head'] = transpose(dOutVD, V, D);
  }
  grads['tok_emb'] = dTok;
  grads['pos_emb'] = dPos;
  grads['ln_f.g'] = dlnfg;
  grads['ln_f.b'] = dlnfb;
  return grads;
}
