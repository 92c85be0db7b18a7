/**
 * Recipe → launch. `recipeToJobSpec` renders a `ClusterRecipe` (lib/cluster/recipe.ts) into a `JobSpec`
 * (lib/cluster/types.ts) with one of two payloads:
 *
 * - `verl`: `python3 -m recipe.dapo.main_dapo --config-name=dapo_megatron_trainer` run from the fork's
 *   `Train/verl` (GOLONGRL.md §C), one Hydra override per argv element, every override validated against
 *   the pinned fork's key list (cluster/verl_schema/keys.json) — rendering throws `SchemaValidationError`
 *   on any invalid override, user overrides included. Values are written the way Hydra parses them:
 *   booleans `True`/`False` (as the scripts), lists `[a,b]`, strings quoted `'…'` when they hold anything
 *   beyond `[A-Za-z0-9_-./+@%*?|]` or would otherwise parse as a number/bool/null (so env var values stay
 *   strings), `${HOME}` in paths → OmegaConf's `${oc.env:HOME}`.
 * - `local-trainer`: `node bin/golongrl.mjs train …` — the local CPU trainer standing in for verl on
 *   machines without GPUs; it carries only the algorithm settings lib/cli/train.ts supports.
 *
 * Secrets never appear here: the JobSpec carries secret NAMES (`secretEnv`) only.
 * `renderDryRun` is the human-readable form behind `golongrl submit RECIPE --dry-run`;
 * `diffAgainstReference` compares our overrides with the reference script's (cluster/recipes/reference.ts),
 * following the stale-key map (cluster/verl_schema/stale_keys.ts).
 */
import { REFERENCE_SCRIPTS } from '../../cluster/recipes/reference.js';
import { DROPPED_KEYS, MOVED_KEYS, STALE_KEYS } from '../../cluster/verl_schema/stale_keys.js';
import { recipeSecretNames, type ClusterRecipe } from './recipe.js';
import type { JobSpec } from './types.js';
import { loadVerlSchema, parseOverride, schemaPath, SchemaValidationError, staleHint, validateOverrides, type VerlSchema } from './verl_schema.js';
import { dirname, resolve } from 'node:path';

export type PayloadMode = 'verl' | 'local-trainer';

export interface RenderOptions {
  payload?: PayloadMode;
  nodes?: number;
  gpusPerNode?: number;
  /** verl: trainer.total_training_steps; local trainer: --steps. */
  trainerSteps?: number;
  /** verl: checkpoint dir (trainer.default_local_dir, +data.filtered_cache_dir, rollout dumps under it); local trainer: --out. */
  outDir?: string;
  /** Extra user overrides (verl payload), validated too; a user override replaces the recipe's for the same key. */
  overrides?: readonly string[];
  /** Schema to validate against (default: cluster/verl_schema/keys.json). */
  schema?: VerlSchema;
  /** `custom_reward: golongrl_ids`: the reward file's path (default: `golongrlRewardFile()`). */
  customRewardPath?: string;
}

/**
 * cluster/reward/golongrl_reward.py of this checkout, as an absolute path: what `custom_reward:
 * golongrl_ids` renders into `custom_reward_function.path`. It does not depend on the verl checkout; the
 * job reaches it where the checkout is shared with the nodes (docs/cluster.md).
 */
export function golongrlRewardFile(): string {
  return resolve(dirname(schemaPath()), '..', 'reward', 'golongrl_reward.py');
}

/** The overrides `custom_reward: golongrl_ids` adds (keys checked against the schema like all others). */
export function customRewardOverrides(path: string): string[] {
  return [`custom_reward_function.path=${renderValue(path)}`, 'custom_reward_function.name=compute_score'];
}

/** What the dry run says when no verl checkout directory is set. */
export const VERL_DIR_UNSET = 'NOT SET: pass --verl-dir DIR, set verl_dir in the recipe or $GOLONGRL_VERL_DIR';

