/**
 * The main job's driver (`golongrl compare`): base model → one run per (estimator, seed) → result.
 *
 *   1. ensureBase (base.ts): reuse `runs/base/<hash>/` or build it, here, before any run starts.
 *   2. one RunSpec per (seed, estimator) under `<out>/runs/<estimator>-s<seed>/` (run.ts).
 *   3. execute: 'inprocess' runs them one after the other in this process; 'local' | 'slurm' | 'ray'
 *      hand them to `runJobs` (lib/cli/compare_jobs.ts: one Job each through lib/cluster, running
 *      `node bin/golongrl.mjs compare --run-spec FILE`, at most `parallel` at a time for local).
 *      Runs whose result.json matches their spec are reused, never re-run.
 *   4. collect: results and metrics back from the run directories (aggregate.ts makes the numbers).
 */
import { resolve } from 'node:path';
import type { EstimatorConfig } from '../../advantage/compare.js';
import { ensureBase, type BaseConfig, type BaseInfo } from '../base.js';
import type { TrainConfig } from '../trainer.js';
import type { CompareResult, RunRecord } from './aggregate.js';
import { readHistory, readResult, runDirFor, runOne, writeSpec, type RunResult, type RunSpec } from './run.js';

export type RunBackend = 'inprocess' | 'local' | 'slurm' | 'ray';

export interface DriverOptions {
  /** The RL config shared by every run (estimator, seed, outDir, init are set per run). */
  train: TrainConfig;
  base: BaseConfig;
  /** Cache root of base models (default runs/base). */
  baseRoot?: string;
  seeds: readonly number[];
  configs: readonly EstimatorConfig[];
  outDir: string;
  backend: RunBackend;
  /** Jobs at a time for the local backend (default 1). */
  parallel?: number;
  tfBackend: string;
  /** Repository root the jobs run `bin/golongrl.mjs` from (default process.cwd()). */
  repoRoot?: string;
  /** Extra sbatch arguments for the slurm backend; Ray address for ray. */
  slurmArgs?: readonly string[];
  rayAddress?: string;
  /** Poll intervals for job states (default 1 s → 10 s). */
  poll?: { initialDelayMs?: number; maxDelayMs?: number };
  onBase?: (info: BaseInfo) => void;
  onSftStep?: (step: number, total: number) => void;
  onStep?: (label: string, seed: number, step: number, total: number) => void;
  onRunDone?: (rec: { label: string; seed: number; result: RunResult; reused: boolean; index: number; total: number }) => void;
  onNote?: (note: string) => void;
  /** How runs become Jobs (required unless backend is 'inprocess'). */
  runJobs?: JobExecutor;
}

export function makeSpecs(o: Pick<DriverOptions, 'train' | 'seeds' | 'configs' | 'outDir' | 'tfBackend'>, base: BaseInfo): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const seed of o.seeds)
    for (const cfg of o.configs) {
      const outDir = runDirFor(resolve(o.outDir), cfg.label, seed);
      const config: TrainConfig = {
        ...o.train,
        estimator: cfg.estimator,
        advOptions: { ...cfg.options },
        seed,
        outDir,
        resume: 'auto',
        init: { dir: resolve(base.dir), step: base.step },
      };
      specs.push({ format: 1, label: cfg.label, estimator: { ...cfg, options: { ...cfg.options } }, seed, config, base: { hash: base.hash, dir: resolve(base.dir), step: base.step, config: base.config }, tfBackend: o.tfBackend });
    }
  return specs;
}

/**
 * Runs specs as Jobs and calls `done` for each that finished with its result.json; throws after all
 * have ended if any failed. Provided by the caller (lib/cli/compare_jobs.ts submits through
 * lib/cluster), so that this layer (train) does not import the cluster layer.
 */
export type JobExecutor = (specs: readonly RunSpec[], o: DriverOptions, done: (spec: RunSpec) => void) => Promise<void>;

/** Base, runs (reusing finished ones), then everything read back from the run directories. */
export async function runComparison(o: DriverOptions): Promise<CompareResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const base = ensureBase(o.base, { root: o.baseRoot, onSftStep: o.onSftStep, onNote: o.onNote });
  o.onBase?.(base);
  const specs = makeSpecs(o, base);
  const reused = new Set<RunSpec>();
  let index = 0;
  const report = (spec: RunSpec, wasReused: boolean) => {
    const result = readResult(spec)!;
    if (wasReused) reused.add(spec);
    o.onRunDone?.({ label: spec.label, seed: spec.seed, result, reused: wasReused, index: ++index, total: specs.length });
  };
  const todo: RunSpec[] = [];
  for (const spec of specs) {
    if (readResult(spec)) report(spec, true);
    else todo.push(spec);
  }
  let jobCpu = 0;
  if (o.backend === 'inprocess') {
    for (const spec of todo) {
      writeSpec(spec);
      runOne(spec, { onStep: (s, n) => o.onStep?.(spec.label, spec.seed, s, n), onNote: o.onNote });
      report(spec, false);
    }
  } else {
    if (!o.runJobs) throw new Error(`backend ${o.backend} needs a job executor (DriverOptions.runJobs)`);
    await o.runJobs(todo, o, (spec) => {
      jobCpu += readResult(spec)!.processCpuSeconds;
      report(spec, false);
    });
  }
  const runs: RunRecord[] = specs.map((spec) => ({ estimator: spec.label, seed: spec.seed, history: readHistory(spec), result: readResult(spec)!, reused: reused.has(spec) }));
  const cpu = process.cpuUsage(cpu0);
  return {
    recipe: o.train.recipe,
    backend: o.backend,
    tfBackend: o.tfBackend,
    steps: o.train.steps,
    seeds: [...o.seeds],
    estimators: o.configs.map((c) => c.label),
    families: [...o.train.families],
    base,
    runs,
    heldOut: runs.flatMap((r) => r.result.heldOut),
    advantages: runs.flatMap((r) => r.result.advantages),
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 + jobCpu,
    jobCpuSeconds: jobCpu,
    config: o.train,
  };
}
