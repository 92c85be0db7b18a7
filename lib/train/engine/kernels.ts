/**
 * Fused CPU kernels over `Float32Array` for the fast policy engine (issue 11 §1, docs/engine.md).
 *
 * Every kernel is a plain loop over row-major typed arrays: no tensor objects, no per-op allocation,
 * no dispatch. The JS kernels accumulate in float64 (JS numbers), the WebAssembly SIMD ones (wasm.ts:
 * gemm, GELU, LayerNorm forward, attention in attn.ts) in float32; either way in a fixed order
 * (k = 0, 1, … for a matmul, j = 0 … t for attention), so a row's result never depends on which other
 * rows are in the batch: the KV-cache decoder and the full forward give bit-identical logits.
 *
 *   gemm      C[M,N] (+)= A·B with strides, a 4×4 register tile (16 accumulators, 8 loads per 16 FMAs)
 *   layerNorm y = (x − μ)/√(σ² + ε)·g + b (biased σ², ε = 1e-5 as tf.moments + the reference), saves x̂, 1/σ
 *   layerNormBackward   dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  dx̂ = dy·g;  dg += Σ dy·x̂, db += Σ dy
 *   gelu      tanh approximation 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³))) and its derivative
 */

import { wasmGemm, wasmLn } from './wasm.js';

export const LN_EPS = 1e-5;
const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * C[i, j] (+)= Σ_p A[i·sAi + p·sAp] · B[p·ldb + j]   for i < M, j < N, p < P; C row-major with row
 * stride N. With sAi = P, sAp = 1 this is C = A·B (A [M,P]); with sAi = 1, sAp = M it is C = Aᵀ·B for A
 * stored [P, M] (the weight gradient Xᵀ·dY). `acc`: add into C instead of overwriting it.
 *
 * Runs the WebAssembly SIMD kernel (wasm.ts; operands copied into its memory, M padded to 4 and N to 8)
 * when the runtime has WebAssembly SIMD, else the scalar JS kernel `gemmJs`. The choice is made once per
 * process, so every caller (full forward, KV-cache decoding, backward) uses the same arithmetic.
 */
export function gemm(A: Float32Array, sAi: number, sAp: number, B: Float32Array, ldb: number, C: Float32Array, M: number, P: number, N: number, acc: boolean): void {
  const w = useWasm ? wasmGemm() : null;
  if (w === null || M === 0 || N === 0) {
    gemmJs(A, sAi, sAp, B, ldb, C, M, P, N, acc);
    return;
  }
  const Mp = (M + 3) & ~3;
  const Np = (N + 7) & ~7;
  const rowMajor = sAp === 1 && sAi === P;
  if (!rowMajor && !(sAi === 1 && sAp === M)) {
    gemmJs(A, sAi, sAp, B, ldb, C, M, P, N, acc);
    return;
  }
  const aOff = 0;
  const bOff = Mp * P;
  const cOff = bOff + P * Np;
  const f = w.reserve(cOff + Mp * Np);
  if (rowMajor) {
    // A [M, P] copied as is, rows M … Mp−1 zero.
    f.set(M * P === A.length ? A : A.subarray(0, M * P), aOff);
    f.fill(0, aOff + M * P, aOff + Mp * P);
  } else if (M === Mp) {
    f.set(M * P === A.length ? A : A.subarray(0, M * P), aOff);
  } else {
    // A stored [P, M]: rows padded to Mp.
    for (let p = 0; p < P; p++) {
      f.set(A.subarray(p * M, p * M + M), aOff + p * Mp);
      f.fill(0, aOff + p * Mp + M, aOff + p * Mp + Mp);
    }
  }
  if (ldb === N && N === Np) f.set(P * N === B.length ? B : B.subarray(0, P * N), bOff);
  else
    for (let p = 0; p < P; p++) {
      f.set(B.subarray(p * ldb, p * ldb + N), bOff + p * Np);
      f.fill(0, bOff + p * Np + N, bOff + p * Np + Np);
    }
  const cont = N === Np;
  if (acc) {
    if (cont) f.set(M * N === C.length ? C : C.subarray(0, M * N), cOff);
    else for (let i = 0; i < M; i++) f.set(C.subarray(i * N, i * N + N), cOff + i * Np);
  }
  if (rowMajor) w.gemm(aOff * 4, bOff * 4, cOff * 4, Mp, P, Np, acc ? 1 : 0, 16 * P, 4, 4 * P);
  else w.gemm(aOff * 4, bOff * 4, cOff * 4, Mp, P, Np, acc ? 1 : 0, 16, 4 * Mp, 4);
  const g = w.f32;
  if (cont) C.set(g.subarray(cOff, cOff + M * N), 0);
  else for (let i = 0; i < M; i++) C.set(g.subarray(cOff + i * Np, cOff + i * Np + N), i * N);
}

