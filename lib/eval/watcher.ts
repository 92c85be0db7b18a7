/**
 * The checkpoint → evaluation loop: watch a verl-layout checkpoint directory (GOLONGRL.md §D) and
 * evaluate every COMPLETE checkpoint exactly once, across crashes and restarts.
 *
 * Completeness. `latest_checkpointed_iteration.txt` holds the newest step the trainer finished (verl
 * writes it after the step directory; lib/train/checkpoint.ts renames the directory into place, then
 * replaces the latest file). A `global_step_N/` is complete when N ≤ latest AND its expected files exist:
 *   - local trainer: data.json, actor/{model.json, model.bin, extra_state.json} (lib/eval/local.ts),
 *   - verl: actor/huggingface/config.json and model weights — HF weights in actor/huggingface/
 *     (*.safetensors, pytorch_model*.bin), or a Megatron actor/dist_ckpt/ that is not empty, or FSDP
 *     actor/model_world_size_*_rank_*.pt shards (lib/eval/merge.ts).
 * A step directory above `latest`, or one with files missing, is "pending": it is looked at again on the
 * next poll, never skipped and never evaluated early.
 *
 * Exactly once (lib/eval/results_db.ts): for each complete step in ascending order,
 *   claim (one transaction) → evaluate (a Runner: in-process, or a Job through the cluster layer)
 *   → write every result row + mark done (ONE transaction).
 * A watcher killed with SIGKILL mid-evaluation leaves a `claimed` row whose owner pid is dead; the next
 * watcher takes it over (stale claim) and evaluates it again; since nothing was committed, the step ends
 * with exactly one set of rows. A failed evaluation is recorded (`failed`, with the error) and retried
 * up to `maxAttempts` claims in total.
 *
 * Nothing is lost silently (issue 15). A claimed checkpoint is PINNED (`global_step_N.eval-pin`, lib/eval/pin.ts)
 * so the local trainer's keep-last rotation keeps it while it is evaluated. A checkpoint that vanishes before
 * it is evaluated — listed in the trainer's `rotated_steps.jsonl`, or seen by this watcher and then gone, or
 * claimed/failed in the database and then gone — is recorded `missed` (results_db.ts) with the reason and
 * reported in the summary; `--until-step` then exits non-zero.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LATEST_FILE } from '../train/checkpoint.js';
import { LOCAL_CHECKPOINT_FILES } from './local.js';
import { hfWeightsPresent } from './merge.js';
import { clearStalePins, pinCheckpoint, readRotatedSteps, unpinCheckpoint } from './pin.js';
import { makeOwner, pidAlive, type CheckpointRecord, type Owner, type ResultRow, type ResultsDb } from './results_db.js';

export type CheckpointLayout = 'local' | 'verl';

export interface CheckpointRef {
  run: string;
  ckptDir: string;
  step: number;
  /** `<ckptDir>/global_step_<step>` */
  dir: string;
  layout: CheckpointLayout;
}

export interface RunnerContext {
  /** Call now and then during long evaluations (the watcher also does it on a timer). */
  heartbeat: () => void;
  signal?: AbortSignal;
}

/** Evaluates one checkpoint and returns its result rows. */
export interface Runner {
  readonly name: string;
  evaluate(ck: CheckpointRef, ctx: RunnerContext): Promise<ResultRow[]>;
}

export interface ScanResult {
  /** The step in latest_checkpointed_iteration.txt (null: no such file yet). */
  latest: number | null;
  /** Complete checkpoints, ascending. */
  complete: CheckpointRef[];
  /** Step directories present but not (yet) complete, with the reason. */
  pending: { step: number; reason: string }[];
}

