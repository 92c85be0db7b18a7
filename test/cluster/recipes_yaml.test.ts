/**
 * Recipes as data (lib/cluster/recipes.ts, cluster/recipes/*.yaml):
 * - a user's new YAML file in a copy of cluster/recipes/ is found by name with no code change, listed by
 *   `golongrl recipes`, rendered by `submit --dry-run`, and REALLY submitted (local backend, local trainer,
 *   `--wait` following its log lines);
 * - bad files give one error naming file, line and key, with did-you-mean for recipe keys and for verl keys
 *   in `overrides:` (the same schema check as --override), exit 2 from the CLI;
 * - `custom_reward: golongrl_ids` renders custom_reward_function.path/name (keys in the pinned schema);
 * - cluster/ holds data only: no file under cluster/ imports lib code.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getClusterRecipe, listRecipes, loadRecipe, RecipeError } from '../../lib/cluster/recipes.js';
import { golongrlRewardFile, recipeToJobSpec, renderOverrides } from '../../lib/cluster/render.js';
import { loadVerlSchema } from '../../lib/cluster/verl_schema.js';

const REPO = resolve('.');
const BIN = join(REPO, 'bin', 'golongrl.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-recipes-'));
const dir = join(tmp, 'recipes');
cpSync(join(REPO, 'cluster', 'recipes'), dir, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MY_RUN = `# my own run: Qwen3-4B TMN-Reweight on my data, my cluster
extends: qwen3-4b-tmn-reweight
description: my run
experiment_name: my-run
verl_dir: /shared/GoLongRL/Train/verl
paths:
  model: /shared/models/Qwen3-4B
  train_file: /shared/data/train.jsonl
  test_file: /shared/data/test.jsonl
resources:
  nodes: 2
  partition: gpu
  account: proj42
  time_limit: '24:00:00'
setup:
  - module load cuda/12.4
  - source /shared/venvs/verl/bin/activate
custom_reward: golongrl_ids
overrides:
  - trainer.save_freq=10
  - trainer.test_freq=5
`;

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as Error).message;
  }
  throw new Error('expected a RecipeError');
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, GOLONGRL_RECIPES_DIR: dir, ...env }, maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('YAML recipes', () => {
  it('a new file is a recipe: extends, fields, setup, verl_dir, resources, custom reward, overrides', () => {
    const file = write('my-run.yaml', MY_RUN);
    const l = loadRecipe('my-run', { dir });
    expect(l).toMatchObject({ kind: 'recipe', name: 'my-run', file, extends: 'qwen3-4b-tmn-reweight' });
    const r = getClusterRecipe('my-run', { dir });
    expect(r.algorithm).toMatchObject({ advEstimator: 'tmn_grpo', difficultyReweight: true, difficultySmoothAlpha: 0.8 });
    expect(r.paths).toMatchObject({ verlDir: '/shared/GoLongRL/Train/verl', model: '/shared/models/Qwen3-4B', ckptDir: '${HOME}/ckpts/GoLongRL/my-run/' });
    expect(r.resources).toMatchObject({ nodes: 2, gpusPerNode: 8, partition: 'gpu', account: 'proj42', timeLimit: '24:00:00' });
    expect(r.setup).toEqual(['module load cuda/12.4', 'source /shared/venvs/verl/bin/activate']);
    const ovs = renderOverrides(r);
    expect(ovs).toContain('trainer.save_freq=10'); // the recipe's override replaces the field's
    expect(ovs.filter((o) => o.startsWith('trainer.save_freq='))).toHaveLength(1);
    expect(ovs).toContain(`custom_reward_function.path=${golongrlRewardFile()}`);
    expect(golongrlRewardFile()).toBe(join(REPO, 'cluster', 'reward', 'golongrl_reward.py'));
    expect(ovs).toContain('custom_reward_function.name=compute_score');
    const schema = loadVerlSchema();
    expect(schema.has('custom_reward_function.path') && schema.has('custom_reward_function.name')).toBe(true);
    const spec = recipeToJobSpec(r);
    expect(spec.payload).toMatchObject({ kind: 'verl', workdir: '/shared/GoLongRL/Train/verl' });
    expect(spec.resources).toMatchObject({ nodes: 2, partition: 'gpu', account: 'proj42', timeLimit: '24:00:00' });
    expect(spec.setup).toHaveLength(2);
    expect(listRecipes(dir).map((x) => x.name)).toContain('my-run');
  });

  it('errors name file, line and key, with did-you-mean', () => {
    const f = write('typo.yaml', 'extends: qwen3-4b-grpo\ndescription: t\nrollout:\n  temprature: 0.7\ndata:\n  train_batch_size: many\n');
    const m = errorOf(() => loadRecipe('typo', { dir }));
    expect(m).toContain(`${f}:4: unknown recipe key 'rollout.temprature'; did you mean 'rollout.temperature'`);
    expect(m).toContain(`${f}:6: data.train_batch_size: expects a finite number, got "many"`);
    const g = write('badov.yaml', 'extends: qwen3-4b-grpo\ndescription: t\noverrides:\n  - trainer.save_freq=10\n  - trainer.save_freqq=3\n');
    const m2 = errorOf(() => loadRecipe('badov', { dir }));
    expect(m2).toMatch(new RegExp(`^${g.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: overrides: 'trainer.save_freqq=3': key 'trainer.save_freqq' is not in verl@c34dba310edd's config; did you mean 'trainer.save_freq'`));
    const h = write('envnum.yaml', "extends: qwen3-4b-grpo\ndescription: t\nenv:\n  ray_env_vars:\n    NCCL_DEBUG: 0\n");
    expect(errorOf(() => loadRecipe('envnum', { dir }))).toContain(`${h}:5: env.ray_env_vars.NCCL_DEBUG: expects a string (quote numbers and booleans`);
    write('loop-a.yaml', 'extends: loop-b\ndescription: a\n');
    write('loop-b.yaml', 'extends: loop-a\ndescription: b\n');
    expect(errorOf(() => loadRecipe('loop-a', { dir }))).toContain('extends: cycle loop-a → loop-b → loop-a');
    const u = write('orphan.yaml', 'extends: qwen3-9b\ndescription: o\n');
    expect(errorOf(() => loadRecipe('orphan', { dir }))).toContain(`${u}:1: extends: unknown cluster recipe 'qwen3-9b'`);
    const n = write('incomplete.yaml', 'description: no base\n');
    expect(errorOf(() => loadRecipe('incomplete', { dir }))).toContain(`${n}: missing recipe key 'project_name'`);
    expect(errorOf(() => loadRecipe('_base', { dir }))).toContain("'_base' is a base");
    const ph = write('badphase.yaml', 'extends: qwen3-4b-grpo\ndescription: p\nphases:\n  - { label: a, max_prompt_lenght: 20480, train_file: /d/a.jsonl, steps: 1 }\n');
    expect(errorOf(() => loadRecipe('badphase', { dir }))).toContain(`${ph}:4: unknown key 'phases[0].max_prompt_lenght'; did you mean 'max_prompt_length'?`);
    // listing shows each bad file with its error
    const listing = listRecipes(dir);
    expect(listing.find((x) => x.name === 'typo')).toMatchObject({ kind: 'invalid' });
    for (const name of ['typo', 'badov', 'envnum', 'loop-a', 'loop-b', 'orphan', 'incomplete', 'badphase']) rmSync(join(dir, `${name}.yaml`));
  });

  it('a phased recipe file: phases derive from the base it extends', () => {
    write('my-curriculum.yaml', 'extends: my-run\ndescription: two phases of my run\nphases:\n  - { label: 8k, max_prompt_length: 8192, train_file: /shared/data/le8k.jsonl, steps: 3 }\n  - { max_prompt_length: 16384, train_file: /shared/data/le16k.jsonl, steps: 2 }\n');
    const l = loadRecipe('my-curriculum', { dir });
    if (l.kind !== 'phased') throw new Error('expected phased');
    expect(l.phased.base.name).toBe('my-run');
    expect(l.phased.phases.map((p) => [p.label, p.recipe.data.maxPromptLength, p.steps])).toEqual([
      ['8k', 8192, 3],
      ['16k', 16384, 2],
    ]);
    expect(l.phased.phases[1].recipe.paths.verlDir).toBe('/shared/GoLongRL/Train/verl');
  });

  it('cluster/ imports nothing from lib/ (data only)', () => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const offenders = walk(join(REPO, 'cluster'))
      .filter((f) => /\.(ts|mts|js|mjs)$/.test(f))
      .filter((f) => /from\s+['"][^'"]*\blib\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('golongrl recipes / submit with a user YAML file (real CLI)', () => {
  it('recipes --json lists the files; a broken one is shown with its error and exit 2', () => {
    const r = cli(['recipes', '--json']);
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(r.out) as { name: string; kind: string }[];
    expect(list.map((x) => x.name)).toEqual(expect.arrayContaining(['qwen3-4b-grpo', 'qwen3-4b-tmn-reweight', 'qwen3-30b-a3b-grpo', 'qwen3-4b-qwenlong-curriculum', 'my-run']));
    expect(list.find((x) => x.name === 'qwen3-4b-qwenlong-curriculum')?.kind).toBe('phased');
    const f = write('zz-broken.yaml', 'extends: qwen3-4b-grpo\ndescription: b\ntrainer:\n  save_freqq: 3\n');
    const bad = cli(['recipes']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/zz-broken\s+invalid/);
    expect(bad.err).toContain(`${f}:4: unknown recipe key 'trainer.save_freqq'; did you mean 'trainer.save_freq'`);
    const sub = cli(['submit', 'zz-broken', '--backend', 'slurm', '--dry-run']);
    expect(sub.code).toBe(2);
    expect(sub.err.trim().split('\n')).toHaveLength(1);
    expect(sub.err).toContain(`${f}:4: unknown recipe key`);
    rmSync(f);
  });

  it('submit my-run --dry-run renders it; a real local submit of it runs (--wait follows the log)', () => {
    const dry = cli(['submit', 'my-run', '--backend', 'slurm', '--dry-run', '--jobs-dir', join(tmp, 'jobs'), '--json']);
    expect(dry.code, dry.err).toBe(0);
    const j = JSON.parse(dry.out);
    expect(j.recipe).toBe('my-run');
    expect(j.preflight).toEqual([]);
    expect(j.launch).toContain('#SBATCH --partition=gpu');
    expect(j.launch).toContain('  module load cuda/12.4');
    expect(j.launch).toContain("cd -- /shared/GoLongRL/Train/verl || exit 2");
    const out = join(tmp, 'my run out');
    const r = cli(['submit', 'my-run', '--steps', '2', '--out', out, '--jobs-dir', join(tmp, 'jobs'), '--wait']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('golongrl train — recipe tiny, estimator tmn_grpo'); // the job's own log line, followed
    expect(r.err).toMatch(/golongrl submit: \S+ COMPLETED/);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
  });
});
