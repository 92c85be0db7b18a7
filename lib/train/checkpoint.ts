/**
 * Checkpoints in verl's layout (GOLONGRL.md §D), under a run directory:
 *
 *   <runDir>/
 *     latest_checkpointed_iteration.txt     the global step of the newest COMPLETE checkpoint, as text
 *     global_step_<N>/
 *       data.json                           data position (verl: data.pt, the dataloader state)
 *       actor/
 *         model.json                        manifest: variable names, shapes, offsets (in floats)
 *         model.bin                         all weights, little-endian Float32, manifest order
 *         optim.json                        Adam: iteration, betas, epsilon, lr, weight decay, names
 *         optim.bin                         Adam first moments then second moments, little-endian Float32
 *         extra_state.json                  RNG state (verl: extra_state_*.pt)
 *
 * Writing is crash-safe: the step directory is written in full under `global_step_<N>.tmp-<pid>` and
 * renamed into place; only then is `latest_checkpointed_iteration.txt` replaced (temporary file +
 * rename). A process killed at any point leaves the previous checkpoint as "latest". Every file is
 * fsynced before its rename and each directory after, so a power loss cannot leave a "latest" that
 * names torn or empty files (the rename alone is atomic only for a process crash). Rotation
 * (`keepLast`) removes the oldest `global_step_*` directories after the latest file is written.
 *
 * Resume (`findResumeCheckpoint`): the newest complete checkpoint is the one the latest file names;
 * when that file is missing, empty, not a number or names a directory that is gone or incomplete,
 * the newest COMPLETE `global_step_*` directory is used instead and a note says so; when there is none
 * but the run directory already holds history (metrics.jsonl lines or step directories), resume
 * REFUSES (`ResumeError`) rather than restart at step 0 over the old run.
 *
 * Lock (`acquireRunLock`): one writer per run directory. `<runDir>/run.lock` holds the writer's pid,
 * host and start time, created with O_EXCL; a second writer gets a `RunLockedError` naming the holder;
 * a lock whose pid is dead on this host is taken over (with a note).
 *
 * RNG state: the trainer derives every random stream from (seed, step, purpose) (a counter-based
 * derivation, see trainer.ts), so the RNG state IS (seed, step); extra_state.json records both.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdirp } from '../util/fsx.js';

export const LATEST_FILE = 'latest_checkpointed_iteration.txt';

export interface AdamState {
  /** Number of updates applied (t in the bias corrections). */
  iteration: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  lr: number;
  weightDecay: number;
  /** First moments, one per variable in `CheckpointState.names` order. */
  m: Float32Array[];
  /** Second moments, same order. */
  v: Float32Array[];
}

export interface CheckpointState {
  /** Global step (number of updates done). */
  step: number;
  /** Variable names, in the order of `weights`. */
  names: string[];
  shapes: number[][];
  weights: Float32Array[];
  optimizer: AdamState;
  /** RNG state and anything else the trainer needs (JSON). */
  extra: Record<string, unknown>;
  /** Data position (JSON). */
  data: Record<string, unknown>;
}

export function stepDir(runDir: string, step: number): string {
  return join(runDir, `global_step_${step}`);
}

function concatF32(arrays: readonly Float32Array[]): Buffer {
  const total = arrays.reduce((a, x) => a + x.length, 0);
  const buf = Buffer.alloc(total * 4);
  let off = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) buf.writeFloatLE(a[i], (off + i) * 4);
    off += a.length;
  }
  return buf;
}

function splitF32(buf: Buffer, sizes: readonly number[], what: string): Float32Array[] {
  const total = sizes.reduce((a, x) => a + x, 0);
  if (buf.length !== total * 4) throw new Error(`${what}: expected ${total * 4} bytes, found ${buf.length}`);
  const out: Float32Array[] = [];
  let off = 0;
  for (const n of sizes) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = buf.readFloatLE((off + i) * 4);
    out.push(a);
    off += n;
  }
  return out;
}

