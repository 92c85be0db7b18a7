/**
 * Text normalisation shared by the LongBench-Pro metrics.
 *
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py`
 * (see `docs/reference.md` §A.2):
 *
 *   get_answer_area(t) = t after the LAST "[Answer]" (else the last "[答案]", else t), stripped
 *   answers          A = [fix_space(lower(a).strip()) for a in answers]
 *   prediction lines P = [fix_space(line.strip()) for line in lower(get_answer_area(pred)).split("\n")]
 *   fix_space(s)       = " ".join(s.split())
 */

/**
 * Python's whitespace for `str.split()`/`str.strip()`/`str.isspace()` (and `re`'s Unicode `\s`):
 * U+0009–000D, U+001C–001F, U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 * All are in the BMP, so one UTF-16 unit is one code point here.
 *
 * Every helper below is a single left-to-right (or right-to-left) scan: linear in its input. Regexes such as
 * `[ws]+$` are not — V8 retries the run from every start position, so a run of n spaces that is not at the
 * end costs O(n²) (issue 15: 65,536 spaces took seconds per call).
 */
export function isPySpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python `s.split()` (no separator): runs of whitespace separate, empty pieces dropped. */
export function pySplit(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && isPySpaceCode(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isPySpaceCode(s.charCodeAt(i))) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

/** Python `s.strip()` (no argument). */
export function pyStrip(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && isPySpaceCode(s.charCodeAt(i))) i++;
  while (j > i && isPySpaceCode(s.charCodeAt(j - 1))) j--;
  return i === 0 && j === s.length ? s : s.slice(i, j);
}

/** Python `s.lstrip()` (no argument). */
export function pyLstrip(s: string): string {
  let i = 0;
  while (i < s.length && isPySpaceCode(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** Python `s.rstrip()` (no argument). */
export function pyRstrip(s: string): string {
  let j = s.length;
  while (j > 0 && isPySpaceCode(s.charCodeAt(j - 1))) j--;
  return j === s.length ? s : s.slice(0, j);
}

/**
 * Python `s.lower()`. JavaScript's `toLowerCase` follows the same Unicode default
 * case mapping for almost all characters; the one difference that matters in practice
 * (final sigma) is context-sensitive in both.
 */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/**
 * Python whitespace other than U+0020, or two U+0020 in a row: a text without any is in `fixSpace` form
 * apart from its ends. Single characters and one fixed pair, so the scan is linear.
 */
const IRREGULAR_SPACE = /[\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]| {2}/;

/**
 * `" ".join(s.split())`, in one scan without splitting into words: the text between the first and last
 * non-whitespace characters, with every whitespace run that is not a single U+0020 replaced by one space.
 * Most texts are already in that form (the result is then the trimmed text itself), and the rest have few
 * such runs (a think block's newlines), so the result is built from a few long slices.
 */
export function fixSpace(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && isPySpaceCode(s.charCodeAt(i))) i++;
  while (j > i && isPySpaceCode(s.charCodeAt(j - 1))) j--;
  // Fast check (one pass of a compiled character-class scan): no whitespace but single U+0020.
  if (!IRREGULAR_SPACE.test(s)) return i === 0 && j === s.length ? s : s.slice(i, j);
  let out = '';
  let from = i; // start of the part not yet copied to `out`
  let k = i;
  while (k < j) {
    const c = s.charCodeAt(k);
    if ((c > 0x20 && c < 0x85) || !isPySpaceCode(c)) {
      k++;
      continue;
    }
    let e = k + 1; // a whitespace run [k, e); never at either end (trimmed above)
    while (isPySpaceCode(s.charCodeAt(e))) e++;
    if (e === k + 1 && c === 0x20) {
      k = e;
      continue;
    }
    out += s.slice(from, k) + ' ';
    from = k = e;
  }
  if (from === i) return i === 0 && j === s.length ? s : s.slice(i, j);
  return out + s.slice(from, j);
}

/** The answer area of a LongBench-Pro response. */
export function getAnswerArea(text: string): string {
  let i = text.lastIndexOf('[Answer]');
  if (i >= 0) return pyStrip(text.slice(i + 8));
  i = text.lastIndexOf('[答案]');
  if (i >= 0) return pyStrip(text.slice(i + 4));
  return pyStrip(text);
}

/** Normalised gold answers A. */
export function normalizeAnswers(answers: readonly string[]): string[] {
  return answers.map((a) => fixSpace(pyStrip(pyLower(a))));
}

/** Normalised prediction lines P (empty lines kept as ""). */
export function predictionLines(prediction: string): string[] {
  return pyLower(getAnswerArea(prediction))
    .split('\n')
    .map((line) => fixSpace(pyStrip(line)));
}
