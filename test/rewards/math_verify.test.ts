/**
 * math_longcot_math_verify: golden vectors from GoLongRL's own math_dapo + Hugging Face math_verify,
 * documented behaviour, and a fuzzed never-throws property.
 *
 * Every expected value in the hand-written table below was also checked against the real Python
 * reference (math_verify + latex2sympy2_extended + sympy 1.11), not only derived from reading it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mathDapoScore, mathVerifyEquivalent, mathVerifyParse } from '../../lib/rewards/math_verify.js';

interface RewardLine {
  kind: string;
  case: { data_source: string; response: string; ground_truth: unknown; extra_info?: unknown };
  expected: number;
}

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/rewards.jsonl', import.meta.url));

function count(s: string, sub: string): number {
  return s.split(sub).length - 1;
}
/** `default_compute_score`'s format gate, then the scorer (GOLONGRL.md §A.1). */
function gatedScore(response: string, groundTruth: unknown): number {
  if (!response.includes('</think>') || count(response, '<think>') > 1 || count(response, '</think>') > 1) return 0;
  const gt = typeof groundTruth === 'string' ? groundTruth : String((groundTruth as { golden_label: unknown }).golden_label);
  return mathDapoScore(response, gt);
}

describe('math_verify golden vectors (GoLongRL math_dapo with the real math_verify)', () => {
  const lines = readFileSync(GOLDEN, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RewardLine)
    .filter((l) => l.kind === 'reward' && l.case.data_source === 'math_longcot_math_verify');

  it('has the 55 cases', () => {
    expect(lines).toHaveLength(55);
  });
  it.each(lines.map((l, i) => [i + 1, l] as const))('case %i', (_i, l) => {
    expect(gatedScore(l.case.response, l.case.ground_truth)).toBe(l.expected);
  });

  it('the non-gate zeros happen for the reason the reference has', () => {
    // "Answer: 2\sqrt3": LaTeX is only read inside an environment ($…$, \boxed{…}, …), so the
    // "answer:" + plain-number rule extracts just "2".
    expect(mathVerifyParse('x\nAnswer: 2\\sqrt3')).toEqual([{ k: 'int', v: 2n }, '2']);
    // "Answer: - 7": the number regex needs "-" glued to the digits; it finds "7".
    expect(mathVerifyParse('x\nAnswer: - 7')[1]).toBe('7');
    // "Answer: \left(2,3\right)": no environment and no whitespace-prefixed number: nothing is extracted.
    expect(mathVerifyParse('x\nAnswer: \\left(2,3\\right)')).toEqual([]);
    // 0.083 vs 0.0825 and 0.49 vs 1/2: floats are compared after rounding to 6 decimals.
    expect(mathVerifyEquivalent('0.0825', '\\boxed{0.083}')).toBe(false);
    // 125000 vs 1,250,000: a different number (the thousands separators themselves are understood).
    expect(mathVerifyEquivalent('1,250,000', '\\boxed{1250000}')).toBe(true);
    expect(mathVerifyEquivalent('1,250,000', '\\boxed{125000}')).toBe(false);
    // 3.14159 vs \pi: pi rounds to 3.141593.
    expect(mathVerifyEquivalent('\\pi', '$3.14159$')).toBe(false);
    // The golden "$12 percent$" zero comes from the format gate (no </think>): ungated it scores 1,
    // because normalisation rewrites " percent" to "\%" and the strings then match.
    expect(mathDapoScore('The answer is $12 percent$.', '12\\%')).toBe(1);
  });
});

