/**
 * Benchmark: local trainer throughput (tokens/s) on the wasm and cpu tfjs backends, measured in the
 * same command so the comparison is a ratio, not an absolute number.
 *
 * Each backend runs `golongrl train --recipe sample-suite --steps STEPS --backend B` in its own child
 * process (tfjs's backend is process-global, and a fresh process gives each backend the same cold
 * start), with the same seed, so both backends do the same work up to floating-point differences in
 * sampling. From the run's metrics.jsonl (lib/train/logger.ts):
 *
 *   tokens/s       = Σ response tokens updated / Σ step time, over steps 2..STEPS (step 1 is warm-up:
 *                    wasm compiles its kernels, tfjs builds its graph caches). Per step this is the
 *                    trainer's own `perf/throughput` (docs/training.md): response tokens of the kept
 *                    rollouts, over the wall time of the whole step — sampling, scoring, advantage and
 *                    update — so it is end-to-end training throughput, not a kernel micro-benchmark.
 *   s/step         = mean `perf/time_per_step` over the same steps.
 *
 * ratio = wasm tokens/s ÷ cpu tokens/s (how much the wasm default buys over tfjs's pure-JS backend).
 * A native backend (`@tensorflow/tfjs-node-gpu`, an optionalDependency) is measured too when it loads
 * on this machine; it cannot be installed here (its install script downloads libtensorflow).
 *
 * Run standalone: `node --import tsx bench/train_throughput.ts [--steps N]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readMetrics } from '../lib/train/logger.js';

export interface BackendThroughput {
  backend: string;
  /** What the trainer reported as the active backend and why. */
  active: string;
  steps: number;
  tokens: number;
  seconds: number;
  tokens_per_s: number;
  s_per_step: number;
}

export interface TrainThroughputResult {
  name: string;
  runs: BackendThroughput[];
  /** wasm tokens/s ÷ cpu tokens/s. */
  ratio: number;
  details: string;
}

const BIN = resolve('bin/golongrl.mjs');

function runBackend(backend: string, steps: number, seed: number): BackendThroughput | { backend: string; error: string } {
  const out = mkdtempSync(join(tmpdir(), `golongrl-bench-train-${backend}-`));
  try {
    let summary: { backend: string };
    try {
      const stdout = execFileSync(
        process.execPath,
        [BIN, 'train', '--recipe', 'sample-suite', '--steps', String(steps), '--seed', String(seed), '--backend', backend, '--resume', 'disable', '--out', out, '--json'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 },
      );
      summary = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const text = (err.stderr ?? err.message).trim().split('\n');
      // The CLI prints `golongrl train: Error: <reason>` followed by a stack; keep the reason.
      const reason = text.find((l) => /unavailable|failed|Error:/.test(l)) ?? text.at(-1) ?? 'failed';
      return { backend, error: reason.replace(/^golongrl train: (Error: )?/, '') };
    }
    const lines = readMetrics(join(out, 'metrics.jsonl')).filter((l) => l.step >= 2);
    let tokens = 0;
    let seconds = 0;
    for (const l of lines) {
      const dt = l.data['perf/time_per_step'] ?? 0;
      const tps = l.data['perf/throughput'] ?? 0;
      tokens += tps * dt;
      seconds += dt;
    }
    return {
      backend,
      active: summary.backend,
      steps: lines.length,
      tokens: Math.round(tokens),
      seconds,
      tokens_per_s: seconds > 0 ? tokens / seconds : 0,
      s_per_step: lines.length > 0 ? seconds / lines.length : 0,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function benchTrainThroughput(opts: { steps?: number; seed?: number } = {}): Promise<TrainThroughputResult> {
  const steps = opts.steps ?? 6;
  const seed = opts.seed ?? 1;
  const runs: BackendThroughput[] = [];
  const notes: string[] = [];
  for (const backend of ['wasm', 'cpu', 'tensorflow']) {
    const r = runBackend(backend, steps, seed);
    if ('error' in r) {
      notes.push(`${backend}: not measured (${r.error})`);
      if (backend !== 'tensorflow') throw new Error(`training bench on ${backend} failed: ${r.error}`);
      continue;
    }
    runs.push(r);
  }
  const wasm = runs.find((r) => r.backend === 'wasm') as BackendThroughput;
  const cpu = runs.find((r) => r.backend === 'cpu') as BackendThroughput;
  const ratio = wasm.tokens_per_s / cpu.tokens_per_s;
  const per = runs.map((r) => `${r.backend}: ${r.tokens_per_s.toFixed(1)} tokens/s, ${r.s_per_step.toFixed(3)} s/step (${r.tokens} tokens in ${r.seconds.toFixed(2)} s over steps 2..${steps})`);
  return {
    name: `local trainer, sample-suite recipe, ${steps} steps, seed ${seed}`,
    runs,
    ratio,
    details: [...per, ...notes].join('; '),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve('bench/train_throughput.ts')) {
  const i = process.argv.indexOf('--steps');
  const r = await benchTrainThroughput({ steps: i > 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${r.name}: wasm/cpu = ${r.ratio.toFixed(2)}×\n  ${r.details}\n`);
}
