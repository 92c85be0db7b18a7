/**
 * The `golongrl` command as users and scripts run it: a real child process (`bin/golongrl.mjs`),
 * real files, real exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readGolden } from '../golden.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-cli-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const parse = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

interface GoldenReward { case: Record<string, unknown>; expected: number }
interface GoldenAdv { rows: { uid: string; reward_mode: string; score: number }[]; results: { estimator: string; options: Record<string, unknown>; expected: number[]; extra: Record<string, number> }[] }

describe('golongrl score', () => {
  it('prints every row back, in order, with the reference score added (golden cases, file and stdin)', () => {
    const golden = readGolden<GoldenReward>('rewards.jsonl').filter((_, i) => i % 5 === 0);
    const file = join(tmp, 'cases.jsonl');
    writeFileSync(file, jsonl(golden.map((g) => g.case)));
    for (const r of [cli(['score', file]), cli(['score', '-'], readFileSync(file, 'utf8'))]) {
      expect(r.code, r.err).toBe(0);
      const rows = parse(r.out);
      expect(rows).toHaveLength(golden.length);
      rows.forEach((row, i) => {
        expect(row.response).toBe(golden[i].case.response);
        // NDCG goldens are 4-decimal trec_eval output
        expect(Math.abs(row.score - golden[i].expected)).toBeLessThan(6e-5);
      });
    }
  });
  it('a malformed line → exit 2 naming file, line and field', () => {
    const file = join(tmp, 'bad.jsonl');
    writeFileSync(file, jsonl([{ data_source: 'EM', response: 'a</think>b', ground_truth: { golden_label: 'b' } }]) + '{"data_source": "EM", "ground_truth": {}}\n');
    const r = cli(['score', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:2: field 'response': missing`);
    const bad = join(tmp, 'bad2.jsonl');
    writeFileSync(bad, '{not json\n');
    expect(cli(['score', bad]).err).toContain(`${bad}:1: field '<line>': not valid JSON`);
    const task = join(tmp, 'task.jsonl');
    writeFileSync(task, jsonl([{ data_source: 'longbench_pro', response: 'x', ground_truth: { doc_ids: ['a'] }, extra_info: { reward_mode: 'T0 nope' } }]));
    expect(cli(['score', task]).err).toContain("field 'extra_info.reward_mode': unknown LongBench-Pro sub-task 'T0 nope'");
  });
  it('--skip-bad quarantines bad lines, counts them and goes on', () => {
    const file = join(tmp, 'mixed.jsonl');
    writeFileSync(file, '{"data_source": "EM", "response": "a</think>b", "ground_truth": {"golden_label": "b"}}\n[1]\n{"data_source": "nope", "response": "", "ground_truth": 1}\n\n');
    const q = join(tmp, 'quarantine.jsonl');
    const r = cli(['score', file, '--skip-bad', q, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(parse(r.out)).toHaveLength(1);
    expect(parse(r.out)[0].score).toBe(1);
    const summary = JSON.parse(r.err.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ rows: 1, quarantined: 2, blank_lines: 1 });
    const bad = parse(readFileSync(q, 'utf8'));
    expect(bad.map((b) => [b.line, b.field])).toEqual([[2, '<line>'], [3, 'data_source']]);
  });
  it('usage errors exit 2', () => {
    expect(cli(['score']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['score', join(tmp, 'missing.jsonl')]).code).toBe(2);
  });
});

describe('golongrl advantages', () => {
  const golden = readGolden<GoldenAdv>('advantages.jsonl');
  // Three golden batches as three steps of one file: one call replays them all.
  const steps = golden.slice(0, 3);
  const rows = steps.flatMap((b, s) => b.rows.map((r) => ({ step: s + 1, ...r })));
  const file = join(tmp, 'rollouts.jsonl');
  writeFileSync(file, jsonl(rows));
  const flags: Record<string, (o: Record<string, unknown>) => string[]> = {
    grpo: (o) => (o.norm_adv_by_std_in_grpo === false ? ['--no-std'] : []).concat(o.difficulty_reweight ? ['--difficulty-reweight'] : []),
    tmn_grpo: (o) =>
      [
        ...(o.norm_adv_by_task_scale === false ? ['--no-task-scale'] : []),
        ...(o.difficulty_reweight ? ['--difficulty-reweight'] : []),
        ...(o.difficulty_smooth_alpha !== undefined ? ['--difficulty-alpha', String(o.difficulty_smooth_alpha)] : []),
        ...(o.difficulty_gamma !== undefined ? ['--difficulty-gamma', String(o.difficulty_gamma)] : []),
      ],
    qwenlong_grpo: () => [],
  };
  for (const [k, res] of steps[0].results.entries()) {
    it(`${res.estimator} ${JSON.stringify(res.options)} matches the reference on every step`, () => {
      const r = cli(['advantages', '--estimator', res.estimator, ...flags[res.estimator](res.options), file]);
      expect(r.code, r.err).toBe(0);
      const got = parse(r.out).map((x) => x.advantage as number);
      const want = steps.flatMap((b) => b.results[k].expected);
      expect(got).toHaveLength(want.length);
      got.forEach((a, i) => expect(Math.abs(a - want[i])).toBeLessThanOrEqual(1e-4));
    });
  }
  it('--metrics prints one {step, data} line per step with the per-task metrics', () => {
    const r = cli(['advantages', '--estimator', 'tmn_grpo', '--difficulty-reweight', '--difficulty-alpha', '0.8', '--metrics', file]);
    expect(r.code, r.err).toBe(0);
    const lines = parse(r.out);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    const want = steps[0].results.find((x) => x.estimator === 'tmn_grpo' && x.options.difficulty_smooth_alpha === 0.8)!;
    expect(lines[0].data['difficulty/mean_pass_rate']).toBeCloseTo(want.extra['difficulty/mean_pass_rate'], 4);
    expect(Object.keys(lines[0].data).some((key) => key.startsWith('task_metrics/'))).toBe(true);
    expect(Object.keys(lines[0].data).some((key) => key.startsWith('reward_mode/'))).toBe(true);
  });
  it('groups by input text when uid is absent', () => {
    const f = join(tmp, 'byinput.jsonl');
    writeFileSync(f, jsonl([{ step: 1, input: 'q1', reward_mode: 'EM', score: 1 }, { step: 1, input: 'q1', reward_mode: 'EM', score: 0 }, { step: 1, input: 'q2', reward_mode: 'EM', score: 1 }]));
    const adv = parse(cli(['advantages', '--estimator', 'grpo', '--no-std', f]).out).map((x) => x.advantage);
    // q1 groups rows 1-2 (mean 0.5); q2 is a singleton: the reference sets its mean to 0, so A = s - 0 = 1
    expect(adv).toEqual([0.5, -0.5, 1]);
  });
  it('bad rows: missing reward_mode for tmn_grpo, unknown estimator', () => {
    const f = join(tmp, 'nomode.jsonl');
    writeFileSync(f, jsonl([{ step: 1, uid: 'a', score: 1 }]));
    const r = cli(['advantages', '--estimator', 'tmn_grpo', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:1: field 'reward_mode': missing`);
    expect(cli(['advantages', '--estimator', 'grpo', f]).code).toBe(0);
    const u = cli(['advantages', '--estimator', 'nope', f]);
    expect(u.code).toBe(2);
    expect(u.err).toContain('known: grpo');
  });
});
