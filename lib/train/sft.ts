/**
 * SFT warm-up before RL (QwenLong-L1's "warm-up SFT", GOLONGRL.md §F; also how a local dGRPO teacher
 * is made): cross-entropy steps on the suite's gold responses (`goldResponseTokens`, tasks.ts).
 *
 *   loss = mean over sequences of ( −(1/|y|) Σ_t log π(y_t | x, y_<t) )       (seq-mean-token-mean)
 *
 * y = the gold response truncated to `maxNewTokens` (the RL response budget: a longer gold response
 * could never be sampled anyway), x the prompt. Each step draws `promptsPerStep` training prompts
 * (families uniformly, `makeBatch`, never held-out ones) from a counter-based stream (streams.ts,
 * purpose `sft`), takes one step of its own Adam (same betas/ε as RL, its own lr and schedule — constant, or linear
 * warm-up then cosine decay, `sftLrAt` — no weight decay) and clips the gradient to global norm `gradClip`. All rows go through one
 * `responseLogProbsBatch` call, whatever their prompt lengths.
 *
 * Logged per SFT step (`<out>/sft.jsonl` when the trainer runs it): `sft/loss`,
 * `sft/gold_logprob` (= −loss), `sft/grad_norm`, `sft/lr`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Capability } from '../rewards/capabilities.js';
import { Rng } from '../util/random.js';
import { Adam } from './adam.js';
import type { AdamState } from './checkpoint.js';
import type { Policy } from './policy.js';
import { PURPOSE, streamSeed } from './streams.js';
import { makeBatch, PAD, THINK_END, type TaskPrompt } from './tasks.js';

export interface SftConfig {
  /** SFT steps before RL (0: none). */
  steps: number;
  /** Learning rate of the SFT optimizer. */
  lr: number;
  /** Prompts per SFT step. */
  promptsPerStep: number;
  /** Linear warm-up steps from 0 (default 0: none). */
  warmupSteps?: number;
  /** After the warm-up: 'constant' (default) or 'cosine' decay to `minLrRatio` × lr at the last step. */
  decay?: 'constant' | 'cosine';
  /** Final lr as a fraction of lr for 'cosine' (default 0.1). */
  minLrRatio?: number;
  /**
   * Format noise ε (default 0): with probability ε an SFT target is the gold response WITHOUT its
   * `</think>` token — a plain-answer demonstration, right in content but in the style GoLongRL's format
   * gate scores 0 (a response needs exactly one `</think>`). The base's corpus mixes both styles, as a
   * pretrained model's does; learning the format is then the first thing RL learns, as in real runs.
   */
  formatNoise?: number;
}

export interface SftRunOptions extends SftConfig {
  families: readonly Capability[];
  /** Context length of the SFT prompts (a curriculum's first phase, normally). */
  contextLen: number;
  maxNewTokens: number;
  seed: number;
  gradClip: number;
}

export interface SftStepMetrics {
  'sft/loss': number;
  'sft/gold_logprob': number;
  'sft/grad_norm': number;
  'sft/lr': number;
}

export function validateSft(c: SftConfig): void {
  if (!Number.isInteger(c.steps) || c.steps < 0) throw new RangeError(`sft.steps must be a non-negative integer, got ${c.steps}`);
  if (!(c.lr > 0)) throw new RangeError(`sft.lr must be > 0, got ${c.lr}`);
  if (!Number.isInteger(c.promptsPerStep) || c.promptsPerStep < 1) throw new RangeError(`sft.promptsPerStep must be a positive integer, got ${c.promptsPerStep}`);
  if (c.warmupSteps !== undefined && !(Number.isInteger(c.warmupSteps) && c.warmupSteps >= 0)) throw new RangeError(`sft.warmupSteps must be a non-negative integer, got ${c.warmupSteps}`);
  if (c.decay !== undefined && c.decay !== 'constant' && c.decay !== 'cosine') throw new RangeError(`sft.decay must be 'constant' or 'cosine', got ${String(c.decay)}`);
  if (c.minLrRatio !== undefined && !(c.minLrRatio >= 0 && c.minLrRatio <= 1)) throw new RangeError(`sft.minLrRatio must be in [0, 1], got ${c.minLrRatio}`);
  if (c.formatNoise !== undefined && !(c.formatNoise >= 0 && c.formatNoise < 1)) throw new RangeError(`sft.formatNoise must be in [0, 1), got ${c.formatNoise}`);
}

/** The SFT learning rate at step `step` (1-based): linear warm-up from 0, then constant or cosine to minLrRatio·lr. */
export function sftLrAt(c: SftConfig, step: number): number {
  const w = c.warmupSteps ?? 0;
  if (w > 0 && step <= w) return (c.lr * step) / w;
  if ((c.decay ?? 'constant') === 'constant' || c.steps <= w + 1) return c.lr;
  const f = (step - w - 1) / (c.steps - w - 1);
  const min = c.minLrRatio ?? 0.1;
  return c.lr * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * f)));
}

/**
 * The SFT targets of a step's prompts: the gold response, or with probability `formatNoise` the gold
 * response without `</think>` (coins from the stream (seed, step, sft, 1): the prompt stream is unchanged).
 */
