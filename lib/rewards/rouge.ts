/**
 * ROUGE-L F as pltrdy `rouge` 1.0.1 computes it: `Rouge().get_scores(hyp, ref)[0]["rouge-l"]["f"]`.
 * Source: pltrdy/rouge, `rouge/rouge.py` (`Rouge._get_scores`) and `rouge/rouge_score.py`
 * (`rouge_l_summary_level`, `_union_lcs`, `_recon_lcs`, `_lcs`), version 1.0.1, exclusive=True (the default).
 *
 *   sentences(t) = [" ".join(s.split()) for s in t.split(".") if len(s) > 0]      (split on "." only)
 *   words(s)     = s.split(" ")                    (a blank piece such as " " gives the one word "")
 *   m = |set(words of all reference sentences)|    n = |set(words of all hypothesis sentences)|
 *   U = ⋃_{r ∈ ref sentences} ⋃_{c ∈ hyp sentences} set(recon_lcs(words(r), words(c)))
 *   llcs = |U|,  R = llcs/m,  P = llcs/n,  F = 2·((P·R)/(P + R + 1e-8))
 *
 * recon_lcs(x, y) is ONE particular LCS: the backtrack over the classic table T (T[i][j] = LCS of
 * x[:i], y[:j]) from (|x|, |y|) that takes the diagonal on x[i-1] == y[j-1], otherwise moves up
 * (i-1) when T[i-1][j] > T[i][j-1] and left (j-1) on ties. Because U is a set of word strings, the
 * tie-breaking changes the score, so it is reproduced exactly.
 *
 * How it is computed here (no recursion, no O(|x|·|y|) integer table):
 *  - words are interned to integer ids;
 *  - for each hypothesis sentence y, the bit-parallel LCS recurrence of Allison–Dix / Hyyrö
 *    (V ← (V + (V & M[x_i])) | (V & ~M[x_i]), bits over the positions of y) runs over the
 *    reference sentence x, keeping one bit-row per i. Bit j-1 of row i is 0 exactly when
 *    T[i][j] − T[i][j-1] = 1, and at a mismatch that bit alone decides the reference's move
 *    (T[i-1][j] > T[i][j-1] ⟺ T[i][j] − T[i][j-1] = 1), so the backtrack is an O(|x|+|y|) loop
 *    that yields the very same LCS as the reference's recursion;
 *  - the backtrack stops once all LCS(x, y) matches are found (the rest of the reference's path only
 *    moves left), and a pair is skipped when none of its common words can still enter U;
 *  - when the bit-rows of one sentence pair would exceed a memory budget, only every k-th row is
 *    kept and row blocks are recomputed during the backtrack (same result, ~2× the work).
 * Cost per sentence pair: O(|x|·⌈|y|/32⌉) word operations.
 *
 * Errors reproduced: an empty hypothesis or reference sentence list (the text is "" or only dots)
 * makes the reference raise ValueError (first in its rouge-1 pass); here `RougeValueError` is thrown,
 * and callers that follow the reference's `except: return 0` turn it into 0.
 *
 * Deliberate divergence: the reference reconstructs the LCS recursively, one Python frame per
 * backtrack step, so its depth is (steps until i or j reaches 0) + 1 ≤ |x| + |y| + 1 frames on top of
 * the caller's stack. Past Python's recursion limit (1000 by default) it raises RecursionError, which
 * GoLongRL's `except:` turns into a reward of 0 — e.g. for any long sentence pair such as Chinese text
 * (no ASCII "." at all, so a whole response is one sentence). This module returns the true ROUGE-L
 * score instead; `rougeLDetails(...).reconDepth` reports the depth the reference would have needed.
 */
import { fixSpace, isPySpaceCode } from './normalize.js';

/** The reference's `ValueError` for an empty hypothesis or reference. */
export class RougeValueError extends Error {
  override name = 'RougeValueError';
}

export interface RougeLScore {
  f: number;
  p: number;
  r: number;
}

