/**
 * The on-disk job record: `runs/jobs/<id>/job.json`, what lets a restarted notebook or CLI re-attach to a
 * job (submitit keeps `<id>_submitted.pkl` + logs in its folder for the same reason). The record holds the spec with secret NAMES only (never values), the backend and its own id, the
 * submit time, the paths, backend details needed to reach the job again (pid, Ray address, SkyPilot
 * cluster) and the last known state. Writes are atomic (temporary file in the same folder, then rename).
 *
 * Ids are filesystem-safe and independent of the job name: `<UTC yyyymmdd-hhmmss>-<8 random hex>`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendKind, JobPaths, JobSpec, JobState } from './types.js';
import { BACKEND_KINDS } from './types.js';
import { mkdirp } from '../util/fsx.js';

export const DEFAULT_JOBS_DIR = join('runs', 'jobs');
export const RECORD_VERSION = 1;

export interface JobRecord {
  version: number;
  id: string;
  backend: BackendKind;
  /** The backend's id: Slurm job id, local pid, Ray submission_id, `<sky cluster>/<sky job id>`. */
  backendId: string;
  name: string;
  recipe?: string;
  /** ISO time of submission. */
  submittedAt: string;
  /** The spec as submitted; `secretEnv` are names, no value is ever stored. */
  spec: JobSpec;
  paths: JobPaths;
  /** Backend details needed to reach the job again (pid, address, cluster name …); never secrets. */
  info: Record<string, string | number | boolean>;
  lastState: JobState;
  /** ISO time `lastState` was observed. */
  lastStateAt: string;
  dryRun?: boolean;
  /** Why the job never started (the scheduler was missing or refused it); `lastState` is then FAILED. */
  error?: string;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A fresh id: time-ordered, filesystem-safe, never derived from the (arbitrary) job name. */
export function newJobId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function assertJobId(id: string): void {
  if (!ID_RE.test(id) || id.includes('..')) throw new Error(`invalid job id '${id}' (expected letters, digits, '.', '_' or '-')`);
}

export function jobPaths(jobsDir: string, id: string): JobPaths {
  assertJobId(id);
  const dir = resolve(jobsDir, id);
  return { dir, record: join(dir, 'job.json'), stdout: join(dir, 'stdout.log'), stderr: join(dir, 'stderr.log') };
}

/** Atomic write: temp file beside the target, then rename (readers never see half a file). */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function writeRecord(rec: JobRecord): void {
  mkdirp(rec.paths.dir);
  writeFileAtomic(rec.paths.record, JSON.stringify(rec, null, 2) + '\n');
}

function fieldError(file: string, field: string, msg: string): Error {
  return new Error(`${file}: field '${field}': ${msg}`);
}

/** Reads and checks one record; errors name the file and the field. */
export function readRecord(file: string): JobRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  for (const f of ['id', 'backend', 'backendId', 'name', 'submittedAt', 'lastState'] as const) {
    if (typeof r[f] !== 'string') throw fieldError(file, f, `expected a string, got ${JSON.stringify(r[f])}`);
  }
  if (!BACKEND_KINDS.includes(r.backend as BackendKind)) throw fieldError(file, 'backend', `unknown backend '${String(r.backend)}'`);
  if (typeof r.paths !== 'object' || r.paths === null) throw fieldError(file, 'paths', 'expected an object');
  if (typeof r.spec !== 'object' || r.spec === null) throw fieldError(file, 'spec', 'expected an object');
  if (typeof r.info !== 'object' || r.info === null) r.info = {};
  return r as unknown as JobRecord;
}

export function recordFor(jobsDir: string, id: string): JobRecord {
  const p = jobPaths(jobsDir, id);
  if (!existsSync(p.record)) {
    const err = new Error(`no job '${id}' under ${resolve(jobsDir)} (run 'golongrl list' to see the jobs)`) as NodeJS.ErrnoException;
    err.code = 'ENOENT';
    throw err;
  }
  return readRecord(p.record);
}

/** Every record under the jobs folder, oldest first (ids are time-ordered). Unreadable ones are skipped. */
export function listRecords(jobsDir: string, onBad?: (file: string, e: Error) => void): JobRecord[] {
  if (!existsSync(jobsDir)) return [];
  const out: JobRecord[] = [];
  for (const name of readdirSync(jobsDir).sort()) {
    if (!ID_RE.test(name)) continue;
    const file = join(jobsDir, name, 'job.json');
    if (!existsSync(file)) continue;
    try {
      out.push(readRecord(file));
    } catch (e) {
      onBad?.(file, e as Error);
    }
  }
  return out;
}

/** Re-reads the record, sets the state (if it changed) and writes it back atomically. */
export function saveState(rec: JobRecord, state: JobState, now = new Date()): JobRecord {
  if (rec.lastState === state) return rec;
  rec.lastState = state;
  rec.lastStateAt = now.toISOString();
  writeRecord(rec);
  return rec;
}