export function sftTargets(o: SftRunOptions, step: number, prompts: readonly TaskPrompt[]): number[][] {
  const eps = o.formatNoise ?? 0;
  if (eps <= 0) return prompts.map((p) => p.goldResponseTokens);
  const rng = new Rng(streamSeed(o.seed, step, PURPOSE.sft, 1));
  return prompts.map((p) => (rng.next() < eps ? p.goldResponseTokens.filter((x) => x !== THINK_END) : p.goldResponseTokens));
}

/** The SFT prompts of SFT step `step` (1-based). */
export function sftPrompts(o: SftRunOptions, step: number): TaskPrompt[] {
  const rng = new Rng(streamSeed(o.seed, step, PURPOSE.sft));
  const out: TaskPrompt[] = [];
  for (let i = 0; i < o.promptsPerStep; i++) out.push(...makeBatch(rng, { contextLen: o.contextLen, families: [rng.pick(o.families)], promptsPerFamily: 1 }));
  return out;
}

/**
 * Mean gold-response cross-entropy (the SFT loss) of `prompts` under `policy`, as a differentiable
 * scalar. Exported so tests can check it against a direct computation.
 */
export function goldCrossEntropy(policy: Policy, prompts: readonly TaskPrompt[], maxNewTokens: number, targets?: readonly (readonly number[])[]): tf.Scalar {
  // One call over every prompt length (Policy.responseLogProbsBatch); gold responses padded to the longest.
  const golds = prompts.map((p, i) => (targets ? targets[i] : p.goldResponseTokens).slice(0, maxNewTokens));
  const Rmax = Math.max(1, ...golds.map((g) => g.length));
  return tf.tidy(() => {
    const seqs = prompts.map((p, i) => [...p.promptTokens, ...golds[i], ...Array<number>(Rmax - golds[i].length).fill(PAD)]);
    const lens = golds.map((g) => g.length);
    const lp = policy.responseLogProbsBatch(seqs, prompts.map((p) => p.promptTokens.length), 1, lens);
    const perSeq = tf.div(tf.sum(lp, -1), tf.tensor1d(lens.map((l) => Math.max(l, 1))));
    return tf.mul(tf.neg(tf.sum(perSeq)), 1 / prompts.length) as tf.Scalar;
  });
}

/** The same loss bucketed by prompt length (the pre-engine formulation), kept to test the one-call form against. */
export function goldCrossEntropyBucketed(policy: Policy, prompts: readonly TaskPrompt[], maxNewTokens: number): tf.Scalar {
  const buckets = new Map<number, TaskPrompt[]>();
  for (const p of prompts) buckets.set(p.promptTokens.length, [...(buckets.get(p.promptTokens.length) ?? []), p]);
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const [P, ps] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) {
      const golds = ps.map((p) => p.goldResponseTokens.slice(0, maxNewTokens));
      const R = Math.max(...golds.map((g) => g.length));
      const seq = tf.tensor2d(ps.flatMap((p, i) => [...p.promptTokens, ...golds[i], ...Array<number>(R - golds[i].length).fill(PAD)]), [ps.length, P + R], 'int32');
      const mask = tf.tensor2d(golds.flatMap((g) => Array.from({ length: R }, (_, t) => (t < g.length ? 1 : 0))), [ps.length, R], 'float32');
      const lp = policy.responseLogProbs(seq, P, 1);
      const perSeq = tf.div(tf.sum(tf.mul(lp, mask), -1), tf.maximum(tf.sum(mask, -1), 1));
      total = tf.add(total, tf.mul(tf.neg(tf.sum(perSeq)), 1 / prompts.length));
    }
    return total;
  });
}

/** Run `o.steps` SFT steps on `policy` (in place). Returns one metrics record per step; `onOptimizer` gets the final Adam state (for a checkpoint). */
export function runSft(policy: Policy, o: SftRunOptions, onStep?: (step: number, m: SftStepMetrics) => void, onOptimizer?: (state: AdamState) => void): SftStepMetrics[] {
  validateSft(o);
  const vars = policy.trainableVariables;
  const opt = new Adam(vars, o.lr);
  const out: SftStepMetrics[] = [];
  try {
    for (let s = 1; s <= o.steps; s++) {
      const prompts = sftPrompts(o, s);
      const targets = sftTargets(o, s, prompts);
      opt.lr = sftLrAt(o, s);
      const { grads, value } = tf.variableGrads(() => goldCrossEntropy(policy, prompts, o.maxNewTokens, targets), vars);
      const loss = value.dataSync()[0];
      value.dispose();
      const ordered = vars.map((v) => grads[v.name]);
      const gradNorm = Math.sqrt(tf.tidy(() => tf.addN(ordered.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
      const coef = gradNorm > o.gradClip ? o.gradClip / (gradNorm + 1e-6) : 1;
      const clipped = coef < 1 ? ordered.map((g) => tf.mul(g, coef)) : ordered;
      opt.apply(clipped);
      if (coef < 1) tf.dispose(clipped);
      tf.dispose(ordered);
      const m: SftStepMetrics = { 'sft/loss': loss, 'sft/gold_logprob': -loss, 'sft/grad_norm': gradNorm, 'sft/lr': opt.lr };
      out.push(m);
      onStep?.(s, m);
    }
    onOptimizer?.(opt.getState());
  } finally {
    opt.dispose();
  }
  return out;
}
