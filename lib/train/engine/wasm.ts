/**
 * A WebAssembly SIMD matmul kernel for the fast engine, assembled here byte by byte (no toolchain, no
 * binary blob in the repository): C[Mp, Np] (+)= A·B in float32 with 128-bit vectors (f32x4).
 *
 * Layouts (the wrapper in kernels.ts copies the operands in, padding M to a multiple of 4 and N to a
 * multiple of 8 with zeros, so the kernel has no edge cases):
 *   A  row-major [Mp, P] or transposed [P, Mp] (strides, see gemmModuleBytes)
 *   B  row-major [P, Np];  C row-major [Mp, Np]
 * Register tile 4 × 8: 8 f32x4 accumulators; per p two vector loads of B, four scalar loads of A
 * (splat), 8 multiplies and 8 adds. Each C element is the float32 sum over p = 0, 1, … in order, so a
 * row's result does not depend on the other rows (the KV cache's bit-identity relies on it).
 */

// ── encoding helpers ──
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// ── opcodes ──
const I32 = 0x7f;
const V128 = 0x7b;
const F32 = 0x7d;

/** A function body: its locals (i32, f32, v128 counts, declared in that order; zero counts left out), then its code. */
function funcBody(locals: { i32?: number; f32?: number; v128?: number }, code: number[]): number[] {
  const decl = ([[locals.i32 ?? 0, I32], [locals.f32 ?? 0, F32], [locals.v128 ?? 0, V128]] as const).filter(([n]) => n > 0).map(([n, t]) => [...uleb(n), t]);
  return [...vec(decl), ...code];
}

/**
 * Every kernel module's layout: imports env.mem (at least one page), then one function per entry, each with
 * its own signature (params, results), exported under its name, with its body (`funcBody`).
 */
function memModule(funcs: readonly { name: string; params: readonly number[]; results?: readonly number[]; body: number[] }[]): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec((f.results ?? []).map((t) => [t]))]))),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => [...uleb(f.body.length), ...f.body]))),
  ]);
}

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  geU: [0x4f],
  shrU: [0x76],
  eqz: [0x45],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  vLoad: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  vStore: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  vZero: [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32x4Div: [0xfd, ...uleb(0xe7)],
  f32x4Min: [0xfd, ...uleb(0xe8)],
  f32x4Max: [0xfd, ...uleb(0xe9)],
  /** v128.const with the same float32 in all four lanes. */
  f32x4Const: (v: number) => {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return [0xfd, ...uleb(0x0c), ...b];
  },
};

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;
const TANH_CLAMP = 7.90531110763549805;
const TANH_P = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16];
const TANH_Q = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

/**
 * Body of gelu(u, out, n) (backward = false) or geluBack(u, dg, out, n) (backward = true), 4 lanes at a
 * time (n a multiple of 4): t = tanh(c·(x + k·x³)) by Eigen's rational approximation (as fastTanh in
 * kernels.ts, in float32), gelu = 0.5·x·(1 + t), gelu' = 0.5·(1 + t) + 0.5·x·(1 − t²)·c·(1 + 3k·x²).
 */