export const VERL_ENTRYPOINT: readonly string[] = Object.freeze(['python3', '-m', 'recipe.dapo.main_dapo', '--config-name=dapo_megatron_trainer']);

/** Up to this many steps the local-trainer payload uses the `tiny` recipe (seconds), beyond it `sample-suite`. */
export const LOCAL_TINY_MAX_STEPS = 12;

// ───────────────────────────── Hydra values ─────────────────────────────

export type HydraScalar = string | number | boolean | null;
export type HydraValue = HydraScalar | readonly HydraScalar[];

const BARE = /^[A-Za-z0-9_\-./+@%*?|]+$/;
const LOOKS_TYPED = /^([+-]?(\d[\d_]*(\.\d*)?([eE][+-]?\d+)?|\.\d+)|true|false|null|inf|nan|[+-]inf)$/i;

/**
 * Hydra's single-quoted string: a quote is escaped as \', and backslashes are doubled only where they
 * precede a quote or the closing quote (other backslashes are literal — facebookresearch/hydra#1600).
 */
function quote(s: string): string {
  return `'${s.replace(/(\\*)('|$)/g, (_m, bs: string, q: string) => bs + bs + (q ? "\\'" : ''))}'`;
}

/** Paths: `${HOME}` (the scripts' shell variable) → OmegaConf's env resolver, resolved by verl at run time. */
function envInterp(s: string): string {
  return s.replace(/\$\{(HOME|USER)\}/g, '${oc.env:$1}');
}

export function formatNumber(n: number, float = false): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot render ${n} as a Hydra number`);
  if (Number.isInteger(n)) return float ? `${n}.0` : String(n);
  if (Math.abs(n) < 1e-3) return n.toExponential(); // 2e-6, as the scripts write it
  return String(n);
}

export function renderValue(v: HydraValue, float = false): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return formatNumber(v, float);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? quote(x) : renderValue(x))).join(',')}]`;
  const s = envInterp(v as string);
  return BARE.test(s) && !LOOKS_TYPED.test(s) ? s : quote(s);
}

// ───────────────────────────── recipe → overrides ─────────────────────────────

interface Ov {
  prefix: '' | '+' | '++';
  key: string;
  value: HydraValue;
}

