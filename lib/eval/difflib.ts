/**
 * CPython's `difflib.SequenceMatcher` (Lib/difflib.py, 3.11), the parts MRCR's grader uses:
 * `SequenceMatcher(None, a, b).ratio()` — bit-exact, including
 *
 * - `isjunk=None` (no junk elements; the junk-extension loops of find_longest_match never run),
 * - autojunk (default True): when len(b) ≥ 200, every element occurring more than
 *   ⌊len(b)/100⌋ + 1 times in b is "popular" and removed from b2j (but NOT junk, so a match may still be
 *   extended over popular elements on both ends),
 * - find_longest_match: the longest block, ties broken by the smallest i then the smallest j (the
 *   j2len dynamic programme over b2j in ascending j order), then extended over equal non-junk
 *   neighbours,
 * - get_matching_blocks: the recursive split on the longest match (a LIFO queue), sorted, adjacent blocks
 *   collapsed, the (la, lb, 0) sentinel appended,
 * - ratio = 2.0·M / (len(a) + len(b)), 1.0 when both are empty.
 *
 * Strings are compared by CODE POINT, as Python indexes str: a JS string is UTF-16, so an astral character
 * (e.g. an emoji) is one element here as in Python, not two surrogates. That is exactly where the npm port
 * `difflib` 0.2.4 (which indexes JS strings by UTF-16 code unit) disagrees with Python — see docs/eval.md
 * and test/eval/difflib.parity.test.ts — which is why this file exists. Arrays of strings or numbers are
 * compared element-wise with `===` (Map keys), as Python compares hashable elements with `==`.
 */

export type Sequence = string | readonly (string | number)[];

export interface Match {
  /** Start in a. */
  a: number;
  /** Start in b. */
  b: number;
  size: number;
}

/** A Python str as its sequence of code points (lone surrogates stay single elements, as in Python). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) as number);
  return out;
}

function toElements(s: Sequence): readonly (string | number)[] {
  return typeof s === 'string' ? codePoints(s) : s;
}

export class SequenceMatcher {
  private readonly a: readonly (string | number)[];
  private readonly b: readonly (string | number)[];
  private readonly b2j = new Map<string | number, number[]>();
  /** Elements removed from b2j by autojunk (not junk: see the header). */
  readonly bpopular = new Set<string | number>();
  private blocks: Match[] | null = null;

  /**
   * `isjunk` must be null (the only form MRCR uses); a junk predicate is not implemented, and passing one
   * is an error rather than a silent difference.
   */
  constructor(isjunk: null, a: Sequence, b: Sequence, autojunk = true) {
    if (isjunk !== null) throw new Error('SequenceMatcher: only isjunk=null is implemented');
    this.a = toElements(a);
    this.b = toElements(b);
    const b2j = this.b2j;
    this.b.forEach((elt, i) => {
      const l = b2j.get(elt);
      if (l) l.push(i);
      else b2j.set(elt, [i]);
    });
    const n = this.b.length;
    if (autojunk && n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [elt, idxs] of b2j) if (idxs.length > ntest) this.bpopular.add(elt);
      for (const elt of this.bpopular) b2j.delete(elt);
    }
  }

  /** Python's find_longest_match(alo, ahi, blo, bhi) with isjunk=None. */
  findLongestMatch(alo = 0, ahi = this.a.length, blo = 0, bhi = this.b.length): Match {
    const { a, b, b2j } = this;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    const nothing: number[] = [];
    for (let i = alo; i < ahi; i++) {
      const newj2len = new Map<number, number>();
      const js = b2j.get(a[i]) ?? nothing;
      for (let t = 0; t < js.length; t++) {
        const j = js[t];
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        newj2len.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = newj2len;
    }
    // No junk (isjunk=None): every element is "not junk", so extend over equal neighbours.
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return { a: besti, b: bestj, size: bestsize };
  }

  /** Python's get_matching_blocks(): sorted, adjacent blocks collapsed, sentinel (la, lb, 0) last. */
  getMatchingBlocks(): Match[] {
    if (this.blocks) return this.blocks.map((m) => ({ ...m }));
    const la = this.a.length;
    const lb = this.b.length;
    const queue: [number, number, number, number][] = [[0, la, 0, lb]];
    const found: Match[] = [];
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
      const x = this.findLongestMatch(alo, ahi, blo, bhi);
      const { a: i, b: j, size: k } = x;
      if (k) {
        found.push(x);
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
      }
    }
    found.sort((p, q) => p.a - q.a || p.b - q.b || p.size - q.size);
    const out: Match[] = [];
    let i1 = 0;
    let j1 = 0;
    let k1 = 0;
    for (const { a: i2, b: j2, size: k2 } of found) {
      if (i1 + k1 === i2 && j1 + k1 === j2) k1 += k2;
      else {
        if (k1) out.push({ a: i1, b: j1, size: k1 });
        i1 = i2;
        j1 = j2;
        k1 = k2;
      }
    }
    if (k1) out.push({ a: i1, b: j1, size: k1 });
    out.push({ a: la, b: lb, size: 0 });
    this.blocks = out;
    return out.map((m) => ({ ...m }));
  }

  /** 2.0·M / T where M = matched elements, T = len(a) + len(b); 1.0 when T = 0. */
  ratio(): number {
    const matches = this.getMatchingBlocks().reduce((s, m) => s + m.size, 0);
    const length = this.a.length + this.b.length;
    return length ? (2.0 * matches) / length : 1.0;
  }
}

/** `difflib.SequenceMatcher(None, a, b).ratio()`. */
export function sequenceRatio(a: Sequence, b: Sequence): number {
  return new SequenceMatcher(null, a, b).ratio();
}