let useWasm = true;

/** Force the scalar JS kernel (false) or allow WebAssembly SIMD (true, the default); for tests and the bench. */
export function setWasmKernels(on: boolean): void {
  useWasm = on;
}

/** Whether `gemm` runs the WebAssembly SIMD kernel. */
export function wasmKernelsActive(): boolean {
  return useWasm && wasmGemm() !== null;
}

/** The scalar JS gemm (float64 accumulation, 4×4 register tile). */
export function gemmJs(A: Float32Array, sAi: number, sAp: number, B: Float32Array, ldb: number, C: Float32Array, M: number, P: number, N: number, acc: boolean): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = i * sAi;
    const a1 = a0 + sAi;
    const a2 = a1 + sAi;
    const a3 = a2 + sAi;
    const c0 = i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0, ap = 0, b = j; p < P; p++, ap += sAp, b += ldb) {
        const x0 = A[a0 + ap];
        const x1 = A[a1 + ap];
        const x2 = A[a2 + ap];
        const x3 = A[a3 + ap];
        const y0 = B[b];
        const y1 = B[b + 1];
        const y2 = B[b + 2];
        const y3 = B[b + 3];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      if (acc) {
        C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
        C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
        C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
        C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
      } else {
        C[c0 + j] = s00; C[c0 + j + 1] = s01; C[c0 + j + 2] = s02; C[c0 + j + 3] = s03;
        C[c1 + j] = s10; C[c1 + j + 1] = s11; C[c1 + j + 2] = s12; C[c1 + j + 3] = s13;
        C[c2 + j] = s20; C[c2 + j + 1] = s21; C[c2 + j + 2] = s22; C[c2 + j + 3] = s23;
        C[c3 + j] = s30; C[c3 + j + 1] = s31; C[c3 + j + 2] = s32; C[c3 + j + 3] = s33;
      }
    }
    for (; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0, ap = 0, b = j; p < P; p++, ap += sAp, b += ldb) {
        const y = B[b];
        s0 += A[a0 + ap] * y;
        s1 += A[a1 + ap] * y;
        s2 += A[a2 + ap] * y;
        s3 += A[a3 + ap] * y;
      }
      if (acc) {
        C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3;
      } else {
        C[c0 + j] = s0; C[c1 + j] = s1; C[c2 + j] = s2; C[c3 + j] = s3;
      }
    }
  }
  for (; i < M; i++) {
    const a0 = i * sAi;
    const c0 = i * N;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0, ap = a0, b = j; p < P; p++, ap += sAp, b += ldb) {
        const x = A[ap];
        s0 += x * B[b];
        s1 += x * B[b + 1];
        s2 += x * B[b + 2];
        s3 += x * B[b + 3];
      }
      if (acc) {
        C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
      } else {
        C[c0 + j] = s0; C[c0 + j + 1] = s1; C[c0 + j + 2] = s2; C[c0 + j + 3] = s3;
      }
    }
    for (; j < N; j++) {
      let s = 0;
      for (let p = 0, ap = a0, b = j; p < P; p++, ap += sAp, b += ldb) s += A[ap] * B[b];
      if (acc) C[c0 + j] += s;
      else C[c0 + j] = s;
    }
  }
}