export interface RougeLDetails extends RougeLScore {
  /** |U|, the union LCS size. */
  llcs: number;
  /** unique reference words */
  m: number;
  /** unique hypothesis words */
  n: number;
  /**
   * Largest number of nested `_recon` frames the reference would use on any (reference sentence,
   * hypothesis sentence) pair; -1 unless `trackDepth` was asked for.
   */
  reconDepth: number;
}

export interface RougeLOptions {
  /** Compute `reconDepth` (disables the skip of pairs that cannot grow U). */
  trackDepth?: boolean;
  /** Max 32-bit words of bit-rows kept for one sentence pair before checkpointing kicks in. */
  rowBudgetWords?: number;
}

const DEFAULT_ROW_BUDGET_WORDS = 1 << 24; // 64 MiB

/** `Rouge._get_scores` preprocessing: `[" ".join(s.split()) for s in text.split(".") if len(s) > 0]`. */
export function rougeSentences(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split('.')) if (piece.length > 0) out.push(fixSpace(piece));
  return out;
}

/** Interns word strings to dense integer ids. */
export class Interner {
  readonly ids = new Map<string, number>();
  id(w: string): number {
    let k = this.ids.get(w);
    if (k === undefined) {
      k = this.ids.size;
      this.ids.set(w, k);
    }
    return k;
  }
  get size(): number {
    return this.ids.size;
  }
}

function toIds(sentences: readonly string[], interner: Interner): Int32Array[] {
  return sentences.map((s) => {
    const words = s.split(' ');
    const ids = new Int32Array(words.length);
    for (let k = 0; k < words.length; k++) ids[k] = interner.id(words[k]);
    return ids;
  });
}

/**
 * `toIds(rougeSentences(text))` in one scan, without building the sentence strings: the pieces between
 * "." that are not empty, each as the ids of its Python-whitespace-separated words (a piece with no word,
 * such as " ", is the one word "": `fixSpace(" ").split(" ")` is `[""]`).
 */
export function rougeSentenceIds(text: string, interner: Interner): Int32Array[] {
  const out: Int32Array[] = [];
  const n = text.length;
  let ids = new Int32Array(64);
  let start = 0;
  for (;;) {
    let end = text.indexOf('.', start);
    if (end < 0) end = n;
    if (end > start) {
      let count = 0;
      let i = start;
      while (i < end) {
        let c = text.charCodeAt(i);
        if (!((c > 0x20 && c < 0x85) || !isPySpaceCode(c))) {
          i++;
          continue;
        }
        const w = i;
        do {
          i++;
          c = i < end ? text.charCodeAt(i) : 0x20;
        } while ((c > 0x20 && c < 0x85) || !isPySpaceCode(c));
        if (count === ids.length) {
          const grown = new Int32Array(ids.length * 2);
          grown.set(ids);
          ids = grown;
        }
        ids[count++] = interner.id(text.slice(w, i));
      }
      out.push(count === 0 ? Int32Array.of(interner.id('')) : ids.slice(0, count));
    }
    if (end === n) break;
    start = end + 1;
  }
  return out;
}

