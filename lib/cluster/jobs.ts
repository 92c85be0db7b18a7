/**
 * One Job API over every backend — `submitJob(spec, backend) → Job { id, state(), wait(), logs(), cancel(),
 * paths }` — modelled on submitit's Executor/Job: each job has a folder
 * `runs/jobs/<id>/` with its record (lib/cluster/store.ts), launch file and logs, so `attachJob(id)` in a
 * restarted notebook or CLI gets the same handle back.
 *
 * Status polling is batched as submitit's InfoWatcher: `pollStates(jobs)` makes ONE query per backend for
 * all the jobs given (one squeue, one GET /api/jobs/ per Ray address, one `sky queue`), and `wait()` goes
 * through a shared `JobWatcher` that polls every waiting job together at 0, 2, 4, 8, … s after the latest
 * registration, capped (60 s by default). A backend that cannot be reached leaves the last known state in
 * place ("status may be inaccurate"), it does not fail the wait.
 *
 * Secrets: `spec.secretEnv` names are resolved by lib/cluster/secrets.ts (this process's environment, else
 * an env file with mode 0600) at submit time and handed to the backend in memory only; the record, the launch file and
 * argv never hold a value (test/cluster/*.test.ts assert that with a canary value).
 */
import { join, resolve } from 'node:path';
import type { BackendDriver, BackendOptions } from './backends/driver.js';
import { localBackend } from './backends/local.js';
import { rayBackend } from './backends/ray.js';
import { skypilotBackend } from './backends/skypilot.js';
import { slurmBackend } from './backends/slurm.js';
import { loadSecretEnv } from './secrets.js';
import { DEFAULT_JOBS_DIR, jobPaths, listRecords, newJobId, recordFor, saveState, writeRecord, type JobRecord } from './store.js';
import { BACKEND_KINDS, isTerminal, type BackendKind, type Job, type JobSpec, type JobState, type LogOptions, type WaitOptions } from './types.js';
import { mkdirp } from '../util/fsx.js';

export type { BackendOptions } from './backends/driver.js';

export interface PollOptions {
  /** First delay after the immediate poll (default 2000 ms); doubles each poll. */
  initialDelayMs?: number;
  /** Cap on the delay between polls (default 60 000 ms). */
  maxDelayMs?: number;
}

export interface JobsOptions {
  /** Default runs/jobs (relative to the working directory). */
  jobsDir?: string;
  poll?: PollOptions;
}

export interface SubmitOptions extends JobsOptions {
  /** KEY=VALUE file (mode 0600) the secret values are read from before the environment. */
  envFile?: string;
  /** Write the launch file and the record under `<jobsDir>/dry-run/<id>/`, run nothing. */
  dryRun?: boolean;
  /** Backend-specific settings (extra sbatch args, Ray address, SkyPilot cluster …). */
  backend?: BackendOptions;
  /** Working directory when the payload names none (default process.cwd()). */
  cwd?: string;
}

const DRIVERS: Record<BackendKind, BackendDriver> = {
  local: localBackend,
  slurm: slurmBackend,
  ray: rayBackend,
  skypilot: skypilotBackend,
};

export function getBackend(kind: BackendKind): BackendDriver {
  const d = DRIVERS[kind];
  if (!d) throw new Error(`unknown backend '${kind}' (known: ${BACKEND_KINDS.join(', ')})`);
  return d;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal?.aborted) return res();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      res();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The handle every backend returns. */