/** C[M,N] (+)= A[M,K]·B[K,N]. */
export function matmul(A: Float32Array, B: Float32Array, C: Float32Array, M: number, K: number, N: number, acc = false): void {
  gemm(A, K, 1, B, N, C, M, K, N, acc);
}

/** C[K,N] += A[M,K]ᵀ·B[M,N] (weight gradients). */
export function matmulAtB(A: Float32Array, B: Float32Array, C: Float32Array, M: number, K: number, N: number): void {
  gemm(A, 1, K, B, N, C, K, M, N, true);
}

/** Row-major transpose: out[N,M] = in[M,N]ᵀ. */
export function transpose(a: Float32Array, M: number, N: number, out = new Float32Array(M * N)): Float32Array {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j * M + i] = a[i * N + j];
  return out;
}

/** y[n,:] += bias (broadcast over rows). */
export function addBias(y: Float32Array, bias: Float32Array, rows: number, n: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) for (let j = 0; j < n; j++) y[o + j] += bias[j];
}

/** bias gradient: g[j] += Σ_r dy[r, j]. */
export function sumRows(dy: Float32Array, g: Float32Array, rows: number, n: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) for (let j = 0; j < n; j++) g[j] += dy[o + j];
}

/**
 * LayerNorm over rows of x [rows, D] into y. When `xhat`/`rstd` are given, saves x̂ and 1/σ for the
 * backward pass.
 */
export function layerNorm(x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, rows: number, D: number, xhat: Float32Array | null, rstd: Float32Array | null): void {
  const w = useWasm && rows > 0 ? wasmLn(D, LN_EPS) : null;
  if (w === null) return layerNormJs(x, g, b, y, rows, D, xhat, rstd);
  // layout (floats): g [D] | b [D] | x [rows, D] | y [rows, D] | xhat [rows, D] | rstd [rows]
  const n = rows * D;
  const xA = 2 * D;
  const yA = xA + n;
  const hA = yA + n;
  const rA = hA + n;
  const f = w.reserve(rA + rows);
  f.set(g.length === D ? g : g.subarray(0, D), 0);
  f.set(b.length === D ? b : b.subarray(0, D), D);
  f.set(x.length === n ? x : x.subarray(0, n), xA);
  const save = xhat !== null && rstd !== null;
  w.ln(4 * xA, 0, 4 * D, 4 * yA, save ? 4 * hA : 0, 4 * rA, rows);
  y.set(f.subarray(yA, yA + n), 0);
  if (save) {
    xhat.set(f.subarray(hA, hA + n), 0);
    rstd.set(f.subarray(rA, rA + rows), 0);
  }
}

/** The scalar JS LayerNorm (float64 sums). */
export function layerNormJs(x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, rows: number, D: number, xhat: Float32Array | null, rstd: Float32Array | null): void {
  for (let r = 0, o = 0; r < rows; r++, o += D) {
    let mean = 0;
    for (let d = 0; d < D; d++) mean += x[o + d];
    mean /= D;
    let v = 0;
    for (let d = 0; d < D; d++) {
      const c = x[o + d] - mean;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / D + LN_EPS);
    if (rstd) rstd[r] = rs;
    for (let d = 0; d < D; d++) {
      const h = (x[o + d] - mean) * rs;
      if (xhat) xhat[o + d] = h;
      y[o + d] = h * g[d] + b[d];
    }
  }
}

