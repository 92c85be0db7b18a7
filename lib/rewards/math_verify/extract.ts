/**
 * `parse`: math_verify's extraction regexes (parser.py `lazy_latex_regex` / `lazy_expr_regex`) grouped by
 * priority, the match ordering and loop, `extract_latex` / `extract_expr`, and the memoised gold parse.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { D, PYWS, PY_END, ParseAbort, S } from './pystr.js';
import { INT, MathNode, Unsupported, sympyNumber } from './nodes.js';
import { normalizeLatex } from './normalize_latex.js';
import { LatexFail } from './latex_lexer.js';
import { parseLatexCached } from './latex_parser.js';
import { PyExprParser } from './py_expr.js';
import { ParsedItem, orderedArgs, uniqueItems } from './verify.js';

/** Python's `(?i:word)`: simple case folding plus `re`'s extra equivalences (ſ ~ s, ı / İ ~ i). */
export function ci(word: string): string {
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
export function latexEnvPattern(prefix: string, boxed: boolean): string {
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

export interface Extractor {
  re: RegExp;
  priority: number;
  kind: 'latex' | 'expr';
}

export function buildExtractors(): Extractor[] {
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
export function extractorGroups(): Extractor[][] {
  if (GROUPED === null) {
    EXTRACTORS = buildExtractors();
    const prios = [...new Set(EXTRACTORS.map((e) => e.priority))].sort((a, b) => a - b);
    GROUPED = prios.map((p) => EXTRACTORS!.filter((e) => e.priority === p));
  }
  return GROUPED;
}

/** math_verify `convert_to_pct`: Mul(x, Rational(1, 100), evaluate=False). */
export function mvPct(x: MathNode): MathNode {
  return { k: 'mul', args: [x, { k: 'rat', p: 1n, q: 100n }] };
}

/** `extract_latex(match)`: normalise each environment's content and convert it. */
export function extractLatex(groups: Record<string, string | undefined>): [MathNode | null, string] {
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
export function extractExpr(groups: Record<string, string | undefined>): [MathNode | null, string] {
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
          cands.push({ groups: { ...(m.groups ?? {}) }, start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, kind: ex.kind });
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

export const GOLD_CACHE = new Map<string, ParsedItem[]>();
/**
 * The longest ground truth (in UTF-16 units) that is parsed. The reference parses with
 * `parsing_timeout=5` and gets [] when that runs out; math_verify's extraction regexes backtrack
 * (a run of n spaces or of "a\n" costs O(n²) in Python's `re` as in V8), so an unbounded gold could stall a
 * training step (issue 15: a 64K-space gold took 267 s). We bound the work deterministically instead: a
 * longer gold parses to [] — as the reference's timeout would — and can still score by string equality.
 * Responses need no bound: the reward parses only their last 500 code points.
 */
export const MAX_GOLD_LENGTH = 2048;

/** `parse("\\boxed{" + gold + "}")`, memoised (ground truths repeat across a batch; values are never mutated). */
export function parseGold(gold: string): ParsedItem[] {
  if (gold.length > MAX_GOLD_LENGTH) return [];
  let v = GOLD_CACHE.get(gold);
  if (v === undefined) {
    v = mathVerifyParse(`\\boxed{${gold}}`);
    if (GOLD_CACHE.size >= 512) GOLD_CACHE.clear();
    GOLD_CACHE.set(gold, v);
  }
  return v;
}
