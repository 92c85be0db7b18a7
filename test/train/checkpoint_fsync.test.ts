/**
 * Checkpoints are durable, not only atomic (issue 15 item 6): lib/train/checkpoint.ts fsyncs every file
 * before the rename that publishes it and every directory after the creations/renames inside it.
 *
 * node:fs is wrapped (every call passes through to the real module) so that the test sees the sequence of
 * open / write / fsync / close / rename calls the module makes, with the path behind each descriptor. A
 * checkpoint written without any one of those fsyncs fails here: a file's data (model.bin, data.json, the
 * latest pointer …) not fsynced before its rename, or a directory (actor/, the step directory, the run
 * directory) not fsynced after the entries in it were created or renamed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_FILES, LATEST_FILE, markLatest, saveCheckpoint, stepDir, writeStepDir, type CheckpointState } from '../../lib/train/checkpoint.js';

type FsEvent =
  | { op: 'open'; path: string; fd: number; flags: string }
  | { op: 'write'; path: string }
  | { op: 'fsync'; path: string }
  | { op: 'close'; path: string }
  | { op: 'rename'; from: string; to: string };

const trace = vi.hoisted(() => ({ events: [] as FsEvent[], fdPath: new Map<number, string>() }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const { events, fdPath } = trace;
  const pathOf = (fd: number): string => fdPath.get(fd) ?? `<fd ${fd}>`;
  const wrapped = {
    ...real,
    openSync: (path: import('node:fs').PathLike, flags?: import('node:fs').OpenMode, mode?: import('node:fs').Mode) => {
      const fd = real.openSync(path, flags ?? 'r', mode);
      fdPath.set(fd, String(path));
      events.push({ op: 'open', path: String(path), fd, flags: String(flags ?? 'r') });
      return fd;
    },
    fsyncSync: (fd: number) => {
      real.fsyncSync(fd);
      events.push({ op: 'fsync', path: pathOf(fd) });
    },
    fdatasyncSync: (fd: number) => {
      real.fdatasyncSync(fd);
      events.push({ op: 'fsync', path: pathOf(fd) });
    },
    closeSync: (fd: number) => {
      real.closeSync(fd);
      events.push({ op: 'close', path: pathOf(fd) });
      fdPath.delete(fd);
    },
    writeSync: ((fd: number, ...rest: unknown[]) => {
      events.push({ op: 'write', path: pathOf(fd) });
      return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof real.writeSync,
    writeFileSync: ((file: unknown, ...rest: unknown[]) => {
      events.push({ op: 'write', path: typeof file === 'number' ? pathOf(file) : String(file) });
      return (real.writeFileSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof real.writeFileSync,
    renameSync: (from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
      real.renameSync(from, to);
      events.push({ op: 'rename', from: String(from), to: String(to) });
    },
  };
  return { ...wrapped, default: { ...real, ...wrapped } };
});

function state(step: number): CheckpointState {
  const sizes = [6, 2];
  const f32 = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => i * 0.5 + k);
  return {
    step,
    names: ['w', 'b'],
    shapes: [[2, 3], [2]],
    weights: sizes.map((n, i) => f32(n, i)),
    optimizer: { iteration: step, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, lr: 0.01, weightDecay: 0, m: sizes.map((n) => f32(n, 1)), v: sizes.map((n) => f32(n, 2)) },
    extra: { seed: 1, step },
    data: { consumed_steps: step },
  };
}

/** Index of the first event matching `pred` at or after `from` (−1 when none). */
function find(pred: (e: FsEvent) => boolean, from = 0): number {
  for (let i = from; i < trace.events.length; i++) if (pred(trace.events[i])) return i;
  return -1;
}
const lastIndex = (pred: (e: FsEvent) => boolean): number => {
  for (let i = trace.events.length - 1; i >= 0; i--) if (pred(trace.events[i])) return i;
  return -1;
};
const isFsync = (path: string) => (e: FsEvent) => e.op === 'fsync' && e.path === path;
const isRenameTo = (path: string) => (e: FsEvent) => e.op === 'rename' && e.to === path;

