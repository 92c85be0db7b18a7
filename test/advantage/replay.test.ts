import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildBatch, getAdvEstimator, replayAdvantages, toRewardMode, type ReplayRow } from '../../lib/advantage/index.js';

const T51 = 'T5.1 Full-Sentence Citation Alignment';

describe('replayAdvantages', () => {
  it('treats each step as its own batch, interleaved rows, order preserved', () => {
    // same uid "p" in two steps: two independent groups
    const rows: ReplayRow[] = [
      { step: 2, uid: 'p', reward_mode: 'EM', score: 1 },
      { step: 1, uid: 'p', reward_mode: 'EM', score: 0 },
      { step: 2, uid: 'p', reward_mode: 'EM', score: 0 },
      { step: 1, uid: 'p', reward_mode: 'EM', score: 0 },
      { step: 2, uid: 'p', reward_mode: 'EM', score: 0 },
      { step: 1, uid: 'p', reward_mode: 'EM', score: 1 },
      { step: 1, uid: 'p', reward_mode: 'EM', score: 1 },
    ];
    const { advantages, steps } = replayAdvantages(rows, 'grpo');
    // step 1: [0,0,1,1] μ .5 σ = √(1/3); step 2: [1,0,0] μ 1/3 σ = √(1/3)
    const s = Math.sqrt(1 / 3) + 1e-6;
    const want = [2 / 3 / s, -0.5 / s, -1 / 3 / s, -0.5 / s, -1 / 3 / s, 0.5 / s, 0.5 / s];
    want.forEach((w, i) => expect(advantages[i]).toBeCloseTo(w, 12));
    expect(steps.map((x) => [x.step, x.rows, x.groups])).toEqual([
      [1, 4, 1],
      [2, 3, 1],
    ]);
    // grpo: no reward_mode/* (the trainer only builds a top-level reward_mode for tmn/qwenlong)
    expect(Object.keys(steps[0].metrics).some((k) => k.startsWith('reward_mode/'))).toBe(false);
    expect(steps[0].metrics['task_metrics/EM/num_rollouts']).toBe(4);
    expect(steps[1].metrics['difficulty/mean_pass_rate']).toBe(0);
  });

  it('groups by input text when uid is absent; uid and input groups never merge', () => {
    const rows: ReplayRow[] = [
      { step: 0, input: 'prompt A', reward_mode: 'EM', score: 1 },
      { step: 0, input: 'prompt B', reward_mode: 'EM', score: 0.2 },
      { step: 0, input: 'prompt A', reward_mode: 'EM', score: 0 },
      { step: 0, input: 'prompt B', reward_mode: 'EM', score: 0.6 },
      { step: 0, uid: 'prompt A', reward_mode: 'EM', score: 5 }, // a uid that happens to equal an input: own group
    ];
    const { advantages, steps } = replayAdvantages(rows, 'grpo', { normAdvByStd: false });
    // A: [1, 0] μ .5; B: [.2, .6] μ .4; uid "prompt A" is a singleton (Dr.GRPO: s − 0)
    [0.5, -0.2, -0.5, 0.2, 5].forEach((w, i) => expect(advantages[i]).toBeCloseTo(w, 12));
    expect(steps[0].groups).toBe(3);
  });

  it('rejects a row with neither uid nor input, and unknown estimators', () => {
    expect(() => replayAdvantages([{ step: 0, reward_mode: 'EM', score: 1 }], 'grpo')).toThrow(/uid or an input/);
    expect(() => replayAdvantages([], 'nope')).toThrow(/Known estimators: .*grpo/);
    expect(() => replayAdvantages([{ step: 0, uid: 'u', reward_mode: 'EM', score: NaN }], 'grpo')).toThrow(/score/);
  });

  it('maps raw sub-task modes for the estimator (TMN) and logs reward_mode + task_metrics', () => {
    const raw: ReplayRow[] = [];
    const specs: [string, string | null, number[]][] = [
      ['a', T51, [1, 0, 1, 0]],
      ['b', 'T5.2 Key-Statement Citation Alignment', [1, 1, 0]],
      ['c', 'EM', [0.2, 0.4, 0.9]],
      ['d', null, [0.3, 0.1]],
    ];
    for (const [uid, mode, ss] of specs) for (const score of ss) raw.push({ step: 7, uid, reward_mode: mode, score });
    // reverse so rows are not grouped contiguously
    raw.reverse();
    const opts = { difficultyReweight: true, difficultySmoothAlpha: 0.8 };
    const { advantages, steps } = replayAdvantages(raw, 'tmn_grpo', opts);
    const direct = getAdvEstimator('tmn_grpo')(
      buildBatch(raw.map((r) => ({ uid: r.uid!, reward_mode: toRewardMode(r.reward_mode), score: r.score }))),
      opts,
    );
    Array.from(direct.advantages).forEach((x, i) => expect(advantages[i]).toBeCloseTo(x, 14));
    const m = steps[0].metrics;
    expect(m['difficulty/mean_pass_rate']).toBeCloseTo(direct.extraMetrics['difficulty/mean_pass_rate'], 14);
    expect(m['reward_mode/F1_Score/rate_num']).toBe(0.5);
    expect(m['reward_mode//rate_num']).toBe(0.25); // missing mode → "" for the trainer's reward_mode …
    expect(m['task_metrics/unknown/num_rollouts']).toBe(2); // … and "unknown" for task_metrics
    expect(m['task_metrics/F1_Score/num_queries']).toBe(2);
    expect(m['difficulty/weight_clamp_upper_ratio']).toBe(0);
  });

  it('replays many steps at once consistently with per-step calls', () => {
    const rows: ReplayRow[] = [];
    let x = 12345;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const step = Math.floor(rnd() * 5);
      rows.push({ step, uid: `u${Math.floor(rnd() * 40)}`, reward_mode: ['EM', T51, 'selection'][Math.floor(rnd() * 3)], score: rnd() < 0.5 ? 0 : rnd() });
    }
    const all = replayAdvantages(rows, 'qwenlong_grpo');
    for (let s = 0; s < 5; s++) {
      const idx = rows.map((r, i) => (r.step === s ? i : -1)).filter((i) => i >= 0);
      const one = replayAdvantages(idx.map((i) => rows[i]), 'qwenlong_grpo');
      idx.forEach((i, j) => expect(all.advantages[i]).toBe(one.advantages[j]));
      expect(all.steps[s].metrics).toEqual(one.steps[0].metrics);
    }
  });
});

