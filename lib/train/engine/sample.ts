/**
 * Batched autoregressive sampling for the fast engine, with a KV cache.
 *
 * Every rollout of a generation batch is decoded together, whatever its prompt length: row r's prompt
 * has P_r tokens and its s-th response token sits at position P_r + s (per-row positions, no padding
 * before or inside a row). The distinct prompts are prefilled in ONE packed forward (model.ts) that also
 * writes every layer's keys and values into the cache [rows, P_max + maxNewTokens, D] (a prompt shared
 * by its n rollouts is prefilled once and its cache rows copied: prefix sharing); each decoding step then
 * runs only the new token of every still-active row: [A, D] projections, attention of each row over its
 * own cached prefix, the head, and the draw. Rows that emitted `eosId` leave the active set.
 *
 * Draws: per step, rows in index order, one `rng.next()` per active row; inverse-CDF sampling on the
 * temperature-τ distribution, as the reference sampler (lib/train/policy.ts) does. With `kvCache: false`
 * each step re-runs the full prefix instead (the reference's arithmetic, kept to test the cache): the
 * logits, tokens and log-probs are identical, because every kernel sums in a fixed order per row.
 * With `greedy` the argmax of the logits is taken (first maximum, as tf.argMax) and the rng is unused.
 */
import type { SampleResult } from '../policy.js';
import { attendDecode, kvArrays } from './attn.js';
import { addBias, layerNorm, matmul, matmulBiasGelu, wasmKernelsActive } from './kernels.js';
import { wasmExpsum } from './wasm.js';
import { forward, type KvOut, type PackedWeights } from './model.js';

export interface EngineSampleOptions {
  maxNewTokens: number;
  temperature: number;
  rng: { next(): number };
  eosId?: number;
  padId?: number;
  /** Default true. */
  kvCache?: boolean;
  /** Argmax decoding (default false). */
  greedy?: boolean;
}

/**
 * An empty array whose elements are already doubles. A fresh `[]` holds small integers; the first float
 * pushed changes its hidden class, so the sampler's optimised push loop met arrays of two classes, one
 * per call, and was deoptimised ("wrong map") again and again (docs/engine.md).
 */
function emptyDoubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

/** Per-call scratch of the decoder, sized for every row (reused across steps: no per-step allocation). */
interface Scratch {
  x: Float32Array;
  h: Float32Array;
  qkv: Float32Array;
  att: Float32Array;
  u: Float32Array;
  g: Float32Array;
  s: Float64Array;
  logits: Float32Array;
}

function scratch(w: PackedWeights, B: number, cacheLen: number): Scratch {
  const { dModel: D, dMlp: M, vocabSize: V } = w.c;
  return {
    x: new Float32Array(B * D),
    h: new Float32Array(B * D),
    qkv: new Float32Array(B * 3 * D),
    att: new Float32Array(B * D),
    u: new Float32Array(B * M),
    g: new Float32Array(B * M),
    s: new Float64Array(cacheLen),
    logits: new Float32Array(B * V),
  };
}

/** One decoding step for `A` active rows: the new tokens at their positions → logits [A, V] (a view of the scratch). */
function decodeStep(w: PackedWeights, kv: KvOut, rows: Int32Array, toks: Int32Array, pos: Int32Array, A: number, sc: Scratch): Float32Array {
  const c = w.c;
  const { dModel: D, nHeads: H, dMlp: M, vocabSize: V } = c;
  const dh = D / H;
  const D3 = 3 * D;
  const scale = 1 / Math.sqrt(dh);
  const x = sc.x.subarray(0, A * D);
  for (let a = 0; a < A; a++) {
    const te = toks[a] * D;
    const pe = pos[a] * D;
    for (let d = 0; d < D; d++) x[a * D + d] = w.tok[te + d] + w.pos[pe + d];
  }
  const h = sc.h.subarray(0, A * D);
  const qkv = sc.qkv.subarray(0, A * D3);
  const att = sc.att.subarray(0, A * D);
  const u = sc.u.subarray(0, A * M);
  const g = sc.g.subarray(0, A * M);
  const s = sc.s;
  for (let l = 0; l < c.nLayers; l++) {
    const L = w.layers[l];
    const K = kv.k[l];
    const Vc = kv.v[l];
    layerNorm(x, L.ln1g, L.ln1b, h, A, D, null, null);
    matmul(h, L.wqkv, qkv, A, D, D3);
    for (let a = 0; a < A; a++) {
      const base = rows[a] * kv.cacheLen;
      const t = pos[a];
      const dst = (base + t) * D;
      const src = a * D3;
      for (let d = 0; d < D; d++) {
        K[dst + d] = qkv[src + D + d];
        Vc[dst + d] = qkv[src + 2 * D + d];
      }
    }
    attendDecode(qkv, D3, K, Vc, kv.cacheLen, rows, pos, A, H, dh, scale, att, s);
    matmul(att, L.wo, x, A, D, D, true);
    layerNorm(x, L.ln2g, L.ln2b, h, A, D, null, null);
    matmulBiasGelu(h, L.w1, L.b1, u, g, A, D, M);
    matmul(g, L.w2, x, A, M, D, true);
    addBias(x, L.b2, A, D);
  }
  layerNorm(x, w.lnfg, w.lnfb, h, A, D, null, null);
  const logits = sc.logits.subarray(0, A * V);
  matmul(h, w.outDV, logits, A, D, V);
  return logits;
}

