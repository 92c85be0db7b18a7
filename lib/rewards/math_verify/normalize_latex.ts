/**
 * `normalize_latex` (latex2sympy2_extended/math_normalization.py) with math_verify's configuration:
 * `\boxed{}` extraction, `\left`/`\right`, units, malformed operators, `\frac12`, `\sqrt3`, `a/b` and the other nits.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { D, S, WORD, cpLen, firstCp, pyIsSpace, pyLstrip, pyStrip, replaceAllLit } from './pystr.js';

export const R_LEFT = new RegExp(
  String.raw`\\m?left(\\\{|\{|\\\||\||\[|\(|\\rbracl|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\vert|\\lvert|\\langle|\\llcorner|\\ulcorner)`,
  'gu',
);
export const R_RIGHT = new RegExp(
  String.raw`\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\rbrack|\\vert|\\rvert|\\rceil|\\rfloor|\\vert|\\rvert|\\rangle|\\lrcorner|\\urcorner)`,
  'gu',
);
export const PERMUTATION = new RegExp(String.raw`\(([a-zA-Z0-9+\-*/\\ ]+?)\)_\{([a-zA-Z0-9+\-*/\\ ]+?)\}`, 'gu');
export const TO_REMOVE = new RegExp(
  String.raw`\\mathrm\{th\}|\\!${S}*|\\text${S}*\{${S}*\}|\\\$|\$|(?<!\\)["']|\\displaystyle`,
  'gu',
);
/** (name, pattern, replacement) in the reference's order: the first alternative that matches at a position wins. */
export const TO_REPLACE: [string, string, string][] = [
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
export const TO_REPLACE_RE = new RegExp(TO_REPLACE.map(([n, p]) => `(?<${n}>${p})`).join('|'), 'gu');
export const COMMAND_SLASH_FIX = /\\\\(?=[a-zA-Z])/gu;
export const UNIT_SUPERSCRIPT = new RegExp(String.raw`(\\(?:text|mbox)\{[^\n]*?\})(\^${D}|\{\^${D}\})?$`, 'gu');
/** The reference's unit list, joined as a regex exactly as it does (so "." is a wildcard and "integer" "point" is one word). */
export const UNITS = [
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
export const UNITS_RE = new RegExp(
  `(${D}|\\}|${S})${S}*(?:(?:${UNITS.map((u) => u.replace(/\./g, '[^\\n]')).join('|')})(?:s|es)?)${S}*$`,
  'gu',
);
export const MALFORMED: [RegExp, (...g: string[]) => string][] = [
  [new RegExp(String.raw`\^${S}?\(([^\n]*?)\)`, 'gu'), (_m, a) => `^{${a}}`],
  [new RegExp(String.raw`sqrt${S}?\(([^\n]*?)\)`, 'gu'), (_m, a) => String.raw`\sqrt{` + a + '}'],
  [new RegExp(String.raw`\\frac${S}?(${D})${S}?(${D}+)`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\log_${S}?(${D})${S}?(${D}+)`, 'gu'), (_m, a, b) => String.raw`\log_{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\frac${S}?\{([^\n]*?)\}${S}?(${D})`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\frac${S}?(${D})${S}?\{([^\n]*?)\}`, 'gu'), (_m, a, b) => String.raw`\frac{` + a + '}{' + b + '}'],
  [new RegExp(String.raw`\\sqrt${S}?(${D})`, 'gu'), (_m, a) => String.raw`\sqrt{` + a + '}'],
];
export const VALID_SEPARATOR = new RegExp(`(?<!${WORD})(and|or)(?!${WORD})|,|;`, 'u');

/** Python `s.rfind(sub, 0, end)`. */
export function rfind(s: string, sub: string, end: number): number {
  const from = end - sub.length;
  return from < 0 ? -1 : s.lastIndexOf(sub, from);
}

/** `extract_boxed_content`: contents of `\boxed{…}` / `\fbox{…}` searched from the right, joined by ",". */
export function extractBoxedContent(text: string, mode: 'last' | 'all'): string {
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
export function fixFracs(text: string): string {
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
export function fixSqrt(text: string): string {
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
export function fixASlashB(text: string): string {
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
