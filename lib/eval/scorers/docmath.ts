/**
 * DocMath's rule score — GoLongRL `Eval/QwenLong-Benchmarks/evalscope/evalscope/benchmarks/docmath/utils.py`
 * (`extract_answer`, `normalize`, `compare_two_numbers`, `get_acc`), with the adapter's pipeline
 * (`docmath_adapter.py`): filter `remove_until </think>` (text after the FIRST `</think>`), then
 * `extract_answer`, then `get_acc(prediction, gt=str(ground_truth), answer_type=type(ground_truth).__name__)`.
 * Per sample the adapter reports acc (rule), llm_judge_acc (1 if `'YES' in` the judge reply, judge.ts) and
 * max_acc = max of the two; the report micro-averages over all samples of the four subsets.
 *
 * The rule, step by step:
 * 1. extract_answer: delete `*`, `(`, `)`; search (case-insensitive) `the answer is (=?≈?`?%?$?°?£?€?¥?-?[0-9.,]+)`;
 *    if found, drop commas and trailing dots from the group; otherwise the whole (edited) response.
 * 2. normalize: strip, rstrip('.'); delete £ € ¥ million billion thousand US USD RMB; keep what follows the
 *    last `=` / `≈`; delete ` % $ °; true/yes/false/no → True/False, any 'True'/'False' inside → that word;
 *    delete 'approximately'; keep what precedes ' or '; drop a unit before/after the number (four regexes);
 *    `10^k` → `math.pow(10, k)`, ' x ' / ' × ' → `*`; thousands separators removed from plain numbers;
 *    '(a)'…'(d)' → the quoted option; '' → '0'; then Python `eval` (on failure: 0).
 * 3. compare_two_numbers(p, gt): v1 = max(|gt|, |p|), v2 = min: equal if v1/v2 is an exact power of ten
 *    (int(log10(v1/v2)) == log10(v1/v2)), or v2·100 / v2·1000 / v2·100000 is within 0.15 % of v1 (when
 *    v2 ≤ v1/50, /500, /50000), or ceil(v·100)/100 of both agree, or |p − gt| ≤ 0.15 %·|gt|.
 * 4. get_acc: answer_type must be int, float, float64 or bool (else 0); bool: prediction == bool(gt);
 *    int: compare(p, int(gt)); float: compare(p, float(gt)); any exception → 0.
 *
 * Faithfulness notes (see docs/eval.md; tests in test/eval/docmath.test.ts are hand-worked from this text
 * because the reference needs evalscope/sympy/numpy, which are not installed here):
 * - `eval` is replaced by an evaluator for the Python expression subset the normaliser can produce:
 *   int/float literals (Python's lexical rules: no leading zeros in ints, underscores), True/False/None,
 *   strings, + − * / // % ** and unary ±, parentheses, tuples and lists, `math.pow`/`math.sqrt`. Anything
 *   else (names, comparisons, complex literals, dicts, sets) is treated as an eval failure → 0, where
 *   Python might have produced a value. Python ints are exact; here they are doubles (exact below 2^53).
 * - bool answers: `bool(gt)` of the target STRING is True for both "True" and "False", so the reference
 *   scores a bool sample correct iff the prediction equals True. Reproduced, not fixed.
 */
import { pyStrip, pyStripChars } from './pytext.js';

export type PyVal =
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'list'; v: PyVal[] }
  | { t: 'tuple'; v: PyVal[] }
  | { t: 'none' };

class PyEvalError extends Error {}

// ───────────────────────── extract_answer ─────────────────────────

