/**
 * The engine's attention entry point (lib/train/engine/attn.ts): the WebAssembly SIMD kernels (wasm.ts
 * wasmAttn) against the scalar JS attendRow path on random inputs: head sizes 16, 8 and 4, odd lengths,
 * queries after a cached prefix (p0 > 0, the decoder's case), the forward's stride-3D layout with saved
 * probabilities, and a head size the kernels do not take (6: JS path). Also: one query after a prefix
 * equals the same query inside a full block (what KV-cache = full-prefix decoding relies on).
 */
import { describe, expect, it } from 'vitest';
import { attendBackwardRow, attendBlock, attendDecode, kvArrays } from '../../lib/train/engine/attn.js';
import { setWasmKernels, wasmKernelsActive } from '../../lib/train/engine/kernels.js';
import { attnModuleBytes, wasmAttn } from '../../lib/train/engine/wasm.js';
import { randArray } from './random_weights.js';

const rand = (n: number, seed: number) => randArray(n, seed, 4);

interface Case {
  H: number;
  dh: number;
  nq: number;
  p0: number;
  withProbs: boolean;
}

function run(c: Case, wasm: boolean) {
  const D = c.H * c.dh;
  const D3 = 3 * D;
  const nk = c.p0 + c.nq;
  const pad = 5; // operands at an odd offset inside larger arrays
  const qkv = rand(pad + nk * D3, 11 + c.dh + c.nq);
  const out = new Float32Array(pad + c.nq * D);
  const probs = c.withProbs ? new Float32Array(pad + c.H * c.nq * c.nq) : null;
  const s = new Float64Array(nk);
  setWasmKernels(wasm);
  try {
    // queries are the last nq rows; keys/values every row, stride 3D (the forward's layout)
    attendBlock(qkv, pad + c.p0 * D3, D3, qkv, pad + D, qkv, pad + 2 * D, D3, c.nq, c.p0, c.H, c.dh, 1 / Math.sqrt(c.dh), out, pad, D, probs, pad, s);
  } finally {
    setWasmKernels(true);
  }
  return { out, probs };
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

describe('wasm attention kernels', () => {
  it('compile for head sizes that are multiples of 4 and refuse others', () => {
    expect(() => attnModuleBytes(6)).toThrow(/multiple of 4/);
    expect(wasmAttn(6)).toBeNull();
    if (wasmKernelsActive()) {
      expect(wasmAttn(16)).not.toBeNull();
      expect(wasmAttn(8)).not.toBeNull();
    }
  });

  const cases: Case[] = [
    { H: 2, dh: 16, nq: 1, p0: 0, withProbs: false },
    { H: 2, dh: 16, nq: 37, p0: 0, withProbs: true },
    { H: 2, dh: 16, nq: 1, p0: 52, withProbs: false },
    { H: 4, dh: 8, nq: 23, p0: 0, withProbs: true },
    { H: 4, dh: 8, nq: 3, p0: 19, withProbs: false },
    { H: 3, dh: 4, nq: 9, p0: 0, withProbs: true },
    { H: 2, dh: 6, nq: 11, p0: 0, withProbs: true },
  ];
  for (const c of cases)
    it(`match the JS kernel: H ${c.H}, dh ${c.dh}, ${c.nq} queries after ${c.p0} keys${c.withProbs ? ', probabilities saved' : ''}`, () => {
      const a = run(c, true);
      const b = run(c, false);
      expect(maxRel(a.out, b.out)).toBeLessThan(1e-5);
      // the JS path really ran something: outputs are not all zero
      let nz = 0;
      for (let i = 0; i < b.out.length; i++) if (b.out[i] !== 0) nz++;
      expect(nz).toBeGreaterThan(c.nq * c.H * c.dh * 0.9);
      if (c.withProbs) {
        expect(maxRel(a.probs as Float32Array, b.probs as Float32Array)).toBeLessThan(1e-5);
        // each query's probabilities sum to 1
        const p = a.probs as Float32Array;
        for (let h = 0; h < c.H; h++)
          for (let i = 0; i < c.nq; i++) {
            let sum = 0;
            for (let j = 0; j <= i; j++) sum += p[5 + (h * c.nq + i) * c.nq + j];
            expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
          }
      }
    });

  it('a query after a cached prefix equals the same query inside the full block, bit for bit', () => {
    for (const dh of [16, 8]) {
      const H = 2;
      const T = 29;
      const full = run({ H, dh, nq: T, p0: 0, withProbs: false }, true);
      // same qkv (the seed depends on dh and nq): rebuild it for nq = T and take the last query alone
      const D = H * dh;
      const D3 = 3 * D;
      const qkv = rand(5 + T * D3, 11 + dh + T);
      const out = new Float32Array(D);
      attendBlock(qkv, 5 + (T - 1) * D3, D3, qkv, 5 + D, qkv, 5 + 2 * D, D3, 1, T - 1, H, dh, 1 / Math.sqrt(dh), out, 0, D, null, 0, new Float64Array(T));
      expect(Array.from(out)).toEqual(Array.from(full.out.subarray(5 + (T - 1) * D, 5 + T * D)));
    }
  });

  it('keys and values in the kernels\' memory (kvArrays, the decoder\'s cache) are read in place with the same result', () => {
    for (const dh of [16, 8]) {
      const H = 2;
      const D = H * dh;
      const T = 33;
      const src = rand(T * D * 3, 7 + dh);
      const ref = new Float32Array(D);
      const got = new Float32Array(D);
      const js = new Float32Array(D);
      // query = row T−1 of the first third, keys/values in ordinary arrays (copied in) …
      const Kjs = src.slice(T * D, 2 * T * D);
      const Vjs = src.slice(2 * T * D, 3 * T * D);
      const s = new Float64Array(T);
      attendBlock(src, (T - 1) * D, D, Kjs, 0, Vjs, 0, D, 1, T - 1, H, dh, 1 / Math.sqrt(dh), ref, 0, D, null, 0, s);
      setWasmKernels(false);
      try {
        attendBlock(src, (T - 1) * D, D, Kjs, 0, Vjs, 0, D, 1, T - 1, H, dh, 1 / Math.sqrt(dh), js, 0, D, null, 0, s);
      } finally {
        setWasmKernels(true);
      }
      const arena = kvArrays(dh, 4 * T * D + T + 8, 2, T * D);
      if (!wasmKernelsActive()) {
        expect(arena).toBeNull();
        continue;
      }
      const [K, V] = arena as Float32Array[];
      expect(K.buffer).toBe(V.buffer);
      K.set(Kjs);
      V.set(Vjs);
      // … and the same keys/values inside the kernels' memory
      attendBlock(src, (T - 1) * D, D, K, 0, V, 0, D, 1, T - 1, H, dh, 1 / Math.sqrt(dh), got, 0, D, null, 0, s);
      expect(Array.from(got)).toEqual(Array.from(ref));
      expect(maxRel(got, js)).toBeLessThan(1e-5);
      // a wrong key row changes the answer (the kernel really reads the arena)
      K[5] += 3;
      attendBlock(src, (T - 1) * D, D, K, 0, V, 0, D, 1, T - 1, H, dh, 1 / Math.sqrt(dh), got, 0, D, null, 0, s);
      expect(maxRel(got, ref)).toBeGreaterThan(1e-6);
    }
  });

  it('attendBackwardRow matches the backward formulas in float64 (dh 16 and 8, odd lengths, accumulating into dqkv)', () => {
    if (!wasmKernelsActive()) {
      expect(attendBackwardRow(new Float32Array(48), new Float32Array(48), new Float32Array(16), new Float32Array(2), 0, 0, 1, 2, 8, 1)).toBe(false);
      return;
    }
    for (const [H, dh, T, o] of [
      [2, 16, 17, 3],
      [4, 8, 9, 0],
      [2, 16, 1, 2],
    ]) {
      const D = H * dh;
      const D3 = 3 * D;
      const N = o + T + 2;
      const qkv = rand(N * D3, 3 + T);
      const datt = rand(N * D, 5 + T);
      const scale = 1 / Math.sqrt(dh);
      // probabilities from the forward
      const probs = new Float32Array(3 + H * T * T);
      const out = new Float32Array(N * D);
      attendBlock(qkv, o * D3, D3, qkv, o * D3 + D, qkv, o * D3 + 2 * D, D3, T, 0, H, dh, scale, out, o * D, D, probs, 3, new Float64Array(T));
      const init = rand(N * D3, 9 + T);
      const got = init.slice();
      expect(attendBackwardRow(qkv, got, datt, probs, 3, o, T, H, dh, scale)).toBe(true);
      const ref = Float64Array.from(init);
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          const po = 3 + (h * T + i) * T;
          const dp = new Float64Array(i + 1);
          let dot = 0;
          for (let j = 0; j <= i; j++) {
            let a = 0;
            for (let d = 0; d < dh; d++) a += datt[(o + i) * D + h * dh + d] * qkv[(o + j) * D3 + 2 * D + h * dh + d];
            dp[j] = a;
            dot += probs[po + j] * a;
            for (let d = 0; d < dh; d++) ref[(o + j) * D3 + 2 * D + h * dh + d] += probs[po + j] * datt[(o + i) * D + h * dh + d];
          }
          for (let j = 0; j <= i; j++) {
            const ds = probs[po + j] * (dp[j] - dot) * scale;
            for (let d = 0; d < dh; d++) {
              ref[(o + i) * D3 + h * dh + d] += ds * qkv[(o + j) * D3 + D + h * dh + d];
              ref[(o + j) * D3 + D + h * dh + d] += ds * qkv[(o + i) * D3 + h * dh + d];
            }
          }
        }
      let m = 0;
      for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(got[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
      expect(m, `H ${H} dh ${dh} T ${T}`).toBeLessThan(1e-5);
      // rows outside the packed row are untouched
      for (let i = 0; i < o * D3; i++) expect(got[i]).toBe(init[i]);
      for (let i = (o + T) * D3; i < N * D3; i++) expect(got[i]).toBe(init[i]);
    }
  });

  it('attendDecode (all rows of a decoding step) = attendBlock per row, bit for bit, in the arena and in ordinary arrays', () => {
    for (const dh of [16, 8]) {
      const H = 2;
      const D = H * dh;
      const D3 = 3 * D;
      const B = 5;
      const cacheLen = 21;
      const rows = Int32Array.from([4, 0, 2]);
      const pos = Int32Array.from([20, 0, 7]);
      const A = rows.length;
      const qkv = rand(A * D3, 17 + dh);
      const kvData = rand(2 * B * cacheLen * D, 19 + dh);
      const scale = 1 / Math.sqrt(dh);
      const s = new Float64Array(cacheLen);
      for (const inArena of [true, false]) {
        let K: Float32Array = kvData.slice(0, B * cacheLen * D);
        let V: Float32Array = kvData.slice(B * cacheLen * D);
        if (inArena) {
          const arena = kvArrays(dh, Math.max(4 * cacheLen * D, 2 * B * D) + cacheLen + 8, 2, B * cacheLen * D);
          if (arena === null) continue;
          arena[0].set(K);
          arena[1].set(V);
          [K, V] = arena;
        }
        const got = new Float32Array(A * D);
        attendDecode(qkv, D3, K, V, cacheLen, rows, pos, A, H, dh, scale, got, s);
        const ref = new Float32Array(A * D);
        for (let a = 0; a < A; a++) attendBlock(qkv, a * D3, D3, K, rows[a] * cacheLen * D, V, rows[a] * cacheLen * D, D, 1, pos[a], H, dh, scale, ref, a * D, D, null, 0, s);
        expect(Array.from(got)).toEqual(Array.from(ref));
        let nz = 0;
        for (let i = 0; i < got.length; i++) if (got[i] !== 0) nz++;
        expect(nz).toBe(got.length);
      }
    }
  });
});
