/**
 * `slurm` backend: `sbatch` a generated script (lib/cluster/sbatch.ts), read states with ONE `squeue` for
 * all jobs, fall back to `sacct` and then to the job-completion log (`JobCompType=jobcomp/filetxt`,
 * `JobCompLoc` from `scontrol show config`) for jobs that have left slurmctld's memory, cancel with
 * `scancel`, and read logs from the `--output`/`--error` files in the job folder.
 *
 * Everything user-supplied reaches sbatch as ONE argv element each through execa (no shell): the job name
 * as `--job-name=NAME` (control characters turned into spaces), the output files as `--output=PATH` with
 * `%` doubled (Slurm's filename patterns), extra options as given.
 *
 * Environment: sbatch runs with the ALLOW-LISTED environment only (lib/cluster/secrets.ts `jobEnvironment`:
 * PATH, HOME, locale, CUDA/NCCL/Ray/Slurm settings … plus the job's declared secrets) and gets
 * `--export=<exactly those names>`, never `ALL`: an undeclared credential in the submitting shell reaches
 * neither the sbatch process, nor slurmctld's state files, nor the job. Declared secrets travel as values
 * of the sbatch process's environment (names only in argv). The generated script sets
 * `SLURM_EXPORT_ENV=ALL` so that its own `srun` steps inherit the batch shell's (already filtered)
 * environment — sbatch hands `--export`'s list to srun through SLURM_EXPORT_ENV otherwise. The client
 * programs find the cluster through `SLURM_CONF` (allow-listed).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { JobRecord } from '../store.js';
import { writeFileAtomic } from '../store.js';
import { renderSbatch } from '../sbatch.js';
import { sanitizeJobName } from '../shell.js';
import type { JobSpec, JobState } from '../types.js';
import { run } from '../exec.js';
import { jobEnvironment } from '../secrets.js';
import { readFileFrom, SchedulerError, schedulerFailure, type BackendDriver, type SubmitContext, type SubmitResult } from './driver.js';
import { join } from 'node:path';


const KNOWN: ReadonlySet<string> = new Set([
  'PENDING', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'REQUEUED', 'NODE_FAIL', 'OUT_OF_MEMORY',
]);

/** Slurm state words (squeue %T, sacct State, jobcomp JobState) → our JobState. */
export function mapSlurmState(raw: string): JobState {
  const w = raw.trim().split(/\s+/)[0]?.replace(/\+$/, '') ?? '';
  if (KNOWN.has(w)) return w as JobState;
  switch (w) {
    case 'CONFIGURING':
    case 'RESIZING':
    case 'SIGNALING':
    case 'STAGE_OUT':
      return 'RUNNING';
    case 'REQUEUE_HOLD':
    case 'REQUEUE_FED':
    case 'SPECIAL_EXIT':
      return 'REQUEUED';
    case 'SUSPENDED':
    case 'STOPPED':
      return 'PENDING';
    case 'BOOT_FAIL':
    case 'DEADLINE':
    case 'REVOKED':
      return 'FAILED';
    default:
      return 'UNKNOWN';
  }
}

/** `%` starts a Slurm filename pattern; `%%` is a literal percent. */
export function slurmPath(p: string): string {
  return p.replace(/%/g, '%%');
}

/** `--export=` value: the names of the environment sbatch runs with (sorted; NONE when empty). */
export function exportList(env: NodeJS.ProcessEnv): string {
  const names = Object.keys(env).filter((k) => env[k] !== undefined).sort();
  return names.length ? names.join(',') : 'NONE';
}

/** The environment sbatch is run with (allow-list + declared secrets), and so what the job gets. */
export function sbatchEnvironment(spec: JobSpec, secrets: Readonly<Record<string, string>>, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return jobEnvironment(parent, spec.secretEnv, {}, secrets).env;
}

/** The argv sbatch gets (without the program name): every user string is one element. */
export function sbatchArgv(spec: JobSpec, ctx: Pick<SubmitContext, 'paths' | 'options' | 'cwd'>, script: string, env: NodeJS.ProcessEnv = sbatchEnvironment(spec, {})): string[] {
  const names = { ...env };
  for (const s of spec.secretEnv) names[s] ??= ''; // a dry run has no values: the names are listed all the same
  return [
    '--parsable',
    `--job-name=${sanitizeJobName(spec.name)}`,
    `--output=${slurmPath(ctx.paths.stdout)}`,
    `--error=${slurmPath(ctx.paths.stderr)}`,
    `--chdir=${spec.payload.workdir ?? ctx.cwd}`,
    `--export=${exportList(names)}`,
    ...(ctx.options.slurm?.sbatchArgs ?? []),
    script,
  ];
}

/** Parses `scontrol show config` for the job-completion log, when it is a text file. */
async function jobcompLog(): Promise<string | undefined> {
  try {
    const { stdout } = await run('scontrol', ['show', 'config']);
    const type = /^JobCompType\s*=\s*(\S+)/m.exec(stdout)?.[1];
    const loc = /^JobCompLoc\s*=\s*(.+)$/m.exec(stdout)?.[1]?.trim();
    if (type === 'jobcomp/filetxt' && loc && existsSync(loc)) return loc;
  } catch {
    /* no scontrol */
  }
  return undefined;
}