function geluBody(backward: boolean): number[] {
  // params: u, [dg,] out, n ; i32 local: i ; v128 locals: x, x2, z, z2, t
  const U = 0;
  const DG = 1;
  const OUT = backward ? 2 : 1;
  const NN = backward ? 3 : 2;
  const I = NN + 1;
  const [X, X2, Z, Z2, T] = [I + 1, I + 2, I + 3, I + 4, I + 5];
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((c) => code.push(...c));
  const k = op.f32x4Const;
  // Horner: acc = c_last; for c in reversed rest: acc = c + z2·acc
  const horner = (cs: number[]) => {
    e(k(cs[cs.length - 1]));
    for (let m = cs.length - 2; m >= 0; m--) e(op.get(Z2), op.f32x4Mul, k(cs[m]), op.f32x4Add);
  };
  e(op.i32(0), op.set(I));
  e(op.block, op.loop);
  e(op.get(I), op.get(NN), op.geU, op.brIf(1));
  e(op.get(U), op.get(I), op.i32(4), op.mul, op.add, op.vLoad(0), op.set(X));
  e(op.get(X), op.get(X), op.f32x4Mul, op.set(X2));
  // z = clamp(c·(x + k·x2·x))
  e(op.get(X2), op.get(X), op.f32x4Mul, k(GELU_K), op.f32x4Mul, op.get(X), op.f32x4Add, k(GELU_C), op.f32x4Mul);
  e(k(TANH_CLAMP), op.f32x4Min, k(-TANH_CLAMP), op.f32x4Max, op.set(Z));
  e(op.get(Z), op.get(Z), op.f32x4Mul, op.set(Z2));
  // t = z·P(z2) / Q(z2)
  horner(TANH_P);
  e(op.get(Z), op.f32x4Mul);
  horner(TANH_Q);
  e(op.f32x4Div, op.set(T));
  // address of out[i]
  e(op.get(OUT), op.get(I), op.i32(4), op.mul, op.add);
  if (!backward) {
    e(op.get(X), k(0.5), op.f32x4Mul, op.get(T), k(1), op.f32x4Add, op.f32x4Mul);
  } else {
    // 0.5·(1 + t)
    e(op.get(T), k(1), op.f32x4Add, k(0.5), op.f32x4Mul);
    // + 0.5·x·(1 − t²)·c·(1 + 3k·x²)
    e(op.get(X), k(0.5 * GELU_C), op.f32x4Mul);
    e(k(1), op.get(T), op.get(T), op.f32x4Mul, op.f32x4Sub, op.f32x4Mul);
    e(op.get(X2), k(3 * GELU_K), op.f32x4Mul, k(1), op.f32x4Add, op.f32x4Mul);
    e(op.f32x4Add);
    // · dg
    e(op.get(DG), op.get(I), op.i32(4), op.mul, op.add, op.vLoad(0), op.f32x4Mul);
  }
  e(op.vStore(0));
  e(op.get(I), op.i32(4), op.add, op.set(I));
  e(op.br(0));
  e(op.end, op.end);
  e(op.end);
  return funcBody({ i32: 1, v128: 5 }, code);
}

/**
 * The module's bytes: imports env.mem, exports gemm(a, b, c, Mp, P, Np, acc, aTile, aStep, aLane): element
 * a(i, p) of A is read at byte a + (i/4)·aTile + (i%4)·aLane + p·aStep, so row-major A [Mp, P] (aTile =
 * 16P, aLane = 4P, aStep = 4) and transposed A stored [P, Mp] (aTile = 16, aLane = 4, aStep = 4Mp) are both
 * read in place, without packing.
 */
export function gemmModuleBytes(): Uint8Array {
  // params 0..9: a b c M P N acc aTile aStep aLane ; i32 locals 10..: i j p ap bp cp nb cr al2 al3 ;
  // v128 locals: 8 accumulators, b0, b1, x
  const [A, B, C, M, P, N, ACC, ATILE, ASTEP, ALANE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, p, ap, bp, cp, nb, cr, al2, al3] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const accL = (k: number) => 20 + k; // 8 accumulators
  const [b0, b1, x] = [28, 29, 30];
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((c) => code.push(...c));
  // nb = N * 4 (row stride of B and C in bytes)
  e(op.get(N), op.i32(4), op.mul, op.set(nb));
  e(op.get(ALANE), op.i32(2), op.mul, op.set(al2));
  e(op.get(ALANE), op.i32(3), op.mul, op.set(al3));
  e(op.i32(0), op.set(i));
  e(op.block, op.loop); // $outI, $li
  e(op.get(i), op.get(M), op.geU, op.brIf(1));
  e(op.i32(0), op.set(j));
  e(op.block, op.loop); // $outJ, $lj
  e(op.get(j), op.get(N), op.geU, op.brIf(1));
  // ap = a + (i/4)*aTile ; bp = b + j*4 ; cp = c + (i*N + j)*4
  e(op.get(A), op.get(i), op.i32(2), op.shrU, op.get(ATILE), op.mul, op.add, op.set(ap));
  e(op.get(B), op.get(j), op.i32(4), op.mul, op.add, op.set(bp));
  e(op.get(C), op.get(i), op.get(N), op.mul, op.get(j), op.add, op.i32(4), op.mul, op.add, op.set(cp));
  // accumulators: load C (acc) or zero
  e(op.get(ACC), op.if);
  e(op.get(cp), op.set(cr));
  for (let r = 0; r < 4; r++) {
    e(op.get(cr), op.vLoad(0), op.set(accL(2 * r)));
    e(op.get(cr), op.vLoad(16), op.set(accL(2 * r + 1)));
    if (r < 3) e(op.get(cr), op.get(nb), op.add, op.set(cr));
  }
  e(op.else);
  for (let k = 0; k < 8; k++) e(op.vZero, op.set(accL(k)));
  e(op.end);
  // p loop (counts down P)
  e(op.get(P), op.set(p));
  e(op.block, op.loop); // $outP, $lp
  e(op.get(p), op.eqz, op.brIf(1));
  e(op.get(bp), op.vLoad(0), op.set(b0));
  e(op.get(bp), op.vLoad(16), op.set(b1));
  for (let r = 0; r < 4; r++) {
    if (r === 0) e(op.get(ap));
    else e(op.get(ap), op.get(r === 1 ? ALANE : r === 2 ? al2 : al3), op.add);
    e(op.f32Load(0), op.f32x4Splat, op.set(x));
    e(op.get(accL(2 * r)), op.get(x), op.get(b0), op.f32x4Mul, op.f32x4Add, op.set(accL(2 * r)));
    e(op.get(accL(2 * r + 1)), op.get(x), op.get(b1), op.f32x4Mul, op.f32x4Add, op.set(accL(2 * r + 1)));
  }
  e(op.get(ap), op.get(ASTEP), op.add, op.set(ap));
  e(op.get(bp), op.get(nb), op.add, op.set(bp));
  e(op.get(p), op.i32(1), op.sub, op.set(p));
  e(op.br(0));
  e(op.end, op.end);
  // store the tile
  e(op.get(cp), op.set(cr));
  for (let r = 0; r < 4; r++) {
    e(op.get(cr), op.get(accL(2 * r)), op.vStore(0));
    e(op.get(cr), op.get(accL(2 * r + 1)), op.vStore(16));
    if (r < 3) e(op.get(cr), op.get(nb), op.add, op.set(cr));
  }
  e(op.get(j), op.i32(8), op.add, op.set(j));
  e(op.br(0));
  e(op.end, op.end);
  e(op.get(i), op.i32(4), op.add, op.set(i));
  e(op.br(0));
  e(op.end, op.end);
  e(op.end); // function end
  return memModule([
    { name: 'gemm', params: new Array(10).fill(I32), body: funcBody({ i32: 10, v128: 11 }, code) },
    { name: 'gelu', params: new Array(3).fill(I32), body: geluBody(false) },
    { name: 'geluBack', params: new Array(4).fill(I32), body: geluBody(true) },
  ]);
}