const ANSWER_RE = /the answer is (=?≈?`?%?\$?°?£?€?¥?-?[0-9.,]+)/iu;

export function extractAnswer(response: string): string {
  const r = response.replaceAll('*', '').replaceAll('(', '').replaceAll(')', '');
  const m = ANSWER_RE.exec(r);
  if (m) return pyStripChars(m[1].replaceAll(',', ''), '.', 'right');
  return r;
}

/** evalscope's `remove_until` filter: the text after the first delimiter (all of it when absent). */
export function removeUntil(text: string, delimiter = '</think>'): string {
  const k = text.indexOf(delimiter);
  return k >= 0 ? text.slice(k + delimiter.length) : text;
}

// ───────────────────────── normalize ─────────────────────────

// Python `$` (no MULTILINE) = end of string or before a final newline.
const END = '(?=\\n?$)';
const NUM = '[-+]?(?:[\\p{Nd},]*\\.*\\p{Nd}+)';
const UNIT_AFTER = new RegExp(`^(${NUM}) [^0-9 ]+${END}`, 'u');
const UNIT_BEFORE = new RegExp(`^[^0-9 ]+ (${NUM})${END}`, 'u');
const SUFFIX = new RegExp(`^(${NUM})[^\\p{Nd}]{1,2}${END}`, 'u');
const PREFIX = new RegExp(`^[^-+\\p{Nd}]{1,2}((?:[\\p{Nd},]*\\.*\\p{Nd}+))${END}`, 'u');
const IS_NUMBER = new RegExp(`^[-+]?(\\p{Nd}{1,3}(,\\p{Nd}{3})*|(\\p{Nd}+))(\\.\\p{Nd}+)?${END}`, 'u');

/** The string `normalize` hands to `eval` (steps before eval), exposed for tests. */
export function normalizeString(input: string): string {
  let p = pyStripChars(pyStrip(input), '.', 'right');
  for (const money of ['£', '€', '¥', 'million', 'billion', 'thousand', 'US', 'USD', 'RMB']) p = p.replaceAll(money, '');
  if (p.includes('=')) p = pyStrip(p.split('=').at(-1) as string);
  if (p.includes('≈')) p = pyStrip(p.split('≈').at(-1) as string);
  for (const ch of ['`', '%', '$', '°']) p = p.replaceAll(ch, '');
  if (['true', 'yes', 'false', 'no'].includes(p)) p = p === 'true' || p === 'yes' ? 'True' : 'False';
  if (p.includes('True') || p.includes('False')) p = p.includes('True') ? 'True' : 'False';
  if (p.includes('approximately')) p = pyStrip(p.replaceAll('approximately', ''));
  if (p.includes(' or ')) p = p.split(' or ')[0];
  let m = UNIT_AFTER.exec(p);
  if (m) p = m[1];
  m = UNIT_BEFORE.exec(p);
  if (m) p = m[1];
  m = SUFFIX.exec(p);
  if (m) p = m[1];
  m = PREFIX.exec(p);
  if (m) p = m[1];
  if (p.includes('10^')) p = p.replace(/10\^(-?\p{Nd}+)/gu, 'math.pow(10, $1)');
  if (p.includes(' x ')) p = p.replaceAll(' x ', '*');
  if (p.includes(' × ')) p = p.replaceAll(' × ', '*');
  if (IS_NUMBER.test(p)) p = p.replaceAll(',', '');
  if (['(a)', '(b)', '(c)', '(d)'].some((o) => p.includes(o))) p = '"' + (/\([a-d]\)/.exec(p) as RegExpExecArray)[0] + '"';
  if (!p) p = '0';
  return p;
}

/** `normalize(prediction)`: the evaluated value (eval failure → int 0). Throws where Python would (empty tuple). */
export function normalize(input: string): PyVal {
  const s = normalizeString(input);
  let v: PyVal;
  try {
    v = pyEval(s);
  } catch (e) {
    if (!(e instanceof PyEvalError)) throw e;
    v = { t: 'int', v: 0 };
  }
  if (v.t === 'tuple') {
    if (v.v.length === 0) throw new Error('IndexError: list index out of range');
    return { t: 'list', v: v.v };
  }
  return v;
}

// ───────────────────────── a small Python expression evaluator ─────────────────────────

type Tok = { k: 'num'; v: PyVal } | { k: 'str'; v: string } | { k: 'name'; v: string } | { k: 'op'; v: string };

