/**
 * `golongrl train` — one local GRPO training run on the synthetic suite (lib/train/trainer.ts):
 * a progress line, the backend that ran, metrics JSONL + checkpoints under --out, a final summary
 * and held-out per-family scores. Method flags (docs/methods.md): curriculum, retrospective replay,
 * SFT warm-up, short/long mixture, dGRPO teacher + β, hybrid reward with an OpenAI-compatible judge
 * (its API key only from the environment, never printed).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listAdvEstimators } from '../advantage/index.js';
import { selectBackend, type BackendName } from '../train/backend.js';
import { HttpJudge } from '../rewards/llm_judge.js';
import { parseCurriculum } from '../train/curriculum.js';
import { loadTeacher, trainTeacher } from '../train/distill.js';
import { parseMixture } from '../train/mixture.js';
import { ENGINES, resolveEngine, setDefaultEngine, type EngineChoice, type Policy } from '../train/policy.js';
import { DEFAULT_RETROSPECTIVE } from '../train/retrospective.js';
import { evaluate, getRecipe, heldOutFor, maxContextLen, trainAsync, TRAIN_RECIPES, type TrainConfig } from '../train/trainer.js';
import { EXIT_BAD_INPUT, EXIT_OK, Progress, UsageError } from './io.js';
import { ResumeError, RunLockedError } from '../train/checkpoint.js';

export const TRAIN_HELP = `golongrl train --recipe NAME [options]

One GRPO training run (with optional methods, docs/methods.md) of the tiny tfjs policy on the SYNTHETIC 9-family suite (not GoLongRL data),
scored by the real rewards, with dynamic sampling, Adam and verl-layout checkpoints (docs/training.md).
  --recipe NAME           ${Object.keys(TRAIN_RECIPES).join(' | ')}
  --estimator NAME        advantage estimator from the registry (default grpo)
  --no-std                GRPO without std normalisation (Dr. GRPO)
  --difficulty-reweight   difficulty reweighting (grpo, tmn_grpo)
  --difficulty-alpha A    difficulty_smooth_alpha (tmn_grpo; default 0.5)
  --seed N                seed (default 1)
  --steps N               total global steps (default: the recipe's)
  --out DIR               run directory (default runs/train-<recipe>-<estimator>-s<seed>)
  --resume auto|disable   auto: continue from the latest complete checkpoint in --out (default auto; a
                          missing/broken latest file falls back to the newest complete checkpoint, with a
                          note; a run directory with history but no checkpoint is refused, exit 2).
                          One writer per --out: a second one exits 2 naming the holder's pid and host
  --backend auto|wasm|cpu tfjs backend (default auto)
  --engine auto|js|tfjs   policy engine (docs/engine.md): js = the fast fused-kernel engine with a KV cache;
                          tfjs = the reference tfjs ops; auto (default) = tfjs on native TensorFlow, else js
  --lr-warmup-steps N     linear lr warm-up from 0 over N steps, then constant (Megatron's; default: recipe's)
  --weight-decay X        decoupled weight decay on ≥2-D weights (default: recipe's)
 Methods (docs/methods.md):
  --curriculum SPEC       QwenLong-L1 context phases LEN:STEPS,…,LEN (e.g. 8:25,16)
  --retrospective         QwenLong-L1 retrospective replay of hard items of earlier phases
  --replay-fraction F     share of each generation batch replayed (default 0.25)
  --sft-steps N           SFT warm-up steps on gold responses before RL (0: none)
  --sft-lr X              SFT learning rate (default: the RL lr)
  --short-long-mix R[:L]  short/long mixture: share R of prompt tokens from short prompts (context L, default 8)
  --distill-teacher DIR   dGRPO teacher: the latest checkpoint of a golongrl train run directory
  --distill-teacher-sft N dGRPO teacher made here: a 2×-wide policy trained by N SFT steps
  --distill-beta B        weight of KL(student ‖ teacher) (default 0.1)
  --judge-url URL         hybrid reward: OpenAI-compatible base URL (…/v1); API key only from the
                          environment (GOLONGRL_JUDGE_API_KEY or OPENAI_API_KEY)
  --judge-model NAME      judge model name (default judge)
  --judge-timeout-ms N    per-request timeout (default 30000)
  --json                  print the summary as one JSON object on stdout`;

function num(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got '${v}'`);
  return n;
}

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

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
      engine: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      'lr-warmup-steps': { type: 'string' },
      'weight-decay': { type: 'string' },
      curriculum: { type: 'string' },
      retrospective: { type: 'boolean', default: false },
      'replay-fraction': { type: 'string' },
      'sft-steps': { type: 'string' },
      'sft-lr': { type: 'string' },
      'short-long-mix': { type: 'string' },
      'distill-teacher': { type: 'string' },
      'distill-teacher-sft': { type: 'string' },
      'distill-beta': { type: 'string' },
      'judge-url': { type: 'string' },
      'judge-model': { type: 'string', default: 'judge' },
      'judge-timeout-ms': { type: 'string' },
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
  if (!ENGINES.includes(values.engine as EngineChoice)) throw new UsageError(`--engine must be ${ENGINES.join(', ')}, got '${values.engine}'`);
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
  if (values['lr-warmup-steps'] !== undefined) config.lrWarmupSteps = int('lr-warmup-steps', values['lr-warmup-steps']);
  if (values['weight-decay'] !== undefined) config.weightDecay = num('weight-decay', values['weight-decay']);
  if (values.curriculum !== undefined) config.curriculum = usage(() => parseCurriculum(values.curriculum as string));
  if (values.retrospective || values['replay-fraction'] !== undefined) {
    config.retrospective = { ...(config.retrospective ?? DEFAULT_RETROSPECTIVE) };
    if (values['replay-fraction'] !== undefined) config.retrospective.replayFraction = num('replay-fraction', values['replay-fraction']);
    if (!config.curriculum) throw new UsageError('--retrospective replays items of EARLIER curriculum phases: it needs --curriculum (or a recipe with one)');
  }
  if (values['sft-steps'] !== undefined) config.sft = { steps: int('sft-steps', values['sft-steps']), lr: config.sft?.lr ?? config.lr, promptsPerStep: config.sft?.promptsPerStep ?? config.genBatchPrompts };
  if (values['sft-lr'] !== undefined) {
    if (!config.sft) throw new UsageError('--sft-lr needs --sft-steps');
    config.sft.lr = num('sft-lr', values['sft-lr']);
  }
  if (values['short-long-mix'] !== undefined) config.mixture = usage(() => parseMixture(values['short-long-mix'] as string));
  if (values['distill-teacher'] !== undefined && values['distill-teacher-sft'] !== undefined) throw new UsageError('give --distill-teacher or --distill-teacher-sft, not both');
  const wantsTeacher = values['distill-teacher'] !== undefined || values['distill-teacher-sft'] !== undefined;
  if (wantsTeacher || values['distill-beta'] !== undefined) config.distill = { beta: values['distill-beta'] !== undefined ? num('distill-beta', values['distill-beta']) : (config.distill?.beta ?? 0.1) };
  if (config.distill && !wantsTeacher) throw new UsageError('dGRPO needs a teacher: --distill-teacher DIR or --distill-teacher-sft N');
  let judge: HttpJudge | null = null;
  if (values['judge-url'] !== undefined) {
    const timeoutMs = values['judge-timeout-ms'] !== undefined ? int('judge-timeout-ms', values['judge-timeout-ms']) : 30_000;
    judge = usage(() => new HttpJudge({ baseUrl: values['judge-url'] as string, model: values['judge-model'], timeoutMs }));
  }
  const backend = await selectBackend(values.backend as BackendName);
  setDefaultEngine(values.engine as EngineChoice);
  const engine = resolveEngine(values.engine as EngineChoice);
  if (!values.json) process.stderr.write(`golongrl train: backend ${backend.name} (${backend.reason}), engine ${engine}\n`);
  let teacher: Policy | null = null;
  if (values['distill-teacher'] !== undefined) {
    teacher = loadTeacher(values['distill-teacher']);
    if (!values.json) process.stderr.write(`golongrl train: teacher loaded from ${values['distill-teacher']} (${teacher.numParameters} parameters)\n`);
  } else if (values['distill-teacher-sft'] !== undefined) {
    const steps = int('distill-teacher-sft', values['distill-teacher-sft']);
    const tp = new Progress('teacher sft', steps);
    teacher = trainTeacher(
      {
        model: { ...config.model, dModel: 2 * config.model.dModel },
        families: config.families,
        contextLen: config.contextLen,
        maxContextLen: maxContextLen(config),
        maxNewTokens: config.maxNewTokens,
        seed,
        sftSteps: steps,
        sftLr: config.lr,
        promptsPerStep: config.genBatchPrompts,
      },
      (s) => tp.tick(s),
    );
    tp.done(steps);
  }
  const progress = new Progress(`train ${config.recipe}`, config.steps);
  let result;
  try {
    result = await trainAsync(config, {
      onResume: (s) => {
        if (!values.json) process.stderr.write(`golongrl train: resumed from ${join(config.outDir as string, `global_step_${s}`)}\n`);
      },
      // Notes (a broken latest file worked around, a stale lock taken over) go to stderr even with --json.
      onNote: (n) => process.stderr.write(`golongrl train: note: ${n}\n`),
      onStep: (r) => progress.tick(r.step),
    }, { teacher, judge });
  } catch (e) {
    teacher?.dispose();
    // A second writer on the run directory, or a run that cannot be resumed safely: one line, exit 2.
    if (e instanceof RunLockedError || e instanceof ResumeError) {
      process.stderr.write(`golongrl train: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  teacher?.dispose();
  progress.done(result.finalStep);
  const heldOut = evaluate(result.policy, heldOutFor(config), { maxNewTokens: config.maxNewTokens, mode: 'greedy' });
  const heldOutSampled = evaluate(result.policy, heldOutFor(config), { maxNewTokens: config.maxNewTokens, mode: 'sample', seed: config.seed });
  const last = result.history.at(-1)?.metrics ?? {};
  const summary = {
    recipe: config.recipe,
    estimator: config.estimator,
    backend: backend.name,
    engine,
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
    sft_steps_run: result.sftHistory.length,
    sft_last_loss: result.sftHistory.at(-1)?.['sft/loss'] ?? null,
    judge: result.judgeStats,
  };
  result.policy.dispose();
  if (values.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return EXIT_OK;
  }
  const o: string[] = [];
  o.push(`golongrl train — recipe ${config.recipe}, estimator ${config.estimator}, seed ${seed}, backend ${backend.name}, engine ${engine} (SYNTHETIC tasks)`);
  o.push(`steps ${result.startStep + 1}..${result.finalStep} run in ${result.seconds.toFixed(1)} s (${summary.parameters} parameters)`);
  if (result.history.length > 0)
    o.push(`last step: score mean ${(last['critic/score/mean'] ?? 0).toFixed(3)}, pg_loss ${(last['actor/pg_loss'] ?? 0).toFixed(4)}, grad_norm ${(last['actor/grad_norm'] ?? 0).toFixed(3)}, gen batches ${last['train/num_gen_batches']}`);
  if (result.sftHistory.length > 0) o.push(`SFT warm-up: ${result.sftHistory.length} steps, loss ${result.sftHistory[0]['sft/loss'].toFixed(3)} → ${(summary.sft_last_loss ?? 0).toFixed(3)}`);
  if (result.judgeStats) o.push(`judge: ${result.judgeStats.calls} calls, ${result.judgeStats.yes} yes, ${result.judgeStats.no} no, ${result.judgeStats.fallbacks} fallbacks to the rule score`);
  o.push('held-out mean score per family (greedy | temperature-1 sample, fixed seed):');
  for (const f of Object.keys(heldOut)) o.push(`  ${f.padEnd(22)} ${heldOut[f].toFixed(3)} | ${heldOutSampled[f].toFixed(3)}`);
  o.push(`metrics: ${join(config.outDir as string, 'metrics.jsonl')}; checkpoints: ${config.outDir}/global_step_*`);
  process.stdout.write(o.join('\n') + '\n');
  return EXIT_OK;
}
