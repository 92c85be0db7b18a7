/**
 * latex2sympy's lexer: the PS.g4 tokens with ANTLR's rules (longest match, ties to the earlier rule),
 * and `LatexFail`, the error a failed conversion raises.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */

/** A conversion failure (latex2sympy raised): the match is skipped / the retry path is taken. */
export class LatexFail extends Error {}

export type Tok = { t: string; s: string };

export const GREEK_UNICODE: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', Γ: 'Gamma', δ: 'delta', Δ: 'Delta', ε: 'epsilon', ϵ: 'varepsilon', ζ: 'zeta',
  η: 'eta', θ: 'theta', Θ: 'Theta', ϑ: 'vartheta', ι: 'iota', κ: 'kappa', λ: 'lambda', Λ: 'Lambda', μ: 'mu', ν: 'nu',
  ξ: 'xi', Ξ: 'Xi', ο: 'omicron', π: 'pi', Π: 'Pi', ϖ: 'varpi', ρ: 'rho', ϱ: 'varrho', σ: 'sigma', Σ: 'Sigma',
  ς: 'varsigma', τ: 'tau', υ: 'upsilon', Υ: 'Upsilon', φ: 'phi', Φ: 'Phi', ϕ: 'varphi', χ: 'chi', ψ: 'psi', Ψ: 'Psi',
  ω: 'omega', Ω: 'Omega',
};
export const GREEK_CMDS = [
  'alpha', 'beta', 'gamma', 'Gamma', 'delta', 'Delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'Theta',
  'vartheta', 'iota', 'kappa', 'lambda', 'Lambda', 'mu', 'nu', 'xi', 'Xi', 'omicron', 'pi', 'Pi', 'varpi', 'rho',
  'varrho', 'sigma', 'Sigma', 'varsigma', 'tau', 'upsilon', 'Upsilon', 'phi', 'Phi', 'varphi', 'chi', 'psi', 'Psi',
  'omega', 'Omega',
].map((g) => '\\' + g);
export const OTHER_SYMBOLS = [
  '\\Bbbk', '\\wp', '\\nabla', '\\bigstar', '\\angle', '\\nexists', '\\diagdown', '\\measuredangle', '\\eth', 'ℵ', 'ℶ',
  'ℷ', 'ℸ', '\\diagup', '\\sphericalangle', '\\clubsuit', '\\varnothing', '\\Diamond', '\\complement', '\\diamondsuit',
  '\\imath', '\\Finv', '\\triangledown', '\\heartsuit', '\\jmath', '\\Game', '\\triangle', '\\spadesuit', '\\ell',
  '\\hbar', '\\vartriangle', '\\hslash', '\\blacklozenge', '\\lozenge', '\\blacksquare', '\\mho', '\\blacktriangle',
  '\\sharp', '\\prime', '\\Im', '\\flat', '\\square', '\\backprime', '\\Re', '\\natural', '\\surd', '\\circledS',
];
export const ACCENT_CMDS = [
  'acute', 'bar', 'overline', 'breve', 'check', 'widecheck', 'dot', 'ddot', 'grave', 'hat', 'tilde', 'widetilde', 'vec',
  'overrightarrow', 'bm', 'boldsymbol', 'text', 'textit', 'textbf', 'textnormal', 'mathbb', 'mathbin', 'mathbf',
  'mathcal', 'mathclap', 'mathclose', 'mathellipsis', 'mathfrak', 'mathinner', 'mathit', 'mathnormal', 'mathop',
  'mathopen', 'mathord', 'mathpunct', 'mathrel', 'mathring', 'mathrlap', 'mathrm', 'mathscr', 'mathsf', 'mathsterling',
  'mathtt', 'mbox',
].sort((a, b) => b.length - a.length);
export const ACCENT_RE = new RegExp(String.raw`\\(?:${ACCENT_CMDS.join('|')})[ \t\r\n]?\{(?:\\\}|[^}])*?\}`, 'y');

/** Literal tokens in rule order (earlier = wins ties). The parser-rule literals (T__n) come first, as in ANTLR. */
export const LITERAL_GROUPS: [string, string[]][] = [
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
export interface Lit {
  s: string;
  t: string;
  rank: number;
}
export const LITERALS_BY_FIRST = new Map<string, Lit[]>();
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
export const RANK_OF = (t: string): number => {
  const i = LITERAL_GROUPS.findIndex(([name]) => name === t);
  return i < 0 ? 1000 : i;
};
export const RANK_NUMBER = RANK_OF('EXP_E') + 0.5; // NUMBER / E_NOTATION sit after LETTER_NO_E
export const RANK_LETTER = RANK_OF('E_NOTATION_E') + 0.1;
export const RANK_DIFFERENTIAL = RANK_OF('PERIOD') + 0.5;
export const RANK_PERCENT = RANK_OF('BANG') + 0.5;
export const RANK_GREEK = RANK_OF('GREEK');
export const RANK_OTHER = RANK_OF('OTHER_SYM');
export const RANK_ACCENT = LITERAL_GROUPS.findIndex(([, l]) => l.includes('\\mathbb{N}')) + 0.5; // after the \mathbb sets

export const NUMBER_RE = /[0-9]*\.[0-9]+|[0-9]+/y;
export const ARRAY_START_RE = /\\begin\{array\}\{[clr]*\}/y;
export const DIFFERENTIAL_RE = /d[ \t\r\n]*(?:\\[a-zA-Z]+|[a-zA-Z])/y;

export function lexLatex(src: string): Tok[] {
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