/** LayerNorm backward: dx (+)= …, dg += Σ dy·x̂, db += Σ dy. */
export function layerNormBackward(dy: Float32Array, xhat: Float32Array, rstd: Float32Array, g: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array, rows: number, D: number, acc: boolean): void {
  for (let r = 0, o = 0; r < rows; r++, o += D) {
    let m1 = 0;
    let m2 = 0;
    for (let d = 0; d < D; d++) {
      const gy = dy[o + d];
      const h = xhat[o + d];
      dg[d] += gy * h;
      db[d] += gy;
      const dh = gy * g[d];
      m1 += dh;
      m2 += dh * h;
    }
    m1 /= D;
    m2 /= D;
    const rs = rstd[r];
    for (let d = 0; d < D; d++) {
      const v = rs * (dy[o + d] * g[d] - m1 - xhat[o + d] * m2);
      if (acc) dx[o + d] += v;
      else dx[o + d] = v;
    }
  }
}

/**
 * tanh by Eigen's float rational approximation (`generic_fast_tanh_float`: x·P(x²)/Q(x²), degrees 13/6,
 * input clamped to ±7.9053): |error| ≤ 3e-7 against Math.tanh over [−12, 12] (float32 rounding is
 * ~1.2e-7), 4× cheaper than Math.tanh in V8; GELU's tanh was 14% of the engine's time.
 */
