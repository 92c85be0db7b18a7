/**
 * latex2sympy's parser: a backtracking recursive-descent port of PS.g4 with ordered choice, building
 * `MathNode`s as `_Latex2Sympy.convert_*` does; `latexToNode` and math_verify's `parse_latex_cached` retry.
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { D, PY_END, S, cpLen, pyStrip } from './pystr.js';
import { INT, MathNode, Unsupported, addFlat, isNumber, mulFlat, negateNumber, sympyRational } from './nodes.js';
import { LatexFail, Tok, lexLatex } from './latex_lexer.js';
import { Alt, CLOSERS_INTERVAL, COMP_STARTERS, FUNC_STARTERS, GROUP_PAIRS, HALF, LITERAL_SETS, MAX_PARSE_DEPTH, MAX_PARSE_STEPS, MP_OPS, OPENERS_INTERVAL, PCT_UE, REL_OPS, asUnaryMinus, combineRelation, makeInterval, parseNumberText, reciprocal, symbolFromText, sympyTruthy, toSetOrTuple } from './latex_build.js';

export class LatexParser {
  private pos = 0;
  private steps = 0;
  private depth = 0;
  private closers: string[] = [];
  private memo = new Map<string, { node: MathNode[]; end: number } | null>();

  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)];
  }
  private is(t: string, o = 0): boolean {
    return this.peek(o).t === t;
  }
  private step(): void {
    if (++this.steps > MAX_PARSE_STEPS) throw new Unsupported('parse budget exhausted');
  }
  private eat(t?: string): Tok {
    this.step();
    const tok = this.peek();
    if (tok.t === 'EOF' || (t !== undefined && tok.t !== t)) throw new LatexFail(`expected ${t ?? 'token'} got ${tok.t}`);
    this.pos++;
    return tok;
  }
  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_PARSE_DEPTH) throw new Unsupported('nesting too deep');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }
  private attempt<T>(f: Alt<T>): T | null {
    const save = this.pos;
    const closers = this.closers;
    try {
      return f();
    } catch (e) {
      if (e instanceof LatexFail) {
        this.pos = save;
        this.closers = closers;
        return null;
      }
      throw e;
    }
  }
  private withCloser<T>(c: string | null, f: () => T): T {
    const saved = this.closers;
    this.closers = c === null ? [] : [...saved, c];
    try {
      return f();
    } finally {
      this.closers = saved;
    }
  }
  private textOf(from: number, to: number): string {
    return this.toks
      .slice(from, to)
      .map((t) => t.s)
      .join('');
  }

  /** `math: (set_elements_relation | set_elements | set_relation) EOF`. */
  math(): { kind: 'node'; node: MathNode } | { kind: 'elements'; els: MathNode[][] } {
    const rel = this.attempt(() => {
      const v = this.setElementsRelation();
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (rel) return { kind: 'node', node: rel };
    const els = this.attempt(() => {
      const v = this.semicolonElements(false, 'EOF');
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (els) return { kind: 'elements', els };
    const setRel = this.attempt(() => {
      const v = this.setRelation();
      if (!this.is('EOF')) throw new LatexFail('trailing input');
      return v;
    });
    if (setRel) return { kind: 'node', node: setRel };
    throw new LatexFail('nothing matched');
  }

  /** `set_relation: … | atom_expr_list (IN | NOTIN | ASSIGNMENT) set_relation | minus_expr` (⊆/⊇ unsupported). */
  private setRelation(): MathNode {
    const eq = this.attempt(() => {
      const lhs = this.atomExprList();
      if (this.is('UNSUP') && this.peek().s.includes('notin')) throw new Unsupported('notin');
      if (!this.is('IN') && !this.is('ASSIGNMENT')) throw new LatexFail('expected relation');
      this.eat();
      return { k: 'rel', op: 'eq', lhs, rhs: this.setRelation() } as MathNode;
    });
    return eq ?? this.nest(() => this.setBinary(0));
  }
  /** minus_expr / union_expr / intersection_expr, left-associative (∩ binds tighter than ∪, ∪ than ∖). */
  private setBinary(level: number): MathNode {
    const ops = ['SET_MINUS', 'UNION', 'INTERSECTION'];
    const next = (): MathNode => (level < 2 ? this.setBinary(level + 1) : this.setGroup());
    let l = next();
    while (this.is(ops[level])) {
      this.eat();
      const r = next();
      const asSet = (x: MathNode): MathNode => (x.k === 'tuple' ? { k: 'fset', items: x.items } : x);
      l = { k: 'setop', op: (['complement', 'union', 'intersection'] as const)[level], args: level === 0 ? [l, r] : [asSet(l), asSet(r)] };
    }
    return l;
  }
  private setGroup(): MathNode {
    const g = this.attempt(() => {
      this.eat('L_PAREN');
      const e = this.withCloser(null, () => this.nest(() => this.setBinary(0)));
      this.eat('R_PAREN');
      return e;
    });
    return g ?? this.setAtom();
  }

  private atomExprList(): MathNode {
    if (this.is('L_PAREN')) {
      this.eat();
      const items = [this.atomExpr(true)];
      while (this.is('COMMA')) {
        this.eat();
        items.push(this.atomExpr(true));
      }
      this.eat('R_PAREN');
      return items.length === 1 ? items[0] : { k: 'tuple', items };
    }
    return this.atomExpr(true);
  }

  private setElementsRelation(): MathNode {
    const lhs = this.atomExprList();
    if (!this.is('IN') && !this.is('ASSIGNMENT')) throw new LatexFail('expected relation');
    this.eat();
    const els = this.semicolonElements(true, 'EOF');
    return { k: 'rel', op: 'eq', lhs, rhs: toSetOrTuple(els) };
  }

  private semicolonElements(noRel: boolean, closer: string): MathNode[][] {
    const rows = [this.commaElements(noRel, closer)];
    while (this.is('SEMICOLON')) {
      this.eat();
      rows.push(this.commaElements(noRel, closer));
    }
    return rows;
  }
  private commaElements(noRel: boolean, closer: string): MathNode[] {
    const items = [...this.element(noRel, closer)];
    while (this.is('COMMA')) {
      this.eat();
      items.push(...this.element(noRel, closer));
    }
    return items;
  }
  private followOk(closer: string): boolean {
    const t = this.peek().t;
    return t === 'COMMA' || t === 'SEMICOLON' || t === closer;
  }
  /** `element: plus_minus_expr | set_atom | relation` (`element_no_relation` has `expr` last). */
  private element(noRel: boolean, closer: string): MathNode[] {
    const key = `${this.pos}|${noRel}|${closer}|${this.closers.join(',')}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) {
      if (memo === null) throw new LatexFail('memo: no element');
      this.pos = memo.end;
      return memo.node;
    }
    const alts: Alt<MathNode[]>[] = [
      () => this.plusMinus(),
      () => [this.setAtom()],
      () => [noRel ? this.expr() : this.relation()],
    ];
    for (const alt of alts) {
      const r = this.attempt(() => {
        const v = this.nest(alt);
        if (!this.followOk(closer)) throw new LatexFail('element not followed by a separator');
        return v;
      });
      if (r) {
        this.memo.set(key, { node: r, end: this.pos });
        return r;
      }
    }
    this.memo.set(key, null);
    throw new LatexFail('no element');
  }
  private plusMinus(): MathNode[] {
    if (this.is('PLUS_MINUS')) {
      this.eat();
      const e = this.expr();
      return [asUnaryMinus(e), e];
    }
    const l = this.expr();
    this.eat('PLUS_MINUS');
    const r = this.expr();
    return [
      { k: 'add', args: [l, r] },
      { k: 'add', args: [l, asUnaryMinus(r)] },
    ];
  }
  private setAtom(): MathNode {
    const alts: Alt<MathNode>[] = [() => this.interval(), () => this.literalSet(), () => this.orderedTuple(), () => this.finiteSet()];
    for (const alt of alts) {
      const r = this.attempt(alt);
      if (r) return r;
    }
    throw new LatexFail('no set atom');
  }
  private interval(): MathNode {
    const open = this.peek().t;
    if (!(open in OPENERS_INTERVAL)) throw new LatexFail('not an interval');
    this.eat();
    const [lo, hi] = this.withCloser(null, () => {
      const a = this.expr();
      this.eat('COMMA');
      return [a, this.expr()];
    });
    const close = this.peek().t;
    if (!(close in CLOSERS_INTERVAL)) throw new LatexFail('not an interval');
    this.eat();
    return makeInterval(lo, hi, OPENERS_INTERVAL[open], CLOSERS_INTERVAL[close]);
  }
  private literalSet(): MathNode {
    if (this.is('LSET')) {
      const name = LITERAL_SETS[this.eat().s];
      if (name === undefined) throw new LatexFail('Unrecognized literal set');
      return { k: 'lset', name };
    }
    if (this.is('SET_EMPTY')) {
      this.eat();
      return { k: 'emptyset' };
    }
    if (this.is('L_BRACE') && this.is('R_BRACE', 1)) {
      this.eat();
      this.eat();
      return { k: 'emptyset' };
    }
    throw new LatexFail('not a literal set');
  }
  private orderedTuple(): MathNode {
    const pairs: Record<string, string> = { L_PAREN: 'R_PAREN', L_PAREN_VISUAL: 'R_PAREN_VISUAL', L_BRACKET: 'R_BRACKET' };
    const close = pairs[this.peek().t];
    if (!close) throw new LatexFail('not a tuple');
    this.eat();
    const els = this.withCloser(null, () => this.semicolonElements(false, close));
    this.eat(close);
    if (els.length === 1 && els[0].length === 1) return els[0][0];
    return { k: 'tuple', items: els.flat() };
  }
  private finiteSet(): MathNode {
    let boxed = false;
    let close: string;
    if (this.is('BOXED')) {
      this.eat();
      boxed = true;
      this.eat('L_BRACE');
      close = 'R_BRACE';
    } else if (this.is('L_BRACE')) {
      this.eat();
      close = 'R_BRACE';
    } else if (this.is('L_BRACE_VISUAL')) {
      this.eat();
      close = 'R_BRACE_VISUAL';
    } else throw new LatexFail('not a set');
    const els = this.withCloser(null, () => this.semicolonElements(false, close));
    this.eat(close);
    return boxed ? toSetOrTuple(els) : { k: 'fset', items: els.flat() };
  }

  private relation(): MathNode {
    let lh = this.expr();
    while (this.peek().t in REL_OPS) {
      const op = REL_OPS[this.eat().t];
      const rh = this.expr();
      lh = combineRelation(lh, op, rh);
    }
    return lh;
  }

  expr(): MathNode {
    const key = `e|${this.pos}|${this.closers.join(',')}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) {
      if (memo === null) throw new LatexFail('memo: no expr');
      this.pos = memo.end;
      return memo.node[0];
    }
    try {
      const node = this.nest(() => this.additive());
      this.memo.set(key, { node: [node], end: this.pos });
      return node;
    } catch (e) {
      if (e instanceof LatexFail) this.memo.set(key, null);
      throw e;
    }
  }
  private additive(): MathNode {
    let lh = this.mp(false);
    while (this.is('ADD') || this.is('SUB')) {
      const op = this.eat().t;
      const rh = this.mp(false);
      lh = addFlat(lh, op === 'ADD' ? rh : isNumber(rh) ? negateNumber(rh) : mulFlat(INT(-1n), rh));
    }
    return lh;
  }
  private mp(nofunc: boolean): MathNode {
    let lh = this.unary(nofunc);
    while (MP_OPS.has(this.peek().t)) {
      const op = this.eat().t;
      const rh = this.unary(nofunc);
      if (op === 'MUL' || op === 'CMD_TIMES' || op === 'CMD_CDOT') lh = mulFlat(lh, rh);
      else if (op === 'MOD') lh = { k: 'fn', name: 'mod', args: [lh, rh], known: true };
      else if (lh.k === 'int' && rh.k === 'int') lh = sympyRational(lh.v, rh.v);
      else lh = { k: 'mul', args: [lh, { k: 'pow', base: rh, exp: INT(-1n) }] };
    }
    return lh;
  }
  private unary(nofunc: boolean): MathNode {
    return this.nest(() => {
      if (this.is('ADD')) {
        this.eat();
        return this.unary(nofunc);
      }
      if (this.is('SUB')) {
        this.eat();
        const t = this.unary(nofunc);
        return isNumber(t) ? negateNumber(t) : mulFlat(INT(-1n), t);
      }
      const list = [this.postfix(false)];
      while (this.canStartComp(nofunc)) list.push(this.postfix(nofunc));
      return this.convertPostfixList(list);
    });
  }
  private canStartComp(nofunc: boolean): boolean {
    const t = this.peek().t;
    if (this.closers.includes(t)) return false;
    return COMP_STARTERS.has(t) || (!nofunc && FUNC_STARTERS.has(t));
  }
  /** latex2sympy `convert_postfix_list`, including the mixed-number rule `2 \frac{1}{2}` = 5/2. */
  private convertPostfixList(list: MathNode[]): MathNode {
    let acc = list[list.length - 1];
    for (let i = list.length - 2; i >= 0; i--) {
      const res = list[i];
      const rhP = acc.k === 'int' ? acc.v : acc.k === 'rat' ? acc.p : 0n;
      const rhQ = acc.k === 'int' ? 1n : acc.k === 'rat' ? acc.q : 0n;
      if (res.k === 'int' && (acc.k === 'int' || acc.k === 'rat') && rhP > 0n && rhQ > 0n) {
        acc = res.v < 0n ? sympyRational(res.v * rhQ - rhP, rhQ) : sympyRational(res.v * rhQ + rhP, rhQ);
      } else acc = mulFlat(res, acc);
    }
    return acc;
  }
  private postfix(nofunc: boolean): MathNode {
    let e = this.exp(nofunc);
    for (;;) {
      const t = this.peek().t;
      if (t === 'BANG') {
        this.eat();
        e = { k: 'fn', name: 'factorial', args: [e], known: true };
      } else if (t === 'TRANSPOSE' || t === 'DEGREE') {
        this.eat();
      } else if (t === 'BAR' && (this.is('CARET', 1) || this.is('UNDERSCORE', 1)) && !this.closers.includes('BAR')) {
        throw new Unsupported('evaluation bar');
      } else return e;
    }
  }
  private exp(nofunc: boolean): MathNode {
    let base = this.comp(nofunc);
    while (this.is('CARET')) {
      this.eat();
      const exponent = this.atomOrBraced();
      if (this.is('UNDERSCORE')) this.subexpr();
      base = { k: 'pow', base, exp: exponent };
    }
    return base;
  }
  private atomOrBraced(): MathNode {
    if (this.is('L_BRACE')) {
      this.eat();
      const e = this.withCloser(null, () => this.expr());
      this.eat('R_BRACE');
      return e;
    }
    return this.atom();
  }
  private group(open: string): MathNode {
    const close = GROUP_PAIRS[open];
    this.eat(open);
    const e = this.withCloser(null, () => this.expr());
    this.eat(close);
    return e;
  }
  private comp(nofunc: boolean): MathNode {
    const t = this.peek().t;
    switch (t) {
      case 'L_BRACE': {
        const binom = this.attempt(() => {
          this.eat('L_BRACE');
          const [n, k] = this.withCloser(null, () => {
            const a = this.expr();
            this.eat('CHOOSE');
            return [a, this.expr()];
          });
          this.eat('R_BRACE');
          return binomial(n, k);
        });
        return binom ?? this.group(t);
      }
      case 'L_PAREN':
      case 'L_GROUP':
      case 'L_BRACKET':
      case 'L_BRACE_VISUAL':
      case 'L_BRACE_CMD':
      case 'L_BRACK':
        return this.group(t);
      case 'PHANTOM':
      case 'BOXED':
        this.eat();
        return this.group('L_BRACE');
      case 'BAR':
      case 'VERT':
      case 'L_VERT': {
        const close = t === 'L_VERT' ? 'R_VERT' : t;
        this.eat();
        const e = this.withCloser(close, () => this.expr());
        this.eat(close);
        return { k: 'fn', name: 'abs', args: [e], known: true };
      }
      case 'L_FLOOR':
      case 'LL_CORNER':
      case 'L_CEIL':
      case 'UL_CORNER': {
        const close = { L_FLOOR: 'R_FLOOR', LL_CORNER: 'LR_CORNER', L_CEIL: 'R_CEIL', UL_CORNER: 'UR_CORNER' }[t];
        this.eat();
        const e = this.withCloser(null, () => this.expr());
        this.eat(close);
        return { k: 'fn', name: t === 'L_FLOOR' || t === 'LL_CORNER' ? 'floor' : 'ceiling', args: [e], known: true };
      }
      case 'NORM':
      case 'L_ANGLE':
        throw new Unsupported('norm / inner product');
      case 'FRAC':
        return this.frac();
      case 'MATRIX_START':
      case 'ARRAY_START':
        return this.matrix();
      case 'BINOM': {
        this.eat();
        const n = this.group('L_BRACE');
        const k = this.group('L_BRACE');
        return binomial(n, k);
      }
      case 'FUNC_GAMMA':
        if (!nofunc) {
          const f = this.attempt(() => this.func());
          if (f) return f;
        }
        return this.atom();
      case 'LETTER':
      case 'GREEK':
      case 'OTHER_SYM':
      case 'ACCENT':
        if (!nofunc) {
          const f = this.attempt(() => this.letterFunc());
          if (f) return f;
        }
        return this.atom();
      default:
        if (FUNC_STARTERS.has(t)) {
          if (nofunc) throw new LatexFail('function not allowed here');
          return this.func();
        }
        return this.atom();
    }
  }
  /** `matrix: CMD_MATRIX_START matrix_row (MATRIX_DEL_ROW matrix_row)* MATRIX_DEL_ROW? CMD_MATRIX_END` (or array). */
  private matrix(): MathNode {
    const end = this.eat().t === 'MATRIX_START' ? 'MATRIX_END' : 'ARRAY_END';
    const rows = this.withCloser(null, () => {
      const out: MathNode[][] = [];
      for (;;) {
        const row = [this.expr()];
        while (this.is('MATRIX_DEL_COL')) {
          this.eat();
          row.push(this.expr());
        }
        out.push(row);
        if (!this.is('MATRIX_DEL_ROW')) break;
        this.eat();
        if (this.is(end)) break;
      }
      return out;
    });
    this.eat(end);
    if (this.is('UNSUP')) throw new Unsupported('matrix transforms');
    if (rows.some((r) => r.length !== rows[0].length)) throw new LatexFail('ragged matrix');
    return { k: 'matrix', rows };
  }
  private frac(): MathNode {
    this.eat('FRAC');
    const upper = this.group('L_BRACE');
    const lowStart = this.pos + 1;
    const lower = this.group('L_BRACE');
    const lowToks = this.toks.slice(lowStart, this.pos - 1);
    if (lowToks.length === 1 && lowToks[0].t === 'DIFFERENTIAL') throw new Unsupported('derivative');
    if (lowToks.length === 2 && lowToks[0].s === '\\partial') throw new Unsupported('partial derivative');
    if (upper.k === 'int' && lower.k === 'int') return sympyRational(upper.v, lower.v);
    return { k: 'mul', args: [upper, { k: 'pow', base: lower, exp: INT(-1n) }] };
  }
  /** `subexpr: UNDERSCORE (atom | L_BRACE (expr | args) R_BRACE)`; returns its text and value. */
  private subexpr(): { text: string; node: MathNode | null; isAtom: boolean } {
    this.eat('UNDERSCORE');
    if (this.is('L_BRACE')) {
      this.eat();
      const start = this.pos;
      const items = this.withCloser(null, () => {
        const xs = [this.expr()];
        while (this.is('COMMA')) {
          this.eat();
          xs.push(this.expr());
        }
        return xs;
      });
      const text = this.textOf(start, this.pos);
      this.eat('R_BRACE');
      return { text, node: items.length === 1 ? items[0] : null, isAtom: false };
    }
    const start = this.pos;
    const node = this.atom();
    return { text: this.textOf(start, this.pos), node, isAtom: true };
  }
  private supexpr(): MathNode {
    this.eat('CARET');
    return this.atomOrBraced();
  }
  private atom(): MathNode {
    const tok = this.peek();
    switch (tok.t) {
      case 'LETTER':
      case 'GREEK':
      case 'OTHER_SYM':
      case 'ACCENT':
        return this.atomExpr(true);
      case 'SYMBOL': {
        this.eat();
        const s = tok.s.replace('\\$', '').replace('\\%', '').replace('%', '');
        if (s === '\\infty') return { k: 'inf', sign: 1 };
        throw new LatexFail('Unrecognized symbol');
      }
      case 'NUMBER': {
        this.eat();
        const n = parseNumberText(tok.s);
        if (this.is('UNDERSCORE')) this.subexpr();
        return n;
      }
      case 'PERCENT_NUMBER': {
        this.eat();
        const n = parseNumberText(tok.s.replace('\\%', '').replace('%', '').replace(/,/g, '').trim());
        return { k: 'mul', args: [n, PCT_UE] };
      }
      case 'E_NOTATION':
        this.eat();
        return parseNumberText(tok.s);
      case 'E_NOTATION_E':
        this.eat();
        return { k: 'sym', name: 'e' };
      case 'DIFFERENTIAL': {
        this.eat();
        let v = tok.s.slice(1).replace(/^[ \t\r\n]+/, '');
        if (v.startsWith('\\')) v = v.slice(1);
        return { k: 'sym', name: 'd' + v };
      }
      case 'FUNC_GAMMA':
        this.eat();
        return { k: 'const', name: 'EulerGamma' };
      default:
        throw new LatexFail(`unexpected ${tok.t}`);
    }
  }
  /** `atom_expr` (allowSup) / `atom_expr_no_supexpr` → symbol (latex2sympy `convert_atom_expr`). */
  private atomExpr(allowSup: boolean): MathNode {
    const tok = this.eat();
    let atomText: string;
    if (tok.t === 'LETTER') atomText = tok.s;
    else if (tok.t === 'GREEK' || tok.t === 'OTHER_SYM') atomText = tok.s;
    else if (tok.t === 'ACCENT') {
      const open = tok.s.indexOf('{');
      let name = tok.s.slice(1, open);
      let txt = tok.s.slice(open + 1, -1).replace(/ /g, '');
      if (name === 'bar' || name === 'overline') name = 'bar';
      else if (name === 'vec' || name === 'overrightarrow') name = 'vec';
      else if (name === 'tilde' || name === 'widetilde') name = 'tilde';
      else if (name.includes('text') || name.includes('mbox')) {
        name = '';
        txt = txt.replace(/[()]/g, '');
      } else if (name.includes('math')) name = 'math';
      atomText = name ? `${name}{${txt}}` : txt;
    } else throw new LatexFail('not an atom');
    let sub: string | null = null;
    let sup: MathNode | null = null;
    if (this.is('UNDERSCORE')) sub = this.subexpr().text;
    if (allowSup && this.is('CARET')) sup = this.supexpr();
    if (allowSup && sub === null && this.is('UNDERSCORE')) sub = this.subexpr().text;
    if (tok.t === 'LETTER' && tok.s === 'I') return { k: 'const', name: 'I' };
    const subText = sub === null ? '' : cpLen(sub) > 1 ? `_{${sub}}` : `_${sub}`;
    const symbol = symbolFromText(pyStrip(atomText) + subText);
    return sup ? { k: 'pow', base: symbol, exp: sup } : symbol;
  }
  /** Undefined function application `f(x)`, `f(x, y)` (latex2sympy `func: atom_expr_no_supexpr supexpr? (…)`). */
  private letterFunc(): MathNode {
    const start = this.pos;
    this.atomExpr(false);
    const name = this.textOf(start, this.pos);
    const sup = this.is('CARET') ? this.supexpr() : null;
    let open = this.peek().t;
    let close: string;
    let braced = false;
    if (open === 'L_BRACE' && (this.is('L_PAREN', 1) || this.is('L_BRACKET', 1))) {
      this.eat();
      braced = true;
      open = this.peek().t;
    }
    if (open === 'L_PAREN') close = 'R_PAREN';
    else if (open === 'L_BRACKET') close = 'R_BRACKET';
    else throw new LatexFail('not a function call');
    this.eat();
    const args = this.withCloser(null, () => {
      const single = this.attempt(() => {
        const a = this.atom();
        if (!this.is(close)) throw new LatexFail('not a single atom');
        return a;
      });
      if (single) return [single];
      const xs = [this.expr()];
      this.eat('COMMA');
      if (this.is(close)) return xs;
      xs.push(this.expr());
      while (this.is('COMMA')) {
        this.eat();
        xs.push(this.expr());
      }
      return xs;
    });
    this.eat(close);
    if (braced) this.eat('R_BRACE');
    const f: MathNode = { k: 'fn', name, args, known: false };
    return sup ? { k: 'pow', base: f, exp: sup } : f;
  }
  private func(): MathNode {
    const tok = this.peek();
    switch (tok.t) {
      case 'FUNC1':
      case 'FUNC_GAMMA': {
        this.eat();
        let sub: ReturnType<LatexParser['subexpr']> | null = null;
        let sup: MathNode | null = null;
        if (this.is('UNDERSCORE')) sub = this.subexpr();
        if (this.is('CARET')) sup = this.supexpr();
        if (sub === null && this.is('UNDERSCORE')) sub = this.subexpr();
        let arg: MathNode | null = null;
        if (this.is('L_PAREN')) {
          arg = this.attempt(() => {
            this.eat('L_PAREN');
            const e = this.withCloser(null, () => this.expr());
            this.eat('R_PAREN');
            return e;
          });
        }
        if (arg === null) arg = this.mp(true);
        let name = tok.s.slice(1);
        let node: MathNode;
        if (['arcsin', 'arccos', 'arctan', 'arccsc', 'arcsec', 'arccot', 'arcsinh', 'arccosh', 'arctanh'].includes(name)) {
          node = { k: 'fn', name: 'a' + name.slice(3), args: [arg], known: true };
        } else if (['arsinh', 'arcosh', 'artanh'].includes(name)) {
          node = { k: 'fn', name: 'a' + name.slice(2), args: [arg], known: true };
        } else if (name === 'log' || name === 'ln') {
          let base: MathNode = name === 'log' ? INT(10n) : { k: 'const', name: 'E' };
          if (sub) {
            if (sub.node === null) throw new LatexFail('log base');
            base = sub.node;
          }
          node = { k: 'fn', name: 'log', args: [arg, base], known: true };
        } else if (name === 'exp') node = expOf(arg);
        else if (name === 'floor' || name === 'ceil') node = { k: 'fn', name: name === 'floor' ? 'floor' : 'ceiling', args: [arg], known: true };
        else if (name === 'det') throw new Unsupported('determinant');
        else if (name === 'Gamma' || name === 'gamma') node = { k: 'fn', name: 'gamma', args: [arg], known: true };
        else {
          if (sup && sup.k === 'int' && sup.v === -1n) {
            name = 'a' + name;
            sup = null;
          }
          node = { k: 'fn', name, args: [arg], known: true };
        }
        return sup && sympyTruthy(sup) ? { k: 'pow', base: node, exp: sup } : node;
      }
      case 'MULTI': {
        this.eat();
        let sup: MathNode | null = null;
        if (this.is('UNDERSCORE')) this.subexpr();
        if (this.is('CARET')) sup = this.supexpr();
        if (this.is('UNDERSCORE')) this.subexpr();
        this.eat('L_PAREN');
        const args = this.withCloser(null, () => {
          const xs = [this.expr()];
          while (this.is('COMMA')) {
            this.eat();
            xs.push(this.expr());
          }
          return xs;
        });
        this.eat('R_PAREN');
        const node: MathNode = { k: 'fn', name: tok.s.slice(1), args, known: true };
        return sup && sympyTruthy(sup) ? { k: 'pow', base: node, exp: sup } : node;
      }
      case 'SQRT': {
        this.eat();
        let root: MathNode | null = null;
        if (this.is('L_BRACKET')) {
          this.eat();
          root = this.withCloser(null, () => this.expr());
          this.eat('R_BRACKET');
        }
        const base = this.group('L_BRACE');
        return { k: 'pow', base, exp: root ? reciprocal(root) : HALF };
      }
      case 'EXP_E': {
        this.eat();
        if (this.is('CARET')) return expOf(this.supexpr());
        return { k: 'const', name: 'E' };
      }
      case 'SUMPROD': {
        // (FUNC_SUM | FUNC_PROD) (subeq supexpr | supexpr subeq) mp
        this.eat();
        let eq: [MathNode, MathNode] | null = null;
        let hi: MathNode | null = null;
        const subeq = (): [MathNode, MathNode] => {
          this.eat('UNDERSCORE');
          this.eat('L_BRACE');
          const r = this.withCloser(null, (): [MathNode, MathNode] => {
            const a = this.expr();
            if (!this.is('ASSIGNMENT') && !this.is('EQUAL')) throw new LatexFail('expected equality');
            this.eat();
            return [a, this.expr()];
          });
          this.eat('R_BRACE');
          return r;
        };
        if (this.is('UNDERSCORE')) {
          eq = subeq();
          hi = this.supexpr();
        } else {
          hi = this.supexpr();
          eq = subeq();
        }
        const body = this.mp(false);
        if (eq[0].k !== 'sym') throw new LatexFail('summation variable must be a symbol');
        return { k: 'fn', name: tok.s === '\\sum' ? 'sum' : 'product', args: [body, eq[0], eq[1], hi], known: true };
      }
      default:
        throw new Unsupported(`unsupported construct ${tok.s}`);
    }
  }
}

export function expOf(arg: MathNode): MathNode {
  if (arg.k === 'int' && arg.v === 0n) return INT(1n);
  if (arg.k === 'int' && arg.v === 1n) return { k: 'const', name: 'E' };
  return { k: 'fn', name: 'exp', args: [arg], known: true };
}
export function binomial(n: MathNode, k: MathNode): MathNode {
  if (n.k === 'int' && k.k === 'int' && n.v >= 0n && k.v >= 0n && n.v <= 2000n) {
    if (k.v > n.v) return INT(0n);
    let r = 1n;
    for (let i = 0n; i < k.v; i++) r = (r * (n.v - i)) / (i + 1n);
    return INT(r);
  }
  return { k: 'fn', name: 'binomial', args: [n, k], known: true };
}

export const COMMA_NUMBER = new RegExp(`^${S}*-?${D}{1,3}(,${D}{3})+(\\.${D}+)?${S}*${PY_END}`, 'u');

/** latex2sympy `convert_number` for "1,250,000"-style inputs. */
export function convertCommaNumber(text: string): MathNode {
  if (text.includes(',') && text.startsWith('0')) text = text.replace(/,/g, '.');
  let integer = text.replace(/[, ]/g, '').replace(/^0+/, '');
  if (integer === '') integer = '0';
  const t = pyStrip(integer);
  if (/^-?[0-9]+$/.test(t)) return INT(BigInt(t));
  const v = Number(t);
  if (!Number.isFinite(v)) throw new LatexFail('bad number');
  return { k: 'float', v };
}

/** `latex2sympy(latex, normalization_config=None)`: throws LatexFail / Unsupported on failure. */
export function latexToNode(latex: string): MathNode {
  const parser = new LatexParser(lexLatex(latex));
  const r = parser.math();
  if (r.kind === 'node') return r.node;
  if (COMMA_NUMBER.test(latex)) return convertCommaNumber(latex);
  return toSetOrTuple(r.els);
}

export const EQ_SPLIT = /(?<!\\|<|!|>)=/u;
/** math_verify `parse_latex_cached`: on failure retry with the part after the last "=" (no "," or ";"). */
export function parseLatexCached(latex: string): MathNode {
  try {
    return latexToNode(latex);
  } catch (e) {
    if (!latex.includes(',') && !latex.includes(';')) {
      const parts = latex.split(EQ_SPLIT);
      if (parts.length > 2) return latexToNode(parts[parts.length - 1]);
    }
    throw e;
  }
}
