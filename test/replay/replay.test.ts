/**
 * `golongrl replay`: both verl dump layouts, with and without the dataset join, give the same
 * per-task picture as the dump that carries its ids; the estimators' numbers agree with replaying
 * the rows through lib/advantage directly; bad dumps are refused naming file, line and field; the
 * aggregates do not grow with the number of rollouts; the shipped samples regenerate byte for byte.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayAdvantages } from '../../lib/advantage/index.js';
import { readRolloutDump, buildPromptIndex, toReplayRows } from '../../lib/data/rollout_dump.js';
import { replayRun, topDisagreements, writeReplayReport } from '../../lib/replay/index.js';
import { writeReplaySamples } from '../../lib/replay/sample.js';
import { InputError } from '../../lib/util/jsonl.js';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-replay-'));
const D = 'data/replay';
const strip = (r: Awaited<ReturnType<typeof replayRun>>) => ({ taskSteps: r.taskSteps, estimatorSteps: r.estimatorSteps, advHist: r.advHist, passHist: r.passHist, disagreement: r.disagreement, metrics: r.metrics });

describe('replay: layouts and the join', () => {
  it('verl<0.6 and verl>=0.6 dumps joined with the dataset equal the dump that carries uid/reward_mode/capability', async () => {
    const ids = await replayRun(`${D}/verl_0_6_ids`);
    const old = await replayRun(`${D}/verl_lt_0_6`, { data: `${D}/prompts.jsonl` });
    const v06 = await replayRun(`${D}/verl_0_6`, { data: `${D}/prompts.jsonl` });
    expect(ids.layout).toBe('verl>=0.6');
    expect(old.layout).toBe('verl<0.6');
    expect(ids.groupedBy).toEqual(['uid']);
    expect(old.groupedBy).toEqual(['input']);
    expect(ids.taskFrom).toEqual({ field: 1728, join: 0, none: 0 });
    expect(old.taskFrom).toEqual({ field: 0, join: 1728, none: 0 });
    expect([old.joined, old.unjoined]).toEqual([1728, 0]);
    expect(ids.tasks).toHaveLength(9);
    expect(strip(old)).toEqual(strip(ids));
    expect(strip(v06)).toEqual(strip(ids));
    expect(ids.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ids.failureCount).toBe(0);
  });

  it('without ids or a dataset there is one task, "all"; a dataset that covers part of the prompts reports the rest unjoined', async () => {
    const none = await replayRun(`${D}/verl_lt_0_6`, { estimators: ['grpo'] });
    expect(none.tasks).toEqual(['all']);
    expect(none.taskFrom).toEqual({ field: 0, join: 0, none: 1728 });
    const miss = await replayRun(`${D}/verl_lt_0_6`, { data: 'data/sample/rollout_dump_prompts.jsonl', estimators: ['grpo'] });
    // data/sample's prompts are the same stand-in texts for steps 1–3, prompts 0–1 of each task: 3 × 9 × 2 × 8 rows
    expect([miss.joined, miss.unjoined, miss.unjoinedPrompts]).toEqual([432, 1296, 1296 / 8]);
    expect(miss.taskFrom).toEqual({ field: 0, join: 432, none: 1296 });
    expect(miss.tasks).toContain('all');
    expect(miss.unjoinedExamples.length).toBe(20);
    expect(miss.unjoinedExamples[0]).toMatchObject({ file: join(`${D}/verl_lt_0_6`, '1.jsonl'), line: 17 });
    expect(miss.unjoinedExamples[0].prompt).toContain('Synthetic prompt s1-precise_retrieval-2');
  });
});

describe('replay: numbers', () => {
  it('per-task mean |A| and metrics equal replaying the rows through replayAdvantages (grpo, tmn_grpo)', async () => {
    const index = await buildPromptIndex(`${D}/prompts.jsonl`);
    const dump = await readRolloutDump(`${D}/verl_0_6`, { join: index });
    const run = await replayRun(`${D}/verl_0_6`, { data: `${D}/prompts.jsonl`, estimators: ['grpo', 'tmn_grpo'] });
    for (const est of ['grpo', 'tmn_grpo']) {
      const { advantages, steps } = replayAdvantages(toReplayRows(dump.rows), est, { rewardModeMetrics: true });
      for (const s of [1, 5, 8]) {
        const task = 'summarization';
        let sum = 0;
        let n = 0;
        dump.rows.forEach((r, i) => {
          if (r.step === s && r.capability === task) {
            sum += Math.abs(advantages[i]);
            n++;
          }
        });
        const got = run.estimatorSteps.find((x) => x.step === s && x.estimator === est && x.task === task)!;
        expect(got.n).toBe(n);
        expect(got.mean_abs).toBeCloseTo(sum / n, 12);
        const ref = steps.find((x) => x.step === s)!.metrics;
        const mine = run.metrics.find((x) => x.step === s)!.data;
        for (const k of Object.keys(mine)) expect(mine[k]).toBeCloseTo(ref[k], 12);
      }
    }
  });

  it('the TMN scale per task is reward_mode/<mode>/sqrt_mean_var of the §B.5 metrics', async () => {
    const run = await replayRun(`${D}/verl_0_6_ids`, { estimators: ['grpo'] });
    const r = run.taskSteps.find((x) => x.step === 2 && x.task === 'summarization')!;
    expect(r.tmn_scale).toBeCloseTo(run.metrics.find((m) => m.step === 2)!.data['reward_mode/Summary/sqrt_mean_var'], 12);
    const sums = run.taskSteps.filter((x) => x.step === 2).reduce((a, x) => [a[0] + x.rate_adv, a[1] + x.rate_num], [0, 0]);
    expect(sums[0]).toBeCloseTo(1, 12);
    expect(sums[1]).toBeCloseTo(1, 12);
  });

  it('records an estimator that refuses a step (grpo_passk on a one-rollout group) and goes on', async () => {
    const dir = join(tmp, 'singleton');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '1.jsonl'), ['{"input": "a", "output": "x", "score": 1.0, "step": 1}', '{"input": "a", "output": "y", "score": 0.0, "step": 1}', '{"input": "b", "output": "z", "score": 1.0, "step": 1}'].join('\n') + '\n');
    const run = await replayRun(dir, { estimators: ['grpo', 'grpo_passk'] });
    expect(run.failureCount).toBe(1);
    expect(run.failures[0]).toMatchObject({ step: 1, estimator: 'grpo_passk' });
    expect(run.failures[0].error).toMatch(/at least 2 samples/);
    expect(run.estimatorSteps.map((r) => r.estimator)).toEqual(['grpo']);
  });

  it('GDPO reads reward components named by --components, and token counts from response_length', async () => {
    const dir = join(tmp, 'components');
    mkdirSync(dir, { recursive: true });
    const lines = [
      [1, 1, 10],
      [0, 1, 20],
      [1, 0, 5],
      [0, 0, 40],
    ].map(([acc, fmt, len], i) => JSON.stringify({ input: `p${i >> 1}`, output: 'o', gts: null, score: acc + fmt, step: 1, acc, fmt, response_length: len }));
    writeFileSync(join(dir, '1.jsonl'), lines.join('\n') + '\n');
    const run = await replayRun(dir, { estimators: ['gdpo', 'opo'], components: ['acc', 'fmt'] });
    expect(run.tokenCounts).toBe('all');
    expect(run.failureCount).toBe(0);
    await expect(replayRun(dir, { estimators: ['gdpo'], components: ['acc', 'nope'] })).rejects.toThrow(`${join(dir, '1.jsonl')}:1: field 'nope': missing`);
  });
});

describe('replay: refusing what is not a verl dump', () => {
  const write = (name: string, lines: string[]) => {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '3.jsonl'), lines.join('\n') + '\n');
    return join(dir, '3.jsonl');
  };
  it('names file, line and the missing field', async () => {
    const f = write('missing-output', ['{"input": "a", "output": "x", "score": 1.0, "step": 3}', '{"input": "a", "score": 1.0, "step": 3}']);
    await expect(replayRun(join(f, '..'))).rejects.toThrow(`${f}:2: field 'output': missing (a verl rollout dump line has "input", "output", "score", "step"`);
    const g = write('missing-step', ['{"input": "a", "output": "x", "score": 1.0}']);
    await expect(replayRun(join(g, '..'))).rejects.toThrow(`${g}:1: field 'step': missing`);
    const h = write('not-json-object', ['[1, 2]']);
    await expect(replayRun(join(h, '..'))).rejects.toThrow(InputError);
  });
  it('refuses a dump that mixes the two layouts, and a directory with no step files', async () => {
    const f = write('mixed', ['{"input": "a", "output": "x", "gts": 1, "score": 1.0, "step": 3}', '{"input": "a", "output": "y", "score": 0.0, "step": 3}']);
    await expect(replayRun(join(f, '..'))).rejects.toThrow(`${f}:2: field 'gts': missing, but earlier lines of this dump (layout verl>=0.6) have it`);
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(replayRun(empty)).rejects.toThrow('no <step>.jsonl files');
  });
});

describe('replay: bounded memory and the report', () => {
  it('keeps only per-step aggregates: 4× the rollouts per prompt gives aggregates of the same size', async () => {
    const mk = (name: string, n: number) => {
      const dir = join(tmp, name);
      mkdirSync(dir, { recursive: true });
      for (let s = 1; s <= 5; s++) {
        const lines: string[] = [];
        for (let p = 0; p < 6; p++) for (let k = 0; k < n; k++) lines.push(JSON.stringify({ input: `p${p}`, output: 'o', score: ((p * 7 + k * 3 + s) % 5) / 4, step: s, uid: `u${p}`, capability: `cap${p % 3}` }));
        writeFileSync(join(dir, `${s}.jsonl`), lines.join('\n') + '\n');
      }
      return dir;
    };
    const a = await replayRun(mk('small', 4));
    const b = await replayRun(mk('large', 16));
    expect(b.rows).toBe(4 * a.rows);
    const size = (r: typeof a) => [r.taskSteps.length, r.estimatorSteps.length, r.metrics.length, r.disagreement.length, JSON.stringify(r.advHist).split(',').length, JSON.stringify(r.passHist).split(',').length];
    expect(size(b)).toEqual(size(a));
  });

  it('writes index.html, five PNGs and the CSV tables; the disagreement table has one row per task', async () => {
    const run = await replayRun(`${D}/verl_0_6_ids`);
    const out = join(tmp, 'report');
    const files = await writeReplayReport(run, out);
    expect(files.pngs.sort()).toEqual(['advantage_distributions.png', 'advantage_scale_per_task.png', 'pass_rate_per_task.png', 'rate_adv_vs_rate_num.png', 'reward_per_task.png']);
    for (const p of files.pngs) expect(readFileSync(join(out, p)).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['index.html', 'task_steps.csv', 'estimator_steps.csv', 'disagreement.csv', 'metrics.jsonl']));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const t of run.tasks) expect(html).toContain(t);
    expect(topDisagreements(run)).toHaveLength(9);
    expect(readFileSync(join(out, 'task_steps.csv'), 'utf8').split('\n')[0]).toBe('step,task,rollouts,groups,mean_reward,std_reward,mean_std_reward,tmn_scale,rate_adv,rate_num,zero_var_groups');
  });

  it('the shipped sample dumps regenerate byte for byte', () => {
    const dir = join(tmp, 'samples');
    writeReplaySamples(dir);
    for (const sub of ['verl_lt_0_6', 'verl_0_6', 'verl_0_6_ids']) {
      for (const f of readdirSync(join(D, sub))) expect(readFileSync(join(dir, sub, f), 'utf8'), `${sub}/${f}`).toBe(readFileSync(join(D, sub, f), 'utf8'));
    }
    expect(readFileSync(join(dir, 'prompts.jsonl'), 'utf8')).toBe(readFileSync(join(D, 'prompts.jsonl'), 'utf8'));
  });
});
