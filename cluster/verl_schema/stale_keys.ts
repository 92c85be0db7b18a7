/**
 * Every override the three GoLongRL reference scripts (`Train/verl/examples/GoLongRL/*.sh`,
 * cluster/recipes/reference.ts) pass that the pinned fork's schema (cluster/verl_schema/keys.json) rejects,
 * what it became, and what our recipes do instead — found by validating the scripts' override lists
 * against the key list (test/cluster/verl_schema.test.ts asserts that this map is exactly that set).
 * GOLONGRL.md §B.4 names some of these; the validation found the rest.
 *
 * Two more lists: `MOVED_KEYS` (legacy keys the fork still accepts but migrates — we set the new key
 * directly) and `DROPPED_KEYS` (schema-valid reference overrides we leave out on purpose).
 * Source paths are in xiaoxuanNLP/GoLongRL at the commit in keys.json.
 */

export type StaleAction =
  /** Render the replacement key(s) instead, with the reference's value. */
  | 'map'
  /** Leave it out; `reason` says why that preserves (or cannot preserve) the reference's behaviour. */
  | 'drop'
  /** The key now exists in the schema: render it without the `+` the reference used. */
  | 'unplus';

export interface StaleKey {
  /** The key exactly as the reference passes it (with its `+` prefix when it had one). */
  reference: string;
  /** The reference's value (after shell expansion). */
  referenceValue: string;
  /** The schema key(s) it became, or [] when nothing replaces it. */
  became: readonly string[];
  action: StaleAction;
  /** Why, with the fork file(s) that show it. */
  reason: string;
}

const RC = 'Train/verl/verl/trainer/config/algorithm/rollout_correction.yaml, Train/verl/verl/trainer/config/algorithm.py (RolloutCorrectionConfig)';

export const STALE_KEYS: readonly StaleKey[] = [
  {
    reference: 'algorithm.rollout_is',
    referenceValue: 'true',
    became: ['algorithm.rollout_correction.rollout_is'],
    action: 'map',
    reason: `IS moved under algorithm.rollout_correction; the on/off flag and the level merged into one field (null | token | sequence). true + rollout_is_level=token → rollout_correction.rollout_is=token (${RC}).`,
  },
  {
    reference: 'algorithm.rollout_is_threshold',
    referenceValue: '5.0',
    became: ['algorithm.rollout_correction.rollout_is_threshold'],
    action: 'map',
    reason: `Same meaning (upper truncation of the IS weight; default 2.0, so the 5.0 must be set) (${RC}).`,
  },
  {
    reference: 'algorithm.rollout_is_level',
    referenceValue: 'token',
    became: ['algorithm.rollout_correction.rollout_is'],
    action: 'map',
    reason: `The level is now the value of rollout_correction.rollout_is (${RC}).`,
  },
  {
    reference: 'algorithm.rollout_is_mode',
    referenceValue: 'clip',
    became: [],
    action: 'drop',
    reason:
      'No mode field any more: IS weights are always truncated, weights.clamp(max=rollout_is_threshold) (Train/verl/verl/trainer/ppo/rollout_corr_helper.py); masking/rejection moved to algorithm.rollout_correction.rollout_rs, which we leave off (null) because rejecting tokens is not what "clip" did.',
  },
  {
    reference: 'algorithm.rollout_is_threshold_lower',
    referenceValue: '0.5',
    became: [],
    action: 'drop',
    reason:
      'No lower IS bound any more: the lower bound is fixed at 1/rollout_is_threshold and only used for the rollout_corr/* metrics (rollout_corr_helper.py compute_is_metrics). A lower ratio bound exists only for rejection sampling (rollout_rs=token_k1 with rollout_rs_threshold "lower_upper"), which masks tokens instead of clipping them — not added. [infer: with truncation-only IS, weights below 0.5 are kept as is]',
  },
  {
    reference: 'algorithm.rollout_is_veto_threshold',
    referenceValue: '1e-4',
    became: [],
    action: 'drop',
    reason:
      'The catastrophic-token veto was removed from the fork (no veto key or code in rollout_corr_helper.py / RolloutCorrectionConfig); sequence rejection is now the rollout_rs family, left off.',
  },
  {
    reference: 'actor_rollout_ref.rollout.update_weights_bucket_megabytes',
    referenceValue: '2048',
    became: ['actor_rollout_ref.rollout.checkpoint_engine.update_weights_bucket_megabytes'],
    action: 'map',
    reason: 'Weight sync moved into rollout.checkpoint_engine (CheckpointEngineConfig; Train/verl/verl/trainer/config/rollout/rollout.yaml). 2048 is also the new default; we set it explicitly.',
  },
  {
    reference: 'actor_rollout_ref.rollout.agent.buffer_capacity',
    referenceValue: '32',
    became: [],
    action: 'drop',
    reason:
      'AgentLoopConfig has only num_workers, default_agent_loop, agent_loop_config_path, custom_async_server (rollout/rollout.yaml `agent:`); nothing reads a buffer capacity. Performance-only (no effect on the algorithm).',
  },
  {
    reference: 'reward_model.launch_reward_fn_async',
    referenceValue: 'False',
    became: [],
    action: 'drop',
    reason:
      'Not in legacy_reward_impl.yaml: rewards now run in the reward loop (Train/verl/verl/experimental/reward_loop/reward_loop.py); only other recipes (fault_recover, spo, sppo) still read it. False was the old default, so dropping it keeps the behaviour.',
  },
  {
    reference: 'trainer.val_only',
    referenceValue: 'False',
    became: [],
    action: 'drop',
    reason:
      'ppo_trainer.yaml has trainer.val_only but ppo_megatron_trainer.yaml (the dapo_megatron_trainer base) does not; recipe/dapo/dapo_ray_trainer.py reads trainer.get("val_only", False), so leaving it out gives the reference\'s False.',
  },
  ...(['recompute_method', 'recompute_granularity', 'recompute_num_layers'] as const).map(
    (k): StaleKey => ({
      reference: `+actor_rollout_ref.actor.megatron.override_transformer_config.${k}`,
      referenceValue: { recompute_method: 'uniform', recompute_granularity: 'full', recompute_num_layers: '1' }[k],
      became: [`actor_rollout_ref.actor.megatron.override_transformer_config.${k}`],
      action: 'unplus',
      reason: `The key now exists (default null) in the megatron actor's override_transformer_config, so Hydra rejects '+' ("Could not append to config. An item is already at …"); set it without '+'. The ref inherits it through \${oc.select:actor_rollout_ref.actor.megatron.override_transformer_config,{}}.`,
    }),
  ),
];

