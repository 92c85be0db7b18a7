/**
 * Text normalisation shared by the LongBench-Pro metrics.
 *
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py`
 * (see `../shared/reference/GOLONGRL.md` §A.2):
 *
 *   get_answer_area(t) = t after the LAST "[Answer]" (else the last "[答案]", else t), stripped
 *   answers          A = [fix_space(lower(a).strip()) for a in answers]
 *   prediction lines P = [fix_space(line.strip()) for line in lower(get_answer_area(pred)).split("\n")]
 *   fix_space(s)       = " ".join(s.split())
 */

/**
 * Python's `str.split()` with no argument: split on runs of Unicode whitespace, dropping empty pieces.
 * Python's whitespace set for `str.split()`/`str.strip()` is the characters for which `str.isspace()` is true.
 */
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_WS_LEAD = new RegExp(`^[${PY_WS}]+`, 'u');
const PY_WS_TRAIL = new RegExp(`[${PY_WS}]+$`, 'u');

/** Python `s.split()` (no separator). */
export function pySplit(s: string): string[] {
  return s.split(PY_WS_RUN).filter((t) => t.length > 0);
}

/** Python `s.strip()` (no argument). */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEAD, '').replace(PY_WS_TRAIL, '');
}

/**
 * Python `s.lower()`. JavaScript's `toLowerCase` follows the same Unicode default
 * case mapping for almost all characters; the one difference that matters in practice
 * (final sigma) is context-sensitive in both.
 */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/** `" ".join(s.split())` */
export function fixSpace(s: string): string {
  return pySplit(s).join(' ');
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
