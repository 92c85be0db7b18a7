/**
 * Runners for the watcher (lib/eval/watcher.ts `Runner`): how one checkpoint gets evaluated.
 *
 * - `jobRunner` (the default): a real Job through the cluster layer, `submitJob(spec, backend)`
 *   (lib/cluster/jobs.ts). For a local-trainer checkpoint the job runs our own CLI verb
 *   `golongrl eval checkpoint <ckptDir> --step N --json` as a child process (`local` backend) and the runner
 *   reads the result rows from the last line of the job's stdout. The submit function is injectable
 *   (tests, other backends).
 * - `inlineRunner`: the same evaluation in this process (lib/eval/local.ts) — no child process; what the
 *   notebook uses when speed matters, and the fallback when no job system is wanted.
 *
 * verl checkpoints are the verl runner's (lib/eval/verl_runner.ts: merge, six benchmark jobs, outputs read
 * back); both runners here refuse them with an error pointing there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { submitJob } from '../cluster/jobs.js';
import type { BackendKind, Job, JobSpec } from '../cluster/types.js';
import { evaluateLocalCheckpoint, type LocalEvalOptions } from './local.js';
import type { ResultRow } from './results_db.js';
import type { CheckpointRef, Runner, RunnerContext } from './watcher.js';

/** The repository root (the folder with bin/golongrl.mjs), searched upwards from `start`. */
export function findRepoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'bin', 'golongrl.mjs')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the golongrl-lab repository (bin/golongrl.mjs) above ${start}`);
    dir = up;
  }
}

function refuseVerl(ck: CheckpointRef, runner: string): never {
  throw new Error(
    `${ck.dir}: a verl checkpoint; the ${runner} runner evaluates local-trainer checkpoints only. Evaluate verl checkpoints on the six long-context benchmarks with the verl runner (lib/eval/verl_runner.ts; CLI: eval watch … --benchmarks verl --eval-root DIR --backend slurm|ray|skypilot|local).`,
  );
}

export function inlineRunner(opts: LocalEvalOptions = {}): Runner {
  return {
    name: 'inline',
    async evaluate(ck: CheckpointRef): Promise<ResultRow[]> {
      if (ck.layout !== 'local') refuseVerl(ck, 'inline');
      return evaluateLocalCheckpoint(ck.ckptDir, ck.step, opts);
    },
  };
}

export type SubmitFn = (spec: JobSpec, backend: BackendKind, opts?: { jobsDir?: string; poll?: { initialDelayMs?: number; maxDelayMs?: number } }) => Promise<Job>;

export interface JobRunnerOptions extends LocalEvalOptions {
  backend?: BackendKind;
  jobsDir?: string;
  /** Default: lib/cluster/jobs.ts submitJob. */
  submit?: SubmitFn;
  /** Repository root (where bin/golongrl.mjs is); default: found from the working directory. */
  repoRoot?: string;
  /** Poll the job this often (ms; default 500, capped at 2000). */
  pollMs?: number;
  /**
   * The command that runs the golongrl CLI (default [node, <repo>/bin/golongrl.mjs]); tests point it at a
   * wrapper around runEval.
   */
  cli?: readonly string[];
  /** Called with the job once submitted (for logs / the notebook). */
  onJob?: (job: Job, ck: CheckpointRef) => void;
}

/** The JobSpec that evaluates one local-trainer checkpoint with our CLI (argv, no shell). */
export function localEvalJobSpec(ck: CheckpointRef, opts: { repoRoot: string; promptsPerFamily?: number; cli?: readonly string[] }): JobSpec {
  const cli = opts.cli ?? [process.execPath, join(opts.repoRoot, 'bin', 'golongrl.mjs')];
  const argv = [...cli, 'eval', 'checkpoint', resolve(ck.ckptDir), '--step', String(ck.step), '--json'];
  if (opts.promptsPerFamily !== undefined) argv.push('--prompts-per-family', String(opts.promptsPerFamily));
  return {
    name: `eval ${ck.run} step ${ck.step}`,
    payload: { kind: 'command', argv, workdir: opts.repoRoot },
    resources: { nodes: 1, gpusPerNode: 0 },
    env: {},
    secretEnv: [],
    recipe: 'eval-local-checkpoint',
  };
}

/** Parse the rows `golongrl eval checkpoint --json` printed (its last non-empty stdout line). */
export function parseCheckpointOutput(stdout: string, where: string): ResultRow[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${where}: the evaluation job printed nothing`);
  const last = lines[lines.length - 1];
  let obj: { rows?: unknown };
  try {
    obj = JSON.parse(last) as { rows?: unknown };
  } catch {
    throw new Error(`${where}:${lines.length}: not JSON: ${last.slice(0, 200)}`);
  }
  if (!Array.isArray(obj.rows)) throw new Error(`${where}:${lines.length}: field 'rows' must be an array`);
  return obj.rows.map((r, i) => {
    const x = r as Partial<ResultRow>;
    if (typeof x.benchmark !== 'string' || typeof x.metric !== 'string' || typeof x.value !== 'number') throw new Error(`${where}:${lines.length}: rows[${i}] must be {benchmark: string, metric: string, value: number}`);
    return { benchmark: x.benchmark, metric: x.metric, value: x.value };
  });
}

