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
 * Adam is implemented here (not tf.train.adam) so that its whole state (m, v, t) is explicit and
 * checkpointable; the bias corrections 1 − β^t are computed in float64 from t.
 */
import * as tf from '@tensorflow/tfjs';
import { buildBatch, computeStepMetrics, getAdvEstimator, REWARD_MODE_ESTIMATORS, type AdvOptions, type AdvRow } from '../advantage/index.js';
import type { Capability } from '../rewards/capabilities.js';
import { Rng } from '../util/random.js';
import { latestCheckpointStep, loadCheckpoint, saveCheckpoint, type AdamState, type CheckpointState } from './checkpoint.js';
import { JsonlMetricsLogger } from './logger.js';
import { computePolicyLoss, type LossAggMode } from './loss.js';
import { Policy } from './policy.js';
import { EOS, heldOutPrompts, makeBatch, maxPromptTokens, PAD, scoreResponse, TASK_FAMILIES, VOCAB_SIZE, type TaskPrompt } from './tasks.js';
import { join } from 'node:path';

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
  /** Context tokens per prompt (tasks.ts `contextLen`). */
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
  lr: number;
  /** Decoupled weight decay (AdamW); GoLongRL uses 0.1 with Megatron's optimizer, 0 here by default. */
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
}

export interface TrainResult {
  policy: Policy;
  config: TrainConfig;
  /** The step the run started from (0, or the resumed checkpoint's step). */
  startStep: number;
  finalStep: number;
  history: StepResult[];
  /** Seconds spent in `train` (this process). */
  seconds: number;
}

// ───────────────────────────── recipes ─────────────────────────────

const BASE: Omit<TrainConfig, 'recipe' | 'model' | 'families' | 'contextLen' | 'promptsPerStep' | 'genBatchPrompts' | 'n' | 'maxNewTokens' | 'steps' | 'lr' | 'evalPromptsPerFamily'> = {
  maxGenBatches: 4,
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
};

/**
 * Named training set-ups. `tiny` is for tests (seconds); `sample-suite` trains on all nine
 * families with a budget of about a minute per run on 2 cores with wasm.
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
  'sample-suite': Object.freeze({
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
    saveFreq: 10,
    evalPromptsPerFamily: 4,
  }),
});

export function getRecipe(name: string): TrainConfig {
  const r = TRAIN_RECIPES[name];
  if (!r) throw new RangeError(`unknown recipe '${name}' (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
  return { ...r, model: { ...r.model }, families: [...r.families], advOptions: { ...r.advOptions } };
}

// ───────────────────────────── randomness ─────────────────────────────

const PURPOSE = { prompts: 1, sample: 2, eval: 3 } as const;

/** A 32-bit seed from (seed, step, purpose, index): murmur3's finaliser over a running mix. */
export function streamSeed(seed: number, step: number, purpose: number, index = 0): number {
  let h = seed >>> 0;
  for (const x of [step, purpose, index]) {
    h = Math.imul(h ^ (x >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

// ───────────────────────────── optimizer ─────────────────────────────

/** Adam(W) with explicit, checkpointable state. */
export class Adam {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  iteration = 0;
  constructor(
    private readonly vars: readonly tf.Variable[],
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    readonly weightDecay = 0,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }
  apply(grads: readonly tf.Tensor[]): void {
    this.iteration++;
    const t = this.iteration;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.epsilon));
        let nw = tf.sub(w, tf.mul(upd, this.lr));
        if (this.weightDecay > 0) nw = tf.sub(nw, tf.mul(w, this.lr * this.weightDecay));
        w.assign(nw);
      });
    });
  }
  getState(): AdamState {
    return {
      iteration: this.iteration,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      lr: this.lr,
      weightDecay: this.weightDecay,
      m: this.m.map((x) => Float32Array.from(x.dataSync() as Float32Array)),
      v: this.v.map((x) => Float32Array.from(x.dataSync() as Float32Array)),
    };
  }
  setState(s: AdamState): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) throw new Error(`optimizer state has ${s.m.length} moments, expected ${this.m.length}`);
    this.iteration = s.iteration;
    this.m.forEach((x, i) => tf.tidy(() => x.assign(tf.tensor(s.m[i], x.shape, 'float32'))));
    this.v.forEach((x, i) => tf.tidy(() => x.assign(tf.tensor(s.v[i], x.shape, 'float32'))));
  }
  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

// ───────────────────────────── rollout ─────────────────────────────

interface Rollout {
  prompt: TaskPrompt;
  uid: string;
  sequence: number[];
  response: number[];
  oldLogProbs: number[];
  mask: number[];
  score: number;
}

function drawPrompts(config: TrainConfig, step: number, genBatch: number): TaskPrompt[] {
  const rng = new Rng(streamSeed(config.seed, step, PURPOSE.prompts, genBatch));
  const out: TaskPrompt[] = [];
  for (let i = 0; i < config.genBatchPrompts; i++) {
    const fam = rng.pick(config.families);
    out.push(...makeBatch(rng, { contextLen: config.contextLen, families: [fam], promptsPerFamily: 1 }));
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
      return { prompt: p, uid, sequence: res.sequences[r], response: res.responses[r], oldLogProbs: res.oldLogProbs[r], mask: res.responseMask[r], score: scoreResponse(p, res.responses[r]) };
    });
  });
}

