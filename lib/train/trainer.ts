/**
 * The local GRPO trainer: GoLongRL's loop (GOLONGRL.md §B.4) on the synthetic 9-family suite
 * (tasks.ts) with the tiny tfjs policy (policy.ts). One step (global step s = 1, 2, …):
 *
 *   1. rollout   draw `promptsPerStep` training prompts (families uniformly at random) from an Rng
 *                seeded by (seed, s, generation batch), sample `n` responses per prompt at
 *                temperature 1, score each with the real reward (`scoreResponse`).
 *   2. filter    dynamic sampling (DAPO `filter_groups`, metric = score): keep a prompt group if the
 *                population std of its scores is > 0 or it has a single response; generate further
 *                batches until `promptsPerStep` groups are kept, then truncate to `promptsPerStep`.
 *                The reference RAISES when `max_num_gen_batches` is reached; this trainer instead
 *                proceeds with the groups kept so far (possibly none: then no update is made) and
 *                logs `train/num_gen_batches` (and `train/num_kept_groups`).
 *   3. advantage any registered estimator by name (`getAdvEstimator`) with `AdvOptions`, on rows
 *                {uid, reward_mode, score}; the advantage is broadcast over the response mask.
 *   4. update    one Adam step on `computePolicyLoss` (GoLongRL's vanilla clipped loss; the
 *                rollout log-probs are the "old" ones, so r = 1 on this single epoch), with global
 *                gradient-norm clipping at `gradClip` (1.0).
 *   5. metrics   verl's names (docs/training.md), logged to `<outDir>/metrics.jsonl`.
 *   6. checkpoint every `saveFreq` steps and at the last step (checkpoint.ts).
 *
 * Randomness is counter-based: each random stream is `new Rng(mix(seed, step, purpose, index))`,
 * so a run resumed from the checkpoint of step S redraws exactly the prompts and samples of steps
 * S+1, … — and, on the same backend, reaches the same weights bit for bit.
 *
 * Adam (adam.ts, not tf.train.adam) keeps its whole state (m, v, t) explicit and checkpointable;
 * decoupled weight decay on the ≥ 2-D weights as Megatron; the lr follows Megatron's linear warm-up
 * then constant (`lrAt`, GOLONGRL.md §C).
 *
 * Options for the methods GoLongRL's sources compare against (docs/methods.md), each off by default:
 *   curriculum     QwenLong-L1 progressive context scaling: phases of growing contextLen (curriculum.ts)
 *   retrospective  QwenLong-L1 difficulty-aware replay of hard items of earlier phases (retrospective.ts)
 *   mixture        dGRPO's short/long data mixture by tokens (mixture.ts)
 *   sft            SFT warm-up on gold responses before RL (sft.ts)
 *   distill        dGRPO: + β·KL(student ‖ teacher) per token on the student's samples (distill.ts);
 *                  the teacher Policy is passed in `TrainExtras`
 *   judge          QwenLong-L1's hybrid reward max(rule, LLM judge) when rule < 1 (lib/rewards/hybrid.ts);
 *                  asynchronous, so only `trainAsync` takes one.
 * The loop is a generator that yields each step's scored groups before filtering: `train` resumes it
 * at once (rule scores), `trainAsync` first awaits the judge on the batch (results in input order),
 * so everything else stays deterministic.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { buildBatch, computeStepMetrics, getAdvEstimator, REWARD_MODE_ESTIMATORS, type AdvOptions, type AdvRow } from '../advantage/index.js';
import type { Capability } from '../rewards/capabilities.js';
import { emptyHybridStats, hybridScores, type HybridStats } from '../rewards/hybrid.js';
import type { Judge } from '../rewards/llm_judge.js';
import { Rng } from '../util/random.js';
import { Adam, lrAt } from './adam.js';
import { acquireRunLock, findResumeCheckpoint, isCompleteCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { maxCurriculumLen, phaseAt, validateCurriculum, type CurriculumConfig } from './curriculum.js';
import { distillKl, type DistillConfig } from './distill.js';
import { JsonlMetricsLogger } from './logger.js';
import { computePolicyLoss, policyLossGrad, type LossAggMode } from './loss.js';
import { shortProbability, validateMixture, type MixtureConfig } from './mixture.js';
import { getDefaultEngine, Policy } from './policy.js';
import { contextLenOf, RetrospectiveBuffer, SamplerLog, validateRetrospective, type RetrospectiveConfig, type SamplerEvent } from './retrospective.js';
import { runSft, validateSft, type SftConfig } from './sft.js';
import { PURPOSE, streamSeed } from './streams.js';
import { EOS, heldOutPrompts, judgeRequestFor, makeBatch, maxPromptTokens, PAD, scoreResponse, TASK_FAMILIES, VOCAB_SIZE, type TaskPrompt } from './tasks.js';

export { Adam, lrAt } from './adam.js';
export { streamSeed } from './streams.js';

export interface ModelSize {
  dModel: number;
  nHeads: number;
  nLayers: number;
  dMlp?: number;
}

export interface TrainConfig {
  /** Recipe name (for logs). */
  recipe: string;
  model: ModelSize;
  families: readonly Capability[];
  /** Context tokens per prompt (tasks.ts `contextLen`); also the held-out evaluation length. */
  contextLen: number;
  /** Prompt groups per update (GoLongRL: train batch 128). */
  promptsPerStep: number;
  /** Prompts drawn per generation batch (GoLongRL: gen batch 512); ≥ promptsPerStep. */
  genBatchPrompts: number;
  /** Responses per prompt (GoLongRL: 16). */
  n: number;
  /** Response budget in tokens (≤ MAX_RESPONSE_TOKENS). */
  maxNewTokens: number;
  /** Dynamic sampling gives up after this many generation batches (GoLongRL: 32). */
  maxGenBatches: number;
  /** Total global steps. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up steps (Megatron `lr_warmup_steps`; GoLongRL: 5); 0: constant from step 1. */
  lrWarmupSteps?: number;
  /** Warm-up start lr (Megatron `lr_warmup_init`, default 0.0). */
  lrWarmupInit?: number;
  /** Decoupled weight decay (AdamW, ≥ 2-D weights only, as Megatron); GoLongRL uses 0.1. */
  weightDecay: number;
  /** Global gradient-norm clip (GoLongRL: 1.0). */
  gradClip: number;
  lossAggMode: LossAggMode;
  estimator: string;
  advOptions: AdvOptions;
  seed: number;
  /** Checkpoint every this many steps (0: only at the end). */
  saveFreq: number;
  /** Checkpoints kept (0: all). */
  keepLast: number;
  /** Run directory for metrics.jsonl and checkpoints; null: nothing is written. */
  outDir: string | null;
  resume: 'auto' | 'disable';
  /** Held-out prompts per family for `evaluate` at the end. */
  evalPromptsPerFamily: number;
  /** QwenLong-L1 progressive context scaling (curriculum.ts); null/absent: every step at contextLen. */
  curriculum?: CurriculumConfig | null;
  /** QwenLong-L1 retrospective sampling (retrospective.ts); needs a curriculum to replay anything. */
  retrospective?: RetrospectiveConfig | null;
  /** dGRPO short/long mixture by tokens (mixture.ts). */
  mixture?: MixtureConfig | null;
  /** SFT warm-up before RL (sft.ts). */
  sft?: SftConfig | null;
  /** dGRPO distillation term (distill.ts); the teacher comes in `TrainExtras.teacher`. */
  distill?: DistillConfig | null;
  /**
   * Initial weights (a base model, base.ts): a verl-layout run directory and the step of the
   * checkpoint to load, used on a fresh start only (a resumed run loads its own checkpoint). The
   * model shape must match; only the weights are taken (a fresh Adam state).
   */
  init?: { dir: string; step: number } | null;
}