export function fastTanh(x: number): number {
  if (x > 7.90531110763549805) x = 7.90531110763549805;
  else if (x < -7.90531110763549805) x = -7.90531110763549805;
  const x2 = x * x;
  const p = x * (4.89352455891786e-3 + x2 * (6.37261928875436e-4 + x2 * (1.48572235717979e-5 + x2 * (5.12229709037114e-8 + x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-3 + x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
}

/** out = GELU(u), elementwise over n values (WebAssembly SIMD when gemm uses it, else `geluJs`). */
export function gelu(u: Float32Array, out: Float32Array, n: number): void {
  const w = useWasm ? wasmGemm() : null;
  if (w === null || n === 0) return geluJs(u, out, n);
  const np = (n + 3) & ~3;
  const f = w.reserve(2 * np);
  f.set(n === u.length ? u : u.subarray(0, n), 0);
  w.gelu(0, np * 4, np);
  out.set(w.f32.subarray(np, np + n), 0);
}

/**
 * The MLP's first layer: u = A[M,K]·W[K,N] + b (b broadcast over rows) and g = GELU(u). With the
 * WebAssembly kernels (and N a multiple of 8) the bias is the gemm's starting value (u = b + Σ_p, summed
 * in that order in float32) and GELU runs on u in the kernel's memory: no separate bias pass, one copy in
 * and out. Otherwise matmul, addBias and gelu.
 */
export function matmulBiasGelu(A: Float32Array, W: Float32Array, b: Float32Array, u: Float32Array, g: Float32Array, M: number, K: number, N: number): void {
  const w = useWasm ? wasmGemm() : null;
  if (w === null || M === 0 || N % 8 !== 0) {
    matmul(A, W, u, M, K, N);
    addBias(u, b, M, N);
    gelu(u, g, M * N);
    return;
  }
  const Mp = (M + 3) & ~3;
  const bOff = Mp * K;
  const cOff = bOff + K * N;
  const gOff = cOff + Mp * N;
  const f = w.reserve(gOff + Mp * N);
  f.set(M * K === A.length ? A : A.subarray(0, M * K), 0);
  f.fill(0, M * K, Mp * K);
  f.set(K * N === W.length ? W : W.subarray(0, K * N), bOff);
  // bias in every row of C (rows doubled by copyWithin)
  f.set(N === b.length ? b : b.subarray(0, N), cOff);
  for (let rows = 1; rows < Mp; rows *= 2) f.copyWithin(cOff + rows * N, cOff, cOff + Math.min(rows, Mp - rows) * N);
  w.gemm(0, bOff * 4, cOff * 4, Mp, K, N, 1, 16 * K, 4, 4 * K);
  w.gelu(cOff * 4, gOff * 4, M * N);
  u.set(f.subarray(cOff, cOff + M * N), 0);
  g.set(f.subarray(gOff, gOff + M * N), 0);
}

/** du = dg · GELU'(u), elementwise (WebAssembly SIMD when gemm uses it, else `geluBackwardJs`). */
export function geluBackward(u: Float32Array, dg: Float32Array, du: Float32Array, n: number): void {
  const w = useWasm ? wasmGemm() : null;
  if (w === null || n === 0) return geluBackwardJs(u, dg, du, n);
  const np = (n + 3) & ~3;
  const f = w.reserve(3 * np);
  f.set(n === u.length ? u : u.subarray(0, n), 0);
  f.set(n === dg.length ? dg : dg.subarray(0, n), np);
  w.geluBack(0, np * 4, 2 * np * 4, np);
  du.set(w.f32.subarray(2 * np, 2 * np + n), 0);
}

/** Scalar GELU. */
export function geluJs(u: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = u[i];
    out[i] = 0.5 * x * (1 + fastTanh(GELU_C * (x + 0.044715 * x * x * x)));
  }
}

/** Scalar GELU backward: du = dg · GELU'(u) (in place into dg allowed). */
export function geluBackwardJs(u: Float32Array, dg: Float32Array, du: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = u[i];
    const x2 = x * x;
    const t = fastTanh(GELU_C * (x + 0.044715 * x2 * x));
    du[i] = dg[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x2));
  }
}

/**
 * Log-softmax of one logits row at temperature τ, in float64: out[v] = z_v/τ − log Σ_w exp(z_w/τ).
 * The one function both sampling and `logProbs` use, so their log-probs agree exactly.
 */
export function logSoftmaxRow(logits: Float32Array, off: number, V: number, invTemp: number, out: Float64Array): void {
  let mx = -Infinity;
  for (let v = 0; v < V; v++) {
    const z = logits[off + v] * invTemp;
    out[v] = z;
    if (z > mx) mx = z;
  }
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(out[v] - mx);
  const lse = mx + Math.log(s);
  for (let v = 0; v < V; v++) out[v] -= lse;
}

/** s[j] ← exp(s[j] − mx) for j = 0 … t, in order; returns their sum (float64). The softmax numerator of attendRow and attendRow16. */
function expShiftSum(s: Float64Array, t: number, mx: number): number {
  let sum = 0;
  for (let j = 0; j <= t; j++) {
    const e = Math.exp(s[j] - mx);
    s[j] = e;
    sum += e;
  }
  return sum;
}

/**
 * One query against keys/values 0 … t of its row: out[oo … oo+dh) = softmax(q·kⱼ/√d)·vⱼ, with key j at
 * K[ko + j·stride …] and value j at V[vo + j·stride …]. The ONE attention routine of the engine (packed
 * forward with stride 3D, KV-cache decoding with stride D), so cached and uncached decoding agree bit for
 * bit. Saves the probabilities at probs[po + j] when `probs` is given. `s` is scratch of ≥ t + 1 values.
 */
export function attendRow(q: Float32Array, qo: number, K: Float32Array, ko: number, V: Float32Array, vo: number, stride: number, t: number, dh: number, scale: number, s: Float64Array, out: Float32Array, oo: number, probs: Float32Array | null, po: number): void {
  if (dh === 16) return attendRow16(q, qo, K, ko, V, vo, stride, t, scale, s, out, oo, probs, po);
  let mx = -Infinity;
  const d4 = dh & ~3;
  for (let j = 0, kj = ko; j <= t; j++, kj += stride) {
    let dot = 0;
    let d = 0;
    for (; d < d4; d += 4) dot += q[qo + d] * K[kj + d] + q[qo + d + 1] * K[kj + d + 1] + q[qo + d + 2] * K[kj + d + 2] + q[qo + d + 3] * K[kj + d + 3];
    for (; d < dh; d++) dot += q[qo + d] * K[kj + d];
    const z = dot * scale;
    s[j] = z;
    if (z > mx) mx = z;
  }
  const inv = 1 / expShiftSum(s, t, mx);
  for (let d = 0; d < dh; d++) out[oo + d] = 0;
  for (let j = 0, vj = vo; j <= t; j++, vj += stride) {
    const p = s[j] * inv;
    if (probs) probs[po + j] = p;
    for (let d = 0; d < dh; d++) out[oo + d] += p * V[vj + d];
  }
}

/**
 * `attendRow` for head dimension 16 (the recipes' d_model 32 / 2 heads): q and the output row held in
 * 16 locals, one fused dot product per key (summed q₀k₀ + q₁k₁ + … left to right in float64), the output
 * accumulated in registers and stored once. The same arithmetic for every caller (forward, KV-cache
 * decoding), so cached and uncached decoding still agree bit for bit.
 */
function attendRow16(q: Float32Array, qo: number, K: Float32Array, ko: number, V: Float32Array, vo: number, stride: number, t: number, scale: number, s: Float64Array, out: Float32Array, oo: number, probs: Float32Array | null, po: number): void {
  const q0 = q[qo + 0]; const q1 = q[qo + 1]; const q2 = q[qo + 2]; const q3 = q[qo + 3]; const q4 = q[qo + 4]; const q5 = q[qo + 5]; const q6 = q[qo + 6]; const q7 = q[qo + 7]; const q8 = q[qo + 8]; const q9 = q[qo + 9]; const q10 = q[qo + 10]; const q11 = q[qo + 11]; const q12 = q[qo + 12]; const q13 = q[qo + 13]; const q14 = q[qo + 14]; const q15 = q[qo + 15];
  let mx = -Infinity;
  for (let j = 0, kj = ko; j <= t; j++, kj += stride) {
    const z = (q0 * K[kj + 0] + q1 * K[kj + 1] + q2 * K[kj + 2] + q3 * K[kj + 3] + q4 * K[kj + 4] + q5 * K[kj + 5] + q6 * K[kj + 6] + q7 * K[kj + 7] + q8 * K[kj + 8] + q9 * K[kj + 9] + q10 * K[kj + 10] + q11 * K[kj + 11] + q12 * K[kj + 12] + q13 * K[kj + 13] + q14 * K[kj + 14] + q15 * K[kj + 15]) * scale;
    s[j] = z;
    if (z > mx) mx = z;
  }
  const inv = 1 / expShiftSum(s, t, mx);
  let o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0, o8 = 0, o9 = 0, o10 = 0, o11 = 0, o12 = 0, o13 = 0, o14 = 0, o15 = 0;
  for (let j = 0, vj = vo; j <= t; j++, vj += stride) {
    const p = s[j] * inv;
    if (probs) probs[po + j] = p;
    o0 += p * V[vj + 0];
    o1 += p * V[vj + 1];
    o2 += p * V[vj + 2];
    o3 += p * V[vj + 3];
    o4 += p * V[vj + 4];
    o5 += p * V[vj + 5];
    o6 += p * V[vj + 6];
    o7 += p * V[vj + 7];
    o8 += p * V[vj + 8];
    o9 += p * V[vj + 9];
    o10 += p * V[vj + 10];
    o11 += p * V[vj + 11];
    o12 += p * V[vj + 12];
    o13 += p * V[vj + 13];
    o14 += p * V[vj + 14];
    o15 += p * V[vj + 15];
  }
  out[oo + 0] = o0;
  out[oo + 1] = o1;
  out[oo + 2] = o2;
  out[oo + 3] = o3;
  out[oo + 4] = o4;
  out[oo + 5] = o5;
  out[oo + 6] = o6;
  out[oo + 7] = o7;
  out[oo + 8] = o8;
  out[oo + 9] = o9;
  out[oo + 10] = o10;
  out[oo + 11] = o11;
  out[oo + 12] = o12;
  out[oo + 13] = o13;
  out[oo + 14] = o14;
  out[oo + 15] = o15;
}
