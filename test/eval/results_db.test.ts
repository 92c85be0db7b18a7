/**
 * The results database's guarantees (lib/eval/results_db.ts), on a real SQLite file:
 * claim semantics (new, done, live claim busy, stale claim taken over), `complete` writes all rows and the
 * done flag in ONE transaction (a duplicate row or a lost claim rolls everything back), the UNIQUE
 * constraint, WAL mode, and the query helpers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOwner, ResultsDb, type Owner } from '../../lib/eval/results_db.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'golongrl-db-')), 'eval.db');

/** The pid of a process that has exited (so it is certainly not alive). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('ResultsDb', () => {
  it('uses WAL and enforces UNIQUE(run, step, benchmark, metric)', () => {
    const db = new ResultsDb(tmp());
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.ensureRun('r', '/ck');
    const ins = db.db.prepare('INSERT INTO results (run, step, benchmark, metric, value, created_at) VALUES (?, ?, ?, ?, ?, 0)');
    ins.run('r', 1, 'b', 'm', 1);
    expect(() => ins.run('r', 1, 'b', 'm', 2)).toThrow(/UNIQUE/);
    db.close();
  });

  it('claim → complete writes every row and marks done in one transaction', () => {
    const db = new ResultsDb(tmp());
    const me = makeOwner();
    db.ensureRun('r', '/ck');
    expect(db.claim('r', 5, me)).toBe('claimed');
    db.complete('r', 5, me, [
      { benchmark: 'b', metric: 'acc', value: 0.5 },
      { benchmark: 'b', metric: 'n', value: 10 },
    ]);
    expect(db.checkpoint('r', 5)?.state).toBe('done');
    expect(db.results('r')).toEqual([
      { run: 'r', step: 5, benchmark: 'b', metric: 'acc', value: 0.5 },
      { run: 'r', step: 5, benchmark: 'b', metric: 'n', value: 10 },
    ]);
    expect(db.claim('r', 5, makeOwner())).toBe('done');
    expect(db.scoreVsStep('r', 'b', 'acc')).toEqual([{ step: 5, value: 0.5 }]);
    db.close();
  });

  it('a failing write rolls back everything: no partial rows, the claim stays', () => {
    const db = new ResultsDb(tmp());
    const me = makeOwner();
    db.ensureRun('r', '/ck');
    db.claim('r', 1, me);
    // The second row duplicates the first → UNIQUE violation inside the transaction.
    expect(() =>
      db.complete('r', 1, me, [
        { benchmark: 'b', metric: 'acc', value: 1 },
        { benchmark: 'b', metric: 'acc', value: 2 },
      ]),
    ).toThrow(/UNIQUE/);
    expect(db.results('r')).toEqual([]);
    expect(db.checkpoint('r', 1)?.state).toBe('claimed');
    expect(() => db.complete('r', 1, me, [{ benchmark: 'b', metric: 'acc', value: NaN }])).toThrow(/finite/);
    db.close();
  });

  it('a live claim is busy; a claim by a dead process is stale and taken over; a lost claim cannot write', () => {
    const path = tmp();
    const db = new ResultsDb(path);
    db.ensureRun('r', '/ck');
    const other: Owner = { id: 'other-live', pid: process.pid, host: hostname() };
    expect(db.claim('r', 1, other)).toBe('claimed');
    const me = makeOwner();
    expect(db.claim('r', 1, me)).toBe('busy');
    const dead: Owner = { id: 'dead', pid: deadPid(), host: hostname() };
    expect(db.claim('r', 2, dead)).toBe('claimed');
    expect(db.claim('r', 2, me)).toBe('claimed');
    expect(db.checkpoint('r', 2)?.attempts).toBe(2);
    // The dead owner can no longer complete step 2.
    expect(() => db.complete('r', 2, dead, [{ benchmark: 'b', metric: 'm', value: 1 }])).toThrow(/not claimed by this process/);
    // Heartbeat age makes a claim stale even across hosts.
    const remote: Owner = { id: 'remote', pid: 1, host: 'elsewhere' };
    db.claim('r', 3, remote, { now: Date.now() - 60_000 });
    expect(db.claim('r', 3, me, { staleAfterMs: 10_000 })).toBe('claimed');
    db.close();
  });

  it('failed checkpoints are retried by the next claim; reset forgets a checkpoint', () => {
    const db = new ResultsDb(tmp());
    const me = makeOwner();
    db.ensureRun('r', '/ck');
    db.claim('r', 1, me);
    db.fail('r', 1, me, 'boom');
    expect(db.checkpoint('r', 1)).toMatchObject({ state: 'failed', error: 'boom', attempts: 1 });
    expect(db.claim('r', 1, me)).toBe('claimed');
    db.complete('r', 1, me, [{ benchmark: 'b', metric: 'm', value: 3 }]);
    db.reset('r', 1);
    expect(db.checkpoint('r', 1)).toBeNull();
    expect(db.results('r')).toEqual([]);
    expect(() => db.ensureRun('r', '/other')).toThrow(/already registered/);
    db.close();
  });
});
