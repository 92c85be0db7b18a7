/**
 * Evaluation of the LOCAL trainer's checkpoints (lib/train/checkpoint.ts layout) on the held-out sample
 * tasks — the embedded default that runs through the same watcher/DB loop as the six long-context
 * benchmarks, with no GPU, vLLM or judge.
 *
 * For `global_step_<N>/`: read the weights and `actor/extra_state.json` (recipe, seed), rebuild the
 * policy of that recipe (`makePolicy`; the variable names and shapes must match the checkpoint), and run
 * `evaluate` on `heldOutFor(config)` — the recipe's held-out prompts, fixed by its seed, never drawn for
 * training (tasks.ts `isHeldOutPrompt`) — twice: greedy decoding, and one temperature-1 sample per prompt
 * (the random stream fixed by the run's seed, as `golongrl train` reports `held_out_sample`). Result rows,
 * benchmark `sample-heldout`:
 *   - `<family>`: greedy mean reward over that family's held-out prompts (one per capability in the recipe),
 *   - `mean`: the unweighted greedy mean over families (trainer.ts `evaluate`),
 *   - `sampled/<family>`, `sampled/mean`: the same with sampled responses (issue 11 §5: a small policy's
 *     greedy output is often the same degenerate string, while its sampled score moves with training),
 *   - `n_prompts`: how many held-out prompts were scored (each once greedy, once sampled).
 *
 * Completeness: a step directory is complete when the files `expectedLocalFiles` lists all exist (the
 * trainer writes the directory under a temporary name and renames it, and writes the latest file last).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, stepDir } from '../train/checkpoint.js';
import { evaluate, getRecipe, heldOutFor, makePolicy, type TrainConfig } from '../train/trainer.js';
import type { ResultRow } from './results_db.js';

export const LOCAL_BENCHMARK = 'sample-heldout';
/** Metric-name prefix of the sampled (temperature-1) rows; the greedy rows keep their plain names. */
export const SAMPLED_PREFIX = 'sampled/';

/** Files (relative to global_step_N/) a complete local-trainer checkpoint has. */
export const LOCAL_CHECKPOINT_FILES = ['data.json', 'actor/model.json', 'actor/model.bin', 'actor/extra_state.json'] as const;

export function localCheckpointComplete(runDir: string, step: number): boolean {
  const dir = stepDir(runDir, step);
  return LOCAL_CHECKPOINT_FILES.every((f) => existsSync(join(dir, f)));
}

/** Is this run directory written by the local trainer (rather than verl)? */
export function isLocalCheckpoint(runDir: string, step: number): boolean {
  return existsSync(join(stepDir(runDir, step), 'actor', 'model.json'));
}

/** The training config a checkpoint was written with (recipe + seed from extra_state.json). */
export function configForCheckpoint(extra: Record<string, unknown>, where: string): TrainConfig {
  const recipe = extra.recipe;
  const seed = extra.seed;
  if (typeof recipe !== 'string') throw new Error(`${where}/actor/extra_state.json: field 'recipe' must be a string, got ${JSON.stringify(recipe)}`);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`${where}/actor/extra_state.json: field 'seed' must be an integer, got ${JSON.stringify(seed)}`);
  return { ...getRecipe(recipe), seed };
}

export interface LocalEvalOptions {
  /** Override the recipe's held-out prompts per family (fewer: faster). */
  promptsPerFamily?: number;
}

/** Evaluate one local checkpoint; returns the result rows (benchmark `sample-heldout`). */
export function evaluateLocalCheckpoint(runDir: string, step: number, opts: LocalEvalOptions = {}): ResultRow[] {
  const where = stepDir(runDir, step);
  if (!localCheckpointComplete(runDir, step)) throw new Error(`${where}: not a complete local-trainer checkpoint (needs ${LOCAL_CHECKPOINT_FILES.join(', ')})`);
  const ck = loadCheckpoint(runDir, step);
  const config = configForCheckpoint(ck.extra, where);
  if (opts.promptsPerFamily !== undefined) config.evalPromptsPerFamily = opts.promptsPerFamily;
  const policy = makePolicy(config);
  try {
    const names = policy.variableNames;
    if (ck.names.join('\0') !== names.join('\0')) throw new Error(`${where}: the checkpoint's variables do not match recipe '${config.recipe}' (${ck.names.length} vs ${names.length} variables)`);
    policy.setWeights(Object.fromEntries(names.map((n, i) => [n, ck.weights[i]])));
    const heldOut = heldOutFor(config);
    const scores = evaluate(policy, heldOut, { maxNewTokens: config.maxNewTokens, mode: 'greedy' });
    const sampled = evaluate(policy, heldOut, { maxNewTokens: config.maxNewTokens, mode: 'sample', seed: config.seed });
    const rows: ResultRow[] = Object.entries(scores).map(([metric, value]) => ({ benchmark: LOCAL_BENCHMARK, metric, value }));
    for (const [metric, value] of Object.entries(sampled)) rows.push({ benchmark: LOCAL_BENCHMARK, metric: `${SAMPLED_PREFIX}${metric}`, value });
    rows.push({ benchmark: LOCAL_BENCHMARK, metric: 'n_prompts', value: heldOut.length });
    return rows;
  } finally {
    policy.dispose();
  }
}