export class JobHandle implements Job {
  constructor(
    private rec: JobRecord,
    private readonly watcher: JobWatcher,
  ) {}
  get id(): string {
    return this.rec.id;
  }
  get backend(): BackendKind {
    return this.rec.backend;
  }
  get backendId(): string {
    return this.rec.backendId;
  }
  get name(): string {
    return this.rec.name;
  }
  get paths() {
    return this.rec.paths;
  }
  /** The persisted record (a copy). */
  get record(): JobRecord {
    return structuredClone(this.rec);
  }
  /** The last state seen (no query). */
  get lastState(): JobState {
    return this.rec.lastState;
  }
  get dryRun(): boolean {
    return this.rec.dryRun === true;
  }
  /** @internal used by pollStates */
  _record(): JobRecord {
    return this.rec;
  }
  async state(): Promise<JobState> {
    const m = await pollStates([this]);
    return m.get(this.id) ?? this.rec.lastState;
  }
  wait(opts: WaitOptions = {}): Promise<JobState> {
    return this.watcher.wait(this, opts);
  }
  async *logs(opts: LogOptions = {}): AsyncIterable<string> {
    if (this.dryRun) return;
    const driver = getBackend(this.rec.backend);
    const stream = opts.stream ?? 'stdout';
    let offset = 0;
    let pending = '';
    let delay = 250;
    for (;;) {
      const terminal = !opts.follow || isTerminal(await this.state()) || opts.signal?.aborted === true;
      const chunk = await driver.readLog(this.rec, stream, offset, terminal);
      offset = chunk.offset;
      pending += chunk.text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) yield l;
      if (terminal) {
        if (pending !== '') yield pending;
        return;
      }
      const cap = opts.maxDelayMs ?? 5000;
      delay = chunk.text === '' ? Math.min(delay * 2, cap) : Math.min(250, cap);
      await sleep(delay, opts.signal);
    }
  }
  async cancel(): Promise<void> {
    if (this.dryRun) return;
    await getBackend(this.rec.backend).cancel(this.rec);
    await this.state();
  }
}

/**
 * Batched state polling: one backend query for all the given jobs of that backend. Terminal jobs are not
 * queried again; records are updated on disk when a state changes. Returns id → state.
 */
export async function pollStates(jobs: readonly Job[]): Promise<Map<string, JobState>> {
  const out = new Map<string, JobState>();
  const byBackend = new Map<BackendKind, JobRecord[]>();
  for (const j of jobs) {
    const rec = j instanceof JobHandle ? j._record() : undefined;
    if (!rec) continue;
    if (rec.dryRun || isTerminal(rec.lastState)) {
      out.set(rec.id, rec.lastState);
      continue;
    }
    byBackend.set(rec.backend, [...(byBackend.get(rec.backend) ?? []), rec]);
  }
  for (const [kind, recs] of byBackend) {
    let states = new Map<string, JobState>();
    try {
      states = await getBackend(kind).states(recs);
    } catch {
      /* backend unreachable: keep the last known states */
    }
    for (const r of recs) {
      const s = states.get(r.id);
      if (s) saveState(r, s);
      out.set(r.id, r.lastState);
    }
  }
  return out;
}

/** The poll cap for waits on local jobs only (their state is read from files, no scheduler is asked). */
export const LOCAL_MAX_DELAY_MS = 1000;

