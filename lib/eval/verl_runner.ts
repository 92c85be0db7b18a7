/**
 * The verl path of the checkpoint → evaluation loop (a watcher `Runner`, lib/eval/watcher.ts): for one
 * complete verl checkpoint `global_step_N/` (GOLONGRL.md §D, §E),
 *
 *   1. merge to Hugging Face format when needed (merge.ts `planMerge`: not when `actor/huggingface/` holds
 *      weights) — `python -m verl.model_merger merge …` as a Job; wait; a failed merge fails the checkpoint
 *      with the job's log tail (the watcher retries it later per its rules);
 *   2. one Job per benchmark (benchmarks.ts `evalJobSpec`: vLLM with the §E serving args, YaRN where the
 *      reference uses it, the reference driver, the judge key only through the environment), all submitted
 *      through the cluster layer's Job API `submitJob(spec, backend)` (local, slurm, ray or skypilot) and
 *      waited for together (they run in parallel where the backend allows);
 *   3. any job that does not end COMPLETED fails the checkpoint (every failed job named, with its log tail);
 *   4. otherwise the outputs are read back from the reference layouts and turned into result rows
 *      (verl_collect.ts: rescored with our TypeScript scorers where the rule is deterministic, the
 *      driver's own number kept as `<metric>_reference` when it differs), plus `average/avg6`, the
 *      six-benchmark average, when all six ran.
 *
 * The served model name is `<prefix>_step<N>` (prefix: `modelName`, default the run name), so every
 * checkpoint has its own output files under the shared eval root: evalscope's `--use-cache` and the other
 * drivers' resume logic would otherwise reuse another checkpoint's predictions. A retried checkpoint
 * resubmits all of its jobs; the drivers resume from what an earlier attempt wrote for the same name (the
 * reference's own resume behaviour).
 *
 * Remote backends (slurm, ray, skypilot) must see the checkpoint and the eval root at the same paths
 * (a shared filesystem), since the outputs are read back from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { submitJob, type BackendOptions } from '../cluster/jobs.js';
import { loadSecretEnv, redact } from '../cluster/secrets.js';
import { isTerminal, type BackendKind, type Job, type JobSpec, type JobState } from '../cluster/types.js';
import { BENCHMARK_IDS, benchmarkOutputs, evalJobSpec, getBenchmark, getVariant, type BenchmarkId, type EvalJobOptions } from './benchmarks.js';
import { hfWeightsPresent, mergeJobSpec, planMerge, type MergeJobOptions } from './merge.js';
import type { ResultRow } from './results_db.js';
import { averageRow, collectBenchmark } from './verl_collect.js';
import type { CheckpointRef, Runner, RunnerContext } from './watcher.js';
import { mkdirp } from '../util/fsx.js';

export interface VerlSubmitOptions {
  jobsDir?: string;
  envFile?: string;
  backend?: BackendOptions;
  poll?: { initialDelayMs?: number; maxDelayMs?: number };
}

export type VerlSubmitFn = (spec: JobSpec, backend: BackendKind, opts: VerlSubmitOptions) => Promise<Job>;

/** The per-job settings (evalRoot, judge, judgeKeyEnv, python, datasetPath, partition, account, timeLimit) are `evalJobSpec`'s. */
export interface VerlRunnerOptions extends Pick<EvalJobOptions, 'evalRoot' | 'judge' | 'judgeKeyEnv' | 'python' | 'datasetPath' | 'partition' | 'account' | 'timeLimit'> {
  backend?: BackendKind;
  jobsDir?: string;
  /** KEY=VALUE file (mode 0600) the judge key is read from before the environment (lib/cluster/secrets.ts). */
  envFile?: string;
  backendOptions?: BackendOptions;
  /** Default lib/cluster/jobs.ts submitJob. */
  submit?: VerlSubmitFn;
  /** Prefix of the served model name (default: the run name); the name is `<prefix>_step<N>`. */
  modelName?: string;
  /** Default: all six. */
  benchmarks?: readonly BenchmarkId[];
  /** Variant per benchmark (default each benchmark's first: 128k). */
  variants?: Partial<Record<BenchmarkId, string>>;
  /** Extra non-secret environment for every job (merge and benchmarks). */
  env?: Record<string, string>;
  merge?: MergeJobOptions;
  /** Job polling (ms; default 2000, capped at 30 000). */
  pollMs?: number;
  /** Quarantine folder for bad output lines (default `<evalRoot>/golongrl_quarantine`). */
  quarantineDir?: string;
  onJob?: (job: Job, ck: CheckpointRef, what: BenchmarkId | 'merge') => void;
}

/** `<prefix>_step<N>`, restricted to characters every driver and file system accepts. */
export function servedModelName(prefix: string, step: number): string {
  return `${prefix.replace(/[^A-Za-z0-9._-]/g, '_')}_step${step}`;
}

function tail(file: string, n = 8): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

/** The last lines of a job's logs (stderr, else stdout), with any secret value the job had redacted. */
export function jobLogTail(job: Job, spec: JobSpec, envFile?: string): string {
  const text = tail(job.paths.stderr) || tail(job.paths.stdout);
  let values: string[] = [];
  try {
    values = Object.values(loadSecretEnv(spec.secretEnv, envFile !== undefined ? { envFile } : {}));
  } catch {
    /* secrets unreadable now: nothing to redact with; the job could not have had them either */
  }
  try {
    return redact(text, values);
  } catch {
    return '(log tail withheld: a secret value is too short to redact safely)';
  }
}