/** Last JobState per job id in a jobcomp/filetxt log (a requeued job has several lines). */
export function parseJobcomp(text: string, ids: ReadonlySet<string>): Map<string, JobState> {
  const m = new Map<string, JobState>();
  for (const line of text.split('\n')) {
    const id = /^JobId=(\d+)\s/.exec(line)?.[1];
    if (!id || !ids.has(id)) continue;
    // The job name precedes JobState and may contain anything (even ' JobState=X'): take the JobState
    // followed by the fixed run of fields the filetxt plugin writes after it.
    const st = / JobState=(\S+) Partition=\S* TimeLimit=\S+ StartTime=\S+ EndTime=\S+ NodeList=/.exec(line)?.[1];
    if (st) m.set(id, mapSlurmState(st));
  }
  return m;
}

export async function slurmStates(backendIds: readonly string[]): Promise<Map<string, JobState>> {
  const out = new Map<string, JobState>();
  const ids = [...new Set(backendIds.filter((i) => /^\d+(_\d+)?$/.test(i)))];
  if (ids.length === 0) return out;
  // 1. squeue: every job of the cluster still in slurmctld's memory (MinJobAge), one call.
  const q = await run('squeue', ['-h', '--states=all', '-o', '%i|%T', '-j', ids.join(',')]);
  for (const line of q.stdout.split('\n')) {
    const [id, st] = line.trim().split('|');
    if (id && st && ids.includes(id)) out.set(id, mapSlurmState(st));
  }
  let missing = ids.filter((i) => !out.has(i));
  // squeue rejects the whole list when one id is unknown: ask again one by one.
  if (missing.length > 0 && q.exitCode !== 0 && ids.length > 1) {
    for (const id of missing) {
      const r = await run('squeue', ['-h', '--states=all', '-o', '%i|%T', '-j', id]);
      const [i2, st] = r.stdout.trim().split('\n')[0]?.split('|') ?? [];
      if (i2 === id && st) out.set(id, mapSlurmState(st));
    }
    missing = ids.filter((i) => !out.has(i));
  }
  if (missing.length === 0) return out;
  // 2. sacct (needs accounting storage; silently skipped when it errors).
  try {
    const a = await run('sacct', ['-n', '-P', '-X', '-o', 'JobIDRaw,State', '-j', missing.join(',')]);
    if (a.exitCode === 0) {
      for (const line of a.stdout.split('\n')) {
        const [id, st] = line.trim().split('|');
        if (id && st && missing.includes(id)) out.set(id, mapSlurmState(st));
      }
    }
  } catch {
    /* no sacct */
  }
  missing = missing.filter((i) => !out.has(i));
  if (missing.length === 0) return out;
  // 3. The job-completion log.
  const loc = await jobcompLog();
  if (loc) for (const [id, st] of parseJobcomp(readFileSync(loc, 'utf8'), new Set(missing))) out.set(id, st);
  return out;
}

export const slurmBackend: BackendDriver = {
  kind: 'slurm',

  async submit(spec: JobSpec, ctx: SubmitContext): Promise<SubmitResult> {
    const text = renderSbatch(spec);
    const script = join(ctx.paths.dir, 'job.sbatch');
    writeFileAtomic(script, text, 0o644);
    const env = sbatchEnvironment(spec, ctx.secrets);
    const argv = sbatchArgv(spec, ctx, script, env);
    if (ctx.dryRun) return { backendId: 'dry-run', info: { sbatch: JSON.stringify(['sbatch', ...argv]) }, script };
    const r = await run('sbatch', argv, { env });
    if (r.exitCode !== 0) throw schedulerFailure('sbatch', r);
    const backendId = r.stdout.trim().split('\n').at(-1)?.split(';')[0]?.trim() ?? '';
    if (!/^\d+$/.test(backendId)) throw new SchedulerError(`sbatch printed no job id: '${r.stdout.trim()}'`);
    return { backendId, info: { cluster: process.env.SLURM_CONF ?? '' }, script };
  },

  async states(records: readonly JobRecord[]) {
    const byBackend = await slurmStates(records.map((r) => r.backendId));
    const m = new Map<string, JobState>();
    for (const r of records) {
      const s = byBackend.get(r.backendId);
      if (s) m.set(r.id, s);
    }
    return m;
  },

  async cancel(rec: JobRecord) {
    if (!/^\d+$/.test(rec.backendId)) return;
    const r = await run('scancel', [rec.backendId]);
    if (r.exitCode !== 0) throw new Error(`scancel ${rec.backendId} failed: ${r.stderr.trim()}`);
  },

  async readLog(rec, stream, offset, final) {
    return readFileFrom(stream === 'stdout' ? rec.paths.stdout : rec.paths.stderr, offset, final);
  },
};