function recipeOverrideList(r: ClusterRecipe, o: RenderOptions): Ov[] {
  const out: Ov[] = [];
  const set = (key: string, value: HydraValue | undefined, prefix: Ov['prefix'] = '') => {
    if (value !== undefined) out.push({ prefix, key, value });
  };
  const nodes = o.nodes ?? r.resources.nodes;
  const gpus = o.gpusPerNode ?? r.resources.gpusPerNode;
  const ckpt = o.outDir !== undefined ? (o.outDir.endsWith('/') ? o.outDir : o.outDir + '/') : r.paths.ckptDir;
  const rolloutDir = o.outDir !== undefined ? `${ckpt}rollout_outputs` : r.paths.rolloutDataDir;

  for (const [k, v] of Object.entries(r.env.rayEnvVars)) set(`ray_kwargs.ray_init.runtime_env.env_vars.${k}`, v, '+');
  const a = r.algorithm;
  set('algorithm.adv_estimator', a.advEstimator);
  set('algorithm.use_kl_in_reward', a.useKlInReward);
  set('algorithm.kl_ctrl.kl_coef', a.klCoef);
  set('algorithm.filter_groups.enable', a.filterGroups.enable);
  set('algorithm.filter_groups.metric', a.filterGroups.metric);
  set('algorithm.filter_groups.max_num_gen_batches', a.filterGroups.maxNumGenBatches);
  set('algorithm.rollout_correction.rollout_is', a.rolloutCorrection.rolloutIs);
  set('algorithm.rollout_correction.rollout_is_threshold', a.rolloutCorrection.rolloutIsThreshold);
  const d = r.data;
  set('data.train_files', r.paths.trainFile);
  set('data.val_files', r.paths.testFile);
  set('data.return_raw_chat', d.returnRawChat);
  set('data.trust_remote_code', r.model.trustRemoteCode);
  set('data.shuffle', d.shuffle);
  set('data.filtered_cache_dir', ckpt, '+');
  set('data.use_filtered_cache', d.useFilteredCache, '+');
  set('data.rebuild_filtered_cache', d.rebuildFilteredCache, '+');
  set('data.gen_batch_size', d.genBatchSize);
  set('data.train_batch_size', d.trainBatchSize);
  set('data.max_prompt_length', d.maxPromptLength);
  set('data.max_response_length', d.maxResponseLength);
  set('data.truncation', d.truncation);
  set('data.prompt_key', d.promptKey);
  set('data.filter_overlong_prompts', d.filterOverlongPrompts);
  const m = r.megatron;
  set('actor_rollout_ref.actor.megatron.use_mbridge', m.useMbridge);
  set('actor_rollout_ref.model.path', r.paths.model);
  set('actor_rollout_ref.model.trust_remote_code', r.model.trustRemoteCode);
  set('actor_rollout_ref.model.use_remove_padding', r.model.useRemovePadding);
  const ac = r.actor;
  set('actor_rollout_ref.actor.policy_loss.loss_mode', ac.lossMode);
  set('actor_rollout_ref.actor.clip_ratio_c', ac.clipRatioC);
  set('actor_rollout_ref.actor.clip_ratio_low', ac.clipRatioLow);
  set('actor_rollout_ref.actor.clip_ratio_high', ac.clipRatioHigh);
  set('actor_rollout_ref.actor.use_kl_loss', ac.useKlLoss);
  set('actor_rollout_ref.actor.kl_loss_coef', ac.klLossCoef);
  set('actor_rollout_ref.actor.entropy_coeff', ac.entropyCoeff);
  set('actor_rollout_ref.actor.loss_agg_mode', ac.lossAggMode);
  set('actor_rollout_ref.actor.optim.lr', ac.optim.lr);
  set('actor_rollout_ref.actor.optim.lr_warmup_steps', ac.optim.lrWarmupSteps);
  set('actor_rollout_ref.actor.optim.weight_decay', ac.optim.weightDecay);
  set('actor_rollout_ref.actor.optim.clip_grad', ac.optim.clipGrad);
  set('actor_rollout_ref.actor.ppo_mini_batch_size', ac.ppoMiniBatchSize);
  set('actor_rollout_ref.actor.ppo_epochs', ac.ppoEpochs);
  set('actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', ac.ppoMicroBatchSizePerGpu);
  set('actor_rollout_ref.actor.use_dynamic_bsz', ac.useDynamicBsz);
  set('actor_rollout_ref.actor.ppo_max_token_len_per_gpu', ac.ppoMaxTokenLenPerGpu);
  set('actor_rollout_ref.actor.load_weight', ac.loadWeight);
  set('actor_rollout_ref.ref.load_weight', ac.loadWeight);
  const ro = r.rollout;
  set('actor_rollout_ref.rollout.name', ro.engine);
  set('actor_rollout_ref.rollout.mode', ro.mode);
  set('actor_rollout_ref.rollout.n', ro.n);
  set('actor_rollout_ref.rollout.multi_turn.max_assistant_turns', ro.maxAssistantTurns);
  set('actor_rollout_ref.rollout.gpu_memory_utilization', ro.gpuMemoryUtilization);
  set('actor_rollout_ref.rollout.tensor_model_parallel_size', ro.tensorParallelSize);
  set('actor_rollout_ref.rollout.multi_stage_wake_up', ro.multiStageWakeUp);
  set('actor_rollout_ref.rollout.max_model_len', ro.maxModelLen);
  set('actor_rollout_ref.rollout.temperature', ro.temperature);
  set('actor_rollout_ref.rollout.top_p', ro.topP);
  set('actor_rollout_ref.rollout.top_k', ro.topK);
  set('actor_rollout_ref.rollout.val_kwargs.temperature', ro.val.temperature);
  set('actor_rollout_ref.rollout.val_kwargs.top_p', ro.val.topP);
  set('actor_rollout_ref.rollout.val_kwargs.top_k', ro.val.topK);
  set('actor_rollout_ref.rollout.val_kwargs.do_sample', ro.val.doSample);
  set('actor_rollout_ref.rollout.val_kwargs.n', ro.val.n);
  set('actor_rollout_ref.rollout.enable_chunked_prefill', ro.enableChunkedPrefill);
  set('actor_rollout_ref.rollout.free_cache_engine', ro.freeCacheEngine);
  set('actor_rollout_ref.rollout.calculate_log_probs', ro.calculateLogProbs);
  set('actor_rollout_ref.rollout.checkpoint_engine.update_weights_bucket_megabytes', ro.updateWeightsBucketMegabytes);
  set('actor_rollout_ref.rollout.log_prob_use_dynamic_bsz', ro.logProbUseDynamicBsz);
  set('actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu', ro.logProbMaxTokenLenPerGpu);
  set('actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', ro.logProbMicroBatchSizePerGpu);
  set('actor_rollout_ref.rollout.agent.num_workers', o.nodes ?? ro.agentNumWorkers);
  set('algorithm.difficulty_reweight', a.difficultyReweight, '+');
  set('algorithm.difficulty_smooth_alpha', a.difficultySmoothAlpha, '+');
  const sg = ro.sglang;
  const eng = 'actor_rollout_ref.rollout.engine_kwargs.sglang';
  set(`${eng}.disable_radix_cache`, sg.disableRadixCache, '+');
  set(`${eng}.log_level`, sg.logLevel, '+');
  set(`${eng}.disable_cuda_graph`, sg.disableCudaGraph, '+');
  set(`${eng}.log_requests`, sg.logRequests, '+');
  set(`${eng}.log_requests_level`, sg.logRequestsLevel, '+');
  set(`${eng}.cuda_graph_max_bs`, sg.cudaGraphMaxBs, '+');
  set(`${eng}.max_running_requests`, sg.maxRunningRequests, '+');
  const rw = r.reward;
  set('reward.reward_manager.name', rw.rewardManager);
  set('reward.reward_kwargs.overlong_buffer_cfg.enable', rw.overlongBuffer.enable);
  set('reward.reward_kwargs.overlong_buffer_cfg.len', rw.overlongBuffer.len);
  set('reward.reward_kwargs.overlong_buffer_cfg.penalty_factor', rw.overlongBuffer.penaltyFactor);
  set('reward.reward_kwargs.overlong_buffer_cfg.log', rw.overlongBuffer.log);
  set('reward.reward_kwargs.max_resp_len', rw.maxRespLen);
  for (const role of ['actor', 'ref'] as const) {
    const p = `actor_rollout_ref.${role}.megatron`;
    set(`${p}.pipeline_model_parallel_size`, m.pp);
    set(`${p}.context_parallel_size`, m.cp);
    set(`${p}.tensor_model_parallel_size`, m.tp);
    set(`${p}.expert_model_parallel_size`, m.ep);
    set(`${p}.expert_tensor_parallel_size`, m.etp);
    set(`${p}.param_offload`, m.paramOffload);
    set(`${p}.optimizer_offload`, m.optimizerOffload);
    set(`${p}.grad_offload`, m.gradOffload);
    set(`${p}.use_dist_checkpointing`, m.useDistCheckpointing);
    if (role === 'actor') {
      const t = `${p}.override_transformer_config`;
      set(`${t}.moe_router_dtype`, m.moeRouterDtype, '+');
      set(`${t}.recompute_method`, m.recomputeMethod);
      set(`${t}.recompute_granularity`, m.recomputeGranularity);
      set(`${t}.recompute_num_layers`, m.recomputeNumLayers);
      set(`${t}.attention_backend`, m.attentionBackend);
    }
  }
  const t = r.trainer;
  set('global_profiler.steps', t.profileSteps);
  set('trainer.logger', t.logger);
  set('trainer.project_name', r.projectName);
  set('trainer.experiment_name', r.experimentName);
  set('trainer.n_gpus_per_node', gpus);
  set('trainer.nnodes', nodes);
  set('trainer.val_before_train', t.valBeforeTrain);
  set('trainer.test_freq', t.testFreq);
  set('trainer.save_freq', t.saveFreq);
  set('trainer.total_epochs', t.totalEpochs);
  if (o.trainerSteps !== undefined) set('trainer.total_training_steps', o.trainerSteps);
  set('trainer.default_hdfs_dir', null);
  set('trainer.default_local_dir', ckpt);
  set('trainer.rollout_data_dir', rolloutDir);
  set('trainer.resume_mode', t.resumeMode);
  set('trainer.max_actor_ckpt_to_keep', t.maxActorCkptToKeep);
  set('trainer.log_val_generations', t.logValGenerations);
  set('actor_rollout_ref.actor.use_torch_compile', ac.useTorchCompile);
  set('actor_rollout_ref.ref.use_torch_compile', ac.useTorchCompile);
  return out;
}

