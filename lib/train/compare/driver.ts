/**
 * The main job's driver (`golongrl compare`): base model → one run per (estimator, seed) → result.
 *
 *   1. ensureBase (base.ts): reuse `runs/base/<hash>/` or build it, here, before any run starts.
 *   2. one RunSpec per (seed, estimator) under `<out>/runs/<estimator>-s<seed>/` (run.ts).
 *   3. execute: 'inprocess' runs them one after the other in this process; 'local' | 'slurm' | 'ray'
 *      submit each as one Job through lib/cluster (`node bin/golongrl.mjs compare --run-spec FILE`),
 *      at most `parallel` at a time for local (Slurm and Ray queue them all and schedule themselves).
 *      Runs whose result.json matches their spec are reused, never re-run.
 *   4. collect: results and metrics back from the run directories (aggregate.ts makes the numbers).
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { EstimatorConfig } from '../../advantage/compare.js';
import { submitJob, type JobHandle } from '../../cluster/jobs.js';
import type { BackendKind } from '../../cluster/types.js';
import { ensureBase, type BaseConfig, type BaseInfo } from '../base.js';
import type { TrainConfig } from '../trainer.js';
import type { CompareResult, RunRecord } from './aggregate.js';
import { readHistory, readResult, runDirFor, runOne, writeSpec, type RunResult, type RunSpec } from './run.js';

export type RunBackend = 'inprocess' | Extract<BackendKind, 'local' | 'slurm' | 'ray'>;

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

/** The job that runs one spec: the CLI's hidden `compare --run-spec FILE`, from the repository root. */
function jobFor(spec: RunSpec, specPath: string, repoRoot: string) {
  return {
    name: `golongrl-compare-${spec.label}-s${spec.seed}`,
    payload: { kind: 'command' as const, argv: [process.execPath, join(repoRoot, 'bin', 'golongrl.mjs'), 'compare', '--run-spec', specPath], workdir: repoRoot },
    resources: { nodes: 1, gpusPerNode: 0, cpusPerTask: 1 },
    env: {},
    secretEnv: [],
  };
}

async function runJobs(specs: readonly RunSpec[], o: DriverOptions, done: (spec: RunSpec) => void): Promise<void> {
  const repoRoot = resolve(o.repoRoot ?? process.cwd());
  const backend = o.backend as BackendKind;
  const limit = backend === 'local' ? Math.max(1, o.parallel ?? 1) : specs.length;
  const jobsDir = join(resolve(o.outDir), 'jobs');
  const queue = [...specs];
  const running = new Set<Promise<void>>();
  const failures: string[] = [];
  const start = (spec: RunSpec) => {
    const specPath = writeSpec(spec);
    if (!isAbsolute(specPath)) throw new Error('internal: spec path must be absolute');
    const p = (async () => {
      let job: JobHandle | null = null;
      try {
        job = await submitJob(jobFor(spec, specPath, repoRoot), backend, {
          jobsDir,
          cwd: repoRoot,
          poll: o.poll ?? { initialDelayMs: 1000, maxDelayMs: 10_000 },
          backend: { ...(o.slurmArgs ? { slurm: { sbatchArgs: o.slurmArgs } } : {}), ...(o.rayAddress ? { ray: { address: o.rayAddress } } : {}) },
        });
        o.onNote?.(`submitted ${spec.label} seed ${spec.seed} as ${backend} job ${job.id} (${job.backendId})`);
        const state = await job.wait();
        if (state !== 'COMPLETED' || !readResult(spec)) failures.push(`${spec.label} seed ${spec.seed}: job ${job.id} ended ${state}${readResult(spec) ? '' : ' without result.json'} (stderr: ${job.paths.stderr})`);
        else done(spec);
      } catch (e) {
        failures.push(`${spec.label} seed ${spec.seed}: ${(e as Error).message}${job ? ` (job ${job.id})` : ''}`);
      }
    })();
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  while (queue.length > 0 || running.size > 0) {
    while (running.size < limit && queue.length > 0) start(queue.shift()!);
    if (running.size > 0) await Promise.race(running);
  }
  if (failures.length > 0) throw new Error(`golongrl compare: ${failures.length} of ${specs.length} runs failed:\n  ${failures.join('\n  ')}\n(re-run the same command with the same --out to retry only those; finished runs are reused)`);
}

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
    await runJobs(todo, o, (spec) => {
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
