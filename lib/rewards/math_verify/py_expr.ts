/**
 * sympy `parse_expr(expr, evaluate=False)` for math_verify's plain arithmetic matches ("3*(4+1)", "1/2", "2^3").
 * Part of the math_verify port (lib/rewards/math_verify/index.ts has the contract and sources).
 */
import { INT, MathNode, Unsupported, isNumber, negateNumber, sympyNumber } from './nodes.js';
import { LatexFail } from './latex_lexer.js';

export class PyExprParser {
  private toks: { t: 'num' | 'op' | 'name'; s: string }[] = [];
  private i = 0;
  constructor(src: string) {
    // Python's tokenizer reads a run starting with a non-ASCII digit as a NAME (auto_symbol makes it a Symbol)
    const re = /[ \t\f]+|([0-9]+\.[0-9]*|\.[0-9]+)|([0-9]+)|(\*\*|\/\/|[+\-*/()])|((?![0-9])\p{Nd}\p{Nd}*)/uy;
    let pos = 0;
    while (pos < src.length) {
      re.lastIndex = pos;
      const m = re.exec(src);
      if (!m) throw new LatexFail('python syntax error');
      pos = re.lastIndex;
      if (m[1] !== undefined) this.toks.push({ t: 'num', s: m[1] });
      else if (m[2] !== undefined) {
        // Python's tokenizer reads "012" as "0" "12" (adjacent numbers: a syntax error)
        if (/^0+[1-9]/.test(m[2])) throw new LatexFail('python syntax error');
        this.toks.push({ t: 'num', s: m[2] });
      } else if (m[3] !== undefined) this.toks.push({ t: 'op', s: m[3] });
      else if (m[4] !== undefined) this.toks.push({ t: 'name', s: m[4] });
    }
    if (this.toks.length > 400) throw new Unsupported('expression too long');
  }
  private peek(): string | null {
    const t = this.toks[this.i];
    return t === undefined ? null : t.t === 'op' ? t.s : '#';
  }
  parse(): MathNode {
    const e = this.sum(0);
    if (this.i !== this.toks.length) throw new LatexFail('python syntax error');
    return e;
  }
  private sum(d: number): MathNode {
    if (d > 100) throw new Unsupported('too deep');
    let l = this.term(d);
    for (let p = this.peek(); p === '+' || p === '-'; p = this.peek()) {
      this.i++;
      const r = this.term(d);
      l = { k: 'add', args: [l, p === '+' ? r : { k: 'mul', args: [INT(-1n), r] }] };
    }
    return l;
  }
  private term(d: number): MathNode {
    let l = this.factor(d);
    for (let p = this.peek(); p === '*' || p === '/' || p === '//'; p = this.peek()) {
      this.i++;
      const r = this.factor(d);
      if (p === '*') l = { k: 'mul', args: [l, r] };
      else if (p === '/') l = { k: 'mul', args: [l, { k: 'pow', base: r, exp: INT(-1n) }] };
      else l = { k: 'fn', name: 'floor', args: [{ k: 'mul', args: [l, { k: 'pow', base: r, exp: INT(-1n) }] }], known: true };
    }
    return l;
  }
  private factor(d: number): MathNode {
    const p = this.peek();
    if (p === '+' || p === '-') {
      this.i++;
      const x = this.factor(d + 1);
      if (p === '+') return x;
      return isNumber(x) ? negateNumber(x) : { k: 'mul', args: [INT(-1n), x] };
    }
    const base = this.atom(d);
    if (this.peek() === '**') {
      this.i++;
      return { k: 'pow', base, exp: this.factor(d + 1) };
    }
    return base;
  }
  private atom(d: number): MathNode {
    const t = this.toks[this.i];
    if (t === undefined) throw new LatexFail('python syntax error');
    this.i++;
    if (t.t === 'num') return sympyNumber(t.s.endsWith('.') ? t.s + '0' : t.s);
    if (t.t === 'name') return { k: 'sym', name: t.s };
    if (t.s === '(') {
      if (this.peek() === ')') throw new LatexFail('empty tuple');
      const e = this.sum(d + 1);
      if (this.peek() !== ')') throw new LatexFail('python syntax error');
      this.i++;
      return e;
    }
    throw new LatexFail('python syntax error');
  }
}