type GemmFn = (a: number, b: number, c: number, M: number, P: number, N: number, acc: number, aTile: number, aStep: number, aLane: number) => void;

/** The instantiated kernel and its memory; null where WebAssembly SIMD is unavailable. */
export interface WasmGemm {
  memory: WebAssembly.Memory;
  gemm: GemmFn;
  /** gelu(u, out, n): out = GELU(u), n a multiple of 4 (byte addresses). */
  gelu: (u: number, out: number, n: number) => void;
  /** geluBack(u, dg, out, n): out = dg·GELU'(u). */
  geluBack: (u: number, dg: number, out: number, n: number) => void;
  /** A float32 view of the whole memory (refreshed after growth). */
  f32: Float32Array;
  /** Make sure `floats` float32 values fit; returns the (possibly new) view. */
  reserve(floats: number): Float32Array;
}

/** A float32 view of a module's memory that follows its growth (every kernel module's `f32` / `reserve`). */
class MemoryView {
  f32: Float32Array;
  constructor(private readonly mem: WebAssembly.Memory) {
    this.f32 = new Float32Array(mem.buffer);
  }
  /** Make sure `floats` float32 values fit; returns the (possibly new) view. */
  reserve(floats: number): Float32Array {
    const need = floats * 4;
    if (need > this.mem.buffer.byteLength) {
      this.mem.grow(Math.ceil((need - this.mem.buffer.byteLength) / 65536));
      this.f32 = new Float32Array(this.mem.buffer);
    } else if (this.f32.buffer !== this.mem.buffer) this.f32 = new Float32Array(this.mem.buffer);
    return this.f32;
  }
}

let cached: WasmGemm | null | undefined;