/** Write a file and fsync it, so a power loss after a later rename cannot leave it empty or torn. */
function writeDurable(path: string, data: string | Buffer): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory, making the renames and creations inside it durable. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeDurable(tmp, data);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/**
 * Write `global_step_<N>/` completely (via a temporary directory and a rename). Does NOT mark it
 * latest: `saveCheckpoint` does that afterwards.
 */
export function writeStepDir(runDir: string, state: CheckpointState): string {
  const { names, shapes, weights, optimizer: opt } = state;
  if (shapes.length !== names.length || weights.length !== names.length || opt.m.length !== names.length || opt.v.length !== names.length)
    throw new Error('checkpoint: names, shapes, weights and optimizer moments must have the same length');
  mkdirp(runDir);
  const final = stepDir(runDir, state.step);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const actor = join(tmp, 'actor');
  mkdirp(actor);
  const sizes = weights.map((w) => w.length);
  let off = 0;
  const entries = names.map((name, i) => {
    const e = { name, shape: shapes[i], offset: off, size: sizes[i] };
    off += sizes[i];
    return e;
  });
  writeDurable(join(actor, 'model.json'), JSON.stringify({ format: 'float32-le', file: 'model.bin', variables: entries }, null, 1));
  writeDurable(join(actor, 'model.bin'), concatF32(weights));
  writeDurable(
    join(actor, 'optim.json'),
    JSON.stringify({ type: 'adam', file: 'optim.bin', layout: 'm[names] then v[names]', iteration: opt.iteration, beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, lr: opt.lr, weightDecay: opt.weightDecay, names }, null, 1),
  );
  writeDurable(join(actor, 'optim.bin'), concatF32([...opt.m, ...opt.v]));
  writeDurable(join(actor, 'extra_state.json'), JSON.stringify(state.extra, null, 1));
  writeDurable(join(tmp, 'data.json'), JSON.stringify({ step: state.step, ...state.data }, null, 1));
  fsyncDir(actor);
  fsyncDir(tmp);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDir(runDir);
  return final;
}

/** Replace `latest_checkpointed_iteration.txt` (atomically). */
export function markLatest(runDir: string, step: number): void {
  writeAtomic(join(runDir, LATEST_FILE), String(step));
}

