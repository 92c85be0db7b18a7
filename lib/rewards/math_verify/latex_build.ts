/**
 * latex2sympy's conversion helpers used by the parser: parse limits, token classes, and the
 * `convert_*` building blocks (symbols, numbers, unary minus, relations, intervals, sets vs tuples).
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { rCmp } from './rational.js';
import { INT, MathNode, RelOp, children, sympyNumber, sympyRational } from './nodes.js';
import { GREEK_CMDS, GREEK_UNICODE, LatexFail } from './latex_lexer.js';
import { EMPTY_ENV, exactVal, numVal } from './evaluate.js';

export const MAX_PARSE_STEPS = 20000;
export const MAX_PARSE_DEPTH = 60;
export const GREEK_MAP: Record<string, string> = { ...GREEK_UNICODE };
for (const g of GREEK_CMDS) GREEK_MAP[g] = g.slice(1);
export const HALF: MathNode = { k: 'rat', p: 1n, q: 2n };
export const PCT_UE: MathNode = { k: 'ue', arg: { k: 'rat', p: 1n, q: 100n } };
export const OPENERS_INTERVAL: Record<string, boolean> = { L_BRACKET: false, L_PAREN: true, L_PAREN_VISUAL: true, L_BRACK: false, L_GROUP: true };
export const CLOSERS_INTERVAL: Record<string, boolean> = { R_BRACKET: false, R_PAREN: true, R_PAREN_VISUAL: true, R_BRACK: false, R_GROUP: true };
export const GROUP_PAIRS: Record<string, string> = {
  L_PAREN: 'R_PAREN', L_GROUP: 'R_GROUP', L_BRACE: 'R_BRACE', L_BRACKET: 'R_BRACKET', L_BRACE_VISUAL: 'R_BRACE_VISUAL',
  L_BRACE_CMD: 'R_BRACE_CMD', L_BRACK: 'R_BRACK',
};
export const COMP_STARTERS = new Set([
  'L_PAREN', 'L_GROUP', 'L_BRACE', 'L_BRACKET', 'L_BRACE_VISUAL', 'L_BRACE_CMD', 'L_BRACK', 'PHANTOM', 'BOXED', 'NORM',
  'BAR', 'L_VERT', 'VERT', 'L_ANGLE', 'L_FLOOR', 'LL_CORNER', 'L_CEIL', 'UL_CORNER', 'FRAC', 'BINOM', 'LETTER', 'GREEK',
  'OTHER_SYM', 'ACCENT', 'SYMBOL', 'NUMBER', 'PERCENT_NUMBER', 'E_NOTATION', 'E_NOTATION_E', 'DIFFERENTIAL', 'FUNC_GAMMA',
  'MATRIX_START', 'ARRAY_START',
]);
export const FUNC_STARTERS = new Set(['FUNC1', 'MULTI', 'SQRT', 'EXP_E', 'UNSUP', 'SUMPROD']);
export const LITERAL_SETS: Record<string, 'Naturals' | 'Integers' | 'Rationals' | 'Reals' | 'Complexes'> = {
  '\\mathbb{N}': 'Naturals', 'ℕ': 'Naturals', '\\mathbb{Z}': 'Integers', 'ℤ': 'Integers', '\\mathbb{Q}': 'Rationals',
  'ℚ': 'Rationals', '\\mathbb{R}': 'Reals', 'ℝ': 'Reals', '\\mathbb{C}': 'Complexes', 'ℂ': 'Complexes',
};
export const MP_OPS = new Set(['MUL', 'CMD_TIMES', 'CMD_CDOT', 'DIV', 'CMD_DIV', 'COLON', 'MOD']);
export const REL_OPS: Record<string, RelOp | 'approx' | 'in'> = {
  IN: 'in', ASSIGNMENT: 'eq', EQUAL: 'eq', APPROX: 'approx', LT: 'lt', LTE: 'le', GT: 'gt', GTE: 'ge', UNEQUAL: 'ne',
};

/** sympy `Symbol` / constant from latex2sympy's `get_symbol(text, lowercase_symbols=True)`. */
export function symbolFromText(text: string): MathNode {
  let letter = GREEK_MAP[text.replace(/"/g, '')] ?? text;
  if (letter.startsWith('\\')) letter = letter.slice(1);
  const special = (l: string): MathNode | null =>
    l === 'pi' ? { k: 'const', name: 'pi' } : l === 'gamma' || l === 'Gamma' ? { k: 'const', name: 'EulerGamma' } : null;
  const s1 = special(letter);
  if (s1) return s1;
  letter = letter.toLowerCase();
  return special(letter) ?? { k: 'sym', name: letter };
}
/** latex2sympy `parse_number`. */
export function parseNumberText(text: string): MathNode {
  text = text.replace(/,/g, '');
  if (/^[0-9]+$/.test(text)) text = text.replace(/^0+(?=.)/, '');
  if (/^[0-9]*\.?[0-9]+$/.test(text) || /^[0-9]+$/.test(text)) return sympyNumber(text);
  if (/^[0-9]*\.?[0-9]+E[+-]?[0-9]+$/.test(text)) {
    const v = Number(text);
    if (!Number.isFinite(v)) throw new LatexFail('float overflow');
    return { k: 'float', v };
  }
  throw new LatexFail(`bad number ${text}`);
}
/** latex2sympy `as_unary_minus`. */
export function asUnaryMinus(e: MathNode): MathNode {
  if (e.k === 'int') return INT(-e.v);
  if (e.k === 'rat') return { k: 'rat', p: -e.p, q: e.q };
  return { k: 'mul', args: [INT(-1n), e] };
}
/** `is_expr_of_only_symbols`. */
export function onlySymbols(e: MathNode): boolean {
  if (e.k === 'sym') return true;
  if (e.k === 'pow' && e.exp.k === 'int' && e.exp.v === -1n) {
    if (e.base.k === 'sym') return true;
    const c = children(e.base);
    if (c.length > 0 && c.every(onlySymbols)) return true;
  }
  const c = children(e);
  return c.length > 0 && c.every(onlySymbols);
}
/** latex2sympy `convert_elements_to_set_or_tuple`. */
export function toSetOrTuple(els: MathNode[][]): MathNode {
  if (els.length === 1) return els[0].length === 1 ? els[0][0] : { k: 'fset', items: els[0] };
  if (els.every((e) => e.length === 1)) return { k: 'fset', items: els.map((e) => e[0]) };
  return { k: 'fset', items: els.map((e) => ({ k: 'tuple', items: e }) as MathNode) };
}
export function sympyTruthy(e: MathNode): boolean {
  if (e.k === 'int') return e.v !== 0n;
  if (e.k === 'rat') return true;
  if (e.k === 'float') return e.v !== 0;
  return true;
}
/** Python `1 / r` for a sympy value. */
export function reciprocal(r: MathNode): MathNode {
  if (r.k === 'int') return sympyRational(1n, r.v);
  if (r.k === 'rat') return sympyRational(r.q, r.p);
  if (r.k === 'float') return { k: 'float', v: 1 / r.v };
  return { k: 'pow', base: r, exp: INT(-1n) };
}
export function combineRelation(lh: MathNode, op: RelOp | 'approx' | 'in', rh: MathNode): MathNode {
  if (op === 'approx') return onlySymbols(lh) ? rh : lh;
  if (op === 'in') throw new LatexFail('Unrecognized relation');
  if (lh.k === 'and') {
    const last = lh.args[lh.args.length - 1] as Extract<MathNode, { k: 'rel' }>;
    return { k: 'and', args: [...lh.args, { k: 'rel', op, lhs: last.rhs, rhs: rh }] };
  }
  if (lh.k === 'rel') return { k: 'and', args: [lh, { k: 'rel', op, lhs: lh.rhs, rhs: rh }] };
  return { k: 'rel', op, lhs: lh, rhs: rh };
}
/** sympy `Interval(left, right, left_open, right_open)` after latex2sympy's empty-interval → tuple rule. */
export function makeInterval(lo: MathNode, hi: MathNode, lopen: boolean, ropen: boolean): MathNode {
  const a = numVal(lo, EMPTY_ENV);
  const b = numVal(hi, EMPTY_ENV);
  const comparable = !Number.isNaN(a) && !Number.isNaN(b);
  if (comparable) {
    const ea = exactVal(lo, true);
    const eb = exactVal(hi, true);
    const cmp = ea && eb ? rCmp(eb, ea) : b < a ? -1 : b > a ? 1 : 0; // sign of right - left
    if ((lopen && ropen && cmp <= 0) || (!lopen && !ropen && cmp < 0)) return { k: 'tuple', items: [lo, hi] };
    if (cmp < 0 || (cmp === 0 && (lopen || ropen))) return { k: 'emptyset' };
    if (cmp === 0) return { k: 'fset', items: [hi], wrapped: true };
  }
  if (lo.k === 'inf' && lo.sign === -1) lopen = true;
  if (hi.k === 'inf' && hi.sign === 1) ropen = true;
  if (lo.k === 'inf' && lo.sign === -1 && hi.k === 'inf' && hi.sign === 1) return { k: 'lset', name: 'Reals' };
  return { k: 'interval', lo, hi, lopen, ropen };
}

export type Alt<T> = () => T;