export interface StepResult {
  step: number;
  metrics: Record<string, number>;
}

export interface TrainHooks {
  /** After every step (metrics already logged, checkpoint already written). */
  onStep?: (r: StepResult, config: TrainConfig) => void;
  /** After the run resumed from a checkpoint. */
  onResume?: (step: number) => void;
  /** After every SFT warm-up step. */
  onSftStep?: (step: number, metrics: Record<string, number>) => void;
  /** Something the user should know that is not an error (a broken latest file worked around, a stale lock taken over). */
  onNote?: (note: string) => void;
}

/** Objects that are not configuration: a dGRPO teacher, an LLM judge (trainAsync only). */
export interface TrainExtras {
  teacher?: Policy | null;
  judge?: Judge | null;
  /** Judge requests in flight at once (default 8). */
  judgeConcurrency?: number;
}

export interface TrainResult {
  policy: Policy;
  config: TrainConfig;
  /** The step the run started from (0, or the resumed checkpoint's step). */
  startStep: number;
  finalStep: number;
  history: StepResult[];
  /** SFT warm-up metrics, one per SFT step run in this process. */
  sftHistory: Record<string, number>[];
  /** Judge counters over the run (trainAsync with a judge), else null. */
  judgeStats: HybridStats | null;
  /** Seconds spent in `train` (this process). */
  seconds: number;
}

// ───────────────────────────── recipes ─────────────────────────────

const BASE: Omit<TrainConfig, 'recipe' | 'model' | 'families' | 'contextLen' | 'promptsPerStep' | 'genBatchPrompts' | 'n' | 'maxNewTokens' | 'steps' | 'lr' | 'evalPromptsPerFamily'> = {
  maxGenBatches: 4,
  lrWarmupSteps: 0,
  lrWarmupInit: 0,
  weightDecay: 0,
  gradClip: 1.0,
  lossAggMode: 'seq-mean-token-mean',
  estimator: 'grpo',
  advOptions: {},
  seed: 1,
  saveFreq: 0,
  keepLast: 2,
  outDir: null,
  resume: 'disable',
  curriculum: null,
  retrospective: null,
  mixture: null,
  sft: null,
  distill: null,
};

const SAMPLE_SUITE: TrainConfig = {
  ...BASE,
  recipe: 'sample-suite',
  model: { dModel: 32, nHeads: 2, nLayers: 2 },
  families: TASK_FAMILIES.map((f) => f.capability),
  contextLen: 8,
  promptsPerStep: 9,
  genBatchPrompts: 18,
  n: 4,
  maxNewTokens: 12,
  steps: 50,
  lr: 3e-3,
  // GoLongRL's optimizer schedule (GOLONGRL.md §C): 5 warm-up steps from 0, then constant; weight decay 0.1.
  lrWarmupSteps: 5,
  weightDecay: 0.1,
  saveFreq: 10,
  evalPromptsPerFamily: 4,
};

/**
 * Named training set-ups. `tiny` is for tests (seconds; no warm-up, no weight decay, so that its
 * calibrated tests stay short); `sample-suite` trains on all nine families with GoLongRL's warm-up and
 * weight decay, about a minute per run on 2 cores with wasm; `qwenlong-l1` is sample-suite with
 * QwenLong-L1's recipe shape (SFT warm-up, two context phases 8 → 16, retrospective sampling);
 * `dgrpo` is sample-suite with a 10/90 short/long token mixture (long = 16) and the distillation term
 * (β 0.1; a teacher must be supplied).
 */
