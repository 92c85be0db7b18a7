/**
 * The value model: `MathNode`, a small model of the sympy objects math_verify produces (numbers,
 * symbols, Add/Mul/Pow, functions, relations, sets, tuples, intervals, matrices) and sympy-like constructors.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { Rat, mkRat } from './rational.js';

export type MathNode =
  | { k: 'int'; v: bigint } // sympy Integer
  | { k: 'rat'; p: bigint; q: bigint } // sympy Rational (q > 1)
  | { k: 'float'; v: number } // sympy Float
  | { k: 'inf'; sign: 1 | -1 } // oo / -oo
  | { k: 'const'; name: 'pi' | 'E' | 'I' | 'EulerGamma' | 'zoo' | 'nan' }
  | { k: 'sym'; name: string }
  | { k: 'ue'; arg: MathNode } // sympy UnevaluatedExpr (latex2sympy's percent factor)
  | { k: 'add'; args: MathNode[] }
  | { k: 'mul'; args: MathNode[] }
  | { k: 'pow'; base: MathNode; exp: MathNode }
  | { k: 'fn'; name: string; args: MathNode[]; known: boolean }
  | { k: 'rel'; op: RelOp; lhs: MathNode; rhs: MathNode }
  | { k: 'and'; args: MathNode[] }
  | { k: 'tuple'; items: MathNode[] }
  | { k: 'fset'; items: MathNode[]; wrapped?: boolean } // items in written order (latex2sympy's _unsorted_args)
  | { k: 'interval'; lo: MathNode; hi: MathNode; lopen: boolean; ropen: boolean }
  | { k: 'emptyset' }
  | { k: 'lset'; name: 'Naturals' | 'Integers' | 'Rationals' | 'Reals' | 'Complexes' }
  | { k: 'matrix'; rows: MathNode[][] }
  | { k: 'setop'; op: 'union' | 'intersection' | 'complement'; args: MathNode[] };
export type RelOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export const INT = (v: bigint): MathNode => ({ k: 'int', v });
export function ratNode(r: Rat): MathNode {
  return r.q === 1n ? { k: 'int', v: r.p } : { k: 'rat', p: r.p, q: r.q };
}
/** sympy `Rational(a, b)` for integers (q = 0 gives zoo / nan). */
export function sympyRational(a: bigint, b: bigint): MathNode {
  if (b === 0n) return { k: 'const', name: a === 0n ? 'nan' : 'zoo' };
  const r = mkRat(a, b);
  if (r === null) throw new Unsupported('number too large');
  return ratNode(r);
}
/** sympy `Number(text)`: Integer for digit strings, Float otherwise. */
export function sympyNumber(text: string): MathNode {
  if (/^[+-]?\d+$/.test(text)) return INT(BigInt(text));
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Unsupported('float out of range');
  return { k: 'float', v };
}
/** sympy `.is_Number` / `.func.is_Number`. */
export function isNumber(n: MathNode): boolean {
  return n.k === 'int' || n.k === 'rat' || n.k === 'float' || n.k === 'inf' || (n.k === 'const' && n.name === 'nan');
}
export function negateNumber(n: MathNode): MathNode {
  switch (n.k) {
    case 'int':
      return INT(-n.v);
    case 'rat':
      return { k: 'rat', p: -n.p, q: n.q };
    case 'float':
      return { k: 'float', v: -n.v };
    case 'inf':
      return { k: 'inf', sign: n.sign === 1 ? -1 : 1 };
    default:
      return n;
  }
}
export function mulFlat(l: MathNode, r: MathNode): MathNode {
  if (l.k === 'mul' || r.k === 'mul') {
    const args = [...(l.k === 'mul' ? l.args : [l]), ...(r.k === 'mul' ? r.args : [r])];
    return { k: 'mul', args };
  }
  return { k: 'mul', args: [l, r] };
}
export function addFlat(l: MathNode, r: MathNode): MathNode {
  if (l.k === 'add' || r.k === 'add') {
    const args = [...(l.k === 'add' ? l.args : [l]), ...(r.k === 'add' ? r.args : [r])];
    return { k: 'add', args };
  }
  return { k: 'add', args: [l, r] };
}
/** `a - b` as sympy builds it for relation comparison. */
export function subtract(a: MathNode, b: MathNode): MathNode {
  return { k: 'add', args: [a, isNumber(b) ? negateNumber(b) : { k: 'mul', args: [INT(-1n), b] }] };
}
export function isSetNode(n: MathNode): boolean {
  return n.k === 'fset' || n.k === 'interval' || n.k === 'emptyset' || n.k === 'lset' || n.k === 'setop';
}
export function isSetOrTuple(n: MathNode): boolean {
  return isSetNode(n) || n.k === 'tuple';
}
export function children(n: MathNode): MathNode[] {
  switch (n.k) {
    case 'ue':
      return [n.arg];
    case 'add':
    case 'mul':
    case 'and':
    case 'fn':
      return n.args;
    case 'pow':
      return [n.base, n.exp];
    case 'rel':
      return [n.lhs, n.rhs];
    case 'tuple':
    case 'fset':
      return n.items;
    case 'interval':
      return [n.lo, n.hi];
    case 'matrix':
      return n.rows.flat();
    case 'setop':
      return n.args;
    default:
      return [];
  }
}
export function nodeSize(n: MathNode, limit = 100000): number {
  let count = 0;
  const stack = [n];
  while (stack.length > 0 && count < limit) {
    const x = stack.pop()!;
    count++;
    for (const c of children(x)) stack.push(c);
  }
  return count;
}

export class Unsupported extends Error {}
