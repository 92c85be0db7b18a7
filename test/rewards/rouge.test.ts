import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pySplit } from '../../lib/rewards/normalize.js';
import { RougeValueError, rougeLDetails, rougeLF, rougeSentences } from '../../lib/rewards/rouge.js';
import { Rng } from '../../lib/util/random.js';

/** F of pltrdy rouge-l from the union size and the unique-word counts. */
function fOf(llcs: number, m: number, n: number): number {
  const r = llcs / m;
  const p = llcs / n;
  return 2.0 * ((p * r) / (p + r + 1e-8));
}

/**
 * Slow, literal model of pltrdy rouge 1.0.1 ROUGE-L (full O(|x|·|y|) table per sentence pair and the
 * same backtrack rule, written as a loop). Returns null where the reference raises ValueError.
 */
function slowRougeL(hyp: string, ref: string): { f: number; llcs: number } | null {
  const sents = (t: string) => t.split('.').filter((s) => s.length > 0).map((s) => pySplit(s).join(' '));
  const hs = sents(hyp).map((s) => s.split(' '));
  const rs = sents(ref).map((s) => s.split(' '));
  if (hs.length === 0 || rs.length === 0) return null;
  const m = new Set(rs.flat()).size;
  const n = new Set(hs.flat()).size;
  const union = new Set<string>();
  for (const x of rs) {
    for (const y of hs) {
      const T: Uint16Array[] = [];
      for (let i = 0; i <= x.length; i++) {
        const row = new Uint16Array(y.length + 1);
        if (i > 0) {
          const up = T[i - 1];
          for (let j = 1; j <= y.length; j++) row[j] = x[i - 1] === y[j - 1] ? up[j - 1] + 1 : Math.max(up[j], row[j - 1]);
        }
        T.push(row);
      }
      let i = x.length;
      let j = y.length;
      while (i > 0 && j > 0) {
        if (x[i - 1] === y[j - 1]) {
          union.add(x[i - 1]);
          i--;
          j--;
        } else if (T[i - 1][j] > T[i][j - 1]) i--;
        else j--;
      }
    }
  }
  return { f: fOf(union.size, m, n), llcs: union.size };
}

/** Plain O(|a|·|b|) LCS length with two rows. */
function slowLcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}


describe('rougeSentences (get_scores preprocessing)', () => {
  it('splits on "." only, drops empty pieces, whitespace-normalises the rest', () => {
    expect(rougeSentences('a b.  c\n d..e. ')).toEqual(['a b', 'c d', 'e', '']);
    expect(rougeSentences('...')).toEqual([]);
    expect(rougeSentences('')).toEqual([]);
    expect(rougeSentences('3.14 is pi。no split')).toEqual(['3', '14 is pi。no split']);
  });
});

describe('rougeLF: hand-computed cases (checked against pltrdy rouge 1.0.1)', () => {
  it('tie-breaking: on equal T[i-1][j] and T[i][j-1] the backtrack moves left (along the hypothesis)', () => {
    // ref "a b" vs hyp sentence "b a": both LCSs have length 1; the reference picks {b}. With the second
    // hypothesis sentence "b" the union stays {b}: llcs = 1 (a wrong tie-break would give {a, b}).
    expect(rougeLF('b a. b', 'a b')).toBe(fOf(1, 2, 2));
    expect(rougeLF('b a. b', 'a b')).toBe(0.4999999950000001);
    // ref "b a" vs "a b" picks {a}; "b" then adds {b}: llcs = 2.
    expect(rougeLF('a b. b', 'b a')).toBe(fOf(2, 2, 2));
    expect(rougeLF('a b. b', 'b a')).toBe(0.999999995);
  });

  it('multi-sentence union (the ROUGE working-note example)', () => {
    // r = w1 w2 w3 w4 w5; c1 = w1 w2 w6 w7 w8 → {w1, w2}; c2 = w1 w3 w8 w9 w5 → {w1, w3, w5}; union of 4.
    const d = rougeLDetails('w1 w2 w6 w7 w8. w1 w3 w8 w9 w5', 'w1 w2 w3 w4 w5');
    expect(d.llcs).toBe(4);
    expect(d.m).toBe(5);
    expect(d.n).toBe(8);
    expect(d.f).toBe(fOf(4, 5, 8));
    expect(d.f).toBe(0.6153846106508877);
  });

  it('counts unique words for m and n, and the union as a set of word strings', () => {
    const d = rougeLDetails('a b b', 'a a a b');
    expect([d.llcs, d.m, d.n]).toEqual([2, 2, 2]);
    expect(d.f).toBe(0.999999995);
    // The union is over strings: the same word matched in two reference sentences counts once.
    const e = rougeLDetails('x y', 'x y. x');
    expect([e.llcs, e.m, e.n]).toEqual([2, 2, 2]);
    // "y x" vs "x y" is a tie and yields {x}; with "x. x" before it the union is {x}: llcs = 1.
    const g = rougeLDetails('x y', 'x. x. y x');
    expect([g.llcs, g.m, g.n]).toEqual([1, 2, 2]);
  });

  it('a blank piece (" ") becomes a sentence with the single word ""', () => {
    const d = rougeLDetails('a. . b', 'a b');
    expect([d.llcs, d.m, d.n]).toEqual([2, 2, 3]);
    expect(d.f).toBe(0.7999999952000001);
    expect(rougeLF('a', ' ')).toBe(0);
  });

  it('raises like the reference on an empty hypothesis or reference', () => {
    expect(() => rougeLF('', 'a')).toThrow(RougeValueError);
    expect(() => rougeLF('a', '...')).toThrow(RougeValueError);
    expect(() => rougeLF('..', 'a')).toThrow(RougeValueError);
    expect(rougeLF('x', 'y')).toBe(0);
  });
});