/** Logits [A, V] of the last position of each active row, re-running the whole prefix (no cache). */
function fullStep(w: PackedWeights, seqs: number[][], active: Int32Array, A: number): Float32Array {
  let N = 0;
  for (let a = 0; a < A; a++) N += seqs[active[a]].length;
  const tokens = new Int32Array(N);
  const off = new Int32Array(A + 1);
  const scored = new Int32Array(A);
  for (let a = 0, o = 0; a < A; a++) {
    const sq = seqs[active[a]];
    for (let t = 0; t < sq.length; t++) tokens[o + t] = sq[t];
    o += sq.length;
    off[a + 1] = o;
    scored[a] = o - 1;
  }
  return forward(w, { tokens, off, scored }, false).logits;
}

/** Sample (or greedily decode) `maxNewTokens` tokens for every prompt, all rows in one batch. */
export function sampleBatch(w: PackedWeights, prompts: readonly (readonly number[])[], opts: EngineSampleOptions): SampleResult {
  const c = w.c;
  const V = c.vocabSize;
  const D = c.dModel;
  const B = prompts.length;
  const R = opts.maxNewTokens;
  const padId = opts.padId ?? 0;
  const useKv = opts.kvCache ?? true;
  const invTemp = 1 / opts.temperature;
  const res: SampleResult = { sequences: [], responses: [], oldLogProbs: [], responseMask: [], entropies: [] };
  if (B === 0) return res;
  const seqs = prompts.map((p) => [...p]);
  for (let r = 0; r < B; r++) {
    res.responses.push([]);
    res.oldLogProbs.push(emptyDoubles());
    res.responseMask.push([]);
    res.entropies.push(emptyDoubles());
  }
  let maxP = 0;
  for (const p of prompts) maxP = Math.max(maxP, p.length);
  const cacheLen = maxP + R;
  let kv: KvOut | null = null;
  let active = new Int32Array(B);
  for (let r = 0; r < B; r++) active[r] = r;
  let A = B;
  let logits: Float32Array;
  if (useKv) {
    // Prefix sharing: a prompt repeated for its n rollouts is prefilled ONCE; its cache rows and last
    // logits are copied to every row that shares it (the same computation, so the same numbers).
    const uniq = new Map<string, number>();
    const uOf = new Int32Array(B);
    const uPrompts: (readonly number[])[] = [];
    for (let r = 0; r < B; r++) {
      const key = prompts[r].join(',');
      let u = uniq.get(key);
      if (u === undefined) {
        u = uPrompts.length;
        uniq.set(key, u);
        uPrompts.push(prompts[r]);
      }
      uOf[r] = u;
    }
    const U = uPrompts.length;
    const shared = U < B;
    // The caches live in the attention kernels' memory where those run (read in place while decoding).
    const L2 = 2 * c.nLayers;
    // scratch: the prefill's attendBlock (4·T·D + T + 8 floats) or a decoding step's attendDecode (2·B·D + T + 4)
    const arena = kvArrays(D / c.nHeads, Math.max(4 * cacheLen * D, 2 * B * D) + cacheLen + 8, shared ? 2 * L2 : L2, B * cacheLen * D);
    const buf = (i: number, rows: number) => (arena ? arena[i].subarray(0, rows * cacheLen * D) : new Float32Array(rows * cacheLen * D));
    kv = { k: [], v: [], cacheLen };
    for (let l = 0; l < c.nLayers; l++) {
      kv.k.push(buf(2 * l, B));
      kv.v.push(buf(2 * l + 1, B));
    }
    const kvU: KvOut = shared ? { k: [], v: [], cacheLen } : kv;
    if (shared)
      for (let l = 0; l < c.nLayers; l++) {
        kvU.k.push(buf(L2 + 2 * l, U));
        kvU.v.push(buf(L2 + 2 * l + 1, U));
      }
    let N = 0;
    for (const p of uPrompts) N += p.length;
    const tokens = new Int32Array(N);
    const off = new Int32Array(U + 1);
    const scored = new Int32Array(U);
    for (let r = 0, o = 0; r < U; r++) {
      const p = uPrompts[r];
      for (let t = 0; t < p.length; t++) tokens[o + t] = p[t];
      o += p.length;
      off[r + 1] = o;
      scored[r] = o - 1;
    }
    const lu = forward(w, { tokens, off, scored }, false, kvU).logits;
    if (shared) {
      logits = new Float32Array(B * V);
      for (let r = 0; r < B; r++) {
        const u = uOf[r];
        const n = prompts[r].length * D;
        for (let l = 0; l < c.nLayers; l++) {
          kv.k[l].set(kvU.k[l].subarray(u * cacheLen * D, u * cacheLen * D + n), r * cacheLen * D);
          kv.v[l].set(kvU.v[l].subarray(u * cacheLen * D, u * cacheLen * D + n), r * cacheLen * D);
        }
        logits.set(lu.subarray(u * V, u * V + V), r * V);
      }
    } else logits = lu;
  } else {
    logits = fullStep(w, seqs, active, A);
  }
  const e = new Float64Array(V);
  const ws = wasmKernelsActive() ? wasmExpsum() : null;
  ws?.reserve(V + 4);
  const sc = scratch(w, B, cacheLen);
  const done = new Uint8Array(B);
  for (let step = 0; step < R; step++) {
    for (let a = 0; a < A; a++) {
      const r = active[a];
      const o = a * V;
      let lse: number;
      let ent: number;
      let inv: number;
      if (ws) {
        // z = logits/τ in float32; e_v = exp(z_v − max) and Σe in the WebAssembly kernel (wasm.ts expsum)
        const f = ws.f32;
        let mx = -Infinity;
        for (let v = 0; v < V; v++) {
          const z = logits[o + v] * invTemp;
          f[v] = z;
          if (z > mx) mx = z;
        }
        const mxf = Math.fround(mx);
        const sum = ws.expsum(0, V, mxf);
        lse = mxf + Math.log(sum);
        inv = 1 / sum;
        let pz = 0;
        for (let v = 0; v < V; v++) {
          const ev = f[v];
          e[v] = ev;
          pz += ev * Math.fround(logits[o + v] * invTemp);
        }
        ent = lse - pz * inv;
      } else {
        // log-softmax of z = logits/τ as logSoftmaxRow computes it (same max, same sum, same order), with
        // the exponentials kept: p_v = e_v / Σe, entropy = lse − Σ p_v z_v, one exp per vocabulary entry.
        let mx = -Infinity;
        for (let v = 0; v < V; v++) {
          const z = logits[o + v] * invTemp;
          if (z > mx) mx = z;
        }
        let sum = 0;
        for (let v = 0; v < V; v++) {
          const ev = Math.exp(logits[o + v] * invTemp - mx);
          e[v] = ev;
          sum += ev;
        }
        lse = mx + Math.log(sum);
        inv = 1 / sum;
        let pz = 0;
        for (let v = 0; v < V; v++) pz += e[v] * inv * (logits[o + v] * invTemp);
        ent = lse - pz;
      }
      let tok = V - 1;
      if (opts.greedy) {
        let best = -Infinity;
        for (let v = 0; v < V; v++)
          if (logits[a * V + v] > best) {
            best = logits[a * V + v];
            tok = v;
          }
      } else {
        const u = opts.rng.next();
        let acc = 0;
        for (let v = 0; v < V; v++) {
          acc += e[v] * inv;
          if (u < acc) {
            tok = v;
            break;
          }
        }
      }
      seqs[r].push(tok);
      res.responses[r].push(tok);
      res.oldLogProbs[r].push(Math.fround((ws ? Math.fround(logits[o + tok] * invTemp) : logits[o + tok] * invTemp) - lse));
      res.responseMask[r].push(1);
      res.entropies[r].push(ent);
      if (opts.eosId !== undefined && tok === opts.eosId) done[r] = 1;
    }
    if (step === R - 1) break;
    const next = new Int32Array(A);
    let A2 = 0;
    for (let a = 0; a < A; a++) if (!done[active[a]]) next[A2++] = active[a];
    active = next;
    A = A2;
    if (A === 0) break;
    if (kv) {
      const toks = new Int32Array(A);
      const pos = new Int32Array(A);
      for (let a = 0; a < A; a++) {
        const sq = seqs[active[a]];
        toks[a] = sq[sq.length - 1];
        pos[a] = sq.length - 1;
      }
      logits = decodeStep(w, kv, active, toks, pos, A, sc);
    } else {
      logits = fullStep(w, seqs, active, A);
    }
  }
  for (let r = 0; r < B; r++) {
    while (res.responses[r].length < R) {
      seqs[r].push(padId);
      res.responses[r].push(padId);
      res.oldLogProbs[r].push(0);
      res.responseMask[r].push(0);
      res.entropies[r].push(0);
    }
    res.sequences.push(seqs[r]);
  }
  return res;
}
