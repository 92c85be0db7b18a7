/**
 * Causal attention of one row, all heads: the engine's one attention entry point (packed forward with
 * the keys in qkv at stride 3D, KV-cache decoding with the keys in the cache at stride D).
 *
 * Queries i = 0 … nq−1 sit at positions p0 + i and attend keys 0 … p0 + i: head h of query i is read at
 * Q[qo + i·qs + h·dh], key/value j at K[ko + j·kvs + h·dh] / V[vo + j·kvs + h·dh], the output written at
 * out[oo + i·os + h·dh]; with `probs` (forward, p0 = 0) the probabilities are saved at
 * probs[po + (h·nq + i)·nq + j].
 *
 * Where the WebAssembly SIMD kernels run (wasmKernelsActive, dh a multiple of 4 up to 64; wasm.ts
 * wasmAttn), the row's queries (times 1/√dh) are copied into the kernel's memory, and its keys and values
 * too unless they already live there (the decoder's cache, kvArrays); each (head, query) is one `attend`
 * call: scores, max, exp, sum and the weighted sum of values, all in float32 with 4 lanes. Otherwise the
 * scalar JS `attendRow` (float64 sums) runs. Either way every caller uses the same arithmetic, and a
 * query's result depends only on its own prefix, so KV-cache and
 * full-prefix decoding still agree bit for bit.
 */
import { attendRow, wasmKernelsActive } from './kernels.js';
import { wasmAttn } from './wasm.js';

export function attendBlock(
  Q: Float32Array, qo: number, qs: number,
  K: Float32Array, ko: number, V: Float32Array, vo: number, kvs: number,
  nq: number, p0: number, H: number, dh: number, scale: number,
  out: Float32Array, oo: number, os: number,
  probs: Float32Array | null, po: number, s: Float64Array,
): void {
  const w = wasmKernelsActive() ? wasmAttn(dh) : null;
  if (w === null) {
    for (let h = 0; h < H; h++)
      for (let i = 0; i < nq; i++) attendRow(Q, qo + i * qs + h * dh, K, ko + h * dh, V, vo + h * dh, kvs, p0 + i, dh, scale, s, out, oo + i * os + h * dh, probs, probs ? po + (h * nq + i) * nq : 0);
    return;
  }
  const D = H * dh;
  const nk = p0 + nq;
  // Keys and values already in the kernels' memory (the decoder's cache, kvArrays) are read in place.
  const inPlace = kvs === D && K.buffer === w.f32.buffer && V.buffer === w.f32.buffer;
  // layout (floats): q [nq, D] | s [nk] | o [nq, D] | k [nk, D] | v [nk, D]  (k, v only when copied)
  const qA = 0;
  const sA = qA + nq * D;
  const oA = sA + ((nk + 3) & ~3);
  const kA = oA + nq * D;
  const vA = kA + nk * D;
  const f = w.reserve(inPlace ? kA : vA + nk * D);
  for (let i = 0; i < nq; i++) {
    const src = qo + i * qs;
    const dst = qA + i * D;
    for (let d = 0; d < D; d++) f[dst + d] = Q[src + d] * scale;
  }
  let kB = 4 * kA;
  let vB = 4 * vA;
  if (inPlace) {
    kB = K.byteOffset + 4 * ko;
    vB = V.byteOffset + 4 * vo;
  } else if (kvs === D) {
    f.set(K.subarray(ko, ko + nk * D), kA);
    f.set(V.subarray(vo, vo + nk * D), vA);
  } else
    for (let j = 0; j < nk; j++) {
      const ks = ko + j * kvs;
      const vs = vo + j * kvs;
      const dst = j * D;
      for (let d = 0; d < D; d++) {
        f[kA + dst + d] = K[ks + d];
        f[vA + dst + d] = V[vs + d];
      }
    }
  const rowB = 4 * D;
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < nq; i++) {
      const n = p0 + i + 1;
      w.attend(4 * (qA + i * D + h * dh), kB + 4 * h * dh, vB + 4 * h * dh, rowB, n, 4 * sA, 4 * (oA + i * D + h * dh));
      if (probs) {
        const pb = po + (h * nq + i) * nq;
        for (let j = 0; j < n; j++) probs[pb + j] = f[sA + j];
      }
    }
  }
  for (let i = 0; i < nq; i++) {
    const src = oA + i * D;
    const dst = oo + i * os;
    for (let d = 0; d < D; d++) out[dst + d] = f[src + d];
  }
}

/**
 * Storage for the decoder's KV cache: `count` arrays of `size` float32 values each, inside the attention
 * kernels' memory for head size dh, after a scratch region of `scratch` floats that `attendBlock` uses
 * (callers size it for their largest block: 4·T·D + T + 8 floats for T queries and keys, so it never
 * grows the memory while these arrays are in use). `attendBlock` then reads keys and values in place.
 * Contents are NOT zeroed (the decoder writes every position before it reads it). The arrays are valid
 * until the next call. null where the wasm kernels do not run (use ordinary arrays then).
 */