const DIGITPART = '[0-9](?:_?[0-9])*';
const FLOAT_RE = new RegExp(`^(?:(?:${DIGITPART})?\\.${DIGITPART}(?:[eE][+-]?${DIGITPART})?|${DIGITPART}\\.(?:[eE][+-]?${DIGITPART})?|${DIGITPART}(?:\\.${DIGITPART})?[eE][+-]?${DIGITPART})`);
const INT_RE = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0+(?:_?0)*)/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let depth = 0;
  // eval() ignores leading spaces/tabs; a trailing newline is fine; a newline between tokens outside brackets is not.
  const s = src.replace(/^[ \t]+/, '');
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      if (depth === 0 && s.slice(i).trim() !== '') throw new PyEvalError('SyntaxError: newline');
      i++;
      continue;
    }
    const rest = s.slice(i);
    if (/^[0-9]|^\.[0-9]/.test(rest)) {
      const f = FLOAT_RE.exec(rest);
      const n = INT_RE.exec(rest);
      let text: string;
      let val: PyVal;
      if (f && (!n || f[0].length >= n[0].length)) {
        text = f[0];
        val = { t: 'float', v: Number(text.replaceAll('_', '')) };
      } else if (n) {
        text = n[0];
        const raw = text.replaceAll('_', '');
        val = { t: 'int', v: /^0[xXoObB]/.test(raw) ? Number(raw.toLowerCase()) : Number(raw) };
      } else throw new PyEvalError('SyntaxError: number');
      const after = rest[text.length];
      if (after !== undefined && /[0-9A-Za-z_.]/.test(after)) throw new PyEvalError('SyntaxError: invalid literal');
      out.push({ k: 'num', v: val });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== c) {
        if (s[j] === '\n') throw new PyEvalError('SyntaxError: EOL in string');
        if (s[j] === '\\' && j + 1 < s.length) {
          const e = s[j + 1];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === '\\' || e === "'" || e === '"' ? e : '\\' + e;
          j += 2;
          continue;
        }
        v += s[j++];
      }
      if (j >= s.length) throw new PyEvalError('SyntaxError: unterminated string');
      out.push({ k: 'str', v });
      i = j + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      out.push({ k: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(?:\*\*|\/\/|[-+*/%(),[\].~])/.exec(rest);
    if (op) {
      if (op[0] === '(' || op[0] === '[') depth++;
      if (op[0] === ')' || op[0] === ']') depth--;
      out.push({ k: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    throw new PyEvalError(`SyntaxError: unexpected ${JSON.stringify(c)}`);
  }
  return out;
}

function num(x: PyVal): { isInt: boolean; v: number } {
  if (x.t === 'int') return { isInt: true, v: x.v };
  if (x.t === 'bool') return { isInt: true, v: x.v ? 1 : 0 };
  if (x.t === 'float') return { isInt: false, v: x.v };
  throw new PyEvalError(`TypeError: unsupported operand ${x.t}`);
}

const mk = (isInt: boolean, v: number): PyVal => (isInt ? { t: 'int', v } : { t: 'float', v });

function binop(op: string, a: PyVal, b: PyVal): PyVal {
  if (op === '+' && a.t === 'str' && b.t === 'str') return { t: 'str', v: a.v + b.v };
  if (op === '+' && a.t === 'list' && b.t === 'list') return { t: 'list', v: [...a.v, ...b.v] };
  const x = num(a);
  const y = num(b);
  const ints = x.isInt && y.isInt;
  switch (op) {
    case '+':
      return mk(ints, x.v + y.v);
    case '-':
      return mk(ints, x.v - y.v);
    case '*':
      return mk(ints, x.v * y.v);
    case '/':
      if (y.v === 0) throw new PyEvalError('ZeroDivisionError');
      return { t: 'float', v: x.v / y.v };
    case '//':
      if (y.v === 0) throw new PyEvalError('ZeroDivisionError');
      return mk(ints, Math.floor(x.v / y.v));
    case '%': {
      if (y.v === 0) throw new PyEvalError('ZeroDivisionError');
      const r = x.v % y.v;
      return mk(ints, r !== 0 && r < 0 !== y.v < 0 ? r + y.v : r);
    }
    case '**': {
      if (x.v === 0 && y.v < 0) throw new PyEvalError('ZeroDivisionError');
      if (x.v < 0 && !Number.isInteger(y.v)) throw new PyEvalError('complex result not supported');
      const r = Math.pow(x.v, y.v);
      if (!ints && !Number.isFinite(r) && Number.isFinite(x.v) && Number.isFinite(y.v)) throw new PyEvalError('OverflowError');
      return mk(ints && y.v >= 0, r);
    }
  }
  throw new PyEvalError(`unsupported operator ${op}`);
}

/** Evaluate a Python expression of the subset described in the file header. */
export function pyEval(src: string): PyVal {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const isOp = (v: string) => peek()?.k === 'op' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new PyEvalError(`SyntaxError: expected ${v}`);
    pos++;
  };
  const startsAtom = () => {
    const t = peek();
    return t !== undefined && (t.k !== 'op' || ['(', '[', '-', '+', '~'].includes(t.v));
  };
  // exprlist: test (',' test)* [','] → a tuple when there is a comma
  function exprList(closer: string | null): PyVal {
    const items: PyVal[] = [];
    let comma = false;
    if (closer && isOp(closer)) return { t: 'tuple', v: [] };
    items.push(arith());
    while (isOp(',')) {
      pos++;
      comma = true;
      if (!startsAtom()) break;
      items.push(arith());
    }
    return comma ? { t: 'tuple', v: items } : items[0];
  }
  function arith(): PyVal {
    let v = term();
    while (isOp('+') || isOp('-')) {
      const op = (toks[pos++] as { v: string }).v;
      v = binop(op, v, term());
    }
    return v;
  }
  function term(): PyVal {
    let v = factor();
    while (isOp('*') || isOp('/') || isOp('//') || isOp('%')) {
      const op = (toks[pos++] as { v: string }).v;
      v = binop(op, v, factor());
    }
    return v;
  }
  function factor(): PyVal {
    if (isOp('-') || isOp('+')) {
      const op = (toks[pos++] as { v: string }).v;
      const x = num(factor());
      return mk(x.isInt, op === '-' ? -x.v : x.v);
    }
    if (isOp('~')) {
      pos++;
      const x = num(factor());
      if (!x.isInt) throw new PyEvalError('TypeError: ~ on float');
      return { t: 'int', v: -x.v - 1 };
    }
    return power();
  }
  function power(): PyVal {
    const base = atomWithTrailers();
    if (isOp('**')) {
      pos++;
      return binop('**', base, factor());
    }
    return base;
  }
  function atomWithTrailers(): PyVal {
    const t = peek();
    if (t === undefined) throw new PyEvalError('SyntaxError: unexpected end');
    pos++;
    if (t.k === 'num') return t.v;
    if (t.k === 'str') {
      let v = t.v;
      while (peek()?.k === 'str') v += (toks[pos++] as { v: string }).v;
      return { t: 'str', v };
    }
    if (t.k === 'name') {
      if (t.v === 'True' || t.v === 'False') return { t: 'bool', v: t.v === 'True' };
      if (t.v === 'None') return { t: 'none' };
      if (t.v === 'math' && isOp('.')) {
        pos++;
        const fn = peek();
        if (fn?.k !== 'name') throw new PyEvalError('SyntaxError: attribute');
        pos++;
        expect('(');
        const args = exprList(')');
        expect(')');
        const list = args.t === 'tuple' ? args.v : [args];
        if (fn.v === 'pow' && list.length === 2) {
          const r = Math.pow(num(list[0]).v, num(list[1]).v);
          if (!Number.isFinite(r)) throw new PyEvalError('OverflowError');
          if (Number.isNaN(r)) throw new PyEvalError('ValueError: math domain error');
          return { t: 'float', v: r };
        }
        if (fn.v === 'sqrt' && list.length === 1) {
          const x = num(list[0]).v;
          if (x < 0) throw new PyEvalError('ValueError: math domain error');
          return { t: 'float', v: Math.sqrt(x) };
        }
        throw new PyEvalError(`unsupported math.${fn.v}`);
      }
      throw new PyEvalError(`NameError: ${t.v}`);
    }
    if (t.v === '(') {
      const v = exprList(')');
      expect(')');
      return v;
    }
    if (t.v === '[') {
      const v = exprList(']');
      expect(']');
      return { t: 'list', v: v.t === 'tuple' ? v.v : [v] };
    }
    throw new PyEvalError(`SyntaxError: unexpected ${t.v}`);
  }
  const v = exprList(null);
  if (pos !== toks.length) throw new PyEvalError('SyntaxError: trailing tokens');
  return v;
}

// ───────────────────────── comparison ─────────────────────────

function withinEps(pred: number, gt: number): boolean {
  const eps = Math.abs(gt) * 0.0015;
  return pred >= gt - eps && pred <= gt + eps;
}

const roundUp2 = (x: number) => Math.ceil(x * 100) / 100;

/** `compare_two_numbers(p, gt)`; a non-numeric p is false (lists, strings) or an error (None). */
export function compareTwoNumbers(p: PyVal, gt: number): boolean {
  if (p.t === 'list' || p.t === 'str' || p.t === 'tuple') return false;
  if (p.t === 'none') throw new Error(`ValueError: ${p.t}`);
  const pv = num(p).v;
  const v1 = Math.max(Math.abs(gt), Math.abs(pv));
  const v2 = Math.min(Math.abs(gt), Math.abs(pv));
  if (v1 !== 0 && v2 !== 0) {
    const l = Math.log10(v1 / v2);
    if (Math.trunc(l) === l) return true;
  }
  if (v2 <= v1 / 50 && withinEps(v2 * 100, v1)) return true;
  else if (v2 <= v1 / 500 && withinEps(v2 * 1000, v1)) return true;
  else if (v2 <= v1 / 50000 && withinEps(v2 * 100000, v1)) return true;
  if (roundUp2(v1) === roundUp2(v2)) return true;
  return withinEps(pv, gt);
}

/** Python `int(s)` for a str (whitespace, sign, underscores), or an error. */
export function pyIntParse(s: string): number {
  const t = pyStrip(s);
  if (!/^[-+]?[0-9](?:_?[0-9])*$/.test(t)) throw new Error(`ValueError: invalid literal for int(): ${JSON.stringify(s)}`);
  return Number(t.replaceAll('_', ''));
}

/** Python `float(s)` for a str, or an error. */
export function pyFloatParse(s: string): number {
  const t = pyStrip(s);
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!new RegExp(`^[-+]?(?:${DIGITPART}(?:\\.(?:${DIGITPART})?)?|\\.${DIGITPART})(?:[eE][+-]?${DIGITPART})?$`).test(t)) throw new Error(`ValueError: could not convert string to float: ${JSON.stringify(s)}`);
  return Number(t.replaceAll('_', ''));
}

/** Python `==` between a value and True. */
function equalsTrue(p: PyVal): boolean {
  if (p.t === 'bool') return p.v;
  if (p.t === 'int' || p.t === 'float') return p.v === 1;
  return false;
}

/** `get_acc(prediction, gt, answer_type)` (cot=True): 1 or 0, never throws. */
export function getAcc(prediction: string, gt: string, answerType: string): 0 | 1 {
  try {
    const p = normalize(prediction);
    if (!['int', 'float', 'float64', 'bool'].includes(answerType)) return 0;
    if (p.t === 'none') return 0;
    if (answerType === 'bool') return equalsTrue(p) === (gt.length > 0) ? 1 : 0; // bool(gt) of a non-empty str is True
    if (answerType === 'int') return compareTwoNumbers(p, pyIntParse(gt)) ? 1 : 0;
    return compareTwoNumbers(p, pyFloatParse(gt)) ? 1 : 0;
  } catch {
    return 0;
  }
}

export interface DocMathSample {
  /** The model's full output (think included). */
  prediction: string;
  /** str(ground_truth) */
  target: string;
  /** type(ground_truth).__name__ */
  answer_type: string;
  subset?: string;
  /** The judge's reply, when an LLM judge was run. */
  judge?: string;
}

export interface DocMathScore {
  extracted: string;
  acc: number;
  llm_judge_acc: number | null;
  max_acc: number;
}

/** One sample as the adapter scores it (judge reply optional: without it max_acc = acc). */
export function scoreDocMath(s: DocMathSample): DocMathScore {
  const extracted = extractAnswer(removeUntil(s.prediction));
  const acc = getAcc(extracted, s.target, s.answer_type);
  const llm = s.judge === undefined ? null : s.judge.includes('YES') ? 1 : 0;
  return { extracted, acc, llm_judge_acc: llm, max_acc: Math.max(acc, llm ?? 0) };
}

/** Micro-average over all samples, and per subset. */
export function summarizeDocMath(samples: readonly DocMathSample[]): { n: number; acc: number; llm_judge_acc: number | null; max_acc: number; per_subset: Record<string, { n: number; acc: number; max_acc: number }> } {
  const scores = samples.map(scoreDocMath);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const per: Record<string, { n: number; acc: number; max_acc: number }> = {};
  const groups = new Map<string, DocMathScore[]>();
  samples.forEach((s, i) => groups.set(s.subset ?? 'default', [...(groups.get(s.subset ?? 'default') ?? []), scores[i]]));
  for (const [k, g] of groups) per[k] = { n: g.length, acc: mean(g.map((x) => x.acc)), max_acc: mean(g.map((x) => x.max_acc)) };
  const judged = scores.filter((x) => x.llm_judge_acc !== null);
  return {
    n: scores.length,
    acc: mean(scores.map((x) => x.acc)),
    llm_judge_acc: judged.length === scores.length && scores.length > 0 ? mean(judged.map((x) => x.llm_judge_acc as number)) : null,
    max_acc: mean(scores.map((x) => x.max_acc)),
    per_subset: per,
  };
}

