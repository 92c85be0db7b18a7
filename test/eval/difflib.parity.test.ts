/**
 * `lib/eval/difflib.ts` against the real thing: several thousand (a, b) pairs — random strings over
 * small and large alphabets, repetitive strings, len(b) ≥ 200 with popular characters (autojunk),
 * Unicode with astral characters and lone surrogates, and MRCR-like long texts (a hash prefix, then
 * paragraphs of words with edits) — are scored by Debian's /usr/bin/python3 stdlib difflib in ONE
 * subprocess (JSON in, JSON out) and by us; every ratio and every matching-block list must be identical
 * (===), not approximately equal.
 *
 * The same corpus is also run through the npm port `difflib` 0.2.4 to record why we do not use it: on JS
 * strings it indexes UTF-16 code units, so it disagrees with Python exactly on the cases with astral
 * characters (and agrees elsewhere on this corpus).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SequenceMatcher, sequenceRatio } from '../../lib/eval/difflib.js';
import { Rng } from '../../lib/util/random.js';

const PY = '/usr/bin/python3';

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length)];
}

const ALPHABETS = [
  ['a', 'b'],
  ['a', 'b', 'c', ' '],
  ['x', 'y', 'z', '\n'],
  ['a', 'é', '😀', 'b', '中'],
  ['a', 'a', 'a', 'a', 'b'],
  [...'the quick brown fox jumps over the lazy dog'],
  ['\u{1F600}', '\u{1F601}', 'a', '\u{10437}'],
  ['\udc00', 'a', '\udc01'],
];
const WORDS = 'the of and a to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(' ');

function randomString(rng: Rng, alphabet: readonly string[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rng, alphabet);
  return s;
}

function mutate(rng: Rng, s: string, edits: number, alphabet: readonly string[]): string {
  const cs = [...s];
  for (let e = 0; e < edits; e++) {
    const op = rng.int(0, 3);
    const at = rng.int(0, cs.length + 1);
    if (op === 0) cs.splice(at, 0, pick(rng, alphabet));
    else if (op === 1 && cs.length > 0) cs.splice(Math.min(at, cs.length - 1), 1);
    else if (cs.length > 0) cs[Math.min(at, cs.length - 1)] = pick(rng, alphabet);
  }
  return cs.join('');
}

function paragraph(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(rng, WORDS) + (rng.bernoulli(0.08) ? '.\n' : ''));
  return out.join(' ');
}

export function parityCases(seed = 20261122): [string, string][] {
  const rng = new Rng(seed);
  const cases: [string, string][] = [
    ['', ''],
    ['', 'abc'],
    ['abc', ''],
    ['abcd', 'bcde'],
    ['qabxcd', 'abycdf'],
    ['private Thread currentThread;', 'private volatile Thread currentThread;'],
    ['a'.repeat(300), 'a'.repeat(250) + 'b'],
    ['ab'.repeat(150), 'ba'.repeat(150)],
    ['😀'.repeat(10), '😀'.repeat(5) + 'x'],
  ];
  // Random short and medium strings over each alphabet, unrelated and related (mutations).
  for (let i = 0; i < 2400; i++) {
    const al = pick(rng, ALPHABETS);
    const long = rng.bernoulli(0.3);
    const a = randomString(rng, al, rng.int(0, long ? 700 : 40));
    const b = rng.bernoulli(0.5) ? mutate(rng, a, rng.int(0, 30), al) : randomString(rng, al, rng.int(0, long ? 700 : 40));
    cases.push(rng.bernoulli(0.5) ? [a, b] : [b, a]);
  }
  // Autojunk boundary: len(b) = 199, 200, 201 with a character just below / at / above the popularity threshold.
  for (const n of [199, 200, 201, 299, 300, 301]) {
    for (const extra of [-1, 0, 1, 2]) {
      const ntest = Math.floor(n / 100) + 1;
      const k = Math.max(0, ntest + extra);
      const b = ('x'.repeat(k) + randomString(rng, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], n - k)).split('');
      for (let i = b.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [b[i], b[j]] = [b[j], b[i]];
      }
      const bs = b.join('');
      cases.push([mutate(rng, bs, 20, ['x', 'a', 'k']), bs]);
    }
  }
  // MRCR-like: a hash prefix is stripped before scoring, so compare long word texts with edits.
  for (let i = 0; i < 300; i++) {
    const ans = paragraph(rng, rng.int(50, 700));
    const kind = rng.int(0, 4);
    const resp =
      kind === 0
        ? ans
        : kind === 1
          ? mutate(rng, ans, rng.int(1, 60), [...'abcdefghij .\n'])
          : kind === 2
            ? paragraph(rng, rng.int(50, 700))
            : ans.slice(0, rng.int(0, ans.length)) + paragraph(rng, rng.int(0, 100));
    cases.push([resp, ans]);
  }
  return cases;
}

describe('difflib.SequenceMatcher parity with CPython', () => {
  const cases = parityCases();

  it('has thousands of cases, including long and astral ones', () => {
    expect(cases.length).toBeGreaterThan(2700);
    expect(cases.filter(([, b]) => [...b].length >= 200).length).toBeGreaterThan(500);
    expect(cases.filter(([a, b]) => /[\u{10000}-\u{10FFFF}]/u.test(a + b)).length).toBeGreaterThan(100);
  });

  it('ratio() and get_matching_blocks() are identical (===) to Python on every case', () => {
    expect(existsSync(PY), `${PY} not found: run 'bash scripts/setup-test-env.sh' (installs Debian's python3)`).toBe(true);
    const script = [
      'import sys, json, difflib',
      'cs = json.load(sys.stdin)',
      'out = []',
      'for a, b in cs:',
      '    m = difflib.SequenceMatcher(None, a, b)',
      '    out.append([m.ratio(), [list(x) for x in m.get_matching_blocks()]])',
      'json.dump(out, sys.stdout)',
    ].join('\n');
    const t0 = performance.now();
    const py = JSON.parse(execFileSync(PY, ['-c', script], { input: JSON.stringify(cases), maxBuffer: 1 << 28 }).toString()) as [number, number[][]][];
    const pySeconds = (performance.now() - t0) / 1000;
    expect(py.length).toBe(cases.length);
    const t1 = performance.now();
    const mismatches: number[] = [];
    cases.forEach(([a, b], i) => {
      const m = new SequenceMatcher(null, a, b);
      const r = m.ratio();
      const blocks = m.getMatchingBlocks().map((x) => [x.a, x.b, x.size]);
      if (r !== py[i][0] || JSON.stringify(blocks) !== JSON.stringify(py[i][1])) mismatches.push(i);
    });
    const tsSeconds = (performance.now() - t1) / 1000;
    console.log(`difflib parity: ${cases.length} cases, python ${pySeconds.toFixed(2)} s (incl. start-up), ours ${tsSeconds.toFixed(2)} s`);
    expect(mismatches.map((i) => cases[i].map((s) => s.slice(0, 40)))).toEqual([]);

    // Why not the npm port: on JS strings it disagrees with Python exactly where astral characters occur.
    const npm = createRequire(import.meta.url)('difflib') as { SequenceMatcher: new (j: null, a: string, b: string) => { ratio(): number } };
    const npmBad = cases.map(([a, b], i) => (new npm.SequenceMatcher(null, a, b).ratio() === py[i][0] ? -1 : i)).filter((i) => i >= 0);
    console.log(`npm difflib 0.2.4 on JS strings: ${npmBad.length} / ${cases.length} ratios differ from Python`);
    expect(npmBad.length).toBeGreaterThan(0);
    for (const i of npmBad) expect(/[\u{10000}-\u{10FFFF}]/u.test(cases[i][0] + cases[i][1])).toBe(true);
  });

  it('handles arrays of elements and the empty case', () => {
    expect(sequenceRatio([], [])).toBe(1);
    expect(sequenceRatio(['a', 'b'], ['a', 'c'])).toBe(0.5);
    expect(sequenceRatio('😀x', '😀y')).toBe(0.5); // code points: 2 + 2 elements, 1 match
    expect(() => new SequenceMatcher((() => true) as unknown as null, 'a', 'b')).toThrow(/isjunk/);
  });
});