/** The verl overrides for a recipe (schema-validated; throws `SchemaValidationError`). */
export function renderOverrides(recipe: ClusterRecipe, opts: RenderOptions = {}): string[] {
  const schema = opts.schema ?? loadVerlSchema();
  const ovs = recipeOverrideList(recipe, opts);
  const rendered = ovs.map((o) => {
    const slot = schema.get(o.key);
    return `${o.prefix}${o.key}=${renderValue(o.value, slot?.type === 'float')}`;
  });
  // Later wins for the same key: recipe fields < custom reward < the recipe's `overrides:` < --override.
  const keyOf = (u: string) => {
    try {
      return parseOverride(u).key;
    } catch {
      return undefined; // reported by validateOverrides below
    }
  };
  const layers: (readonly string[])[] = [
    rendered,
    recipe.customReward === 'golongrl_ids' ? customRewardOverrides(opts.customRewardPath ?? golongrlRewardFile()) : [],
    recipe.overrides ?? [],
    opts.overrides ?? [],
  ];
  let all: string[] = [];
  for (const layer of layers) {
    const keys = new Set(layer.map(keyOf).filter((k) => k !== undefined));
    all = [...all.filter((s) => { const k = keyOf(s); return k === undefined || !keys.has(k); }), ...layer];
  }
  const errors = validateOverrides(all, { schema, staleHint });
  if (errors.length) throw new SchemaValidationError(errors, schema.commit);
  return all;
}

