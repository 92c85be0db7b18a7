/**
 * Every scorer is linear in its input (issue 15 item 1). Long runs of every Python whitespace code point,
 * digits, braces, nesting, dollars, backslashes… (bench/scorer_attacks.ts) go into the response and into
 * the ground truth of every data_source and every LongBench-Pro metric (both summary languages); doubling
 * the payload must at most triple the CPU time. The test applies that bound over two doublings (N → 4N:
 * ≤ 3² = 9×), where linear is 4× and quadratic 16×: one doubling (linear 2×, quadratic 4×, bound 3×) left a
 * linear scorer 1.5× of margin, and a loaded CI machine once measured jieba's linear segmentation at 3.2×
 * over one doubling (3.4 → 10.8 ms). At N = 8,192 characters a quadratic scorer (a `[ws]+$` regex retried
 * from every start position) takes tens of milliseconds; a linear one mostly well under a millisecond, so
 * times below FLOOR_MS are below what this test can resolve and count as passing.
 * Times are process CPU time (not wall clock: the machine is shared), best of up to 7 (garbage collection
 * and background compilation land on one call or another).
 * The per-call bound on the audit's attacks (65,536 / 262,144 spaces) is in `npm run bench`, not here.
 */
import { describe, expect, it } from 'vitest';
import { ATTACKS, PY_WHITESPACE, SCORER_TARGETS } from '../../bench/scorer_attacks.js';
import { computeScore } from '../../lib/rewards/index.js';
import { pyLstrip, pyRstrip, pySplit, pyStrip } from '../../lib/rewards/normalize.js';

const N = 8192;
const FLOOR_MS = 5;
/** 2× input → ≤ 3× time, applied over two doublings. */
const BOUND = 3 * 3;

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

describe('Python whitespace helpers', () => {
  it('covers exactly the code points for which Python str.isspace() is true', () => {
    // From CPython's unicodetype_db (`_PyUnicode_IsWhitespace`); U+180E and U+200B are NOT whitespace.
    const ws = new Set(PY_WHITESPACE);
    for (let c = 0; c < 0x3100; c++) {
      const ch = String.fromCharCode(c);
      expect(pyStrip(`${ch}x${ch}`) === 'x', `U+${c.toString(16)}`).toBe(ws.has(ch));
    }
  });
  it('strip / lstrip / rstrip / split keep Python semantics', () => {
    expect(pyStrip(' \u3000a b\u2029\x1c')).toBe('a b');
    expect(pyLstrip(' \ta \t')).toBe('a \t');
    expect(pyRstrip(' \ta \t')).toBe(' \ta');
    expect(pyStrip('\u200bx\u200b')).toBe('\u200bx\u200b');
    expect(pySplit('  a\u00a0\u00a0b \x85c  ')).toEqual(['a', 'b', 'c']);
    expect(pySplit(' \t ')).toEqual([]);
    expect(pySplit('')).toEqual([]);
  });
});

describe('every scorer is linear in its input (2× input → ≤ 3× CPU time, over two doublings: 4× → ≤ 9×)', () => {
  for (const target of SCORER_TARGETS) {
    it(target.name, () => {
      const bad: string[] = [];
      for (const where of ['response', 'ground_truth'] as const) {
        for (const attack of ATTACKS) {
          const small = target.make(attack.payload(N), where);
          const big = target.make(attack.payload(4 * N), where);
          computeScore(target.make(attack.payload(64), where)); // warm-up (jieba loads its dictionary once)
          let t1 = Infinity;
          let t4 = Infinity;
          const ok = () => t4 <= Math.max(FLOOR_MS, BOUND * t1);
          for (let rep = 0; rep < 7 && !(rep > 0 && ok()); rep++) {
            t1 = Math.min(t1, cpuMs(() => computeScore(small)));
            t4 = Math.min(t4, cpuMs(() => computeScore(big)));
          }
          if (!ok()) bad.push(`${where} / ${attack.name}: ${t1.toFixed(2)} ms at ${N} → ${t4.toFixed(2)} ms at ${4 * N} (bound ${BOUND}×)`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
