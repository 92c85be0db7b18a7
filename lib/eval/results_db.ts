/**
 * The evaluation results database: SQLite through better-sqlite3 (WAL journal, synchronous=NORMAL,
 * busy timeout), one file per project (default `runs/eval.db`).
 *
 *   runs(run PK, ckpt_dir, created_at)
 *   checkpoints(run, step, state ∈ {claimed, done, failed}, owner, owner_pid, owner_host, heartbeat_at,
 *               attempts, claimed_at, finished_at, error, PK(run, step))
 *   results(run, step, benchmark, metric, value, created_at, UNIQUE(run, step, benchmark, metric))
 *   missed(run, step, reason, detected_at, PK(run, step))   checkpoints that vanished (the trainer's
 *               keep-last rotated them away) before they were evaluated — recorded, never silently lost
 *
 * The crash-safety protocol (lib/eval/watcher.ts) rests on three properties of this file:
 * - `claim` is one IMMEDIATE transaction: a checkpoint with no row, a `failed` row (retry) or a STALE
 *   `claimed` row (its owner process is gone, or its heartbeat is older than `staleAfterMs`) becomes
 *   `claimed` by the caller; a `done` row or a live claim is never taken.
 * - `complete` writes every result row AND flips the claim to `done` in ONE transaction, after checking
 *   that the caller still owns the claim. A crash before the commit leaves no row at all; a crash after
 *   leaves everything. `UNIQUE(run, step, benchmark, metric)` makes a second write of the same result
 *   an error (rolled back), so a checkpoint can never be scored twice.
 * - Results are never updated in place; re-scoring a checkpoint means `reset` (delete its rows and
 *   state, in one transaction) and evaluating again.
 */
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { mkdirp } from '../util/fsx.js';
import { InputError } from '../util/jsonl.js';

export type CheckpointState = 'claimed' | 'done' | 'failed';

export interface ResultRow {
  benchmark: string;
  metric: string;
  value: number;
}

export interface StoredResult extends ResultRow {
  run: string;
  step: number;
}

export interface CheckpointRecord {
  run: string;
  step: number;
  state: CheckpointState;
  owner: string;
  ownerPid: number;
  ownerHost: string;
  heartbeatAt: number;
  attempts: number;
  claimedAt: number;
  finishedAt: number | null;
  error: string | null;
}

export interface Owner {
  /** Unique per watcher process (pid, host, start time, random). */
  id: string;
  pid: number;
  host: string;
}