function localTrainerArgv(r: ClusterRecipe, o: RenderOptions): string[] {
  const tiny = o.trainerSteps !== undefined && o.trainerSteps <= LOCAL_TINY_MAX_STEPS;
  const a = r.algorithm;
  const argv = ['node', 'bin/golongrl.mjs', 'train', '--recipe', tiny ? 'tiny' : 'sample-suite', '--estimator', a.advEstimator];
  if (a.difficultyReweight) argv.push('--difficulty-reweight');
  if (a.difficultySmoothAlpha !== undefined) argv.push('--difficulty-alpha', String(a.difficultySmoothAlpha));
  argv.push('--lr-warmup-steps', String(r.actor.optim.lrWarmupSteps), '--weight-decay', String(r.actor.optim.weightDecay));
  argv.push('--seed', '1');
  if (o.trainerSteps !== undefined) argv.push('--steps', String(o.trainerSteps));
  argv.push('--out', o.outDir ?? `runs/cluster-${r.name}`);
  argv.push('--resume', r.trainer.resumeMode === 'auto' ? 'auto' : 'disable');
  return argv;
}

/** What the local trainer does not honour of a recipe (said in the dry run). */
export function localTrainerGaps(r: ClusterRecipe): string[] {
  return [
    `model ${r.model.label} (the local trainer trains a tiny tfjs transformer on the SYNTHETIC 9-family suite, not GoLongRL data)`,
    `lengths ${r.data.maxPromptLength}/${r.data.maxResponseLength} tokens (local recipe lengths are a few tokens)`,
    `parallelism TP/PP/CP/EP/ETP ${r.megatron.tp}/${r.megatron.pp}/${r.megatron.cp}/${r.megatron.ep}/${r.megatron.etp}, rollout TP ${r.rollout.tensorParallelSize}, ${r.resources.nodes}×${r.resources.gpusPerNode} GPUs (one process)`,
    `batch sizes ${r.data.trainBatchSize}/${r.data.genBatchSize}/${r.actor.ppoMiniBatchSize} and n=${r.rollout.n} (the local recipe's own)`,
    `lr ${r.actor.optim.lr} (the local recipe's own; warm-up ${r.actor.optim.lrWarmupSteps} and weight decay ${r.actor.optim.weightDecay} ARE passed)`,
    `save_freq ${r.trainer.saveFreq}, max_actor_ckpt_to_keep ${r.trainer.maxActorCkptToKeep} (the local recipe's own)`,
    `rollout IS (${r.algorithm.rolloutCorrection.rolloutIs ?? 'off'} @ ${r.algorithm.rolloutCorrection.rolloutIsThreshold}) — no separate rollout engine, so no mismatch to correct`,
    `${r.rollout.engine} engine settings, offload/recompute, max_num_gen_batches ${r.algorithm.filterGroups.maxNumGenBatches}`,
  ];
}

