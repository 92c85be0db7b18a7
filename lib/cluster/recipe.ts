/**
 * `ClusterRecipe`: one verl training launch, typed and grouped the way the GoLongRL reference scripts
 * group their settings (`Train/verl/examples/GoLongRL/*.sh` in xiaoxuanNLP/GoLongRL; GOLONGRL.md §C):
 * paths, model, data, rollout, actor/optim, algorithm, reward, trainer, megatron parallelism, resources,
 * env. Every hyperparameter those scripts pass has a field here; `lib/cluster/render.ts` turns a recipe into
 * the verl entry point plus one Hydra override per field, validated against the pinned fork's schema.
 *
 * Naming: camelCase fields, each documented with the verl key it renders to. Paths are user-set strings
 * (no secrets ever live in a recipe — only secret NAMES, in `env.secretEnv`). `${HOME}` in a path means the
 * job's $HOME at run time (rendered as OmegaConf's `${oc.env:HOME}`); the reference scripts set HOME=$(pwd).
 */

export type AdvEstimatorName = 'grpo' | 'tmn_grpo' | 'qwenlong_grpo' | (string & {});

export interface ClusterRecipe {
  /** Registry name, e.g. 'qwen3-4b-tmn-reweight'. */
  name: string;
  description: string;
  /** Name of the reference launch this recipe reproduces (cluster/recipes/reference.ts). */
  reference: string;
  /** trainer.project_name / trainer.experiment_name */
  projectName: string;
  experimentName: string;

  paths: {
    /**
     * Checkout of the GoLongRL verl fork's `Train/verl`; the job runs there. No default (a guess would send
     * a job to a directory that does not exist): set by `--verl-dir`, the recipe's `verl_dir` or
     * $GOLONGRL_VERL_DIR (lib/cluster/preflight.ts `resolveVerlDir`). Unset: the dry run says so and a real
     * verl submit stops with exit 2.
     */
    verlDir?: string;
    /** actor_rollout_ref.model.path (reference default '/path/to/Qwen3-4B'). */
    model: string;
    /** data.train_files / data.val_files (jsonl). */
    trainFile: string;
    testFile: string;
    /** trainer.default_local_dir and +data.filtered_cache_dir (reference: ${HOME}/ckpts/GoLongRL/<exp>/). */
    ckptDir: string;
    /** trainer.rollout_data_dir (reference: <ckptDir>rollout_outputs). */
    rolloutDataDir: string;
  };

  model: {
    /** actor_rollout_ref.model.trust_remote_code, data.trust_remote_code */
    trustRemoteCode: boolean;
    /** actor_rollout_ref.model.use_remove_padding */
    useRemovePadding: boolean;
    /** Human label for the local-trainer note ('Qwen3-4B', 'Qwen3-30B-A3B'). */
    label: string;
  };

  data: {
    /** data.train_batch_size (prompts per step) */
    trainBatchSize: number;
    /** data.gen_batch_size (prompts per generation batch, DAPO dynamic sampling) */
    genBatchSize: number;
    /** data.max_prompt_length (160K) / data.max_response_length (16K) */
    maxPromptLength: number;
    maxResponseLength: number;
    /** data.truncation */
    truncation: 'left' | 'right' | 'middle' | 'error';
    /** data.filter_overlong_prompts */
    filterOverlongPrompts: boolean;
    /** data.prompt_key, data.return_raw_chat, data.shuffle */
    promptKey: string;
    returnRawChat: boolean;
    shuffle: boolean;
    /** +data.use_filtered_cache / +data.rebuild_filtered_cache (fork-specific keys read by rl_dataset.py via .get) */
    useFilteredCache: boolean;
    rebuildFilteredCache: boolean;
  };

