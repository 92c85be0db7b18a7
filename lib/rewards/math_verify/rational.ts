/**
 * Exact rationals over BigInt (numerator/denominator with a size cap), and the conversions between them
 * and doubles/decimal strings — the exact arithmetic behind sympy's Integer/Rational and `round(6)`.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */

export interface Rat {
  p: bigint;
  q: bigint; // > 0, gcd(p, q) = 1
}
export const MAX_BITS = 4096;

export function bigAbs(a: bigint): bigint {
  return a < 0n ? -a : a;
}
export function bigGcd(a: bigint, b: bigint): bigint {
  a = bigAbs(a);
  b = bigAbs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
export function bitLen(a: bigint): number {
  return bigAbs(a).toString(16).length * 4;
}
export function mkRat(p: bigint, q: bigint): Rat | null {
  if (q === 0n) return null;
  if (q < 0n) {
    p = -p;
    q = -q;
  }
  const g = bigGcd(p, q);
  if (g > 1n) {
    p /= g;
    q /= g;
  }
  if (bitLen(p) > MAX_BITS || bitLen(q) > MAX_BITS) return null;
  return { p, q };
}
export const R0: Rat = { p: 0n, q: 1n };
export const R1: Rat = { p: 1n, q: 1n };
export function rAdd(a: Rat, b: Rat): Rat | null {
  return mkRat(a.p * b.q + b.p * a.q, a.q * b.q);
}
export function rMul(a: Rat, b: Rat): Rat | null {
  return mkRat(a.p * b.p, a.q * b.q);
}
export function rDiv(a: Rat, b: Rat): Rat | null {
  return b.p === 0n ? null : mkRat(a.p * b.q, a.q * b.p);
}
export function rNeg(a: Rat): Rat {
  return { p: -a.p, q: a.q };
}
export function rEq(a: Rat, b: Rat): boolean {
  return a.p === b.p && a.q === b.q;
}
export function rCmp(a: Rat, b: Rat): number {
  const d = a.p * b.q - b.p * a.q;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
export function rIsInt(a: Rat): boolean {
  return a.q === 1n;
}
export function rPowInt(a: Rat, e: bigint): Rat | null {
  if (e === 0n) return R1;
  const neg = e < 0n;
  const n = neg ? -e : e;
  if (n > 100000n) {
    if (a.q === 1n && (a.p === 1n || a.p === 0n)) return neg && a.p === 0n ? null : a;
    if (a.q === 1n && a.p === -1n) return { p: n % 2n === 0n ? 1n : -1n, q: 1n };
    return null;
  }
  if ((bitLen(a.p) + bitLen(a.q)) * Number(n) > 8 * MAX_BITS) return null;
  const r = mkRat(a.p ** n, a.q ** n);
  if (r === null) return null;
  return neg ? rDiv(R1, r) : r;
}
/** Exact n-th root of a non-negative integer, or null. */
export function bigRoot(a: bigint, n: number): bigint | null {
  if (a < 0n) return null;
  if (a < 2n) return a;
  const approx = BigInt(Math.round(Math.pow(Number(a), 1 / n)));
  for (const c of [approx - 1n, approx, approx + 1n]) if (c >= 0n && c ** BigInt(n) === a) return c;
  return null;
}
export function ratToNumber(r: Rat): number {
  const pb = bitLen(r.p);
  const qb = bitLen(r.q);
  if (pb < 1000 && qb < 1000) return Number(r.p) / Number(r.q);
  const shift = BigInt(Math.max(0, Math.max(pb, qb) - 900));
  return Number(r.p >> shift) / Number(r.q >> shift);
}
/** The exact binary value of a finite double. */
export function doubleToRat(x: number): Rat | null {
  if (!Number.isFinite(x)) return null;
  if (x === 0) return R0;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  return e >= 0 ? mkRat(sign * (mant << BigInt(e)), 1n) : mkRat(sign * mant, 1n << BigInt(-e));
}
/** Exact value of a decimal string such as "-12.5e3". */
export function decimalToRat(s: string): Rat | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const digits = m[2] + (m[3] ?? '');
  let exp = -(m[3] ?? '').length + (m[4] ? parseInt(m[4], 10) : 0);
  if (Math.abs(exp) > 2000) return null;
  let p = BigInt(digits === '' ? '0' : digits);
  if (m[1] === '-') p = -p;
  if (exp >= 0) return mkRat(p * 10n ** BigInt(exp), 1n);
  exp = -exp;
  return mkRat(p, 10n ** BigInt(exp));
}
/** Round a rational to `n` decimals, ties to even; returns round(x * 10^n) as an integer. */
export function roundHalfEvenScaled(r: Rat, n: number): bigint {
  const scale = 10n ** BigInt(n);
  const num = r.p * scale;
  const den = r.q;
  let qt = num / den; // truncates toward zero
  const rem = num - qt * den;
  if (rem !== 0n) {
    const twice = 2n * bigAbs(rem);
    const sign = num < 0n ? -1n : 1n;
    if (twice > den || (twice === den && bigAbs(qt) % 2n === 1n)) qt += sign;
  }
  return qt;
}
