/**
 * `golongrl train` — one local GRPO training run on the synthetic suite (lib/train/trainer.ts):
 * a progress line, the backend that ran, metrics JSONL + checkpoints under --out, a final summary
 * and held-out per-family scores.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listAdvEstimators } from '../advantage/index.js';
import { selectBackend, type BackendName } from '../train/backend.js';
import { evaluate, getRecipe, heldOutFor, train, TRAIN_RECIPES, type TrainConfig } from '../train/trainer.js';
import { EXIT_OK, Progress, UsageError } from './io.js';

export const TRAIN_HELP = `golongrl train --recipe NAME [options]

One GRPO training run of the tiny tfjs policy on the SYNTHETIC 9-family suite (not GoLongRL data),
scored by the real rewards, with dynamic sampling, Adam and verl-layout checkpoints (docs/training.md).
  --recipe NAME           ${Object.keys(TRAIN_RECIPES).join(' | ')}
  --estimator NAME        advantage estimator from the registry (default grpo)
  --no-std                GRPO without std normalisation (Dr. GRPO)
  --difficulty-reweight   difficulty reweighting (grpo, tmn_grpo)
  --difficulty-alpha A    difficulty_smooth_alpha (tmn_grpo; default 0.5)
  --seed N                seed (default 1)
  --steps N               total global steps (default: the recipe's)
  --out DIR               run directory (default runs/train-<recipe>-<estimator>-s<seed>)
  --resume auto|disable   auto: continue from the latest complete checkpoint in --out (default auto)
  --backend auto|wasm|cpu tfjs backend (default auto)
  --json                  print the summary as one JSON object on stdout`;

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

export async function runTrain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipe: { type: 'string' },
      estimator: { type: 'string', default: 'grpo' },
      'no-std': { type: 'boolean', default: false },
      'difficulty-reweight': { type: 'boolean', default: false },
      'difficulty-alpha': { type: 'string' },
      seed: { type: 'string', default: '1' },
      steps: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string', default: 'auto' },
      backend: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TRAIN_HELP + '\n');
    return EXIT_OK;
  }
  if (!values.recipe) throw new UsageError('--recipe is required');
  if (!(values.recipe in TRAIN_RECIPES)) throw new UsageError(`unknown recipe '${values.recipe}' (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
  if (!listAdvEstimators().includes(values.estimator)) throw new UsageError(`unknown estimator '${values.estimator}' (known: ${listAdvEstimators().join(', ')})`);
  if (values.resume !== 'auto' && values.resume !== 'disable') throw new UsageError(`--resume must be auto or disable, got '${values.resume}'`);
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(values.backend)) throw new UsageError(`--backend must be auto, wasm or cpu, got '${values.backend}'`);
  let alpha: number | undefined;
  if (values['difficulty-alpha'] !== undefined) {
    alpha = Number(values['difficulty-alpha']);
    if (!Number.isFinite(alpha)) throw new UsageError(`--difficulty-alpha must be a number, got '${values['difficulty-alpha']}'`);
  }
  const seed = int('seed', values.seed);
  const base = getRecipe(values.recipe);
  const config: TrainConfig = {
    ...base,
    estimator: values.estimator,
    advOptions: { normAdvByStd: !values['no-std'], difficultyReweight: values['difficulty-reweight'], ...(alpha !== undefined ? { difficultySmoothAlpha: alpha } : {}) },
    seed,
    steps: values.steps !== undefined ? int('steps', values.steps) : base.steps,
    outDir: values.out ?? join('runs', `train-${values.recipe}-${values.estimator}-s${seed}`),
    resume: values.resume,
  };
  const backend = await selectBackend(values.backend as BackendName);
  if (!values.json) process.stderr.write(`golongrl train: backend ${backend.name} (${backend.reason})\n`);
  const progress = new Progress(`train ${config.recipe}`, config.steps);
  const result = train(config, {
    onResume: (s) => {
      if (!values.json) process.stderr.write(`golongrl train: resumed from ${join(config.outDir as string, `global_step_${s}`)}\n`);
    },
    onStep: (r) => progress.tick(r.step),
  });
  progress.done(result.finalStep);
  const heldOut = evaluate(result.policy, heldOutFor(config), { maxNewTokens: config.maxNewTokens, mode: 'greedy' });
  const heldOutSampled = evaluate(result.policy, heldOutFor(config), { maxNewTokens: config.maxNewTokens, mode: 'sample', seed: config.seed });
  const last = result.history.at(-1)?.metrics ?? {};
  const summary = {
    recipe: config.recipe,
    estimator: config.estimator,
    backend: backend.name,
    seed,
    out: config.outDir,
    start_step: result.startStep,
    final_step: result.finalStep,
    steps_run: result.history.length,
    seconds: result.seconds,
    parameters: result.policy.numParameters,
    last_step_metrics: last,
    held_out_greedy: heldOut,
    held_out_sample: heldOutSampled,
  };
  result.policy.dispose();
  if (values.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return EXIT_OK;
  }
  const o: string[] = [];
  o.push(`golongrl train — recipe ${config.recipe}, estimator ${config.estimator}, seed ${seed}, backend ${backend.name} (SYNTHETIC tasks)`);
  o.push(`steps ${result.startStep + 1}..${result.finalStep} run in ${result.seconds.toFixed(1)} s (${summary.parameters} parameters)`);
  if (result.history.length > 0)
    o.push(`last step: score mean ${(last['critic/score/mean'] ?? 0).toFixed(3)}, pg_loss ${(last['actor/pg_loss'] ?? 0).toFixed(4)}, grad_norm ${(last['actor/grad_norm'] ?? 0).toFixed(3)}, gen batches ${last['train/num_gen_batches']}`);
  o.push('held-out mean score per family (greedy | temperature-1 sample, fixed seed):');
  for (const f of Object.keys(heldOut)) o.push(`  ${f.padEnd(22)} ${heldOut[f].toFixed(3)} | ${heldOutSampled[f].toFixed(3)}`);
  o.push(`metrics: ${join(config.outDir as string, 'metrics.jsonl')}; checkpoints: ${config.outDir}/global_step_*`);
  process.stdout.write(o.join('\n') + '\n');
  return EXIT_OK;
}