export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  try {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const mod = new WebAssembly.Module(new Uint8Array(gemmModuleBytes())); // a fresh ArrayBuffer-backed copy: types under TS 5.0 (tslab) and 6
    const inst = new WebAssembly.Instance(mod, { env: { mem: memory } });
    const w: WasmGemm = Object.assign(new MemoryView(memory), {
      memory,
      gemm: inst.exports.gemm as GemmFn,
      gelu: inst.exports.gelu as WasmGemm['gelu'],
      geluBack: inst.exports.geluBack as WasmGemm['geluBack'],
    });
    cached = w;
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * The attention kernel for head size `dh` (a multiple of 4, ≤ 64), unrolled over dh/4 vectors: a module
 * of its own (own memory, env.mem) with two exports, attend (attendBody) and attendBack (attendBackBody),
 * all addresses in bytes. Used by attn.ts attendBlock and attendBackwardRow.
 */
export function attnModuleBytes(dh: number): Uint8Array {
  if (dh % 4 !== 0 || dh < 4 || dh > 64) throw new Error(`attnModuleBytes: head size ${dh} not a multiple of 4 in [4, 64]`);
  const c = dh / 4;
  return memModule([
    { name: 'attend', params: new Array(7).fill(I32), body: attendBody(c) },
    { name: 'attendBack', params: [...new Array(11).fill(I32), F32], body: attendBackBody(c) },
  ]);
}

/**
 * Body of attendBack(q, k, v, dO, p, n, stride, dq, dk, dv, dp, scale) for dh = 4c: the backward of one
 * query over keys 0 … n−1 (key rows at byte stride `stride`, p = its n probabilities, dp = scratch of n):
 *   dp_j = dO·v_j;  dot = Σ_j p_j·dp_j;  dv_j += p_j·dO                       (j = 0, 1, … in order)
 *   ds_j = p_j·(dp_j − dot)·scale;  dq += ds_j·k_j;  dk_j += ds_j·q          (j = 0, 1, … in order)
 * as model.ts's JS loop, in float32 (dq, dk, dv accumulate into what is there).
 */
function attendBackBody(c: number): number[] {
  const [Q, K, Vv, DO, P, N, ST, DQ, DK, DV, DP, SC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [J, KP] = [12, 13];
  const [DOT, PJ] = [14, 15];
  const [ACC, PV] = [16, 17];
  const qv = (m: number) => 18 + m;
  const dov = (m: number) => 18 + c + m;
  const dqv = (m: number) => 18 + 2 * c + m;
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => code.push(...x));
  const f32Sub = [0x93];
  const f32Mul = [0x94];
  const f32Store = [0x38, 2, 0];
  const at = (base: number, m: number) => e(op.get(base), op.get(KP), op.add, op.vLoad(16 * m));
  const jAddr = (base: number) => e(op.get(base), op.get(J), op.i32(4), op.mul, op.add);
  for (let m = 0; m < c; m++) e(op.get(Q), op.vLoad(16 * m), op.set(qv(m)), op.get(DO), op.vLoad(16 * m), op.set(dov(m)), op.get(DQ), op.vLoad(16 * m), op.set(dqv(m)));
  // pass 1: dp, dot, dv
  e([0x43, 0, 0, 0, 0], op.set(DOT), op.i32(0), op.set(J), op.i32(0), op.set(KP));
  e(op.block, op.loop, op.get(J), op.get(N), op.geU, op.brIf(1));
  e(op.get(dov(0)));
  at(Vv, 0);
  e(op.f32x4Mul);
  for (let m = 1; m < c; m++) {
    e(op.get(dov(m)));
    at(Vv, m);
    e(op.f32x4Mul, op.f32x4Add);
  }
  e(op.set(ACC));
  jAddr(DP);
  e(hsumCode(ACC));
  e(op.tee(PJ), f32Store); // PJ holds dp_j for a moment
  jAddr(P);
  e(op.f32Load(0), op.get(PJ), f32Mul, op.get(DOT), [0x92], op.set(DOT)); // dot += p_j·dp_j (as p·a + dot: the same sum)
  jAddr(P);
  e(op.f32Load(0), op.f32x4Splat, op.set(PV));
  for (let m = 0; m < c; m++) {
    e(op.get(DV), op.get(KP), op.add);
    at(DV, m);
    e(op.get(PV), op.get(dov(m)), op.f32x4Mul, op.f32x4Add, op.vStore(16 * m));
  }
  e(op.get(KP), op.get(ST), op.add, op.set(KP), op.get(J), op.i32(1), op.add, op.set(J));
  e(op.br(0), op.end, op.end);
  // pass 2: ds, dq, dk
  e(op.i32(0), op.set(J), op.i32(0), op.set(KP));
  e(op.block, op.loop, op.get(J), op.get(N), op.geU, op.brIf(1));
  jAddr(P);
  e(op.f32Load(0));
  jAddr(DP);
  e(op.f32Load(0), op.get(DOT), f32Sub, f32Mul, op.get(SC), f32Mul, op.f32x4Splat, op.set(PV));
  for (let m = 0; m < c; m++) {
    e(op.get(dqv(m)), op.get(PV));
    at(K, m);
    e(op.f32x4Mul, op.f32x4Add, op.set(dqv(m)));
  }
  for (let m = 0; m < c; m++) {
    e(op.get(DK), op.get(KP), op.add);
    at(DK, m);
    e(op.get(PV), op.get(qv(m)), op.f32x4Mul, op.f32x4Add, op.vStore(16 * m));
  }
  e(op.get(KP), op.get(ST), op.add, op.set(KP), op.get(J), op.i32(1), op.add, op.set(J));
  e(op.br(0), op.end, op.end);
  for (let m = 0; m < c; m++) e(op.get(DQ), op.get(dqv(m)), op.vStore(16 * m));
  e(op.end);
  return funcBody({ i32: 2, f32: 2, v128: 2 + 3 * c }, code);
}

// float32 exp (Cephes expf): n = round(x·log₂e), r = x − n·ln2 (two parts), e^r by a degree-7 polynomial, ·2ⁿ
const EXP_C = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** f32.const v. */
const f32c = (v: number): number[] => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)];