/** Steps of the `global_step_*` directories present (complete or not marked), ascending. */
export function listCheckpoints(runDir: string): number[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .map((d) => /^global_step_(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The step in `latest_checkpointed_iteration.txt`, or null when there is none (or its directory is gone). */
export function latestCheckpointStep(runDir: string): number | null {
  const f = join(runDir, LATEST_FILE);
  if (!existsSync(f)) return null;
  const step = Number(readFileSync(f, 'utf8').trim());
  if (!Number.isInteger(step) || step < 0) throw new Error(`${f}: not a step number`);
  return existsSync(join(stepDir(runDir, step), 'data.json')) ? step : null;
}

/**
 * Keep the `keepLast` newest checkpoints at or below the latest one; remove older ones and stale
 * temporary directories. Directories above the latest step (written but never marked) are removed too.
 */
export function rotateCheckpoints(runDir: string, keepLast: number): number[] {
  const latest = latestCheckpointStep(runDir);
  if (existsSync(runDir))
    for (const d of readdirSync(runDir)) if (/^global_step_\d+\.tmp-\d+$/.test(d)) rmSync(join(runDir, d), { recursive: true, force: true });
  if (latest === null) return [];
  const all = listCheckpoints(runDir);
  const complete = all.filter((s) => s <= latest);
  // A step a watcher is evaluating (global_step_N.eval-pin) is kept; removed ones are logged so the
  // watcher can record them as missed (lib/eval/pin.ts, docs/eval.md).
  const pinned = (s: number) => existsSync(join(runDir, `global_step_${s}.eval-pin`));
  const rotated = (keepLast > 0 ? complete.slice(0, Math.max(0, complete.length - keepLast)) : []).filter((s) => !pinned(s));
  const remove = [...all.filter((s) => s > latest), ...rotated];
  for (const s of remove) rmSync(stepDir(runDir, s), { recursive: true, force: true });
  if (rotated.length > 0) writeFileSync(join(runDir, 'rotated_steps.jsonl'), rotated.map((s) => JSON.stringify({ step: s, at: Date.now() }) + '\n').join(''), { flag: 'a' });
  return remove;
}

/** Write a checkpoint, mark it latest, then rotate (keepLast ≤ 0 keeps everything). */
export function saveCheckpoint(runDir: string, state: CheckpointState, opts: { keepLast?: number } = {}): string {
  const dir = writeStepDir(runDir, state);
  markLatest(runDir, state.step);
  rotateCheckpoints(runDir, opts.keepLast ?? 0);
  return dir;
}

/** Read `global_step_<step>/` back. */
export function loadCheckpoint(runDir: string, step: number): CheckpointState {
  const dir = stepDir(runDir, step);
  const actor = join(dir, 'actor');
  const manifest = JSON.parse(readFileSync(join(actor, 'model.json'), 'utf8')) as { variables: { name: string; shape: number[]; size: number }[] };
  const vars = manifest.variables;
  const sizes = vars.map((v) => v.size);
  const weights = splitF32(readFileSync(join(actor, 'model.bin')), sizes, join(actor, 'model.bin'));
  const o = JSON.parse(readFileSync(join(actor, 'optim.json'), 'utf8')) as Omit<AdamState, 'm' | 'v'> & { names: string[] };
  const mv = splitF32(readFileSync(join(actor, 'optim.bin')), [...sizes, ...sizes], join(actor, 'optim.bin'));
  const extra = JSON.parse(readFileSync(join(actor, 'extra_state.json'), 'utf8')) as Record<string, unknown>;
  const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as Record<string, unknown>;
  return {
    step,
    names: vars.map((v) => v.name),
    shapes: vars.map((v) => v.shape),
    weights,
    optimizer: { iteration: o.iteration, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, lr: o.lr, weightDecay: o.weightDecay, m: mv.slice(0, vars.length), v: mv.slice(vars.length) },
    extra,
    data,
  };
}

/** The files a complete `global_step_<N>/` has (writeStepDir writes them all before the rename). */
export const CHECKPOINT_FILES = ['data.json', 'actor/model.json', 'actor/model.bin', 'actor/optim.json', 'actor/optim.bin', 'actor/extra_state.json'] as const;

/**
 * True when `global_step_<step>/` has every file and model.bin/optim.bin have the sizes the manifest
 * says (a directory cut short by a crash or a copy is not complete).
 */
export function isCompleteCheckpoint(runDir: string, step: number): boolean {
  const dir = stepDir(runDir, step);
  if (!CHECKPOINT_FILES.every((f) => existsSync(join(dir, f)))) return false;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'actor', 'model.json'), 'utf8')) as { variables: { size: number }[] };
    const total = manifest.variables.reduce((a, v) => a + v.size, 0);
    return statSync(join(dir, 'actor', 'model.bin')).size === total * 4 && statSync(join(dir, 'actor', 'optim.bin')).size === total * 8;
  } catch {
    return false;
  }
}

/** Resume cannot proceed safely (the run directory has history but no complete checkpoint). */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

export interface ResumePoint {
  /** The step to resume from, or null: start fresh (the directory holds no history). */
  step: number | null;
  /** Set when the latest file was not usable and another checkpoint was chosen (or none was). */
  note?: string;
}

function hasHistory(runDir: string): boolean {
  const m = join(runDir, 'metrics.jsonl');
  return (existsSync(m) && readFileSync(m, 'utf8').trim().length > 0) || listCheckpoints(runDir).length > 0;
}