export const TRAIN_RECIPES: Readonly<Record<string, Readonly<TrainConfig>>> = Object.freeze({
  tiny: Object.freeze({
    ...BASE,
    recipe: 'tiny',
    model: { dModel: 16, nHeads: 2, nLayers: 1 },
    families: ['summarization', 'precise_retrieval'] as Capability[],
    contextLen: 8,
    promptsPerStep: 4,
    genBatchPrompts: 4,
    n: 8,
    maxNewTokens: 6,
    steps: 12,
    lr: 3e-2,
    saveFreq: 3,
    evalPromptsPerFamily: 16,
  }),
  'sample-suite': Object.freeze(SAMPLE_SUITE),
  'qwenlong-l1': Object.freeze({
    ...SAMPLE_SUITE,
    recipe: 'qwenlong-l1',
    contextLen: 16,
    curriculum: { phases: [{ contextLen: 8, steps: 25 }, { contextLen: 16 }] },
    retrospective: { capacity: 64, minDifficulty: 0.5, replayFraction: 0.25 },
    sft: { steps: 20, lr: 3e-3, promptsPerStep: 18 },
  }),
  dgrpo: Object.freeze({
    ...SAMPLE_SUITE,
    recipe: 'dgrpo',
    contextLen: 16,
    mixture: { shortTokenRatio: 0.1, shortContextLen: 8 },
    distill: { beta: 0.1 },
  }),
});

function cloneConfig(r: Readonly<TrainConfig>): TrainConfig {
  return JSON.parse(JSON.stringify(r)) as TrainConfig;
}