/** Code that pushes the float32 sum of v128 local v's four lanes, as (l0 + l1) + (l2 + l3). */
function hsumCode(v: number): number[] {
  const extract = (lane: number) => [0xfd, ...uleb(0x1f), lane]; // f32x4.extract_lane
  return [...op.get(v), ...extract(0), ...op.get(v), ...extract(1), 0x92, ...op.get(v), ...extract(2), ...op.get(v), ...extract(3), 0x92, 0x92];
}

/**
 * Code leaving exp(x) on the stack for the v128 local `X` (clobbered, as `NF`): x clamped to ≥ −88 (whose
 * exp is exactly 0 here: 2ⁿ with n = −127 has a zero exponent field), n = round(x·log₂e), r = x − n·ln2
 * in two parts, e^r = 1 + r + r²·P(r), times 2ⁿ built in the exponent bits.
 */
function expCode(X: number, NF: number): number[] {
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => code.push(...x));
  const k = op.f32x4Const;
  const simd = (x: number) => [0xfd, ...uleb(x)];
  const i32x4c = (v: number) => [0xfd, ...uleb(0x0c), ...new Uint8Array(new Int32Array([v, v, v, v]).buffer)];
  e(op.get(X), k(-88), op.f32x4Max, op.set(X));
  e(op.get(X), k(Math.LOG2E), op.f32x4Mul, simd(0x6a) /* f32x4.nearest */, op.set(NF));
  e(op.get(X), op.get(NF), k(0.693359375), op.f32x4Mul, op.f32x4Sub, op.get(NF), k(-2.12194440e-4), op.f32x4Mul, op.f32x4Sub, op.set(X));
  e(k(EXP_C[0]));
  for (let m = 1; m < EXP_C.length; m++) e(op.get(X), op.f32x4Mul, k(EXP_C[m]), op.f32x4Add);
  e(op.get(X), op.get(X), op.f32x4Mul, op.f32x4Mul, op.get(X), op.f32x4Add, k(1), op.f32x4Add);
  // · 2ⁿ: i32x4.trunc_sat_f32x4_s, + 127, << 23 (i32x4.add, i32x4.shl)
  e(op.get(NF), simd(0xf8), i32x4c(127), simd(0xae), op.i32(23), simd(0xab), op.f32x4Mul);
  return code;
}

/**
 * The softmax numerator shared by expsum and attend: for the n float32 values z[j] at byte address
 * base + 4j (`addr` emits that address for local J), pad them to a multiple of 4 with −∞ (J runs from n),
 * replace each by e^(z[j] − mx) in float32 (expCode, 4 lanes; the padding becomes exactly 0) and leave
 * Σ_j on the stack, summed per lane, then lanes (0+1)+(2+3). Locals: J, N4 (i32), X, NF, Y, VS, VM (v128);
 * reads N (i32) and MX (f32).
 */