/** Keys the fork still accepts but migrates (`migrate_legacy_reward_impl`, Train/verl/verl/experimental/reward_loop/reward_loop.py); we set the new key. */
export const MOVED_KEYS: readonly { reference: string; became: string; reason: string }[] = [
  { reference: 'reward_model.reward_manager', became: 'reward.reward_manager.name', reason: 'legacy reward_model.reward_manager is copied to reward.reward_manager.name (the dapo config already defaults it to dapo)' },
  ...['overlong_buffer_cfg.enable', 'overlong_buffer_cfg.len', 'overlong_buffer_cfg.penalty_factor', 'overlong_buffer_cfg.log', 'max_resp_len'].map((k) => ({
    reference: `+reward_model.reward_kwargs.${k}`,
    became: `reward.reward_kwargs.${k}`,
    reason: 'legacy reward_model.reward_kwargs is copied to reward.reward_kwargs; the dapo config declares reward.reward_kwargs, so the new key is schema-checked (no "+")',
  })),
];

/** Schema-valid reference overrides we leave out on purpose. */
export const DROPPED_KEYS: readonly { reference: string; reason: string }[] = [
  {
    reference: '+ray_kwargs.ray_init.runtime_env.env_vars.WANDB_API_KEY',
    reason: 'a SECRET in argv (the reference expands ${WANDB_API_KEY} into the command line, visible in ps, the shell trace of set -x and the tee\'d log); ours travels only through the job environment (JobSpec.secretEnv)',
  },
  { reference: '+ray_kwargs.ray_init.runtime_env.env_vars.WORK_DIR', reason: 'machine-specific ($HOME=$(pwd)); nothing in the fork reads WORK_DIR' },
  { reference: '+ray_kwargs.ray_init.runtime_env.env_vars.TIMESTAMP', reason: 'launch time; nothing in the fork reads TIMESTAMP' },
  {
    reference: '++reward_model.enable_reward_workers',
    reason: 'dead: migrate_legacy_reward_impl deletes config.reward_model after migrating a fixed set of fields, and this is not one of them',
  },
  { reference: '++reward_model.compute_in_agent_loop', reason: 'dead for the same reason as ++reward_model.enable_reward_workers' },
];