export function getRecipe(name: string): TrainConfig {
  const r = TRAIN_RECIPES[name];
  if (!r) throw new RangeError(`unknown recipe '${name}' (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
  return cloneConfig(r);
}

// ───────────────────────────── rollout ─────────────────────────────

interface Rollout {
  prompt: TaskPrompt;
  uid: string;
  sequence: number[];
  response: number[];
  oldLogProbs: number[];
  mask: number[];
  entropies: number[];
  /** The rule reward (`scoreResponse`). */
  ruleScore: number;
  /** The reward used (the rule's, or the hybrid's when a judge is set). */
  score: number;
}

export interface Drawn {
  prompts: TaskPrompt[];
  /** How many of `prompts` (at the end) were replayed from the retrospective buffer. */
  replayed: number;
  shortPrompts: number;
  shortTokens: number;
  tokens: number;
}

/** Context length of the step (the curriculum's phase, else the config's) and its phase (1 without curriculum). */
export function stepContext(config: TrainConfig, step: number): { phase: number; contextLen: number } {
  return config.curriculum ? phaseAt(config.curriculum, step) : { phase: 1, contextLen: config.contextLen };
}

/**
 * The prompts of one generation batch: fresh ones at the step's context length (or the mixture's
 * short length), then the replayed ones (retrospective.ts); replay events are appended to `events`.
 * Pure given (config, step, genBatch, buffer): exported for tests and notebooks.
 */
export function drawStepPrompts(config: TrainConfig, step: number, genBatch: number, buffer: RetrospectiveBuffer | null = null, events: SamplerEvent[] = []): Drawn {
  const { phase, contextLen } = stepContext(config, step);
  const rng = new Rng(streamSeed(config.seed, step, PURPOSE.prompts, genBatch));
  const mix = config.mixture ?? null;
  const mixRng = mix ? new Rng(streamSeed(config.seed, step, PURPOSE.mixture, genBatch)) : null;
  const pShort = mix ? shortProbability(mix, contextLen) : 0;
  const replay =
    buffer && config.retrospective && phase > 1
      ? buffer.sample(Math.round(config.retrospective.replayFraction * config.genBatchPrompts), phase, new Rng(streamSeed(config.seed, step, PURPOSE.replay, genBatch)))
      : [];
  const out: Drawn = { prompts: [], replayed: replay.length, shortPrompts: 0, shortTokens: 0, tokens: 0 };
  for (let i = 0; i < config.genBatchPrompts - replay.length; i++) {
    const fam = rng.pick(config.families);
    const short = mixRng !== null && mix !== null && mixRng.next() < pShort;
    const [p] = makeBatch(rng, { contextLen: short ? mix!.shortContextLen : contextLen, families: [fam], promptsPerFamily: 1 });
    out.prompts.push(p);
    out.tokens += p.promptTokens.length;
    if (short) {
      out.shortPrompts++;
      out.shortTokens += p.promptTokens.length;
    }
  }
  for (const it of replay) {
    out.prompts.push(it.prompt);
    out.tokens += it.prompt.promptTokens.length;
    events.push({ step, gen_batch: genBatch, event: 'replay', uid: it.prompt.uid, family: it.prompt.family, phase: it.phase, context_len: contextLenOf(it.prompt), difficulty: it.difficulty });
  }
  return out;
}

function rollout(policy: Policy, prompts: readonly TaskPrompt[], config: TrainConfig, step: number, genBatch: number): Rollout[][] {
  const flat = prompts.flatMap((p) => Array.from({ length: config.n }, () => p.promptTokens));
  const res = policy.sample(flat, {
    maxNewTokens: config.maxNewTokens,
    temperature: 1,
    rng: new Rng(streamSeed(config.seed, step, PURPOSE.sample, genBatch)),
    eosId: EOS,
    padId: PAD,
  });
  return prompts.map((p, j) => {
    // The uid names the draw, so a prompt drawn twice in one step forms two groups (as in verl, where uids are per row).
    const uid = `${p.uid}-s${step}-b${genBatch}-${j}`;
    return Array.from({ length: config.n }, (_, k) => {
      const r = j * config.n + k;
      const score = scoreResponse(p, res.responses[r]);
      return { prompt: p, uid, sequence: res.sequences[r], response: res.responses[r], oldLogProbs: res.oldLogProbs[r], mask: res.responseMask[r], entropies: res.entropies[r], ruleScore: score, score };
    });
  });
}

function populationStd(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / xs.length);
}

/** mean / max / min / population std of a list (all 0 when empty). */
function stats(xs: ArrayLike<number>): { mean: number; max: number; min: number; std: number } {
  if (xs.length === 0) return { mean: 0, max: 0, min: 0, std: 0 };
  let s = 0;
  let mx = -Infinity;
  let mn = Infinity;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    mx = Math.max(mx, xs[i]);
    mn = Math.min(mn, xs[i]);
  }
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) * (xs[i] - mean);
  return { mean, max: mx, min: mn, std: Math.sqrt(v / xs.length) };
}

function statMetrics(prefix: string, xs: ArrayLike<number>): Record<string, number> {
  const s = stats(xs);
  return { [`${prefix}/mean`]: s.mean, [`${prefix}/max`]: s.max, [`${prefix}/min`]: s.min, [`${prefix}/std`]: s.std };
}

/** A per-token quantity aggregated over masks as the loss aggregation does (seq-mean-token-mean or token-mean). */
function aggTokens(rows: readonly Rollout[], value: (r: Rollout, t: number) => number, mode: LossAggMode): number {
  let num = 0;
  let den = 0;
  let seqSum = 0;
  let seqs = 0;
  for (const r of rows) {
    let s = 0;
    let n = 0;
    r.mask.forEach((m, t) => {
      if (m > 0) {
        s += value(r, t);
        n++;
      }
    });
    num += s;
    den += n;
    if (n > 0) {
      seqSum += s / n;
      seqs++;
    }
  }
  return mode === 'token-mean' ? (den > 0 ? num / den : 0) : seqs > 0 ? seqSum / seqs : 0;
}

// ───────────────────────────── update ─────────────────────────────

type UpdateMetrics = Record<string, number>;

/**
 * One update on the kept rollouts: without a teacher, one call over the whole batch
 * (`responseLogProbsBatch`: every prompt length together). With a teacher (distillation), rows are
 * bucketed by prompt length (`responseLogSoftmax` takes one prompt length); each bucket's aggregated loss is weighted by its share of
 * sequences (seq-mean-token-mean) or tokens (token-mean), which reproduces the whole-batch aggregate.
 * The four loss metrics are token means, combined with token weights. With a teacher, each bucket's
 * loss also gets β · (aggregated KL(student ‖ teacher)), weighted the same way.
 */
function update(policy: Policy, opt: Adam, rows: readonly Rollout[], advantages: Float64Array, config: TrainConfig, teacher: Policy | null): UpdateMetrics {
  const buckets = new Map<number, number[]>();
  rows.forEach((r, i) => {
    const P = r.prompt.promptTokens.length;
    buckets.set(P, [...(buckets.get(P) ?? []), i]);
  });
  const tokensOf = (i: number) => rows[i].mask.reduce((a, b) => a + b, 0);
  const totalTokens = rows.reduce((a, _, i) => a + tokensOf(i), 0);
  const totalSeqs = rows.filter((_, i) => tokensOf(i) > 0).length;
  const R = config.maxNewTokens;
  const beta = config.distill && teacher ? config.distill.beta : 0;
  const acc = { 'actor/pg_loss': 0, 'actor/pg_clipfrac': 0, 'actor/ppo_kl': 0, 'actor/pg_clipfrac_lower': 0 };
  let kl = 0;
  const vars = policy.trainableVariables;
  // Without a teacher: ONE forward/backward over the whole batch, rows of every prompt length together
  // (Policy.responseLogProbsBatch; padding after eos is not computed).
  const oneCall = !(teacher && config.distill);
  if (oneCall && policy.engine === 'js') return updateDirect(policy, opt, rows, advantages, config, tokensOf);
  const { grads, value } = tf.variableGrads(() => {
    if (oneCall) {
      const B = rows.length;
      const lp = policy.responseLogProbsBatch(rows.map((r) => r.sequence), rows.map((r) => r.prompt.promptTokens.length), 1, rows.map((_, i) => tokensOf(i)));
      const old = tf.tensor2d(rows.flatMap((r) => r.oldLogProbs), [B, R], 'float32');
      const mask = tf.tensor2d(rows.flatMap((r) => r.mask), [B, R], 'float32');
      const adv = tf.tensor2d(rows.flatMap((r, i) => r.mask.map((m) => m * advantages[i])), [B, R], 'float32');
      const { loss, metrics } = computePolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, responseMask: mask }, { aggMode: config.lossAggMode });
      Object.assign(acc, metrics);
      return loss;
    }
    let total: tf.Scalar = tf.scalar(0);
    for (const [P, idx] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) {
      const B = idx.length;
      const seq = tf.tensor2d(idx.flatMap((i) => rows[i].sequence), [B, P + R], 'int32');
      const old = tf.tensor2d(idx.flatMap((i) => rows[i].oldLogProbs), [B, R], 'float32');
      const mask = tf.tensor2d(idx.flatMap((i) => rows[i].mask), [B, R], 'float32');
      const adv = tf.tensor2d(idx.flatMap((i) => rows[i].mask.map((m) => m * advantages[i])), [B, R], 'float32');
      const lp = policy.responseLogProbs(seq, P, 1);
      const { loss, metrics } = computePolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, responseMask: mask }, { aggMode: config.lossAggMode });
      const tok = idx.reduce((a, i) => a + tokensOf(i), 0);
      const seqs = idx.filter((i) => tokensOf(i) > 0).length;
      const w = config.lossAggMode === 'token-mean' ? tok / Math.max(totalTokens, 1) : seqs / Math.max(totalSeqs, 1);
      let bucketLoss: tf.Scalar = loss;
      if (teacher && config.distill) {
        const k = distillKl(policy, teacher, seq, P, mask, config.lossAggMode);
        kl += w * k.dataSync()[0];
        bucketLoss = tf.add(loss, tf.mul(k, beta));
      }
      total = tf.add(total, tf.mul(bucketLoss, w));
      acc['actor/pg_loss'] += w * metrics['actor/pg_loss'];
      for (const k of ['actor/pg_clipfrac', 'actor/ppo_kl', 'actor/pg_clipfrac_lower'] as const) acc[k] += (tok / Math.max(totalTokens, 1)) * metrics[k];
    }
    return total;
  }, vars);
  value.dispose();
  const ordered = vars.map((v) => grads[v.name]);
  const gradNorm = Math.sqrt(tf.tidy(() => tf.addN(ordered.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  const coef = gradNorm > config.gradClip ? config.gradClip / (gradNorm + 1e-6) : 1;
  const clipped = coef < 1 ? ordered.map((g) => tf.mul(g, coef)) : ordered;
  opt.apply(clipped);
  if (coef < 1) tf.dispose(clipped);
  tf.dispose(ordered);
  const out: UpdateMetrics = { ...acc, 'actor/grad_norm': gradNorm };
  if (teacher && config.distill) Object.assign(out, { 'distill/kl': kl, 'distill/kl_loss': beta * kl, 'distill/beta': beta });
  return out;
}

/**
 * `update` without a teacher on the js engine, tape-free: the same log-probs (`responseLogProbsDirect`),
 * the same clipped loss and its gradient w.r.t. the log-probs in plain JS (`policyLossGrad`), the
 * engine's backward, the global-norm clip and `Adam.applyArrays` (the same Adam(W) step over
 * Float32Arrays). Equal to the tfjs path within float rounding (test/train/direct_update.test.ts).
 */
function updateDirect(policy: Policy, opt: Adam, rows: readonly Rollout[], advantages: Float64Array, config: TrainConfig, tokensOf: (i: number) => number): UpdateMetrics {
  // The loops live in small helpers: inlined in updateDirect, V8 compiled each loop on stack (OSR) and then
  // deoptimised at the code after it, which had no type feedback yet — 35 deopts in 40 steps, recompiled
  // every step on a background thread (docs/engine.md). Same arithmetic, same order.
  const B = rows.length;
  const R = config.maxNewTokens;
  const fwd = policy.responseLogProbsDirect(rows.map((r) => r.sequence), rows.map((r) => r.prompt.promptTokens.length), 1, rows.map((_, i) => tokensOf(i)));
  const { old, mask, adv } = lossInputs(rows, advantages, R);
  const { metrics, dLogProbs } = policyLossGrad(fwd.logProbs, old, adv, mask, B, R, { aggMode: config.lossAggMode });
  const grads = fwd.backward(dLogProbs);
  const gradNorm = Math.sqrt(sumOfSquares(grads));
  const coef = gradNorm > config.gradClip ? Math.fround(config.gradClip / (gradNorm + 1e-6)) : 1;
  if (coef < 1) scaleAll(grads, coef);
  opt.applyArrays(grads);
  return { ...metrics, 'actor/grad_norm': gradNorm };
}

/** Old log-probs, response mask and per-token advantages [B, R] of the training rows, as float32. */
function lossInputs(rows: readonly Rollout[], advantages: Float64Array, R: number): { old: Float32Array; mask: Float32Array; adv: Float32Array } {
  const B = rows.length;
  const old = new Float32Array(B * R);
  const mask = new Float32Array(B * R);
  const adv = new Float32Array(B * R);
  for (let b = 0; b < B; b++) {
    const r = rows[b];
    const o = r.oldLogProbs;
    const m = r.mask;
    const a = advantages[b];
    for (let t = 0; t < R; t++) {
      old[b * R + t] = o[t];
      mask[b * R + t] = m[t];
      adv[b * R + t] = m[t] * a;
    }
  }
  return { old, mask, adv };
}

/** Σ g² over every gradient array (float64 accumulation, arrays in order). */
function sumOfSquares(grads: readonly Float32Array[]): number {
  let sq = 0;
  for (const g of grads) for (let k = 0; k < g.length; k++) sq += g[k] * g[k];
  return sq;
}

function scaleAll(grads: readonly Float32Array[], coef: number): void {
  for (const g of grads) for (let k = 0; k < g.length; k++) g[k] = g[k] * coef;
}

// ───────────────────────────── evaluation ─────────────────────────────

export interface EvalOptions {
  /** 'greedy' (default): argmax decoding; 'sample': temperature 1 with a fixed-seed Rng. */
  mode?: 'greedy' | 'sample';
  maxNewTokens: number;
  seed?: number;
}

function greedy(policy: Policy, prompts: readonly (readonly number[])[], maxNewTokens: number): number[][] {
  // Policy.greedy: on the js engine all rows in one batch with a KV cache, on tfjs the reference's per-length
  // loop; responses are padded with PAD after EOS, which scoring never reads (it stops at EOS).
  return policy.greedy(prompts, maxNewTokens, EOS, PAD);
}

/**
 * Mean reward per family on held-out prompts (and `mean` over families). Default: GREEDY decoding
 * (argmax at every step, deterministic); `mode: 'sample'` draws one temperature-1 response per prompt
 * from an Rng with a fixed seed.
 */
export function evaluate(policy: Policy, heldOut: readonly TaskPrompt[], opts: EvalOptions): Record<string, number> {
  const responses =
    (opts.mode ?? 'greedy') === 'greedy'
      ? greedy(policy, heldOut.map((p) => p.promptTokens), opts.maxNewTokens)
      : policy.sample(heldOut.map((p) => p.promptTokens), { maxNewTokens: opts.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(opts.seed ?? 0, 0, PURPOSE.eval)), eosId: EOS, padId: PAD }).responses;
  const sums = new Map<string, { s: number; n: number }>();
  heldOut.forEach((p, i) => {
    const e = sums.get(p.family) ?? { s: 0, n: 0 };
    e.s += scoreResponse(p, responses[i]);
    e.n++;
    sums.set(p.family, e);
  });
  const out: Record<string, number> = {};
  let tot = 0;
  for (const [f, e] of sums) {
    out[f] = e.s / e.n;
    tot += out[f];
  }
  out.mean = sums.size > 0 ? tot / sums.size : 0;
  return out;
}

/** The held-out prompts a config evaluates on (fixed by its seed, at `contextLen`). */
export function heldOutFor(config: TrainConfig): TaskPrompt[] {
  return heldOutPrompts(config.seed, { contextLen: config.contextLen, families: config.families, promptsPerFamily: config.evalPromptsPerFamily });
}

// ───────────────────────────── the loop ─────────────────────────────

/** The longest context any prompt of the run can have (sets the policy's maxLen). */
export function maxContextLen(config: TrainConfig): number {
  let m = config.contextLen;
  if (config.curriculum) m = Math.max(m, maxCurriculumLen(config.curriculum));
  if (config.mixture) m = Math.max(m, config.mixture.shortContextLen);
  return m;
}

/** Load `init` (a base model's checkpoint) into a fresh policy: same variables and sizes, or an error naming the directory. */
export function loadInit(policy: Policy, init: { dir: string; step: number }): void {
  if (!isCompleteCheckpoint(init.dir, init.step)) throw new Error(`init checkpoint ${join(init.dir, `global_step_${init.step}`)} is missing or incomplete`);
  const ck = loadCheckpoint(init.dir, init.step);
  const names = policy.variableNames;
  const shapes = policy.weightShapes();
  if (ck.names.join('\0') !== names.join('\0') || ck.names.some((n, i) => ck.shapes[i].join('x') !== shapes[n].join('x')))
    throw new Error(`init checkpoint ${init.dir} (step ${init.step}) does not match the model (variables or shapes differ)`);
  policy.setWeights(Object.fromEntries(names.map((n, i) => [n, ck.weights[i]])));
}

/**
 * The run's policy. Its engine is the process default (`setDefaultEngine`, CLI `--engine`; 'auto' =
 * the fast js engine, or tfjs on a native TensorFlow backend), see docs/engine.md.
 */
export function makePolicy(config: TrainConfig): Policy {
  return new Policy({ vocabSize: VOCAB_SIZE, maxLen: maxPromptTokens(maxContextLen(config)) + config.maxNewTokens, seed: config.seed, ...config.model, engine: getDefaultEngine() });
}

function validate(c: TrainConfig): void {
  for (const k of ['promptsPerStep', 'genBatchPrompts', 'n', 'maxNewTokens', 'maxGenBatches'] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`${k} must be a positive integer, got ${c[k]}`);
  if (!Number.isInteger(c.steps) || c.steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${c.steps}`);
  if (!(c.lr > 0)) throw new RangeError(`lr must be > 0, got ${c.lr}`);
  const w = c.lrWarmupSteps ?? 0;
  if (!Number.isInteger(w) || w < 0) throw new RangeError(`lrWarmupSteps must be a non-negative integer, got ${w}`);
  if (!((c.lrWarmupInit ?? 0) >= 0)) throw new RangeError(`lrWarmupInit must be ≥ 0, got ${c.lrWarmupInit}`);
  if (!(c.weightDecay >= 0)) throw new RangeError(`weightDecay must be ≥ 0, got ${c.weightDecay}`);
  if (c.families.length === 0) throw new RangeError('families must not be empty');
  if (c.resume !== 'auto' && c.resume !== 'disable') throw new RangeError(`resume must be auto or disable, got ${String(c.resume)}`);
  if (c.curriculum) validateCurriculum(c.curriculum);
  if (c.retrospective) validateRetrospective(c.retrospective);
  if (c.mixture) validateMixture(c.mixture);
  if (c.sft) validateSft(c.sft);
  if (c.distill && !(c.distill.beta >= 0)) throw new RangeError(`distill.beta must be ≥ 0, got ${c.distill.beta}`);
  getAdvEstimator(c.estimator);
}

