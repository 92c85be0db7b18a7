/**
 * Submitting a phased recipe's jobs as a chain (lib/cluster/phases.ts renders them): on Slurm all phases
 * are submitted at once, phase k+1 with `--dependency=afterok:<phase k id>` (one sbatch argv element); on
 * the other backends a driver here submits phase k+1 only after phase k is COMPLETED (`Job.wait`), and
 * marks the rest SKIPPED otherwise. The chain is persisted in `<jobsDir>/chains/<chain id>.json`
 * (rewritten at every transition) and every phase's job record names its phase, so `golongrl
 * status`/`list` show it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { submitJob, type JobHandle, type SubmitOptions } from './jobs.js';
import type { PhaseJob } from './phases.js';
import { DEFAULT_JOBS_DIR, newJobId, writeFileAtomic } from './store.js';
import type { BackendKind, JobState } from './types.js';
import { mkdirp } from '../util/fsx.js';

export type PhaseState = JobState | 'NOT_SUBMITTED' | 'SKIPPED';

export interface ChainRecord {
  version: 1;
  id: string;
  recipe: string;
  backend: BackendKind;
  createdAt: string;
  /** RUNNING while a phase is unfinished; COMPLETED when all are; FAILED when one ended otherwise. SUBMITTED: slurm chain handed to sbatch. */
  state: 'RUNNING' | 'SUBMITTED' | 'COMPLETED' | 'FAILED';
  error?: string;
  phases: {
    phase: number;
    label: string;
    jobId: string | null;
    backendId: string | null;
    state: PhaseState;
    /** Job id (ours) this phase waits for. */
    after: string | null;
    resumeFrom: string | null;
    finalCheckpoint: string;
    steps: [number, number];
  }[];
}

export function chainsDir(jobsDir?: string): string {
  return resolve(jobsDir ?? DEFAULT_JOBS_DIR, 'chains');
}

function writeChain(dir: string, c: ChainRecord): string {
  mkdirp(dir);
  const f = join(dir, `${c.id}.json`);
  writeFileAtomic(f, JSON.stringify(c, null, 2) + '\n');
  return f;
}

export function readChain(jobsDir: string | undefined, id: string): ChainRecord {
  const f = join(chainsDir(jobsDir), `${id}.json`);
  const raw = JSON.parse(readFileSync(f, 'utf8')) as ChainRecord;
  if (raw.version !== 1 || !Array.isArray(raw.phases)) throw new Error(`${f}: not a phase chain record (field 'version'/'phases')`);
  return raw;
}

export function listChains(jobsDir?: string): ChainRecord[] {
  const d = chainsDir(jobsDir);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => readChain(jobsDir, n.slice(0, -5)));
}

export interface ChainOptions extends SubmitOptions {
  /** Progress/events (phase submitted, ended). */
  onEvent?: (msg: string, c: ChainRecord) => void;
  /** Local backend: before submitting phase k+1, require phase k's final checkpoint to exist (default true). */
  checkCheckpoints?: boolean;
}

export interface ChainResult {
  chain: ChainRecord;
  file: string;
  handles: JobHandle[];
}

/**
 * Submits the phases. Slurm: all at once, phase k+1 with `--dependency=afterok:<phase k's Slurm id>`; returns
 * right away (state SUBMITTED). Other backends: submits phase 1, waits for it, and submits phase k+1 only
 * when phase k is COMPLETED (then returns when the chain has ended); a phase ending otherwise stops the
 * chain (later phases SKIPPED, state FAILED). The chain record is rewritten at every transition.
 */
export async function submitPhases(jobs: readonly PhaseJob[], backend: BackendKind, opts: ChainOptions = {}): Promise<ChainResult> {
  const dir = opts.dryRun ? join(chainsDir(opts.jobsDir), 'dry-run') : chainsDir(opts.jobsDir);
  const chain: ChainRecord = {
    version: 1,
    id: newJobId(),
    recipe: jobs[0]?.recipe.name.replace(/:phase\d+$/, '') ?? '',
    backend,
    createdAt: new Date().toISOString(),
    state: 'RUNNING',
    phases: jobs.map((j) => ({ phase: j.phase, label: j.label, jobId: null, backendId: null, state: 'NOT_SUBMITTED', after: null, resumeFrom: j.resumeFrom, finalCheckpoint: j.finalCheckpoint, steps: [j.startStep + 1, j.endStep] })),
  };
  let file = writeChain(dir, chain);
  const save = (msg: string) => {
    file = writeChain(dir, chain);
    opts.onEvent?.(msg, chain);
  };
  const handles: JobHandle[] = [];
  const userSbatch = opts.backend?.slurm?.sbatchArgs ?? [];
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i];
    const prev = handles[i - 1];
    const row = chain.phases[i];
    if (backend !== 'slurm' && prev && !opts.dryRun) {
      const s = await prev.wait();
      chain.phases[i - 1].state = s;
      if (s !== 'COMPLETED') {
        for (const r of chain.phases.slice(i)) r.state = 'SKIPPED';
        chain.state = 'FAILED';
        chain.error = `phase ${i} ended ${s}: phases ${i + 1}–${jobs.length} not submitted`;
        save(chain.error);
        return { chain, file, handles };
      }
      save(`phase ${i}/${jobs.length} COMPLETED`);
      const ck = jobs[i - 1].finalCheckpoint;
      const ckAbs = isAbsolute(ck) ? ck : resolve(j.spec.payload.workdir ?? opts.cwd ?? process.cwd(), ck);
      if (backend === 'local' && j.spec.payload.kind === 'command' && opts.checkCheckpoints !== false && !existsSync(ckAbs)) {
        for (const r of chain.phases.slice(i)) r.state = 'SKIPPED';
        chain.state = 'FAILED';
        chain.error = `phase ${i} COMPLETED but its final checkpoint ${ckAbs} is missing: phase ${i + 1} not submitted`;
        save(chain.error);
        return { chain, file, handles };
      }
    }
    const dep = backend === 'slurm' && prev ? [`--dependency=afterok:${opts.dryRun ? `<slurm id of phase ${i}>` : prev.backendId}`] : [];
    const h = await submitJob(j.spec, backend, { ...opts, backend: { ...opts.backend, slurm: { ...opts.backend?.slurm, sbatchArgs: [...userSbatch, ...dep] } } });
    handles.push(h);
    Object.assign(row, { jobId: h.id, backendId: h.backendId, state: h.lastState, after: prev ? prev.id : null });
    save(`phase ${j.phase}/${jobs.length} ${opts.dryRun ? 'written (dry run)' : 'submitted'} as ${h.id} (${backend} ${h.backendId})${prev ? ` after ${prev.id}` : ''}`);
  }
  if (backend === 'slurm' || opts.dryRun) {
    chain.state = 'SUBMITTED';
    save(opts.dryRun ? 'dry run: nothing submitted' : 'chain submitted');
    return { chain, file, handles };
  }
  const last = handles[handles.length - 1];
  const s = await last.wait();
  chain.phases[handles.length - 1].state = s;
  chain.state = s === 'COMPLETED' ? 'COMPLETED' : 'FAILED';
  if (s !== 'COMPLETED') chain.error = `phase ${handles.length} ended ${s}`;
  save(`phase ${handles.length}/${jobs.length} ${s}`);
  return { chain, file, handles };
}