function countUnique(sents: readonly Int32Array[], vocab: number): number {
  const seen = new Uint8Array(vocab);
  let c = 0;
  for (const s of sents)
    for (let k = 0; k < s.length; k++)
      if (!seen[s[k]]) {
        seen[s[k]] = 1;
        c++;
      }
  return c;
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Scratch state shared by all sentence pairs of one scoring call.
 * `slot[id]` is the mask index of word `id` in the current hypothesis sentence (-1 if absent).
 */
class Scratch {
  slot: Int32Array;
  inUnion: Uint8Array;
  unionSize = 0;
  masks = new Int32Array(64);
  rows = new Int32Array(1024);
  ckpt = new Int32Array(0);
  maxDepth = 0;
  constructor(vocab: number) {
    this.slot = new Int32Array(vocab).fill(-1);
    this.inUnion = new Uint8Array(vocab);
  }
}

/** One step of the bit-parallel recurrence: row `dst` = f(row `src`, mask `mOff`), W words each. */
function stepRow(srcBuf: Int32Array, src: number, dstBuf: Int32Array, dst: number, masks: Int32Array, mOff: number, W: number): void {
  let carry = 0;
  for (let k = 0; k < W; k++) {
    const v = srcBuf[src + k] >>> 0;
    const m = masks[mOff + k] >>> 0;
    const sum = v + ((v & m) >>> 0) + carry;
    carry = sum > 0xffffffff ? 1 : 0;
    dstBuf[dst + k] = sum | (v & ~m);
  }
}

/**
 * Adds to the union the words of recon_lcs(x, y) for one reference sentence x and the current
 * hypothesis sentence y (whose masks are loaded in `sc.masks` / `sc.slot`, W words per mask).
 */
function unionPair(x: Int32Array, y: Int32Array, W: number, sc: Scratch, trackDepth: boolean, rowBudget: number): void {
  const nx = x.length;
  const ny = y.length;
  const { slot, inUnion, masks } = sc;
  const lastMask = ny % 32 === 0 ? -1 : (1 << (ny % 32)) - 1;
  const full = (nx + 1) * W <= rowBudget;

  if (W === 1 && full) {
    // Fast path: hypothesis sentence of at most 32 words, all rows kept.
    if (sc.rows.length < nx + 1) sc.rows = new Int32Array(Math.max(nx + 1, sc.rows.length * 2));
    const rows = sc.rows;
    let v = -1;
    rows[0] = v;
    for (let i = 1; i <= nx; i++) {
      const s = slot[x[i - 1]];
      if (s >= 0) {
        const m = masks[s];
        v = (v + (v & m)) | (v & ~m);
      }
      rows[i] = v;
    }
    const lcs = popcount32(~v & lastMask);
    let i = nx;
    let j = ny;
    let steps = 0;
    for (let found = 0; found < lcs; steps++) {
      const t = x[i - 1];
      if (t === y[j - 1]) {
        if (!inUnion[t]) {
          inUnion[t] = 1;
          sc.unionSize++;
        }
        found++;
        i--;
        j--;
      } else if (((rows[i] >>> (j - 1)) & 1) === 0) i--;
      else j--;
    }
    // Once every match is found T[i][j] = 0, where the reference only moves left until j = 0 (or stops
    // at once if i = 0): its recursion depth is steps + that tail + 1 (the frame that returns []).
    if (trackDepth) sc.maxDepth = Math.max(sc.maxDepth, steps + (i > 0 ? j : 0) + 1);
    return;
  }

  // General path: W words per row; all rows kept, or checkpoints every K rows.
  const K = full ? nx + 1 : Math.max(1, Math.ceil(Math.sqrt(nx + 1)));
  const keepRows = full ? nx + 1 : Math.ceil((nx + 1) / K);
  if (sc.rows.length < keepRows * W) sc.rows = new Int32Array(Math.max(keepRows * W, sc.rows.length * 2));
  const kept = sc.rows; // full: row i at i*W; checkpointed: row c*K at c*W
  const tmp = full ? kept : new Int32Array(2 * W);
  for (let k = 0; k < W; k++) kept[k] = -1;
  // Forward pass. In checkpoint mode rows alternate in `tmp` and every K-th row is copied to `kept`.
  let prevBuf: Int32Array = kept;
  let prevOff = 0;
  for (let i = 1; i <= nx; i++) {
    let dstBuf: Int32Array;
    let dstOff: number;
    if (full) {
      dstBuf = kept;
      dstOff = i * W;
    } else {
      dstBuf = tmp;
      dstOff = (i & 1) * W;
    }
    const s = slot[x[i - 1]];
    if (s >= 0) stepRow(prevBuf, prevOff, dstBuf, dstOff, masks, s * W, W);
    else if (prevBuf === dstBuf) dstBuf.copyWithin(dstOff, prevOff, prevOff + W);
    else dstBuf.set(prevBuf.subarray(prevOff, prevOff + W), dstOff);
    if (!full && i % K === 0) kept.set(dstBuf.subarray(dstOff, dstOff + W), (i / K) * W);
    prevBuf = dstBuf;
    prevOff = dstOff;
  }
  let lcs = 0;
  for (let k = 0; k < W; k++) lcs += popcount32(~prevBuf[prevOff + k] & (k === W - 1 ? lastMask : -1));

  // Row access for the backtrack (rows are visited in decreasing i).
  let segLo = nx + 1;
  let seg = sc.ckpt;
  const rowOf = (i: number): [Int32Array, number] => {
    if (full) return [kept, i * W];
    if (i < segLo) {
      segLo = Math.floor(i / K) * K;
      const segHi = Math.min(segLo + K - 1, nx);
      const len = (segHi - segLo + 1) * W;
      if (seg.length < len) seg = sc.ckpt = new Int32Array(len);
      seg.set(kept.subarray((segLo / K) * W, (segLo / K + 1) * W), 0);
      for (let r = segLo + 1; r <= segHi; r++) {
        const s = slot[x[r - 1]];
        const off = (r - segLo) * W;
        if (s >= 0) stepRow(seg, off - W, seg, off, masks, s * W, W);
        else seg.copyWithin(off, off - W, off);
      }
    }
    return [seg, (i - segLo) * W];
  };

  let i = nx;
  let j = ny;
  let steps = 0;
  let [rb, ro] = rowOf(i);
  for (let found = 0; found < lcs; steps++) {
    const t = x[i - 1];
    if (t === y[j - 1]) {
      if (!inUnion[t]) {
        inUnion[t] = 1;
        sc.unionSize++;
      }
      found++;
      i--;
      j--;
      if (found < lcs) [rb, ro] = rowOf(i);
    } else if (((rb[ro + ((j - 1) >>> 5)] >>> ((j - 1) & 31)) & 1) === 0) {
      i--;
      [rb, ro] = rowOf(i);
    } else j--;
  }
  if (trackDepth) sc.maxDepth = Math.max(sc.maxDepth, steps + (i > 0 ? j : 0) + 1);
}

/** Loads the masks of hypothesis sentence y (its distinct words get slots); returns the words to unload. */
function loadHypSentence(y: Int32Array, W: number, sc: Scratch): number[] {
  const ny = y.length;
  let distinct = 0;
  const order: number[] = [];
  for (let j = 0; j < ny; j++) {
    if (sc.slot[y[j]] < 0) {
      sc.slot[y[j]] = distinct++;
      order.push(y[j]);
    }
  }
  if (sc.masks.length < distinct * W) sc.masks = new Int32Array(Math.max(distinct * W, sc.masks.length * 2));
  sc.masks.fill(0, 0, distinct * W);
  for (let j = 0; j < ny; j++) sc.masks[sc.slot[y[j]] * W + (j >>> 5)] |= 1 << (j & 31);
  return order;
}

function unionLcsSize(hyp: readonly Int32Array[], ref: readonly Int32Array[], vocab: number, trackDepth: boolean, rowBudget: number): { llcs: number; depth: number } {
  if (!trackDepth) return unionLcsSizePruned(hyp, ref, vocab, rowBudget);
  // Depth tracking visits every pair (the reference's recursion depth is a property of each pair).
  const sc = new Scratch(vocab);
  for (const y of hyp) {
    const W = (y.length + 31) >>> 5;
    const order = loadHypSentence(y, W, sc); // masks of the distinct words of y
    for (const x of ref) unionPair(x, y, W, sc, true, rowBudget);
    for (const t of order) sc.slot[t] = -1;
  }
  return { llcs: sc.unionSize, depth: sc.maxDepth };
}

/**
 * The union without the pairs that cannot grow it. U is a set and each pair's LCS depends on the pair
 * alone, so pairs may be visited in any order and a pair may be skipped once none of its common words
 * can still enter U. Per reference sentence we keep its distinct words that occur in the hypothesis and
 * are not yet in U (shrunk lazily as U grows); a reference sentence with none left is dropped for good,
 * and a pair is computed only if one of those words is in the current hypothesis sentence.
 */
function unionLcsSizePruned(hyp: readonly Int32Array[], ref: readonly Int32Array[], vocab: number, rowBudget: number): { llcs: number; depth: number } {
  const sc = new Scratch(vocab);
  const inHyp = new Uint8Array(vocab);
  for (const y of hyp) for (let j = 0; j < y.length; j++) inHyp[y[j]] = 1;
  const seenIn = new Int32Array(vocab).fill(-1);
  const xs: Int32Array[] = [];
  const cands: Int32Array[] = [];
  const lens: number[] = [];
  ref.forEach((x, r) => {
    const c = new Int32Array(x.length);
    let len = 0;
    for (let i = 0; i < x.length; i++) {
      const t = x[i];
      if (inHyp[t] && seenIn[t] !== r) {
        seenIn[t] = r;
        c[len++] = t;
      }
    }
    if (len > 0) {
      xs.push(x);
      cands.push(c);
      lens.push(len);
    }
  });
  let active = xs.length;
  const { slot, inUnion } = sc;
  for (const y of hyp) {
    if (active === 0) break;
    const W = (y.length + 31) >>> 5;
    const order = loadHypSentence(y, W, sc);
    for (let a = 0; a < active; ) {
      const c = cands[a];
      let len = lens[a];
      let useful = false;
      for (let k = 0; k < len; ) {
        const t = c[k];
        if (inUnion[t]) {
          c[k] = c[--len];
          continue;
        }
        if (slot[t] >= 0) {
          useful = true;
          break;
        }
        k++;
      }
      lens[a] = len;
      if (len === 0) {
        // Nothing of this reference sentence can enter U any more.
        active--;
        xs[a] = xs[active];
        cands[a] = cands[active];
        lens[a] = lens[active];
        continue;
      }
      if (useful) unionPair(xs[a], y, W, sc, false, rowBudget);
      a++;
    }
    for (const t of order) slot[t] = -1;
  }
  return { llcs: sc.unionSize, depth: -1 };
}

/** ROUGE-L (summary level) of pre-split sentences; throws `RougeValueError` like the reference on empty input. */
export function rougeLSentences(hypSentences: readonly string[], refSentences: readonly string[], opts: RougeLOptions = {}): RougeLDetails {
  if (hypSentences.length === 0) throw new RougeValueError('Hypothesis is empty.');
  if (refSentences.length === 0) throw new RougeValueError('Reference is empty.');
  const interner = new Interner();
  const hyp = toIds(hypSentences, interner);
  const ref = toIds(refSentences, interner);
  return rougeLIds(hyp, ref, interner.size, opts);
}

/**
 * ROUGE-L (summary level) of sentences already interned (ids below `vocab`, e.g. from `rougeSentenceIds`
 * with one interner shared by hypothesis and references); throws `RougeValueError` on empty input.
 */
export function rougeLIds(hyp: readonly Int32Array[], ref: readonly Int32Array[], vocab: number, opts: RougeLOptions = {}): RougeLDetails {
  if (hyp.length === 0) throw new RougeValueError('Hypothesis is empty.');
  if (ref.length === 0) throw new RougeValueError('Reference is empty.');
  const m = countUnique(ref, vocab);
  const n = countUnique(hyp, vocab);
  const { llcs, depth } = unionLcsSize(hyp, ref, vocab, opts.trackDepth ?? false, opts.rowBudgetWords ?? DEFAULT_ROW_BUDGET_WORDS);
  const r = llcs / m;
  const p = llcs / n;
  const f = 2.0 * ((p * r) / (p + r + 1e-8));
  return { f, p, r, llcs, m, n, reconDepth: depth };
}

/** `Rouge().get_scores(hyp, ref)[0]["rouge-l"]` with all details; throws `RougeValueError` on empty input. */
export function rougeLDetails(hyp: string, ref: string, opts: RougeLOptions = {}): RougeLDetails {
  return rougeLSentences(rougeSentences(hyp), rougeSentences(ref), opts);
}

/** `Rouge().get_scores(hyp, ref)[0]["rouge-l"]` → {f, p, r}; throws `RougeValueError` on empty input. */
export function rougeL(hyp: string, ref: string): RougeLScore {
  const { f, p, r } = rougeLDetails(hyp, ref);
  return { f, p, r };
}

/** `Rouge().get_scores(hyp, ref)[0]["rouge-l"]["f"]`; throws `RougeValueError` on empty input. */
export function rougeLF(hyp: string, ref: string): number {
  return rougeLDetails(hyp, ref).f;
}