/**
 * The loop as a generator: it yields each generation batch's scored groups (rule scores) before
 * dynamic sampling, so that a driver may rescore them in place (hybrid reward) before resuming it.
 */
function* trainLoop(config: TrainConfig, hooks: TrainHooks, extras: TrainExtras, judgeStats: HybridStats | null): Generator<Rollout[][], TrainResult, void> {
  validate(config);
  const teacher = extras.teacher ?? null;
  if (config.distill && teacher === null) throw new RangeError('distill is set but no teacher Policy was given (TrainExtras.teacher; CLI: --distill-teacher DIR or --distill-teacher-sft N)');
  const t0 = performance.now();
  const policy = makePolicy(config);
  const vars = policy.trainableVariables;
  const opt = new Adam(vars, config.lr, 0.9, 0.999, 1e-8, config.weightDecay);
  const estimator = getAdvEstimator(config.estimator);
  const logger = config.outDir !== null ? new JsonlMetricsLogger(join(config.outDir, 'metrics.jsonl')) : null;
  const sftLogger = config.outDir !== null && config.sft && config.sft.steps > 0 ? new JsonlMetricsLogger(join(config.outDir, 'sft.jsonl')) : null;
  const samplerLog = config.outDir !== null && config.retrospective ? new SamplerLog(join(config.outDir, 'retrospective.jsonl')) : null;
  let buffer = config.retrospective ? new RetrospectiveBuffer(config.retrospective) : null;
  let startStep = 0;
  let resumed = false;
  // One writer per run directory (checkpoint.ts): a second one fails here, naming the holder.
  const lock = config.outDir !== null ? acquireRunLock(config.outDir) : null;
  if (lock?.note) hooks.onNote?.(lock.note);
  try {
  if (config.outDir !== null && config.resume === 'auto') {
    const point = findResumeCheckpoint(config.outDir);
    if (point.note) hooks.onNote?.(point.note);
    const latest = point.step;
    if (latest !== null) {
      const ck = loadCheckpoint(config.outDir, latest);
      const names = policy.variableNames;
      if (ck.names.join('\0') !== names.join('\0')) throw new Error(`checkpoint ${latest} does not match the model (variables differ)`);
      const extra = ck.extra as { seed?: number; retrospective?: unknown };
      if (extra.seed !== config.seed) throw new Error(`checkpoint ${latest} was written with seed ${String(extra.seed)}, not ${config.seed}`);
      policy.setWeights(Object.fromEntries(names.map((n, i) => [n, ck.weights[i]])));
      opt.setState(ck.optimizer);
      if (config.retrospective) buffer = RetrospectiveBuffer.fromJSON(config.retrospective, extra.retrospective);
      startStep = latest;
      resumed = true;
      logger?.truncateAfter(latest);
      samplerLog?.truncateAfter(latest);
      hooks.onResume?.(latest);
    } else {
      logger?.truncateAfter(0);
      samplerLog?.truncateAfter(0);
      sftLogger?.truncateAfter(0);
    }
  }
  if (!resumed && config.init) loadInit(policy, config.init);
  } catch (e) {
    lock?.release();
    opt.dispose();
    throw e;
  }
  const history: StepResult[] = [];
  const sftHistory: Record<string, number>[] = [];
  const rewardModeMetrics = REWARD_MODE_ESTIMATORS.has(config.estimator);
  const save = (step: number) => {
    if (config.outDir === null) return;
    const names = policy.variableNames;
    const w = policy.getWeights();
    const shapes = policy.weightShapes();
    const state: CheckpointState = {
      step,
      names,
      shapes: names.map((n) => shapes[n]),
      weights: names.map((n) => w[n]),
      optimizer: opt.getState(),
      extra: {
        seed: config.seed,
        step,
        rng: 'counter-based: every stream is Rng(streamSeed(seed, step, purpose, index))',
        backend: tf.getBackend(),
        recipe: config.recipe,
        estimator: config.estimator,
        model: config.model,
        ...(buffer ? { retrospective: buffer.toJSON() } : {}),
      },
      data: { consumed_steps: step, gen_batch_prompts: config.genBatchPrompts },
    };
    saveCheckpoint(config.outDir, state, { keepLast: config.keepLast });
  };
  try {
    // SFT warm-up: only on a fresh start (a resumed run's weights already include it).
    if (!resumed && config.sft && config.sft.steps > 0) {
      runSft(
        policy,
        { ...config.sft, families: config.families, contextLen: stepContext(config, 1).contextLen, maxNewTokens: config.maxNewTokens, seed: config.seed, gradClip: config.gradClip },
        (s, m) => {
          sftHistory.push({ ...m });
          sftLogger?.log(s, { ...m });
          hooks.onSftStep?.(s, { ...m });
        },
      );
    }
    if (!resumed && config.steps === 0 && config.outDir !== null) save(0);
    for (let step = startStep + 1; step <= config.steps; step++) {
      const ts = performance.now();
      const { phase, contextLen } = stepContext(config, step);
      opt.lr = lrAt(step, config.lr, config.lrWarmupSteps ?? 0, config.lrWarmupInit ?? 0);
      const kept: Rollout[][] = [];
      const generated: Rollout[][] = [];
      const allScores: number[] = [];
      const events: SamplerEvent[] = [];
      let genBatches = 0;
      let replayed = 0;
      let replayedDifficulty = 0;
      let shortTokens = 0;
      let shortPrompts = 0;
      let promptTokens = 0;
      const judgeBefore = judgeStats ? { ...judgeStats } : null;
      while (kept.length < config.promptsPerStep && genBatches < config.maxGenBatches) {
        const drawn = drawStepPrompts(config, step, genBatches, buffer, events);
        replayed += drawn.replayed;
        replayedDifficulty += events.filter((e) => e.event === 'replay' && e.gen_batch === genBatches).reduce((a, e) => a + e.difficulty, 0);
        shortTokens += drawn.shortTokens;
        shortPrompts += drawn.shortPrompts;
        promptTokens += drawn.tokens;
        const groups = rollout(policy, drawn.prompts, config, step, genBatches);
        yield groups; // a driver may rescore in place (hybrid reward)
        groups.forEach((g) => generated.push(g));
        genBatches++;
        for (const g of groups) {
          const scores = g.map((r) => r.score);
          allScores.push(...scores);
          if (g.length === 1 || populationStd(scores) > 0) kept.push(g);
        }
      }
      if (buffer) {
        generated.forEach((g) => {
          const gb = Number(/-b(\d+)-\d+$/.exec(g[0].uid)?.[1] ?? 0);
          events.push(...buffer!.observe(g[0].prompt, g.map((r) => r.score), phase, step, gb));
        });
        samplerLog?.write(events);
      }
      const groups = kept.slice(0, config.promptsPerStep);
      const rows = groups.flat();
      const metrics: Record<string, number> = {};
      // Training score per family over ALL generated rollouts (kept or filtered out by dynamic sampling).
      const famScores = new Map<string, { s: number; n: number }>();
      for (const g of generated)
        for (const r of g) {
          const e = famScores.get(r.prompt.family) ?? { s: 0, n: 0 };
          e.s += r.score;
          e.n++;
          famScores.set(r.prompt.family, e);
        }
      for (const [f, e] of famScores) metrics[`train/gen_score/${f}`] = e.s / e.n;
      let tokens = 0;
      const lr = opt.lr;
      if (rows.length > 0) {
        const batch = buildBatch(rows.map((r): AdvRow => ({ uid: r.uid, reward_mode: r.prompt.reward_mode, score: r.score })));
        const adv = estimator(batch, config.advOptions);
        const upd = update(policy, opt, rows, adv.advantages, config, teacher);
        const lens = rows.map((r) => r.mask.reduce((a, b) => a + b, 0));
        tokens = lens.reduce((a, b) => a + b, 0);
        // verl's compute_data_metrics: advantages and returns over valid (masked) response tokens.
        const tokenAdv: number[] = [];
        rows.forEach((r, i) => r.mask.forEach((m) => m > 0 && tokenAdv.push(adv.advantages[i])));
        const pl = rows.map((r) => r.prompt.promptTokens.length);
        Object.assign(metrics, {
          ...statMetrics('critic/score', batch.scores),
          ...statMetrics('critic/rewards', batch.scores),
          ...statMetrics('critic/advantages', tokenAdv),
          ...statMetrics('critic/returns', tokenAdv),
          ...upd,
          'actor/entropy': aggTokens(rows, (r, t) => r.entropies[t], config.lossAggMode),
          'actor/lr': lr,
          'response_length/mean': tokens / rows.length,
          'response_length/max': Math.max(...lens),
          'response_length/min': Math.min(...lens),
          'response_length/clip_ratio': lens.filter((l) => l >= config.maxNewTokens).length / rows.length,
          'prompt_length/mean': pl.reduce((a, b) => a + b, 0) / pl.length,
          'prompt_length/max': Math.max(...pl),
          'prompt_length/min': Math.min(...pl),
        });
        if (judgeStats) Object.assign(metrics, statMetrics('critic/rule_score', rows.map((r) => r.ruleScore)));
        Object.assign(metrics, computeStepMetrics(batch, adv.extraMetrics, { rewardModeMetrics }));
      } else {
        // Every generated group had zero variance: no update this step (the reference would raise).
        const sc = stats(allScores);
        Object.assign(metrics, { 'critic/score/mean': sc.mean, 'critic/score/max': sc.max, 'critic/score/min': sc.min, 'critic/score/std': sc.std, 'actor/lr': lr });
      }
      const dt = (performance.now() - ts) / 1000;
      Object.assign(metrics, {
        'train/num_gen_batches': genBatches,
        'train/num_kept_groups': groups.length,
        'train/gen_score_mean': stats(allScores).mean,
        'perf/time_per_step': dt,
        'perf/throughput': dt > 0 ? tokens / dt : 0,
      });
      if (config.curriculum) Object.assign(metrics, { 'curriculum/phase': phase, 'curriculum/context_len': contextLen });
      if (config.mixture) Object.assign(metrics, { 'mixture/short_token_frac': promptTokens > 0 ? shortTokens / promptTokens : 0, 'mixture/short_prompts': shortPrompts });
      if (buffer) Object.assign(metrics, { 'retrospective/replayed': replayed, 'retrospective/replayed_difficulty_mean': replayed > 0 ? replayedDifficulty / replayed : 0, 'retrospective/buffer_size': buffer.size });
      if (judgeStats && judgeBefore) {
        Object.assign(metrics, {
          'reward/judge_calls': judgeStats.calls - judgeBefore.calls,
          'reward/judge_yes': judgeStats.yes - judgeBefore.yes,
          'reward/judge_no': judgeStats.no - judgeBefore.no,
          'reward/judge_fallbacks': judgeStats.fallbacks - judgeBefore.fallbacks,
          'reward/judge_raised': judgeStats.raised - judgeBefore.raised,
        });
      }
      logger?.log(step, metrics);
      if ((config.saveFreq > 0 && step % config.saveFreq === 0) || step === config.steps) save(step);
      const r = { step, metrics };
      history.push(r);
      hooks.onStep?.(r, config);
    }
  } finally {
    opt.dispose();
    lock?.release();
  }
  return { policy, config, startStep, finalStep: Math.max(startStep, config.steps), history, sftHistory, judgeStats, seconds: (performance.now() - t0) / 1000 };
}

