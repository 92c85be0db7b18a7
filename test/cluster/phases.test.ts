/**
 * Phased cluster recipes (lib/cluster/phases.ts, cluster/recipes/qwen3-4b-qwenlong-curriculum.yaml):
 * - every phase's verl overrides are valid against the pinned fork's schema; lengths 20K then 60K, with
 *   max_model_len and the token budgets following; phase 2 resumes (resume_path) from phase 1's final
 *   checkpoint dir, which contains `global_step_` (the fork asserts it) and whose step is phase 1's cumulative
 *   end; total_training_steps is cumulative (the fork's loop runs global_steps+1 … total_training_steps);
 * - the dry run matches test/cluster/golden/qwen3-4b-qwenlong-curriculum.dryrun.txt (UPDATE_GOLDEN=1 rewrites);
 * - a REAL two-phase chain of the local trainer on the local backend through the Job API: phase 2 is
 *   submitted only after phase 1 COMPLETED, resumes from phase 1's checkpoint, and its metrics continue
 *   after phase 1's last step at the longer context; a failing phase 1 stops the chain;
 * - on a REAL Slurm cluster (test/cluster/slurm_harness.ts): phase 2 is PENDING with reason Dependency while
 *   phase 1 runs (sbatch --dependency=afterok), then both COMPLETE.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getClusterRecipe, getPhasedRecipe as lookup, listRecipes } from '../../lib/cluster/recipes.js';
import { attachJob } from '../../lib/cluster/jobs.js';
import { listChains, readChain, submitPhases } from '../../lib/cluster/chain.js';
import { localContextLens, phasedJobSpecs, renderPhasedDryRun, type PhaseJob } from '../../lib/cluster/phases.js';
import { normaliseHydraValue } from '../../lib/cluster/render.js';
import { loadVerlSchema, parseOverride, validateOverrides } from '../../lib/cluster/verl_schema.js';
import type { JobState } from '../../lib/cluster/types.js';
import { startSlurm, type SlurmCluster } from './slurm_harness.js';

const REPO = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'golongrl-phases-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const poll = { initialDelayMs: 100, maxDelayMs: 400 };

const NAME = 'qwen3-4b-qwenlong-curriculum';
const QWEN3_4B_GRPO_FOR_TEST = getClusterRecipe('qwen3-4b-grpo');
const found = lookup(NAME);
if (!found) throw new Error(`phased recipe ${NAME} is not registered`);
const phased = found;

function ovMap(j: PhaseJob): Map<string, string> {
  if (j.spec.payload.kind !== 'verl') throw new Error('expected a verl payload');
  return new Map(j.spec.payload.overrides.map((o) => [parseOverride(o).key, normaliseHydraValue(parseOverride(o).value ?? '')]));
}

describe('phased recipe qwen3-4b-qwenlong-curriculum (verl payload)', () => {
  const jobs = phasedJobSpecs(phased);
  const [p1, p2] = jobs.map(ovMap);

  it('is registered, has two phases, and leaves the base recipe unchanged', () => {
    expect(listRecipes().filter((l) => l.kind === 'phased').map((l) => l.name)).toContain(NAME);
    expect(jobs.map((j) => [j.phase, j.of, j.label])).toEqual([
      [1, 2, '20k'],
      [2, 2, '60k'],
    ]);
    expect(QWEN3_4B_GRPO_FOR_TEST.data.maxPromptLength).toBe(163840);
    expect(QWEN3_4B_GRPO_FOR_TEST.paths.trainFile).toBe('/path/to/train.jsonl');
    expect(phased.base).toEqual(QWEN3_4B_GRPO_FOR_TEST);
  });

  it("every phase's overrides are valid against the verl schema", () => {
    const schema = loadVerlSchema();
    for (const j of jobs) {
      if (j.spec.payload.kind !== 'verl') throw new Error('expected verl');
      expect(validateOverrides(j.spec.payload.overrides, { schema })).toEqual([]);
    }
    // and the schema really checks: a misspelt key in phase 2 is refused
    expect(() => phasedJobSpecs(phased, { overrides: ['trainer.resume_from_pth=x'] })).toThrow(/resume_from_pth/);
  });

  it('phase lengths are 20K then 60K, with max_model_len and token budgets following (response 16K, CP 8)', () => {
    expect(p1.get('data.max_prompt_length')).toBe('20480');
    expect(p2.get('data.max_prompt_length')).toBe('61440');
    expect(p1.get('data.max_response_length')).toBe('16384');
    expect(p2.get('data.max_response_length')).toBe('16384');
    expect(p1.get('actor_rollout_ref.rollout.max_model_len')).toBe(String(20480 + 16384));
    expect(p2.get('actor_rollout_ref.rollout.max_model_len')).toBe(String(61440 + 16384));
    expect(p1.get('actor_rollout_ref.actor.ppo_max_token_len_per_gpu')).toBe(String((20480 + 16384) / 8));
    expect(p2.get('actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu')).toBe(String((61440 + 16384) / 8));
    expect(p1.get('data.train_files')).toBe('/path/to/train.le20k.jsonl');
    expect(p2.get('data.train_files')).toBe('/path/to/train.le60k.jsonl');
    // everything else is the base's
    const diff = [...p2.keys()].filter((k) => p1.get(k) !== p2.get(k)).sort();
    expect(diff).toEqual(
      [
        '+data.filtered_cache_dir',
        'actor_rollout_ref.actor.ppo_max_token_len_per_gpu',
        'actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu',
        'actor_rollout_ref.rollout.max_model_len',
        'data.max_prompt_length',
        'data.train_files',
        'trainer.default_local_dir',
        'trainer.resume_from_path',
        'trainer.resume_mode',
        'trainer.rollout_data_dir',
        'trainer.total_training_steps',
      ]
        .map((k) => k.replace(/^\+/, ''))
        .sort(),
    );
  });

  it("phase 2 resumes from phase 1's final checkpoint dir; steps are cumulative", () => {
    expect(p1.has('trainer.resume_from_path')).toBe(false);
    expect(p1.get('trainer.resume_mode')).toBe('auto');
    expect(p2.get('trainer.resume_mode')).toBe('resume_path');
    expect(p1.get('trainer.total_training_steps')).toBe('100');
    expect(p2.get('trainer.total_training_steps')).toBe('200');
    const resume = p2.get('trainer.resume_from_path') as string;
    expect(resume).toBe(`${p1.get('trainer.default_local_dir')}global_step_100`);
    expect(resume).toContain('global_step_');
    expect(resume).toBe(jobs[0].finalCheckpoint);
    expect(jobs[1].resumeFrom).toBe(jobs[0].finalCheckpoint);
    // the fork sets global_steps = int(path.split('global_step_')[-1]): phase 2 starts at step 101
    expect(Number(resume.split('global_step_').at(-1)) + 1).toBe(jobs[1].startStep + 1);
    expect(p1.get('trainer.default_local_dir')).not.toBe(p2.get('trainer.default_local_dir'));
    // --out and per-phase budgets
    const o = phasedJobSpecs(phased, { outDir: '/ck/run', phaseSteps: [7, 9] }).map(ovMap);
    expect(o[0].get('trainer.default_local_dir')).toBe('/ck/run/phase1-20k/');
    expect(o[1].get('trainer.resume_from_path')).toBe('/ck/run/phase1-20k/global_step_7');
    expect(o[1].get('trainer.total_training_steps')).toBe('16');
  });

  it('dry run matches test/cluster/golden/qwen3-4b-qwenlong-curriculum.dryrun.txt', () => {
    const text = renderPhasedDryRun(phased);
    expect(text).toContain('── phase 1/2 (20k) ──');
    expect(text).toContain('── phase 2/2 (60k) ──');
    expect(text.match(/schema: valid/g)?.length).toBe(2);
    const file = join('test', 'cluster', 'golden', `${NAME}.dryrun.txt`);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });

  it('golongrl submit NAME --dry-run prints every phase (CLI, slurm: afterok argv element)', () => {
    const jobsDir = join(work, 'dry-jobs');
    const out = execFileSync(process.execPath, ['bin/golongrl.mjs', 'submit', NAME, '--backend', 'slurm', '--dry-run', '--json', '--jobs-dir', jobsDir], { encoding: 'utf8' });
    const r = JSON.parse(out) as { phases: unknown[]; launches: { phase: number; info: { sbatch: string } }[]; rendered: string };
    expect(r.phases).toHaveLength(2);
    expect(r.rendered).toBe(renderPhasedDryRun(phased));
    const argv2 = JSON.parse(r.launches[1].info.sbatch) as string[];
    expect(argv2).toContain('--dependency=afterok:<slurm id of phase 1>');
    expect((JSON.parse(r.launches[0].info.sbatch) as string[]).some((a) => a.startsWith('--dependency'))).toBe(false);
    expect(() => execFileSync(process.execPath, ['bin/golongrl.mjs', 'submit', NAME, '--dry-run', '--steps', '5', '--jobs-dir', jobsDir], { encoding: 'utf8', stdio: 'pipe' })).toThrow(/per-phase budgets/);
  });
});

describe('local-trainer mapping: chained local jobs sharing --out', () => {
  it('each phase carries the whole scaled curriculum, --steps = cumulative end, --resume auto', () => {
    expect(localContextLens([20480, 61440])).toEqual([8, 24]);
    const jobs = phasedJobSpecs(phased, { payload: 'local-trainer', phaseSteps: [2, 3], outDir: 'runs/x' });
    const argv = jobs.map((j) => (j.spec.payload.kind === 'command' ? j.spec.payload.argv : []));
    for (const a of argv) {
      expect(a[a.indexOf('--curriculum') + 1]).toBe('8:2,24');
      expect(a[a.indexOf('--recipe') + 1]).toBe('tiny');
      expect(a[a.indexOf('--resume') + 1]).toBe('auto');
      expect(a[a.indexOf('--out') + 1]).toBe('runs/x');
    }
    expect(argv.map((a) => a[a.indexOf('--steps') + 1])).toEqual(['2', '5']);
    expect(jobs[1].resumeFrom).toBe(join('runs/x', 'global_step_2'));
  });

  it('REAL chain on the local backend: phase 2 starts after phase 1 COMPLETED and continues its steps', async () => {
    const jobsDir = join(work, 'jobs');
    const out = join(work, 'train-chain');
    const jobs = phasedJobSpecs(phased, { payload: 'local-trainer', phaseSteps: [2, 2], outDir: out }).map((j) => ({
      ...j,
      spec: { ...j.spec, payload: { ...j.spec.payload, workdir: REPO } as typeof j.spec.payload },
    }));
    const events: string[] = [];
    const res = await submitPhases(jobs, 'local', { jobsDir, poll, onEvent: (m) => events.push(m) });
    expect(res.chain.state).toBe('COMPLETED');
    expect(res.chain.phases.map((p) => p.state)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(events.findIndex((e) => e.startsWith('phase 1/2 COMPLETED'))).toBeLessThan(events.findIndex((e) => e.startsWith('phase 2/2 submitted')));
    const [h1, h2] = res.handles.map((h) => attachJob(h.id, { jobsDir }));
    // phase 2 was submitted after phase 1 was seen COMPLETED
    expect(h1.record.lastState).toBe('COMPLETED');
    expect(Date.parse(h2.record.submittedAt)).toBeGreaterThanOrEqual(Date.parse(h1.record.lastStateAt));
    expect(h2.name).toContain('[phase 2/2 60k]');
    expect(h2.record.recipe).toBe(`${NAME}:phase2`);
    // it resumed from phase 1's final checkpoint
    expect(readFileSync(h2.paths.stderr, 'utf8')).toContain(`resumed from ${join(out, 'global_step_2')}`);
    expect(readFileSync(h1.paths.stderr, 'utf8')).not.toContain('resumed from');
    // metrics: steps 1–2 at the phase-1 length, then 3–4 at the phase-2 length
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; data: Record<string, number> });
    expect(rows.map((r) => [r.step, r.data['curriculum/context_len'], r.data['curriculum/phase']])).toEqual([
      [1, 8, 1],
      [2, 8, 1],
      [3, 24, 2],
      [4, 24, 2],
    ]);
    // the chain is persisted
    const c = readChain(jobsDir, res.chain.id);
    expect(c.phases.map((p) => p.jobId)).toEqual([h1.id, h2.id]);
    expect(c.phases[1].after).toBe(h1.id);
    expect(listChains(jobsDir).map((x) => x.id)).toContain(res.chain.id);
    // and `golongrl list --chains` shows it (text and JSON)
    const text = execFileSync(process.execPath, ['bin/golongrl.mjs', 'list', '--chains', '--jobs-dir', jobsDir], { encoding: 'utf8' });
    expect(text).toContain(`${res.chain.id}  ${NAME}  local  COMPLETED`);
    expect(text).toContain(`phase 2 ${c.phases[1].label}: COMPLETED  job ${h2.id}`);
    const json = JSON.parse(execFileSync(process.execPath, ['bin/golongrl.mjs', 'list', '--chains', '--json', '--jobs-dir', jobsDir], { encoding: 'utf8' })) as { id: string }[];
    expect(json.map((x) => x.id)).toContain(res.chain.id);
  }, 60_000);

  it('a failing phase stops the chain: later phases are SKIPPED, never submitted', async () => {
    const jobsDir = join(work, 'jobs-fail');
    const base = phasedJobSpecs(phased, { payload: 'local-trainer', phaseSteps: [1, 1], outDir: join(work, 'never') });
    const jobs = base.map((j) => ({ ...j, spec: { ...j.spec, payload: { kind: 'command' as const, argv: ['/bin/sh', '-c', j.phase === 1 ? 'exit 3' : 'touch PHASE2_RAN'], workdir: work } } }));
    const res = await submitPhases(jobs, 'local', { jobsDir, poll });
    expect(res.chain.state).toBe('FAILED');
    expect(res.chain.phases.map((p) => p.state)).toEqual(['FAILED', 'SKIPPED']);
    expect(res.chain.error).toMatch(/phase 1 ended FAILED/);
    expect(res.handles).toHaveLength(1);
    expect(existsSync(join(work, 'PHASE2_RAN'))).toBe(false);
  });
});

describe('slurm: afterok chain on a real Slurm cluster', () => {
  let cluster: SlurmCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('phase 2 is PENDING (Dependency) while phase 1 runs, then both COMPLETE', async () => {
    cluster = await startSlurm({ nodes: 1 });
    const jobsDir = join(work, 'slurm-jobs');
    const out = join(work, 'slurm-train');
    const jobs = phasedJobSpecs(phased, { payload: 'local-trainer', phaseSteps: [2, 1], outDir: out }).map((j) => {
      if (j.spec.payload.kind !== 'command') throw new Error('expected command');
      return { ...j, spec: { ...j.spec, payload: { ...j.spec.payload, argv: [process.execPath, ...j.spec.payload.argv.slice(1)], workdir: REPO } } };
    });
    const res = await submitPhases(jobs, 'slurm', { jobsDir, poll });
    expect(res.chain.state).toBe('SUBMITTED');
    const [h1, h2] = res.handles;
    const reasons = new Set<string>();
    const states: [JobState, JobState][] = [];
    const deadline = Date.now() + 45_000;
    for (;;) {
      const s1 = await h1.state();
      const s2 = await h2.state();
      if (states.at(-1)?.join() !== [s1, s2].join()) states.push([s1, s2]);
      if (s2 === 'PENDING') reasons.add(/Reason=(\S+)/.exec(execFileSync('scontrol', ['show', 'job', '-o', h2.backendId], { encoding: 'utf8' }))?.[1] ?? '');
      if ((s1 === 'COMPLETED' && s2 === 'COMPLETED') || Date.now() > deadline || s2 === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(reasons).toContain('Dependency');
    expect(states).toContainEqual(['RUNNING', 'PENDING']);
    expect(states.at(-1)).toEqual(['COMPLETED', 'COMPLETED']);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(rows).toEqual([1, 2, 3]);
    expect(readFileSync(h2.paths.stderr, 'utf8')).toContain(`resumed from ${join(out, 'global_step_2')}`);
  }, 90_000);
});