/** [response, ground truth, expected, the math_verify rule it exercises] */
const DOCUMENTED: [string, string, 0 | 1, string][] = [
  // --- \boxed{…} content is cut by brace matching, not by a regex
  ['so \\boxed{\\frac{\\sqrt{3}}{2}}', '\\frac{\\sqrt{3}}{2}', 1, 'nested braces inside \\boxed'],
  ['so \\boxed{\\left(\\frac{1}{2}\\right)}', '0.5', 1, '\\left( \\right) dropped; gold "0.5" is normalised to \\frac{1}{2}'],
  ['so \\boxed{\\dfrac{7}{18}} done', '\\frac{7}{18}', 1, '\\dfrac → \\frac, then the strings are equal'],
  // --- which match wins
  ['First \\boxed{3}. After checking everything again very carefully we get \\boxed{5}', '5', 1, 'last \\boxed wins'],
  ['First \\boxed{3}. After checking everything again very carefully we get \\boxed{5}', '3', 0, 'earlier \\boxed ignored'],
  ['so \\boxed{3}, \\boxed{5}', '\\{3, 5\\}', 1, 'boxes fewer than 10 chars apart are read together, as a set'],
  ['\\boxed{5} and then Answer: 7', '5', 1, 'priority: \\boxed (50) beats "answer:" (100) even further left'],
  ['\\boxed{5} and then Answer: 7', '7', 0, 'priority: the later "Answer: 7" is never read'],
  ['\\boxed{3} ... The final answer is $7$. I hope it is correct.', '7', 1, '"final answer is … I hope" has priority 0'],
  ['we get $3$ then $4$', '4', 1, 'same priority: the match ending rightmost wins'],
  ['we get $3$ then $4$', '3', 0, 'same priority: earlier environment ignored'],
  // --- percentages
  ['The answer is $375\\%$.', '3.75', 1, '375\\% is 375·1/100; a float gold compares after rounding'],
  ['Answer: 12%', '0.12', 1, 'plain-number rule with a % suffix'],
  ['The answer is $50$\\%.', '\\frac{1}{2}', 1, 'a % after the closing $ applies to the environment'],
  ['The answer is $12 percent$.', '12\\%', 1, '" percent" is normalised to "\\%"'],
  ['The answer is $12\\%$.', '0.13', 0, 'percent values still have to be equal'],
  // --- thousands separators
  ['\\boxed{1,250,000}', '1250000', 1, 'a whole answer "d{1,3}(,ddd)+" is one number, not a set'],
  ['Answer: 1,250,000', '1250000', 1, 'plain-number rule strips thousands separators'],
  ['\\boxed{125000}', '1,250,000', 0, 'a different number'],
  ['The answer is $1,024$.', '1024', 1, 'thousands separator in LaTeX'],
  ['The answer is $1, 024$.', '1024', 0, 'with a space it is the set {1, 24}'],
  // --- fractions
  ['\\boxed{\\frac{2}{4}}', '\\frac{1}{2}', 1, 'integer fractions are exact rationals'],
  ['\\boxed{\\frac12}', '\\frac{1}{2}', 1, '\\frac12 → \\frac{1}{2} (malformed-operator fix), string match'],
  ['Answer: 1/2', '0.5', 1, 'Python arithmetic 1/2 vs gold 0.5 (normalised to \\frac{1}{2})'],
  ['\\boxed{0.49}', '\\frac{1}{2}', 0, '0.49 ≠ 0.5 at 6 decimals'],
  // --- scientific notation and powers
  ['The answer is $1.25\\times10^6$.', '1,250,000', 1, '\\times and ^ are evaluated'],
  ['\\boxed{1.5E3}', '1500', 1, 'E notation is a float'],
  ['\\boxed{2^{10}}', '1024', 1, 'powers are evaluated'],
  // --- negative numbers
  ['Answer: -7.0', '-7', 1, 'float -7.0 equals integer -7'],
  ['Answer: - 7', '-7', 0, 'a detached minus sign is not part of the number'],
  ['\\boxed{\\left(-7\\right)}', '-7', 1, 'a one-element "tuple" is its element'],
  ['Answer: -007', '-7', 0, 'sympy Number("-007") raises (Python forbids leading zeros): parse returns []'],
  // --- tuples, intervals, sets
  ['The answer is $(3, 2)$.', '(2, 3)', 0, 'tuples are ordered ((3, 2) is a tuple, (2, 3) an open interval)'],
  ['The answer is $(2,3)$.', '(2, 3)', 1, 'same open interval'],
  ['The answer is $\\{3, 2\\}$.', '\\{2, 3\\}', 1, 'sets are unordered'],
  ['\\boxed{2, 3}', '(2, 3)', 1, 'a written list against an open-interval gold keeps its written order'],
  ['\\boxed{3, 2}', '(2, 3)', 0, '… so the wrong order fails'],
  ['Answer: \\left(2,3\\right)', '(2, 3)', 0, 'no environment and no plain number: nothing is extracted'],
  ['\\boxed{[1, 2)}', '[1, 2)', 1, 'half-open interval'],
  ['\\boxed{[1, 2]}', '[1, 2)', 0, 'interval ends must have the same openness'],
  ['\\boxed{(-\\infty, 1) \\cup (2, \\infty)}', '(2, \\infty) \\cup (-\\infty, 1)', 1, 'unions compare as sets'],
  // --- symbolic
  ['The answer is $\\frac{2x+2}{2}$.', 'x+1', 1, 'symbolic equality (sympy simplify)'],
  ['\\boxed{(x+1)^2}', 'x^2+2x+1', 1, 'polynomial identity'],
  ['\\boxed{x+2}', 'x+1', 0, 'different polynomials'],
  ['Answer: 2\\sqrt3', '2\\sqrt{3}', 0, 'LaTeX outside an environment: only the plain number 2 is read'],
  ['The answer is $2\\sqrt3$.', '2\\sqrt{3}', 1, '\\sqrt3 → \\sqrt{3}, string match'],
  // --- float rounding to 6 decimals
  ['\\boxed{0.083}', '0.0825', 0, '0.083000 ≠ 0.082500'],
  ['\\boxed{0.08250000001}', '0.0825', 1, 'differences below 6 decimals vanish'],
  ['\\boxed{0.333333}', '\\frac{1}{3}', 1, '1/3 rounds to 0.333333'],
  ['\\boxed{0.3333}', '\\frac{1}{3}', 0, '0.333300 ≠ 0.333333'],
  ['The answer is $3.14159$.', '\\pi', 0, 'pi rounds to 3.141593'],
  ['The answer is $3.141593$.', '\\pi', 1, '… which 3.141593 matches'],
  // --- assignments and relations
  ['The answer is $x = 5$.', '5', 1, 'an assignment is reduced to its right-hand side'],
  ['The answer is $x = 5$.', 'y = 5', 0, 'two assignments keep their variables'],
  ['\\boxed{x \\geq 2}', '2 \\le x', 1, 'flipped inequalities are equal'],
  // --- mixed numbers
  ['The answer is $3\\frac{3}{4}$.', '3.75', 1, 'integer followed by a fraction is a mixed number'],
  ['Answer: 3\\frac{3}{4}', '3.75', 0, 'outside an environment only the bare \\frac{3}{4} is extracted'],
  // --- units
  ['\\boxed{5 \\text{ cm}}', '5', 1, 'a trailing \\text{…} is removed'],
  ['\\boxed{10 meters}', '10', 1, 'trailing unit words are removed'],
  // --- vectors
  ['\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}', '\\begin{pmatrix}1\\\\2\\end{pmatrix}', 1, 'matrices compare element-wise'],
  ['\\boxed{\\begin{pmatrix} 0.5 \\\\ 2 \\end{pmatrix}}', '\\begin{pmatrix}\\frac{1}{2}\\\\2\\end{pmatrix}', 1, '… numerically'],
  // --- the 500-character tail is measured in code points, as Python slices
  ['\\boxed{42}' + '𝑥'.repeat(490), '42', 1, '500 code points (990 UTF-16 units) keep the \\boxed'],
  ['\\boxed{42}' + '𝑥'.repeat(495), '42', 0, '505 code points: "\\boxe" falls outside the tail'],
  ['\\boxed{42}' + ' a'.repeat(300), '42', 0, 'answers before the last 500 characters are not seen'],
  // --- Python's \d accepts Unicode digits, but sympy's Number() then raises and parse returns []
  ['We got 5 apples and 𝟐 pears', '5', 0, 'the rightmost number is 𝟐 (U+1D7D0): the whole parse fails'],
  ['We got 5 apples and 2 pears', '2', 1, 'plain numbers anywhere: the rightmost wins'],
  // --- nothing to extract
  ['no numbers here at all', '1', 0, 'parse returns []'],
  ['', '0', 0, 'empty response'],
];