  rollout: {
    /** actor_rollout_ref.rollout.name / mode */
    engine: 'sglang' | 'vllm';
    mode: 'async' | 'sync';
    /** actor_rollout_ref.rollout.n (responses per prompt) */
    n: number;
    temperature: number;
    topP: number;
    topK: number;
    /** actor_rollout_ref.rollout.val_kwargs.* */
    val: { temperature: number; topP: number; topK: number; doSample: boolean; n: number };
    gpuMemoryUtilization: number;
    /** actor_rollout_ref.rollout.tensor_model_parallel_size (INFER_TP) */
    tensorParallelSize: number;
    /** actor_rollout_ref.rollout.max_model_len (= max prompt + max response in the reference) */
    maxModelLen: number;
    multiStageWakeUp: boolean;
    enableChunkedPrefill: boolean;
    freeCacheEngine: boolean;
    calculateLogProbs: boolean;
    /** actor_rollout_ref.rollout.multi_turn.max_assistant_turns */
    maxAssistantTurns: number;
    /** actor_rollout_ref.rollout.checkpoint_engine.update_weights_bucket_megabytes (reference: rollout.update_weights_bucket_megabytes) */
    updateWeightsBucketMegabytes: number;
    logProbUseDynamicBsz: boolean;
    logProbMaxTokenLenPerGpu: number;
    logProbMicroBatchSizePerGpu: number;
    /** actor_rollout_ref.rollout.agent.num_workers (reference: NUM_WORKER=$NODES) */
    agentNumWorkers: number;
    /** +actor_rollout_ref.rollout.engine_kwargs.sglang.* */
    sglang: {
      disableRadixCache: boolean;
      logLevel: string;
      disableCudaGraph: boolean;
      logRequests: boolean;
      logRequestsLevel: number;
      cudaGraphMaxBs: number;
      maxRunningRequests: number;
    };
  };

  actor: {
    /** actor_rollout_ref.actor.policy_loss.loss_mode */
    lossMode: 'vanilla' | (string & {});
    clipRatioLow: number;
    clipRatioHigh: number;
    /** dual-clip constant */
    clipRatioC: number;
    useKlLoss: boolean;
    klLossCoef: number;
    entropyCoeff: number;
    lossAggMode: 'token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-mean' | (string & {});
    ppoMiniBatchSize: number;
    ppoEpochs: number;
    ppoMicroBatchSizePerGpu: number;
    useDynamicBsz: boolean;
    /** (max prompt + max response) × micro batch / CP */
    ppoMaxTokenLenPerGpu: number;
    /** actor_rollout_ref.actor.load_weight / ref.load_weight */
    loadWeight: boolean;
    useTorchCompile: boolean;
    /** actor_rollout_ref.actor.optim.* (optim/megatron.yaml: Adam, lr_decay_style constant) */
    optim: { lr: number; lrWarmupSteps: number; weightDecay: number; clipGrad: number };
  };

  algorithm: {
    /** algorithm.adv_estimator (a name in lib/advantage's registry) */
    advEstimator: AdvEstimatorName;
    /** +algorithm.difficulty_reweight / +algorithm.difficulty_smooth_alpha (fork keys, read by ray_trainer.py via config.get) */
    difficultyReweight: boolean;
    /** Only rendered when set (the GRPO scripts do not pass it; the fork's default is 0.5). */
    difficultySmoothAlpha?: number;
    useKlInReward: boolean;
    /** algorithm.kl_ctrl.kl_coef */
    klCoef: number;
    /** algorithm.filter_groups.* (DAPO dynamic sampling) */
    filterGroups: { enable: boolean; metric: string; maxNumGenBatches: number };
    /**
     * algorithm.rollout_correction.* — what the reference's stale `algorithm.rollout_is*` keys became
     * (cluster/verl_schema/stale_keys.ts): IS level ('token') and the upper truncation threshold.
     */
    rolloutCorrection: { rolloutIs: 'token' | 'sequence' | null; rolloutIsThreshold: number };
  };

