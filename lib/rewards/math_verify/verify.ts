/**
 * `verify`: a port of math_verify.grader (`sympy_expr_eq` and helpers): structural, relational,
 * set/tuple/interval, symbol and numeric comparison (6-decimal rounding), then value equality.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { cpLen, pyStrip } from './pystr.js';
import { rEq } from './rational.js';
import { INT, MathNode, RelOp, children, isNumber, isSetNode, isSetOrTuple, mulFlat, negateNumber, subtract } from './nodes.js';
import { onlySymbols } from './latex_build.js';
import { EMPTY_ENV, exactVal, isPlainExpr, numVal, round6Key, valueEqual } from './evaluate.js';

export function structKey(n: MathNode): string {
  switch (n.k) {
    case 'int':
      return `i${n.v}`;
    case 'rat':
      return `r${n.p}/${n.q}`;
    case 'float':
      return `f${n.v}`;
    case 'inf':
      return `inf${n.sign}`;
    case 'const':
      return `c:${n.name}`;
    case 'sym':
      return `s:${JSON.stringify(n.name)}`;
    case 'ue':
      return `ue(${structKey(n.arg)})`;
    case 'add':
    case 'mul':
    case 'and':
      return `${n.k}(${n.args.map(structKey).join(',')})`;
    case 'pow':
      return `pow(${structKey(n.base)},${structKey(n.exp)})`;
    case 'fn':
      return `fn:${JSON.stringify(n.name)}(${n.args.map(structKey).join(',')})`;
    case 'rel':
      return `${n.op}(${structKey(n.lhs)},${structKey(n.rhs)})`;
    case 'tuple':
      return `T(${n.items.map(structKey).join(',')})`;
    case 'fset':
      return `S{${[...new Set(n.items.map(structKey))].sort().join(',')}}`;
    case 'interval':
      return `I${n.lopen ? '(' : '['}${structKey(n.lo)},${structKey(n.hi)}${n.ropen ? ')' : ']'}`;
    case 'emptyset':
      return 'EmptySet';
    case 'lset':
      return n.name;
    case 'matrix':
      return `M[${n.rows.map((r) => r.map(structKey).join(',')).join(';')}]`;
    case 'setop':
      return `${n.op}(${(n.op === 'complement' ? n.args.map(structKey) : n.args.map(structKey).sort()).join(',')})`;
  }
}
export function uniqueItems(items: MathNode[]): MathNode[] {
  const seen = new Set<string>();
  const out: MathNode[] = [];
  for (const x of items) {
    const k = structKey(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}
/** An approximation of sympy's `str()` (exact for numbers and symbols). */
export function sympyStr(n: MathNode): string {
  switch (n.k) {
    case 'int':
      return n.v.toString();
    case 'rat':
      return `${n.p}/${n.q}`;
    case 'float': {
      const s = n.v.toPrecision(15);
      return s.includes('e') ? s.replace(/e\+?/, 'e+').replace('e+-', 'e-') : s;
    }
    case 'inf':
      return n.sign > 0 ? 'oo' : '-oo';
    case 'const':
      return n.name;
    case 'sym':
      return n.name;
    default:
      return structKey(n);
  }
}
export function numberEqual(a: MathNode, b: MathNode): boolean {
  if (a.k === 'inf' || b.k === 'inf') return a.k === 'inf' && b.k === 'inf' && a.sign === b.sign;
  const ra = exactVal(a, true);
  const rb = exactVal(b, true);
  return ra !== null && rb !== null && rEq(ra, rb);
}
/** `sympy_str_eq`: structural equality (raises for a nan / zoo gold, as the reference does). */
export function structEq(gold: MathNode, pred: MathNode): boolean {
  if (gold.k === 'const' && (gold.name === 'nan' || gold.name === 'zoo')) throw new Error("Can't evaluate nan or zoo");
  if (isNumber(gold) && isNumber(pred)) return numberEqual(gold, pred);
  return structKey(gold) === structKey(pred);
}
export function isRelation(n: MathNode): boolean {
  return n.k === 'rel' || (n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel'));
}
export function isEquation(n: MathNode): boolean {
  return (n.k === 'rel' && n.op === 'eq') || (n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel' && a.op === 'eq'));
}
export function firstRel(n: MathNode): Extract<MathNode, { k: 'rel' }> {
  return (n.k === 'and' ? n.args[0] : n) as Extract<MathNode, { k: 'rel' }>;
}
export function lastRel(n: MathNode): Extract<MathNode, { k: 'rel' }> {
  return (n.k === 'and' ? lastRel(n.args[n.args.length - 1]) : n) as Extract<MathNode, { k: 'rel' }>;
}
export function isAssignment(n: MathNode): boolean {
  if (n.k === 'rel' && n.op === 'eq' && onlySymbols(n.lhs)) return true;
  return n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel' && a.op === 'eq') && onlySymbols(firstRel(n).lhs);
}
export function unwrapEq(n: MathNode): MathNode {
  return isAssignment(n) ? lastRel(n).rhs : n;
}
/** sympy's `ordered(args, keys=sort_key)`: numbers by value first, the rest by structure. */
export function orderedArgs(items: MathNode[]): MathNode[] {
  const keyed = items.map((x) => {
    const u = unwrapEq(x);
    const v = isPlainExpr(u) ? numVal(u, EMPTY_ENV) : NaN;
    return { x, v, k: structKey(u) };
  });
  keyed.sort((a, b) => {
    const an = !Number.isNaN(a.v);
    const bn = !Number.isNaN(b.v);
    if (an && bn && a.v !== b.v) return a.v < b.v ? -1 : 1;
    if (an !== bn) return an ? -1 : 1;
    return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
  });
  return keyed.map((e) => e.x);
}
export const ATOMIC_NUMBER = (n: MathNode): boolean => n.k === 'int' || n.k === 'rat' || n.k === 'float' || n.k === 'inf';
/** `is_atomic_or_pct_atomic(expr, Number|Float)`: X or Mul(X, Rational(1, 100)). */
export function atomicOrPct(n: MathNode, floatOnly: boolean): boolean {
  const test = (x: MathNode): boolean => (floatOnly ? x.k === 'float' : ATOMIC_NUMBER(x));
  if (test(n)) return true;
  return n.k === 'mul' && n.args.length === 2 && n.args[1].k === 'rat' && n.args[1].p === 1n && n.args[1].q === 100n && test(n.args[0]);
}
export function subtractForCompare(a: MathNode, b: MathNode): MathNode {
  if (b.k === 'int' && b.v === 0n) return a;
  if (a.k === 'int' && a.v === 0n) return isNumber(b) ? negateNumber(b) : mulFlat(INT(-1n), b);
  return subtract(a, b);
}

export const INVERSE_REL: Partial<Record<RelOp, RelOp>> = { ge: 'le', le: 'ge', gt: 'lt', lt: 'gt', eq: 'eq' };

export function compareRelational(gold: MathNode, pred: MathNode, depth: number): boolean {
  if (gold.k === 'and' && pred.k === 'and') {
    if (gold.args.length !== pred.args.length) throw new Error('zip() argument lengths differ');
    return gold.args.every((g, i) => compareRelational(g, pred.args[i], depth + 1));
  }
  if (gold.k !== 'rel' || pred.k !== 'rel') return false;
  if (gold.op === pred.op && exprEq(subtractForCompare(gold.lhs, gold.rhs), subtractForCompare(pred.lhs, pred.rhs), depth + 1)) return true;
  const inv = INVERSE_REL[gold.op];
  if (inv === undefined) throw new Error('no inverse relation');
  if (inv === pred.op && exprEq(subtractForCompare(gold.lhs, gold.rhs), subtractForCompare(pred.rhs, pred.lhs), depth + 1)) return true;
  return false; // sympy_solve_and_compare is not ported
}
export function setLen(n: MathNode): number {
  return n.k === 'tuple' ? n.items.length : n.k === 'fset' ? uniqueItems(n.items).length : 0;
}
/** `sympy_deep_compare_set_and_tuple`. */
export function deepCompareSetTuple(gold: MathNode, pred: MathNode, depth: number): boolean {
  if (setLen(gold) !== setLen(pred)) return false;
  const items = (n: MathNode): MathNode[] => (n.k === 'tuple' || n.k === 'fset' ? n.items : []);
  let ga: MathNode[];
  let pa: MathNode[];
  if (gold.k === 'fset') {
    ga = orderedArgs(uniqueItems(gold.items));
    pa = orderedArgs(pred.k === 'fset' ? uniqueItems(pred.items) : items(pred));
  } else if (gold.k === 'tuple' && pred.k === 'fset' && !pred.wrapped) {
    pa = pred.items;
    ga = gold.items;
  } else if (pred.k === 'fset') {
    pa = orderedArgs(uniqueItems(pred.items));
    ga = items(gold);
  } else {
    ga = items(gold);
    pa = items(pred);
  }
  if (ga.length !== pa.length) return false;
  return ga.every((g, i) => exprEq(g, pa[i], depth + 1));
}
/** A subset of the reals as sorted disjoint intervals (closed flags per end); points are [v, v]. */
export type RealSet = { lo: number; hi: number; lc: boolean; hc: boolean }[];
export function normalizeRealSet(ivs: RealSet): RealSet {
  const xs = ivs.filter((x) => x.lo < x.hi || (x.lo === x.hi && x.lc && x.hc)).sort((a, b) => a.lo - b.lo || Number(b.lc) - Number(a.lc));
  const out: RealSet = [];
  for (const x of xs) {
    const last = out[out.length - 1];
    if (last && (x.lo < last.hi || (x.lo === last.hi && (last.hc || x.lc)))) {
      if (x.hi > last.hi || (x.hi === last.hi && x.hc)) {
        last.hc = x.hi === last.hi ? last.hc || x.hc : x.hc;
        last.hi = x.hi;
      }
    } else out.push({ ...x });
  }
  return out;
}
export function intersectRealSets(a: RealSet, b: RealSet): RealSet {
  const out: RealSet = [];
  for (const x of a)
    for (const y of b) {
      const lo = Math.max(x.lo, y.lo);
      const hi = Math.min(x.hi, y.hi);
      const lc = x.lo === y.lo ? x.lc && y.lc : lo === x.lo ? x.lc : y.lc;
      const hc = x.hi === y.hi ? x.hc && y.hc : hi === x.hi ? x.hc : y.hc;
      out.push({ lo, hi, lc, hc });
    }
  return normalizeRealSet(out);
}
export function complementRealSet(a: RealSet): RealSet {
  const out: RealSet = [];
  let lo = -Infinity;
  let lc = false;
  for (const x of a) {
    out.push({ lo, hi: x.lo, lc, hc: !x.lc });
    lo = x.hi;
    lc = !x.hc;
  }
  out.push({ lo, hi: Infinity, lc, hc: false });
  return normalizeRealSet(out);
}
/** Numeric sets as canonical interval lists, or null (symbols, ℕ/ℤ/ℚ/ℂ, tuples, …). */
export function toRealSet(n: MathNode, depth = 0): RealSet | null {
  if (depth > 50) return null;
  // sympy decides membership with Eq, which succeeds when lhs - rhs auto-evaluates: plain arithmetic and
  // integer-valued functions of numbers do; log, sin, …, UnevaluatedExpr (latex percentages), Product do not.
  const autoEvaluates = (x: MathNode): boolean =>
    (x.k === 'int' || x.k === 'rat' || x.k === 'float' || x.k === 'inf' || x.k === 'const' || x.k === 'add' || x.k === 'mul' || x.k === 'pow' ||
      (x.k === 'fn' && ['floor', 'ceiling', 'abs', 'factorial'].includes(x.name))) &&
    children(x).every(autoEvaluates);
  const num = (x: MathNode): number | null => {
    if (!autoEvaluates(x) || !isPlainExpr(x)) return null;
    const v = numVal(x, EMPTY_ENV);
    return Number.isNaN(v) ? null : v;
  };
  switch (n.k) {
    case 'emptyset':
      return [];
    case 'lset':
      return n.name === 'Reals' ? [{ lo: -Infinity, hi: Infinity, lc: false, hc: false }] : null;
    case 'fset': {
      const out: RealSet = [];
      for (const x of n.items) {
        const v = num(x);
        if (v === null || !Number.isFinite(v)) return null;
        out.push({ lo: v, hi: v, lc: true, hc: true });
      }
      return normalizeRealSet(out);
    }
    case 'interval': {
      const lo = num(n.lo);
      const hi = num(n.hi);
      if (lo === null || hi === null) return null;
      return normalizeRealSet([{ lo, hi, lc: !n.lopen && Number.isFinite(lo), hc: !n.ropen && Number.isFinite(hi) }]);
    }
    case 'setop': {
      const parts = n.args.map((a) => toRealSet(a, depth + 1));
      if (parts.some((p) => p === null)) return null;
      const ps = parts as RealSet[];
      if (n.op === 'union') return normalizeRealSet(ps.flat());
      if (n.op === 'intersection') return ps.reduce((acc, p) => intersectRealSets(acc, p));
      return intersectRealSets(ps[0], complementRealSet(ps[1]));
    }
    default:
      return null;
  }
}
export function realSetsEqual(a: RealSet, b: RealSet): boolean {
  // equal to working precision (a few ulps), as sympy's Float comparison is
  const same = (x: number, y: number): boolean =>
    x === y || (Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 4 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(y)));
  return a.length === b.length && a.every((x, i) => same(x.lo, b[i].lo) && same(x.hi, b[i].hi) && x.lc === b[i].lc && x.hc === b[i].hc);
}

export function compareSets(gold: MathNode, pred: MathNode, depth: number): boolean {
  const a: MathNode = isSetOrTuple(gold) ? gold : { k: 'fset', items: [gold], wrapped: true };
  const b: MathNode = isSetOrTuple(pred) ? pred : { k: 'fset', items: [pred], wrapped: true };
  if (a.k === 'interval' && b.k === 'interval') {
    return a.lopen === b.lopen && a.ropen === b.ropen && exprEq(a.lo, b.lo, depth + 1) && exprEq(a.hi, b.hi, depth + 1);
  }
  if (structKey(a) === structKey(b)) return true;
  // a_set.symmetric_difference(b_set).is_empty, for sets of numbers
  if (isSetNode(a) && isSetNode(b)) {
    const ra = toRealSet(a);
    const rb = toRealSet(b);
    if (ra !== null && rb !== null && realSetsEqual(ra, rb)) return true;
  }
  const finite = (n: MathNode): boolean => n.k === 'fset' || n.k === 'tuple';
  if (finite(a) && finite(b)) return deepCompareSetTuple(a, b, depth);
  if (a.k === 'interval' && a.lopen && a.ropen && finite(b) && setLen(b) === 2) {
    return deepCompareSetTuple({ k: 'tuple', items: [a.lo, a.hi] }, b, depth);
  }
  if (b.k === 'interval' && b.lopen && b.ropen && finite(a) && setLen(a) === 2) {
    return deepCompareSetTuple(a, { k: 'tuple', items: [b.lo, b.hi] }, depth);
  }
  return false;
}
/** `sympy_compare_symbols`. */
export function compareSymbols(gold: MathNode, pred: MathNode): boolean {
  const isE = (n: MathNode): boolean => n.k === 'const' && n.name === 'E';
  if ((gold.k === 'sym' && gold.name.toLowerCase() === 'e' && isE(pred)) || (pred.k === 'sym' && pred.name.toLowerCase() === 'e' && isE(gold))) return true;
  const concat = (m: Extract<MathNode, { k: 'mul' }>): string | null =>
    m.args.every((a) => isE(a) || a.k === 'sym') ? m.args.map((a) => (a.k === 'sym' ? a.name : 'e')).join('') : null;
  if (gold.k === 'sym' && pred.k === 'mul') {
    const c = concat(pred);
    if (c !== null) return gold.name.toLowerCase() === c.toLowerCase();
  }
  if (pred.k === 'sym' && gold.k === 'mul') {
    const c = concat(gold);
    if (c !== null) return pred.name.toLowerCase() === c.toLowerCase();
  }
  if (gold.k === 'sym' && pred.k === 'sym') {
    const g = cpLen(gold.name) > 1 ? gold.name.toLowerCase() : gold.name;
    const p = cpLen(pred.name) > 1 ? pred.name.toLowerCase() : pred.name;
    return g === p;
  }
  return sympyStr(gold) === sympyStr(pred);
}

/** `sympy_expr_eq(gold, pred, float_rounding=6, numeric_precision=15, strict=True)`. */
export function exprEq(gold: MathNode, pred: MathNode, depth = 0): boolean {
  if (depth > 30) return false;
  const goldAssign = isAssignment(gold);
  const predAssign = isAssignment(pred);
  const goldEq = isEquation(gold);
  const predEq = isEquation(pred);
  if (goldAssign) gold = { k: 'rel', op: 'eq', lhs: firstRel(gold).lhs, rhs: lastRel(gold).rhs };
  if (predAssign) pred = { k: 'rel', op: 'eq', lhs: firstRel(pred).lhs, rhs: lastRel(pred).rhs };
  if (predEq && !goldEq) pred = lastRel(pred).rhs;
  else if (goldAssign && !predEq) gold = lastRel(gold).rhs;
  if (structEq(gold, pred)) return true;
  if (isRelation(gold) && isRelation(pred)) return compareRelational(gold, pred, depth);
  if (isSetOrTuple(gold) || isSetOrTuple(pred)) return compareSets(gold, pred, depth);
  if (gold.k === 'sym' || pred.k === 'sym') return compareSymbols(gold, pred);
  if (gold.k === 'matrix' || pred.k === 'matrix') {
    // sympy_numeric_eq compares same-shape matrices element-wise; simplify(a - b) needs equal shapes too
    if (gold.k !== 'matrix' || pred.k !== 'matrix') return false;
    const g = gold.rows;
    const p = pred.rows;
    if (g.length !== p.length || g[0].length !== p[0].length) return false;
    return g.every((row, i) => row.every((x, j) => numericOrValueEq(x, p[i][j])));
  }
  return numericOrValueEq(gold, pred);
}

/** `sympy_numeric_eq` followed by `sympy_symbolic_eq` for two expressions. */
export function numericOrValueEq(gold: MathNode, pred: MathNode): boolean {
  if ((atomicOrPct(gold, false) || atomicOrPct(pred, false)) && (atomicOrPct(gold, true) || atomicOrPct(pred, true))) {
    try {
      // rounding decided it; the symbolic check that follows in sympy is exact for two numbers
      return round6Key(gold) === round6Key(pred) || valueEqual(gold, pred, 1e-15);
    } catch {
      // sympy's round raised: fall through to the symbolic check
    }
  }
  return valueEqual(gold, pred);
}

/** A parsed item: a value, or the extracted answer string (the `first_match` fallback). */
export type ParsedItem = MathNode | string;

/** math_verify `verify(gold, target)`: true if any (gold item, target item) pair matches. */
export function mathVerifyVerify(gold: ParsedItem[], target: ParsedItem[]): boolean {
  for (const g of gold) {
    for (const t of target) {
      if (typeof g === 'string' || typeof t === 'string') {
        if (typeof g === 'string' && typeof t === 'string') {
          const gs = pyStrip(g);
          const ts = pyStrip(t);
          if (gs.length > 0 && ts.length > 0 && gs === ts) return true;
        }
        continue;
      }
      try {
        if (exprEq(g, t)) return true;
      } catch {
        // the reference logs the exception and counts the pair as not equal
      }
    }
  }
  return false;
}