/** The file was written, then fsynced (after its last write) before `deadline` (an event index). */
function expectFileSyncedBefore(path: string, deadline: number, what: string): void {
  const lastWrite = lastIndex((e) => e.op === 'write' && e.path === path);
  expect(lastWrite, `${what}: never written (${path})`).toBeGreaterThanOrEqual(0);
  const sync = find(isFsync(path), lastWrite);
  expect(sync, `${what}: not fsynced after its last write (${path})`).toBeGreaterThan(lastWrite);
  expect(sync, `${what}: fsynced only after it was published by rename (${path})`).toBeLessThan(deadline);
}

/** The directory was opened and fsynced after event `after` (and, when given, before event `before`). */
function expectDirSyncedBetween(dir: string, after: number, before: number | null, what: string): void {
  const sync = find(isFsync(dir), after + 1);
  expect(sync, `${what}: directory not fsynced after its entries changed (${dir})`).toBeGreaterThan(after);
  if (before !== null) expect(sync, `${what}: directory fsynced only after it was renamed away (${dir})`).toBeLessThan(before);
}

describe('checkpoint durability (fsync)', () => {
  beforeEach(() => {
    trace.events.length = 0;
    trace.fdPath.clear();
  });

  it('the seam sees the real calls (open, write, fsync, rename) and they still do their work', () => {
    // Guards the test itself: if node:fs were not intercepted, every assertion below would fail for the
    // wrong reason.
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-fsync-'));
    markLatest(dir, 4);
    for (const op of ['open', 'write', 'fsync', 'close'] as const) expect(trace.events.some((e) => e.op === op), op).toBe(true);
    expect(trace.events.some((e) => e.op === 'rename' && e.to === join(dir, LATEST_FILE))).toBe(true);
    expect(readFileSync(join(dir, LATEST_FILE), 'utf8')).toBe('4');
  });

  it('writeStepDir fsyncs every file before the step directory is renamed into place, each directory after its entries', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'golongrl-fsync-'));
    const final = writeStepDir(runDir, state(7));
    expect(final).toBe(stepDir(runDir, 7));
    const publish = find(isRenameTo(final));
    expect(publish, 'the step directory is published by one rename').toBeGreaterThanOrEqual(0);
    const tmpDir = (trace.events[publish] as { from: string }).from;
    expect(dirname(tmpDir)).toBe(runDir);

    // Every file of the checkpoint: its data durable before the directory holding it becomes visible.
    for (const f of CHECKPOINT_FILES) expectFileSyncedBefore(join(tmpDir, f), publish, f);

    // actor/ after its five files were created, the step directory after actor/ and data.json, both
    // before the rename; the run directory after the rename (the new global_step_7 entry).
    const filesDone = Math.max(...CHECKPOINT_FILES.map((f) => lastIndex(isFsync(join(tmpDir, f)))));
    const actorFiles = CHECKPOINT_FILES.filter((f) => f.startsWith('actor/'));
    const actorFilesCreated = Math.max(...actorFiles.map((f) => find((e) => e.op === 'open' && e.path === join(tmpDir, f))));
    expectDirSyncedBetween(join(tmpDir, 'actor'), actorFilesCreated, publish, 'actor/');
    expectDirSyncedBetween(tmpDir, Math.max(filesDone, find((e) => e.op === 'open' && e.path === join(tmpDir, 'data.json'))), publish, 'the step directory');
    expectDirSyncedBetween(runDir, publish, null, 'the run directory');
  });

  it('saveCheckpoint makes the latest pointer durable: the file fsynced before its rename, the run directory after', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'golongrl-fsync-'));
    saveCheckpoint(runDir, state(3));
    const latest = join(runDir, LATEST_FILE);
    const publish = find(isRenameTo(latest));
    expect(publish).toBeGreaterThanOrEqual(0);
    const tmpFile = (trace.events[publish] as { from: string }).from;
    expect(relative(runDir, tmpFile).startsWith(LATEST_FILE)).toBe(true);
    expectFileSyncedBefore(tmpFile, publish, LATEST_FILE);
    expectDirSyncedBetween(runDir, publish, null, 'the run directory (latest pointer)');
    // …and the pointer is written only after the step directory it names is durable in the run directory.
    const stepPublished = find(isRenameTo(stepDir(runDir, 3)));
    expect(stepPublished).toBeGreaterThanOrEqual(0);
    expect(stepPublished).toBeLessThan(publish);
    const runDirSyncAfterStep = find(isFsync(runDir), stepPublished + 1);
    expect(runDirSyncAfterStep).toBeGreaterThan(stepPublished);
    expect(runDirSyncAfterStep).toBeLessThan(publish);
  });
});
