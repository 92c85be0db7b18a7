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
 *   - the 5-second timeouts: work is bounded instead (parse step budget, nesting depth, number sizes, and a
 *     ground truth over 2,048 UTF-16 units parses to [] as a timed-out parse would: `MAX_GOLD_LENGTH`).
 *
 * ## Validation
 *   The 55 golden cases match exactly. A differential run against the real Python stack (math_verify 0.8.0
 *   + latex2sympy2_extended 1.11.0 + sympy 1.11.1) over ~36,000 generated responses (answer forms × wrappers,
 *   long-CoT tails, fragment soups) disagreed only on integrals, derivatives and the `cos(0)` case above.
 *
 * ## Files (by concern)
 *   - `pystr.ts`: Python string semantics (`\s`, `\w`, `\d`, `$`, strip, code-point length and slicing), linear time;
 *   - `rational.ts`: exact BigInt rationals; `nodes.ts`: the `MathNode` value model;
 *   - `normalize_latex.ts`: `normalize_latex` with math_verify's configuration;
 *   - `latex_lexer.ts`, `latex_build.ts`, `latex_parser.ts`: latex2sympy (tokens, conversion helpers, grammar);
 *   - `py_expr.ts`: sympy `parse_expr` for plain arithmetic;
 *   - `evaluate.ts`: exact / double evaluation and value equality; `verify.ts`: `verify` / `sympy_expr_eq`;
 *   - `extract.ts`: `parse` (extraction regexes, priorities, match loop); `score.ts`: the reward.
 */
export type { MathNode } from './nodes.js';
export { normalizeLatex } from './normalize_latex.js';
export { latexToNode } from './latex_parser.js';
export { mathVerifyVerify, type ParsedItem } from './verify.js';
export { mathVerifyParse } from './extract.js';
export { mathDapoScore, mathVerifyEquivalent } from './score.js';
