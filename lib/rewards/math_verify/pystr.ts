/**
 * Python string semantics the port needs: the `str.isspace()` set (also `re`'s Unicode `\s`), `\w`, `\d`,
 * `$`, and linear-time `strip`/`lstrip`/`isspace`, code-point length and `s[-n:]` (Python indexes code points).
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { isPySpaceCode } from '../normalize.js';

/** Python's `str.isspace()` characters (also `\s` of the `re` module on str patterns). */
export const PYWS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python `\s` as a JavaScript class. */
export const S = `[${PYWS}]`;
/** Python's Unicode `\w`. */
export const WORD = '[\\p{L}\\p{N}_]';
/** Python's Unicode `\d` (category Nd). */
export const D = '\\p{Nd}';
/** Python's `$` without MULTILINE: end of string, or before a final newline. */
export const PY_END = '(?=\\n?$)';

export { pyLstrip, pyStrip } from '../normalize.js';

/** Python `ch.isspace()` for one character (false for undefined / ''). */
export function pyIsSpace(ch: string | undefined): boolean {
  return ch !== undefined && ch.length === 1 && isPySpaceCode(ch.charCodeAt(0));
}
/** Length in code points (Python `len`). */
export function cpLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
/** First code point of a string ('' when empty). */
export function firstCp(s: string): string {
  for (const c of s) return c;
  return '';
}
/** Python `s[-n:]` on code points. */
export function lastCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  // Walk back n code points (a surrogate pair is one, a lone surrogate one, as Array.from counts them):
  // O(n), not a copy of the whole string into a code-point array.
  let j = s.length;
  for (let k = 0; k < n && j > 0; k++) {
    const c = s.charCodeAt(j - 1);
    j -= c >= 0xdc00 && c <= 0xdfff && j >= 2 && (s.charCodeAt(j - 2) & 0xfc00) === 0xd800 ? 2 : 1;
  }
  return j === 0 ? s : s.slice(j);
}
export function replaceAllLit(s: string, from: string, to: string): string {
  return s.split(from).join(to);
}

/** Raised to abandon a whole `parse` call (the reference's `except Exception: return []`). */
export class ParseAbort extends Error {}