/**
 * Where a run resumes (see the file header): the latest file's step when it names a complete
 * checkpoint; else the newest complete `global_step_*` (with a note); else null when the directory
 * holds no history; else a `ResumeError` (never a silent restart at step 0 over an old run).
 */
export function findResumeCheckpoint(runDir: string): ResumePoint {
  if (!existsSync(runDir)) return { step: null };
  const f = join(runDir, LATEST_FILE);
  let problem: string;
  if (!existsSync(f)) problem = `${LATEST_FILE} is missing`;
  else {
    const text = readFileSync(f, 'utf8').trim();
    const step = Number(text);
    if (text === '') problem = `${LATEST_FILE} is empty`;
    else if (!/^\d+$/.test(text) || !Number.isSafeInteger(step)) problem = `${LATEST_FILE} holds ${JSON.stringify(text.slice(0, 40))}, not a step number`;
    else if (isCompleteCheckpoint(runDir, step)) return { step };
    else problem = `${LATEST_FILE} names step ${step}, but ${stepDir(runDir, step)} is ${existsSync(stepDir(runDir, step)) ? 'incomplete' : 'missing'}`;
  }
  const complete = listCheckpoints(runDir).filter((s) => isCompleteCheckpoint(runDir, s));
  if (complete.length > 0) {
    const step = complete[complete.length - 1];
    return { step, note: `${problem}; resuming from the newest complete checkpoint, ${stepDir(runDir, step)}` };
  }
  if (!hasHistory(runDir)) return { step: null };
  throw new ResumeError(
    `${runDir}: ${problem} and no complete global_step_* checkpoint is left, but the directory holds a run's history (metrics.jsonl or step directories); refusing to restart at step 0 over it (use another --out, or --resume disable to start over)`,
  );
}

// ───────────────────────────── run-directory lock ─────────────────────────────

export const LOCK_FILE = 'run.lock';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

/** Another live process writes this run directory. */
export class RunLockedError extends Error {
  constructor(
    readonly runDir: string,
    readonly holder: LockHolder,
  ) {
    super(`${runDir} is locked by pid ${holder.pid} on ${holder.host} (since ${holder.started}; ${join(runDir, LOCK_FILE)}): another process is writing this run directory`);
    this.name = 'RunLockedError';
  }
}

export interface RunLock {
  path: string;
  /** Set when a stale lock (dead pid on this host, or an unreadable lock file) was taken over. */
  note?: string;
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/**
 * Take `<runDir>/run.lock` (O_EXCL). Held by a live process (or by any process on another host): a
 * `RunLockedError` naming it. Held by a dead pid on this host, or unreadable: taken over, with a note.
 * `release()` removes it (only if it is still ours); it is also removed when the process exits.
 */
export function acquireRunLock(runDir: string): RunLock {
  mkdirp(runDir);
  const path = join(runDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  let note: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const h = readHolder(path);
      if (h && h.pid === me.pid && h.host === me.host) throw new RunLockedError(runDir, h); // this process already writes it
      if (h && (h.host !== me.host || pidAlive(h.pid))) throw new RunLockedError(runDir, h);
      note = h ? `took over a stale lock of pid ${h.pid} on ${h.host} (since ${h.started}; the process is gone)` : `took over an unreadable lock file ${path}`;
      // Remove only the stale file we read: rename it aside first, so two takers cannot both win.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        const moved = readHolder(aside);
        // Between our read and the rename another taker may have put a fresh lock there: put it back.
        if (moved && (moved.pid !== h?.pid || moved.started !== h?.started) && pidAlive(moved.pid)) renameSync(aside, path);
        else unlinkSync(aside);
      } catch {
        /* another process took it over first: try again */
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me) + '\n');
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      const h = readHolder(path);
      if (h && h.pid === me.pid && h.host === me.host) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { path, ...(note ? { note } : {}), release };
  }
  const h = readHolder(path);
  throw new RunLockedError(runDir, h ?? { pid: -1, host: 'unknown', started: 'unknown' });
}
