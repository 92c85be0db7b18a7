/**
 * math_longcot_math_verify — a TypeScript port of GoLongRL's
 * `math_dapo.compute_score(solution_str, gt, is_longcot=True, is_use_math_verify=True)`
 * (`Train/verl/verl/utils/reward_score/math_dapo.py`, function `math_verify_from_sky`) together with the
 * parts of Hugging Face `math_verify` (`parse`, `verify`; huggingface/Math-Verify `src/math_verify/parser.py`,
 * `grader.py`) and `latex2sympy2_extended` (`math_normalization.py`, `latex2sympy2.py`, `PS.g4`) it relies on.
 * Written from reading those sources; no code was copied.
 *
 * ## The reward (the format gate `</think>` etc. is applied by the caller, not here)
 *
 *     tail    = solution_str[-500:]                       (last 500 Unicode code points, like Python)
 *     parsed  = parse(tail)                               ([] on any error)
 *     if len(parsed) < 2:                  return 0
 *     if parsed[1] == gt:                  return 1       (parsed[1] is the extracted answer *string*)
 *     if verify(parse("\\boxed{" + gt + "}"), parsed):   return 1
 *     return 0
 *
 * `parse(text)` (default `LatexExtractionConfig()` + `ExprExtractionConfig()`, fallback_mode "first_match",
 * extraction_mode "any_match") returns `[value, string]` or `[string]` or `[]`:
 *   1. Regexes are grouped by priority (lower first): 0 "final answer is … I hope", 50 "final answer … is …",
 *      `\boxed{…}` (alone or inside a math environment), 100 "answer: …", 200 "answer … ", 300 anything
 *      (a LaTeX environment `$…$`, `$$…$$`, `\(…\)`, `\[…\]`, ` […] `, a bare `\frac{1}{2}`, or a plain
 *      number / arithmetic expression such as `1,250,000`, `-7.5`, `12%`, `3*(4+1)`).
 *   2. Inside a priority group, all matches of all its regexes are ordered by end position (rightmost first),
 *      then start position (leftmost first); each is converted in turn and the first that converts wins.
 *      If none converts, the next priority group is tried.
 *   3. LaTeX matches are normalised (`normalize_latex`: last / all `\boxed{}` contents, `\left`/`\right`,
 *      `\dfrac`, "percent" → `\%`, " and " → `,`, unit words at the end (`5 cm` → `5`), `\text{…}` suffixes,
 *      `\frac12` → `\frac{1}{2}`, `\sqrt3` → `\sqrt{3}`, `1/2` → `\frac{1}{2}`, `0.5` → `\frac{1}{2}`)
 *      and then parsed by a port of latex2sympy's grammar; plain matches become numbers
 *      (thousands separators removed, `%` → ·1/100) or Python arithmetic.
 *   4. The returned string is the normalised text of the *first* match tried (even if it failed to
 *      convert), so `parsed[1]` can differ from the value's own text.
 *
 * `verify(gold, pred)` is true if any (gold item, pred item) pair matches: two strings when equal after
 * strip; two values by `sympy_expr_eq`:
 *   - assignments `x = 5` are reduced to their right-hand side when the other side is not an equation;
 *   - structural equality; relations (same kind or flipped, compared as lhs − rhs);
 *   - sets / tuples / intervals: intervals by endpoints and openness, finite sets element-wise after
 *     sorting, tuples in order (a finite-set prediction against a tuple gold keeps its written order),
 *     an open interval (a, b) also equals a 2-tuple/2-set (a, b), a non-set is a singleton set;
 *   - symbols: by name (`E` vs `e`, `abc` vs a·b·c), otherwise by printed form;
 *   - numbers: when one side is a plain number (or a plain number percent) and either is a float, both are
 *     rounded to 6 decimals (sympy `round(6)`: 15 significant digits, then half-to-even) and compared;
 *     otherwise exact value equality;
 *   - otherwise value / symbolic equality (sympy `simplify(a - b).is_zero`).
 *
 * ## Covered
 *   - every extraction regex of `parse` with its priorities and match ordering (case-insensitive parts,
 *     Python's Unicode `\s`, `\d` (category Nd), `$` and `.` semantics reproduced; lengths in code points);
 *   - `normalize_latex` with math_verify's configuration (basic_latex, units, malformed_operators, nits,
 *     boxed "all"/"last"), including its quirks (the unit list, `\sqrt(2)` → `\\sqrt{2}`, `0.5` → `\frac{1}{2}`);
 *   - latex2sympy (ANTLR grammar PS.g4, re-implemented as a backtracking recursive-descent parser with the
 *     same token rules: longest match, `dx` as one differential token, words such as `tr` as tokens) for:
 *     integers, decimals, `1.5E3`, thousands separators (`1,250,000` when it is the whole answer), `12\%`,
 *     `+ − · × ÷ / :`, implicit products, the mixed-number rule (`3\frac{3}{4}` = 15/4 — note this also makes
 *     `2 3` = 5 and `2(3)` = 5, as in the reference), `^` (exponent: an atom or `{…}`), `\frac`, `\sqrt`,
 *     `\sqrt[n]`, `!`, `|x|`, `\lfloor \rfloor`, `\lceil \rceil`, `\sin … \arctan`, hyperbolic functions,
 *     `\log` (base 10), `\log_b`, `\ln`, `\exp`, `e^x`, `\max/\min/\gcd/\lcm(…)`, `\binom`, `\sum`/`\prod` with
 *     numeric bounds, `\pi`, `\infty`, Greek letters and `\text{…}` as symbols (lower-cased), subscripted
 *     symbols, undefined functions `f(x)`, relations `= < > \le \ge \ne \approx` and chains, `x \in S`, tuples,
 *     intervals, finite sets, `\emptyset`, `\mathbb{N,Z,Q,R,C}`, `\cup \cap \setminus`, `\pm`, matrices
 *     (`matrix`, `pmatrix`, `bmatrix`, `array`);
 *   - math_verify's number / Python-arithmetic extraction (`parse_expr` of `+ - * / // ** ( )`), including
 *     the cases where sympy's `Number("-07")` or `Number("𝟐")` raises and the whole `parse` returns [];
 *   - `verify` / `sympy_expr_eq` as described above; numeric sets (finite sets of numbers, intervals, their
 *     unions / intersections / differences) also compare by value, as sympy's `symmetric_difference` does.
 *
 * ## Not covered (such inputs make the LaTeX conversion fail, i.e. the match is skipped as if
 *    latex2sympy had raised, or the comparison return false)
 *   - integrals, limits, derivatives (`\frac{d}{dx}`), `\det`/`vmatrix`, matrix row operations, matrix
 *     arithmetic, `\operatorname{…}`, `\mathbb{P}`, `\subseteq`, `\notin`, `\|…\|`, `\langle…\rangle`, `|…|_a^b`
 *     evaluation bars, `\variable{…}`, `\char"…`;
 *   - complex numbers (`I` stays opaque: equal only when structurally identical);
 *   - relation vs set comparison (`x > 1` vs `(1, \infty)`) and solving equations (`2x = 4` vs `x = 2` is false
 *     here, true in the reference);
 *   - sympy's `simplify` is replaced by numeric checks: exact rational arithmetic when possible, otherwise
 *     double-precision evaluation (at several points for expressions with symbols) with a relative
 *     tolerance of 1e-10 — identities sympy cannot prove count as equal here, values that differ by less
 *     than the tolerance count as equal, and sympy oddities are not reproduced (sympy 1.11 simplifies an
 *     unevaluated `cos(0)` to 0, so the reference accepts 0 for `\cos 0`);
 *   - sympy's printed form (`str(expr)`) is approximated; it matters only for symbol-vs-expression cases;
 *   - the 5-second timeouts: work is bounded instead (parse step budget, nesting depth, number sizes).
 *
 * ## Validation
 *   The 55 golden cases match exactly. A differential run against the real Python stack (math_verify 0.8.0
 *   + latex2sympy2_extended 1.11.0 + sympy 1.11.1) over ~36,000 generated responses (answer forms × wrappers,
 *   long-CoT tails, fragment soups) disagreed only on integrals, derivatives and the `cos(0)` case above.
 */
import { guarded } from './types.js';

// ---------------------------------------------------------------------------------------------------------
// Python string helpers
// ---------------------------------------------------------------------------------------------------------

/** Python's `str.isspace()` characters (also `\s` of the `re` module on str patterns). */
const PYWS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python `\s` as a JavaScript class. */
const S = `[${PYWS}]`;
/** Python's Unicode `\w`. */
const WORD = '[\\p{L}\\p{N}_]';
/** Python's Unicode `\d` (category Nd). */
const D = '\\p{Nd}';
/** Python's `$` without MULTILINE: end of string, or before a final newline. */
const PY_END = '(?=\\n?$)';

const PY_WS_LEAD = new RegExp(`^${S}+`, 'u');
const PY_WS_TRAIL = new RegExp(`${S}+$`, 'u');
const PY_WS_ONE = new RegExp(`^${S}$`, 'u');

function pyStrip(s: string): string {
  return s.replace(PY_WS_LEAD, '').replace(PY_WS_TRAIL, '');
}
function pyLstrip(s: string): string {
  return s.replace(PY_WS_LEAD, '');
}
function pyIsSpace(ch: string | undefined): boolean {
  return ch !== undefined && PY_WS_ONE.test(ch);
}
/** Length in code points (Python `len`). */
function cpLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
/** First code point of a string ('' when empty). */
function firstCp(s: string): string {
  for (const c of s) return c;
  return '';
}
/** Python `s[-n:]` on code points. */
function lastCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  const cps = Array.from(s);
  return cps.length <= n ? s : cps.slice(cps.length - n).join('');
}
function replaceAllLit(s: string, from: string, to: string): string {
  return s.split(from).join(to);
}

/** Raised to abandon a whole `parse` call (the reference's `except Exception: return []`). */
class ParseAbort extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Exact rationals (BigInt)
// ---------------------------------------------------------------------------------------------------------

interface Rat {
  p: bigint;
  q: bigint; // > 0, gcd(p, q) = 1
}
const MAX_BITS = 4096;

