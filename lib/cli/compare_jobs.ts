/**
 * The job side of `golongrl compare --backend local|slurm|ray`: each (estimator, seed) run is one Job
 * through lib/cluster's Job API, running `node bin/golongrl.mjs compare --run-spec <spec.json>` from the
 * repository root (lib/train/compare/driver.ts calls this as its `runJobs`; it lives in the CLI layer
 * because the train layer does not import the cluster layer). Local: at most `parallel` jobs at a time;
 * Slurm and Ray: all submitted, the scheduler places them. Job records go to `<out>/jobs/`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { submitJob, type JobHandle } from '../cluster/jobs.js';
import type { BackendKind } from '../cluster/types.js';
import type { DriverOptions, JobExecutor } from '../train/compare/driver.js';
import { readResult, writeSpec, type RunSpec } from '../train/compare/run.js';

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

export const runJobs: JobExecutor = async (specs: readonly RunSpec[], o: DriverOptions, done: (spec: RunSpec) => void): Promise<void> => {
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
};
