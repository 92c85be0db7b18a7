/**
 * Property tests (fast-check) for the estimators: uneven group sizes, singletons,
 * zero-variance groups, zero-sum groups, row-permutation invariance, scale behaviour,
 * finiteness. The cases slime#1414 / #2230 (uneven groups normalised wrongly) motivate
 * the uneven-size generators.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBatch, getAdvEstimator, type AdvOptions, type AdvRow } from '../../lib/advantage/index.js';

const MODES = ['F1_Score', 'SubEM', 'EM', 'T3.2 Single-Hop Fact QA'];

type Kind = 'binary' | 'grid' | 'constant' | 'continuous' | 'milli' | 'irrational';
interface GroupSpec {
  mode: number;
  scores: number[];
}

const grid = fc.integer({ min: 0, max: 20 }).map((k) => k / 20);
function groupArb(kinds: Kind[], maxSize = 12): fc.Arbitrary<GroupSpec> {
  const len = { minLength: 1, maxLength: maxSize };
  const byKind: Record<Kind, fc.Arbitrary<number[]>> = {
    binary: fc.array(fc.constantFrom(0, 1), len),
    grid: fc.array(grid, len),
    constant: fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 1, max: maxSize })).map(([v, n]) =>
      new Array<number>(n).fill(v),
    ),
    continuous: fc.array(fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), len),
    // continuous but never closer than 1e-3 apart: sums that must cancel do so to ~1e-13
    // continuous in (0, 1], √k-style values: a score equal to a mean is (practically) impossible
    irrational: fc.array(fc.integer({ min: 1, max: 2_000_000_000 }).map((k) => Math.sqrt(k) / 44_722), len),
    milli: fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }).map((k) => k / 1000), len),
  };
  return fc.record({ mode: fc.integer({ min: 0, max: MODES.length - 1 }), scores: fc.oneof(...kinds.map((k) => byKind[k])) });
}

function batchArb(kinds: Kind[] = ['binary', 'grid', 'constant', 'continuous']) {
  return fc.record({ groups: fc.array(groupArb(kinds), { minLength: 1, maxLength: 12 }), seed: fc.integer() });
}

function toRows(groups: GroupSpec[], seed: number, shuffle = true): AdvRow[] {
  const rows: AdvRow[] = [];
  groups.forEach((g, gi) => g.scores.forEach((score) => rows.push({ uid: `u${gi}`, reward_mode: MODES[g.mode], score })));
  if (!shuffle) return rows;
  // deterministic Fisher–Yates shuffle so groups interleave
  let x = seed >>> 0 || 1;
  for (let i = rows.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

const CONFIGS: [string, AdvOptions][] = [
  ['grpo', {}],
  ['grpo', { normAdvByStd: false }],
  ['grpo', { difficultyReweight: true }],
  ['tmn_grpo', {}],
  ['tmn_grpo', { normAdvByTaskScale: false }],
  ['tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0.8 }],
  ['tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0, difficultyGamma: 2 }],
  ['qwenlong_grpo', {}],
];

function byUid(rows: AdvRow[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const l = m.get(r.uid);
    if (l) l.push(i);
    else m.set(r.uid, [i]);
  });
  return m;
}

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * (1 + Math.abs(a) + Math.abs(b));

describe('estimator properties', () => {
  it('outputs are finite, one per row, for every estimator and option set', () => {
    fc.assert(
      fc.property(batchArb(), ({ groups, seed }) => {
        const rows = toRows(groups, seed);
        const batch = buildBatch(rows);
        for (const [name, opts] of CONFIGS) {
          const { advantages, extraMetrics } = getAdvEstimator(name)(batch, opts);
          expect(advantages.length).toBe(rows.length);
          for (const a of advantages) expect(Number.isFinite(a)).toBe(true);
          for (const v of Object.values(extraMetrics)) expect(Number.isFinite(v)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('grpo and tmn_grpo (no reweight): each uid with n > 1 sums to ~0', () => {
    fc.assert(
      fc.property(batchArb(['binary', 'grid', 'constant', 'milli']), ({ groups, seed }) => {
        const rows = toRows(groups, seed);
        const batch = buildBatch(rows);
        for (const [name, opts] of CONFIGS.slice(0, 2).concat(CONFIGS.slice(3, 5))) {
          const { advantages } = getAdvEstimator(name)(batch, opts);
          for (const idx of byUid(rows).values()) {
            if (idx.length < 2) continue;
            const sum = idx.reduce((s, i) => s + advantages[i], 0);
            const mag = idx.reduce((s, i) => s + Math.abs(advantages[i]), 0);
            // rounding of the mean (≤ an ulp of the largest score per row) can be amplified by up to 1/ε
            const maxAbs = idx.reduce((m, i) => Math.max(m, Math.abs(rows[i].score)), 0);
            const tol = 1e-9 * (1 + mag) + (idx.length * maxAbs * 2.3e-16) / 1e-6;
            expect(Math.abs(sum)).toBeLessThanOrEqual(tol);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('singletons: grpo gives s/(1+ε), Dr.GRPO gives s, tmn centres them at 0', () => {
    fc.assert(
      fc.property(batchArb(), ({ groups, seed }) => {
        const rows = toRows(groups, seed);
        const batch = buildBatch(rows);
        const grpo = getAdvEstimator('grpo')(batch, {}).advantages;
        const dr = getAdvEstimator('grpo')(batch, { normAdvByStd: false }).advantages;
        const tmnRaw = getAdvEstimator('tmn_grpo')(batch, { normAdvByTaskScale: false }).advantages;
        for (const idx of byUid(rows).values()) {
          if (idx.length !== 1) continue;
          const i = idx[0];
          expect(grpo[i]).toBe(rows[i].score / (1 + 1e-6));
          expect(dr[i]).toBe(rows[i].score);
          expect(tmnRaw[i]).toBe(rows[i].score);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('zero-variance groups get ~0 advantage from every estimator but qwenlong', () => {
    fc.assert(
      fc.property(batchArb(['constant', 'binary']), ({ groups, seed }) => {
        const rows = toRows(groups, seed);
        const batch = buildBatch(rows);
        for (const [name, opts] of CONFIGS.slice(0, 7)) {
          const { advantages } = getAdvEstimator(name)(batch, opts);
          for (const idx of byUid(rows).values()) {
            if (idx.length < 2 || !idx.every((i) => rows[i].score === rows[idx[0]].score)) continue;
            for (const i of idx) expect(Math.abs(advantages[i])).toBeLessThanOrEqual(1e-6);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  // Reweighting compares scores with computed means using a strict '>', as the reference does.
  // A score exactly equal to a mean (easy with grid scores) is a tie that float rounding of
  // the mean — which depends on summation order and on scaling — may break either way. The
  // reference (float32) is just as sensitive. So tie-sensitive configurations are checked on
  // binary and irrational-looking continuous scores, where an exact tie cannot come out
  // differently. (fc.double's edge cases, e.g. [-1000, -1e-323, 1000], do produce such ties.)
  const TIE_FREE: Kind[] = ['binary', 'irrational'];
  const isReweight = (o: AdvOptions) => o.difficultyReweight === true;

  it('permuting rows permutes the advantages (and leaves extra metrics unchanged)', () => {
    for (const kinds of [['binary', 'grid', 'constant', 'continuous'] as Kind[], TIE_FREE]) {
      fc.assert(
        fc.property(batchArb(kinds), fc.integer(), ({ groups, seed }, seed2) => {
          const rows = toRows(groups, seed);
          const perm = toRows([{ mode: 0, scores: rows.map((_, i) => i) }], seed2).map((r) => r.score);
          const a = buildBatch(rows);
          const b = buildBatch(perm.map((i) => rows[i]));
          for (const [name, opts] of CONFIGS) {
            if (isReweight(opts) && kinds !== TIE_FREE) continue;
            const ra = getAdvEstimator(name)(a, opts);
            const rb = getAdvEstimator(name)(b, opts);
            perm.forEach((src, j) => expect(close(rb.advantages[j], ra.advantages[src], 1e-7), `${name} row ${j}`).toBe(true));
            for (const [k, v] of Object.entries(ra.extraMetrics)) expect(close(rb.extraMetrics[k], v, 1e-9)).toBe(true);
          }
        }),
        { numRuns: 150 },
      );
    }
  });

  it('scaling scores by c > 0 scales Dr.GRPO / unnormalised TMN by c, leaves std-normalised ones ~unchanged', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(groupArb(['binary', 'grid']), { minLength: 1, maxLength: 10 }),
          fc.array(groupArb(['binary']), { minLength: 1, maxLength: 10 }),
        ),
        fc.integer(),
        fc.double({ min: 0.25, max: 8, noNaN: true }),
        (groups, seed, c) => {
          // no singletons: the reference does not normalise them (μ := 0, σ := 1), so they scale by c
          const multi = groups.map((g) => (g.scores.length > 1 ? g : { ...g, scores: [g.scores[0], 1 - g.scores[0]] }));
          const rows = toRows(multi, seed);
          const scaled = rows.map((r) => ({ ...r, score: r.score * c }));
          const a = buildBatch(rows);
          const b = buildBatch(scaled);
          for (const [name, opts] of [CONFIGS[1], CONFIGS[4]]) {
            const ra = getAdvEstimator(name)(a, opts).advantages;
            const rb = getAdvEstimator(name)(b, opts).advantages;
            ra.forEach((x, i) => expect(close(rb[i], c * x, 1e-9)).toBe(true));
          }
          // grid/binary scores: any nonzero std is ≥ 0.02, so ε = 1e-6 moves results by < 1e-4 relative.
          // Not grpo+difficultyReweight: its pass rate compares normalised advantages with the raw
          // mean (a reference quirk), which is not scale-invariant — see the next test.
          const binaryOnly = multi.every((g) => g.scores.every((x) => x === 0 || x === 1));
          for (const [name, opts] of [CONFIGS[0], CONFIGS[3], CONFIGS[5], CONFIGS[7]]) {
            if (isReweight(opts) && !binaryOnly) continue; // ties: see above
            const ra = getAdvEstimator(name)(a, opts).advantages;
            const rb = getAdvEstimator(name)(b, opts).advantages;
            ra.forEach((x, i) => expect(Math.abs(rb[i] - x)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(x))));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('grpo difficulty reweight is NOT scale-invariant (reference quirk: pass counts A_i > μ_u)', () => {
    // uid [0, 1, 1]: μ = 2/3, σ = 0.577, A = [-1.155, 0.577, 0.577].
    // c = 1: A > μ for none → pass 0 → weight clamp(e^0.5) = 1.6487 on the two positives.
    // c = 0.25: μ = 1/6, the two positive A exceed it → pass 2/3 → weight clamp(e^-1/6) = 1.
    const rows = (c: number): AdvRow[] => [0, 1, 1].map((s) => ({ uid: 'u', reward_mode: 'EM', score: s * c }));
    const a1 = getAdvEstimator('grpo')(buildBatch(rows(1)), { difficultyReweight: true }).advantages;
    const aq = getAdvEstimator('grpo')(buildBatch(rows(0.25)), { difficultyReweight: true }).advantages;
    expect(a1[1]).toBeCloseTo((1 / 3 / Math.sqrt(1 / 3)) * Math.exp(0.5), 5);
    expect(aq[1]).toBeCloseTo(1 / 3 / Math.sqrt(1 / 3), 5);
  });

  it('tmn_grpo difficulty weights stay within [e^-γ/2, e^γ/2] of the unweighted advantage (no clamp)', () => {
    fc.assert(
      fc.property(batchArb(['binary', 'grid', 'continuous']), fc.double({ min: 0, max: 3, noNaN: true }), ({ groups, seed }, gamma) => {
        const batch = buildBatch(toRows(groups, seed));
        const base = getAdvEstimator('tmn_grpo')(batch, {}).advantages;
        const w = getAdvEstimator('tmn_grpo')(batch, { difficultyReweight: true, difficultyGamma: gamma }).advantages;
        const lim = Math.exp(gamma / 2) * (1 + 1e-12);
        base.forEach((x, i) => {
          if (Math.abs(x) < 1e-12) return;
          const r = w[i] / x;
          expect(r).toBeGreaterThanOrEqual(1 / lim);
          expect(r).toBeLessThanOrEqual(lim);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('grpo difficulty weights are clamped to [1, 2] and touch only positive advantages', () => {
    fc.assert(
      fc.property(batchArb(['binary', 'grid', 'continuous']), fc.double({ min: 0, max: 5, noNaN: true }), ({ groups, seed }, gamma) => {
        const batch = buildBatch(toRows(groups, seed));
        const base = getAdvEstimator('grpo')(batch, {}).advantages;
        const w = getAdvEstimator('grpo')(batch, { difficultyReweight: true, difficultyGamma: gamma }).advantages;
        base.forEach((x, i) => {
          if (x <= 0) expect(w[i]).toBe(x);
          else {
            expect(w[i] / x).toBeGreaterThanOrEqual(1 - 1e-12);
            expect(w[i] / x).toBeLessThanOrEqual(2 + 1e-12);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  // tmn_grpo has a fused fast path for contiguous uids (verl's layout), a general path for
  // interleaved ones, and switches pass 1 to a row scatter after 1024 short runs: all agree.
  it('tmn_grpo: contiguous (fast path) and shuffled (general path) layouts agree', () => {
    fc.assert(
      fc.property(batchArb(TIE_FREE), ({ groups, seed }) => {
        const rows = toRows(groups, seed, false);
        const perm = toRows([{ mode: 0, scores: rows.map((_, i) => i) }], seed).map((r) => r.score);
        const a = buildBatch(rows);
        const b = buildBatch(perm.map((i) => rows[i]));
        for (const [name, opts] of CONFIGS.slice(3, 7)) {
          const ra = getAdvEstimator(name)(a, opts);
          const rb = getAdvEstimator(name)(b, opts);
          perm.forEach((src, j) => expect(close(rb.advantages[j], ra.advantages[src], 1e-12)).toBe(true));
          for (const [k, v] of Object.entries(ra.extraMetrics)) expect(close(rb.extraMetrics[k], v, 1e-12)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('tmn_grpo: a uid split into several runs or spanning modes takes the general path correctly', () => {
    // uid p: rows in two runs (EM, EM … then later EM); uid q spans two modes (last row's mode wins)
    const rows: AdvRow[] = [
      { uid: 'p', reward_mode: 'EM', score: 1 },
      { uid: 'p', reward_mode: 'EM', score: 0 },
      { uid: 'q', reward_mode: 'EM', score: 0.25 },
      { uid: 'q', reward_mode: 'SubEM', score: 0.75 },
      { uid: 'p', reward_mode: 'EM', score: 1 },
      { uid: 'r', reward_mode: 'SubEM', score: 0.5 },
      { uid: 'r', reward_mode: 'SubEM', score: 0.1 },
    ];
    const { advantages } = getAdvEstimator('tmn_grpo')(buildBatch(rows), {});
    // p: μ 2/3, var 1/3 (EM); q: μ .5, var .125, assigned to SubEM (its last row); r: μ .3, var .08 (SubEM)
    const scaleEM = Math.sqrt(1 / 3) + 1e-6;
    const scaleSub = Math.sqrt((0.125 + 0.08) / 2) + 1e-6;
    expect(advantages[0]).toBeCloseTo(1 / 3 / scaleEM, 12);
    expect(advantages[2]).toBeCloseTo(-0.25 / scaleEM, 12); // row 2 is EM: scaled by EM's scale
    expect(advantages[3]).toBeCloseTo(0.25 / scaleSub, 12); // row 3 is SubEM
    expect(advantages[5]).toBeCloseTo(0.2 / scaleSub, 12);
  });

  it('tmn_grpo: many short runs (row-scatter switch) matches the contiguous result', () => {
    const groups: GroupSpec[] = Array.from({ length: 3000 }, (_, g) => ({
      mode: g % MODES.length,
      scores: Array.from({ length: 1 + (g % 5) }, (_, j) => ((g * 7 + j * 13) % 17) / 16),
    }));
    const rows = toRows(groups, 0, false);
    const perm = toRows([{ mode: 0, scores: rows.map((_, i) => i) }], 99).map((r) => r.score);
    const opts = { difficultyReweight: true, difficultySmoothAlpha: 0.8 };
    const ra = getAdvEstimator('tmn_grpo')(buildBatch(rows), opts);
    const rb = getAdvEstimator('tmn_grpo')(buildBatch(perm.map((i) => rows[i])), opts);
    perm.forEach((src, j) => expect(close(rb.advantages[j], ra.advantages[src], 1e-12)).toBe(true));
    expect(close(rb.extraMetrics['difficulty/mean_pass_rate'], ra.extraMetrics['difficulty/mean_pass_rate'], 1e-12)).toBe(true);
  });
});

describe('the worked example in docs/advantages.md', () => {
  // A, B: EM; C, D: F1_Score; D is a singleton
  const spec: [string, string, number[]][] = [
    ['A', 'EM', [1, 0, 0, 1]],
    ['B', 'EM', [1, 1, 1, 0]],
    ['C', 'F1_Score', [0.2, 0.6]],
    ['D', 'F1_Score', [0.9]],
  ];
  const batch = buildBatch(spec.flatMap(([uid, reward_mode, ss]) => ss.map((score) => ({ uid, reward_mode, score }))));
  const table: [string, AdvOptions, number[], number?][] = [
    ['grpo', {}, [0.866024, -0.866024, -0.866024, 0.866024, 0.499999, 0.499999, 0.499999, -1.499997, -0.707104, 0.707104, 0.899999]],
    ['grpo', { normAdvByStd: false }, [0.5, -0.5, -0.5, 0.5, 0.25, 0.25, 0.25, -0.75, -0.2, 0.2, 0.9]],
    ['grpo', { difficultyReweight: true }, [0.866024, -0.866024, -0.866024, 0.866024, 0.824359, 0.824359, 0.824359, -1.499997, -0.707104, 0.707104, 0.899999]],
    ['tmn_grpo', {}, [0.925818, -0.925818, -0.925818, 0.925818, 0.462909, 0.462909, 0.462909, -1.388728, -0.272165, 0.272165, 1.224743]],
    ['tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0.8 }, [0.925818, -0.925818, -0.925818, 0.925818, 0.360514, 0.360514, 0.360514, -1.783162, -0.272165, 0.272165, 0.742844], 0.6875],
    ['qwenlong_grpo', {}, [0.724567, -1.207612, -1.207612, 0.724567, 0.724567, 0.724567, 0.724567, -1.207612, -1.044071, 0.094916, 0.949155]],
  ];
  for (const [name, opts, want, passRate] of table) {
    it(`${name} ${JSON.stringify(opts)}`, () => {
      const r = getAdvEstimator(name)(batch, opts);
      want.forEach((w, i) => expect(r.advantages[i]).toBeCloseTo(w, 5));
      if (passRate !== undefined) expect(r.extraMetrics['difficulty/mean_pass_rate']).toBe(passRate);
    });
  }
});

describe('extreme scores (issue 15: ±1e308 must not give null advantages in other groups)', () => {
  // a: ±1e308 (μ 0, Bessel std √2·1e308); b: {1, 0} in the same task; c: {0.25, 0.75} in another task.
  const rows: AdvRow[] = [
    { uid: 'a', reward_mode: 'EM', score: 1e308 },
    { uid: 'a', reward_mode: 'EM', score: -1e308 },
    { uid: 'b', reward_mode: 'EM', score: 1 },
    { uid: 'b', reward_mode: 'EM', score: 0 },
    { uid: 'c', reward_mode: 'F1_Score', score: 0.25 },
    { uid: 'c', reward_mode: 'F1_Score', score: 0.75 },
  ];
  const eps = 1e-6;
  const sb = Math.sqrt(0.5);
  const sc = Math.sqrt(0.125);
  // Closed forms of each reference formula (GOLONGRL.md §B) for this batch.
  const expected: Record<string, number[]> = {
    grpo: [Math.SQRT1_2, -Math.SQRT1_2, 0.5 / (sb + eps), -0.5 / (sb + eps), -0.25 / (sc + eps), 0.25 / (sc + eps)],
    // task EM: scale = √((2e616 + 0.5) / 2) = 1e308 (to 1e-600)
    tmn_grpo: [1, -1, 0.5 / 1e308, -0.5 / 1e308, -0.25 / (sc + eps), 0.25 / (sc + eps)],
    // task EM over all four rows: mean 0.25, std = 1e308·√(2/3) (to 1e-300)
    qwenlong_grpo: [(1e308 - 0.25) / (1e308 * Math.sqrt(2 / 3)), (-1e308 - 0.25) / (1e308 * Math.sqrt(2 / 3)), 0.75 / (1e308 * Math.sqrt(2 / 3)), -0.25 / (1e308 * Math.sqrt(2 / 3)), -0.25 / (sc + eps), 0.25 / (sc + eps)],
  };
  for (const name of ['grpo', 'tmn_grpo', 'qwenlong_grpo']) {
    it(`${name}: finite, the reference formula's values, the other task untouched`, () => {
      const est = getAdvEstimator(name);
      const got = est(buildBatch(rows), { epsilon: eps }).advantages;
      [...got].forEach((g, i) => expect(Math.abs(g - expected[name][i]), `row ${i}: ${g} vs ${expected[name][i]}`).toBeLessThanOrEqual(1e-12 * Math.abs(expected[name][i])));
    });
  }
  const variants: [string, AdvOptions][] = [
    ['grpo', { normAdvByStd: false }],
    ['grpo', { difficultyReweight: true }],
    ['tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0.8 }],
    ['tmn_grpo', { normAdvByTaskScale: false }],
  ];
  for (const [name, opts] of variants) {
    it(`${name} ${JSON.stringify(opts)}: no NaN, and the group of the other task is as without the extreme group`, () => {
      const est = getAdvEstimator(name);
      const got = est(buildBatch(rows), opts).advantages;
      expect([...got].some(Number.isNaN)).toBe(false);
      expect([...got].slice(2).every(Number.isFinite)).toBe(true);
      const alone = est(buildBatch(rows.slice(2)), opts).advantages;
      expect([got[4], got[5]]).toEqual([alone[2], alone[3]]);
    });
  }
  it('a batch without extreme scores takes the fast path (golden values unchanged: test/advantage/golden.test.ts)', () => {
    const est = getAdvEstimator('tmn_grpo');
    const small = rows.map((r) => ({ ...r, score: r.uid === 'a' ? r.score / 2 ** 900 : r.score }));
    expect([...est(buildBatch(small), {}).advantages].every(Number.isFinite)).toBe(true);
  });
});