function bigAbs(a: bigint): bigint {
  return a < 0n ? -a : a;
}
function bigGcd(a: bigint, b: bigint): bigint {
  a = bigAbs(a);
  b = bigAbs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function bitLen(a: bigint): number {
  return bigAbs(a).toString(16).length * 4;
}
function mkRat(p: bigint, q: bigint): Rat | null {
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
const R0: Rat = { p: 0n, q: 1n };
const R1: Rat = { p: 1n, q: 1n };
function rAdd(a: Rat, b: Rat): Rat | null {
  return mkRat(a.p * b.q + b.p * a.q, a.q * b.q);
}
function rMul(a: Rat, b: Rat): Rat | null {
  return mkRat(a.p * b.p, a.q * b.q);
}
function rDiv(a: Rat, b: Rat): Rat | null {
  return b.p === 0n ? null : mkRat(a.p * b.q, a.q * b.p);
}
function rNeg(a: Rat): Rat {
  return { p: -a.p, q: a.q };
}
function rEq(a: Rat, b: Rat): boolean {
  return a.p === b.p && a.q === b.q;
}
function rCmp(a: Rat, b: Rat): number {
  const d = a.p * b.q - b.p * a.q;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
function rIsInt(a: Rat): boolean {
  return a.q === 1n;
}
function rPowInt(a: Rat, e: bigint): Rat | null {
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
function bigRoot(a: bigint, n: number): bigint | null {
  if (a < 0n) return null;
  if (a < 2n) return a;
  const approx = BigInt(Math.round(Math.pow(Number(a), 1 / n)));
  for (const c of [approx - 1n, approx, approx + 1n]) if (c >= 0n && c ** BigInt(n) === a) return c;
  return null;
}
function ratToNumber(r: Rat): number {
  const pb = bitLen(r.p);
  const qb = bitLen(r.q);
  if (pb < 1000 && qb < 1000) return Number(r.p) / Number(r.q);
  const shift = BigInt(Math.max(0, Math.max(pb, qb) - 900));
  return Number(r.p >> shift) / Number(r.q >> shift);
}
/** The exact binary value of a finite double. */
function doubleToRat(x: number): Rat | null {
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
function decimalToRat(s: string): Rat | null {
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
function roundHalfEvenScaled(r: Rat, n: number): bigint {
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

// ---------------------------------------------------------------------------------------------------------
// Values: a small model of the sympy objects math_verify produces
// ---------------------------------------------------------------------------------------------------------

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
type RelOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

const INT = (v: bigint): MathNode => ({ k: 'int', v });
function ratNode(r: Rat): MathNode {
  return r.q === 1n ? { k: 'int', v: r.p } : { k: 'rat', p: r.p, q: r.q };
}
/** sympy `Rational(a, b)` for integers (q = 0 gives zoo / nan). */
function sympyRational(a: bigint, b: bigint): MathNode {
  if (b === 0n) return { k: 'const', name: a === 0n ? 'nan' : 'zoo' };
  const r = mkRat(a, b);
  if (r === null) throw new Unsupported('number too large');
  return ratNode(r);
}
/** sympy `Number(text)`: Integer for digit strings, Float otherwise. */
function sympyNumber(text: string): MathNode {
  if (/^[+-]?\d+$/.test(text)) return INT(BigInt(text));
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Unsupported('float out of range');
  return { k: 'float', v };
}
/** sympy `.is_Number` / `.func.is_Number`. */
function isNumber(n: MathNode): boolean {
  return n.k === 'int' || n.k === 'rat' || n.k === 'float' || n.k === 'inf' || (n.k === 'const' && n.name === 'nan');
}
function negateNumber(n: MathNode): MathNode {
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
function mulFlat(l: MathNode, r: MathNode): MathNode {
  if (l.k === 'mul' || r.k === 'mul') {
    const args = [...(l.k === 'mul' ? l.args : [l]), ...(r.k === 'mul' ? r.args : [r])];
    return { k: 'mul', args };
  }
  return { k: 'mul', args: [l, r] };
}
function addFlat(l: MathNode, r: MathNode): MathNode {
  if (l.k === 'add' || r.k === 'add') {
    const args = [...(l.k === 'add' ? l.args : [l]), ...(r.k === 'add' ? r.args : [r])];
    return { k: 'add', args };
  }
  return { k: 'add', args: [l, r] };
}
/** `a - b` as sympy builds it for relation comparison. */
function subtract(a: MathNode, b: MathNode): MathNode {
  return { k: 'add', args: [a, isNumber(b) ? negateNumber(b) : { k: 'mul', args: [INT(-1n), b] }] };
}
function isSetNode(n: MathNode): boolean {
  return n.k === 'fset' || n.k === 'interval' || n.k === 'emptyset' || n.k === 'lset' || n.k === 'setop';
}
function isSetOrTuple(n: MathNode): boolean {
  return isSetNode(n) || n.k === 'tuple';
}
function children(n: MathNode): MathNode[] {
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
function nodeSize(n: MathNode, limit = 100000): number {
  let count = 0;
  const stack = [n];
  while (stack.length > 0 && count < limit) {
    const x = stack.pop()!;
    count++;
    for (const c of children(x)) stack.push(c);
  }
  return count;
}

class Unsupported extends Error {}

// ---------------------------------------------------------------------------------------------------------
// normalize_latex (latex2sympy2_extended/math_normalization.py) with math_verify's configuration
// ---------------------------------------------------------------------------------------------------------

const R_LEFT = new RegExp(
  String.raw`\\m?left(\\\{|\{|\\\||\||\[|\(|\\rbracl|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\vert|\\lvert|\\langle|\\llcorner|\\ulcorner)`,
  'gu',
);
const R_RIGHT = new RegExp(
  String.raw`\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\rbrack|\\vert|\\rvert|\\rceil|\\rfloor|\\vert|\\rvert|\\rangle|\\lrcorner|\\urcorner)`,
  'gu',
);
const PERMUTATION = new RegExp(String.raw`\(([a-zA-Z0-9+\-*/\\ ]+?)\)_\{([a-zA-Z0-9+\-*/\\ ]+?)\}`, 'gu');
const TO_REMOVE = new RegExp(
  String.raw`\\mathrm\{th\}|\\!${S}*|\\text${S}*\{${S}*\}|\\\$|\$|(?<!\\)["']|\\displaystyle`,
  'gu',
);
/** (name, pattern, replacement) in the reference's order: the first alternative that matches at a position wins. */
const TO_REPLACE: [string, string, string][] = [
  ['math', String.raw`\\math(?:rm|it|bf)`, String.raw`\text`],
  ['text', String.raw`\\text(?:normal|bf|it|rm)`, String.raw`\text`],
  ['frac', String.raw`\\(?:d|t|c)frac`, String.raw`\frac`],
  ['decimal_space', String.raw`${S}\.`, ' 0.'],
  ['decimal_brace', String.raw`\{\.`, '{0.'],
  ['approx', '~=', String.raw`\approx`],
  ['comma', String.raw`${S}*\{${S}*,${S}*\}`, ','],
  ['and_or', String.raw`(?<![a-zA-Z])(,?${S}*(?:and|or))(?![a-zA-Z])`, ','],
  ['and_or_text', String.raw`(,?${S}*\\text\{${S}*(?:and|or)${S}*\})`, ','],
  ['backslash_space', String.raw`(?<!\\)\\${S}`, ' '],
  ['infinity', 'infinity', String.raw`\infty`],
  ['dot', String.raw`,?(\\ldots)`, ' '],
  ['percentage', String.raw`${S}*(?<!${WORD})percentage(?!${WORD})`, String.raw`\%`],
  ['percentage_in_text', String.raw`\\text\{percentage\}`, '%'],
  ['percent', String.raw`${S}*(?<!${WORD})percent(?!${WORD})`, String.raw`\%`],
  ['percent_in_text', String.raw`\\text\{percent\}`, '%'],
  ['pct', String.raw`${S}*(?<!${WORD})pct(?!${WORD})`, String.raw`\%`],
  ['pct_in_text', String.raw`\\text\{pct\}`, '%'],
  ['inf', String.raw`((?<!\\)inf(?!inity))`, String.raw`\infty`],
  ['sqrt', ' sqrt', String.raw`\sqrt`],
];
const TO_REPLACE_RE = new RegExp(TO_REPLACE.map(([n, p]) => `(?<${n}>${p})`).join('|'), 'gu');
const COMMAND_SLASH_FIX = /\\\\(?=[a-zA-Z])/gu;
const UNIT_SUPERSCRIPT = new RegExp(String.raw`(\\(?:text|mbox)\{[^\n]*?\})(\^${D}|\{\^${D}\})?$`, 'gu');
/** The reference's unit list, joined as a regex exactly as it does (so "." is a wildcard and "integer" "point" is one word). */
const UNITS = [
  'integerpoint', 'feet', 'sue', 'digit', 'pound', 'meal', 'edge', 'student', 'children ticket', 'multiple', 'east',
  'degree', 'mph', 'kmph', 'ft', 'm square', ' m east', 'sq m', 'deg', 'mile', 'q .', 'monkey', 'prime', 'ratio',
  'profit of rs', 'rd', 'o', 'gm', 'p . m', 'lb', 'tile', 'per', 'dm', 'lt', 'gain', 'ab', 'way', 'west', 'a .', 'b .',
  'c .', 'd .', 'e .', 'f .', 'g .', 'h .', 't', 'h', 'no change', 'men', 'soldier', 'pie', 'bc', 'excess', 'st',
  'inches', 'noon', 'cent', 'by', 'gal', 'kmh', 'c', 'acre', 'rise', 'a . m', 'th', 'π r 2', 'sq', 'mark', 'l', 'toy',
  'coin', 'sq . m', 'gallon', '° f', 'profit', 'minw', 'yr', 'women', 'am', 'pm', 'hr', 'cu cm', 'square', 'v â € ™',
  'are', 'rupee', 'rounds', 'cubic', 'cc', 'mtr', 's', 'ohm', 'number', 'kmph', 'day', 'hour', 'minute', 'min',
  'second', 'man', 'woman', 'sec', 'cube', 'mt', 'sq inch', 'mp', '∏ cm ³', 'hectare', 'more', 'sec', 'unit',
  'cu . m', 'cm 2', 'rs .', 'rs', 'kg', 'g', 'month', 'km', 'm', 'cm', 'mm', 'apple', 'liter', 'loss', 'yard', 'pure',
  'year', 'increase', 'decrease', 'd', 'less', 'Surface', 'litre', 'pi sq m', 's .', 'metre', 'meter', 'inch',
];
const UNITS_RE = new RegExp(
  `(${D}|\\}|${S})${S}*(?:(?:${UNITS.map((u) => u.replace(/\./g, '[^\\n]')).join('|')})(?:s|es)?)${S}*$`,
  'gu',
);
const MALFORMED: [RegExp, (...g: string[]) => string][] = [
  [new RegExp(String.raw`\^${S}?\(([^\n]*?)\)`, 'gu'), (_m, a) => `^{${a}}`],
  [new RegExp(String.raw`sqrt${S}?\(([^\n]*?)\)`, 'gu'), (_m, a) => String.raw`\sqrt{` + a + '}'],
  [new RegExp(String.raw`\\frac${S}?(${D})${S}?(${D}+)`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\log_${S}?(${D})${S}?(${D}+)`, 'gu'), (_m, a, b) => String.raw`\log_{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\frac${S}?\{([^\n]*?)\}${S}?(${D})`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\frac${S}?(${D})${S}?\{([^\n]*?)\}`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\sqrt${S}?(${D})`, 'gu'), (_m, a) => String.raw`\sqrt{` + a + '}'],
];
const VALID_SEPARATOR = new RegExp(`(?<!${WORD})(and|or)(?!${WORD})|,|;`, 'u');

/** Python `s.rfind(sub, 0, end)`. */
function rfind(s: string, sub: string, end: number): number {
  const from = end - sub.length;
  return from < 0 ? -1 : s.lastIndexOf(sub, from);
}

/** `extract_boxed_content`: contents of `\boxed{…}` / `\fbox{…}` searched from the right, joined by ",". */
function extractBoxedContent(text: string, mode: 'last' | 'all'): string {
  const results: string[] = [];
  let currentPos = text.length;
  let lastBoxedStart: number | null = null;
  let maxPos = text.length;
  const findEnd = (open: number, limit: number): number | null => {
    let depth = 1;
    for (let i = open + 1; i < limit; i++) {
      const ch = text[i];
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) return i;
      }
    }
    return null;
  };
  for (;;) {
    const boxedIdx = rfind(text, '\\boxed', currentPos);
    const fboxIdx = rfind(text, '\\fbox', currentPos);
    if (boxedIdx < 0 && fboxIdx < 0) break;
    const startIdx = Math.max(boxedIdx, fboxIdx);
    let next = startIdx + (boxedIdx > fboxIdx ? 6 : 5);
    while (next < maxPos && pyIsSpace(text[next])) next++;
    if (next >= maxPos) break;
    if (text[next] === '{') {
      const end = findEnd(next, maxPos);
      if (end === null) {
        if (results.length === 0) results.push(text.slice(next));
        break;
      }
      const content = pyStrip(text.slice(next + 1, end));
      if (mode === 'last' && lastBoxedStart !== null) {
        const between = text.slice(end + 1, lastBoxedStart);
        const prev = results.length > 0 ? results[results.length - 1] : '';
        const n = cpLen(between);
        const ok = n < 10 || (prev !== content && n < 70 && VALID_SEPARATOR.test(between));
        if (!ok) break;
      }
      if (results.length === 0 || results[results.length - 1] !== content) results.push(content);
      lastBoxedStart = startIdx;
      maxPos = startIdx;
    } else {
      if (results.length === 0) results.push(text.slice(next));
      break;
    }
    currentPos = startIdx;
  }
  if (results.length === 0) return text;
  return results.reverse().join(',');
}

/** `_fix_fracs`: `\frac12` → `\frac{1}{2}`, `\frac1{2}` → `\frac{1}{2}`. */
function fixFracs(text: string): string {
  const parts = text.split('\\frac');
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const sub = pyLstrip(parts[i]);
    out += '\\frac';
    const cps = Array.from(sub);
    if (cps.length > 0 && cps[0] === '{') out += sub;
    else if (cps.length < 2) return text;
    else {
      const a = cps[0];
      const b = cps[1];
      const rest = cps.slice(2).join('');
      out += b !== '{' ? `{${a}}{${b}}${rest}` : `{${a}}${b}${rest}`;
    }
  }
  return out;
}

/** `_fix_sqrt`: `\sqrt3` → `\sqrt{3}`. */
function fixSqrt(text: string): string {
  if (!text.includes('\\sqrt')) return text;
  const parts = text.split('\\sqrt');
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const sp = pyLstrip(parts[i]);
    const a = firstCp(sp);
    out += sp.length > 0 && a !== '{' && a !== '[' ? `\\sqrt{${a}}${sp.slice(a.length)}` : `\\sqrt${sp}`;
  }
  return out;
}

/** `_fix_a_slash_b`: "2/3" → `\frac{2}{3}` when both sides are canonical integers. */
function fixASlashB(text: string): string {
  const m = /^(0|-?[1-9][0-9]*)\/(0|-?[1-9][0-9]*)$/.exec(text);
  return m ? `\\frac{${m[1]}}{${m[2]}}` : text;
}

/** `normalize_latex(text, NormalizationConfig(basic_latex, units, malformed_operators, nits, boxed=mode))`. */
export function normalizeLatex(text: string, boxed: 'all' | 'last'): string {
  text = extractBoxedContent(text, boxed);
  // basic_latex
  text = replaceAllLit(text, '\\mathrm{T}', 'T');
  text = replaceAllLit(replaceAllLit(text, '\\mathrm{d}', 'd'), '{\\rm d}', 'd');
  text = replaceAllLit(text, '\\left[\\begin{matrix}', '\\begin{bmatrix}');
  text = replaceAllLit(text, '\\end{matrix}\\right]', '\\end{bmatrix}');
  text = text.replace(R_LEFT, (_m, d: string) => d).replace(R_RIGHT, (_m, d: string) => d);
  text = text.replace(PERMUTATION, (_m, a: string, b: string) => `\\frac{(${a})!}{((${a})-(${b}))!}`);
  text = text.replace(TO_REMOVE, '');
  text = text.replace(TO_REPLACE_RE, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    for (const [name, , rep] of TO_REPLACE) if (groups[name] !== undefined) return rep;
    return String(args[0]);
  });
  text = text.replace(/\n/g, ' ').replace(/\t/g, ' ');
  if (!text.includes('matrix')) text = text.replace(COMMAND_SLASH_FIX, '\\');
  // units
  {
    const t = pyStrip(text.replace(UNIT_SUPERSCRIPT, ''));
    if (t !== '' && t !== text) text = t;
    for (let k = 0; k < 2; k++) {
      const u = text.replace(UNITS_RE, (_m, c: string) => c);
      if (u !== '' && u !== text) text = u;
    }
  }
  // nits
  if (text.startsWith('.')) text = '0' + text;
  if (text === '0.5') text = '\\frac{1}{2}';
  // malformed operators
  for (const [re, f] of MALFORMED) text = text.replace(re, (...g: unknown[]) => f(...(g as string[]).map((x) => (x === undefined ? '' : String(x)))));
  text = replaceAllLit(text, ' sqrt', '\\sqrt');
  text = fixSqrt(text);
  text = fixFracs(text);
  text = fixASlashB(text);
  return pyStrip(text);
}

// ---------------------------------------------------------------------------------------------------------
// latex2sympy: lexer (PS.g4 tokens, longest match, ties to the earlier rule)
// ---------------------------------------------------------------------------------------------------------

/** A conversion failure (latex2sympy raised): the match is skipped / the retry path is taken. */
class LatexFail extends Error {}

type Tok = { t: string; s: string };

const GREEK_UNICODE: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', Γ: 'Gamma', δ: 'delta', Δ: 'Delta', ε: 'epsilon', ϵ: 'varepsilon', ζ: 'zeta',
  η: 'eta', θ: 'theta', Θ: 'Theta', ϑ: 'vartheta', ι: 'iota', κ: 'kappa', λ: 'lambda', Λ: 'Lambda', μ: 'mu', ν: 'nu',
  ξ: 'xi', Ξ: 'Xi', ο: 'omicron', π: 'pi', Π: 'Pi', ϖ: 'varpi', ρ: 'rho', ϱ: 'varrho', σ: 'sigma', Σ: 'Sigma',
  ς: 'varsigma', τ: 'tau', υ: 'upsilon', Υ: 'Upsilon', φ: 'phi', Φ: 'Phi', ϕ: 'varphi', χ: 'chi', ψ: 'psi', Ψ: 'Psi',
  ω: 'omega', Ω: 'Omega',
};
const GREEK_CMDS = [
  'alpha', 'beta', 'gamma', 'Gamma', 'delta', 'Delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'Theta',
  'vartheta', 'iota', 'kappa', 'lambda', 'Lambda', 'mu', 'nu', 'xi', 'Xi', 'omicron', 'pi', 'Pi', 'varpi', 'rho',
  'varrho', 'sigma', 'Sigma', 'varsigma', 'tau', 'upsilon', 'Upsilon', 'phi', 'Phi', 'varphi', 'chi', 'psi', 'Psi',
  'omega', 'Omega',
].map((g) => '\\' + g);
const OTHER_SYMBOLS = [
  '\\Bbbk', '\\wp', '\\nabla', '\\bigstar', '\\angle', '\\nexists', '\\diagdown', '\\measuredangle', '\\eth', 'ℵ', 'ℶ',
  'ℷ', 'ℸ', '\\diagup', '\\sphericalangle', '\\clubsuit', '\\varnothing', '\\Diamond', '\\complement', '\\diamondsuit',
  '\\imath', '\\Finv', '\\triangledown', '\\heartsuit', '\\jmath', '\\Game', '\\triangle', '\\spadesuit', '\\ell',
  '\\hbar', '\\vartriangle', '\\hslash', '\\blacklozenge', '\\lozenge', '\\blacksquare', '\\mho', '\\blacktriangle',
  '\\sharp', '\\prime', '\\Im', '\\flat', '\\square', '\\backprime', '\\Re', '\\natural', '\\surd', '\\circledS',
];
const ACCENT_CMDS = [
  'acute', 'bar', 'overline', 'breve', 'check', 'widecheck', 'dot', 'ddot', 'grave', 'hat', 'tilde', 'widetilde', 'vec',
  'overrightarrow', 'bm', 'boldsymbol', 'text', 'textit', 'textbf', 'textnormal', 'mathbb', 'mathbin', 'mathbf',
  'mathcal', 'mathclap', 'mathclose', 'mathellipsis', 'mathfrak', 'mathinner', 'mathit', 'mathnormal', 'mathop',
  'mathopen', 'mathord', 'mathpunct', 'mathrel', 'mathring', 'mathrlap', 'mathrm', 'mathscr', 'mathsf', 'mathsterling',
  'mathtt', 'mbox',
].sort((a, b) => b.length - a.length);
const ACCENT_RE = new RegExp(String.raw`\\(?:${ACCENT_CMDS.join('|')})[ \t\r\n]?\{(?:\\\}|[^}])*?\}`, 'y');

/** Literal tokens in rule order (earlier = wins ties). The parser-rule literals (T__n) come first, as in ANTLR. */
const LITERAL_GROUPS: [string, string[]][] = [
  ['TRANSPOSE', ['^T', '^{T}', '^{\\top}', "'"]],
  ['DEGREE', ['^\\circ', '^\\degree', '^\\circle', '^°', '^{\\circ}', '^{\\degree}', '^{\\circle}', '^{°}']],
  ['SKIP', ['\\,', '\\thinspace', '\\:', '\\medspace', '\\;', '\\thickspace', '\\quad', '\\qquad', '\\!', '\\negthinspace',
    '\\negmedspace', '\\negthickspace', '\\$', '\\vrule', '\\vcenter', '\\vbox', '\\vskip', '\\vspace', '\\hfil']],
  ['ADD', ['+', '∔', '⊕', '⊞']],
  ['SUB', ['-', '−', '∸']],
  ['MUL', ['*', '×', '⋅', '⋄', '⊡', '∗', '⋆', '∘', '∙', '⊗', '⊠', '⋈', '⋉', '⋊']],
  ['DIV', ['/', '÷', '∕', '\\over']],
  ['L_PAREN', ['(']], ['R_PAREN', [')']], ['L_PAREN_VISUAL', ['\\(']], ['R_PAREN_VISUAL', ['\\)']],
  ['L_GROUP', ['\\lgroup']], ['R_GROUP', ['\\rgroup']], ['L_BRACE', ['{']], ['R_BRACE', ['}']],
  ['L_BRACE_VISUAL', ['\\{']], ['R_BRACE_VISUAL', ['\\}']], ['L_BRACE_CMD', ['\\lbrace']], ['R_BRACE_CMD', ['\\rbrace']],
  ['L_BRACKET', ['[']], ['R_BRACKET', [']']], ['L_BRACK', ['\\lbrack']], ['R_BRACK', ['\\rbrack']],
  ['PHANTOM', ['\\phantom']], ['BOXED', ['\\boxed']],
  ['BAR', ['|']], ['L_VERT', ['\\lvert']], ['R_VERT', ['\\rvert']], ['VERT', ['\\vert']], ['NORM', ['\\|']],
  ['L_ANGLE', ['\\langle']], ['R_ANGLE', ['\\rangle']], ['L_FLOOR', ['\\lfloor']], ['R_FLOOR', ['\\rfloor']],
  ['LL_CORNER', ['\\llcorner']], ['LR_CORNER', ['\\lrcorner']], ['L_CEIL', ['\\lceil']], ['R_CEIL', ['\\rceil']],
  ['UL_CORNER', ['\\ulcorner']], ['UR_CORNER', ['\\urcorner']],
  ['UNSUP', ['\\lim', '\\to', '\\rightarrow', '\\Rightarrow', '\\longrightarrow', '\\Longrightarrow', '\\int']],
  ['SUMPROD', ['\\sum', '\\prod']],
  ['FUNC1', ['\\log', '\\ln', '\\exp', '\\sin', '\\cos', '\\tan', '\\csc', '\\sec', '\\cot']],
  ['FUNC_GAMMA', ['\\Gamma', '\\gamma']],
  ['FUNC1', ['\\arcsin', '\\arccos', '\\arctan', '\\arccsc', '\\arcsec', '\\arccot', '\\sinh', '\\cosh', '\\tanh',
    '\\arsinh', '\\arcosh', '\\artanh', '\\arcsinh', '\\arccosh', '\\arctanh']],
  ['NAME', ['arsinh', 'arcsinh', 'arcosh', 'arccosh', 'artanh', 'arctanh', 'gcd', 'lcm', 'floor', 'ceil', 'eye', 'zeros',
    'ones', 'cols', 'rows', 'diag', 'norm', 'rank', 'trace', 'tr', 'rref', 'hstack', 'vstack', 'orth', 'ortho',
    'orthogonal', 'orthogonalize', 'nullspace', 'eig', 'eigen', 'diagonalize', 'eigenvals', 'eigenvalues', 'eigenvects',
    'eigenvectors', 'svd', 'SVD']],
  ['SQRT', ['\\sqrt']],
  ['MULTI', ['\\gcd', '\\lcm']],
  ['FUNC1', ['\\floor', '\\ceil']],
  ['MULTI', ['\\max', '\\min']],
  ['FUNC1', ['\\det']],
  ['CMD_TIMES', ['\\times']], ['CMD_CDOT', ['\\cdot']], ['CMD_DIV', ['\\div']],
  ['FRAC', ['\\frac', '\\dfrac', '\\tfrac', '\\cfrac']], ['BINOM', ['\\binom', '\\tbinom', '\\dbinom']],
  ['CHOOSE', ['\\choose']], ['MOD', ['\\mod']], ['UNSUP', ['\\mathit', '\\operatorname']],
  ['NAME', ['matrix', 'pmatrix', 'bmatrix', 'vmatrix']],
  ['MATRIX_START', ['\\begin{matrix}', '\\begin{pmatrix}', '\\begin{bmatrix}']],
  ['MATRIX_END', ['\\end{matrix}', '\\end{pmatrix}', '\\end{bmatrix}']],
  ['ARRAY_END', ['\\end{array}']],
  ['UNSUP', ['\\begin{vmatrix}', '\\end{vmatrix}']],
  ['MATRIX_DEL_COL', ['&']],
  ['MATRIX_DEL_ROW', ['\\\\']],
  ['UNDERSCORE', ['_']], ['CARET', ['^']], ['COLON', [':']], ['SEMICOLON', [';']], ['COMMA', [',']], ['PERIOD', ['.']],
  ['EXP_E', ['e', '\\exponentialE']], ['E_NOTATION_E', ['E']],
  ['UNSUP', ['\\xrightarrow', '\\xRightarrow', '<->', '<=>', '\\leftrightarrow', '\\Leftrightarrow']],
  ['IN', ['\\in']],
  ['ASSIGNMENT', ['=', '≡', '≣', '≟', '≎', '≏', '≐', '≑', '≒', '≓', '≔', '≕', '≖', '≗']],
  ['EQUAL', ['==', '\\equiv']],
  ['APPROX', ['~=', '≈', '≊', '≋', '≃', '≅', '\\approx']],
  ['LT', ['<', '≪', '≺', '⋖', '\\lt']],
  ['LTE', ['\\leq', '\\le', '\\leqslant', '≤', '≦', '≲', '≾', '<=']],
  ['GT', ['>', '≫', '≻', '⋗', '\\gt']],
  ['GTE', ['\\geq', '\\ge', '\\geqslant', '≥', '≧', '≳', '≿', '>=']],
  ['UNEQUAL', ['!=', '!==', '\\ne', '\\neq', '\\not\\equiv', '≠', '≁', '≄', '≇', '≉', '≢']],
  ['BANG', ['!']],
  ['GREEK', [...GREEK_CMDS, ...Object.keys(GREEK_UNICODE)]],
  ['OTHER_SYM', OTHER_SYMBOLS],
  ['SYMBOL', ['\\partial', '\\infty', '\\$\\infty', '\\infty\\%', '\\infty%']],
  ['LSET', ['\\mathbb{N}', 'ℕ', '\\mathbb{Z}', 'ℤ', '\\mathbb{Q}', 'ℚ', '\\mathbb{R}', 'ℝ', '\\mathbb{C}', 'ℂ', '\\mathbb{P}', 'ℙ']],
  ['UNION', ['\\cup', '∪']],
  ['INTERSECTION', ['\\cap', '∩']],
  ['SET_MINUS', ['\\setminus', '∖']],
  ['PLUS_MINUS', ['\\pm', '±', '∓', '\\mp']],
  ['SET_EMPTY', ['\\emptyset', '∅', '\\{\\}', '\\lbrace\\rbrace']],
  ['UNSUP', ['\\supseteq', '⊇', '\\subseteq', '⊆', '\\notin', '∉']],
];
interface Lit {
  s: string;
  t: string;
  rank: number;
}
const LITERALS_BY_FIRST = new Map<string, Lit[]>();
{
  let rank = 0;
  for (const [t, list] of LITERAL_GROUPS) {
    for (const s of list) {
      const lit: Lit = { s, t, rank };
      const key = s[0];
      const arr = LITERALS_BY_FIRST.get(key) ?? [];
      arr.push(lit);
      LITERALS_BY_FIRST.set(key, arr);
    }
    rank++;
  }
}
/** Ranks of the pattern rules, placed where they stand in PS.g4. */
const RANK_OF = (t: string): number => {
  const i = LITERAL_GROUPS.findIndex(([name]) => name === t);
  return i < 0 ? 1000 : i;
};
const RANK_NUMBER = RANK_OF('EXP_E') + 0.5; // NUMBER / E_NOTATION sit after LETTER_NO_E
const RANK_LETTER = RANK_OF('E_NOTATION_E') + 0.1;
const RANK_DIFFERENTIAL = RANK_OF('PERIOD') + 0.5;
const RANK_PERCENT = RANK_OF('BANG') + 0.5;
const RANK_GREEK = RANK_OF('GREEK');
const RANK_OTHER = RANK_OF('OTHER_SYM');
const RANK_ACCENT = LITERAL_GROUPS.findIndex(([, l]) => l.includes('\\mathbb{N}')) + 0.5; // after the \mathbb sets

const NUMBER_RE = /[0-9]*\.[0-9]+|[0-9]+/y;
const ARRAY_START_RE = /\\begin\{array\}\{[clr]*\}/y;
const DIFFERENTIAL_RE = /d[ \t\r\n]*(?:\\[a-zA-Z]+|[a-zA-Z])/y;

function lexLatex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
      continue;
    }
    let best: { t: string; len: number; rank: number } | null = null;
    const offer = (t: string, len: number, rank: number): void => {
      if (len <= 0) return;
      if (best === null || len > best.len || (len === best.len && rank < best.rank)) best = { t, len, rank };
    };
    for (const lit of LITERALS_BY_FIRST.get(ch) ?? []) {
      if (src.startsWith(lit.s, i)) {
        let len = lit.s.length;
        let t = lit.t;
        if (t === 'GREEK' || t === 'OTHER_SYM') {
          if (src[i + len] === ' ') len++;
        }
        offer(t, len, t === 'GREEK' ? RANK_GREEK : t === 'OTHER_SYM' ? RANK_OTHER : lit.rank);
      }
    }
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      if (ch !== 'e' && ch !== 'E') offer('LETTER', 1, RANK_LETTER);
      if (ch === 'd') {
        DIFFERENTIAL_RE.lastIndex = i;
        const m = DIFFERENTIAL_RE.exec(src);
        if (m) offer('DIFFERENTIAL', m[0].length, RANK_DIFFERENTIAL);
      }
    }
    if ((ch >= '0' && ch <= '9') || ch === '.') {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(src);
      if (m) {
        const n = m[0].length;
        offer('NUMBER', n, RANK_NUMBER);
        const e = /E[+\-−∸∔⊕⊞]?[0-9]+/y;
        e.lastIndex = i + n;
        const em = e.exec(src);
        if (em) offer('E_NOTATION', n + em[0].length, RANK_NUMBER + 0.1);
        const p = /[ \t\r\n]?(?:\\%|%)/y;
        p.lastIndex = i + n;
        const pm = p.exec(src);
        if (pm) offer('PERCENT_NUMBER', n + pm[0].length, RANK_PERCENT);
      }
    }
    if (ch === '\\') {
      ACCENT_RE.lastIndex = i;
      const m = ACCENT_RE.exec(src);
      if (m) offer('ACCENT', m[0].length, RANK_ACCENT);
      ARRAY_START_RE.lastIndex = i;
      const a = ARRAY_START_RE.exec(src);
      if (a) offer('ARRAY_START', a[0].length, RANK_OF('MATRIX_START'));
    }
    if (best === null) throw new LatexFail(`token recognition error at ${i}`);
    const b: { t: string; len: number } = best;
    if (b.t !== 'SKIP') toks.push({ t: b.t, s: src.slice(i, i + b.len) });
    i += b.len;
  }
  toks.push({ t: 'EOF', s: '' });
  return toks;
}

// ---------------------------------------------------------------------------------------------------------
// latex2sympy: parser (recursive descent with ordered choice, following PS.g4 and _Latex2Sympy.convert_*)
// ---------------------------------------------------------------------------------------------------------

const MAX_PARSE_STEPS = 20000;
const MAX_PARSE_DEPTH = 60;
const GREEK_MAP: Record<string, string> = { ...GREEK_UNICODE };
for (const g of GREEK_CMDS) GREEK_MAP[g] = g.slice(1);
const HALF: MathNode = { k: 'rat', p: 1n, q: 2n };
const PCT_UE: MathNode = { k: 'ue', arg: { k: 'rat', p: 1n, q: 100n } };
const OPENERS_INTERVAL: Record<string, boolean> = { L_BRACKET: false, L_PAREN: true, L_PAREN_VISUAL: true, L_BRACK: false, L_GROUP: true };
const CLOSERS_INTERVAL: Record<string, boolean> = { R_BRACKET: false, R_PAREN: true, R_PAREN_VISUAL: true, R_BRACK: false, R_GROUP: true };
const GROUP_PAIRS: Record<string, string> = {
  L_PAREN: 'R_PAREN', L_GROUP: 'R_GROUP', L_BRACE: 'R_BRACE', L_BRACKET: 'R_BRACKET', L_BRACE_VISUAL: 'R_BRACE_VISUAL',
  L_BRACE_CMD: 'R_BRACE_CMD', L_BRACK: 'R_BRACK',
};
const COMP_STARTERS = new Set([
  'L_PAREN', 'L_GROUP', 'L_BRACE', 'L_BRACKET', 'L_BRACE_VISUAL', 'L_BRACE_CMD', 'L_BRACK', 'PHANTOM', 'BOXED', 'NORM',
  'BAR', 'L_VERT', 'VERT', 'L_ANGLE', 'L_FLOOR', 'LL_CORNER', 'L_CEIL', 'UL_CORNER', 'FRAC', 'BINOM', 'LETTER', 'GREEK',
  'OTHER_SYM', 'ACCENT', 'SYMBOL', 'NUMBER', 'PERCENT_NUMBER', 'E_NOTATION', 'E_NOTATION_E', 'DIFFERENTIAL', 'FUNC_GAMMA',
  'MATRIX_START', 'ARRAY_START',
]);
const FUNC_STARTERS = new Set(['FUNC1', 'MULTI', 'SQRT', 'EXP_E', 'UNSUP', 'SUMPROD']);
const LITERAL_SETS: Record<string, 'Naturals' | 'Integers' | 'Rationals' | 'Reals' | 'Complexes'> = {
  '\\mathbb{N}': 'Naturals', 'ℕ': 'Naturals', '\\mathbb{Z}': 'Integers', 'ℤ': 'Integers', '\\mathbb{Q}': 'Rationals',
  'ℚ': 'Rationals', '\\mathbb{R}': 'Reals', 'ℝ': 'Reals', '\\mathbb{C}': 'Complexes', 'ℂ': 'Complexes',
};
const MP_OPS = new Set(['MUL', 'CMD_TIMES', 'CMD_CDOT', 'DIV', 'CMD_DIV', 'COLON', 'MOD']);
const REL_OPS: Record<string, RelOp | 'approx' | 'in'> = {
  IN: 'in', ASSIGNMENT: 'eq', EQUAL: 'eq', APPROX: 'approx', LT: 'lt', LTE: 'le', GT: 'gt', GTE: 'ge', UNEQUAL: 'ne',
};

/** sympy `Symbol` / constant from latex2sympy's `get_symbol(text, lowercase_symbols=True)`. */
function symbolFromText(text: string): MathNode {
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
function parseNumberText(text: string): MathNode {
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
function asUnaryMinus(e: MathNode): MathNode {
  if (e.k === 'int') return INT(-e.v);
  if (e.k === 'rat') return { k: 'rat', p: -e.p, q: e.q };
  return { k: 'mul', args: [INT(-1n), e] };
}
/** `is_expr_of_only_symbols`. */
function onlySymbols(e: MathNode): boolean {
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
function toSetOrTuple(els: MathNode[][]): MathNode {
  if (els.length === 1) return els[0].length === 1 ? els[0][0] : { k: 'fset', items: els[0] };
  if (els.every((e) => e.length === 1)) return { k: 'fset', items: els.map((e) => e[0]) };
  return { k: 'fset', items: els.map((e) => ({ k: 'tuple', items: e }) as MathNode) };
}
function sympyTruthy(e: MathNode): boolean {
  if (e.k === 'int') return e.v !== 0n;
  if (e.k === 'rat') return true;
  if (e.k === 'float') return e.v !== 0;
  return true;
}
/** Python `1 / r` for a sympy value. */
function reciprocal(r: MathNode): MathNode {
  if (r.k === 'int') return sympyRational(1n, r.v);
  if (r.k === 'rat') return sympyRational(r.q, r.p);
  if (r.k === 'float') return { k: 'float', v: 1 / r.v };
  return { k: 'pow', base: r, exp: INT(-1n) };
}
function combineRelation(lh: MathNode, op: RelOp | 'approx' | 'in', rh: MathNode): MathNode {
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
function makeInterval(lo: MathNode, hi: MathNode, lopen: boolean, ropen: boolean): MathNode {
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

type Alt<T> = () => T;

class LatexParser {
  private pos = 0;
  private steps = 0;
  private depth = 0;
  private closers: string[] = [];
  private memo = new Map<string, { node: MathNode[]; end: number } | null>();

  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)];
  }
  private is(t: string, o = 0): boolean {
    return this.peek(o).t === t;
  }
  private step(): void {
    if (++this.steps > MAX_PARSE_STEPS) throw new Unsupported('parse budget exhausted');
  }
  private eat(t?: string): Tok {
    this.step();
    const tok = this.peek();
    if (tok.t === 'EOF' || (t !== undefined && tok.t !== t)) throw new LatexFail(`expected ${t ?? 'token'} got ${tok.t}`);
    this.pos++;
    return tok;
  }
  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_PARSE_DEPTH) throw new Unsupported('nesting too deep');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }
  private attempt<T>(f: Alt<T>): T | null {
    const save = this.pos;
    const closers = this.closers;
    try {
      return f();
    } catch (e) {
      if (e instanceof LatexFail) {
        this.pos = save;
        this.closers = closers;
        return null;
      }
      throw e;
    }
  }
  private withCloser<T>(c: string | null, f: () => T): T {
    const saved = this.closers;
    this.closers = c === null ? [] : [...saved, c];
    try {
      return f();
    } finally {
      this.closers = saved;
    }
  }
  private textOf(from: number, to: number): string {
    return this.toks
      .slice(from, to)
      .map((t) => t.s)
      .join('');
  }

  /** `math: (set_elements_relation | set_elements | set_relation) EOF`. */
  math(): { kind: 'node'; node: MathNode } | { kind: 'elements'; els: MathNode[][] } {
    const rel = this.attempt(() => {
      const v = this.setElementsRelation();
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (rel) return { kind: 'node', node: rel };
    const els = this.attempt(() => {
      const v = this.semicolonElements(false, 'EOF');
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (els) return { kind: 'elements', els };
    const setRel = this.attempt(() => {
      const v = this.setRelation();
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (setRel) return { kind: 'node', node: setRel };
    throw new LatexFail('nothing matched');
  }

  /** `set_relation: … | atom_expr_list (IN | NOTIN | ASSIGNMENT) set_relation | minus_expr` (⊆/⊇ unsupported). */
  private setRelation(): MathNode {
    const eq = this.attempt(() => {
      const lhs = this.atomExprList();
      if (this.is('UNSUP') && this.peek().s.includes('notin')) throw new Unsupported('notin');
      if (!this.is('IN') && !this.is('ASSIGNMENT')) throw new LatexFail('expected relation');
      this.eat();
      return { k: 'rel', op: 'eq', lhs, rhs: this.setRelation() } as MathNode;
    });
    return eq ?? this.nest(() => this.setBinary(0));
  }
  /** minus_expr / union_expr / intersection_expr, left-associative (∩ binds tighter than ∪, ∪ than ∖). */
  private setBinary(level: number): MathNode {
    const ops = ['SET_MINUS', 'UNION', 'INTERSECTION'];
    const next = (): MathNode => (level < 2 ? this.setBinary(level + 1) : this.setGroup());
    let l = next();
    while (this.is(ops[level])) {
      this.eat();
      const r = next();
      const asSet = (x: MathNode): MathNode => (x.k === 'tuple' ? { k: 'fset', items: x.items } : x);
      l = { k: 'setop', op: (['complement', 'union', 'intersection'] as const)[level], args: level === 0 ? [l, r] : [asSet(l), asSet(r)] };
    }
    return l;
  }
  private setGroup(): MathNode {
    const g = this.attempt(() => {
      this.eat('L_PAREN');
      const e = this.withCloser(null, () => this.nest(() => this.setBinary(0)));
      this.eat('R_PAREN');
      return e;
    });
    return g ?? this.setAtom();
  }

  private atomExprList(): MathNode {
    if (this.is('L_PAREN')) {
      this.eat();
      const items = [this.atomExpr(true)];
      while (this.is('COMMA')) {
        this.eat();
        items.push(this.atomExpr(true));
      }
      this.eat('R_PAREN');
      return items.length === 1 ? items[0] : { k: 'tuple', items };
    }
    return this.atomExpr(true);
  }

  private setElementsRelation(): MathNode {
    const lhs = this.atomExprList();
    if (!this.is('IN') && !this.is('ASSIGNMENT')) throw new LatexFail('expected relation');
    this.eat();
    const els = this.semicolonElements(true, 'EOF');
    return { k: 'rel', op: 'eq', lhs, rhs: toSetOrTuple(els) };
  }

  private semicolonElements(noRel: boolean, closer: string): MathNode[][] {
    const rows = [this.commaElements(noRel, closer)];
    while (this.is('SEMICOLON')) {
      this.eat();
      rows.push(this.commaElements(noRel, closer));
    }
    return rows;
  }
  private commaElements(noRel: boolean, closer: string): MathNode[] {
    const items = [...this.element(noRel, closer)];
    while (this.is('COMMA')) {
      this.eat();
      items.push(...this.element(noRel, closer));
    }
    return items;
  }
  private followOk(closer: string): boolean {
    const t = this.peek().t;
    return t === 'COMMA' || t === 'SEMICOLON' || t === closer;
  }
  /** `element: plus_minus_expr | set_atom | relation` (`element_no_relation` has `expr` last). */
  private element(noRel: boolean, closer: string): MathNode[] {
    const key = `${this.pos}|${noRel}|${closer}|${this.closers.join(',')}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) {
      if (memo === null) throw new LatexFail('memo: no element');
      this.pos = memo.end;
      return memo.node;
    }
    const alts: Alt<MathNode[]>[] = [
      () => this.plusMinus(),
      () => [this.setAtom()],
      () => [noRel ? this.expr() : this.relation()],
    ];
    for (const alt of alts) {
      const r = this.attempt(() => {
        const v = this.nest(alt);
        if (!this.followOk(closer)) throw new LatexFail('element not followed by a separator');
        return v;
      });
      if (r) {
        this.memo.set(key, { node: r, end: this.pos });
        return r;
      }
    }
    this.memo.set(key, null);
    throw new LatexFail('no element');
  }
  private plusMinus(): MathNode[] {
    if (this.is('PLUS_MINUS')) {
      this.eat();
      const e = this.expr();
      return [asUnaryMinus(e), e];
    }
    const l = this.expr();
    this.eat('PLUS_MINUS');
    const r = this.expr();
    return [
      { k: 'add', args: [l, r] },
      { k: 'add', args: [l, asUnaryMinus(r)] },
    ];
  }
  private setAtom(): MathNode {
    const alts: Alt<MathNode>[] = [() => this.interval(), () => this.literalSet(), () => this.orderedTuple(), () => this.finiteSet()];
    for (const alt of alts) {
      const r = this.attempt(alt);
      if (r) return r;
    }
    throw new LatexFail('no set atom');
  }
  private interval(): MathNode {
    const open = this.peek().t;
    if (!(open in OPENERS_INTERVAL)) throw new LatexFail('not an interval');
    this.eat();
    const [lo, hi] = this.withCloser(null, () => {
      const a = this.expr();
      this.eat('COMMA');
      return [a, this.expr()];
    });
    const close = this.peek().t;
    if (!(close in CLOSERS_INTERVAL)) throw new LatexFail('not an interval');
    this.eat();
    return makeInterval(lo, hi, OPENERS_INTERVAL[open], CLOSERS_INTERVAL[close]);
  }
  private literalSet(): MathNode {
    if (this.is('LSET')) {
      const name = LITERAL_SETS[this.eat().s];
      if (name === undefined) throw new LatexFail('Unrecognized literal set');
      return { k: 'lset', name };
    }
    if (this.is('SET_EMPTY')) {
      this.eat();
      return { k: 'emptyset' };
    }
    if (this.is('L_BRACE') && this.is('R_BRACE', 1)) {
      this.eat();
      this.eat();
      return { k: 'emptyset' };
    }
    throw new LatexFail('not a literal set');
  }
  private orderedTuple(): MathNode {
    const pairs: Record<string, string> = { L_PAREN: 'R_PAREN', L_PAREN_VISUAL: 'R_PAREN_VISUAL', L_BRACKET: 'R_BRACKET' };
    const close = pairs[this.peek().t];
    if (!close) throw new LatexFail('not a tuple');
    this.eat();
    const els = this.withCloser(null, () => this.semicolonElements(false, close));
    this.eat(close);
    if (els.length === 1 && els[0].length === 1) return els[0][0];
    return { k: 'tuple', items: els.flat() };
  }
  private finiteSet(): MathNode {
    let boxed = false;
    let close: string;
    if (this.is('BOXED')) {
      this.eat();
      boxed = true;
      this.eat('L_BRACE');
      close = 'R_BRACE';
    } else if (this.is('L_BRACE')) {
      this.eat();
      close = 'R_BRACE';
    } else if (this.is('L_BRACE_VISUAL')) {
      this.eat();
      close = 'R_BRACE_VISUAL';
    } else throw new LatexFail('not a set');
    const els = this.withCloser(null, () => this.semicolonElements(false, close));
    this.eat(close);
    return boxed ? toSetOrTuple(els) : { k: 'fset', items: els.flat() };
  }

  private relation(): MathNode {
    let lh = this.expr();
    while (this.peek().t in REL_OPS) {
      const op = REL_OPS[this.eat().t];
      const rh = this.expr();
      lh = combineRelation(lh, op, rh);
    }
    return lh;
  }

  expr(): MathNode {
    const key = `e|${this.pos}|${this.closers.join(',')}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) {
      if (memo === null) throw new LatexFail('memo: no expr');
      this.pos = memo.end;
      return memo.node[0];
    }
    try {
      const node = this.nest(() => this.additive());
      this.memo.set(key, { node: [node], end: this.pos });
      return node;
    } catch (e) {
      if (e instanceof LatexFail) this.memo.set(key, null);
      throw e;
    }
  }
  private additive(): MathNode {
    let lh = this.mp(false);
    while (this.is('ADD') || this.is('SUB')) {
      const op = this.eat().t;
      const rh = this.mp(false);
      lh = addFlat(lh, op === 'ADD' ? rh : isNumber(rh) ? negateNumber(rh) : mulFlat(INT(-1n), rh));
    }
    return lh;
  }
  private mp(nofunc: boolean): MathNode {
    let lh = this.unary(nofunc);
    while (MP_OPS.has(this.peek().t)) {
      const op = this.eat().t;
      const rh = this.unary(nofunc);
      if (op === 'MUL' || op === 'CMD_TIMES' || op === 'CMD_CDOT') lh = mulFlat(lh, rh);
      else if (op === 'MOD') lh = { k: 'fn', name: 'mod', args: [lh, rh], known: true };
      else if (lh.k === 'int' && rh.k === 'int') lh = sympyRational(lh.v, rh.v);
      else lh = { k: 'mul', args: [lh, { k: 'pow', base: rh, exp: INT(-1n) }] };
    }
    return lh;
  }
  private unary(nofunc: boolean): MathNode {
    return this.nest(() => {
      if (this.is('ADD')) {
        this.eat();
        return this.unary(nofunc);
      }
      if (this.is('SUB')) {
        this.eat();
        const t = this.unary(nofunc);
        return isNumber(t) ? negateNumber(t) : mulFlat(INT(-1n), t);
      }
      const list = [this.postfix(false)];
      while (this.canStartComp(nofunc)) list.push(this.postfix(nofunc));
      return this.convertPostfixList(list);
    });
  }
  private canStartComp(nofunc: boolean): boolean {
    const t = this.peek().t;
    if (this.closers.includes(t)) return false;
    return COMP_STARTERS.has(t) || (!nofunc && FUNC_STARTERS.has(t));
  }
  /** latex2sympy `convert_postfix_list`, including the mixed-number rule `2 \frac{1}{2}` = 5/2. */
  private convertPostfixList(list: MathNode[]): MathNode {
    let acc = list[list.length - 1];
    for (let i = list.length - 2; i >= 0; i--) {
      const res = list[i];
      const rhP = acc.k === 'int' ? acc.v : acc.k === 'rat' ? acc.p : 0n;
      const rhQ = acc.k === 'int' ? 1n : acc.k === 'rat' ? acc.q : 0n;
      if (res.k === 'int' && (acc.k === 'int' || acc.k === 'rat') && rhP > 0n && rhQ > 0n) {
        acc = res.v < 0n ? sympyRational(res.v * rhQ - rhP, rhQ) : sympyRational(res.v * rhQ + rhP, rhQ);
      } else acc = mulFlat(res, acc);
    }
    return acc;
  }
  private postfix(nofunc: boolean): MathNode {
    let e = this.exp(nofunc);
    for (;;) {
      const t = this.peek().t;
      if (t === 'BANG') {
        this.eat();
        e = { k: 'fn', name: 'factorial', args: [e], known: true };
      } else if (t === 'TRANSPOSE' || t === 'DEGREE') {
        this.eat();
      } else if (t === 'BAR' && (this.is('CARET', 1) || this.is('UNDERSCORE', 1)) && !this.closers.includes('BAR')) {
        throw new Unsupported('evaluation bar');
      } else return e;
    }
  }
  private exp(nofunc: boolean): MathNode {
    let base = this.comp(nofunc);
    while (this.is('CARET')) {
      this.eat();
      const exponent = this.atomOrBraced();
      if (this.is('UNDERSCORE')) this.subexpr();
      base = { k: 'pow', base, exp: exponent };
    }
    return base;
  }
  private atomOrBraced(): MathNode {
    if (this.is('L_BRACE')) {
      this.eat();
      const e = this.withCloser(null, () => this.expr());
      this.eat('R_BRACE');
      return e;
    }
    return this.atom();
  }
  private group(open: string): MathNode {
    const close = GROUP_PAIRS[open];
    this.eat(open);
    const e = this.withCloser(null, () => this.expr());
    this.eat(close);
    return e;
  }
  private comp(nofunc: boolean): MathNode {
    const t = this.peek().t;
    switch (t) {
      case 'L_BRACE': {
        const binom = this.attempt(() => {
          this.eat('L_BRACE');
          const [n, k] = this.withCloser(null, () => {
            const a = this.expr();
            this.eat('CHOOSE');
            return [a, this.expr()];
          });
          this.eat('R_BRACE');
          return binomial(n, k);
        });
        return binom ?? this.group(t);
      }
      case 'L_PAREN':
      case 'L_GROUP':
      case 'L_BRACKET':
      case 'L_BRACE_VISUAL':
      case 'L_BRACE_CMD':
      case 'L_BRACK':
        return this.group(t);
      case 'PHANTOM':
      case 'BOXED':
        this.eat();
        return this.group('L_BRACE');
      case 'BAR':
      case 'VERT':
      case 'L_VERT': {
        const close = t === 'L_VERT' ? 'R_VERT' : t;
        this.eat();
        const e = this.withCloser(close, () => this.expr());
        this.eat(close);
        return { k: 'fn', name: 'abs', args: [e], known: true };
      }
      case 'L_FLOOR':
      case 'LL_CORNER':
      case 'L_CEIL':
      case 'UL_CORNER': {
        const close = { L_FLOOR: 'R_FLOOR', LL_CORNER: 'LR_CORNER', L_CEIL: 'R_CEIL', UL_CORNER: 'UR_CORNER' }[t];
        this.eat();
        const e = this.withCloser(null, () => this.expr());
        this.eat(close);
        return { k: 'fn', name: t === 'L_FLOOR' || t === 'LL_CORNER' ? 'floor' : 'ceiling', args: [e], known: true };
      }
      case 'NORM':
      case 'L_ANGLE':
        throw new Unsupported('norm / inner product');
      case 'FRAC':
        return this.frac();
      case 'MATRIX_START':
      case 'ARRAY_START':
        return this.matrix();
      case 'BINOM': {
        this.eat();
        const n = this.group('L_BRACE');
        const k = this.group('L_BRACE');
        return binomial(n, k);
      }
      case 'FUNC_GAMMA':
        if (!nofunc) {
          const f = this.attempt(() => this.func());
          if (f) return f;
        }
        return this.atom();
      case 'LETTER':
      case 'GREEK':
      case 'OTHER_SYM':
      case 'ACCENT':
        if (!nofunc) {
          const f = this.attempt(() => this.letterFunc());
          if (f) return f;
        }
        return this.atom();
      default:
        if (FUNC_STARTERS.has(t)) {
          if (nofunc) throw new LatexFail('function not allowed here');
          return this.func();
        }
        return this.atom();
    }
  }
  /** `matrix: CMD_MATRIX_START matrix_row (MATRIX_DEL_ROW matrix_row)* MATRIX_DEL_ROW? CMD_MATRIX_END` (or array). */
  private matrix(): MathNode {
    const end = this.eat().t === 'MATRIX_START' ? 'MATRIX_END' : 'ARRAY_END';
    const rows = this.withCloser(null, () => {
      const out: MathNode[][] = [];
      for (;;) {
        const row = [this.expr()];
        while (this.is('MATRIX_DEL_COL')) {
          this.eat();
          row.push(this.expr());
        }
        out.push(row);
        if (!this.is('MATRIX_DEL_ROW')) break;
        this.eat();
        if (this.is(end)) break;
      }
      return out;
    });
    this.eat(end);
    if (this.is('UNSUP')) throw new Unsupported('matrix transforms');
    if (rows.some((r) => r.length !== rows[0].length)) throw new LatexFail('ragged matrix');
    return { k: 'matrix', rows };
  }
  private frac(): MathNode {
    this.eat('FRAC');
    const upper = this.group('L_BRACE');
    const lowStart = this.pos + 1;
    const lower = this.group('L_BRACE');
    const lowToks = this.toks.slice(lowStart, this.pos - 1);
    if (lowToks.length === 1 && lowToks[0].t === 'DIFFERENTIAL') throw new Unsupported('derivative');
    if (lowToks.length === 2 && lowToks[0].s === '\\partial') throw new Unsupported('partial derivative');
    if (upper.k === 'int' && lower.k === 'int') return sympyRational(upper.v, lower.v);
    return { k: 'mul', args: [upper, { k: 'pow', base: lower, exp: INT(-1n) }] };
  }
  /** `subexpr: UNDERSCORE (atom | L_BRACE (expr | args) R_BRACE)`; returns its text and value. */
  private subexpr(): { text: string; node: MathNode | null; isAtom: boolean } {
    this.eat('UNDERSCORE');
    if (this.is('L_BRACE')) {
      this.eat();
      const start = this.pos;
      const items = this.withCloser(null, () => {
        const xs = [this.expr()];
        while (this.is('COMMA')) {
          this.eat();
          xs.push(this.expr());
        }
        return xs;
      });
      const text = this.textOf(start, this.pos);
      this.eat('R_BRACE');
      return { text, node: items.length === 1 ? items[0] : null, isAtom: false };
    }
    const start = this.pos;
    const node = this.atom();
    return { text: this.textOf(start, this.pos), node, isAtom: true };
  }
  private supexpr(): MathNode {
    this.eat('CARET');
    return this.atomOrBraced();
  }
  private atom(): MathNode {
    const tok = this.peek();
    switch (tok.t) {
      case 'LETTER':
      case 'GREEK':
      case 'OTHER_SYM':
      case 'ACCENT':
        return this.atomExpr(true);
      case 'SYMBOL': {
        this.eat();
        const s = tok.s.replace('\\$', '').replace('\\%', '').replace('%', '');
        if (s === '\\infty') return { k: 'inf', sign: 1 };
        throw new LatexFail('Unrecognized symbol');
      }
      case 'NUMBER': {
        this.eat();
        const n = parseNumberText(tok.s);
        if (this.is('UNDERSCORE')) this.subexpr();
        return n;
      }
      case 'PERCENT_NUMBER': {
        this.eat();
        const n = parseNumberText(tok.s.replace('\\%', '').replace('%', '').replace(/,/g, '').trim());
        return { k: 'mul', args: [n, PCT_UE] };
      }
      case 'E_NOTATION':
        this.eat();
        return parseNumberText(tok.s);
      case 'E_NOTATION_E':
        this.eat();
        return { k: 'sym', name: 'e' };
      case 'DIFFERENTIAL': {
        this.eat();
        let v = tok.s.slice(1).replace(/^[ \t\r\n]+/, '');
        if (v.startsWith('\\')) v = v.slice(1);
        return { k: 'sym', name: 'd' + v };
      }
      case 'FUNC_GAMMA':
        this.eat();
        return { k: 'const', name: 'EulerGamma' };
      default:
        throw new LatexFail(`unexpected ${tok.t}`);
    }
  }
  /** `atom_expr` (allowSup) / `atom_expr_no_supexpr` → symbol (latex2sympy `convert_atom_expr`). */
  private atomExpr(allowSup: boolean): MathNode {
    const tok = this.eat();
    let atomText: string;
    if (tok.t === 'LETTER') atomText = tok.s;
    else if (tok.t === 'GREEK' || tok.t === 'OTHER_SYM') atomText = tok.s;
    else if (tok.t === 'ACCENT') {
      const open = tok.s.indexOf('{');
      let name = tok.s.slice(1, open);
      let txt = tok.s.slice(open + 1, -1).replace(/ /g, '');
      if (name === 'bar' || name === 'overline') name = 'bar';
      else if (name === 'vec' || name === 'overrightarrow') name = 'vec';
      else if (name === 'tilde' || name === 'widetilde') name = 'tilde';
      else if (name.includes('text') || name.includes('mbox')) {
        name = '';
        txt = txt.replace(/[()]/g, '');
      } else if (name.includes('math')) name = 'math';
      atomText = name ? `${name}{${txt}}` : txt;
    } else throw new LatexFail('not an atom');
    let sub: string | null = null;
    let sup: MathNode | null = null;
    if (this.is('UNDERSCORE')) sub = this.subexpr().text;
    if (allowSup && this.is('CARET')) sup = this.supexpr();
    if (allowSup && sub === null && this.is('UNDERSCORE')) sub = this.subexpr().text;
    if (tok.t === 'LETTER' && tok.s === 'I') return { k: 'const', name: 'I' };
    const subText = sub === null ? '' : cpLen(sub) > 1 ? `_{${sub}}` : `_${sub}`;
    const symbol = symbolFromText(pyStrip(atomText) + subText);
    return sup ? { k: 'pow', base: symbol, exp: sup } : symbol;
  }
  /** Undefined function application `f(x)`, `f(x, y)` (latex2sympy `func: atom_expr_no_supexpr supexpr? (…)`). */
  private letterFunc(): MathNode {
    const start = this.pos;
    this.atomExpr(false);
    const name = this.textOf(start, this.pos);
    const sup = this.is('CARET') ? this.supexpr() : null;
    let open = this.peek().t;
    let close: string;
    let braced = false;
    if (open === 'L_BRACE' && (this.is('L_PAREN', 1) || this.is('L_BRACKET', 1))) {
      this.eat();
      braced = true;
      open = this.peek().t;
    }
    if (open === 'L_PAREN') close = 'R_PAREN';
    else if (open === 'L_BRACKET') close = 'R_BRACKET';
    else throw new LatexFail('not a function call');
    this.eat();
    const args = this.withCloser(null, () => {
      const single = this.attempt(() => {
        const a = this.atom();
        if (!this.is(close)) throw new LatexFail('not a single atom');
        return a;
      });
      if (single) return [single];
      const xs = [this.expr()];
      this.eat('COMMA');
      if (this.is(close)) return xs;
      xs.push(this.expr());
      while (this.is('COMMA')) {
        this.eat();
        xs.push(this.expr());
      }
      return xs;
    });
    this.eat(close);
    if (braced) this.eat('R_BRACE');
    const f: MathNode = { k: 'fn', name, args, known: false };
    return sup ? { k: 'pow', base: f, exp: sup } : f;
  }
  private func(): MathNode {
    const tok = this.peek();
    switch (tok.t) {
      case 'FUNC1':
      case 'FUNC_GAMMA': {
        this.eat();
        let sub: ReturnType<LatexParser['subexpr']> | null = null;
        let sup: MathNode | null = null;
        if (this.is('UNDERSCORE')) sub = this.subexpr();
        if (this.is('CARET')) sup = this.supexpr();
        if (sub === null && this.is('UNDERSCORE')) sub = this.subexpr();
        let arg: MathNode | null = null;
        if (this.is('L_PAREN')) {
          arg = this.attempt(() => {
            this.eat('L_PAREN');
            const e = this.withCloser(null, () => this.expr());
            this.eat('R_PAREN');
            return e;
          });
        }
        if (arg === null) arg = this.mp(true);
        let name = tok.s.slice(1);
        let node: MathNode;
        if (['arcsin', 'arccos', 'arctan', 'arccsc', 'arcsec', 'arccot', 'arcsinh', 'arccosh', 'arctanh'].includes(name)) {
          node = { k: 'fn', name: 'a' + name.slice(3), args: [arg], known: true };
        } else if (['arsinh', 'arcosh', 'artanh'].includes(name)) {
          node = { k: 'fn', name: 'a' + name.slice(2), args: [arg], known: true };
        } else if (name === 'log' || name === 'ln') {
          let base: MathNode = name === 'log' ? INT(10n) : { k: 'const', name: 'E' };
          if (sub) {
            if (sub.node === null) throw new LatexFail('log base');
            base = sub.node;
          }
          node = { k: 'fn', name: 'log', args: [arg, base], known: true };
        } else if (name === 'exp') node = expOf(arg);
        else if (name === 'floor' || name === 'ceil') node = { k: 'fn', name: name === 'floor' ? 'floor' : 'ceiling', args: [arg], known: true };
        else if (name === 'det') throw new Unsupported('determinant');
        else if (name === 'Gamma' || name === 'gamma') node = { k: 'fn', name: 'gamma', args: [arg], known: true };
        else {
          if (sup && sup.k === 'int' && sup.v === -1n) {
            name = 'a' + name;
            sup = null;
          }
          node = { k: 'fn', name, args: [arg], known: true };
        }
        return sup && sympyTruthy(sup) ? { k: 'pow', base: node, exp: sup } : node;
      }
      case 'MULTI': {
        this.eat();
        let sup: MathNode | null = null;
        if (this.is('UNDERSCORE')) this.subexpr();
        if (this.is('CARET')) sup = this.supexpr();
        if (this.is('UNDERSCORE')) this.subexpr();
        this.eat('L_PAREN');
        const args = this.withCloser(null, () => {
          const xs = [this.expr()];
          while (this.is('COMMA')) {
            this.eat();
            xs.push(this.expr());
          }
          return xs;
        });
        this.eat('R_PAREN');
        const node: MathNode = { k: 'fn', name: tok.s.slice(1), args, known: true };
        return sup && sympyTruthy(sup) ? { k: 'pow', base: node, exp: sup } : node;
      }
      case 'SQRT': {
        this.eat();
        let root: MathNode | null = null;
        if (this.is('L_BRACKET')) {
          this.eat();
          root = this.withCloser(null, () => this.expr());
          this.eat('R_BRACKET');
        }
        const base = this.group('L_BRACE');
        return { k: 'pow', base, exp: root ? reciprocal(root) : HALF };
      }
      case 'EXP_E': {
        this.eat();
        if (this.is('CARET')) return expOf(this.supexpr());
        return { k: 'const', name: 'E' };
      }
      case 'SUMPROD': {
        // (FUNC_SUM | FUNC_PROD) (subeq supexpr | supexpr subeq) mp
        this.eat();
        let eq: [MathNode, MathNode] | null = null;
        let hi: MathNode | null = null;
        const subeq = (): [MathNode, MathNode] => {
          this.eat('UNDERSCORE');
          this.eat('L_BRACE');
          const r = this.withCloser(null, (): [MathNode, MathNode] => {
            const a = this.expr();
            if (!this.is('ASSIGNMENT') && !this.is('EQUAL')) throw new LatexFail('expected equality');
            this.eat();
            return [a, this.expr()];
          });
          this.eat('R_BRACE');
          return r;
        };
        if (this.is('UNDERSCORE')) {
          eq = subeq();
          hi = this.supexpr();
        } else {
          hi = this.supexpr();
          eq = subeq();
        }
        const body = this.mp(false);
        if (eq[0].k !== 'sym') throw new LatexFail('summation variable must be a symbol');
        return { k: 'fn', name: tok.s === '\\sum' ? 'sum' : 'product', args: [body, eq[0], eq[1], hi], known: true };
      }
      default:
        throw new Unsupported(`unsupported construct ${tok.s}`);
    }
  }
}

function expOf(arg: MathNode): MathNode {
  if (arg.k === 'int' && arg.v === 0n) return INT(1n);
  if (arg.k === 'int' && arg.v === 1n) return { k: 'const', name: 'E' };
  return { k: 'fn', name: 'exp', args: [arg], known: true };
}
function binomial(n: MathNode, k: MathNode): MathNode {
  if (n.k === 'int' && k.k === 'int' && n.v >= 0n && k.v >= 0n && n.v <= 2000n) {
    if (k.v > n.v) return INT(0n);
    let r = 1n;
    for (let i = 0n; i < k.v; i++) r = (r * (n.v - i)) / (i + 1n);
    return INT(r);
  }
  return { k: 'fn', name: 'binomial', args: [n, k], known: true };
}

const COMMA_NUMBER = new RegExp(`^${S}*-?${D}{1,3}(,${D}{3})+(\\.${D}+)?${S}*${PY_END}`, 'u');

/** latex2sympy `convert_number` for "1,250,000"-style inputs. */
function convertCommaNumber(text: string): MathNode {
  if (text.includes(',') && text.startsWith('0')) text = text.replace(/,/g, '.');
  let integer = text.replace(/[, ]/g, '').replace(/^0+/, '');
  if (integer === '') integer = '0';
  const t = pyStrip(integer);
  if (/^-?[0-9]+$/.test(t)) return INT(BigInt(t));
  const v = Number(t);
  if (!Number.isFinite(v)) throw new LatexFail('bad number');
  return { k: 'float', v };
}

/** `latex2sympy(latex, normalization_config=None)`: throws LatexFail / Unsupported on failure. */
export function latexToNode(latex: string): MathNode {
  const parser = new LatexParser(lexLatex(latex));
  const r = parser.math();
  if (r.kind === 'node') return r.node;
  if (COMMA_NUMBER.test(latex)) return convertCommaNumber(latex);
  return toSetOrTuple(r.els);
}

const EQ_SPLIT = /(?<!\\|<|!|>)=/u;
/** math_verify `parse_latex_cached`: on failure retry with the part after the last "=" (no "," or ";"). */
function parseLatexCached(latex: string): MathNode {
  try {
    return latexToNode(latex);
  } catch (e) {
    if (!latex.includes(',') && !latex.includes(';')) {
      const parts = latex.split(EQ_SPLIT);
      if (parts.length > 2) return latexToNode(parts[parts.length - 1]);
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// sympy parse_expr(expr, evaluate=False) for math_verify's plain arithmetic matches ("3*(4+1)", "1/2", "2^3")
// ---------------------------------------------------------------------------------------------------------

class PyExprParser {
  private toks: { t: 'num' | 'op' | 'name'; s: string }[] = [];
  private i = 0;
  constructor(src: string) {
    // Python's tokenizer reads a run starting with a non-ASCII digit as a NAME (auto_symbol makes it a Symbol)
    const re = /[ \t\f]+|([0-9]+\.[0-9]*|\.[0-9]+)|([0-9]+)|(\*\*|\/\/|[+\-*/()])|((?![0-9])\p{Nd}\p{Nd}*)/uy;
    let pos = 0;
    while (pos < src.length) {
      re.lastIndex = pos;
      const m = re.exec(src);
      if (!m) throw new LatexFail('python syntax error');
      pos = re.lastIndex;
      if (m[1] !== undefined) this.toks.push({ t: 'num', s: m[1] });
      else if (m[2] !== undefined) {
        // Python's tokenizer reads "012" as "0" "12" (adjacent numbers: a syntax error)
        if (/^0+[1-9]/.test(m[2])) throw new LatexFail('python syntax error');
        this.toks.push({ t: 'num', s: m[2] });
      } else if (m[3] !== undefined) this.toks.push({ t: 'op', s: m[3] });
      else if (m[4] !== undefined) this.toks.push({ t: 'name', s: m[4] });
    }
    if (this.toks.length > 400) throw new Unsupported('expression too long');
  }
  private peek(): string | null {
    const t = this.toks[this.i];
    return t === undefined ? null : t.t === 'op' ? t.s : '#';
  }
  parse(): MathNode {
    const e = this.sum(0);
    if (this.i !== this.toks.length) throw new LatexFail('python syntax error');
    return e;
  }
  private sum(d: number): MathNode {
    if (d > 100) throw new Unsupported('too deep');
    let l = this.term(d);
    for (let p = this.peek(); p === '+' || p === '-'; p = this.peek()) {
      this.i++;
      const r = this.term(d);
      l = { k: 'add', args: [l, p === '+' ? r : { k: 'mul', args: [INT(-1n), r] }] };
    }
    return l;
  }
  private term(d: number): MathNode {
    let l = this.factor(d);
    for (let p = this.peek(); p === '*' || p === '/' || p === '//'; p = this.peek()) {
      this.i++;
      const r = this.factor(d);
      if (p === '*') l = { k: 'mul', args: [l, r] };
      else if (p === '/') l = { k: 'mul', args: [l, { k: 'pow', base: r, exp: INT(-1n) }] };
      else l = { k: 'fn', name: 'floor', args: [{ k: 'mul', args: [l, { k: 'pow', base: r, exp: INT(-1n) }] }], known: true };
    }
    return l;
  }
  private factor(d: number): MathNode {
    const p = this.peek();
    if (p === '+' || p === '-') {
      this.i++;
      const x = this.factor(d + 1);
      if (p === '+') return x;
      return isNumber(x) ? negateNumber(x) : { k: 'mul', args: [INT(-1n), x] };
    }
    const base = this.atom(d);
    if (this.peek() === '**') {
      this.i++;
      return { k: 'pow', base, exp: this.factor(d + 1) };
    }
    return base;
  }
  private atom(d: number): MathNode {
    const t = this.toks[this.i];
    if (t === undefined) throw new LatexFail('python syntax error');
    this.i++;
    if (t.t === 'num') return sympyNumber(t.s.endsWith('.') ? t.s + '0' : t.s);
    if (t.t === 'name') return { k: 'sym', name: t.s };
    if (t.s === '(') {
      if (this.peek() === ')') throw new LatexFail('empty tuple');
      const e = this.sum(d + 1);
      if (this.peek() !== ')') throw new LatexFail('python syntax error');
      this.i++;
      return e;
    }
    throw new LatexFail('python syntax error');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation: exact rationals where possible, doubles otherwise
// ---------------------------------------------------------------------------------------------------------

type Env = Map<string, number>;
const EMPTY_ENV: Env = new Map();

function factorialBig(n: bigint): bigint | null {
  if (n < 0n || n > 1000n) return null;
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

/** Exact rational value (floats as their binary value when allowFloat), or null. */
function exactVal(n: MathNode, allowFloat: boolean, budget = { left: 2000 }): Rat | null {
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

function factorialNum(x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > 170) return NaN;
  let r = 1;
  for (let i = 2; i <= x; i++) r *= i;
  return r;
}

/** Real value in double precision (NaN when undefined, complex or not numeric). */
function numVal(n: MathNode, env: Env, budget = { left: 5000 }): number {
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

function freeSymbols(n: MathNode, out = new Set<string>(), depth = 0): Set<string> {
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
function hasFloat(n: MathNode): boolean {
  if (n.k === 'float') return true;
  return children(n).some(hasFloat);
}
/** Only expressions (no relations, sets, opaque functions, complex unit) can be compared by value. */
function isPlainExpr(n: MathNode): boolean {
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
function close(a: number, b: number, tol: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b && !Number.isNaN(a);
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= Math.max(tol * scale, tol * 1e-3);
}
const SAMPLE_POINTS = [0.6180339887498949, 1.4142135623730951, 2.718281828459045, 0.30102999566398120, 1.7320508075688772, 3.141592653589793, 0.5772156649015329, 2.23606797749979];

/** Value equality standing in for `simplify(a - b).is_zero` (and `doit(a) == doit(b)`). */
function valueEqual(a: MathNode, b: MathNode, tol = 1e-10): boolean {
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
function round6Key(n: MathNode): string {
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

// ---------------------------------------------------------------------------------------------------------
// verify: port of math_verify.grader.sympy_expr_eq and helpers
// ---------------------------------------------------------------------------------------------------------

function structKey(n: MathNode): string {
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
function uniqueItems(items: MathNode[]): MathNode[] {
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
function sympyStr(n: MathNode): string {
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
function numberEqual(a: MathNode, b: MathNode): boolean {
  if (a.k === 'inf' || b.k === 'inf') return a.k === 'inf' && b.k === 'inf' && a.sign === b.sign;
  const ra = exactVal(a, true);
  const rb = exactVal(b, true);
  return ra !== null && rb !== null && rEq(ra, rb);
}
/** `sympy_str_eq`: structural equality (raises for a nan / zoo gold, as the reference does). */
function structEq(gold: MathNode, pred: MathNode): boolean {
  if (gold.k === 'const' && (gold.name === 'nan' || gold.name === 'zoo')) throw new Error("Can't evaluate nan or zoo");
  if (isNumber(gold) && isNumber(pred)) return numberEqual(gold, pred);
  return structKey(gold) === structKey(pred);
}
function isRelation(n: MathNode): boolean {
  return n.k === 'rel' || (n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel'));
}
function isEquation(n: MathNode): boolean {
  return (n.k === 'rel' && n.op === 'eq') || (n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel' && a.op === 'eq'));
}
function firstRel(n: MathNode): Extract<MathNode, { k: 'rel' }> {
  return (n.k === 'and' ? n.args[0] : n) as Extract<MathNode, { k: 'rel' }>;
}
function lastRel(n: MathNode): Extract<MathNode, { k: 'rel' }> {
  return (n.k === 'and' ? lastRel(n.args[n.args.length - 1]) : n) as Extract<MathNode, { k: 'rel' }>;
}
function isAssignment(n: MathNode): boolean {
  if (n.k === 'rel' && n.op === 'eq' && onlySymbols(n.lhs)) return true;
  return n.k === 'and' && n.args.length > 0 && n.args.every((a) => a.k === 'rel' && a.op === 'eq') && onlySymbols(firstRel(n).lhs);
}
function unwrapEq(n: MathNode): MathNode {
  return isAssignment(n) ? lastRel(n).rhs : n;
}
/** sympy's `ordered(args, keys=sort_key)`: numbers by value first, the rest by structure. */
function orderedArgs(items: MathNode[]): MathNode[] {
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
const ATOMIC_NUMBER = (n: MathNode): boolean => n.k === 'int' || n.k === 'rat' || n.k === 'float' || n.k === 'inf';
/** `is_atomic_or_pct_atomic(expr, Number|Float)`: X or Mul(X, Rational(1, 100)). */
function atomicOrPct(n: MathNode, floatOnly: boolean): boolean {
  const test = (x: MathNode): boolean => (floatOnly ? x.k === 'float' : ATOMIC_NUMBER(x));
  if (test(n)) return true;
  return n.k === 'mul' && n.args.length === 2 && n.args[1].k === 'rat' && n.args[1].p === 1n && n.args[1].q === 100n && test(n.args[0]);
}
function subtractForCompare(a: MathNode, b: MathNode): MathNode {
  if (b.k === 'int' && b.v === 0n) return a;
  if (a.k === 'int' && a.v === 0n) return isNumber(b) ? negateNumber(b) : mulFlat(INT(-1n), b);
  return subtract(a, b);
}

const INVERSE_REL: Partial<Record<RelOp, RelOp>> = { ge: 'le', le: 'ge', gt: 'lt', lt: 'gt', eq: 'eq' };

function compareRelational(gold: MathNode, pred: MathNode, depth: number): boolean {
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
function setLen(n: MathNode): number {
  return n.k === 'tuple' ? n.items.length : n.k === 'fset' ? uniqueItems(n.items).length : 0;
}
/** `sympy_deep_compare_set_and_tuple`. */
function deepCompareSetTuple(gold: MathNode, pred: MathNode, depth: number): boolean {
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
type RealSet = { lo: number; hi: number; lc: boolean; hc: boolean }[];
function normalizeRealSet(ivs: RealSet): RealSet {
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
function intersectRealSets(a: RealSet, b: RealSet): RealSet {
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
function complementRealSet(a: RealSet): RealSet {
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
function toRealSet(n: MathNode, depth = 0): RealSet | null {
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
function realSetsEqual(a: RealSet, b: RealSet): boolean {
  // equal to working precision (a few ulps), as sympy's Float comparison is
  const same = (x: number, y: number): boolean =>
    x === y || (Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 4 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(y)));
  return a.length === b.length && a.every((x, i) => same(x.lo, b[i].lo) && same(x.hi, b[i].hi) && x.lc === b[i].lc && x.hc === b[i].hc);
}

function compareSets(gold: MathNode, pred: MathNode, depth: number): boolean {
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
function compareSymbols(gold: MathNode, pred: MathNode): boolean {
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
function exprEq(gold: MathNode, pred: MathNode, depth = 0): boolean {
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
function numericOrValueEq(gold: MathNode, pred: MathNode): boolean {
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

// ---------------------------------------------------------------------------------------------------------
// parse: math_verify's extraction regexes (parser.py lazy_latex_regex / lazy_expr_regex) and match loop
// ---------------------------------------------------------------------------------------------------------

/** Python's `(?i:word)`: simple case folding plus `re`'s extra equivalences (ſ ~ s, ı / İ ~ i). */
function ci(word: string): string {
  let out = '';
  for (const ch of word) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    if (lo === up) out += ch === ' ' ? ' ' : ch;
    else if (lo === 's') out += '[Ss\\u017f]';
    else if (lo === 'i') out += '[Ii\\u0131\\u0130]';
    else if (lo === 'k') out += '[Kk\\u212a]';
    else out += `[${up}${lo}]`;
  }
  return out;
}

/** `make_latex_env_pattern(prefix, context)`. */
function latexEnvPattern(prefix: string, boxed: boolean): string {
  const percent = String.raw`(?<${prefix}percent>(?:\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))`;
  const wrap = (c: string): string => (boxed ? String.raw`${c}*?\\boxed\{${c}+?\}${c}*?` : `${c}+?`);
  const displayDollar = wrap(String.raw`(?:[^$]|\$(?!\$))`);
  const displayBracket = wrap(String.raw`(?:[^\\]|\\(?!\]))`);
  const inlineDollar = wrap(String.raw`(?:\\[$]|[^\n$])`);
  const inlineParen = wrap(String.raw`(?:[^\\\n]|\\(?!\)))`);
  const inlineBracket = wrap(String.raw`[^\n\]\[]`);
  const patterns = [
    String.raw`(?<!\\)\$\$(?<${prefix}latexDisplayDollar>${displayDollar})(?<!\\)\$\$`,
    String.raw`(?<!\\)\\\[(?<${prefix}latexDisplayBracket>${displayBracket})(?<!\\)\\\]`,
    String.raw`(?<!\\|${D})\$(?<${prefix}latexInlineDollar>${inlineDollar})(?<!\\)\$`,
    String.raw`(?<!\\)\\\((?<${prefix}latexInlineParenthesis>${inlineParen})(?<!\\)\\\)`,
    String.raw`${S}\[(?<${prefix}latexInlineBracket>${inlineBracket})\]${S}`,
  ];
  if (!boxed) {
    const num = String.raw`-?${D}+(?:[.,]${D}+)?`;
    patterns.push(String.raw`(?<${prefix}latexFraction>-?\\frac\{${num}\}\{${num}\})`);
  }
  return `(?:(?:${patterns.join('|')})${S}*${percent}?)`;
}

interface Extractor {
  re: RegExp;
  priority: number;
  kind: 'latex' | 'expr';
}

function buildExtractors(): Extractor[] {
  const out: Extractor[] = [];
  const add = (src: string, priority: number, kind: 'latex' | 'expr', dotAll: boolean): void => {
    out.push({ re: new RegExp(src, dotAll ? 'gsu' : 'gu'), priority, kind });
  };
  // ---- LatexExtractionConfig() (all compiled with DOTALL)
  const nextPlain = [1, 2, 3, 4, 5]
    .map((i) => String.raw`(?:${S}*(?:,?and|,?or|,)${S}*${latexEnvPattern(`next${i}_`, false)})?`)
    .join('');
  const latexRe = `(?:${latexEnvPattern('first_', false)}${nextPlain})`;
  add(String.raw`${ci('final answer is')}:?${S}*${latexRe}\.?${S}?I hope`, 0, 'latex', true);
  add(String.raw`${ci('final answer')}.{0,100}?${S}+is:?${S}*${latexRe}`, 50, 'latex', true);
  add(String.raw`${ci('answer')}:.{0,50}?${latexRe}`, 100, 'latex', true);
  add(String.raw`${ci('answer')}.{0,50}?${latexRe}`, 200, 'latex', true);
  add(latexRe, 300, 'latex', true);
  const nextBoxed = [1, 2, 3, 4, 5]
    .map((i) => String.raw`${S}*(?:${S}*(?:,?and|,?or|,)${S}*${latexEnvPattern(`next${i}_`, true)})?`)
    .join('');
  add(`${latexEnvPattern('first_', true)}${nextBoxed}`, 50, 'latex', true);
  add(String.raw`(?<first_latexBoxed>\\boxed\{.+\})`, 50, 'latex', true);

  // ---- ExprExtractionConfig()
  const numberRe =
    String.raw`(?<!${D})(?:(?<integer1>-?[1-9]${D}{0,2}(?:[ ,]${D}{3})+)(?<decimal1>\.${D}+)?|` +
    String.raw`(?<integer2>-?${D}+)(?<decimal2>[.,]${D}+)|(?<decimal3>\.${D}+)|(?<integer3>-?${D}+))` +
    String.raw`(?<percent>${S}*(?:%|[Pp]ercent|${S}*[Pp]ercentage|${S}*[Pp]ct))?`;
  const ops = String.raw`+\-*×/^()÷`;
  const allChars = `[${D}.${PYWS}${ops}]`;
  const exprRe = String.raw`(?<expr>-?\(?-?${D}${allChars}*[${ops}]${allChars}+\)?)`;
  const currency = '[$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₴₵₶₷₸₹₺₻₼₽₾₿]';
  const prefix = String.raw`(?:^|${S}|=)(?:\*\*)?`;
  const suffix = String.raw`(?:\*\*)?(?:\.|,|:|${S}|\)|\$|${PY_END})`;
  const exprWithAnchors = `(?:${prefix}${exprRe}${suffix})`;
  const numberWithAnchors = `(?:${prefix}${currency}?${numberRe})`;
  const exprOrNumber = `(?:${exprWithAnchors}|${numberWithAnchors})`;
  add(String.raw`${ci('final answer is')}:?${S}*${exprOrNumber}\.?${S}?I hope`, 0, 'expr', false);
  add(String.raw`${ci('final answer')}[^\n]{0,100}?${S}+is:?${exprOrNumber}`, 50, 'expr', false);
  add(String.raw`${ci('answer')}:(?:[^\n]{0,100}=${S}*|[^\n]{0,50}?)${exprOrNumber}(?!${S}*=)`, 100, 'expr', false);
  add(String.raw`${ci('answer')}(?:[^\n]{0,100}=${S}*|[^\n]{0,50}?)${exprOrNumber}(?!${S}*=)`, 200, 'expr', false);
  add(exprWithAnchors, 300, 'expr', false);
  add(numberWithAnchors, 300, 'expr', false);
  return out;
}

let EXTRACTORS: Extractor[] | null = null;
let GROUPED: Extractor[][] | null = null;
function extractorGroups(): Extractor[][] {
  if (GROUPED === null) {
    EXTRACTORS = buildExtractors();
    const prios = [...new Set(EXTRACTORS.map((e) => e.priority))].sort((a, b) => a - b);
    GROUPED = prios.map((p) => EXTRACTORS!.filter((e) => e.priority === p));
  }
  return GROUPED;
}

/** math_verify `convert_to_pct`: Mul(x, Rational(1, 100), evaluate=False). */
function mvPct(x: MathNode): MathNode {
  return { k: 'mul', args: [x, { k: 'rat', p: 1n, q: 100n }] };
}

/** `extract_latex(match)`: normalise each environment's content and convert it. */
function extractLatex(groups: Record<string, string | undefined>): [MathNode | null, string] {
  const entries = Object.entries(groups);
  const pick = (prefix: string): [string, string] | null => {
    for (const [name, val] of entries) if (name.startsWith(prefix) && val) return [val, name];
    return null;
  };
  const all = [pick('first_latex'), ...[1, 2, 3, 4, 5].map((i) => pick(`next${i}_latex`))].filter(
    (x): x is [string, string] => x !== null,
  );
  const exprs: (MathNode | null)[] = [];
  const strs: string[] = [];
  for (const [latex, name] of all) {
    const parts = name.split('_');
    const isPct = !!groups[`${parts[0]}_percent`];
    const normalized = normalizeLatex(latex, parts[1] === 'latexBoxed' ? 'last' : 'all');
    strs.push(normalized);
    try {
      let v = parseLatexCached(normalized);
      if (isPct) v = mvPct(v);
      exprs.push(v);
    } catch (e) {
      if (!(e instanceof LatexFail) && !(e instanceof Unsupported) && !(e instanceof RangeError)) throw e;
      exprs.push(null);
    }
  }
  if (exprs.length === 0) return [null, ''];
  if (exprs.length > 1 && exprs.every((x) => x !== null)) {
    const elements: MathNode[] = [];
    for (const x of exprs as MathNode[]) {
      if (x.k === 'fset' && !x.wrapped) elements.push(...orderedArgs(uniqueItems(x.items)));
      else elements.push(x);
    }
    return [{ k: 'fset', items: elements }, strs.join(' and ')];
  }
  return [exprs[0], strs[0]];
}

/** `extract_expr(match)`: a plain number (thousands separators, decimal comma, percent) or Python arithmetic. */
function extractExpr(groups: Record<string, string | undefined>): [MathNode | null, string] {
  const entries = Object.entries(groups);
  const first = (prefix: string): string => {
    for (const [name, val] of entries) if (name.startsWith(prefix) && val) return val;
    return '';
  };
  const expr = groups.expr ?? '';
  let integer = first('integer');
  let decimal = first('decimal');
  const isPct = !!groups.percent;
  if (integer || decimal) {
    integer = integer.replace(/[, ]/g, '').replace(/^0+/, '');
    if (integer.length === 0) integer = '0';
    decimal = decimal.replace(/,/g, '.');
    const numberStr = integer + decimal;
    // sympy Number("-07") fails to parse (Python forbids leading zeros), as does Number("𝟐") (a Unicode
    // digit that Python's \d accepted): the exception escapes extract_expr and parse() returns [].
    if (/[^\x00-\x7f]/.test(numberStr)) throw new ParseAbort('non-ASCII digits');
    if (decimal === '' && !/^-?(?:0+|[1-9][0-9]*)$/.test(numberStr)) throw new ParseAbort('invalid integer literal');
    let n = sympyNumber(numberStr);
    if (decimal === '' && /^-0+$/.test(numberStr)) n = INT(0n);
    if (isPct) n = mvPct(n);
    return [n, numberStr];
  }
  if (expr) {
    try {
      return [new PyExprParser(expr.replace(/\n/g, ' ').replace(/\^/g, '**')).parse(), expr];
    } catch (e) {
      if (!(e instanceof LatexFail) && !(e instanceof Unsupported)) throw e;
    }
  }
  return [null, expr];
}

/**
 * math_verify `parse(text)` with the default configuration ([LatexExtractionConfig(), ExprExtractionConfig()],
 * fallback_mode="first_match", extraction_mode="any_match"). Returns `[value, answer string]` when something
 * converted, `[answer string]` when only unconvertible matches were found, and `[]` when nothing matched
 * (or the reference's parse would have raised).
 */
export function mathVerifyParse(text: string): ParsedItem[] {
  try {
    const preds: MathNode[] = [];
    const fallbacks: string[] = [];
    for (const group of extractorGroups()) {
      const cands: { groups: Record<string, string | undefined>; start: number; end: number; kind: 'latex' | 'expr' }[] = [];
      for (const ex of group) {
        ex.re.lastIndex = 0;
        for (const m of text.matchAll(ex.re)) {
          cands.push({ groups: { ...(m.groups ?? {}) }, start: m.index, end: m.index + m[0].length, kind: ex.kind });
          if (cands.length > 5000) break;
        }
      }
      cands.sort((a, b) => b.end - a.end || a.start - b.start);
      for (const c of cands) {
        const [value, str] = c.kind === 'latex' ? extractLatex(c.groups) : extractExpr(c.groups);
        if (str) fallbacks.push(str);
        if (value !== null) {
          preds.push(value);
          break;
        }
      }
      if (preds.length > 0) break;
    }
    const out: ParsedItem[] = [...preds];
    if (fallbacks.length > 0) out.push(fallbacks[0]);
    return out;
  } catch (e) {
    if (e instanceof ParseAbort || e instanceof RangeError || e instanceof LatexFail || e instanceof Unsupported) return [];
    throw e;
  }
}

const GOLD_CACHE = new Map<string, ParsedItem[]>();
/** `parse("\\boxed{" + gold + "}")`, memoised (ground truths repeat across a batch; values are never mutated). */
function parseGold(gold: string): ParsedItem[] {
  let v = GOLD_CACHE.get(gold);
  if (v === undefined) {
    v = mathVerifyParse(`\\boxed{${gold}}`);
    if (GOLD_CACHE.size >= 512) GOLD_CACHE.clear();
    GOLD_CACHE.set(gold, v);
  }
  return v;
}

/**
 * True when `pred` (any text; its answer is extracted as `parse` does) is equivalent to the gold answer
 * `gold` (a bare answer such as "1,250,000" or "\frac{1}{2}"), by the same rule as the reward:
 * the extracted string equals `gold`, or `verify(parse("\\boxed{" + gold + "}"), parse(pred))`.
 * (`retrieval_calculate` should call `mathDapoScore(cr, gold) > 0`, which also applies the 500-character tail.)
 */
export function mathVerifyEquivalent(gold: string, pred: string): boolean {
  try {
    const parsed = mathVerifyParse(pred);
    if (parsed.length < 2) return false;
    if (parsed[1] === gold) return true;
    return mathVerifyVerify(parseGold(gold), parsed);
  } catch {
    return false;
  }
}

function mathDapoScoreRaw(solutionStr: string, groundTruth: string): number {
  if (typeof solutionStr !== 'string' || typeof groundTruth !== 'string') return 0;
  const tail = lastCodePoints(solutionStr, 500);
  return mathVerifyEquivalent(groundTruth, tail) ? 1 : 0;
}

/**
 * The `math_longcot_math_verify` reward: 1 if the last 500 characters of `solutionStr` carry an answer
 * equivalent to `groundTruth` by math_verify's rules, else 0. Never throws.
 */
export const mathDapoScore: (solutionStr: string, groundTruth: string) => number = guarded(mathDapoScoreRaw);