/**
 * One training run (see the file header), synchronous. The returned policy belongs to the caller
 * (dispose it). An LLM judge needs `trainAsync`.
 */
export function train(config: TrainConfig, hooks: TrainHooks = {}, extras: TrainExtras = {}): TrainResult {
  if (extras.judge) throw new RangeError('an LLM judge is asynchronous: use trainAsync');
  const it = trainLoop(config, hooks, extras, null);
  for (;;) {
    const r = it.next();
    // Casts, not narrowing: the notebook kernel's TypeScript (non-strict) does not narrow IteratorResult.
    if (r.done) return r.value as TrainResult;
  }
}

/**
 * One training run with the hybrid reward when `extras.judge` is set: each generation batch is
 * rescored (max(rule, judge) where rule < 1, hybrid.ts) before dynamic sampling; replies are used in
 * input order, so the run is deterministic given the judge's verdicts.
 */
export async function trainAsync(config: TrainConfig, hooks: TrainHooks = {}, extras: TrainExtras = {}): Promise<TrainResult> {
  const judge = extras.judge ?? null;
  const judgeStats = judge ? emptyHybridStats() : null;
  const it = trainLoop(config, hooks, extras, judgeStats);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value as TrainResult;
    if (judge && judgeStats) {
      const rows = (r.value as Rollout[][]).flat();
      const scores = await hybridScores(
        rows.map((x) => ({ rule: x.ruleScore, req: judgeRequestFor(x.prompt, x.response) })),
        judge,
        judgeStats,
        extras.judgeConcurrency ?? 8,
      );
      rows.forEach((x, i) => (x.score = scores[i]));
    }
  }
}