/**
 * The error message in a failed job's stderr, without stack frames: the last "golongrl …: message" line the
 * CLI prints, else the message of the last "SomeError: message" line of a Node stack trace, else the last
 * line that is not a frame, a source excerpt, a caret line or Node's version banner. Null when none.
 */
export function errorMessageFromStderr(stderr: string): string | null {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const isNoise = (l: string) => /^\s+at\s/.test(l) || /^\s*\^+\s*$/.test(l) || /^Node\.js v\d/.test(l) || /^(file:\/\/)?\/\S+:\d+$/.test(l.trim()) || /^\s*\{?\s*$|^\s*\}\s*$/.test(l) || /^\s+\w+: /.test(l);
  const useful = lines.filter((l) => !isNoise(l));
  for (let i = useful.length - 1; i >= 0; i--) {
    const m = /^golongrl(?: [a-z-]+)?: (.+)$/.exec(useful[i]);
    if (m) return m[1];
  }
  for (let i = useful.length - 1; i >= 0; i--) {
    const m = /^(?:Uncaught )?(?:[A-Z]\w*)?(?:Error|Exception)(?: \[[A-Z_]+\])?: (.+)$/.exec(useful[i]);
    if (m) return m[1];
  }
  return useful.length > 0 ? useful[useful.length - 1].trim().slice(0, 2000) : null;
}

export function jobRunner(opts: JobRunnerOptions = {}): Runner {
  const backend = opts.backend ?? 'local';
  const submit: SubmitFn = opts.submit ?? ((spec, b, o) => submitJob(spec, b, o));
  return {
    name: `job:${backend}`,
    async evaluate(ck: CheckpointRef, ctx: RunnerContext): Promise<ResultRow[]> {
      if (ck.layout !== 'local') refuseVerl(ck, 'job');
      const root = opts.repoRoot ?? findRepoRoot();
      const spec = localEvalJobSpec(ck, { repoRoot: root, promptsPerFamily: opts.promptsPerFamily, cli: opts.cli });
      const poll = { initialDelayMs: opts.pollMs ?? 500, maxDelayMs: Math.max(opts.pollMs ?? 500, 2000) };
      const job = await submit(spec, backend, { jobsDir: opts.jobsDir, poll });
      opts.onJob?.(job, ck);
      const beat = setInterval(ctx.heartbeat, 10_000);
      let state;
      try {
        state = await job.wait({ signal: ctx.signal });
      } finally {
        clearInterval(beat);
      }
      const stdout = existsSync(job.paths.stdout) ? readFileSync(job.paths.stdout, 'utf8') : '';
      if (state !== 'COMPLETED') {
        const stderr = existsSync(job.paths.stderr) ? readFileSync(job.paths.stderr, 'utf8') : '';
        const reason = errorMessageFromStderr(stderr);
        throw new Error(`${reason ?? `evaluation job ended ${state}`} (job ${job.id} ${state}; logs: ${job.paths.dir})`);
      }
      return parseCheckpointOutput(stdout, job.paths.stdout);
    },
  };
}
