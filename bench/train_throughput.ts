/**
 * Benchmark: the local trainer's policy engine (issue 11 §1, docs/engine.md), in one command.
 *
 * A. Engine vs PyTorch (the peer a researcher would reach for), the same model (same weights), the same
 *    batch and the same step, timed in the same command:
 *      sample  one generation batch (genBatchPrompts × n rollouts, every prompt length together, R new
 *              tokens each, no eos so both sides do identical work), KV cache and prefix sharing (each
 *              distinct prompt prefilled once for its n rollouts) on both sides;
 *      train   one update on the training batch (promptsPerStep × n rows): log-probs of the responses,
 *              GRPO's clipped loss, backward, global-norm clip, Adam(W) step — ours is the trainer's update
 *              (js engine: the direct update `responseLogProbsDirect` + `policyLossGrad` + engine backward +
 *              `Adam.applyArrays`; tfjs engine: `responseLogProbsBatch` + `computePolicyLoss` + tf.variableGrads + `Adam`), torch's is
 *              bench/torch_policy.py (Debian python3-torch, /usr/bin/python3), torch.set_num_threads(2).
 *    Ours runs on ONE thread (no worker_threads). Reported: generated tokens/s (B·R / median sample
 *    seconds), trained tokens/s (rows·R / median step seconds), ours ÷ torch, and the share of the
 *    machine's fp32 peak (analytic FLOPs ÷ time ÷ peak; peak ASSUMED 105 GFLOP/s per core, issue 11's
 *    AVX2 measurement: 1 core for ours, 2 for torch). Torch's log-probs on the training batch must
 *    agree with ours (max |Δ| printed) — same model, same weights.
 *    The same workload on the tfjs reference engine (wasm backend) is "today's" engine-level number.
 *    Workloads: the `sample-suite` recipe's shape (read from TRAIN_RECIPES, so the bench follows the
 *    default) and a larger one (d_model 128, 4 layers, 16 rollouts per prompt, 64-token contexts).
 *
 * B. End to end: the trainer (`train`, sample-suite recipe, STEPS steps, wasm backend) with the tfjs engine
 *    (today's trainer: the BASELINE) and with the fast engine, in this process. Per step: wall seconds (the
 *    trainer's perf/time_per_step), CPU seconds of this process, generation batches drawn, and trained
 *    tokens/s (the trainer's perf/throughput: response tokens of the KEPT groups over the step's time —
 *    sampling of every generation batch, scoring, advantages and update). speed-up = tfjs CPU s/step ÷ js
 *    CPU s/step (the same number of generation batches per step, so equal work; CPU time is robust to
 *    other load on the machine; target ≥ 30×); the trained-tokens/s ratio is printed too but is noisy,
 *    because the two engines draw different samples and dynamic sampling keeps different groups.
 *
 * Timings are medians of repetitions (at least 3, at least MIN_S seconds) taken on a shared machine:
 * compare ratios measured in the same command, not absolute numbers across runs.
 *
 * Run standalone: `node --import tsx bench/train_throughput.ts [--steps N] [--quick] [--end-to-end]`
 * (`--end-to-end`: part B only, no torch needed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../lib/train/adam.js';
import { selectBackend } from '../lib/train/backend.js';
import { wasmKernelsActive } from '../lib/train/engine/kernels.js';
import { computePolicyLoss, policyLossGrad } from '../lib/train/loss.js';
import { getDefaultEngine, Policy, setDefaultEngine, type EngineName } from '../lib/train/policy.js';
import { maxPromptTokens, VOCAB_SIZE } from '../lib/train/tasks.js';
import { drawStepPrompts, getRecipe, train, type TrainConfig } from '../lib/train/trainer.js';
import { Rng } from '../lib/util/random.js';

const PYTHON = '/usr/bin/python3';

export interface Workload {
  name: string;
  model: { dModel: number; nHeads: number; nLayers: number; dMlp?: number };
  contextLen: number;
  genPrompts: number;
  n: number;
  trainPrompts: number;
  R: number;
}

export interface EngineTiming {
  engine: string;
  sample_s: number | null;
  train_s: number | null;
  gen_tokens_per_s: number | null;
  trained_tokens_per_s: number | null;
  /** Achieved ÷ peak fp32 FLOP/s (analytic FLOPs). */
  sample_peak_share: number | null;
  train_peak_share: number | null;
  threads: number;
}

