/**
 * dGRPO's distillation term (GOLONGRL.md §G; arXiv 2605.12227, no public code): the GRPO objective plus
 * β · KL(student ‖ teacher) per token on the STUDENT's own sampled responses (on-policy distillation),
 * in one loss:
 *
 *   L = L_GRPO + β · agg_t KL_t,      KL_t = Σ_{v ∈ vocab} π_s(v | h_t) · (log π_s(v | h_t) − log π_t(v | h_t))
 *
 * h_t = prompt + the student's response tokens before t. The sum runs over the FULL vocabulary (55
 * tokens here), so the KL is exact, not a sampled estimate (verl's GKD recipe uses teacher top-k
 * log-probs; with a 55-token vocabulary there is no need). `agg_t` is the trainer's loss aggregation
 * (`seq-mean-token-mean` or `token-mean`) over the response mask. The teacher is a constant: the
 * gradient flows only into the student, and ∂KL/∂(student logits) = π_s ⊙ (log π_s − log π_t − KL_t),
 * which pushes the student's distribution toward the teacher's.
 *
 * The paper's β, teacher and exact objective could not be checked (§G is abstract-level); β is a
 * parameter here. The teacher is a larger Policy trained first (SFT on gold responses, `trainTeacher`)
 * or loaded from a `golongrl train` run directory (`loadTeacher`).
 *
 * Logged: `distill/kl` (the aggregated KL, before β), `distill/kl_loss` (β · KL), `distill/beta`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Capability } from '../rewards/capabilities.js';
import { latestCheckpointStep, loadCheckpoint } from './checkpoint.js';
import type { LossAggMode } from './loss.js';
import { Policy } from './policy.js';
import { runSft, type SftStepMetrics } from './sft.js';
import { maxPromptTokens, VOCAB_SIZE } from './tasks.js';

export interface DistillConfig {
  /** Weight of the KL term (≥ 0). */
  beta: number;
}

/**
 * Per-token KL(student ‖ teacher) [B, R] from the two log-softmaxes [B, R, V]. Differentiable in the
 * student's; differentiate with respect to the student only (the teacher's log-probs are data).
 */
export function perTokenKl(studentLogProbs: tf.Tensor3D, teacherLogProbs: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(tf.exp(studentLogProbs), tf.sub(studentLogProbs, teacherLogProbs)), -1) as tf.Tensor2D);
}

/** Aggregates a per-token quantity [B, R] over the mask as the policy loss does (loss.ts). */
export function aggregate(x: tf.Tensor2D, mask: tf.Tensor2D, mode: LossAggMode): tf.Scalar {
  return tf.tidy(() => {
    if (mode === 'token-mean') return tf.div(tf.sum(tf.mul(x, mask)), tf.add(tf.sum(mask), 1e-8)) as tf.Scalar;
    const tokens = tf.sum(mask, -1);
    const seq = tf.div(tf.sum(tf.mul(x, mask), -1), tf.maximum(tokens, 1));
    const has = tf.cast(tf.greater(tokens, 0), 'float32');
    return tf.div(tf.sum(tf.mul(seq, has)), tf.add(tf.sum(has), 1e-8)) as tf.Scalar;
  });
}

/**
 * KL(student ‖ teacher) of a bucket of equal-length sequences [B, P+R], aggregated over `mask` [B, R].
 * Differentiable with respect to the student's variables.
 */
export function distillKl(student: Policy, teacher: Policy, sequences: tf.Tensor2D, promptLen: number, mask: tf.Tensor2D, mode: LossAggMode): tf.Scalar {
  if (teacher.config.vocabSize !== student.config.vocabSize) throw new Error(`teacher vocabulary ${teacher.config.vocabSize} ≠ student vocabulary ${student.config.vocabSize}`);
  if (sequences.shape[1] > teacher.config.maxLen) throw new Error(`teacher maxLen ${teacher.config.maxLen} is shorter than the sequences (${sequences.shape[1]})`);
  return tf.tidy(() => {
    const s = student.responseLogSoftmax(sequences, promptLen, 1);
    // The teacher's variables are not among those differentiated (the trainer's variableGrads lists the
    // student's only), so its log-probs act as constants.
    const t = teacher.responseLogSoftmax(sequences, promptLen, 1);
    return aggregate(perTokenKl(s, t), mask, mode);
  });
}

export interface TeacherOptions {
  model: { dModel: number; nHeads: number; nLayers: number; dMlp?: number };
  families: readonly Capability[];
  contextLen: number;
  /** Longest context any student prompt will have (sets the teacher's maxLen). */
  maxContextLen: number;
  maxNewTokens: number;
  seed: number;
  sftSteps: number;
  sftLr: number;
  promptsPerStep: number;
}

/**
 * A teacher made locally: a (larger) Policy trained by `sftSteps` SFT steps on gold responses.
 * Its seed stream differs from the student's (seed + 1000). The caller disposes it.
 */
export function trainTeacher(o: TeacherOptions, onStep?: (step: number, m: SftStepMetrics) => void): Policy {
  const teacher = new Policy({ vocabSize: VOCAB_SIZE, maxLen: maxPromptTokens(o.maxContextLen) + o.maxNewTokens, seed: o.seed + 1000, ...o.model });
  runSft(
    teacher,
    { steps: o.sftSteps, lr: o.sftLr, promptsPerStep: o.promptsPerStep, families: o.families, contextLen: o.contextLen, maxNewTokens: o.maxNewTokens, seed: o.seed + 1000, gradClip: 1.0 },
    onStep,
  );
  return teacher;
}

/**
 * A teacher loaded from a `golongrl train` run directory (its latest checkpoint). The model shape
 * comes from the checkpoint's `extra_state.json` (`model`, written by the trainer) and the weight
 * shapes. The caller disposes it.
 */
export function loadTeacher(runDir: string): Policy {
  const step = latestCheckpointStep(runDir);
  if (step === null) throw new Error(`${runDir}: no checkpoint (latest_checkpointed_iteration.txt) to load a teacher from`);
  const ck = loadCheckpoint(runDir, step);
  const model = (ck.extra as { model?: { dModel: number; nHeads: number; nLayers: number; dMlp?: number } }).model;
  if (!model || !Number.isInteger(model.nHeads)) throw new Error(`${runDir}/global_step_${step}/actor/extra_state.json: field "model" missing (checkpoint written before teachers were supported)`);
  const shapeOf = (name: string) => {
    const i = ck.names.indexOf(name);
    if (i < 0) throw new Error(`${runDir}/global_step_${step}/actor/model.json: no variable ${name}`);
    return ck.shapes[i];
  };
  const [V] = shapeOf('tok_emb');
  const [L] = shapeOf('pos_emb');
  const p = new Policy({ vocabSize: V, maxLen: L, seed: 0, ...model, tiedEmbeddings: !ck.names.includes('head') });
  p.setWeights(Object.fromEntries(ck.names.map((n, i) => [n, ck.weights[i]])));
  return p;
}
