/**
 * Fused engine kernels (lib/train/engine/kernels.ts) against their unfused scalar JS composition:
 * matmulBiasGelu (u = A·W + b, g = GELU(u); bias as the WebAssembly gemm's starting value) vs matmul +
 * addBias + gelu with the JS kernels, on random inputs with odd row counts and a width the fused path does
 * not take (N not a multiple of 8); the sampler's exp-and-sum kernel (wasm.ts expsum) against Math.exp;
 * the WebAssembly LayerNorm (wasm.ts ln) against the float64 JS one.
 */
import { describe, expect, it } from 'vitest';
import { layerNorm, layerNormJs, matmulBiasGelu, setWasmKernels, wasmKernelsActive } from '../../lib/train/engine/kernels.js';
import { wasmExpsum } from '../../lib/train/engine/wasm.js';
import { randArray } from './random_weights.js';

const rand = (n: number, seed: number) => randArray(n, seed, 2);

function maxRel(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

describe('matmulBiasGelu', () => {
  for (const [M, K, N] of [
    [1, 32, 128],
    [5, 32, 128],
    [37, 16, 64],
    [130, 32, 128],
    [7, 8, 12],
  ])
    it(`matches matmul + addBias + gelu in JS: ${M}×${K}·${K}×${N}`, () => {
      const A = rand(M * K, 3 + M);
      const W = rand(K * N, 5 + N);
      const b = rand(N, 7 + K);
      const u1 = new Float32Array(M * N);
      const g1 = new Float32Array(M * N);
      const u2 = new Float32Array(M * N);
      const g2 = new Float32Array(M * N);
      matmulBiasGelu(A, W, b, u1, g1, M, K, N);
      setWasmKernels(false);
      try {
        matmulBiasGelu(A, W, b, u2, g2, M, K, N);
      } finally {
        setWasmKernels(true);
      }
      // a direct check of one element: u[i, j] = Σ_p A[i, p] W[p, j] + b[j]
      const i = M - 1;
      const j = N - 1;
      let ref = b[j];
      for (let p = 0; p < K; p++) ref += A[i * K + p] * W[p * N + j];
      expect(Math.abs(u1[i * N + j] - ref)).toBeLessThan(1e-5);
      expect(maxRel(u1, u2)).toBeLessThan(1e-5);
      expect(maxRel(g1, g2)).toBeLessThan(1e-5);
      // every row got its bias (no row left at zero)
      for (let r = 0; r < M; r++) expect(u1[r * N]).not.toBe(0);
    });
});

describe('wasm expsum (the sampler softmax)', () => {
  it('e_v = exp(z_v − max) and their sum, to float32 precision, for odd lengths', () => {
    const w = wasmExpsum();
    if (!wasmKernelsActive()) {
      expect(w === null || w !== null).toBe(true);
      return;
    }
    expect(w).not.toBeNull();
    const ws = w as NonNullable<typeof w>;
    for (const [n, spread] of [
      [1, 1],
      [55, 4],
      [13, 40],
      [1001, 10],
    ]) {
      const z = rand(n, 11 + n);
      for (let i = 0; i < n; i++) z[i] *= spread;
      let mx = -Infinity;
      for (let i = 0; i < n; i++) mx = Math.max(mx, z[i]);
      const f = ws.reserve(n + 8);
      f.set(z, 0);
      f[n] = 123; // overwritten by the padding only up to the next multiple of 4
      const sum = ws.expsum(0, n, mx);
      const got = ws.f32;
      let ref = 0;
      for (let i = 0; i < n; i++) {
        const ex = Math.exp(z[i] - mx);
        ref += ex;
        // float32: z − max rounds by up to |z − max|·2⁻²⁴, the polynomial adds ~2 ulp
        expect(Math.abs(got[i] - ex), `n ${n} i ${i}`).toBeLessThan(ex * (3e-7 + Math.abs(z[i] - mx) * 1.2e-7) + 1e-38);
      }
      expect(Math.abs(sum - ref) / ref).toBeLessThan(1e-6);
      if (n % 4 !== 0) expect(got[n]).toBe(0);
    }
  });
});

describe('layerNorm (WebAssembly) vs layerNormJs', () => {
  for (const [rows, D] of [
    [1, 32],
    [37, 32],
    [5, 16],
    [3, 8],
    [4, 128],
    [7, 6],
  ])
    it(`${rows} rows of width ${D}, with and without the saved x̂ and 1/σ`, () => {
      const x = rand(rows * D, 13 + rows + D);
      for (let i = 0; i < x.length; i++) x[i] = x[i] * 3 + (i % D) * 0.1; // a non-zero mean per row
      const g = rand(D, 17 + D);
      const b = rand(D, 19 + D);
      const y1 = new Float32Array(rows * D);
      const h1 = new Float32Array(rows * D);
      const r1 = new Float32Array(rows);
      const y2 = new Float32Array(rows * D);
      const h2 = new Float32Array(rows * D);
      const r2 = new Float32Array(rows);
      const y3 = new Float32Array(rows * D);
      layerNorm(x, g, b, y1, rows, D, h1, r1);
      layerNorm(x, g, b, y3, rows, D, null, null);
      layerNormJs(x, g, b, y2, rows, D, h2, r2);
      expect(maxRel(y1, y2)).toBeLessThan(1e-5);
      expect(maxRel(h1, h2)).toBeLessThan(1e-5);
      expect(maxRel(r1, r2)).toBeLessThan(1e-5);
      expect(Array.from(y3)).toEqual(Array.from(y1));
      // normalised rows: mean 0, variance ~1 (ε aside)
      let m = 0;
      for (let d = 0; d < D; d++) m += h1[d];
      expect(Math.abs(m / D)).toBeLessThan(1e-5);
      expect(r1[0]).toBeGreaterThan(0);
    });
});
