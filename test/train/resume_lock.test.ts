/**
 * Issue 15 item 5 (history lost or doubled): resume with a missing / empty / dangling
 * `latest_checkpointed_iteration.txt` finds the newest complete checkpoint (with a note) or refuses;
 * a run directory has one writer (a second exits 2 naming the holder; a dead holder's lock is taken
 * over with a note). Before the fix each of these restarted at step 0, rewriting metrics.jsonl, or
 * let two writers log every step twice.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { acquireRunLock, findResumeCheckpoint, LATEST_FILE, LOCK_FILE, ResumeError, RunLockedError, stepDir } from '../../lib/train/checkpoint.js';
import { readMetrics } from '../../lib/train/logger.js';
import { getRecipe, train, type TrainConfig } from '../../lib/train/trainer.js';

const ROOT = join(import.meta.dirname, '..', '..');

beforeAll(async () => {
  await selectBackend('cpu');
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'golongrl-resume-'));
}

function cfg(outDir: string, steps: number): TrainConfig {
  return { ...getRecipe('tiny'), steps, saveFreq: 2, keepLast: 0, outDir, resume: 'auto' };
}

/** A 4-step run with checkpoints at 2 and 4, then metrics lines for steps 5 and 6 as a run killed after step 6 would leave. */
function interruptedRun(): string {
  const dir = tmp();
  train(cfg(dir, 4)).policy.dispose();
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  writeFileSync(join(dir, 'metrics.jsonl'), lines + JSON.stringify({ step: 5, data: {} }) + '\n' + JSON.stringify({ step: 6, data: {} }) + '\n');
  return dir;
}

function resumeAndCheck(dir: string, expectNote: RegExp): void {
  const notes: string[] = [];
  const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => JSON.parse(l || '{"step":99}').step <= 4);
  const r = train(cfg(dir, 6), { onNote: (n) => notes.push(n) });
  r.policy.dispose();
  expect(r.startStep).toBe(4);
  expect(notes.join('\n')).toMatch(expectNote);
  const steps = readMetrics(join(dir, 'metrics.jsonl')).map((m) => m.step);
  expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  // Steps 1–4 were not rewritten.
  const after = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').slice(0, 4);
  expect(after).toEqual(before.slice(0, 4));
  expect(readFileSync(join(dir, LATEST_FILE), 'utf8').trim()).toBe('6');
}

describe('resume with a broken latest file', () => {
  it('missing: resumes from the newest complete checkpoint and says so', () => {
    const dir = interruptedRun();
    rmSync(join(dir, LATEST_FILE));
    resumeAndCheck(dir, /latest_checkpointed_iteration\.txt is missing; resuming from the newest complete checkpoint, .*global_step_4/);
  });

  it('empty: same', () => {
    const dir = interruptedRun();
    writeFileSync(join(dir, LATEST_FILE), '');
    resumeAndCheck(dir, /is empty; resuming .*global_step_4/);
  });

  it('dangling (names a step whose directory is gone): same; an incomplete newest directory is skipped', () => {
    const dir = interruptedRun();
    writeFileSync(join(dir, LATEST_FILE), '8');
    resumeAndCheck(dir, /names step 8, but .*global_step_8 is missing; resuming .*global_step_4/);
    const dir2 = interruptedRun();
    rmSync(join(stepDir(dir2, 4), 'actor', 'optim.bin'));
    writeFileSync(join(dir2, LATEST_FILE), 'garbage');
    const p = findResumeCheckpoint(dir2);
    expect(p.step).toBe(2);
    expect(p.note).toMatch(/not a step number; resuming .*global_step_2/);
  });

  it('refuses (never restarts at 0) when history exists but no complete checkpoint does', () => {
    const dir = interruptedRun();
    rmSync(join(dir, LATEST_FILE));
    rmSync(stepDir(dir, 2), { recursive: true });
    rmSync(stepDir(dir, 4), { recursive: true });
    const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    expect(() => train(cfg(dir, 6))).toThrow(ResumeError);
    expect(() => train(cfg(dir, 6))).toThrow(/refusing to restart at step 0/);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(before);
    // The refused run left no lock behind.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a fresh directory starts at 0 without a note', () => {
    expect(findResumeCheckpoint(join(tmp(), 'new'))).toEqual({ step: null });
  });
});

describe('run-directory lock', () => {
  it('a second writer in this process is refused; release frees it', () => {
    const dir = tmp();
    const a = acquireRunLock(dir);
    expect(() => acquireRunLock(dir)).toThrow(RunLockedError);
    expect(() => train(cfg(dir, 2))).toThrow(new RegExp(`locked by pid ${process.pid} on ${hostname()}`));
    a.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const r = train(cfg(dir, 2));
    r.policy.dispose();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a stale lock (dead pid on this host) is taken over with a note', () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const notes: string[] = [];
    const r = train(cfg(dir, 2), { onNote: (n) => notes.push(n) });
    r.policy.dispose();
    expect(notes.join('\n')).toMatch(new RegExp(`took over a stale lock of pid ${pid}`));
    expect(r.finalStep).toBe(2);
  });

  it('golongrl train on a directory another live process holds exits 2 naming the holder, logging nothing', async () => {
    const dir = tmp();
    // A live holder: a child process that takes the lock and waits.
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `import { acquireRunLock } from ${JSON.stringify(join(ROOT, 'lib/train/checkpoint.ts'))}; acquireRunLock(${JSON.stringify(dir)}); console.log('held'); setTimeout(() => {}, 60000);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((res) => holder.stdout!.once('data', () => res()));
      const r = spawnSync(process.execPath, ['bin/golongrl.mjs', 'train', '--recipe', 'tiny', '--steps', '2', '--out', dir, '--backend', 'cpu'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`locked by pid ${holder.pid} on ${hostname()}`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});