export function makeOwner(): Owner {
  return { id: `${hostname()}:${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`, pid: process.pid, host: hostname() };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run TEXT PRIMARY KEY,
  ckpt_dir TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  run TEXT NOT NULL REFERENCES runs(run),
  step INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('claimed', 'done', 'failed')),
  owner TEXT NOT NULL,
  owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  claimed_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT,
  PRIMARY KEY (run, step)
);
CREATE TABLE IF NOT EXISTS results (
  run TEXT NOT NULL REFERENCES runs(run),
  step INTEGER NOT NULL,
  benchmark TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (run, step, benchmark, metric)
);
CREATE TABLE IF NOT EXISTS missed (
  run TEXT NOT NULL REFERENCES runs(run),
  step INTEGER NOT NULL,
  reason TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  PRIMARY KEY (run, step)
);
CREATE INDEX IF NOT EXISTS results_by_run ON results(run, benchmark, metric, step);
`;

/** Is `pid` a live process on this host? (signal 0 probes without signalling) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface CkRow {
  run: string;
  step: number;
  state: CheckpointState;
  owner: string;
  owner_pid: number;
  owner_host: string;
  heartbeat_at: number;
  attempts: number;
  claimed_at: number;
  finished_at: number | null;
  error: string | null;
}

function toRecord(r: CkRow): CheckpointRecord {
  return {
    run: r.run,
    step: r.step,
    state: r.state,
    owner: r.owner,
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    heartbeatAt: r.heartbeat_at,
    attempts: r.attempts,
    claimedAt: r.claimed_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

export interface ClaimOptions {
  /** A claim whose heartbeat is older than this is stale even if its pid looks alive (other hosts). Default 30 min. */
  staleAfterMs?: number;
  now?: number;
}

export class ResultsDb {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirp(dirname(path));
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
    } catch (e) {
      // Not a database (SQLITE_NOTADB), a directory or unreadable (SQLITE_CANTOPEN): name the file (the CLI
      // prints one line, exit 2).
      db?.close();
      throw Object.assign(e as Error, { file: path });
    }
    this.db = db;
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  ensureRun(run: string, ckptDir: string): void {
    if (!run) throw new Error('run name must not be empty');
    const existing = this.db.prepare('SELECT ckpt_dir FROM runs WHERE run = ?').get(run) as { ckpt_dir: string } | undefined;
    if (existing) {
      if (existing.ckpt_dir !== ckptDir) throw InputError.at(this.path, `run '${run}'`, `already registered for checkpoint directory ${existing.ckpt_dir}, not ${ckptDir} (give another --run name or --db)`);
      return;
    }
    this.db.prepare('INSERT INTO runs (run, ckpt_dir, created_at) VALUES (?, ?, ?)').run(run, ckptDir, Date.now());
  }

  runs(): { run: string; ckptDir: string }[] {
    return (this.db.prepare('SELECT run, ckpt_dir FROM runs ORDER BY run').all() as { run: string; ckpt_dir: string }[]).map((r) => ({ run: r.run, ckptDir: r.ckpt_dir }));
  }

  checkpoint(run: string, step: number): CheckpointRecord | null {
    const r = this.db.prepare('SELECT * FROM checkpoints WHERE run = ? AND step = ?').get(run, step) as CkRow | undefined;
    return r ? toRecord(r) : null;
  }

  checkpoints(run: string): CheckpointRecord[] {
    return (this.db.prepare('SELECT * FROM checkpoints WHERE run = ? ORDER BY step').all(run) as CkRow[]).map(toRecord);
  }

  /** Whether a claimed row may be taken over (see the file header). */
  isStale(rec: CheckpointRecord, opts: ClaimOptions = {}): boolean {
    if (rec.state !== 'claimed') return false;
    const now = opts.now ?? Date.now();
    if (now - rec.heartbeatAt > (opts.staleAfterMs ?? 30 * 60_000)) return true;
    return rec.ownerHost === hostname() && !pidAlive(rec.ownerPid);
  }

  /**
   * Claim (run, step) for `owner` in one IMMEDIATE transaction. Returns 'claimed' (new claim, a retry of a
   * failed one, or a take-over of a stale one — `attempts` counts them), or why not: 'done', 'busy'.
   */
  claim(run: string, step: number, owner: Owner, opts: ClaimOptions = {}): 'claimed' | 'done' | 'busy' {
    const now = opts.now ?? Date.now();
    const tx = this.db.transaction((): 'claimed' | 'done' | 'busy' => {
      const cur = this.checkpoint(run, step);
      if (!cur) {
        this.db
          .prepare('INSERT INTO checkpoints (run, step, state, owner, owner_pid, owner_host, heartbeat_at, attempts, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)')
          .run(run, step, 'claimed', owner.id, owner.pid, owner.host, now, now);
        return 'claimed';
      }
      if (cur.state === 'done') return 'done';
      if (cur.state === 'claimed' && cur.owner !== owner.id && !this.isStale(cur, { ...opts, now })) return 'busy';
      this.db
        .prepare("UPDATE checkpoints SET state = 'claimed', owner = ?, owner_pid = ?, owner_host = ?, heartbeat_at = ?, attempts = attempts + 1, claimed_at = ?, finished_at = NULL, error = NULL WHERE run = ? AND step = ?")
        .run(owner.id, owner.pid, owner.host, now, now, run, step);
      return 'claimed';
    });
    return tx.immediate();
  }

  heartbeat(run: string, step: number, owner: Owner): void {
    this.db.prepare("UPDATE checkpoints SET heartbeat_at = ? WHERE run = ? AND step = ? AND owner = ? AND state = 'claimed'").run(Date.now(), run, step, owner.id);
  }

  /**
   * Write all result rows and mark the checkpoint done, in ONE transaction; throws (and writes nothing)
   * if `owner` no longer holds the claim or any (run, step, benchmark, metric) already exists.
   */
  complete(run: string, step: number, owner: Owner, rows: readonly ResultRow[]): void {
    for (const r of rows) {
      if (!r.benchmark || !r.metric) throw new Error(`result row for ${run} step ${step}: benchmark and metric must be non-empty`);
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw new Error(`result ${r.benchmark}/${r.metric} for ${run} step ${step}: value must be a finite number, got ${String(r.value)}`);
    }
    const now = Date.now();
    const tx = this.db.transaction(() => {
      const cur = this.checkpoint(run, step);
      if (!cur || cur.state !== 'claimed' || cur.owner !== owner.id) throw new Error(`checkpoint ${run} step ${step} is not claimed by this process (state ${cur?.state ?? 'none'}); results not written`);
      const ins = this.db.prepare('INSERT INTO results (run, step, benchmark, metric, value, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of rows) ins.run(run, step, r.benchmark, r.metric, r.value, now);
      this.db.prepare("UPDATE checkpoints SET state = 'done', finished_at = ?, heartbeat_at = ? WHERE run = ? AND step = ?").run(now, now, run, step);
    });
    tx.immediate();
  }

  /** Mark a claimed checkpoint failed (it will be retried by the next `claim`). */
  fail(run: string, step: number, owner: Owner, error: string): void {
    this.db.prepare("UPDATE checkpoints SET state = 'failed', finished_at = ?, error = ? WHERE run = ? AND step = ? AND owner = ? AND state = 'claimed'").run(Date.now(), error.slice(0, 4000), run, step, owner.id);
  }

  /**
   * Record that (run, step) vanished before it was evaluated. In one transaction: a `done` checkpoint or a
   * live claim of another process is left alone (returns false); otherwise its claimed/failed row is
   * replaced by a `missed` row whose reason keeps the last error. Idempotent.
   */
  markMissed(run: string, step: number, reason: string, opts: ClaimOptions = {}): boolean {
    return this.db.transaction((): boolean => {
      const cur = this.checkpoint(run, step);
      if (cur?.state === 'done') return false;
      if (cur?.state === 'claimed' && !this.isStale(cur, opts)) return false;
      const why = cur?.error ? `${reason} (last error: ${cur.error})` : reason;
      this.db.prepare('DELETE FROM checkpoints WHERE run = ? AND step = ?').run(run, step);
      this.db.prepare('INSERT OR IGNORE INTO missed (run, step, reason, detected_at) VALUES (?, ?, ?, ?)').run(run, step, why.slice(0, 4000), Date.now());
      return true;
    }).immediate();
  }

  /** Missed checkpoints of a run, ascending. */
  missed(run: string): { step: number; reason: string; detectedAt: number }[] {
    return (this.db.prepare('SELECT step, reason, detected_at FROM missed WHERE run = ? ORDER BY step').all(run) as { step: number; reason: string; detected_at: number }[]).map((r) => ({ step: r.step, reason: r.reason, detectedAt: r.detected_at }));
  }

  isMissed(run: string, step: number): boolean {
    return this.db.prepare('SELECT 1 FROM missed WHERE run = ? AND step = ?').get(run, step) !== undefined;
  }

  /** Forget a checkpoint's results and state (to re-score it), in one transaction. */
  reset(run: string, step: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM results WHERE run = ? AND step = ?').run(run, step);
      this.db.prepare('DELETE FROM checkpoints WHERE run = ? AND step = ?').run(run, step);
      this.db.prepare('DELETE FROM missed WHERE run = ? AND step = ?').run(run, step);
    }).immediate();
  }

  /** All result rows (optionally of one run), ordered by run, step, benchmark, metric. */
  results(run?: string): StoredResult[] {
    const sql = `SELECT run, step, benchmark, metric, value FROM results ${run ? 'WHERE run = ?' : ''} ORDER BY run, step, benchmark, metric`;
    return (run ? this.db.prepare(sql).all(run) : this.db.prepare(sql).all()) as StoredResult[];
  }

  /** One metric over steps: [{step, value}] ascending. */
  scoreVsStep(run: string, benchmark: string, metric: string): { step: number; value: number }[] {
    return this.db.prepare('SELECT step, value FROM results WHERE run = ? AND benchmark = ? AND metric = ? ORDER BY step').all(run, benchmark, metric) as { step: number; value: number }[];
  }

  /** Number of result rows per (run, step): the crash test's "exactly one set" check. */
  rowCounts(run: string): { step: number; rows: number }[] {
    return this.db.prepare('SELECT step, COUNT(*) AS rows FROM results WHERE run = ? GROUP BY step ORDER BY step').all(run) as { step: number; rows: number }[];
  }
}

/** One object per (run, step, benchmark) with its metrics as fields — for tables (showTable, the CLI). */
export function pivotResults(rows: readonly StoredResult[]): Record<string, string | number>[] {
  const groups = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    const k = `${r.run}\u0000${String(r.step).padStart(12, '0')}\u0000${r.benchmark}`;
    const g = groups.get(k) ?? { run: r.run, step: r.step, benchmark: r.benchmark };
    g[r.metric] = r.value;
    groups.set(k, g);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k) as Record<string, string | number>);
}
