/** Tests for lib/train/checkpoint.ts (verl layout, atomic save, resume pick, rotation) and lib/train/logger.ts (append mode, resume truncation). */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LATEST_FILE,
  latestCheckpointStep,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  stepDir,
  writeStepDir,
  type CheckpointState,
} from '../../lib/train/checkpoint.js';
import { JsonlMetricsLogger, readMetrics } from '../../lib/train/logger.js';
import { Rng } from '../../lib/util/random.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'golongrl-ckpt-'));
}

function randomF32(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * 10 ** rng.int(-30, 30);
  return a;
}

function state(step: number, seed = step): CheckpointState {
  const rng = new Rng(seed);
  const shapes = [[3, 4], [4], [2, 2, 2]];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const weights = sizes.map((n) => randomF32(rng, n));
  // Special values survive too.
  weights[1].set([-0, Number.MIN_VALUE, -3.4028234663852886e38, 1e-45]);
  return {
    step,
    names: ['tok_emb', 'ln_f.g', 'block0.attn.wq'],
    shapes,
    weights,
    optimizer: { iteration: step, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, lr: 0.03, weightDecay: 0, m: sizes.map((n) => randomF32(rng, n)), v: sizes.map((n) => randomF32(rng, n)) },
    extra: { seed: 7, step },
    data: { consumed_steps: step },
  };
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

describe('checkpoint', () => {
  it('uses verl’s layout and round-trips bit-exactly', () => {
    const dir = tmp();
    const s = state(5);
    saveCheckpoint(dir, s);
    expect(readFileSync(join(dir, LATEST_FILE), 'utf8')).toBe('5');
    expect(readdirSync(join(stepDir(dir, 5), 'actor')).sort()).toEqual(['extra_state.json', 'model.bin', 'model.json', 'optim.bin', 'optim.json']);
    expect(existsSync(join(stepDir(dir, 5), 'data.json'))).toBe(true);
    expect(latestCheckpointStep(dir)).toBe(5);
    const back = loadCheckpoint(dir, 5);
    expect(back.names).toEqual(s.names);
    expect(back.shapes).toEqual(s.shapes);
    back.weights.forEach((w, i) => expect(bits(w)).toEqual(bits(s.weights[i])));
    back.optimizer.m.forEach((w, i) => expect(bits(w)).toEqual(bits(s.optimizer.m[i])));
    back.optimizer.v.forEach((w, i) => expect(bits(w)).toEqual(bits(s.optimizer.v[i])));
    expect(back.optimizer.iteration).toBe(5);
    expect(back.extra).toEqual(s.extra);
    expect(back.data).toEqual({ step: 5, consumed_steps: 5 });
    // model.bin is little-endian float32 in manifest order.
    const raw = readFileSync(join(stepDir(dir, 5), 'actor', 'model.bin'));
    expect(raw.length).toBe(4 * (12 + 4 + 8));
    expect(raw.readFloatLE(0)).toBe(s.weights[0][0]);
  });

  it('a crash between writing the step directory and the latest file leaves the previous checkpoint as latest', () => {
    const dir = tmp();
    saveCheckpoint(dir, state(3));
    writeStepDir(dir, state(6)); // "killed" before markLatest
    expect(listCheckpoints(dir)).toEqual([3, 6]);
    expect(latestCheckpointStep(dir)).toBe(3);
    // A torn temporary directory is never picked either.
    writeFileSync(join(dir, 'global_step_9.tmp-123'), 'x');
    expect(latestCheckpointStep(dir)).toBe(3);
    // The next save removes the unmarked and temporary leftovers.
    saveCheckpoint(dir, state(4));
    expect(listCheckpoints(dir)).toEqual([3, 4]);
    expect(existsSync(join(dir, 'global_step_9.tmp-123'))).toBe(false);
  });

  it('a missing latest file means no checkpoint', () => {
    const dir = tmp();
    writeStepDir(dir, state(2));
    expect(latestCheckpointStep(dir)).toBeNull();
  });

  it('rotation keeps the last k', () => {
    const dir = tmp();
    for (const s of [2, 4, 6, 8, 10]) saveCheckpoint(dir, state(s), { keepLast: 2 });
    expect(listCheckpoints(dir)).toEqual([8, 10]);
    expect(latestCheckpointStep(dir)).toBe(10);
    const all = tmp();
    for (const s of [1, 2, 3]) saveCheckpoint(all, state(s), { keepLast: 0 });
    expect(listCheckpoints(all)).toEqual([1, 2, 3]);
  });
});

describe('JsonlMetricsLogger', () => {
  it('appends: two loggers on the same file keep both histories', () => {
    const f = join(tmp(), 'metrics.jsonl');
    const a = new JsonlMetricsLogger(f);
    a.log(1, { x: 1 });
    a.log(2, { x: 2 });
    const b = new JsonlMetricsLogger(f);
    b.log(3, { x: 3, bad: NaN });
    expect(readMetrics(f)).toEqual([
      { step: 1, data: { x: 1 } },
      { step: 2, data: { x: 2 } },
      { step: 3, data: { x: 3, bad: null } },
    ]);
  });

  it('truncateAfter(S) drops only steps > S and a torn line, keeping earlier lines byte for byte', () => {
    const f = join(tmp(), 'metrics.jsonl');
    const a = new JsonlMetricsLogger(f);
    for (let s = 1; s <= 5; s++) a.log(s, { x: s / 3 });
    writeFileSync(f, readFileSync(f, 'utf8') + '{"step":6,"da');
    const before = readFileSync(f, 'utf8').split('\n').slice(0, 3).join('\n');
    expect(a.truncateAfter(3)).toBe(3);
    expect(readFileSync(f, 'utf8')).toBe(before + '\n');
    a.log(4, { x: 4 });
    expect(readMetrics(f).map((l) => l.step)).toEqual([1, 2, 3, 4]);
  });
});