function padExpSumCode(addr: number[], L: { N: number; MX: number; J: number; N4: number; X: number; NF: number; Y: number; VS: number; VM: number }): number[] {
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => code.push(...x));
  e(op.get(L.N), op.set(L.J));
  e(op.get(L.N), op.i32(3), op.add, op.i32(-4), [0x71] /* i32.and */, op.set(L.N4));
  e(op.block, op.loop, op.get(L.J), op.get(L.N4), op.geU, op.brIf(1));
  e(addr, f32c(-Infinity), [0x38, 2, 0] /* f32.store */);
  e(op.get(L.J), op.i32(1), op.add, op.set(L.J));
  e(op.br(0), op.end, op.end);
  e(op.get(L.MX), op.f32x4Splat, op.set(L.VM), op.vZero, op.set(L.VS), op.i32(0), op.set(L.J));
  e(op.block, op.loop, op.get(L.J), op.get(L.N4), op.geU, op.brIf(1));
  e(addr, op.vLoad(0), op.get(L.VM), op.f32x4Sub, op.set(L.X));
  e(expCode(L.X, L.NF), op.set(L.Y));
  e(addr, op.get(L.Y), op.vStore(0));
  e(op.get(L.VS), op.get(L.Y), op.f32x4Add, op.set(L.VS));
  e(op.get(L.J), op.i32(4), op.add, op.set(L.J));
  e(op.br(0), op.end, op.end);
  e(hsumCode(L.VS));
  return code;
}

/**
 * The module of expsum(z, n, mx) → sum (byte address z, n values, mx float32): z[j] = e^(z[j] − mx) for
 * j < n in float32 (expCode, 4 lanes; z padded to a multiple of 4 with −∞ → 0), returns Σ_j z[j] summed
 * per lane, then lanes (0+1)+(2+3). Own memory (env.mem). The sampler's softmax over the vocabulary.
 */
export function expsumModuleBytes(): Uint8Array {
  const [Z, N, MX, J, N4, X, NF, Y, VS, VM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const zAddr = [...op.get(Z), ...op.get(J), ...op.i32(4), ...op.mul, ...op.add];
  const code = [...padExpSumCode(zAddr, { N, MX, J, N4, X, NF, Y, VS, VM }), ...op.end];
  return memModule([{ name: 'expsum', params: [I32, I32, F32], results: [F32], body: funcBody({ i32: 2, v128: 5 }, code) }]);
}

/** The sampler's exp-and-sum kernel and its memory; null where WebAssembly SIMD is unavailable. */
export interface WasmExpsum {
  expsum: (z: number, n: number, mx: number) => number;
  f32: Float32Array;
  reserve(floats: number): Float32Array;
}

let expsumCached: WasmExpsum | null | undefined;

export function wasmExpsum(): WasmExpsum | null {
  if (expsumCached !== undefined) return expsumCached;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(expsumModuleBytes())), { env: { mem: memory } });
    const w: WasmExpsum = Object.assign(new MemoryView(memory), {
      expsum: inst.exports.expsum as WasmExpsum['expsum'],
    });
    expsumCached = w;
  } catch {
    expsumCached = null;
  }
  return expsumCached;
}

/**
 * Body of attend(q, k, v, stride, n, s, o) for dh = 4c: one query (q already multiplied by 1/√dh) over keys
 * and values 0 … n−1 (byte stride `stride`): scores s[j] = q·k_j (per lane the products of the dh/4
 * vectors summed in order, then lanes (0+1)+(2+3)); m = max; s[j] = e^(s[j] − m) in
 * float32 (Cephes expf, 4 lanes; s padded to a multiple of 4 with −∞, whose exp is exactly 0 here); the
 * sum over lanes then (l0+l1)+(l2+l3); p_j = s[j]·(1/sum) written back to s; o = Σ p_j·v_j (j = 0, 1, … in order).
 */