async function waitAll(jobs: readonly Job[], signal?: AbortSignal): Promise<JobState[]> {
  const states = await Promise.all(jobs.map((j) => j.wait({ signal })));
  if (signal?.aborted) {
    await Promise.all(jobs.map((j, i) => (isTerminal(states[i]) ? undefined : j.cancel().catch(() => undefined))));
    throw new Error('interrupted: the watcher was stopped while evaluation jobs were running (they were cancelled)');
  }
  return states;
}

export function verlRunner(opts: VerlRunnerOptions): Runner {
  const backend = opts.backend ?? 'local';
  const submit: VerlSubmitFn = opts.submit ?? ((spec, b, o) => submitJob(spec, b, o));
  const benches = opts.benchmarks ?? BENCHMARK_IDS;
  const pollMs = opts.pollMs ?? 2000;
  const submitOpts: VerlSubmitOptions = {
    jobsDir: opts.jobsDir,
    ...(opts.envFile !== undefined ? { envFile: opts.envFile } : {}),
    ...(opts.backendOptions ? { backend: opts.backendOptions } : {}),
    poll: { initialDelayMs: pollMs, maxDelayMs: Math.max(pollMs, 30_000) },
  };
  const quarantineDir = opts.quarantineDir ?? join(opts.evalRoot, 'golongrl_quarantine');
  return {
    name: `verl:${backend}`,
    async evaluate(ck: CheckpointRef, ctx: RunnerContext): Promise<ResultRow[]> {
      if (ck.layout !== 'verl') throw new Error(`${ck.dir}: a local-trainer checkpoint; the verl runner evaluates verl checkpoints (use --benchmarks sample)`);
      const model = servedModelName(opts.modelName ?? ck.run, ck.step);
      const plan = planMerge(ck.dir);
      // Build every spec first: a missing judge configuration fails before any GPU time is spent.
      const specs = benches.map((b) => {
        const variant = getVariant(getBenchmark(b), opts.variants?.[b]).name;
        const spec = evalJobSpec(b, { modelPath: plan.modelPath, step: ck.step, run: ck.run }, {
          evalRoot: opts.evalRoot,
          modelName: model,
          variant,
          ...(opts.judge ? { judge: opts.judge } : {}),
          ...(opts.judgeKeyEnv ? { judgeKeyEnv: opts.judgeKeyEnv } : {}),
          ...(opts.python ? { python: opts.python } : {}),
          ...(opts.datasetPath ? { datasetPath: opts.datasetPath } : {}),
          ...(opts.env ? { env: opts.env } : {}),
          ...(opts.partition ? { partition: opts.partition } : {}),
          ...(opts.account ? { account: opts.account } : {}),
          ...(opts.timeLimit ? { timeLimit: opts.timeLimit } : {}),
        });
        return { bench: b, spec, outputs: benchmarkOutputs(b, opts.evalRoot, model, variant) };
      });
      const beat = setInterval(ctx.heartbeat, 10_000);
      try {
        if (plan.needed) {
          const spec = mergeJobSpec(plan, {
            ...opts.merge,
            env: { ...(opts.env ?? {}), ...(opts.merge?.env ?? {}) },
            ...(opts.partition && !opts.merge?.partition ? { partition: opts.partition } : {}),
            ...(opts.account && !opts.merge?.account ? { account: opts.account } : {}),
          });
          const job = await submit(spec, backend, submitOpts);
          opts.onJob?.(job, ck, 'merge');
          const [state] = await waitAll([job], ctx.signal);
          if (state !== 'COMPLETED') throw new Error(`step ${ck.step}: merge job ${job.id} ended ${state}: ${jobLogTail(job, spec, opts.envFile) || '(no output)'} (logs: ${job.paths.dir})`);
          if (!hfWeightsPresent(plan.targetDir)) throw new Error(`step ${ck.step}: merge job ${job.id} completed but ${plan.targetDir} holds no model weights`);
        }
        const jobs: Job[] = [];
        try {
          for (const s of specs) {
            const job = await submit(s.spec, backend, submitOpts);
            jobs.push(job);
            opts.onJob?.(job, ck, s.bench);
          }
        } catch (e) {
          await Promise.all(jobs.map((j) => j.cancel().catch(() => undefined)));
          throw e;
        }
        const states = await waitAll(jobs, ctx.signal);
        const failed = specs.map((s, i) => ({ ...s, job: jobs[i], state: states[i] })).filter((x) => x.state !== 'COMPLETED');
        if (failed.length > 0)
          throw new Error(
            `step ${ck.step}: ${failed.length} of ${specs.length} benchmark jobs failed: ` +
              failed.map((f) => `${f.bench} (job ${f.job.id}) ended ${f.state}: ${jobLogTail(f.job, f.spec, opts.envFile) || '(no output)'} (logs: ${f.job.paths.dir})`).join('; '),
          );
        mkdirp(quarantineDir);
        const rows: ResultRow[] = [];
        for (const s of specs) rows.push(...(await collectBenchmark(s.bench, s.outputs, { modelName: model, skipBad: join(quarantineDir, `${model}_${s.bench}.jsonl`) })));
        const avg = averageRow(rows);
        if (avg) rows.push(avg);
        return rows;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
