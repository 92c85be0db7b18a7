/**
 * Adam with decoupled weight decay and explicit, checkpointable state, as Megatron-Core's optimizer
 * runs it for GoLongRL (`optim/megatron.yaml`: `optimizer: adam`, betas (0.9, 0.999); the scripts set
 * weight_decay 0.1). Megatron builds its Adam as the fused AdamW kernel (decoupled decay, applied to
 * the weights before the update) and puts biases and every 1-D parameter (LayerNorm gains and biases)
 * in a no-weight-decay group; we do the same with `decay[i] = (rank of variable i ≥ 2)`:
 *
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²;   m̂ = m/(1−β1^t);   v̂ = v/(1−β2^t)
 *   w ← w − lr·( m̂/(√v̂ + ε) + λ·w )        (λ = weightDecay where decay[i], else 0)
 *
 * The bias corrections are computed in float64 from t. `lr` is set by the trainer before every step
 * (the warm-up schedule, trainer.ts `lrAt`).
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamState } from './checkpoint.js';

export class Adam {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  iteration = 0;
  /** Which variables are decayed (default: those of rank ≥ 2, as Megatron's param groups). */
  readonly decay: boolean[];
  constructor(
    private readonly vars: readonly tf.Variable[],
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    readonly weightDecay = 0,
    decay?: readonly boolean[],
  ) {
    if (!(weightDecay >= 0)) throw new RangeError(`weightDecay must be ≥ 0, got ${weightDecay}`);
    this.decay = decay ? [...decay] : vars.map((x) => x.rank >= 2);
    if (this.decay.length !== vars.length) throw new RangeError(`decay has ${this.decay.length} flags for ${vars.length} variables`);
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
        if (this.weightDecay > 0 && this.decay[i]) nw = tf.sub(nw, tf.mul(w, this.lr * this.weightDecay));
        w.assign(nw);
      });
    });
  }
  /**
   * The same step as `apply`, over Float32Arrays (no tfjs ops): the direct update of the js engine
   * (trainer.ts). `grads[i]` is variable i's gradient (already clipped). Every operation is rounded to
   * float32 in the order `apply`'s tfjs ops run (scalars as float32 constants), so the result equals
   * `apply`'s on the same inputs. The moments stay in `m`/`v` (tf.Variables), so checkpoints and
   * resume are shared with `apply`.
   */
  applyArrays(grads: readonly Float32Array[]): void {
    if (grads.length !== this.vars.length) throw new RangeError(`applyArrays: ${grads.length} gradients for ${this.vars.length} variables`);
    this.iteration++;
    const t = this.iteration;
    const f = Math.fround;
    const b1 = f(this.beta1);
    const b2 = f(this.beta2);
    const c1 = f(1 - this.beta1);
    const c2 = f(1 - this.beta2);
    const bc1 = f(1 - Math.pow(this.beta1, t));
    const bc2 = f(1 - Math.pow(this.beta2, t));
    const eps = f(this.epsilon);
    const lr = f(this.lr);
    const lrWd = f(this.lr * this.weightDecay);
    this.vars.forEach((w, i) => {
      const g = grads[i];
      const n = w.size;
      if (g.length !== n) throw new RangeError(`applyArrays: gradient ${i} has ${g.length} values, variable ${w.name} ${n}`);
      const m = this.m[i].dataSync() as Float32Array;
      const v = this.v[i].dataSync() as Float32Array;
      const x = w.dataSync() as Float32Array;
      const mo = new Float32Array(n);
      const vo = new Float32Array(n);
      const xo = new Float32Array(n);
      const decay = this.weightDecay > 0 && this.decay[i];
      for (let k = 0; k < n; k++) {
        const gk = g[k];
        const mk = f(f(m[k] * b1) + f(gk * c1));
        const vk = f(f(v[k] * b2) + f(f(gk * gk) * c2));
        mo[k] = mk;
        vo[k] = vk;
        const upd = f(f(mk / bc1) / f(f(Math.sqrt(f(vk / bc2))) + eps));
        let nw = f(x[k] - f(upd * lr));
        if (decay) nw = f(nw - f(x[k] * lrWd));
        xo[k] = nw;
      }
      tf.tidy(() => {
        this.m[i].assign(tf.tensor(mo, this.m[i].shape, 'float32'));
        this.v[i].assign(tf.tensor(vo, this.v[i].shape, 'float32'));
        w.assign(tf.tensor(xo, w.shape, 'float32'));
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

/** GoLongRL's per-step decoupled weight-decay shrinkage lr·wd (lr 2e-6, weight decay 0.1; docs/reference.md). */
export const GOLONGRL_LR_TIMES_WD = 2e-6 * 0.1;

/**
 * The weight decay that keeps GoLongRL's per-step shrinkage lr·wd at learning rate `lr`: the local runs
 * use a learning rate ~1000× the reference's, where wd 0.1 would shrink the weights that much faster.
 */
export function referenceWeightDecay(lr: number): number {
  return GOLONGRL_LR_TIMES_WD / lr;
}

/**
 * The learning rate of global step `step` (1-based) under Megatron-Core's OptimizerParamScheduler with
 * `lr_decay_style: constant`: verl logs `actor/lr` and THEN calls `scheduler.step(1)`
 * (verl/workers/megatron_workers.py), so step k runs with the scheduler's count n = k − 1, and
 *
 *   lr(n) = init + (lr − init) · n / W    for W > 0 and n ≤ W;     lr otherwise
 *
 * (W = lr_warmup_steps, init = lr_warmup_init, default 0.0 in optim/megatron.yaml). With init 0 the
 * FIRST update runs at lr 0 and step W + 1 is the first at full lr.
 */
export function lrAt(step: number, lr: number, warmupSteps: number, warmupInit = 0): number {
  const n = step - 1;
  if (warmupSteps > 0 && n <= warmupSteps) return warmupInit + ((lr - warmupInit) * n) / warmupSteps;
  return lr;
}