function attendBody(c: number): number[] {
  const [Q, K, Vv, ST, N, S, O] = [0, 1, 2, 3, 4, 5, 6];
  const [J, KP, N4] = [7, 8, 9];
  const [MX, SUM] = [10, 11];
  const [ACC, X, NF, Y, VS, VM] = [12, 13, 14, 15, 16, 17];
  const qv = (m: number) => 18 + m;
  const ov = (m: number) => 18 + c + m;
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => code.push(...x));
  const f32Max = [0x97];
  const f32Div = [0x95];
  const f32Store = (offset: number) => [0x38, 2, ...uleb(offset)];
  const sAddr = () => e(op.get(S), op.get(J), op.i32(4), op.mul, op.add);
  const hsum = (v: number) => e(hsumCode(v));
  // scores and max
  for (let m = 0; m < c; m++) e(op.get(Q), op.vLoad(16 * m), op.set(qv(m)));
  e(f32c(-Infinity), op.set(MX));
  e(op.get(K), op.set(KP), op.i32(0), op.set(J));
  e(op.block, op.loop, op.get(J), op.get(N), op.geU, op.brIf(1));
  e(op.get(qv(0)), op.get(KP), op.vLoad(0), op.f32x4Mul);
  for (let m = 1; m < c; m++) e(op.get(qv(m)), op.get(KP), op.vLoad(16 * m), op.f32x4Mul, op.f32x4Add);
  e(op.set(ACC));
  sAddr();
  hsum(ACC);
  e(op.tee(11), f32Store(0)); // SUM used as a temporary here
  e(op.get(MX), op.get(SUM), f32Max, op.set(MX));
  e(op.get(KP), op.get(ST), op.add, op.set(KP));
  e(op.get(J), op.i32(1), op.add, op.set(J));
  e(op.br(0), op.end, op.end);
  // pad to a multiple of 4 with −∞, exp and sum
  e(padExpSumCode([...op.get(S), ...op.get(J), ...op.i32(4), ...op.mul, ...op.add], { N, MX, J, N4, X, NF, Y, VS, VM }));
  e(op.set(SUM));
  e(f32c(1), op.get(SUM), f32Div, op.f32x4Splat, op.set(VM));
  e(op.i32(0), op.set(J));
  e(op.block, op.loop, op.get(J), op.get(N4), op.geU, op.brIf(1));
  sAddr();
  sAddr();
  e(op.vLoad(0), op.get(VM), op.f32x4Mul, op.vStore(0));
  e(op.get(J), op.i32(4), op.add, op.set(J));
  e(op.br(0), op.end, op.end);
  // o = Σ p_j v_j
  for (let m = 0; m < c; m++) e(op.vZero, op.set(ov(m)));
  e(op.get(Vv), op.set(KP), op.i32(0), op.set(J));
  e(op.block, op.loop, op.get(J), op.get(N), op.geU, op.brIf(1));
  sAddr();
  e(op.f32Load(0), op.f32x4Splat, op.set(X));
  for (let m = 0; m < c; m++) e(op.get(ov(m)), op.get(X), op.get(KP), op.vLoad(16 * m), op.f32x4Mul, op.f32x4Add, op.set(ov(m)));
  e(op.get(KP), op.get(ST), op.add, op.set(KP));
  e(op.get(J), op.i32(1), op.add, op.set(J));
  e(op.br(0), op.end, op.end);
  for (let m = 0; m < c; m++) e(op.get(O), op.get(ov(m)), op.vStore(16 * m));
  e(op.end);
  return funcBody({ i32: 3, f32: 2, v128: 6 + 2 * c }, code);
}

type AttendFn = (q: number, k: number, v: number, stride: number, n: number, s: number, o: number) => void;
type AttendBackFn = (q: number, k: number, v: number, dO: number, p: number, n: number, stride: number, dq: number, dk: number, dv: number, dp: number, scale: number) => void;

/** The instantiated attention kernels for one head size and their memory. */
export interface WasmAttn {
  attend: AttendFn;
  attendBack: AttendBackFn;
  /** A float32 view of the whole memory (refreshed after growth). */
  f32: Float32Array;
  /** Make sure `floats` float32 values fit; returns the (possibly new) view. */
  reserve(floats: number): Float32Array;
}

const attnCache = new Map<number, WasmAttn | null>();

/** The attention kernels for head size `dh`; null where dh is not a multiple of 4 in [4, 64] or SIMD is unavailable. */
export function wasmAttn(dh: number): WasmAttn | null {
  const hit = attnCache.get(dh);
  if (hit !== undefined) return hit;
  let out: WasmAttn | null = null;
  if (dh % 4 === 0 && dh >= 4 && dh <= 64) {
    try {
      const memory = new WebAssembly.Memory({ initial: 4 });
      const mod = new WebAssembly.Module(new Uint8Array(attnModuleBytes(dh)));
      const inst = new WebAssembly.Instance(mod, { env: { mem: memory } });
      const w: WasmAttn = Object.assign(new MemoryView(memory), {
        attend: inst.exports.attend as AttendFn,
        attendBack: inst.exports.attendBack as AttendBackFn,
      });
      out = w;
    } catch {
      out = null;
    }
  }
  attnCache.set(dh, out);
  return out;
}

/**
 * LayerNorm over rows of width D (a multiple of 4, ≤ 128), unrolled over the D/4 vectors of a row (kept in
 * locals): ln(x, g, b, y, xhat, rstd, rows), byte addresses; μ = (Σ x)/D, σ² = (Σ (x − μ)²)/D (vector
 * lanes summed in order, then lanes (0+1)+(2+3)), rs = 1/√(σ² + ε), y = (x − μ)·rs·g + b, all in float32;
 * xhat (= (x − μ)·rs) and rstd (= rs) are stored where xhat ≠ 0. Own memory (env.mem).
 */
