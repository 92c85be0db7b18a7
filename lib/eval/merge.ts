/**
 * Turning a verl checkpoint into a Hugging Face model directory vLLM can serve (GOLONGRL.md §D,
 * `verl/model_merger/base_model_merger.py`):
 *
 *   python -m verl.model_merger merge --backend {fsdp,megatron} --local_dir <…/global_step_N/actor>
 *          --target_dir <out> [--tie-word-embedding] [--trust-remote-code]
 *
 * Not needed when `actor/huggingface/` already holds weights (GoLongRL's setting: use_dist_checkpointing
 * False + mbridge writes the model as HF safetensors there), i.e. any `*.safetensors` or
 * `pytorch_model*.bin` file. Otherwise the backend is `megatron` when `actor/dist_ckpt/` exists, `fsdp`
 * when `actor/model_world_size_*_rank_*.pt` shards exist. The merge runs as a JobSpec (one node, CPU is
 * enough: `--use_cpu_initialization` for Megatron), so it goes through the same cluster layer as the
 * evaluation jobs. verl is not installable here: tests check the generated argv against the documented
 * CLI only.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpec } from '../cluster/types.js';

/** Does this directory hold HF model weights? */
export function hfWeightsPresent(hfDir: string): boolean {
  if (!existsSync(hfDir)) return false;
  return readdirSync(hfDir).some((f) => f.endsWith('.safetensors') || /^pytorch_model.*\.bin$/.test(f));
}

export type MergePlan =
  | { needed: false; modelPath: string; reason: string }
  | { needed: true; backend: 'megatron' | 'fsdp'; localDir: string; targetDir: string; modelPath: string };

/**
 * What to serve for `global_step_N/` (`stepDir`): `actor/huggingface/` as is, or the merge target
 * (default `<stepDir>/actor/huggingface_merged`).
 */
export function planMerge(stepDir: string, targetDir = join(stepDir, 'actor', 'huggingface_merged')): MergePlan {
  const actor = join(stepDir, 'actor');
  const hf = join(actor, 'huggingface');
  if (hfWeightsPresent(hf)) return { needed: false, modelPath: hf, reason: 'actor/huggingface/ already holds model weights' };
  if (hfWeightsPresent(targetDir)) return { needed: false, modelPath: targetDir, reason: `already merged into ${targetDir}` };
  if (existsSync(join(actor, 'dist_ckpt'))) return { needed: true, backend: 'megatron', localDir: actor, targetDir, modelPath: targetDir };
  if (existsSync(actor) && readdirSync(actor).some((f) => /^model_world_size_\d+_rank_\d+\.pt$/.test(f))) return { needed: true, backend: 'fsdp', localDir: actor, targetDir, modelPath: targetDir };
  throw new Error(`${actor}: no model weights found (neither huggingface/*.safetensors, dist_ckpt/ nor FSDP shards)`);
}

export interface MergeJobOptions {
  /** Python interpreter on the cluster (default python3). */
  python?: string;
  tieWordEmbedding?: boolean;
  trustRemoteCode?: boolean;
  /** Working directory containing verl (GoLongRL: Train/verl). */
  workdir?: string;
  env?: Record<string, string>;
  partition?: string;
  account?: string;
  timeLimit?: string;
}

/** The merge as a JobSpec (argv, never a shell string). */
export function mergeJobSpec(plan: Extract<MergePlan, { needed: true }>, opts: MergeJobOptions = {}): JobSpec {
  const argv = [opts.python ?? 'python3', '-m', 'verl.model_merger', 'merge', '--backend', plan.backend, '--local_dir', plan.localDir, '--target_dir', plan.targetDir];
  if (opts.tieWordEmbedding) argv.push('--tie-word-embedding');
  if (opts.trustRemoteCode) argv.push('--trust-remote-code');
  if (plan.backend === 'megatron') argv.push('--use_cpu_initialization');
  return {
    name: `merge ${plan.localDir}`,
    payload: { kind: 'command', argv, ...(opts.workdir ? { workdir: opts.workdir } : {}) },
    resources: { nodes: 1, gpusPerNode: 0, ...(opts.partition ? { partition: opts.partition } : {}), ...(opts.account ? { account: opts.account } : {}), timeLimit: opts.timeLimit ?? '02:00:00' },
    env: { ...(opts.env ?? {}) },
    secretEnv: [],
    recipe: 'eval-merge',
  };
}
