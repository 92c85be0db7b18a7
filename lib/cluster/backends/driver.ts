/**
 * What a backend implements so that `lib/cluster/jobs.ts` can give every backend the same `Job` handle:
 * submit a spec (returning the backend's id and the details to persist), query the states of MANY jobs in
 * one call (one `squeue`, one `GET /api/jobs/`, one `sky queue` — submitit's batched InfoWatcher), cancel,
 * and read log text from an offset (files for local/Slurm, the backend's log endpoint otherwise).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { JobRecord } from '../store.js';
import type { BackendKind, JobPaths, JobSpec, JobState } from '../types.js';

export interface BackendOptions {
  slurm?: {
    /** Extra sbatch arguments, each one argv element (e.g. ['--hold'], ['--partition=debug']). */
    sbatchArgs?: readonly string[];
  };
  ray?: {
    /** Ray dashboard / job server address (default $RAY_API_SERVER_ADDRESS or http://127.0.0.1:8265). */
    address?: string;
  };
  skypilot?: {
    /** The `sky` executable (default 'sky' on PATH). */
    sky?: string;
    /** Cluster name (default derived from the job id). */
    cluster?: string;
    /** Accelerator type for `resources.accelerators` (default 'H100'). */
    accelerator?: string;
  };
}

export interface SubmitContext {
  id: string;
  paths: JobPaths;
  /** Secret values by name: passed only through the environment / in-memory request, never persisted. */
  secrets: Readonly<Record<string, string>>;
  dryRun: boolean;
  options: BackendOptions;
  /** Working directory the job starts in when the payload names none. */
  cwd: string;
}

export interface SubmitResult {
  backendId: string;
  info: Record<string, string | number | boolean>;
  /** Set when a launch file was written (paths.script). */
  script?: string;
}

export interface LogChunk {
  text: string;
  /** Pass back as `offset` to get only what came after. */
  offset: number;
}

/**
 * The scheduler (sbatch, the Ray job server, sky) is missing or refused the job. The CLI prints the message
 * as one line and exits 2; `submitJob` records the job as FAILED with this reason.
 */
export class SchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}

const INSTALL_HINT: Record<string, string> = {
  sbatch: "install Slurm's client tools (Debian: apt-get install slurm-client) or load the Slurm module, and point SLURM_CONF at the cluster",
  sky: 'install SkyPilot (pip install skypilot) or pass the sky executable',
};

/** A SchedulerError from a failed client run: not found, or its exit code with its own message. */
export function schedulerFailure(program: string, r: { exitCode: number; stderr: string; stdout: string; notFound?: boolean }): SchedulerError {
  if (r.notFound) return new SchedulerError(`${program}: command not found on PATH (${INSTALL_HINT[program] ?? 'install it'})`);
  const msg = (r.stderr.trim() || r.stdout.trim() || '(no output)').split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
  return new SchedulerError(`${program} failed (exit ${r.exitCode}): ${msg}`);
}

export interface BackendDriver {
  readonly kind: BackendKind;
  submit(spec: JobSpec, ctx: SubmitContext): Promise<SubmitResult>;
  /** States for many records in one backend query; records it cannot place are left out. */
  states(records: readonly JobRecord[]): Promise<Map<string, JobState>>;
  cancel(rec: JobRecord): Promise<void>;
  /** `final`: the job has ended, return everything (a last line without newline included). */
  readLog(rec: JobRecord, stream: 'stdout' | 'stderr', offset: number, final: boolean): Promise<LogChunk>;
}

/** The bytes of `path` after `offset` (empty when the file does not exist yet), cut at the last newline
 * unless `all` (the job has ended: the last line may lack its newline). */
export function readFileFrom(path: string, offset: number, all = false): LogChunk {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', offset };
  }
  if (size < offset) offset = 0; // truncated / rotated: start again
  if (size === offset) return { text: '', offset };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    if (all) return { text: buf.subarray(0, n).toString('utf8'), offset: offset + n };
    const last = buf.lastIndexOf(0x0a, n - 1);
    if (last < 0) return { text: '', offset };
    return { text: buf.subarray(0, last + 1).toString('utf8'), offset: offset + last + 1 };
  } finally {
    closeSync(fd);
  }
}