/** Read `latest_checkpointed_iteration.txt` (null when absent); a malformed file is an error naming it. */
export function readLatest(ckptDir: string): number | null {
  const f = join(ckptDir, LATEST_FILE);
  if (!existsSync(f)) return null;
  const text = readFileSync(f, 'utf8').trim();
  if (!/^\d+$/.test(text)) throw new Error(`${f}:1: expected a global step (a non-negative integer), found ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function listDir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

/** Which layout a step directory has and, if it is not complete, why. */
export function checkStepDir(dir: string): { layout: CheckpointLayout; missing: string | null } {
  const actor = join(dir, 'actor');
  if (existsSync(join(actor, 'model.json')) || existsSync(join(dir, 'data.json'))) {
    const missing = LOCAL_CHECKPOINT_FILES.filter((f) => !existsSync(join(dir, f)));
    return { layout: 'local', missing: missing.length ? `missing ${missing.join(', ')}` : null };
  }
  if (!existsSync(join(actor, 'huggingface', 'config.json'))) return { layout: 'verl', missing: 'missing actor/huggingface/config.json' };
  if (hfWeightsPresent(join(actor, 'huggingface'))) return { layout: 'verl', missing: null };
  const dist = join(actor, 'dist_ckpt');
  if (existsSync(dist) && statSync(dist).isDirectory() && listDir(dist).length > 0) return { layout: 'verl', missing: null };
  if (listDir(actor).some((f) => /^model_world_size_\d+_rank_\d+\.pt$/.test(f))) return { layout: 'verl', missing: null };
  return { layout: 'verl', missing: 'no model weights (actor/huggingface/*.safetensors, actor/dist_ckpt/ or FSDP shards)' };
}

/** The complete and pending checkpoints of a directory, right now. */
export function scanCheckpoints(run: string, ckptDir: string): ScanResult {
  const latest = readLatest(ckptDir);
  const steps = listDir(ckptDir)
    .map((d) => /^global_step_(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const complete: CheckpointRef[] = [];
  const pending: { step: number; reason: string }[] = [];
  for (const step of steps) {
    const dir = join(ckptDir, `global_step_${step}`);
    if (latest === null || step > latest) {
      pending.push({ step, reason: latest === null ? `no ${LATEST_FILE} yet` : `above the latest checkpointed step ${latest}` });
      continue;
    }
    const { layout, missing } = checkStepDir(dir);
    if (missing) pending.push({ step, reason: missing });
    else complete.push({ run, ckptDir, step, dir, layout });
  }
  return { latest, complete, pending };
}

export type WatchEvent =
  | { type: 'scan'; latest: number | null; complete: number[]; pending: { step: number; reason: string }[] }
  | { type: 'claimed'; step: number; attempt: number }
  | { type: 'done'; step: number; rows: number; seconds: number }
  | { type: 'failed'; step: number; error: string; attempt: number }
  | { type: 'skip'; step: number; reason: string }
  | { type: 'missed'; step: number; reason: string }
  | { type: 'warning'; message: string };

export interface WatchOptions {
  run: string;
  ckptDir: string;
  db: ResultsDb;
  runner: Runner;
  /** Evaluate what is complete now, then return (no polling). */
  once?: boolean;
  /** Poll interval (default 5 s). */
  pollMs?: number;
  /** Stop (in watch mode) once this step is done. */
  untilStep?: number;
  /** Total claims per checkpoint before a failing one is left alone (default 3). */
  maxAttempts?: number;
  /** A claim with no heartbeat for this long is stale (default 30 min; see results_db.ts). */
  staleAfterMs?: number;
  heartbeatMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: WatchEvent) => void;
  owner?: Owner;
}

export interface WatchSummary {
  run: string;
  evaluated: number[];
  failed: number[];
  alreadyDone: number[];
  pending: { step: number; reason: string }[];
  /** Checkpoints that vanished before they were evaluated (the whole run's record, not only this watch). */
  missed: { step: number; reason: string }[];
  latest: number | null;
}

const ROTATED = "rotated away by the trainer's keep-last before it was evaluated (see docs/eval.md: pins)";
const VANISHED = 'checkpoint directory disappeared before it was evaluated';

/** Record as missed every step known to have existed that is gone now and not done (see the file header). */
function detectMissed(run: string, ckptDir: string, db: ResultsDb, seen: Set<number>, onDisk: Set<number>, opts: WatchOptions, emit: (e: WatchEvent) => void): void {
  const candidates = new Map<number, string>();
  for (const s of seen) if (!onDisk.has(s)) candidates.set(s, VANISHED);
  for (const r of db.checkpoints(run)) if (r.state !== 'done' && !onDisk.has(r.step)) candidates.set(r.step, VANISHED);
  for (const s of readRotatedSteps(ckptDir)) if (!onDisk.has(s)) candidates.set(s, ROTATED);
  for (const [step, reason] of [...candidates].sort((a, b) => a[0] - b[0])) {
    if (db.isMissed(run, step)) continue;
    if (db.markMissed(run, step, reason, { staleAfterMs: opts.staleAfterMs })) emit({ type: 'missed', step, reason });
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
  });

/** Run the loop (see the file header). Resolves when `once` is done, `untilStep` is done, or `signal` aborts. */
export async function watchCheckpoints(opts: WatchOptions): Promise<WatchSummary> {
  const { run, ckptDir, db, runner } = opts;
  const owner = opts.owner ?? makeOwner();
  const maxAttempts = opts.maxAttempts ?? 3;
  db.ensureRun(run, ckptDir);
  const summary: WatchSummary = { run, evaluated: [], failed: [], alreadyDone: [], pending: [], missed: [], latest: null };
  const emit = (e: WatchEvent) => opts.onEvent?.(e);
  clearStalePins(ckptDir, pidAlive);
  const seen = new Set<number>();
  for (;;) {
    if (opts.signal?.aborted) break;
    const scan = scanCheckpoints(run, ckptDir);
    summary.latest = scan.latest;
    summary.pending = scan.pending;
    const onDisk = new Set([...scan.complete.map((c) => c.step), ...scan.pending.map((p) => p.step)]);
    detectMissed(run, ckptDir, db, seen, onDisk, opts, emit);
    for (const c of scan.complete) seen.add(c.step); // a pending directory above `latest` was never a checkpoint
    emit({ type: 'scan', latest: scan.latest, complete: scan.complete.map((c) => c.step), pending: scan.pending });
    for (const ck of scan.complete) {
      if (opts.signal?.aborted) break;
      const rec: CheckpointRecord | null = db.checkpoint(run, ck.step);
      if (rec?.state === 'done') {
        if (!summary.alreadyDone.includes(ck.step) && !summary.evaluated.includes(ck.step)) summary.alreadyDone.push(ck.step);
        continue;
      }
      if (rec?.state === 'failed' && rec.attempts >= maxAttempts) {
        if (!summary.failed.includes(ck.step)) {
          summary.failed.push(ck.step);
          emit({ type: 'skip', step: ck.step, reason: `failed ${rec.attempts} times: ${rec.error ?? ''}` });
        }
        continue;
      }
      if (db.isMissed(run, ck.step)) continue;
      const got = db.claim(run, ck.step, owner, { staleAfterMs: opts.staleAfterMs });
      if (got !== 'claimed') continue;
      const attempt = db.checkpoint(run, ck.step)?.attempts ?? 1;
      emit({ type: 'claimed', step: ck.step, attempt });
      // Pin, then look again: the trainer may have rotated it away between the scan and the pin.
      const pin = pinCheckpoint(ckptDir, ck.step, owner);
      if (!pin.ok) emit({ type: 'warning', message: `cannot pin step ${ck.step} (${'reason' in pin ? pin.reason : 'no reason given'}); the trainer's keep-last may remove it during evaluation` });
      const t0 = performance.now();
      const beat = () => db.heartbeat(run, ck.step, owner);
      const timer = setInterval(beat, opts.heartbeatMs ?? 30_000);
      try {
        const { missing } = existsSync(ck.dir) ? checkStepDir(ck.dir) : { missing: 'directory gone' };
        if (missing) throw new Error(`${ck.dir}: ${missing} (removed after the scan)`);
        const rows = await runner.evaluate(ck, { heartbeat: beat, signal: opts.signal });
        if (rows.length === 0) throw new Error('the runner returned no result rows');
        db.complete(run, ck.step, owner, rows);
        summary.evaluated.push(ck.step);
        emit({ type: 'done', step: ck.step, rows: rows.length, seconds: (performance.now() - t0) / 1000 });
      } catch (e) {
        const msg = (e as Error).message ?? String(e);
        db.fail(run, ck.step, owner, msg);
        emit({ type: 'failed', step: ck.step, error: msg, attempt });
        if (!existsSync(ck.dir) && db.markMissed(run, ck.step, VANISHED, { staleAfterMs: opts.staleAfterMs })) emit({ type: 'missed', step: ck.step, reason: `${VANISHED} (last error: ${msg})` });
        else if (attempt >= maxAttempts && !summary.failed.includes(ck.step)) summary.failed.push(ck.step);
      } finally {
        clearInterval(timer);
        if (pin.ok) unpinCheckpoint(ckptDir, ck.step);
      }
    }
    const stillTodo = scanCheckpoints(run, ckptDir).complete.some((c) => {
      const r = db.checkpoint(run, c.step);
      return !r || (r.state === 'failed' && r.attempts < maxAttempts) || (r.state === 'claimed' && db.isStale(r, { staleAfterMs: opts.staleAfterMs }));
    });
    if (opts.once && !stillTodo) break;
    if (opts.untilStep !== undefined && (db.checkpoint(run, opts.untilStep)?.state === 'done' || db.isMissed(run, opts.untilStep))) break;
    if (!stillTodo) await sleep(opts.pollMs ?? 5000, opts.signal);
  }
  // A last look: what vanished while the final evaluations ran.
  const final = scanCheckpoints(run, ckptDir);
  detectMissed(run, ckptDir, db, seen, new Set([...final.complete.map((c) => c.step), ...final.pending.map((p) => p.step)]), opts, emit);
  summary.missed = db.missed(run).map((m) => ({ step: m.step, reason: m.reason }));
  summary.failed = summary.failed.filter((s) => !summary.missed.some((m) => m.step === s));
  return summary;
}