describe('rougeLF vs a slow literal model of the reference', () => {
  const word = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'a', 'b');
  const piece = fc.oneof(
    { weight: 10, arbitrary: word },
    { weight: 2, arbitrary: fc.constant('.') },
    { weight: 1, arbitrary: fc.constantFrom(' . ', '  ', '\n', '\t', '..') },
  );
  const text = (max: number) => fc.array(piece, { maxLength: max }).map((a) => a.join(' '));

  it('identical scores (small vocabulary: many ties), including the checkpointed backtrack', () => {
    fc.assert(
      fc.property(text(60), text(60), (h, r) => {
        const slow = slowRougeL(h, r);
        if (slow === null) {
          expect(() => rougeLF(h, r)).toThrow(RougeValueError);
          return;
        }
        expect(rougeLF(h, r)).toBe(slow.f);
        expect(rougeLDetails(h, r, { rowBudgetWords: 3 }).f).toBe(slow.f);
      }),
      { numRuns: 3000 },
    );
  });

  it('identical scores on sentences longer than 32 words (multi-word bit rows)', () => {
    const long = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '.'), { minLength: 30, maxLength: 300 }).map((a) => a.join(' '));
    fc.assert(
      fc.property(long, long, (h, r) => {
        const slow = slowRougeL(h, r);
        if (slow === null) return;
        expect(rougeLF(h, r)).toBe(slow.f);
        expect(rougeLDetails(h, r, { rowBudgetWords: 16, trackDepth: true }).f).toBe(slow.f);
      }),
      { numRuns: 300 },
    );
  });
});

describe('long sentences: no recursion, true score', () => {
  it('5,000-word sentences of distinct words: llcs equals the plain DP LCS length', () => {
    const gen = new Rng(42);
    const rnd = () => gen.next();
    const N = 5000;
    const ref = Array.from({ length: N }, (_, k) => `w${k}`);
    // Hypothesis: the reference with 30% of the words replaced by new ones and local shuffles.
    const hyp = ref.map((w, k) => (rnd() < 0.3 ? `z${k}` : w));
    for (let k = 0; k < N - 1; k++) if (rnd() < 0.2) [hyp[k], hyp[k + 1]] = [hyp[k + 1], hyp[k]];
    const lcs = slowLcsLength(ref, hyp);
    const d = rougeLDetails(hyp.join(' '), ref.join(' '), { trackDepth: true });
    expect(d.llcs).toBe(lcs);
    expect(d.m).toBe(N);
    expect(d.n).toBe(new Set(hyp).size);
    expect(d.f).toBe(fOf(lcs, N, new Set(hyp).size));
    expect(d.f).toBeGreaterThan(0.5);
    // The reference would need thousands of nested frames here (RecursionError → its caller returns 0).
    expect(d.reconDepth).toBeGreaterThan(5000);
    // Same result with checkpointed bit rows.
    expect(rougeLDetails(hyp.join(' '), ref.join(' '), { rowBudgetWords: 1000 }).f).toBe(d.f);
  });

  it('3,000-word sentences over a 12-word vocabulary match the slow model (tie-breaking at scale)', () => {
    const gen = new Rng(7);
    const rnd = () => gen.next();
    const voc = Array.from({ length: 12 }, (_, k) => `v${k}`);
    const mk = (n: number) => Array.from({ length: n }, () => voc[Math.floor(rnd() * voc.length)]).join(' ');
    for (let t = 0; t < 3; t++) {
      const h = mk(3000);
      const r = mk(2500);
      const slow = slowRougeL(h, r)!;
      expect(rougeLF(h, r)).toBe(slow.f);
      expect(rougeLDetails(h, r, { rowBudgetWords: 500 }).f).toBe(slow.f);
    }
  });
});