/** submitit's InfoWatcher: every waiting job polled together, delays 0, d, 2d, 4d … capped. */
export class JobWatcher {
  private readonly initial: number;
  private readonly max: number;
  private readonly waiting = new Map<string, { job: JobHandle; resolve: ((s: JobState) => void)[] }>();
  private running = false;
  private polls = 0;
  constructor(opts: PollOptions = {}) {
    this.initial = opts.initialDelayMs ?? 2000;
    this.max = opts.maxDelayMs ?? 60_000;
  }
  /** Delay before poll number n (0-based): 0, initial, 2·initial, 4·initial, … ≤ max. */
  delayFor(n: number): number {
    return n === 0 ? 0 : Math.min(this.max, this.initial * 2 ** (n - 1));
  }
  wait(job: JobHandle, opts: WaitOptions = {}): Promise<JobState> {
    if (job.dryRun || isTerminal(job.lastState)) return Promise.resolve(job.lastState);
    return new Promise<JobState>((resolveWait) => {
      let settled = false;
      const finish = (s: JobState) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const w = this.waiting.get(job.id);
        if (w) {
          w.resolve = w.resolve.filter((f) => f !== finish);
          if (w.resolve.length === 0) this.waiting.delete(job.id);
        }
        resolveWait(s);
      };
      const onAbort = () => finish(job.lastState);
      const timer = opts.timeoutMs !== undefined ? setTimeout(() => finish(job.lastState), opts.timeoutMs) : undefined;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const w = this.waiting.get(job.id) ?? { job, resolve: [] };
      w.resolve.push(finish);
      this.waiting.set(job.id, w);
      this.polls = 0; // a new registration restarts the backoff
      if (!this.running) void this.loop();
    });
  }
  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.size > 0) {
        // A local job's state is a file read, not a scheduler query: look at least every second.
        const allLocal = [...this.waiting.values()].every((w) => w.job.backend === 'local');
        await sleep(allLocal ? Math.min(this.delayFor(this.polls), LOCAL_MAX_DELAY_MS) : this.delayFor(this.polls));
        this.polls++;
        const entries = [...this.waiting.values()];
        const states = await pollStates(entries.map((e) => e.job)).catch(() => new Map<string, JobState>());
        for (const e of entries) {
          const s = states.get(e.job.id);
          if (s && isTerminal(s)) {
            this.waiting.delete(e.job.id);
            for (const r of e.resolve) r(s);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}

const defaultWatcher = new JobWatcher();
function watcherFor(opts?: JobsOptions): JobWatcher {
  return opts?.poll ? new JobWatcher(opts.poll) : defaultWatcher;
}

function jobsDirOf(opts?: JobsOptions): string {
  return resolve(opts?.jobsDir ?? DEFAULT_JOBS_DIR);
}

/** Submits `spec` to `backend`; the returned handle is also persisted for `attachJob`. */
export async function submitJob(spec: JobSpec, backend: BackendKind, opts: SubmitOptions = {}): Promise<JobHandle> {
  const driver = getBackend(backend);
  const id = newJobId();
  const root = jobsDirOf(opts);
  const paths = jobPaths(opts.dryRun ? join(root, 'dry-run') : root, id);
  mkdirp(paths.dir);
  const secrets = opts.dryRun ? {} : loadSecretEnv(spec.secretEnv, opts.envFile !== undefined ? { envFile: opts.envFile } : {});
  const now = new Date().toISOString();
  const stored: JobSpec = JSON.parse(JSON.stringify({ ...spec, secretEnv: [...spec.secretEnv] }));
  let res;
  try {
    res = await driver.submit(spec, { id, paths, secrets, dryRun: opts.dryRun === true, options: opts.backend ?? {}, cwd: opts.cwd ?? process.cwd() });
  } catch (e) {
    // Never an orphan folder: the record says FAILED and why, so `list`/`status` show it.
    const reason = e instanceof Error ? e.message : String(e);
    writeRecord({
      version: 1, id, backend, backendId: '', name: spec.name, ...(spec.recipe ? { recipe: spec.recipe } : {}), submittedAt: now, spec: stored,
      paths, info: {}, lastState: 'FAILED', lastStateAt: new Date().toISOString(), ...(opts.dryRun ? { dryRun: true } : {}), error: reason,
    });
    if (e instanceof Error) (e as Error & { jobId?: string }).jobId = id;
    throw e;
  }
  const rec: JobRecord = {
    version: 1,
    id,
    backend,
    backendId: res.backendId,
    name: spec.name,
    ...(spec.recipe ? { recipe: spec.recipe } : {}),
    submittedAt: now,
    spec: stored,
    paths: { ...paths, ...(res.script ? { script: res.script } : {}) },
    info: res.info,
    lastState: opts.dryRun ? 'UNKNOWN' : 'PENDING',
    lastStateAt: now,
    ...(opts.dryRun ? { dryRun: true } : {}),
  };
  writeRecord(rec);
  return new JobHandle(rec, watcherFor(opts));
}

/** Re-attaches to a job from its record (`runs/jobs/<id>/job.json`). */
export function attachJob(id: string, opts: JobsOptions = {}): JobHandle {
  return new JobHandle(recordFor(jobsDirOf(opts), id), watcherFor(opts));
}

/** Every persisted job, oldest first (unreadable records are reported through `onBad` and skipped). */
export function listJobs(opts: JobsOptions & { onBad?: (file: string, e: Error) => void } = {}): JobHandle[] {
  const w = watcherFor(opts);
  return listRecords(jobsDirOf(opts), opts.onBad).map((r) => new JobHandle(r, w));
}