function populationStd(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / xs.length);
}

function stats(xs: ArrayLike<number>): { mean: number; max: number; min: number } {
  if (xs.length === 0) return { mean: 0, max: 0, min: 0 };
  let s = 0;
  let mx = -Infinity;
  let mn = Infinity;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    mx = Math.max(mx, xs[i]);
    mn = Math.min(mn, xs[i]);
  }
  return { mean: s / xs.length, max: mx, min: mn };
}

// ───────────────────────────── update ─────────────────────────────

interface UpdateMetrics {
  'actor/pg_loss': number;
  'actor/pg_clipfrac': number;
  'actor/ppo_kl': number;
  'actor/pg_clipfrac_lower': number;
  'actor/grad_norm': number;
}

/**
 * One update on the kept rollouts. Rows are bucketed by prompt length (the policy has no attention
 * mask, so equal-length rows go together); each bucket's aggregated loss is weighted by its share of
 * sequences (seq-mean-token-mean) or tokens (token-mean), which reproduces the whole-batch aggregate.
 * The four loss metrics are token means, combined with token weights.
 */
function update(policy: Policy, opt: Adam, rows: readonly Rollout[], advantages: Float64Array, config: TrainConfig): UpdateMetrics {
  const buckets = new Map<number, number[]>();
  rows.forEach((r, i) => {
    const P = r.prompt.promptTokens.length;
    buckets.set(P, [...(buckets.get(P) ?? []), i]);
  });
  const tokensOf = (i: number) => rows[i].mask.reduce((a, b) => a + b, 0);
  const totalTokens = rows.reduce((a, _, i) => a + tokensOf(i), 0);
  const totalSeqs = rows.filter((_, i) => tokensOf(i) > 0).length;
  const R = config.maxNewTokens;
  const acc = { 'actor/pg_loss': 0, 'actor/pg_clipfrac': 0, 'actor/ppo_kl': 0, 'actor/pg_clipfrac_lower': 0 };
  const vars = policy.trainableVariables;
  const { grads, value } = tf.variableGrads(() => {
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
      total = tf.add(total, tf.mul(loss, w));
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
  return { ...acc, 'actor/grad_norm': gradNorm };
}

// ───────────────────────────── evaluation ─────────────────────────────

export interface EvalOptions {
  /** 'greedy' (default): argmax decoding; 'sample': temperature 1 with a fixed-seed Rng. */
  mode?: 'greedy' | 'sample';
  maxNewTokens: number;
  seed?: number;
}

function greedy(policy: Policy, prompts: readonly (readonly number[])[], maxNewTokens: number): number[][] {
  const out: number[][] = prompts.map(() => []);
  const byLen = new Map<number, number[]>();
  prompts.forEach((p, i) => byLen.set(p.length, [...(byLen.get(p.length) ?? []), i]));
  const V = policy.config.vocabSize;
  for (const [P, rows] of byLen) {
    const seqs = rows.map((r) => [...prompts[r]]);
    const done = rows.map(() => false);
    for (let s = 0; s < maxNewTokens && !done.every(Boolean); s++) {
      const T = P + s;
      const B = rows.length;
      const next = tf.tidy(() => {
        const lg = policy.logits(tf.tensor2d(seqs.flat(), [B, T], 'int32'));
        return tf.argMax(tf.reshape(tf.slice(lg, [0, T - 1, 0], [B, 1, V]), [B, V]), -1).dataSync();
      });
      rows.forEach((r, b) => {
        const tok = done[b] ? PAD : next[b];
        seqs[b].push(tok);
        out[r].push(tok);
        if (tok === EOS) done[b] = true;
      });
    }
  }
  return out;
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

/** The held-out prompts a config evaluates on (fixed by its seed). */
export function heldOutFor(config: TrainConfig): TaskPrompt[] {
  return heldOutPrompts(config.seed, { contextLen: config.contextLen, families: config.families, promptsPerFamily: config.evalPromptsPerFamily });
}

// ───────────────────────────── the loop ─────────────────────────────

export function makePolicy(config: TrainConfig): Policy {
  return new Policy({ vocabSize: VOCAB_SIZE, maxLen: maxPromptTokens(config.contextLen) + config.maxNewTokens, seed: config.seed, ...config.model });
}

function validate(c: TrainConfig): void {
  for (const k of ['promptsPerStep', 'genBatchPrompts', 'n', 'maxNewTokens', 'maxGenBatches'] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`${k} must be a positive integer, got ${c[k]}`);
  if (!Number.isInteger(c.steps) || c.steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${c.steps}`);
  if (!(c.lr > 0)) throw new RangeError(`lr must be > 0, got ${c.lr}`);
  if (c.families.length === 0) throw new RangeError('families must not be empty');
  if (c.resume !== 'auto' && c.resume !== 'disable') throw new RangeError(`resume must be auto or disable, got ${String(c.resume)}`);
  getAdvEstimator(c.estimator);
}

/** One training run (see the file header). The returned policy belongs to the caller (dispose it). */
export function train(config: TrainConfig, hooks: TrainHooks = {}): TrainResult {
  validate(config);
  const t0 = performance.now();
  const policy = makePolicy(config);
  const vars = policy.trainableVariables;
  const opt = new Adam(vars, config.lr, 0.9, 0.999, 1e-8, config.weightDecay);
  const estimator = getAdvEstimator(config.estimator);
  const logger = config.outDir !== null ? new JsonlMetricsLogger(join(config.outDir, 'metrics.jsonl')) : null;
  let startStep = 0;
  if (config.outDir !== null && config.resume === 'auto') {
    const latest = latestCheckpointStep(config.outDir);
    if (latest !== null) {
      const ck = loadCheckpoint(config.outDir, latest);
      const names = policy.variableNames;
      if (ck.names.join('\0') !== names.join('\0')) throw new Error(`checkpoint ${latest} does not match the model (variables differ)`);
      if ((ck.extra as { seed?: number }).seed !== config.seed) throw new Error(`checkpoint ${latest} was written with seed ${String((ck.extra as { seed?: number }).seed)}, not ${config.seed}`);
      policy.setWeights(Object.fromEntries(names.map((n, i) => [n, ck.weights[i]])));
      opt.setState(ck.optimizer);
      startStep = latest;
      logger?.truncateAfter(latest);
      hooks.onResume?.(latest);
    } else {
      logger?.truncateAfter(0);
    }
  }
  const history: StepResult[] = [];
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
      extra: { seed: config.seed, step, rng: 'counter-based: every stream is Rng(streamSeed(seed, step, purpose, index))', backend: tf.getBackend(), recipe: config.recipe, estimator: config.estimator },
      data: { consumed_steps: step, gen_batch_prompts: config.genBatchPrompts },
    };
    saveCheckpoint(config.outDir, state, { keepLast: config.keepLast });
  };
  try {
    for (let step = startStep + 1; step <= config.steps; step++) {
      const ts = performance.now();
      const kept: Rollout[][] = [];
      const allScores: number[] = [];
      let genBatches = 0;
      while (kept.length < config.promptsPerStep && genBatches < config.maxGenBatches) {
        const groups = rollout(policy, drawPrompts(config, step, genBatches), config, step, genBatches);
        genBatches++;
        for (const g of groups) {
          const scores = g.map((r) => r.score);
          allScores.push(...scores);
          if (g.length === 1 || populationStd(scores) > 0) kept.push(g);
        }
      }
      const groups = kept.slice(0, config.promptsPerStep);
      const rows = groups.flat();
      const metrics: Record<string, number> = {};
      let tokens = 0;
      if (rows.length > 0) {
        const batch = buildBatch(rows.map((r): AdvRow => ({ uid: r.uid, reward_mode: r.prompt.reward_mode, score: r.score })));
        const adv = estimator(batch, config.advOptions);
        const upd = update(policy, opt, rows, adv.advantages, config);
        const sc = stats(batch.scores);
        const ad = stats(adv.advantages);
        const lens = rows.map((r) => r.mask.reduce((a, b) => a + b, 0));
        tokens = lens.reduce((a, b) => a + b, 0);
        Object.assign(metrics, {
          'critic/score/mean': sc.mean,
          'critic/score/max': sc.max,
          'critic/score/min': sc.min,
          'critic/advantages/mean': ad.mean,
          'critic/advantages/max': ad.max,
          'critic/advantages/min': ad.min,
          ...upd,
          'actor/lr': config.lr,
          'response_length/mean': tokens / rows.length,
        });
        Object.assign(metrics, computeStepMetrics(batch, adv.extraMetrics, { rewardModeMetrics }));
      } else {
        // Every generated group had zero variance: no update this step (the reference would raise).
        const sc = stats(allScores);
        Object.assign(metrics, { 'critic/score/mean': sc.mean, 'critic/score/max': sc.max, 'critic/score/min': sc.min, 'actor/lr': config.lr });
      }
      const dt = (performance.now() - ts) / 1000;
      Object.assign(metrics, {
        'train/num_gen_batches': genBatches,
        'train/num_kept_groups': groups.length,
        'train/gen_score_mean': stats(allScores).mean,
        'perf/time_per_step': dt,
        'perf/throughput': dt > 0 ? tokens / dt : 0,
      });
      logger?.log(step, metrics);
      if ((config.saveFreq > 0 && step % config.saveFreq === 0) || step === config.steps) save(step);
      const r = { step, metrics };
      history.push(r);
      hooks.onStep?.(r, config);
    }
  } finally {
    opt.dispose();
  }
  return { policy, config, startStep, finalStep: Math.max(startStep, config.steps), history, seconds: (performance.now() - t0) / 1000 };
}