export function lnModuleBytes(D: number, eps: number): Uint8Array {
  if (D % 4 !== 0 || D < 4 || D > 128) throw new Error(`lnModuleBytes: width ${D} not a multiple of 4 in [4, 128]`);
  const c = D / 4;
  const [X, G, Bb, Y, XH, RS, ROWS] = [0, 1, 2, 3, 4, 5, 6];
  const [R] = [7];
  const [MEAN, RSV] = [8, 9];
  const [ACC, VM] = [10, 11];
  const xv = (m: number) => 12 + m;
  const gv = (m: number) => 12 + c + m;
  const bv = (m: number) => 12 + 2 * c + m;
  const code: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => code.push(...x));
  const hsum = (v: number) => e(hsumCode(v));
  for (let m = 0; m < c; m++) e(op.get(G), op.vLoad(16 * m), op.set(gv(m)), op.get(Bb), op.vLoad(16 * m), op.set(bv(m)));
  e(op.i32(0), op.set(R));
  e(op.block, op.loop, op.get(R), op.get(ROWS), op.geU, op.brIf(1));
  for (let m = 0; m < c; m++) e(op.get(X), op.vLoad(16 * m), op.set(xv(m)));
  e(op.get(xv(0)));
  for (let m = 1; m < c; m++) e(op.get(xv(m)), op.f32x4Add);
  e(op.set(ACC));
  hsum(ACC);
  e(f32c(D), [0x95], op.set(MEAN));
  e(op.get(MEAN), op.f32x4Splat, op.set(VM));
  for (let m = 0; m < c; m++) e(op.get(xv(m)), op.get(VM), op.f32x4Sub, op.set(xv(m)));
  e(op.get(xv(0)), op.get(xv(0)), op.f32x4Mul);
  for (let m = 1; m < c; m++) e(op.get(xv(m)), op.get(xv(m)), op.f32x4Mul, op.f32x4Add);
  e(op.set(ACC));
  e(f32c(1));
  hsum(ACC);
  e(f32c(D), [0x95], f32c(eps), [0x92], [0x91], [0x95], op.set(RSV)); // 1 / sqrt(var/D + eps)
  e(op.get(RSV), op.f32x4Splat, op.set(VM));
  for (let m = 0; m < c; m++) e(op.get(xv(m)), op.get(VM), op.f32x4Mul, op.set(xv(m)));
  e(op.get(XH), op.if);
  e(op.get(RS), op.get(RSV), [0x38, 2, 0]);
  for (let m = 0; m < c; m++) e(op.get(XH), op.get(xv(m)), op.vStore(16 * m));
  e(op.get(XH), op.i32(4 * D), op.add, op.set(XH), op.get(RS), op.i32(4), op.add, op.set(RS));
  e(op.end);
  for (let m = 0; m < c; m++) e(op.get(Y), op.get(xv(m)), op.get(gv(m)), op.f32x4Mul, op.get(bv(m)), op.f32x4Add, op.vStore(16 * m));
  e(op.get(X), op.i32(4 * D), op.add, op.set(X), op.get(Y), op.i32(4 * D), op.add, op.set(Y));
  e(op.get(R), op.i32(1), op.add, op.set(R));
  e(op.br(0), op.end, op.end);
  e(op.end);
  return memModule([{ name: 'ln', params: new Array(7).fill(I32), body: funcBody({ i32: 1, f32: 2, v128: 2 + 3 * c }, code) }]);
}

/** The LayerNorm kernel for one width and its memory. */
export interface WasmLn {
  ln: (x: number, g: number, b: number, y: number, xhat: number, rstd: number, rows: number) => void;
  f32: Float32Array;
  reserve(floats: number): Float32Array;
}

const lnCache = new Map<number, WasmLn | null>();

/** The LayerNorm kernel for width D (ε as given); null where D is not a multiple of 4 in [4, 128] or SIMD is unavailable. */
export function wasmLn(D: number, eps: number): WasmLn | null {
  const hit = lnCache.get(D);
  if (hit !== undefined) return hit;
  let out: WasmLn | null = null;
  if (D % 4 === 0 && D >= 4 && D <= 128) {
    try {
      const memory = new WebAssembly.Memory({ initial: 4 });
      const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(lnModuleBytes(D, eps))), { env: { mem: memory } });
      const w: WasmLn = Object.assign(new MemoryView(memory), {
        ln: inst.exports.ln as WasmLn['ln'],
      });
      out = w;
    } catch {
      out = null;
    }
  }
  lnCache.set(D, out);
  return out;
}
