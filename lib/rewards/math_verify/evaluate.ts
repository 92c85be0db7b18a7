/**
 * Evaluation of `MathNode`s: exact rationals where possible, doubles otherwise, and the value equality
 * (with sample points for free symbols) that stands in for sympy's `simplify(a - b).is_zero`.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { R0, R1, Rat, bigAbs, bigGcd, bigRoot, decimalToRat, doubleToRat, mkRat, rAdd, rCmp, rDiv, rEq, rIsInt, rMul, rNeg, rPowInt, ratToNumber, roundHalfEvenScaled } from './rational.js';
import { MathNode, children, nodeSize } from './nodes.js';

export type Env = Map<string, number>;
export const EMPTY_ENV: Env = new Map();

export function factorialBig(n: bigint): bigint | null {
  if (n < 0n || n > 1000n) return null;
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

/** Exact rational value (floats as their binary value when allowFloat), or null. */
export function exactVal(n: MathNode, allowFloat: boolean, budget = { left: 2000 }): Rat | null {
  if (--budget.left < 0) return null;
  switch (n.k) {
    case 'int':
      return mkRat(n.v, 1n);
    case 'rat':
      return mkRat(n.p, n.q);
    case 'float':
      return allowFloat ? doubleToRat(n.v) : null;
    case 'ue':
      return exactVal(n.arg, allowFloat, budget);
    case 'add': {
      let acc: Rat | null = R0;
      for (const a of n.args) {
        const v = exactVal(a, allowFloat, budget);
        if (v === null || acc === null) return null;
        acc = rAdd(acc, v);
      }
      return acc;
    }
    case 'mul': {
      let acc: Rat | null = R1;
      for (const a of n.args) {
        const v = exactVal(a, allowFloat, budget);
        if (v === null || acc === null) return null;
        acc = rMul(acc, v);
      }
      return acc;
    }
    case 'pow': {
      const b = exactVal(n.base, allowFloat, budget);
      const e = exactVal(n.exp, allowFloat, budget);
      if (b === null || e === null) return null;
      if (rIsInt(e)) return b.p === 0n && e.p < 0n ? null : rPowInt(b, e.p);
      // rational exponent p/q: exact only for perfect q-th powers of a non-negative base
      if (b.p < 0n || e.q > 64n) return null;
      const qn = Number(e.q);
      const rp = bigRoot(b.p, qn);
      const rq = bigRoot(b.q, qn);
      if (rp === null || rq === null) return null;
      const root = mkRat(rp, rq);
      if (root === null || (root.p === 0n && e.p < 0n)) return null;
      return rPowInt(root, e.p);
    }
    case 'fn': {
      if (!n.known) return null;
      const args: Rat[] = [];
      for (const a of n.args) {
        const v = exactVal(a, allowFloat, budget);
        if (v === null) return null;
        args.push(v);
      }
      const x = args[0];
      const floorR = (r: Rat): bigint => {
        const q = r.p / r.q;
        return r.p < 0n && q * r.q !== r.p ? q - 1n : q;
      };
      switch (n.name) {
        case 'abs':
          return { p: bigAbs(x.p), q: x.q };
        case 'floor':
          return mkRat(floorR(x), 1n);
        case 'ceiling':
          return mkRat(-floorR(rNeg(x)), 1n);
        case 'factorial': {
          if (!rIsInt(x)) return null;
          const f = factorialBig(x.p);
          return f === null ? null : mkRat(f, 1n);
        }
        case 'gamma': {
          if (!rIsInt(x) || x.p <= 0n) return null;
          const f = factorialBig(x.p - 1n);
          return f === null ? null : mkRat(f, 1n);
        }
        case 'max':
          return args.reduce((a, b) => (rCmp(a, b) >= 0 ? a : b));
        case 'min':
          return args.reduce((a, b) => (rCmp(a, b) <= 0 ? a : b));
        case 'gcd':
        case 'lcm': {
          if (!args.every(rIsInt)) return null;
          let acc = args[0].p;
          for (const a of args.slice(1)) {
            const g = bigGcd(acc, a.p);
            acc = n.name === 'gcd' ? g : g === 0n ? 0n : bigAbs((acc / g) * a.p);
          }
          return mkRat(bigAbs(acc), 1n);
        }
        case 'mod': {
          const b = args[1];
          if (b.p === 0n) return null;
          const d = rDiv(x, b);
          if (d === null) return null;
          const fl = mkRat(floorR(d), 1n);
          const bf = fl && rMul(b, fl);
          return bf ? rAdd(x, rNeg(bf)) : null;
        }
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

export function factorialNum(x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > 170) return NaN;
  let r = 1;
  for (let i = 2; i <= x; i++) r *= i;
  return r;
}

/** Real value in double precision (NaN when undefined, complex or not numeric). */
export function numVal(n: MathNode, env: Env, budget = { left: 5000 }): number {
  if (--budget.left < 0) return NaN;
  switch (n.k) {
    case 'int':
    case 'rat':
      return ratToNumber(exactVal(n, false) ?? R0);
    case 'float':
      return n.v;
    case 'inf':
      return n.sign * Infinity;
    case 'const':
      return n.name === 'pi' ? Math.PI : n.name === 'E' ? Math.E : n.name === 'EulerGamma' ? 0.5772156649015329 : NaN;
    case 'sym':
      return env.get(n.name) ?? NaN;
    case 'ue':
      return numVal(n.arg, env, budget);
    case 'add':
      return n.args.reduce((s, a) => s + numVal(a, env, budget), 0);
    case 'mul':
      return n.args.reduce((s, a) => s * numVal(a, env, budget), 1);
    case 'pow': {
      const b = numVal(n.base, env, budget);
      const e = numVal(n.exp, env, budget);
      if (b === 0 && e < 0) return NaN;
      return Math.pow(b, e);
    }
    case 'fn': {
      if (!n.known) return NaN;
      const a = n.args.map((x) => numVal(x, env, budget));
      const x = a[0];
      switch (n.name) {
        case 'sin': return Math.sin(x);
        case 'cos': return Math.cos(x);
        case 'tan': return Math.tan(x);
        case 'csc': return 1 / Math.sin(x);
        case 'sec': return 1 / Math.cos(x);
        case 'cot': return 1 / Math.tan(x);
        case 'asin': return Math.asin(x);
        case 'acos': return Math.acos(x);
        case 'atan': return Math.atan(x);
        case 'acsc': return Math.asin(1 / x);
        case 'asec': return Math.acos(1 / x);
        case 'acot': return Math.atan(1 / x);
        case 'sinh': return Math.sinh(x);
        case 'cosh': return Math.cosh(x);
        case 'tanh': return Math.tanh(x);
        case 'asinh': return Math.asinh(x);
        case 'acosh': return Math.acosh(x);
        case 'atanh': return Math.atanh(x);
        case 'log': return x > 0 && a[1] > 0 && a[1] !== 1 ? Math.log(x) / Math.log(a[1]) : NaN;
        case 'exp': return Math.exp(x);
        case 'abs': return Math.abs(x);
        case 'floor': return Math.floor(x);
        case 'ceiling': return Math.ceil(x);
        case 'factorial': return factorialNum(x);
        case 'gamma': return Number.isInteger(x) && x > 0 ? factorialNum(x - 1) : NaN;
        case 'max': return Math.max(...a);
        case 'min': return Math.min(...a);
        case 'mod': return a[1] === 0 ? NaN : x - a[1] * Math.floor(x / a[1]);
        case 'sum':
        case 'product': {
          const v = n.args[1];
          const lo = numVal(n.args[2], env, budget);
          const hi = numVal(n.args[3], env, budget);
          if (v.k !== 'sym' || !Number.isInteger(lo) || !Number.isInteger(hi) || hi - lo > 10000) return NaN;
          const inner: Env = new Map(env);
          let acc = n.name === 'sum' ? 0 : 1;
          for (let i = lo; i <= hi; i++) {
            inner.set(v.name, i);
            const t = numVal(n.args[0], inner, budget);
            acc = n.name === 'sum' ? acc + t : acc * t;
          }
          return acc;
        }
        default: {
          const r = exactVal(n, true);
          return r === null ? NaN : ratToNumber(r);
        }
      }
    }
    default:
      return NaN;
  }
}

export function freeSymbols(n: MathNode, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 200) return out;
  if (n.k === 'sym') out.add(n.name);
  else if (n.k === 'fn' && (n.name === 'sum' || n.name === 'product') && n.args[1].k === 'sym') {
    const inner = freeSymbols(n.args[0], new Set<string>(), depth + 1);
    inner.delete(n.args[1].name);
    for (const x of inner) out.add(x);
    freeSymbols(n.args[2], out, depth + 1);
    freeSymbols(n.args[3], out, depth + 1);
  } else for (const c of children(n)) freeSymbols(c, out, depth + 1);
  return out;
}
export function hasFloat(n: MathNode): boolean {
  if (n.k === 'float') return true;
  return children(n).some(hasFloat);
}
/** Only expressions (no relations, sets, opaque functions, complex unit) can be compared by value. */
export function isPlainExpr(n: MathNode): boolean {
  switch (n.k) {
    case 'rel':
    case 'and':
    case 'tuple':
    case 'fset':
    case 'interval':
    case 'emptyset':
    case 'lset':
    case 'matrix':
    case 'setop':
      return false;
    case 'const':
      return n.name !== 'I' && n.name !== 'zoo' && n.name !== 'nan';
    case 'fn':
      return n.known && n.args.every(isPlainExpr);
    default:
      return children(n).every(isPlainExpr);
  }
}
export function close(a: number, b: number, tol: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b && !Number.isNaN(a);
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= Math.max(tol * scale, tol * 1e-3);
}
export const SAMPLE_POINTS = [0.6180339887498949, 1.4142135623730951, 2.718281828459045, 0.30102999566398120, 1.7320508075688772, 3.141592653589793, 0.5772156649015329, 2.23606797749979];

/** Value equality standing in for `simplify(a - b).is_zero` (and `doit(a) == doit(b)`). */
export function valueEqual(a: MathNode, b: MathNode, tol = 1e-10): boolean {
  if (!isPlainExpr(a) || !isPlainExpr(b)) return false;
  if (nodeSize(a) + nodeSize(b) > 4000) return false;
  if (!hasFloat(a) && !hasFloat(b)) {
    const ea = exactVal(a, false);
    const eb = exactVal(b, false);
    if (ea !== null && eb !== null) return rEq(ea, eb);
  }
  const syms = [...freeSymbols(a, freeSymbols(b))];
  if (syms.length === 0) {
    const va = numVal(a, EMPTY_ENV);
    const vb = numVal(b, EMPTY_ENV);
    return !Number.isNaN(va) && !Number.isNaN(vb) && close(va, vb, tol);
  }
  let good = 0;
  for (let k = 0; k < SAMPLE_POINTS.length; k++) {
    const env: Env = new Map(syms.map((s, i) => [s, SAMPLE_POINTS[(k + 3 * i) % SAMPLE_POINTS.length] + 0.0137 * i]));
    const va = numVal(a, env);
    const vb = numVal(b, env);
    if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
    if (!close(va, vb, tol)) return false;
    good++;
  }
  return good >= 3;
}

/**
 * sympy `x.round(6)` as a comparable key: Integer stays itself; exact rationals round half-to-even;
 * anything with floats or irrationals is taken to 15 significant digits first (sympy's dps for Floats).
 */
export function round6Key(n: MathNode): string {
  if (!isPlainExpr(n) || freeSymbols(n).size > 0) throw new Error('Cannot round symbolic expression');
  if (n.k === 'int') return (n.v * 1000000n).toString();
  if (n.k === 'inf') return n.sign > 0 ? 'oo' : '-oo';
  if (!hasFloat(n)) {
    const r = exactVal(n, false);
    if (r !== null) return roundHalfEvenScaled(r, 6).toString();
  }
  const v = numVal(n, EMPTY_ENV);
  if (!Number.isFinite(v)) throw new Error('not a finite real number');
  const r = decimalToRat(v.toPrecision(15));
  if (r === null) throw new Error('unrepresentable');
  return roundHalfEvenScaled(r, 6).toString();
}