  reward: {
    /** reward_model.reward_manager (legacy key; migrate_legacy_reward_impl moves it to reward.reward_manager.name) */
    rewardManager: string;
    /** +reward_model.reward_kwargs.overlong_buffer_cfg.* (migrated to reward.reward_kwargs) */
    overlongBuffer: { enable: boolean; len: number; penaltyFactor: number; log: boolean };
    /** +reward_model.reward_kwargs.max_resp_len */
    maxRespLen: number;
  };

  trainer: {
    /** trainer.logger; 'wandb' here makes WANDB_API_KEY a required secret */
    logger: readonly string[];
    saveFreq: number;
    testFreq: number;
    totalEpochs: number;
    valBeforeTrain: boolean;
    resumeMode: 'auto' | 'disable' | 'resume_path';
    maxActorCkptToKeep: number;
    logValGenerations: number;
    /** global_profiler.steps */
    profileSteps: readonly number[];
  };

  /** actor_rollout_ref.{actor,ref}.megatron.* (actor = ref in all three scripts) */
  megatron: {
    tp: number;
    pp: number;
    cp: number;
    ep: number;
    etp: number;
    paramOffload: boolean;
    gradOffload: boolean;
    optimizerOffload: boolean;
    useMbridge: boolean;
    useDistCheckpointing: boolean;
    /** override_transformer_config.* */
    moeRouterDtype: string;
    recomputeMethod: string;
    recomputeGranularity: string;
    recomputeNumLayers: number;
    attentionBackend: string;
  };

  resources: {
    /** trainer.nnodes / trainer.n_gpus_per_node */
    nodes: number;
    gpusPerNode: number;
    cpusPerTask?: number;
    /** Scheduler settings (Slurm `#SBATCH --time/--partition/--account/--qos/--gres/--mem`). */
    timeLimit?: string;
    partition?: string;
    account?: string;
    qos?: string;
    /** e.g. 'gpu:8'; when set, the sbatch script asks `--gres` instead of `--gpus-per-node`. */
    gres?: string;
    memory?: string;
  };

  /**
   * Shell lines run on every node before Ray starts (module load, conda/venv activation); Slurm and
   * SkyPilot run them, the local backend does not (docs/cluster.md). The user's own commands, run as written.
   */
  setup?: readonly string[];

  /** Extra Hydra overrides carried by the recipe (YAML `overrides:`), validated like `--override`. */
  overrides?: readonly string[];

  /**
   * `golongrl_ids`: verl scores with GoLongRL's reward through `custom_reward_function.path` =
   * cluster/reward/golongrl_reward.py and `.name=compute_score` (lib/cluster/render.ts).
   */
  customReward?: 'golongrl_ids';

  env: {
    /** Non-secret Ray runtime env vars (+ray_kwargs.ray_init.runtime_env.env_vars.*; also the job's env). */
    rayEnvVars: Readonly<Record<string, string>>;
    /** Extra non-secret process env for the driver (PYTHONUNBUFFERED, HYDRA_FULL_ERROR…). */
    processEnv: Readonly<Record<string, string>>;
    /** Names of secrets the job needs besides WANDB_API_KEY (which `trainer.logger` containing 'wandb' adds). */
    secretEnv: readonly string[];
  };
}

/** Deep-partial, for deriving a recipe from a base. */
export type RecipePatch<T = ClusterRecipe> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? RecipePatch<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A new recipe: `base` with `patch` merged in (objects key by key, arrays and scalars replaced), deep-frozen. */
export function deriveRecipe(base: ClusterRecipe, patch: RecipePatch): ClusterRecipe {
  const merge = (a: unknown, b: unknown): unknown => {
    if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  };
  return deepFreeze(merge(base, patch) as ClusterRecipe);
}

export function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The secret names a recipe needs: its own list, plus WANDB_API_KEY when wandb logging is on. */
export function recipeSecretNames(r: ClusterRecipe): string[] {
  const names = [...r.env.secretEnv];
  if (r.trainer.logger.includes('wandb') && !names.includes('WANDB_API_KEY')) names.push('WANDB_API_KEY');
  return names;
}