export interface WorkloadResult {
  workload: Workload;
  parameters: number;
  gen_rows: number;
  train_rows: number;
  sample_flops: number;
  train_flops: number;
  runs: EngineTiming[];
  torch_version: string;
  torch_blas: string;
  /** torch.mm 512³ GFLOP/s on 1 and 2 threads (this torch build's BLAS; informational). */
  torch_mm_gflops_1: number;
  torch_mm_gflops_2: number;
  max_logprob_diff: number;
  /** ours (js) ÷ torch (2 threads). */
  sample_ratio_vs_torch: number;
  train_ratio_vs_torch: number;
  /** js ÷ tfjs reference on this workload (when measured). */
  sample_speedup_vs_tfjs: number | null;
  train_speedup_vs_tfjs: number | null;
}

export interface EndToEnd {
  engine: string;
  backend: string;
  /** Steps measured (2..STEPS). */
  steps: number;
  /** Response tokens trained on (kept groups only, as perf/throughput counts them). */
  tokens: number;
  seconds: number;
  cpu_seconds: number;
  gen_batches_per_step: number;
  tokens_per_s: number;
  tokens_per_cpu_s: number;
  s_per_step: number;
  cpu_s_per_step: number;
}

export interface TrainThroughputResult {
  name: string;
  workloads: WorkloadResult[];
  endToEnd: EndToEnd[];
  /** End to end, js engine ÷ today's tfjs-wasm trainer: CPU seconds per step (equal work: the same generation batches per step). */
  speedup: number;
  /** The same on trained tokens per wall second (noisy: kept groups differ between engines). */
  speedup_tokens_per_s: number;
  details: string;
}

// ───────────────────────────── analytic FLOPs ─────────────────────────────

function layerFlopsPerToken(D: number, M: number): number {
  return 2 * D * 3 * D + 2 * D * D + 2 * D * M + 2 * M * D;
}

/** Causal attention FLOPs of one layer for a token at position t (attends to t + 1 keys): QKᵀ and PV. */
function attnFlops(t: number, D: number): number {
  return 4 * (t + 1) * D;
}

/** Forward FLOPs of one row: every input token through the layers (positions 0 … P+R−2), the head at the R scored positions. */
function rowFlops(w: Workload, P: number, V: number, from = 0): number {
  const D = w.model.dModel;
  const M = w.model.dMlp ?? 4 * D;
  let f = 0;
  for (let t = from; t < P + w.R - 1; t++) f += w.model.nLayers * (layerFlopsPerToken(D, M) + attnFlops(t, D));
  return f + w.R * 2 * D * V;
}

/**
 * Useful FLOPs of KV-cache sampling with prefix sharing: each DISTINCT prompt prefilled once, then the R − 1
 * decoded tokens of every row through the layers, and the head at each of the R generated tokens.
 */
export function sampleFlops(w: Workload, prompts: readonly (readonly number[])[], V: number): number {
  const D = w.model.dModel;
  const M = w.model.dMlp ?? 4 * D;
  const seen = new Set<string>();
  let f = 0;
  for (const p of prompts) {
    const P = p.length;
    const key = p.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      for (let t = 0; t < P; t++) f += w.model.nLayers * (layerFlopsPerToken(D, M) + attnFlops(t, D));
    }
    f += rowFlops(w, P, V, P);
  }
  return f;
}

/** FLOPs of one update: forward over every input token and the head at the R response positions, ×3 (backward ≈ 2× forward). */
export function trainFlops(w: Workload, promptLens: number[], V: number): number {
  return 3 * promptLens.reduce((a, P) => a + rowFlops(w, P, V), 0);
}

