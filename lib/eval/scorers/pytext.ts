/**
 * The Python `str` behaviours the benchmark scorers depend on, written out so that a JS port does not
 * silently differ (CPython 3.11 semantics):
 * - `str.strip()/split()` use `str.isspace()`: ASCII \t\n\v\f\r, \x1c–\x1f, space, \x85, \xa0, \u1680,
 *   \u2000–\u200a, \u2028, \u2029, \u202f, \u205f, \u3000 — not \ufeff (which JS `trim()` strips) and
 *   including \x1c–\x1f and \x85 (which JS `trim()` keeps).
 * - `str.splitlines()` breaks at \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e, \x85, \u2028, \u2029.
 * - `re` on str: `\w` is Unicode (letters, digits, underscore; combining marks are NOT word characters),
 *   `\d` is any Unicode decimal digit, `\b` is a boundary between \w and non-\w, `.` excludes only \n.
 *   JS's `\b`/`\w` are ASCII-only, so patterns here use `PY_W` and `pyBoundary`.
 * - `string.punctuation` is the 32 ASCII punctuation characters.
 * - `round(x, 2)`: correctly rounded, ties to even on the exact binary value.
 */

const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEAD = new RegExp(`^[${PY_SPACE}]+`);
const TRAIL = new RegExp(`[${PY_SPACE}]+$`);
const SPLIT = new RegExp(`[${PY_SPACE}]+`);

export function isPySpace(ch: string): boolean {
  return new RegExp(`^[${PY_SPACE}]$`).test(ch);
}

/** `s.strip()` */
export function pyStrip(s: string): string {
  return s.replace(LEAD, '').replace(TRAIL, '');
}

/** `s.strip(chars)` / `s.rstrip(chars)` / `s.lstrip(chars)` with an explicit character set. */
export function pyStripChars(s: string, chars: string, side: 'both' | 'left' | 'right' = 'both'): string {
  const set = new Set([...chars]);
  const cs = [...s];
  let i = 0;
  let j = cs.length;
  if (side !== 'right') while (i < j && set.has(cs[i])) i++;
  if (side !== 'left') while (j > i && set.has(cs[j - 1])) j--;
  return cs.slice(i, j).join('');
}

/** `s.split()` (no separator: runs of whitespace, empty strings dropped). */
export function pySplit(s: string): string[] {
  return pyStrip(s) === '' ? [] : pyStrip(s).split(SPLIT);
}

/** `s.splitlines()` (no keepends). */
export function pySplitlines(s: string): string[] {
  const out = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Python's `\w` for str patterns, as a JS (u-flag) character class body. */
export const PY_W = '\\p{L}\\p{N}_';
/** Python's `\b` (for str patterns), as a JS u-flag regex fragment. */
export const pyBoundary = `(?:(?<=[${PY_W}])(?![${PY_W}])|(?<![${PY_W}])(?=[${PY_W}]))`;

export const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const PUNCT = new Set([...ASCII_PUNCTUATION]);

/** `''.join(ch for ch in s if ch not in string.punctuation)` */
export function removeAsciiPunctuation(s: string): string {
  let out = '';
  for (const ch of s) if (!PUNCT.has(ch)) out += ch;
  return out;
}

/** `re.escape(s)` for use inside a JS u-flag regex. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Python `round(x, 2)` (ties to even on the exact binary value; only dyadic x can be exact ties). */
export function pyRound2(x: number): number {
  if (!Number.isFinite(x)) return x;
  const scaled = x * 100;
  if (Number.isInteger(x * 8) && Math.abs(scaled % 1) === 0.5) {
    const f = Math.floor(scaled);
    return (f % 2 === 0 ? f : f + 1) / 100;
  }
  return Number(x.toFixed(2));
}
