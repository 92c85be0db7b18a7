/**
 * The three cluster recipes (cluster/recipes/) rendered by lib/cluster/render.ts: every override is
 * schema-valid, every algorithm-relevant value equals the reference script's (cluster/recipes/reference.ts),
 * the dry-run matches its golden file (UPDATE_GOLDEN=1 rewrites), WANDB_API_KEY never reaches argv, and
 * the local-trainer payload's argv is accepted by the real `golongrl train` (run as a child process).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getClusterRecipe, listRecipes } from '../../lib/cluster/recipes.js';
import { REFERENCE_SCRIPTS } from '../../cluster/recipes/reference.js';
import { deriveRecipe, recipeSecretNames } from '../../lib/cluster/recipe.js';
import {
  diffAgainstReference,
  normaliseHydraValue,
  recipeToJobSpec,
  renderDryRun,
  renderOverrides,
  renderValue,
  VERL_ENTRYPOINT,
} from '../../lib/cluster/render.js';
import { assertNoSecrets, loadSecretEnv } from '../../lib/cluster/secrets.js';
import { loadVerlSchema, parseOverride, SchemaValidationError, validateOverrides } from '../../lib/cluster/verl_schema.js';

const NAMES = ['qwen3-4b-grpo', 'qwen3-4b-tmn-reweight', 'qwen3-30b-a3b-grpo'];

function asMap(overrides: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of overrides) {
    const p = parseOverride(o);
    m.set(p.key, normaliseHydraValue(p.value ?? ''));
  }
  return m;
}

/** ours key ← reference key, for every algorithm-relevant value (GOLONGRL.md §B.4, §C, §D). */
const ALGORITHM_KEYS: readonly (readonly [string, string])[] = [
  ['algorithm.adv_estimator', 'algorithm.adv_estimator'],
  ['algorithm.difficulty_reweight', 'algorithm.difficulty_reweight'],
  ['algorithm.use_kl_in_reward', 'algorithm.use_kl_in_reward'],
  ['algorithm.kl_ctrl.kl_coef', 'algorithm.kl_ctrl.kl_coef'],
  ['algorithm.filter_groups.enable', 'algorithm.filter_groups.enable'],
  ['algorithm.filter_groups.metric', 'algorithm.filter_groups.metric'],
  ['algorithm.filter_groups.max_num_gen_batches', 'algorithm.filter_groups.max_num_gen_batches'],
  ['algorithm.rollout_correction.rollout_is_threshold', 'algorithm.rollout_is_threshold'],
  ['algorithm.rollout_correction.rollout_is', 'algorithm.rollout_is_level'],
  ['actor_rollout_ref.actor.policy_loss.loss_mode', 'actor_rollout_ref.actor.policy_loss.loss_mode'],
  ['actor_rollout_ref.actor.clip_ratio_low', 'actor_rollout_ref.actor.clip_ratio_low'],
  ['actor_rollout_ref.actor.clip_ratio_high', 'actor_rollout_ref.actor.clip_ratio_high'],
  ['actor_rollout_ref.actor.clip_ratio_c', 'actor_rollout_ref.actor.clip_ratio_c'],
  ['actor_rollout_ref.actor.use_kl_loss', 'actor_rollout_ref.actor.use_kl_loss'],
  ['actor_rollout_ref.actor.kl_loss_coef', 'actor_rollout_ref.actor.kl_loss_coef'],
  ['actor_rollout_ref.actor.entropy_coeff', 'actor_rollout_ref.actor.entropy_coeff'],
  ['actor_rollout_ref.actor.loss_agg_mode', 'actor_rollout_ref.actor.loss_agg_mode'],
  ['actor_rollout_ref.actor.optim.lr', 'actor_rollout_ref.actor.optim.lr'],
  ['actor_rollout_ref.actor.optim.lr_warmup_steps', 'actor_rollout_ref.actor.optim.lr_warmup_steps'],
  ['actor_rollout_ref.actor.optim.weight_decay', 'actor_rollout_ref.actor.optim.weight_decay'],
  ['actor_rollout_ref.actor.optim.clip_grad', 'actor_rollout_ref.actor.optim.clip_grad'],
  ['actor_rollout_ref.actor.ppo_mini_batch_size', 'actor_rollout_ref.actor.ppo_mini_batch_size'],
  ['actor_rollout_ref.actor.ppo_epochs', 'actor_rollout_ref.actor.ppo_epochs'],
  ['actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu'],
  ['actor_rollout_ref.actor.ppo_max_token_len_per_gpu', 'actor_rollout_ref.actor.ppo_max_token_len_per_gpu'],
  ['actor_rollout_ref.rollout.n', 'actor_rollout_ref.rollout.n'],
  ['actor_rollout_ref.rollout.temperature', 'actor_rollout_ref.rollout.temperature'],
  ['actor_rollout_ref.rollout.top_p', 'actor_rollout_ref.rollout.top_p'],
  ['actor_rollout_ref.rollout.top_k', 'actor_rollout_ref.rollout.top_k'],
  ['actor_rollout_ref.rollout.max_model_len', 'actor_rollout_ref.rollout.max_model_len'],
  ['actor_rollout_ref.rollout.calculate_log_probs', 'actor_rollout_ref.rollout.calculate_log_probs'],
  ['data.train_batch_size', 'data.train_batch_size'],
  ['data.gen_batch_size', 'data.gen_batch_size'],
  ['data.max_prompt_length', 'data.max_prompt_length'],
  ['data.max_response_length', 'data.max_response_length'],
  ['data.truncation', 'data.truncation'],
  ['data.filter_overlong_prompts', 'data.filter_overlong_prompts'],
  ['reward.reward_manager.name', 'reward_model.reward_manager'],
  ['reward.reward_kwargs.overlong_buffer_cfg.enable', 'reward_model.reward_kwargs.overlong_buffer_cfg.enable'],
  ['reward.reward_kwargs.max_resp_len', 'reward_model.reward_kwargs.max_resp_len'],
  ['trainer.save_freq', 'trainer.save_freq'],
  ['trainer.total_epochs', 'trainer.total_epochs'],
  ['trainer.resume_mode', 'trainer.resume_mode'],
  ['trainer.max_actor_ckpt_to_keep', 'trainer.max_actor_ckpt_to_keep'],
  ['trainer.nnodes', 'trainer.nnodes'],
  ['trainer.n_gpus_per_node', 'trainer.n_gpus_per_node'],
  ['actor_rollout_ref.actor.megatron.tensor_model_parallel_size', 'actor_rollout_ref.actor.megatron.tensor_model_parallel_size'],
  ['actor_rollout_ref.actor.megatron.context_parallel_size', 'actor_rollout_ref.actor.megatron.context_parallel_size'],
  ['actor_rollout_ref.actor.megatron.expert_model_parallel_size', 'actor_rollout_ref.actor.megatron.expert_model_parallel_size'],
  ['actor_rollout_ref.ref.megatron.tensor_model_parallel_size', 'actor_rollout_ref.ref.megatron.tensor_model_parallel_size'],
  ['actor_rollout_ref.rollout.tensor_model_parallel_size', 'actor_rollout_ref.rollout.tensor_model_parallel_size'],
];