// ───────────────────────────── timing ─────────────────────────────

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timed(fn: () => void, minS: number, maxReps: number, warm = 2): number {
  for (let i = 0; i < warm; i++) fn();
  const ts: number[] = [];
  const end = performance.now() + minS * 1000;
  while (ts.length < maxReps && (ts.length < 3 || performance.now() < end)) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

interface TrainBatch {
  sequences: number[][];
  promptLens: number[];
  old: number[][];
  adv: number[];
  mask: number[][];
}

/**
 * The trainer's update (lib/train/trainer.ts `update`, no teacher): one call over the whole batch; on the
 * js engine the direct, tape-free path as the trainer's `updateDirect` runs it.
 */
function trainStep(policy: Policy, opt: Adam, b: TrainBatch, R: number): void {
  const vars = policy.trainableVariables;
  const B = b.sequences.length;
  if (policy.engine === 'js') {
    const fwd = policy.responseLogProbsDirect(b.sequences, b.promptLens, 1, b.mask.map((m) => m.reduce((x, y) => x + y, 0)));
    const { dLogProbs } = policyLossGrad(fwd.logProbs, b.old.flat(), b.mask.flatMap((m, i) => m.map((x) => x * b.adv[i])), b.mask.flat(), B, R, { aggMode: 'seq-mean-token-mean' });
    const g = fwd.backward(dLogProbs);
    let sq = 0;
    for (const x of g) for (let k = 0; k < x.length; k++) sq += x[k] * x[k];
    const norm = Math.sqrt(sq);
    const coef = norm > 1 ? Math.fround(1 / (norm + 1e-6)) : 1;
    if (coef < 1) for (const x of g) for (let k = 0; k < x.length; k++) x[k] = x[k] * coef;
    opt.applyArrays(g);
    return;
  }
  const { grads, value } = tf.variableGrads(() => {
    const lp = policy.responseLogProbsBatch(b.sequences, b.promptLens, 1, b.mask.map((m) => m.reduce((x, y) => x + y, 0)));
    const old = tf.tensor2d(b.old.flat(), [B, R], 'float32');
    const mask = tf.tensor2d(b.mask.flat(), [B, R], 'float32');
    const adv = tf.tensor2d(b.mask.flatMap((m, i) => m.map((x) => x * b.adv[i])), [B, R], 'float32');
    return computePolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, responseMask: mask }, { aggMode: 'seq-mean-token-mean' }).loss;
  }, vars);
  value.dispose();
  const ordered = vars.map((v) => grads[v.name]);
  const gradNorm = Math.sqrt(tf.tidy(() => tf.addN(ordered.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  const coef = gradNorm > 1 ? 1 / (gradNorm + 1e-6) : 1;
  const clipped = coef < 1 ? ordered.map((g) => tf.mul(g, coef)) : ordered;
  opt.apply(clipped);
  if (coef < 1) tf.dispose(clipped);
  tf.dispose(ordered);
}

function workloadFromRecipe(c: TrainConfig): Workload {
  return { name: `${c.recipe} recipe`, model: c.model, contextLen: c.contextLen, genPrompts: c.genBatchPrompts, n: c.n, trainPrompts: c.promptsPerStep, R: c.maxNewTokens };
}

/** A wider model with GoLongRL's 16 rollouts per prompt (kept small enough that the torch peer finishes in seconds). */
export const LARGER: Workload = { name: 'wider (d_model 128, 16 rollouts/prompt)', model: { dModel: 128, nHeads: 4, nLayers: 2 }, contextLen: 32, genPrompts: 2, n: 16, trainPrompts: 1, R: 16 };

/**
 * fp32 peak FLOP/s of one core of this machine, ASSUMED from issue 11's measurement (a tight AVX2 FMA loop:
 * ~105 GFLOP/s per core; ~195 with AVX-512). Not re-measured here: neither Node nor this torch build
 * (generic BLAS) can reach it, so a measurement through either would understate the machine.
 */
export const PEAK_FLOPS_PER_CORE = 105e9;

async function benchWorkload(w: Workload, opts: { minS: number; tfjs: boolean; seed: number; torchMinS: number; torchMaxReps: number; torchWarm: number }): Promise<WorkloadResult> {
  const base = getRecipe('sample-suite');
  const config: TrainConfig = { ...base, model: w.model, contextLen: w.contextLen, genBatchPrompts: w.genPrompts, n: w.n, promptsPerStep: w.trainPrompts, maxNewTokens: w.R, seed: opts.seed, curriculum: null, mixture: null, retrospective: null };
  const drawn = drawStepPrompts(config, 1, 0).prompts;
  const prompts = drawn.flatMap((p) => Array.from({ length: w.n }, () => [...p.promptTokens]));
  const maxLen = maxPromptTokens(w.contextLen) + w.R;
  const V = VOCAB_SIZE;
  const mk = (engine: EngineName) => new Policy({ vocabSize: V, maxLen, seed: opts.seed, ...w.model, engine });
  const js = mk('js');
  const sampleOpts = (rep: number) => ({ maxNewTokens: w.R, temperature: 1, rng: new Rng(1000 + rep) });
  const first = js.sample(prompts, sampleOpts(0));
  const trainRows = w.trainPrompts * w.n;
  const rng = new Rng(opts.seed + 7);
  const batch: TrainBatch = {
    sequences: first.sequences.slice(0, trainRows),
    promptLens: prompts.slice(0, trainRows).map((p) => p.length),
    old: first.oldLogProbs.slice(0, trainRows),
    adv: Array.from({ length: trainRows }, () => rng.normal()),
    mask: first.responseMask.slice(0, trainRows),
  };
  const checkLp = js.responseLogProbsBatch(batch.sequences, batch.promptLens, 1).arraySync();
  const sampleF = sampleFlops(w, prompts, V);
  const trainF = trainFlops(w, batch.promptLens, V);

  // Torch peer (same weights), 2 threads.
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-bench-torch-'));
  let torch: { torch: string; blas: string[]; mm_gflops_1: number; mm_gflops_n: number; sample_s: number; train_s: number; max_logprob_diff: number };
  try {
    const weights = js.getWeights();
    const shapes = js.weightShapes();
    const names = js.variableNames;
    const total = names.reduce((a, n) => a + weights[n].length, 0);
    const flat = new Float32Array(total);
    let o = 0;
    for (const n of names) {
      flat.set(weights[n], o);
      o += weights[n].length;
    }
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(flat.buffer));
    const spec = {
      config: { vocabSize: V, ...w.model, dMlp: w.model.dMlp ?? 4 * w.model.dModel, maxLen },
      names,
      shapes: names.map((n) => shapes[n]),
      weights_file: join(dir, 'weights.bin'),
      threads: 2,
      min_s: opts.torchMinS,
      max_reps: opts.torchMaxReps,
      warm: opts.torchWarm,
      sample: { prompts, maxNewTokens: w.R, temperature: 1 },
      train: { ...batch, R: w.R },
      check_logprobs: checkLp,
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    try {
      execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    } catch {
      throw new Error(`the PyTorch peer needs ${PYTHON} with torch (Debian: apt-get install python3-torch); \`node --import tsx bench/train_throughput.ts --end-to-end\` runs the part without it`);
    }
    const out = execFileSync(PYTHON, [resolve('bench/torch_policy.py'), join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '2' } });
    torch = JSON.parse(out.trim().split('\n').at(-1) as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const runs: EngineTiming[] = [];
  const measure = (engine: EngineName, minS: number, maxReps: number, warm: number): EngineTiming => {
    const p = engine === 'js' ? js : mk(engine);
    if (engine !== 'js') p.setWeights(js.getWeights());
    let rep = 0;
    const sampleS = timed(() => void p.sample(prompts, sampleOpts(++rep)), minS, maxReps, warm);
    const opt = new Adam(p.trainableVariables, 1e-9, 0.9, 0.999, 1e-8, 0.1);
    const trainS = timed(() => trainStep(p, opt, batch, w.R), minS, maxReps, warm);
    opt.dispose();
    if (p !== js) p.dispose();
    const peak1 = PEAK_FLOPS_PER_CORE;
    return {
      engine: engine === 'js' ? `js${wasmKernelsActive() ? ' (wasm SIMD kernels)' : ''}` : 'tfjs (wasm backend)',
      sample_s: sampleS,
      train_s: trainS,
      gen_tokens_per_s: (prompts.length * w.R) / sampleS,
      trained_tokens_per_s: (trainRows * w.R) / trainS,
      sample_peak_share: sampleF / sampleS / peak1,
      train_peak_share: trainF / trainS / peak1,
      threads: 1,
    };
  };
  const ours = measure('js', opts.minS, 50, 2);
  runs.push(ours);
  const peak2 = 2 * PEAK_FLOPS_PER_CORE;
  runs.push({
    engine: `torch ${torch.torch}`,
    sample_s: torch.sample_s,
    train_s: torch.train_s,
    gen_tokens_per_s: (prompts.length * w.R) / torch.sample_s,
    trained_tokens_per_s: (trainRows * w.R) / torch.train_s,
    sample_peak_share: sampleF / torch.sample_s / peak2,
    train_peak_share: trainF / torch.train_s / peak2,
    threads: 2,
  });
  let ref: EngineTiming | null = null;
  if (opts.tfjs) {
    ref = measure('tfjs', 0, 2, 1);
    runs.push(ref);
  }
  js.dispose();
  return {
    workload: w,
    parameters: js.numParameters,
    gen_rows: prompts.length,
    train_rows: trainRows,
    sample_flops: sampleF,
    train_flops: trainF,
    runs,
    torch_version: torch.torch,
    torch_blas: torch.blas.join(' '),
    torch_mm_gflops_1: torch.mm_gflops_1,
    torch_mm_gflops_2: torch.mm_gflops_n,
    max_logprob_diff: torch.max_logprob_diff,
    sample_ratio_vs_torch: torch.sample_s / (ours.sample_s as number),
    train_ratio_vs_torch: torch.train_s / (ours.train_s as number),
    sample_speedup_vs_tfjs: ref ? (ref.sample_s as number) / (ours.sample_s as number) : null,
    train_speedup_vs_tfjs: ref ? (ref.train_s as number) / (ours.train_s as number) : null,
  };
}

// ───────────────────────────── end to end ─────────────────────────────

/**
 * The trainer end to end, in this process: `train(getRecipe('sample-suite'))` for `steps` steps with the
 * given engine (wasm backend), per-step wall time (the trainer's perf/time_per_step) and per-step CPU time
 * of this process (process.cpuUsage between onStep hooks: robust to other load on a shared machine).
 */
function runTrainer(engine: EngineName, steps: number, seed: number): EndToEnd {
  const prev = getDefaultEngine();
  setDefaultEngine(engine);
  try {
    const config: TrainConfig = { ...getRecipe('sample-suite'), steps, seed, outDir: null, evalPromptsPerFamily: 1 };
    let last = process.cpuUsage();
    const cpu: number[] = [];
    const r = train(config, {
      onStep: () => {
        const d = process.cpuUsage(last);
        cpu.push((d.user + d.system) / 1e6);
        last = process.cpuUsage();
      },
    });
    r.policy.dispose();
    let tokens = 0;
    let seconds = 0;
    let cpuS = 0;
    let genBatches = 0;
    r.history.forEach((h, i) => {
      if (h.step < 2) return; // step 1 is warm-up (JIT, wasm compilation)
      const dt = h.metrics['perf/time_per_step'] ?? 0;
      tokens += (h.metrics['perf/throughput'] ?? 0) * dt;
      seconds += dt;
      cpuS += cpu[i];
      genBatches += h.metrics['train/num_gen_batches'] ?? 0;
    });
    const n = Math.max(1, r.history.length - 1);
    return { engine, backend: tf.getBackend(), steps: n, tokens: Math.round(tokens), seconds, cpu_seconds: cpuS, gen_batches_per_step: genBatches / n, tokens_per_s: tokens / seconds, tokens_per_cpu_s: tokens / cpuS, s_per_step: seconds / n, cpu_s_per_step: cpuS / n };
  } finally {
    setDefaultEngine(prev);
  }
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null, d = 0) => (x === null ? '–' : x.toFixed(d));

export async function benchTrainThroughput(opts: { steps?: number; seed?: number; minS?: number; quick?: boolean; endToEndOnly?: boolean } = {}): Promise<TrainThroughputResult> {
  const steps = opts.steps ?? 6;
  const seed = opts.seed ?? 1;
  const minS = opts.minS ?? 2;
  await selectBackend('wasm');
  const workloads: WorkloadResult[] = [];
  if (!opts.endToEndOnly) workloads.push(await benchWorkload(workloadFromRecipe(getRecipe('sample-suite')), { minS, tfjs: true, seed, torchMinS: minS, torchMaxReps: 20, torchWarm: 2 }));
  if (!opts.quick && !opts.endToEndOnly) workloads.push(await benchWorkload(LARGER, { minS, tfjs: false, seed, torchMinS: 0, torchMaxReps: 3, torchWarm: 1 }));
  process.stderr.write('  end to end: the sample-suite trainer with the tfjs engine (baseline) and the js engine …\n');
  const endToEnd = [runTrainer('tfjs', steps, seed), runTrainer('js', steps, seed)];
  const speedup = endToEnd[0].cpu_s_per_step / endToEnd[1].cpu_s_per_step;
  const speedupTps = endToEnd[1].tokens_per_s / endToEnd[0].tokens_per_s;
  const lines: string[] = [];
  for (const r of workloads) {
    const w = r.workload;
    lines.push(
      `${w.name}: d_model ${w.model.dModel}, ${w.model.nLayers} layers, ${w.model.nHeads} heads, ${r.parameters} parameters; sample ${r.gen_rows} rows × ${w.R} tokens, train ${r.train_rows} rows × ${w.R}; ` +
        `torch log-probs agree to ${r.max_logprob_diff.toExponential(1)}; torch ${r.torch_blas}, torch.mm 512³ ${r.torch_mm_gflops_1.toFixed(1)} GFLOP/s (1 thr) / ${r.torch_mm_gflops_2.toFixed(1)} (2 thr); ` +
        `peak assumed ${PEAK_FLOPS_PER_CORE / 1e9} GFLOP/s per core`,
    );
    for (const e of r.runs)
      lines.push(
        `  ${e.engine.padEnd(30)} ${e.threads} thr  generated ${num(e.gen_tokens_per_s).padStart(8)} tok/s (${pct(e.sample_peak_share)} of peak)   trained ${num(e.trained_tokens_per_s).padStart(8)} tok/s (${pct(e.train_peak_share)} of peak)`,
      );
    lines.push(
      `  ours ÷ torch(2 threads): sampling ${r.sample_ratio_vs_torch.toFixed(2)}×, training step ${r.train_ratio_vs_torch.toFixed(2)}× (target ≥ 1.0×)` +
        (r.sample_speedup_vs_tfjs !== null ? `; ours ÷ tfjs reference: sampling ${r.sample_speedup_vs_tfjs.toFixed(1)}×, training step ${(r.train_speedup_vs_tfjs as number).toFixed(1)}×` : ''),
    );
  }
  lines.push(`end to end, the trainer on the sample-suite recipe (train(), ${steps} steps, measured over steps 2..${steps}):`);
  for (const e of endToEnd)
    lines.push(
      `  engine ${e.engine.padEnd(4)} on ${e.backend}: ${e.s_per_step.toFixed(3)} s/step wall, ${e.cpu_s_per_step.toFixed(3)} CPU s/step, ${e.gen_batches_per_step.toFixed(1)} generation batches/step; ` +
        `trained ${e.tokens_per_s.toFixed(1)} tokens/s wall, ${e.tokens_per_cpu_s.toFixed(1)} per CPU s (${e.tokens} tokens)`,
    );
  lines.push(`  speed-up over today's trainer (tfjs engine on wasm, the baseline): ${speedup.toFixed(1)}× in CPU s/step (target ≥ 30×); ${speedupTps.toFixed(1)}× in trained tokens per wall second`);
  return { name: `policy engine vs torch and vs today's trainer (seed ${seed})`, workloads, endToEnd, speedup, speedup_tokens_per_s: speedupTps, details: lines.join('\n    ') };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve('bench/train_throughput.ts')) {
  const i = process.argv.indexOf('--steps');
  const r = await benchTrainThroughput({ steps: i > 0 ? Number(process.argv[i + 1]) : undefined, quick: process.argv.includes('--quick'), endToEndOnly: process.argv.includes('--end-to-end') });
  process.stdout.write(`${r.name}\n    ${r.details}\n`);
}