describe('golongrl advantages: uid types and option ranges (issue 15 item 6)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cli = (args: string[], input: string) => spawnSync(process.execPath, [root + 'bin/golongrl.mjs', 'advantages', ...args, '-'], { input, encoding: 'utf8', cwd: root });
  it('uid 1 and uid "1" are different groups (1 and 1.0 the same), as Python dict keys', () => {
    const rows = [
      { step: 1, uid: 1, score: 1 },
      { step: 1, uid: '1', score: 0 },
      { step: 1, uid: 1.0, score: 0 },
      { step: 1, uid: '1', score: 0 },
    ];
    const r = cli(['--estimator', 'grpo'], '\ufeff' + rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
    expect(r.status, r.stderr).toBe(0);
    const adv = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { advantage: number }).advantage);
    // group n:1 = {1, 0} → ±0.707…; group s:1 = {0, 0} → 0, 0
    expect(adv[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(adv[2]).toBeCloseTo(-Math.SQRT1_2, 5);
    expect([adv[1], adv[3]]).toEqual([0, 0]);
  });
  for (const [opt, bad] of [['--difficulty-gamma', '-100'], ['--difficulty-gamma', '11'], ['--difficulty-alpha', '1.5'], ['--difficulty-alpha', '-0.1'], ['--epsilon', '0']] as const) {
    it(`${opt} ${bad} is refused with one clear line, exit 2`, () => {
      const r = cli(['--estimator', 'tmn_grpo', '--difficulty-reweight', `${opt}=${bad}`], '{"step":1,"uid":"a","reward_mode":"EM","score":1}\n');
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^golongrl advantages: ${opt} must be in [\\[(]`));
      expect(r.stdout).toBe('');
    });
  }
});