describe('math_verify documented behaviour', () => {
  it.each(DOCUMENTED)('%j vs %j → %i (%s)', (response, gt, expected) => {
    expect(mathDapoScore(response, gt)).toBe(expected);
  });

  it('parse returns [value, extracted string]', () => {
    expect(mathVerifyParse('so \\boxed{\\frac12}')).toEqual([{ k: 'rat', p: 1n, q: 2n }, '\\frac{1}{2}']);
    expect(mathVerifyParse('The answer is $1,024$.')).toEqual([{ k: 'int', v: 1024n }, '1,024']);
    // an unconvertible match still yields its string (fallback), but no value: the reward is 0
    expect(mathVerifyParse('$\\int_0^1 x dx$')).toEqual(['\\int_0^1 x dx']);
  });

  it('never throws on non-string input and stays in [0, 1]', () => {
    expect(mathDapoScore(undefined as unknown as string, '1')).toBe(0);
    expect(mathDapoScore('\\boxed{1}', null as unknown as string)).toBe(0);
  });
});

const FRAGMENTS = [
  '\\boxed{', '\\fbox{', '$', '$$', '\\(', '\\)', '\\[', '\\]', '\\frac', '\\dfrac', '{', '}', '(', ')', '[', ']', '0', '1', '2', '7', '9',
  '12', '.', ',', '^', '_', '\\sqrt', 'Answer:', 'answer', 'final answer is', 'I hope', '%', '\\%', 'percent', '-', '+', '*', '/', '=',
  '<', '\\le', '\\times', '\\cdot', '\\pi', '\\infty', 'x', 'y', 'e', 'E', 'd', 'I', '\\text{', 'cm', ' ', '  ', '\n', '\\left(',
  '\\right)', '\\left[', '\\{', '\\}', '\\cup', '\\pm', '!', '|', '&', '\\\\', '\\begin{pmatrix}', '\\end{pmatrix}', '\\sum_{i=1}^{3}',
  '\\sin', '\\log', 'and', 'or', ';', ':', '𝟐', '𝑥', '٣', '\u00a0', '\\', '"', "'", '<think>', '</think>',
];
const GOLDS = ['1', '-7', '0.5', '\\frac{1}{2}', '1,250,000', '12\\%', '(2, 3)', 'x+1', '\\pi', '2\\sqrt{3}', '', '\\boxed{', '}{'];

describe('math_verify never throws', () => {
  it('returns 0 or 1 on 100,000 fuzzed responses built from LaTeX fragments', () => {
    const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((xs) => xs.join(''));
    const response = fc.oneof(
      { weight: 6, arbitrary: soup },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), soup).map(([a, b]) => a + b) },
    );
    const gold = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOLDS) }, { weight: 1, arbitrary: soup });
    fc.assert(
      fc.property(response, gold, (r, g) => {
        const s = mathDapoScore(r, g);
        return s === 0 || s === 1;
      }),
      { numRuns: 100000 },
    );
  });
});