describe('cluster recipes', () => {
  it('registry has the three reference runs; unknown names list the valid ones', () => {
    expect(listRecipes().filter((l) => l.kind === 'recipe').map((l) => l.name).sort()).toEqual([...NAMES].sort());
    expect(() => getClusterRecipe('qwen3-8b')).toThrow(/unknown cluster recipe 'qwen3-8b' \(known: qwen3-30b-a3b-grpo, qwen3-4b-grpo, qwen3-4b-qwenlong-curriculum, qwen3-4b-tmn-reweight;/);
    expect(Object.isFrozen(getClusterRecipe('qwen3-4b-tmn-reweight').algorithm)).toBe(true);
  });

  for (const name of NAMES) {
    describe(name, () => {
      const recipe = getClusterRecipe(name);
      const ours = renderOverrides(recipe);
      const ref = asMap(REFERENCE_SCRIPTS[recipe.reference].overrides);
      const oursMap = asMap(ours);

      it('every override is schema-valid', () => {
        expect(validateOverrides(ours)).toEqual([]);
        expect(ours.length).toBeGreaterThan(130);
      });

      it('algorithm-relevant values equal the reference script’s', () => {
        for (const [o, r] of ALGORITHM_KEYS) {
          expect(oursMap.has(o), o).toBe(true);
          expect(ref.has(r), r).toBe(true);
          expect(oursMap.get(o), `${o} vs reference ${r}`).toBe(ref.get(r));
        }
        if (ref.has('algorithm.difficulty_smooth_alpha')) expect(oursMap.get('algorithm.difficulty_smooth_alpha')).toBe(ref.get('algorithm.difficulty_smooth_alpha'));
        else expect(oursMap.has('algorithm.difficulty_smooth_alpha')).toBe(false);
        expect(ref.get('algorithm.rollout_is')).toBe('true'); // the stale on/off flag we turned into rollout_is=token
      });

      it('diff against the reference: no changed values, no undocumented omissions', () => {
        const rows = diffAgainstReference(recipe);
        expect(rows.filter((r) => r.status === 'changed')).toEqual([]);
        expect(rows.filter((r) => r.status === 'reference-only' && r.note.includes('undocumented'))).toEqual([]);
        expect(rows.filter((r) => r.note.includes('VALUE DIFFERS'))).toEqual([]);
        // ours-only: only the new homes of stale keys would be here, and they are consumed; nothing else is extra
        expect(rows.filter((r) => r.status === 'ours-only').map((r) => r.key)).toEqual([]);
        expect(rows.filter((r) => r.status === 'same').length).toBeGreaterThan(110);
      });

      it('dry run matches test/cluster/golden/' + name + '.dryrun.txt', () => {
        const text = renderDryRun(recipe);
        expect(text).toContain(`schema: valid (${ours.length} overrides checked against verl@`);
        const file = join('test', 'cluster', 'golden', `${name}.dryrun.txt`);
        if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
        expect(text).toBe(readFileSync(file, 'utf8'));
      });

      it('the dry run’s shell-quoted command is exactly the argv when bash parses it', () => {
        const line = renderDryRun(recipe).split('\n').find((l) => l.startsWith('command (shell-quoted')) as string;
        const words = line.slice(line.indexOf('): ') + 3);
        const parsed = execFileSync('bash', ['-c', `printf '%s\\0' ${words}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
        expect(parsed).toEqual([...VERL_ENTRYPOINT, ...ours]);
      });

      it('JobSpec: verl entry point run in the verl dir (none by default), non-secret env, no secrets in argv', () => {
        const spec = recipeToJobSpec(recipe);
        expect(spec.payload).toMatchObject({ kind: 'verl', entrypoint: VERL_ENTRYPOINT });
        expect(spec.payload.workdir).toBeUndefined();
        expect(spec.resources).toMatchObject({ nodes: 16, gpusPerNode: 8 });
        expect(spec.env.NCCL_SOCKET_IFNAME).toBe('bond0');
        expect(Object.keys(spec.env)).not.toContain('WANDB_API_KEY');
        expect(JSON.stringify(spec)).not.toMatch(/WANDB/);
        expect(spec.secretEnv).toEqual([]); // the reference logs to console + tensorboard only
      });
    });
  }

  it('the literal reference values (GOLONGRL.md §C)', () => {
    const m = asMap(renderOverrides(getClusterRecipe('qwen3-4b-tmn-reweight')));
    const expected: Record<string, string> = {
      'algorithm.adv_estimator': 'tmn_grpo',
      'algorithm.difficulty_reweight': 'true',
      'algorithm.difficulty_smooth_alpha': '0.8',
      'actor_rollout_ref.actor.clip_ratio_low': '0.2',
      'actor_rollout_ref.actor.clip_ratio_high': '0.28',
      'actor_rollout_ref.actor.clip_ratio_c': '3',
      'actor_rollout_ref.rollout.n': '16',
      'data.train_batch_size': '128',
      'data.gen_batch_size': '512',
      'actor_rollout_ref.actor.ppo_mini_batch_size': '128',
      'data.max_prompt_length': '163840',
      'data.max_response_length': '16384',
      'actor_rollout_ref.actor.optim.lr': '0.000002',
      'actor_rollout_ref.actor.optim.lr_warmup_steps': '5',
      'actor_rollout_ref.actor.optim.weight_decay': '0.1',
      'trainer.save_freq': '5',
      'trainer.resume_mode': 'auto',
      'trainer.max_actor_ckpt_to_keep': '60',
      'algorithm.rollout_correction.rollout_is': 'token',
      'algorithm.rollout_correction.rollout_is_threshold': '5',
    };
    for (const [k, v] of Object.entries(expected)) expect(m.get(k), k).toBe(v);
    const moe = asMap(renderOverrides(getClusterRecipe('qwen3-30b-a3b-grpo')));
    expect([moe.get('actor_rollout_ref.actor.megatron.tensor_model_parallel_size'), moe.get('actor_rollout_ref.actor.megatron.expert_model_parallel_size')]).toEqual(['4', '4']);
    expect(moe.get('algorithm.adv_estimator')).toBe('grpo');
  });
});

describe('WANDB_API_KEY', () => {
  it('the reference passes its VALUE in argv as a Ray runtime env var; ours never does', () => {
    for (const s of Object.values(REFERENCE_SCRIPTS)) expect(s.overrides).toContain('+ray_kwargs.ray_init.runtime_env.env_vars.WANDB_API_KEY=${WANDB_API_KEY}');
    for (const name of NAMES) expect(renderOverrides(getClusterRecipe(name)).join('\n')).not.toMatch(/WANDB/);
  });

  it('with wandb logging on, it is a secret NAME in the JobSpec, and a real value never appears in the spec or dry run', () => {
    const r = deriveRecipe(getClusterRecipe('qwen3-4b-grpo'), { trainer: { logger: ['console', 'wandb'] } });
    expect(recipeSecretNames(r)).toEqual(['WANDB_API_KEY']);
    const secretValue = 'wandb-secret-0123456789abcdef';
    const secrets = loadSecretEnv(['WANDB_API_KEY'], { env: { WANDB_API_KEY: secretValue } });
    const spec = recipeToJobSpec(r);
    expect(spec.secretEnv).toEqual(['WANDB_API_KEY']);
    assertNoSecrets(spec, secrets, 'job spec');
    const dry = renderDryRun(r);
    assertNoSecrets(dry, secrets, 'dry run');
    expect(dry).toContain('secrets (names only; values come from the environment or a mode-0600 env file, never argv/scripts/logs): WANDB_API_KEY');
    // the check can fail: an artifact carrying the value is caught
    const payload = spec.payload;
    if (payload.kind !== 'verl') throw new Error('expected verl');
    expect(() => assertNoSecrets([...payload.overrides, `+x=${secretValue}`], secrets, 'argv')).toThrow(/argv contains the value of secret WANDB_API_KEY/);
  });
});

describe('rendering', () => {
  it('renders values the way Hydra parses them', () => {
    expect(renderValue(true)).toBe('True');
    expect(renderValue(null)).toBe('null');
    expect(renderValue(2e-6, true)).toBe('2e-6');
    expect(renderValue(3, true)).toBe('3.0');
    expect(renderValue(3)).toBe('3');
    expect(renderValue(0.28)).toBe('0.28');
    expect(renderValue(['console', 'tensorboard'])).toBe("['console','tensorboard']");
    expect(renderValue([])).toBe('[]');
    expect(renderValue('left')).toBe('left');
    expect(renderValue('/path/to/Qwen3-4B')).toBe('/path/to/Qwen3-4B');
    expect(renderValue('0')).toBe("'0'"); // a string that would parse as an int stays a string
    expect(renderValue('True')).toBe("'True'");
    expect(renderValue('/data/my run, v2/x.jsonl')).toBe("'/data/my run, v2/x.jsonl'");
    expect(renderValue("it's")).toBe("'it\\'s'");
    expect(renderValue('C:\\data\\x y')).toBe("'C:\\data\\x y'"); // a backslash not before a quote stays single
    expect(renderValue('a b\\')).toBe("'a b\\\\'"); // a trailing backslash is doubled
    expect(renderValue(1.5e-5)).toBe('1.5e-5');
    expect(renderValue('${HOME}/ckpts/x/')).toBe("'${oc.env:HOME}/ckpts/x/'");
  });

  it('user paths with special characters round-trip and stay valid', () => {
    const r = deriveRecipe(getClusterRecipe('qwen3-4b-grpo'), { paths: { model: '/models/Qwen3 4B (copy)', trainFile: '/d/a=b.jsonl' } });
    const m = new Map(renderOverrides(r).map((o) => [parseOverride(o).key, parseOverride(o).value as string]));
    expect(m.get('actor_rollout_ref.model.path')).toBe("'/models/Qwen3 4B (copy)'");
    expect(normaliseHydraValue(m.get('data.train_files') as string)).toBe('/d/a=b.jsonl');
  });

  it('options: nodes, steps, outDir and user overrides (validated; a user value replaces the recipe’s)', () => {
    const r = getClusterRecipe('qwen3-4b-grpo');
    const o = asMap(renderOverrides(r, { nodes: 2, gpusPerNode: 4, trainerSteps: 3, outDir: '/scratch/run1', overrides: ['trainer.save_freq=1', '+trainer.note=smoke'] }));
    expect(o.get('trainer.nnodes')).toBe('2');
    expect(o.get('trainer.n_gpus_per_node')).toBe('4');
    expect(o.get('actor_rollout_ref.rollout.agent.num_workers')).toBe('2');
    expect(o.get('trainer.total_training_steps')).toBe('3');
    expect(o.get('trainer.default_local_dir')).toBe('/scratch/run1/');
    expect(o.get('trainer.rollout_data_dir')).toBe('/scratch/run1/rollout_outputs');
    expect(o.get('trainer.save_freq')).toBe('1');
    expect(() => renderOverrides(r, { overrides: ['algorithm.rollout_is=true'] })).toThrow(SchemaValidationError);
    expect(() => renderOverrides(r, { overrides: ['algorithm.rollout_is=true'] })).toThrow(/rollout_correction/);
    expect(() => renderOverrides(r, { overrides: ['+trainer.save_freq=1'] })).toThrow(/already exists/);
  });

  it('an invalid recipe field makes rendering throw', () => {
    const r = deriveRecipe(getClusterRecipe('qwen3-4b-grpo'), { trainer: { saveFreq: Number.NaN } });
    expect(() => renderOverrides(r)).toThrow(/cannot render NaN/);
    const bad = deriveRecipe(getClusterRecipe('qwen3-4b-grpo'), { data: { truncation: 'sideways' as 'left' } });
    expect(renderOverrides(bad)).toContain('data.truncation=sideways'); // free strings pass (the schema has no enums)
    expect(loadVerlSchema().get('data.truncation')?.type).toBe('string');
  });
});

describe('local-trainer payload', () => {
  it('renders golongrl train with the recipe’s algorithm settings and says what it cannot honour', () => {
    const r = getClusterRecipe('qwen3-4b-tmn-reweight');
    const spec = recipeToJobSpec(r, { payload: 'local-trainer', trainerSteps: 2, outDir: 'runs/x' });
    expect(spec.payload).toEqual({
      kind: 'command',
      argv: ['node', 'bin/golongrl.mjs', 'train', '--recipe', 'tiny', '--estimator', 'tmn_grpo', '--difficulty-reweight', '--difficulty-alpha', '0.8', '--lr-warmup-steps', '5', '--weight-decay', '0.1', '--seed', '1', '--steps', '2', '--out', 'runs/x', '--resume', 'auto'],
      perNode: false,
    });
    expect(recipeToJobSpec(r, { payload: 'local-trainer' }).payload).toMatchObject({ argv: expect.arrayContaining(['sample-suite']) });
    const dry = renderDryRun(r, { payload: 'local-trainer', trainerSteps: 2 });
    expect(dry).toContain('NOT honoured by the local trainer:');
    expect(dry).toContain('lengths 163840/16384');
    expect(dry).toContain('parallelism TP/PP/CP/EP/ETP 8/1/8/1/1');
  });

  it('its argv runs: the real golongrl train accepts it (1 tiny step)', () => {
    const out = mkdtempSync(join(tmpdir(), 'cluster-local-'));
    const spec = recipeToJobSpec(getClusterRecipe('qwen3-4b-tmn-reweight'), { payload: 'local-trainer', trainerSteps: 1, outDir: out });
    if (spec.payload.kind !== 'command') throw new Error('expected a command payload');
    const [cmd, ...args] = spec.payload.argv;
    expect(cmd).toBe('node');
    const stdout = execFileSync(process.execPath, [...args, '--json'], { encoding: 'utf8', timeout: 170_000 });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(summary).toMatchObject({ recipe: 'tiny', estimator: 'tmn_grpo', final_step: 1, out });
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
  });
});