export function kvArrays(dh: number, scratch: number, count: number, size: number): Float32Array[] | null {
  const w = wasmKernelsActive() ? wasmAttn(dh) : null;
  if (w === null) return null;
  const base = (scratch + 3) & ~3;
  const stride = (size + 3) & ~3;
  const f = w.reserve(base + count * stride);
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) out.push(new Float32Array(f.buffer, 4 * (base + i * stride), size));
  return out;
}

/**
 * Backward of `attendBlock` over one packed row (forward layout: qkv [T, 3D] from packed index o, saved
 * probabilities [H, T, T] at probs[po …]): adds dQ, dK, dV of the row into dqkv (rows o … o+T−1, 3D wide),
 * from the output gradient datt [T, D] (rows o …), with the WebAssembly kernel (wasm.ts attendBack:
 * float32, the same order of terms as model.ts's JS loop). Returns false, touching nothing, where the
 * wasm kernels do not run for dh: the caller runs its JS loop then.
 */
export function attendBackwardRow(qkv: Float32Array, dqkv: Float32Array, datt: Float32Array, probs: Float32Array, po: number, o: number, T: number, H: number, dh: number, scale: number): boolean {
  const w = wasmKernelsActive() ? wasmAttn(dh) : null;
  if (w === null) return false;
  const D = H * dh;
  const D3 = 3 * D;
  // layout (floats): qkv [T, 3D] | dqkv [T, 3D] | dO [T, D] | p [H, T, T] | dp [T]
  const xA = 0;
  const dxA = T * D3;
  const doA = dxA + T * D3;
  const pA = doA + T * D;
  const dpA = pA + H * T * T;
  const f = w.reserve(dpA + T);
  f.set(qkv.subarray(o * D3, (o + T) * D3), xA);
  f.set(dqkv.subarray(o * D3, (o + T) * D3), dxA);
  f.set(datt.subarray(o * D, (o + T) * D), doA);
  f.set(probs.subarray(po, po + H * T * T), pA);
  const rowB = 4 * D3;
  for (let h = 0; h < H; h++) {
    const hq = h * dh;
    for (let i = 0; i < T; i++)
      w.attendBack(
        4 * (xA + i * D3 + hq), 4 * (xA + D + hq), 4 * (xA + 2 * D + hq), 4 * (doA + i * D + hq), 4 * (pA + (h * T + i) * T), i + 1, rowB,
        4 * (dxA + i * D3 + hq), 4 * (dxA + D + hq), 4 * (dxA + 2 * D + hq), 4 * dpA, scale,
      );
  }
  dqkv.set(f.subarray(dxA, dxA + T * D3), o * D3);
  return true;
}

/**
 * One decoding step's attention for A rows at once: row a's query (head h at qkv[a·D3 + h·dh]) at
 * position pos[a] over its cache rows 0 … pos[a] (K, V [rows, cacheLen, D], row rows[a]) → out [A, D].
 * The same arithmetic as `attendBlock` per row (the same `attend` call per head), with one copy of all
 * queries in and all outputs out; where the cache is not in the kernels' memory (or no wasm), it is
 * `attendBlock` per row. Throws if the cache views were detached (the memory grew under them: a sizing bug).
 */
export function attendDecode(qkv: Float32Array, D3: number, K: Float32Array, V: Float32Array, cacheLen: number, rows: Int32Array, pos: Int32Array, A: number, H: number, dh: number, scale: number, out: Float32Array, s: Float64Array): void {
  const D = H * dh;
  const w = wasmKernelsActive() ? wasmAttn(dh) : null;
  if (w === null || K.buffer !== w.f32.buffer || V.buffer !== w.f32.buffer) {
    for (let a = 0; a < A; a++) attendBlock(qkv, a * D3, D3, K, rows[a] * cacheLen * D, V, rows[a] * cacheLen * D, D, 1, pos[a], H, dh, scale, out, a * D, D, null, 0, s);
    return;
  }
  const qA = 0;
  const oA = A * D;
  const sA = 2 * A * D;
  const f = w.reserve(sA + cacheLen + 4);
  if (K.length === 0 || f.buffer !== K.buffer) throw new Error('attendDecode: the KV cache was detached (kernel memory grew while it was in use)');
  for (let a = 0; a < A; a++) {
    const src = a * D3;
    const dst = qA + a * D;
    for (let d = 0; d < D; d++) f[dst + d] = qkv[src + d] * scale;
  }
  const kB = K.byteOffset;
  const vB = V.byteOffset;
  const rowB = 4 * D;
  for (let a = 0; a < A; a++) {
    const base = 4 * rows[a] * cacheLen * D;
    const n = pos[a] + 1;
    for (let h = 0; h < H; h++) w.attend(4 * (qA + a * D + h * dh), kB + base + 4 * h * dh, vB + base + 4 * h * dh, rowB, n, 4 * sA, 4 * (oA + a * D + h * dh));
  }
  out.set(f.subarray(oA, oA + A * D), 0);
}