export function recipeToJobSpec(recipe: ClusterRecipe, opts: RenderOptions = {}): JobSpec {
  const payload = opts.payload ?? 'verl';
  const rr = recipe.resources;
  const resources = {
    nodes: opts.nodes ?? rr.nodes,
    gpusPerNode: opts.gpusPerNode ?? rr.gpusPerNode,
    ...(rr.cpusPerTask !== undefined ? { cpusPerTask: rr.cpusPerTask } : {}),
    ...(rr.timeLimit !== undefined ? { timeLimit: rr.timeLimit } : {}),
    ...(rr.partition !== undefined ? { partition: rr.partition } : {}),
    ...(rr.account !== undefined ? { account: rr.account } : {}),
    ...(rr.qos !== undefined ? { qos: rr.qos } : {}),
    ...(rr.gres !== undefined ? { gres: rr.gres } : {}),
    ...(rr.memory !== undefined ? { memory: rr.memory } : {}),
  };
  const setup = recipe.setup && recipe.setup.length > 0 ? { setup: [...recipe.setup] } : {};
  if (payload === 'local-trainer') {
    return {
      name: recipe.experimentName,
      payload: { kind: 'command', argv: localTrainerArgv(recipe, opts), perNode: false },
      resources: { ...resources, nodes: 1, gpusPerNode: 0 },
      env: {},
      secretEnv: [],
      recipe: recipe.name,
      ...setup,
    };
  }
  if (payload !== 'verl') throw new Error(`unknown payload '${payload as string}' (known: verl, local-trainer)`);
  return {
    name: recipe.experimentName,
    payload: { kind: 'verl', entrypoint: [...VERL_ENTRYPOINT], overrides: renderOverrides(recipe, opts), ...(recipe.paths.verlDir !== undefined ? { workdir: recipe.paths.verlDir } : {}) },
    resources,
    env: { ...recipe.env.processEnv, ...recipe.env.rayEnvVars },
    secretEnv: recipeSecretNames(recipe),
    recipe: recipe.name,
    ...setup,
  };
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_\-./=:@%+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderDryRun(recipe: ClusterRecipe, opts: RenderOptions = {}): string {
  const spec = recipeToJobSpec(recipe, opts);
  const ref = REFERENCE_SCRIPTS[recipe.reference];
  const L: string[] = [];
  L.push(`recipe ${recipe.name} — ${recipe.description}`);
  if (ref) L.push(`reference: ${ref.source} (xiaoxuanNLP/GoLongRL@${ref.commit.slice(0, 12)})`);
  L.push(`resources: ${spec.resources.nodes} node(s) × ${spec.resources.gpusPerNode} GPU(s)`);
  const sr = spec.resources;
  const sched = (
    [
      ['partition', sr.partition],
      ['account', sr.account],
      ['time', sr.timeLimit],
      ['qos', sr.qos],
      ['gres', sr.gres],
      ['cpus-per-task', sr.cpusPerTask],
      ['mem', sr.memory],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (sched.length) L.push(`scheduler: ${sched.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (spec.setup?.length) L.push(`setup (run on every node before Ray/the payload starts): ${spec.setup.join(' ; ')}`);
  if (spec.payload.kind === 'command') {
    L.push(`payload: local-trainer (stands in for verl where there are no GPUs; recipe '${spec.payload.argv[4]}' ${opts.trainerSteps !== undefined && opts.trainerSteps <= LOCAL_TINY_MAX_STEPS ? `because --steps ≤ ${LOCAL_TINY_MAX_STEPS}` : ''})`.replace(' )', ')'));
    L.push(`command: ${spec.payload.argv.map(shellWord).join(' ')}`);
    L.push(`honoured: estimator ${recipe.algorithm.advEstimator}, difficulty reweight ${recipe.algorithm.difficultyReweight}${recipe.algorithm.difficultySmoothAlpha !== undefined ? ` (α ${recipe.algorithm.difficultySmoothAlpha})` : ''}, lr warm-up ${recipe.actor.optim.lrWarmupSteps} steps, weight decay ${recipe.actor.optim.weightDecay}, dynamic sampling, clip ratios ${recipe.actor.clipRatioLow}/${recipe.actor.clipRatioHigh}/${recipe.actor.clipRatioC} (lib/train/loss.ts), resume ${recipe.trainer.resumeMode}`);
    L.push('NOT honoured by the local trainer:');
    for (const g of localTrainerGaps(recipe)) L.push(`  - ${g}`);
    L.push('secrets: none');
    return L.join('\n') + '\n';
  }
  const schema = opts.schema ?? loadVerlSchema();
  const wd = spec.payload.workdir ?? VERL_DIR_UNSET;
  L.push(`payload: verl (workdir ${wd})`);
  L.push(`entrypoint: ${spec.payload.entrypoint.join(' ')}`);
  L.push(`overrides (${spec.payload.overrides.length}, one argv element each):`);
  for (const o of spec.payload.overrides) L.push(`  ${o}`);
  L.push(`command (shell-quoted, run in ${wd}): ${[...spec.payload.entrypoint, ...spec.payload.overrides].map(shellWord).join(' ')}`);
  L.push(`env (names; non-secret values are in the job spec): ${Object.keys(spec.env).sort().join(', ')}`);
  L.push(
    `secrets (names only; values come from the environment or a mode-0600 env file, never argv/scripts/logs): ${spec.secretEnv.length ? spec.secretEnv.join(', ') : 'none (trainer.logger has no wandb)'}`,
  );
  L.push('stale reference keys (cluster/verl_schema/stale_keys.ts):');
  for (const s of STALE_KEYS) L.push(`  ${s.reference}=${s.referenceValue} → ${s.became.length ? s.became.join(', ') : '(none)'} [${s.action}]`);
  L.push('reference overrides left out on purpose:');
  for (const d of DROPPED_KEYS) L.push(`  ${d.reference}: ${d.reason}`);
  L.push(`schema: valid (${spec.payload.overrides.length} overrides checked against verl@${schema.commit.slice(0, 12)})`);
  return L.join('\n') + '\n';
}

// ───────────────────────────── diff against the reference ─────────────────────────────

export interface ReferenceDiffRow {
  key: string;
  ours: string | null;
  reference: string | null;
  status: 'same' | 'changed' | 'stale-mapped' | 'ours-only' | 'reference-only';
  note: string;
}

/** A Hydra value as Hydra would read it, for comparison: unquoted, bools lower-case, numbers canonical, `${oc.env:HOME}` → `${HOME}`. */
export function normaliseHydraValue(v: string): string {
  let s = v.trim();
  if (s.startsWith('[') && s.endsWith(']'))
    return `[${s
      .slice(1, -1)
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '')
      .map(normaliseHydraValue)
      .join(',')}]`;
  if ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"'))) s = s.slice(1, -1).replace(/\\(['"\\])/g, '$1');
  s = s.replace(/\$\{oc\.env:(\w+)\}/g, '${$1}');
  if (/^(true|false)$/i.test(s)) return s.toLowerCase();
  if (/^[+-]?(\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+)$/.test(s)) return String(Number(s));
  return s;
}

export function diffAgainstReference(recipe: ClusterRecipe): ReferenceDiffRow[] {
  const ref = REFERENCE_SCRIPTS[recipe.reference];
  if (!ref) throw new Error(`recipe '${recipe.name}': no reference script '${recipe.reference}' in cluster/recipes/reference.ts`);
  const ours = new Map<string, string>();
  for (const o of renderOverrides(recipe)) {
    const p = parseOverride(o);
    ours.set(p.key, p.value ?? '');
  }
  const used = new Set<string>();
  const rows: ReferenceDiffRow[] = [];
  for (const raw of ref.overrides) {
    const p = parseOverride(raw);
    const refVal = p.value ?? '';
    const stale = STALE_KEYS.find((s) => s.reference.replace(/^\+\+?/, '') === p.key);
    const moved = MOVED_KEYS.find((s) => s.reference.replace(/^\+\+?/, '') === p.key);
    const dropped = DROPPED_KEYS.find((s) => s.reference.replace(/^\+\+?/, '') === p.key);
    if (stale) {
      const target = stale.became[0];
      const v = target !== undefined ? (ours.get(target) ?? null) : null;
      if (target !== undefined) used.add(target);
      rows.push({ key: raw.split('=')[0], ours: v === null ? null : `${target}=${v}`, reference: refVal, status: 'stale-mapped', note: `${stale.action}: ${stale.reason}` });
    } else if (moved) {
      const v = ours.get(moved.became) ?? null;
      used.add(moved.became);
      const same = v !== null && normaliseHydraValue(v) === normaliseHydraValue(refVal);
      rows.push({ key: raw.split('=')[0], ours: v === null ? null : `${moved.became}=${v}`, reference: refVal, status: 'stale-mapped', note: `moved (${moved.reason})${same ? '' : ' — VALUE DIFFERS'}` });
    } else if (dropped) {
      rows.push({ key: raw.split('=')[0], ours: null, reference: p.key.endsWith('WANDB_API_KEY') ? '<secret>' : refVal, status: 'reference-only', note: dropped.reason });
    } else if (ours.has(p.key)) {
      used.add(p.key);
      const v = ours.get(p.key) as string;
      const same = normaliseHydraValue(v) === normaliseHydraValue(refVal);
      rows.push({ key: p.key, ours: v, reference: refVal, status: same ? 'same' : 'changed', note: same ? '' : 'value differs from the reference' });
    } else {
      rows.push({ key: raw.split('=')[0], ours: null, reference: refVal, status: 'reference-only', note: 'not rendered by our recipe (undocumented — a test fails on this)' });
    }
  }
  for (const [k, v] of ours) if (!used.has(k)) rows.push({ key: k, ours: v, reference: null, status: 'ours-only', note: '' });
  return rows;
}
